// latin1.c — names that are not UTF-8, as a real trace can carry them: a
// function whose symbol holds Latin-1 bytes (an asm label, as a JIT or an old
// toolchain may write), and a thread renamed with Latin-1 bytes (prctl), so
// perf script prints both byte for byte. Each store in the oddly named
// function touches a fresh page: one page fault each.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#define PAGES 16

// Symbol "caf\xe9_\xffstore": é in Latin-1, then a byte no encoding uses.
__attribute__((noinline)) void latin_store(char *p) __asm__("caf\xe9_\xff" "store");
__attribute__((noinline)) void latin_store(char *p) { p[0] = 1; }

__attribute__((noinline)) void fill(char *heap, long page) {
  for (int i = 0; i < PAGES; i++) latin_store(heap + i * page);
}

int main(void) {
  prctl(PR_SET_NAME, "na\xefve\xff", 0, 0, 0); // comm "naïve" in Latin-1, and 0xff
  long page = 4096;
  char *heap = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (heap == MAP_FAILED) return 2;
  fill(heap, page);
  munmap(heap, PAGES * page);
  return 0;
}
