// threads.c — threads touching and protecting memory their process mapped.
//
// main maps one arena of THREADS * PAGES pages and starts THREADS threads
// (glibc maps each thread's stack and mprotects its guard page). Each thread
// first-touches its slice (worker_touch), seals it read-only (worker_seal: one
// mprotect per page), and stores into it again (worker_store): every store
// faults, and the SIGSEGV handler — run on the faulting thread — makes the
// page writable (unseal_page), so the store retries. The threads run at
// once; main joins them.
//
// Build: see record.sh (-O1 with frame pointers, and -O2 without).
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define THREADS 4
#define PAGES 8

static char *arena;
static long page_size;

__attribute__((noinline)) static void unseal_page(void *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) _exit(3);
}

static void on_segv(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  char *addr = info->si_addr;
  if (addr < arena || addr >= arena + THREADS * PAGES * page_size) {
    signal(SIGSEGV, SIG_DFL);
    return;
  }
  unseal_page((void *)((uintptr_t)addr & ~(uintptr_t)(page_size - 1)));
}

__attribute__((noinline)) void worker_touch(char *slice) {
  for (int i = 0; i < PAGES; i++) slice[i * page_size] = 1;
}

__attribute__((noinline)) void worker_seal(char *slice) {
  for (int i = 0; i < PAGES; i++)
    if (mprotect(slice + i * page_size, page_size, PROT_READ) != 0) exit(1);
}

__attribute__((noinline)) void worker_store(char *slice, int value) {
  for (int i = 0; i < PAGES; i++) slice[i * page_size + 8] = (char)value;
}

static void *worker(void *arg) {
  int n = (int)(intptr_t)arg;
  char *slice = arena + n * PAGES * page_size;
  worker_touch(slice);
  worker_seal(slice);
  worker_store(slice, n + 2);
  return NULL;
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  arena = mmap(NULL, THREADS * PAGES * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (arena == MAP_FAILED) return 1;
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) != 0) return 2;
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  return 0;
}
