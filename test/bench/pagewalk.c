// pagewalk.c — the bench's page-fault workload: a recursive-descent parser over
// a generated document, whose leaves write their values into fresh pages, with
// libc's memcpy and memset and with its own stores. A page-fault capture of
// the usual shape: deep frame-pointer chains (10 to 30 frames) through a few
// mutually recursive functions, a few hundred distinct paths repeated many
// times — where fanout.c's capture has tens of thousands of distinct paths.
//
// Every fault is the first touch of a page of the output arena; when the arena
// is full it is dropped (MADV_DONTNEED) so its pages fault again.
//
// Build and record: record.sh pagewalk (-O1 -fno-omit-frame-pointer
// -fno-optimize-sibling-calls, so every call keeps its frame).
// Usage: pagewalk FAULTS
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_PAGES 16384

static char *arena;
static long page_size;
static uint64_t next_page, faults, budget;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static volatile uint64_t sink;

static uint64_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

// The next untouched page of the arena.
__attribute__((noinline)) static char *fresh_page(void) {
  if (next_page == ARENA_PAGES) {
    if (madvise(arena, (size_t)ARENA_PAGES * page_size, MADV_DONTNEED) != 0) exit(1);
    next_page = 0;
  }
  faults++;
  return arena + next_page++ * page_size;
}

static const char text[] = "the quick brown fox jumps over the lazy dog, again and again";

// The leaves: libc's memcpy and memset, and stores of our own.
__attribute__((noinline)) void emit_string(int depth) { memcpy(fresh_page() + depth, text, sizeof text); }
__attribute__((noinline)) void emit_padding(int depth) { memset(fresh_page() + depth * 8, ' ', 256); }
__attribute__((noinline)) void emit_number(int depth) { *(uint64_t *)(fresh_page() + depth * 16) = next_random(); }
__attribute__((noinline)) void emit_bool(int depth) { *(volatile char *)(fresh_page() + 7) = (char)depth; }

void parse_value(int depth);

__attribute__((noinline)) void parse_string(int depth) {
  if (next_random() % 4 == 0) emit_padding(depth);
  else emit_string(depth);
  sink++;
}

__attribute__((noinline)) void parse_number(int depth) {
  if (next_random() % 3 == 0) emit_bool(depth);
  else emit_number(depth);
  sink++;
}

__attribute__((noinline)) void parse_member(int depth) {
  parse_string(depth);
  parse_value(depth + 1);
  sink++;
}

__attribute__((noinline)) void parse_object(int depth) {
  int n = 1 + (int)(next_random() % 3);
  for (int i = 0; i < n && faults < budget; i++) parse_member(depth + 1);
  sink++;
}

__attribute__((noinline)) void parse_array(int depth) {
  int n = 1 + (int)(next_random() % 3);
  for (int i = 0; i < n && faults < budget; i++) parse_value(depth + 1);
  sink++;
}

// Nesting deepens until a cap, then only scalars: chains of 10 to 30 frames.
__attribute__((noinline)) void parse_value(int depth) {
  uint64_t r = next_random() % 8;
  if (depth < 12 && r < 3) parse_object(depth);
  else if (depth < 12 && r < 5) parse_array(depth);
  else if (r < 7) parse_string(depth);
  else parse_number(depth);
  sink++;
}

__attribute__((noinline)) void parse_document(void) {
  parse_object(0);
  sink++;
}

int main(int argc, char **argv) {
  budget = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
  page_size = sysconf(_SC_PAGESIZE);
  arena = mmap(NULL, (size_t)ARENA_PAGES * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (arena == MAP_FAILED) return 1;
  while (faults < budget) parse_document();
  printf("%llu faults\n", (unsigned long long)faults);
  return 0;
}
