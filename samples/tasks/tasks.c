// tasks.c — one address space seen from three threads and a forked child.
//
// main maps 16 pages PROT_NONE and opens the first 8 with mprotect (the
// "arena"); two threads each write 4 of those pages (first-touch writes on a
// mapping their process, not they, made) and then 1 page of their own stack.
// main then forks: the child writes 2 arena pages (copy-on-write breaks of
// pages the parent's mprotect opened) and exits; the parent waits.
// pthread_create calls clone3, fork calls clone: with syscalls:sys_*_clone*
// recorded, each new tid is tied to the process that made it even when
// perf script prints only tids.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer -pthread).
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 16

static char *arena;
static long page_size;

__attribute__((noinline)) static void write_page(char *p) {
  *(volatile char *)p = 1;
}

static void *worker(void *arg) {
  long first = (long)arg;
  for (long i = first; i < first + 4; i++) write_page(arena + i * page_size);
  volatile char local[8192];
  local[0] = 1; // the thread's own stack, which pthread_create's mprotect opened
  return NULL;
}

__attribute__((noinline)) static void open_arena(void) {
  mprotect(arena, 8 * page_size, PROT_READ | PROT_WRITE);
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  arena = mmap(NULL, PAGES * page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (arena == MAP_FAILED) return 1;
  open_arena();
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)(i * 4));
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  pid_t child = fork();
  if (child == 0) {
    write_page(arena);
    write_page(arena + page_size);
    _exit(0);
  }
  waitpid(child, NULL, 0);
  return 0;
}
