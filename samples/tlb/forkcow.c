// forkcow.c — TLB flushes of copy-on-write after fork, next to mprotect's own.
//
// The parent maps 64 private anonymous pages, writes them all, seals the last
// 16 read-only with mprotect (one flush inside the call) and forks. The child
// writes the first 48 pages: every write breaks copy-on-write, and do_wp_page
// flushes the old translation — flushes in the fault path, not in any
// protection call. The child then unseals the 16 pages (mprotect, another
// flush inside a call) and writes them (copy-on-write again). The parent waits.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer).
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 64
#define SEALED 16

__attribute__((noinline)) static void touch(volatile char *p, long n, long page) {
  for (long i = 0; i < n; i++) p[i * page] = (char)i;
}

__attribute__((noinline)) static void seal(char *p, long len, int prot) {
  if (mprotect(p, len, prot) != 0) _exit(2);
}

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  char *p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  touch(p, PAGES, page);
  char *sealed = p + (PAGES - SEALED) * page;
  seal(sealed, SEALED * page, PROT_READ);
  pid_t child = fork();
  if (child == 0) {
    touch(p, PAGES - SEALED, page);
    seal(sealed, SEALED * page, PROT_READ | PROT_WRITE);
    touch(sealed, SEALED, page);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
