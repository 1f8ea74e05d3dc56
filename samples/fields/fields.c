// Touches fresh pages from two functions (a read and a write), so each page
// faults once: page-fault samples with data addresses, on the heap-like arena.
#include <stdlib.h>
#include <sys/mman.h>

#define PAGES 64
#define PAGE 4096

__attribute__((noinline)) static long read_pages(volatile char *p, int n) {
  long sum = 0;
  for (int i = 0; i < n; i++) sum += p[(long)i * PAGE];
  return sum;
}

__attribute__((noinline)) static void write_pages(volatile char *p, int n) {
  for (int i = 0; i < n; i++) p[(long)i * PAGE] = (char)i;
}

int main(void) {
  char *a = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED) return 1;
  long s = read_pages(a, PAGES / 2);
  write_pages(a + (PAGES / 2) * PAGE, PAGES / 2);
  munmap(a, PAGES * PAGE);
  return (int)(s & 1);
}
