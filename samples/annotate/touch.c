// touch.c — page faults on several instructions of one function, with
// different counts, for `faultpath annotate` and its check against
// `perf annotate --stdio`.
//
//   stamp()      first-touch writes: one store per page, three store widths
//                on 1/4, 1/4 and 2/4 of the pages (16, 16 and 32 faults);
//   sum_pages()  first-touch reads of a fresh mapping (the zero page);
//   seal()       mprotect(PROT_READ) page by page: a protection site;
//   bump()       a load and a store into the sealed pages: the store faults,
//                the SIGSEGV handler's unprotect() (the second protection
//                site) makes the page writable again and the store retries.
//
// `touch after` is the same program after a change: it reads a quarter of
// the pages and seals three times as many, for `faultpath diff`.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 64
#define READ_PAGES 32
#define SEALED 8
#define AFTER_READ_PAGES 8
#define AFTER_SEALED 24

static long page_size;
static char *heap;

__attribute__((noinline)) static void unprotect(void *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) _exit(3);
}

static void on_segv(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  char *addr = info->si_addr;
  if (addr < heap || addr >= heap + PAGES * page_size) {
    signal(SIGSEGV, SIG_DFL);
    return;
  }
  unprotect((void *)((uintptr_t)addr & ~(uintptr_t)(page_size - 1)));
}

// Three stores of three widths; each page is touched by exactly one of them.
__attribute__((noinline)) void stamp(char *base, long pages) {
  for (long i = 0; i < pages; i++) {
    char *p = base + i * page_size;
    switch (i % 4) {
    case 0:
      p[0] = 1;
      break;
    case 1:
      *(volatile int *)(p + 8) = 2;
      break;
    default:
      *(volatile long *)(p + 16) = 3;
      break;
    }
  }
}

// Reads one word per page of a mapping nobody wrote: read faults.
__attribute__((noinline)) long sum_pages(const char *base, long pages) {
  long sum = 0;
  for (long i = 0; i < pages; i++) sum += *(const volatile long *)(base + i * page_size + 24);
  return sum;
}

// The write barrier: the first pages become read-only, one call per page.
__attribute__((noinline)) void seal(char *base, long pages) {
  for (long i = 0; i < pages; i++)
    if (mprotect(base + i * page_size, page_size, PROT_READ) != 0) exit(1);
}

// A read-modify-write into each sealed page: the store faults.
__attribute__((noinline)) void bump(char *base, long pages) {
  for (long i = 0; i < pages; i++) {
    volatile long *slot = (volatile long *)(base + i * page_size + 32);
    *slot = *slot + 1;
  }
}

int main(int argc, char **argv) {
  int after = argc > 1 && strcmp(argv[1], "after") == 0;
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);

  heap = mmap(NULL, PAGES * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *fresh = mmap(NULL, READ_PAGES * page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (heap == MAP_FAILED || fresh == MAP_FAILED) return 2;

  stamp(heap, PAGES);
  long sum = sum_pages(fresh, after ? AFTER_READ_PAGES : READ_PAGES);
  seal(heap, after ? AFTER_SEALED : SEALED);
  bump(heap, after ? AFTER_SEALED : SEALED);
  printf("sum %ld, first %d\n", sum, heap[0]);
  return 0;
}
