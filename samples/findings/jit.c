// jit.c — a JIT's code pages: W^X flips, and calls into pages sealed without
// execute permission.
//
// jit_alloc maps 32 pages read-write, populated up front (MAP_POPULATE: no
// first-touch faults). Each page gets a stub (`mov $n,%eax;
// ret`), is sealed PROT_READ|PROT_EXEC by seal_rx and called. Then every stub
// is patched the W^X way: open_rw makes the page writable (not executable),
// the stub is rewritten, the page sealed again and called — two mprotect
// calls per patch. Pages 24 to 31 are re-sealed by seal_ro, PROT_READ only (the
// bug a JIT can have): calling them is an instruction fetch from a page
// without execute permission; the SIGSEGV handler's make_exec mprotect makes
// the page executable and the call retries.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 32
#define BUGGY 24 // pages from here on are re-sealed without exec

static char *code;
static long page_size;

__attribute__((noinline)) static void make_exec(void *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_EXEC) != 0) _exit(3);
}

static void on_segv(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  char *addr = info->si_addr;
  if (addr < code || addr >= code + PAGES * page_size) {
    signal(SIGSEGV, SIG_DFL);
    return;
  }
  make_exec((void *)((uintptr_t)addr & ~(uintptr_t)(page_size - 1)));
}

__attribute__((noinline)) char *jit_alloc(size_t pages) {
  char *p = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) exit(2);
  return p;
}

__attribute__((noinline)) void emit_stub(char *page, int n) {
  unsigned char stub[] = {0xb8, (unsigned char)n, 0x00, 0x00, 0x00, 0xc3}; // mov $n,%eax; ret
  memcpy(page, stub, sizeof stub);
}

__attribute__((noinline)) void seal_rx(char *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_EXEC) != 0) exit(1);
}

__attribute__((noinline)) void seal_ro(char *page) {
  if (mprotect(page, page_size, PROT_READ) != 0) exit(1);
}

__attribute__((noinline)) void open_rw(char *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) exit(1);
}

__attribute__((noinline)) int run_stub(char *page) {
  return ((int (*)(void))page)();
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);

  code = jit_alloc(PAGES);
  int sum = 0;
  for (int i = 0; i < PAGES; i++) {
    emit_stub(code + (long)i * page_size, i);
    seal_rx(code + (long)i * page_size);
    sum += run_stub(code + (long)i * page_size);
  }
  for (int i = 0; i < PAGES; i++) {
    char *page = code + (long)i * page_size;
    open_rw(page);
    emit_stub(page, i + 1);
    if (i < BUGGY) seal_rx(page);
    else seal_ro(page);
    sum += run_stub(page);
  }
  munmap(code, PAGES * page_size);
  return sum == (PAGES - 1) * PAGES / 2 + PAGES * (PAGES + 1) / 2 ? 0 : 1;
}
