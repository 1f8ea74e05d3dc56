// prot.c — the mprotect shapes perf trace prints, in one small program.
//
// Each step exists to make perf trace print a line shape the parser must read:
//   - first-touch minor faults on a fresh anonymous mapping (minfault … //anon@0x…)
//   - mprotect with every flag perf trace names: READ, WRITE, EXEC, SEM,
//     GROWSDOWN, and PROT_NONE (an argument equal to 0: perf trace omits it)
//   - pkey_mprotect with pkey -1 (plain mprotect semantics)
//   - an mmap with PROT_NONE (a reserved guard region: perf trace omits prot)
//   - failing mprotects: EINVAL (unaligned start, GROWSDOWN on a plain
//     mapping) and EACCES (PROT_WRITE on a read-only shared file mapping)
//   - major faults: a file's pages are evicted with posix_fadvise(DONTNEED)
//     and read back through a mapping
//   - a fault taken by the kernel on the user's behalf: read() into a
//     fresh buffer (copy_to_user faults, printed as `(?k)`)
//   - a second thread that mprotects while the first sleeps, so that
//     perf trace interleaves them (`...` and `... [continued]: …()`)
//   - a forked child that mprotects and touches its own pages (another tid)
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE, -pthread).
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PROT_SEM
#define PROT_SEM 0x8 // asm-generic/mman-common.h; glibc does not export it
#endif

#define PAGES 8

static long page_size;

__attribute__((noinline)) static void touch_pages(char *p, int pages) {
  for (int i = 0; i < pages; i++) p[i * page_size] = (char)i;
}

__attribute__((noinline)) static long read_pages(const char *p, int pages) {
  long sum = 0;
  for (int i = 0; i < pages; i++) sum += p[i * page_size];
  return sum;
}

__attribute__((noinline)) static void set_protection(void *p, size_t len, int prot) {
  if (mprotect(p, len, prot) != 0) perror("mprotect");
}

static void nap(long ns) {
  struct timespec ts = {0, ns};
  nanosleep(&ts, NULL);
}

static void *flipper(void *arg) {
  char *p = arg;
  for (int i = 0; i < 4; i++) {
    set_protection(p, page_size, PROT_READ);
    nap(200000);
    set_protection(p, page_size, PROT_READ | PROT_WRITE);
  }
  return NULL;
}

__attribute__((noinline)) static void major_faults(void) {
  const char *path = "prot-major.tmp";
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;
  char *page = calloc(1, page_size);
  for (int i = 0; i < PAGES; i++) {
    memset(page, 'a' + i, page_size);
    if (write(fd, page, page_size) != page_size) break;
  }
  fsync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  char *m = mmap(NULL, PAGES * page_size, PROT_READ, MAP_SHARED, fd, 0);
  if (m != MAP_FAILED) {
    madvise(m, PAGES * page_size, MADV_RANDOM); // one major fault per page, no readahead
    printf("file sum: %ld\n", read_pages(m, PAGES));
    // EACCES: the file was opened read-write but the mapping is shared and
    // read-only — that is allowed; reopen read-only to provoke the error.
    munmap(m, PAGES * page_size);
  }
  int rofd = open(path, O_RDONLY);
  char *ro = mmap(NULL, page_size, PROT_READ, MAP_SHARED, rofd, 0);
  if (ro != MAP_FAILED) {
    if (mprotect(ro, page_size, PROT_READ | PROT_WRITE) == 0) puts("unexpected: mprotect succeeded");
    munmap(ro, page_size);
  }
  close(rofd);
  close(fd);
  free(page);
  unlink(path);
}

__attribute__((noinline)) static void kernel_fault(void) {
  char *buf = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int fd = open("/proc/self/stat", O_RDONLY);
  if (fd >= 0 && buf != MAP_FAILED) {
    ssize_t n = read(fd, buf, page_size - 1); // the kernel's copy_to_user faults the page in
    (void)n;
  }
  if (fd >= 0) close(fd);
  munmap(buf, page_size);
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  char *heap = mmap(NULL, PAGES * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (heap == MAP_FAILED) return 2;
  touch_pages(heap, PAGES);
  void *reserve = mmap(NULL, 4 * page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

  set_protection(heap, page_size, PROT_READ);
  set_protection(heap + page_size, page_size, PROT_NONE);
  set_protection(heap + 2 * page_size, page_size, PROT_READ | PROT_EXEC);
  set_protection(heap + 3 * page_size, page_size, PROT_READ | PROT_WRITE | PROT_EXEC);
  set_protection(heap + 4 * page_size, page_size, PROT_READ | PROT_SEM);
  syscall(SYS_pkey_mprotect, heap + 5 * page_size, page_size, PROT_READ, -1);
  // failures: unaligned start, GROWSDOWN on a mapping that does not grow down
  if (mprotect(heap + 1, page_size, PROT_READ) == 0) puts("unexpected");
  if (mprotect(heap + 6 * page_size, page_size, PROT_READ | PROT_GROWSDOWN) == 0) puts("unexpected");
  set_protection(heap, 6 * page_size, PROT_READ | PROT_WRITE);
  touch_pages(heap, PAGES);

  major_faults();
  kernel_fault();

  pthread_t t;
  pthread_create(&t, NULL, flipper, heap + 7 * page_size);
  for (int i = 0; i < 4; i++) nap(300000);
  pthread_join(t, NULL);

  pid_t child = fork();
  if (child == 0) {
    char *mine = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    touch_pages(mine, 2);
    set_protection(mine, 2 * page_size, PROT_READ);
    heap[0] = 1; // copy-on-write fault on the parent's page
    _exit(0);
  }
  waitpid(child, NULL, 0);
  munmap(reserve, 4 * page_size);
  munmap(heap, PAGES * page_size);
  return 0;
}
