// kernel.c — a freestanding image linked at a kernel text address
// (0xffffffff81000000, see record.sh) so the listing has addresses above 2^53,
// as an `objdump -d vmlinux` has. zero_table is a run of zero bytes inside
// .text, which objdump elides as `...`.
long counter;

__attribute__((noinline)) void bump(long *p) { *p += 1; }

__asm__(".text\n"
        ".globl zero_table\n"
        ".type zero_table,@function\n"
        "zero_table:\n"
        "  nop\n"
        "  .zero 64\n"
        "  ret\n"
        ".size zero_table,.-zero_table\n");

void _start(void) {
  for (;;) bump(&counter);
}
