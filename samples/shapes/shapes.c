// shapes.c — a small program whose only job is to make perf print the line
// shapes the perf script parser must read: a thread whose comm has a space, a
// forked child (task events), code in anonymous memory named by a
// /tmp/perf-PID.map file (JIT frames), code in a deleted file and in a memfd
// (`(deleted)` dsos), an inlined helper (dwarf unwinding, `(inlined)` frames),
// and vdso calls (cpu-clock samples in `[vdso]`).
//
// Build and record: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGES 8

static long page_size;

// x86-64 machine code for `void store(char *p, int v) { *p = v; }`:
//   mov %sil,(%rdi) ; ret
static const unsigned char store_code[] = {0x40, 0x88, 0x37, 0xc3};
typedef void (*store_fn)(char *, int);

static char *fresh_pages(void) {
  char *p = mmap(NULL, PAGES * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) exit(2);
  return p;
}

// Inlined into touch_pages at -O1 (always_inline), so a dwarf callchain with
// inline expansion shows it as an `(inlined)` frame.
static inline __attribute__((always_inline)) void poke(char *page, int v) {
  *(volatile char *)page = (char)v;
}

__attribute__((noinline)) void touch_pages(char *base, int v) {
  for (int i = 0; i < PAGES; i++) poke(base + i * page_size, v);
}

// JIT: copy `store` into anonymous memory, flip it from writable to executable
// with mprotect (W^X, as JITs do), and name it in the perf map.
__attribute__((noinline)) void run_jit(void) {
  unsigned char *code = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) exit(3);
  memcpy(code, store_code, sizeof store_code);
  if (mprotect(code, page_size, PROT_READ | PROT_EXEC) != 0) exit(11);
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
  FILE *map = fopen(path, "w");
  if (!map) exit(4);
  fprintf(map, "%lx %zx jit::store(char*, int) [tier 1]\n", (unsigned long)(uintptr_t)code, sizeof store_code);
  fclose(map);
  char *pages = fresh_pages();
  for (int i = 0; i < PAGES; i++) ((store_fn)code)(pages + i * page_size, i);
}

// The same code from a file that is deleted before it is mapped, and from a memfd.
__attribute__((noinline)) void run_deleted(void) {
  char path[] = "/tmp/shapes-code-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) exit(5);
  if (write(fd, store_code, sizeof store_code) != (ssize_t)sizeof store_code) exit(6);
  unlink(path);
  void *code = mmap(NULL, page_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  if (code == MAP_FAILED) exit(7);
  char *pages = fresh_pages();
  for (int i = 0; i < PAGES; i++) ((store_fn)code)(pages + i * page_size, i);

  int mfd = memfd_create("shapes jit", 0);
  if (mfd < 0) exit(8);
  if (write(mfd, store_code, sizeof store_code) != (ssize_t)sizeof store_code) exit(9);
  void *mcode = mmap(NULL, page_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, mfd, 0);
  if (mcode == MAP_FAILED) exit(10);
  pages = fresh_pages();
  for (int i = 0; i < PAGES; i++) ((store_fn)mcode)(pages + i * page_size, i);
}

// A thread whose name has a space in it: perf prints comm "worker one".
static void *worker(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "worker one");
  touch_pages(fresh_pages(), 1);
  return NULL;
}

// Spins in clock_gettime (the vdso) so cpu-clock samples land in [vdso].
__attribute__((noinline)) long spin_clock(long ms) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  long n = 0;
  do {
    clock_gettime(CLOCK_MONOTONIC, &now);
    n++;
  } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
  return n;
}

int main(int argc, char **argv) {
  page_size = sysconf(_SC_PAGESIZE);
  const char *mode = argc > 1 ? argv[1] : "all";
  if (strcmp(mode, "spin") == 0) {
    printf("%ld calls\n", spin_clock(argc > 2 ? atol(argv[2]) : 50));
    return 0;
  }
  touch_pages(fresh_pages(), 0);
  if (strcmp(mode, "touch") == 0) return 0;

  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_join(t, NULL);

  pid_t child = fork();
  if (child == 0) {
    touch_pages(fresh_pages(), 2);
    _exit(0);
  }
  waitpid(child, NULL, 0);

  run_jit();
  run_deleted();
  return 0;
}
