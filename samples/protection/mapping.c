// mapping.c — the map operations a protection timeline must follow:
// a failed mprotect, a length that is not a page multiple, PROT_NONE,
// mremap that moves and grows a mapping, munmap, and a new mapping after it.
//
//   1. mmap 4 pages RW, write each (first touch, write).
//   2. mprotect(start + 1, …) fails with EINVAL (unaligned), and so does
//      mprotect(start, PROT_READ | 0x10) (an unknown prot bit, on an aligned
//      page): nothing changes, the next write to page 0 does not fault.
//   3. mprotect(page 2, 100 bytes, PROT_READ): the kernel rounds 100 up to one
//      page; a write at page 2 + 200 faults (write to read-only) and the
//      handler makes page 2 writable; a write to page 3 does not fault.
//   4. mprotect(page 3, PROT_NONE); a read of page 3 faults, the handler makes
//      it readable and writable.
//   5. mremap to 8 pages (it moves: a placeholder mapping sits right after the
//      4 pages); writing the new pages 4-7 is a first touch.
//   6. munmap the 8 pages; mmap 1 page PROT_READ (the kernel may reuse the
//      address) and read it: a first-touch read under the new mapping.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *lo, *hi; // the range the handler accepts
static long page_size;

// The handler's mprotect: read+write again.
__attribute__((noinline)) static void restore_page(void *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) _exit(3);
}

static void on_segv(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  char *addr = info->si_addr;
  if (addr < lo || addr >= hi) {
    signal(SIGSEGV, SIG_DFL);
    return;
  }
  restore_page((void *)((uintptr_t)addr & ~(uintptr_t)(page_size - 1)));
}

__attribute__((noinline)) void store(char *p, char v) {
  *(volatile char *)p = v;
}

__attribute__((noinline)) char load(const char *p) {
  return *(const volatile char *)p;
}

// Fails with EINVAL: the start is not page-aligned.
__attribute__((noinline)) int protect_unaligned(char *p) {
  return mprotect(p + 1, page_size, PROT_READ);
}

// Fails with EINVAL: 0x10 is no PROT_* bit.
__attribute__((noinline)) int protect_bad_prot(char *p) {
  return mprotect(p, page_size, PROT_READ | 0x10);
}

// 100 bytes: the kernel protects the whole page.
__attribute__((noinline)) void protect_short(char *p) {
  if (mprotect(p, 100, PROT_READ) != 0) exit(1);
}

__attribute__((noinline)) void protect_none(char *p) {
  if (mprotect(p, page_size, PROT_NONE) != 0) exit(1);
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);

  // 1. four pages, and a placeholder right after them so mremap must move
  char *m = mmap(NULL, 5 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return 2;
  munmap(m + 4 * page_size, page_size);
  char *guard = mmap(m + 4 * page_size, page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (guard != m + 4 * page_size) return 2;
  lo = m;
  hi = m + 4 * page_size;
  for (int i = 0; i < 4; i++) store(m + i * page_size, 'a');

  // 2. a failed mprotect changes nothing
  if (protect_unaligned(m) == 0 || errno != EINVAL) return 3;
  if (protect_bad_prot(m) == 0 || errno != EINVAL) return 3;
  store(m, 'b');

  // 3. 100 bytes → one page
  protect_short(m + 2 * page_size);
  store(m + 2 * page_size + 200, 'c'); // faults; the handler restores
  store(m + 3 * page_size, 'c');       // no fault

  // 4. PROT_NONE, then a read
  protect_none(m + 3 * page_size);
  (void)load(m + 3 * page_size); // faults; the handler restores

  // 5. grow: the placeholder is in the way, so the mapping moves
  char *n = mremap(m, 4 * page_size, 8 * page_size, MREMAP_MAYMOVE);
  if (n == MAP_FAILED || n == m) return 4;
  lo = n;
  hi = n + 8 * page_size;
  for (int i = 4; i < 8; i++) store(n + i * page_size, 'd');

  // 6. unmap, map anew, read
  munmap(n, 8 * page_size);
  munmap(guard, page_size);
  char *r = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) return 2;
  return load(r) == 0 ? 0 : 5;
}
