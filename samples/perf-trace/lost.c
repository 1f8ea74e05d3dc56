// lost.c — a burst of page faults and mprotect calls, fast enough to overrun a
// one-page perf ring buffer, so that `perf trace -m 1` prints `LOST N events!`.
//
// Build: see record.sh (-O1).
#define _GNU_SOURCE
#include <sys/mman.h>

int main(void) {
  const unsigned long len = 16ul << 20;
  char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 2;
  madvise(p, len, MADV_NOHUGEPAGE); // one minor fault per 4 KiB page
  for (unsigned long i = 0; i < len; i += 4096) p[i] = 1;
  for (int r = 0; r < 4000; r++) mprotect(p, 4096, r & 1 ? PROT_READ : PROT_READ | PROT_WRITE);
  return 0;
}
