// cow.c — copy-on-write after fork, and a parent's protection inherited by the child.
//
// The parent maps two anonymous private pages and writes both (two first-touch
// write faults), then seals page 1 read-only with mprotect and forks. After the
// fork every private page is shared copy-on-write:
//   - the child writes page 0: a copy-on-write fault (present page, write);
//   - the child writes page 1: the parent's read-only protection, copied into
//     the child by fork, makes it a write-to-read-only fault; the SIGSEGV
//     handler makes the page writable again (its own mprotect), and the store
//     retries (and faults once more, now as copy-on-write: the page is still
//     shared with the parent);
//   - the parent, after the child exits, writes page 0: copy-on-write again
//     (the kernel reuses the page, but the fault still happens).
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static char *pages;
static long page_size;

// The child's handler mprotect: makes the faulting page writable again.
__attribute__((noinline)) static void unseal_page(void *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) _exit(3);
}

static void on_segv(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  char *addr = info->si_addr;
  if (addr < pages || addr >= pages + 2 * page_size) {
    signal(SIGSEGV, SIG_DFL);
    return;
  }
  unseal_page((void *)((uintptr_t)addr & ~(uintptr_t)(page_size - 1)));
}

// The parent's seal: page 1 becomes read-only before the fork.
__attribute__((noinline)) void seal_page(char *page) {
  if (mprotect(page, page_size, PROT_READ) != 0) exit(1);
}

__attribute__((noinline)) void store(char *p, char v) {
  *(volatile char *)p = v;
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);

  pages = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) return 2;
  store(pages, 'p');             // first touch, write
  store(pages + page_size, 'p'); // first touch, write
  seal_page(pages + page_size);

  pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    store(pages, 'c');             // copy-on-write
    store(pages + page_size, 'c'); // write to the inherited read-only page
    _exit(pages[0] == 'c' && pages[page_size] == 'c' ? 0 : 4);
  }
  int status = 0;
  waitpid(child, &status, 0);
  store(pages, 'P'); // copy-on-write (the page is no longer shared, the fault still happens)
  munmap(pages, 2 * page_size);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 5;
}
