// guard.c — a copy of samples/guard/guard.c (kept here so this sample re-captures
// on its own), recorded with more events: sys_exit_mprotect, mmap/munmap and
// tlb:tlb_flush.
//
// A guard-page write barrier in miniature, the way a generational GC
// or a snapshotting database uses mprotect.
//
// A heap of pages is written once, then made read-only by two different
// "protect" functions (young pages and old pages). Stores through two
// different mutator functions then fault on the read-only pages; the SIGSEGV
// handler records the page as dirty and restores PROT_READ|PROT_WRITE, so the
// faulting store retries and succeeds. Each round repeats the cycle.
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

#define PAGES 16
#define ROUNDS 4

static char *heap;
static long page_size;
static volatile sig_atomic_t dirty_pages;

// The handler's own mprotect: makes the faulting page writable again.
__attribute__((noinline)) static void unprotect_page(void *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) _exit(3);
}

static void on_segv(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  char *addr = info->si_addr;
  if (addr < heap || addr >= heap + PAGES * page_size) {
    signal(SIGSEGV, SIG_DFL);
    return; // a real crash: let it happen again, unhandled
  }
  dirty_pages++;
  unprotect_page((void *)((uintptr_t)addr & ~(uintptr_t)(page_size - 1)));
}

// Write barrier set-up for the young generation: the even pages.
__attribute__((noinline)) void protect_young(void) {
  for (int i = 0; i < PAGES; i += 2)
    if (mprotect(heap + i * page_size, page_size, PROT_READ) != 0) exit(1);
}

// Write barrier set-up for the old generation: the odd pages, in one call each.
__attribute__((noinline)) void protect_old(void) {
  for (int i = 1; i < PAGES; i += 2)
    if (mprotect(heap + i * page_size, page_size, PROT_READ) != 0) exit(1);
}

// Mutator 1: a pointer store into an object field.
__attribute__((noinline)) void write_field(long *slot, long value) {
  *slot = value;
}

// Mutator 2: an object header update (a byte store at the start of a page).
__attribute__((noinline)) void write_header(char *obj, char mark) {
  obj[0] = mark;
}

__attribute__((noinline)) void mutate(int round) {
  for (int i = 0; i < PAGES; i++) {
    char *page = heap + i * page_size;
    if (i % 4 == 0)
      write_header(page, (char)round);
    else
      write_field((long *)(page + 64 * (i % 8)), round * 1000 + i);
  }
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);

  heap = mmap(NULL, PAGES * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (heap == MAP_FAILED) return 2;
  memset(heap, 0, PAGES * page_size); // first touch: one fault per page

  for (int round = 0; round < ROUNDS; round++) {
    protect_young();
    protect_old();
    mutate(round);
  }
  printf("dirty pages: %d\n", (int)dirty_pages);
  munmap(heap, PAGES * page_size);
  return 0;
}
