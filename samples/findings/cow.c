// cow.c — copy-on-write after fork, and a first write to a shared mapping the
// parent already populated.
//
// The parent maps a private arena with MAP_POPULATE (its pages exist before
// any store: no first-touch faults) and a shared anonymous buffer, which it
// writes (first touches: new frames). It forks in spawn_worker. The child
// writes every other page of the private arena: each store breaks a
// copy-on-write share (a present page, write-protected by fork, copied). It
// then writes the shared buffer: not copy-on-write and not new memory — the
// frames exist, but fork does not copy a shared mapping's page-table entries,
// so each first store maps the parent's frame into the child.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARENA_PAGES 64
#define SHARED_PAGES 8

static long page_size;

__attribute__((noinline)) char *map_arena(size_t pages) {
  char *p = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) exit(2);
  return p;
}

__attribute__((noinline)) char *map_shared(size_t pages) {
  char *p = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) exit(2);
  return p;
}

__attribute__((noinline)) void store(char *p, char v) {
  *(volatile char *)p = v;
}

// The child: dirties half the arena, then reports into the shared buffer.
__attribute__((noinline)) void worker(char *arena, char *shared) {
  for (int i = 0; i < ARENA_PAGES; i += 2) store(arena + (long)i * page_size, 'c');
  for (int i = 0; i < SHARED_PAGES; i++) store(shared + (long)i * page_size + 1, 'c');
}

__attribute__((noinline)) pid_t spawn_worker(char *arena, char *shared) {
  pid_t pid = fork();
  if (pid == 0) {
    worker(arena, shared);
    _exit(0);
  }
  return pid;
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  char *arena = map_arena(ARENA_PAGES);
  char *shared = map_shared(SHARED_PAGES);
  for (int i = 0; i < SHARED_PAGES; i++) store(shared + (long)i * page_size, 'p');
  pid_t child = spawn_worker(arena, shared);
  if (child < 0) return 2;
  int status = 0;
  waitpid(child, &status, 0);
  int ok = 1;
  for (int i = 0; i < SHARED_PAGES; i++) ok &= shared[(long)i * page_size + 1] == 'c';
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && ok ? 0 : 3;
}
