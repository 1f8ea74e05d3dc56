// Faults in every kind of region, and a printout of where each region is,
// so a test can check faultpath's placement of every fault against the
// program's own view:
//   file   a file mapping read after its pages were dropped from the page
//          cache (major faults), mapped by map_file
//   arena  anonymous arenas from mmap (make_arena), one grown by mremap
//   heap   malloc'd memory below the brk (grow_heap)
//   stack  a thread's stack grown by recursion (deep), the thread's stack
//          itself mmapped by pthread_create
//   child  a forked child writing to the arena (copy-on-write) and to a new arena
// Lines printed: `region NAME PID START END` (hex, [start, end)), then the
// /proc/self/maps of the parent at the end and of the child before it exits.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define FILE_PAGES 32
#define ARENA_PAGES 16
#define DEPTH 24

static volatile long sink;

static void show(const char *name, const void *start, size_t len) {
  printf("region %s %d %lx %lx\n", name, (int)getpid(), (unsigned long)start, (unsigned long)start + len);
  fflush(stdout);
}

static void dump_maps(const char *who) {
  char line[512];
  FILE *f = fopen("/proc/self/maps", "r");
  if (f == NULL) return;
  while (fgets(line, sizeof line, f) != NULL) printf("maps %s %d %s", who, (int)getpid(), line);
  fclose(f);
  fflush(stdout);
}

// Writes the data file, flushes it and drops it from the page cache, so
// reading its mapping takes major faults.
static __attribute__((noinline)) char *map_file(const char *path, size_t len) {
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) { perror(path); exit(1); }
  char buf[PAGE];
  for (size_t i = 0; i < len / PAGE; i++) {
    memset(buf, 'a' + (int)(i % 26), sizeof buf);
    if (write(fd, buf, sizeof buf) != sizeof buf) { perror("write"); exit(1); }
  }
  fsync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) { perror("mmap file"); exit(1); }
  close(fd);
  return p;
}

static __attribute__((noinline)) char *make_arena(size_t len) {
  char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap arena"); exit(1); }
  return p;
}

static __attribute__((noinline)) void read_pages(const char *p, size_t len) {
  for (size_t i = 0; i < len; i += PAGE) sink += p[i];
}

static __attribute__((noinline)) void write_pages(char *p, size_t len) {
  for (size_t i = 0; i < len; i += PAGE) p[i] = (char)i;
}

// Grows the thread's stack a page per call.
static __attribute__((noinline)) long deep(int n) {
  volatile char frame[PAGE];
  frame[0] = (char)n;
  frame[PAGE - 1] = (char)n;
  if (n == 0) return frame[0];
  return deep(n - 1) + frame[PAGE - 1];
}

static void *thread_main(void *arg) {
  (void)arg;
  char here;
  pthread_attr_t attr;
  void *lo;
  size_t size;
  pthread_getattr_np(pthread_self(), &attr);
  pthread_attr_getstack(&attr, &lo, &size);
  pthread_attr_destroy(&attr);
  show("thread-stack", lo, size);
  sink += deep(DEPTH);
  sink += here;
  return NULL;
}

static __attribute__((noinline)) char *grow_heap(size_t len) {
  // small blocks come from the brk heap, not mmap
  char *first = NULL;
  for (size_t i = 0; i < len / 1024; i++) {
    char *b = malloc(1000);
    if (first == NULL) first = b;
    memset(b, 1, 1000);
  }
  return first;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "regions.data";
  size_t flen = FILE_PAGES * PAGE, alen = ARENA_PAGES * PAGE;

  char *file = map_file(path, flen);
  show("file", file, flen);
  read_pages(file, flen);

  char *arena = make_arena(alen);
  show("arena", arena, alen);
  write_pages(arena, alen);

  // a second arena, grown in place or moved by mremap, then touched
  char *small = make_arena(alen / 2);
  show("small-arena", small, alen / 2);
  write_pages(small, alen / 2);
  char *grown = mremap(small, alen / 2, alen * 2, MREMAP_MAYMOVE);
  if (grown == MAP_FAILED) { perror("mremap"); return 1; }
  show("grown-arena", grown, alen * 2);
  write_pages(grown, alen * 2);

  char *heap = grow_heap(64 * 1024);
  show("heap-block", heap, 1000);

  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  pthread_join(t, NULL);

  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    write_pages(arena, alen); // copy-on-write of the parent's arena
    char *mine = make_arena(alen);
    show("child-arena", mine, alen);
    write_pages(mine, alen);
    dump_maps("child");
    _exit(0);
  }
  waitpid(child, NULL, 0);
  munmap(arena, alen);
  dump_maps("parent");
  munmap(file, flen);
  unlink(path);
  return 0;
}
