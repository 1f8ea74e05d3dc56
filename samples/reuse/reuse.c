// reuse.c — one pid, two processes: a pid given again to a new process after
// the first one with it exited (what pid wrap-around does to a long capture,
// or a server that forks a short-lived worker per job).
//
// Each round, main forks `first` (from fork_first): it writes 2 pages of a
// fresh mapping and exits. main reaps it, then forks a `middle` process (from
// spawn_middle) that asks the kernel for first's pid again (writing pid-1 to
// /proc/sys/kernel/ns_last_pid, as CRIU does; it needs root) and forks
// `second` (from fork_second): a fork without exec, so perf's records name it
// by main's comm like first. second maps 8 pages, writes them, makes one
// read-only with mprotect, and exits. A fork that does not get the pid (another
// process on the machine took it) exits at once and the middle tries again.
// So first and second share a pid, not a parent, a fork call or a fault count.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 3
#define TRIES 50

static long page_size;

__attribute__((noinline)) static void write_pages(char *p, int n) {
  for (int i = 0; i < n; i++) *(volatile char *)(p + i * page_size) = 1;
}

// first's life: 2 pages written.
__attribute__((noinline)) static void first_life(void) {
  char *p = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) _exit(1);
  write_pages(p, 2);
  _exit(0);
}

// second's life: 8 pages written, one made read-only.
__attribute__((noinline)) static void second_life(void) {
  char *p = mmap(NULL, 8 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) _exit(1);
  write_pages(p, 8);
  if (mprotect(p, page_size, PROT_READ) != 0) _exit(1);
  _exit(0);
}

__attribute__((noinline)) static pid_t fork_first(void) {
  pid_t pid = fork();
  if (pid == 0) first_life();
  return pid;
}

__attribute__((noinline)) static pid_t fork_second(pid_t want) {
  pid_t pid = fork();
  if (pid == 0) {
    if (getpid() != want) _exit(2); // not the pid asked for: gone at once
    second_life();
  }
  return pid;
}

// The middle process: forks second with `want` as its pid, retrying while another process takes it.
__attribute__((noinline)) static int spawn_middle(pid_t want) {
  pid_t middle = fork();
  if (middle != 0) {
    int status;
    waitpid(middle, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int fd = open("/proc/sys/kernel/ns_last_pid", O_RDWR);
  if (fd < 0) _exit(1);
  for (int i = 0; i < TRIES; i++) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", want - 1);
    flock(fd, LOCK_EX);
    if (pwrite(fd, buf, n, 0) != n) _exit(1);
    pid_t pid = fork_second(want);
    flock(fd, LOCK_UN);
    int status;
    waitpid(pid, &status, 0);
    if (pid == want) _exit(0);
  }
  _exit(3);
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  for (int r = 0; r < ROUNDS; r++) {
    pid_t first = fork_first();
    int status;
    waitpid(first, &status, 0);
    if (spawn_middle(first) == 0) printf("round %d: pid %d lived twice\n", r, first);
  }
  return 0;
}
