// fanout.c — the benchmark's workload: page faults under many distinct call
// paths, with protection changes for the timeline to attribute them to.
//
// Each event walks a generated call tree: 48 `step_*` functions call each
// other through a table, the path and depth chosen by a hash of the event
// number modulo PATHS, so about PATHS distinct call paths repeat all through
// the run (memory should follow them, not the events). The leaf touches the
// next page of an arena with one of four stores or a load, so every touch is a
// fresh page and a page fault.
//
// Every ARENA_PAGES touches a round ends: the arena is dropped
// (MADV_DONTNEED, so its pages fault again), made PROT_NONE and then
// read-write again in 1 MiB pieces by one of two "collector" sites, and every
// 64th page is sealed read-only by a write barrier. A store to a sealed page
// raises SIGSEGV; the handler unseals the page and the store retries — the
// guard-page pattern the protection timeline classifies.
//
// Build and record: record.sh (-O1 -fno-omit-frame-pointer
// -fno-optimize-sibling-calls, so every step keeps its frame).
// Usage: fanout EVENTS
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NF 48
#define PATHS 30011 /* distinct call paths (prime) */
#define ARENA_PAGES 8192
#define PIECE_PAGES 256
#define SEAL_EVERY 64

static char *arena;
static long page_size;
static uint64_t next_page;
static volatile uint64_t sink;
static volatile sig_atomic_t unsealed;

typedef void (*step_fn)(uint64_t path, int depth);
static step_fn table[NF];

// The leaves: different instructions, widths and a read.
__attribute__((noinline)) void store_byte(char *p, uint64_t v) { p[0] = (char)v; }
__attribute__((noinline)) void store_word(char *p, uint64_t v) { *(uint32_t *)(p + 128) = (uint32_t)v; }
__attribute__((noinline)) void store_long(char *p, uint64_t v) { *(uint64_t *)(p + 1024) = v; }
__attribute__((noinline)) void store_block(char *p, uint64_t v) { memset(p + 2048, (int)v, 64); }
__attribute__((noinline)) void load_long(char *p, uint64_t v) { sink += *(volatile uint64_t *)(p + 512) + v; }

__attribute__((noinline)) static void touch(uint64_t path) {
  char *page = arena + (next_page++ % ARENA_PAGES) * page_size;
  switch (path % 5) {
    case 0: store_byte(page, path); break;
    case 1: store_word(page, path); break;
    case 2: store_long(page, path); break;
    case 3: store_block(page, path); break;
    default: load_long(page, path); break;
  }
  sink++;
}

// 48 steps. The store after the call keeps it from being a tail call.
#define STEP(n)                                                   \
  __attribute__((noinline)) void step_##n(uint64_t path, int depth) { \
    if (depth == 0)                                               \
      touch(path);                                                \
    else                                                          \
      table[path % NF](path / NF, depth - 1);                     \
    sink += n;                                                    \
  }
#define STEP8(a) STEP(a##0) STEP(a##1) STEP(a##2) STEP(a##3) STEP(a##4) STEP(a##5) STEP(a##6) STEP(a##7)
STEP8(1) STEP8(2) STEP8(3) STEP8(4) STEP8(5) STEP8(6)
#define REF8(a) step_##a##0, step_##a##1, step_##a##2, step_##a##3, step_##a##4, step_##a##5, step_##a##6, step_##a##7
static step_fn table[NF] = {REF8(1), REF8(2), REF8(3), REF8(4), REF8(5), REF8(6)};

// The handler's own mprotect: the sealed page becomes writable, the store retries.
__attribute__((noinline)) static void unseal_page(void *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) _exit(3);
}

static void on_segv(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  char *addr = info->si_addr;
  if (addr < arena || addr >= arena + ARENA_PAGES * page_size) {
    signal(SIGSEGV, SIG_DFL);
    return;
  }
  unsealed++;
  unseal_page((void *)((uintptr_t)addr & ~(uintptr_t)(page_size - 1)));
}

// Two collector sites that reset the arena in pieces: no access, then read-write.
__attribute__((noinline)) void collect_young(char *piece, size_t len) {
  if (mprotect(piece, len, PROT_NONE) != 0) exit(1);
  if (mprotect(piece, len, PROT_READ | PROT_WRITE) != 0) exit(1);
}

__attribute__((noinline)) void collect_old(char *piece, size_t len) {
  if (mprotect(piece, len, PROT_NONE) != 0) exit(1);
  if (mprotect(piece, len, PROT_READ | PROT_WRITE) != 0) exit(1);
}

// The write barrier: seal one page read-only.
__attribute__((noinline)) void seal_page(char *page) {
  if (mprotect(page, page_size, PROT_READ) != 0) exit(1);
}

__attribute__((noinline)) static void new_round(uint64_t round) {
  size_t len = (size_t)ARENA_PAGES * page_size;
  if (madvise(arena, len, MADV_DONTNEED) != 0) exit(1);
  for (size_t at = 0; at < len; at += (size_t)PIECE_PAGES * page_size) {
    if ((round + at / page_size / PIECE_PAGES) % 2 == 0)
      collect_young(arena + at, (size_t)PIECE_PAGES * page_size);
    else
      collect_old(arena + at, (size_t)PIECE_PAGES * page_size);
  }
  for (size_t p = SEAL_EVERY / 2; p < ARENA_PAGES; p += SEAL_EVERY) seal_page(arena + p * page_size);
}

// A 64-bit mix (splitmix64's finaliser): event number → path.
static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

int main(int argc, char **argv) {
  uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  arena = mmap(NULL, (size_t)ARENA_PAGES * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (arena == MAP_FAILED) return 1;
  for (uint64_t i = 0; i < events; i++) {
    if (i % ARENA_PAGES == 0) new_round(i / ARENA_PAGES);
    uint64_t path = mix(i % PATHS);
    int depth = 2 + (int)(path % 7);
    table[(path >> 8) % NF](path >> 16, depth);
  }
  printf("%llu events, %d pages unsealed\n", (unsigned long long)events, (int)unsealed);
  return 0;
}
