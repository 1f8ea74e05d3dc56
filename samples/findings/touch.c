// touch.c — first touch of large allocations: an mmap'd arena and a brk heap
// block, written page by page after they are allocated.
//
// arena_create maps 256 pages (1 MiB) of anonymous memory; heap_block asks
// malloc for 96 KiB, under glibc's mmap threshold, so malloc grows the heap
// with brk. fill_pages then stores into every page: each first store is a
// fault that finds no frame and allocates one.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_PAGES 256
#define HEAP_BYTES (96 * 1024)

static long page_size;

__attribute__((noinline)) char *arena_create(size_t pages) {
  char *p = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) exit(2);
  return p;
}

__attribute__((noinline)) char *heap_block(size_t bytes) {
  char *p = malloc(bytes);
  if (p == NULL) exit(2);
  return p;
}

__attribute__((noinline)) void fill_pages(char *p, size_t bytes) {
  for (size_t off = 0; off < bytes; off += page_size) *(volatile char *)(p + off) = 1;
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  char *arena = arena_create(ARENA_PAGES);
  char *heap = heap_block(HEAP_BYTES);
  fill_pages(arena, ARENA_PAGES * page_size);
  fill_pages(heap, HEAP_BYTES);
  int sum = arena[0] + heap[0];
  free(heap);
  munmap(arena, ARENA_PAGES * page_size);
  return sum == 2 ? 0 : 1;
}
