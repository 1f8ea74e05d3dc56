// threads.c — first touch from two threads in one mapping, then a protection
// change while the other thread runs on another CPU (a TLB shootdown by IPI).
//
// main maps 8 anonymous private pages. Thread "writer" writes pages 0-3 (four
// first-touch write faults); thread "reader" reads pages 4-7 (four first-touch
// read faults) and then writes them. (A kernel that maps the shared zero page
// on a read fault takes four copy-on-write faults there; the 6.18 kernel this
// was recorded on mapped private pages on the reads, so the writes did not
// fault.) While the reader spins, main makes the whole mapping read-only: the
// kernel must flush the reader's CPU's TLB too (an IPI). main then releases
// the reader and joins both. main runs on CPU 0 and the reader on CPU 1 (when
// the machine has two), so the IPI happens on every run.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer -pthread, PIE).
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 8

static char *area;
static long page_size;
static volatile int reader_ready;
static volatile int release;

__attribute__((noinline)) static void write_page(char *p) {
  *(volatile char *)p = 1;
}

__attribute__((noinline)) static char read_page(const char *p) {
  return *(const volatile char *)p;
}

static void *writer(void *arg) {
  (void)arg;
  for (int i = 0; i < PAGES / 2; i++) write_page(area + i * page_size);
  return NULL;
}

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set); // best effort: one CPU just skips the IPI
}

static void *reader(void *arg) {
  (void)arg;
  pin(1);
  long sum = 0;
  for (int i = PAGES / 2; i < PAGES; i++) sum += read_page(area + i * page_size);
  for (int i = PAGES / 2; i < PAGES; i++) write_page(area + i * page_size);
  reader_ready = 1;
  while (!release) sum++; // stay on this CPU with the mm loaded
  return (void *)sum;
}

// Seals the whole area read-only while the reader still runs.
__attribute__((noinline)) void seal_area(void) {
  if (mprotect(area, PAGES * page_size, PROT_READ) != 0) exit(1);
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  pin(0);
  area = mmap(NULL, PAGES * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) return 2;
  pthread_t w, r;
  pthread_create(&w, NULL, writer, NULL);
  pthread_join(w, NULL);
  pthread_create(&r, NULL, reader, NULL);
  while (!reader_ready) {
  }
  seal_area();
  release = 1;
  pthread_join(r, NULL);
  munmap(area, PAGES * page_size);
  return 0;
}
