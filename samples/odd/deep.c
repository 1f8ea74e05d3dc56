// deep.c — many distinct deep call paths, each ending in a store to a fresh
// page: a capture whose folded stacks (faultpath collapse) run to a few hundred
// kilobytes, more than a pipe holds, so a reader that leaves early (| head)
// meets the writer mid-output.
//
// Path i descends 40 + i % 64 levels; at each level bit (level % 8) of i picks
// descend_left or descend_right, so no two paths are the same.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls).
#include <stddef.h>
#include <sys/mman.h>

#define PATHS 256
#define PAGE 4096

static char *heap;

__attribute__((noinline)) int descend_left(int path, int level, int depth);
__attribute__((noinline)) int descend_right(int path, int level, int depth);

__attribute__((noinline)) static int touch_page(int path) {
  heap[(size_t)path * PAGE] = 1;
  return path;
}

static int next(int path, int level, int depth) {
  if (level == depth) return touch_page(path);
  return (path >> (level % 8)) & 1 ? descend_right(path, level + 1, depth) : descend_left(path, level + 1, depth);
}

__attribute__((noinline)) int descend_left(int path, int level, int depth) { return next(path, level, depth) + 1; }
__attribute__((noinline)) int descend_right(int path, int level, int depth) { return next(path, level, depth) + 2; }

int main(void) {
  heap = mmap(NULL, (size_t)PATHS * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (heap == MAP_FAILED) return 2;
  int sum = 0;
  for (int i = 0; i < PATHS; i++) sum += next(i, 0, 40 + i % 64);
  munmap(heap, (size_t)PATHS * PAGE);
  return sum == 0;
}
