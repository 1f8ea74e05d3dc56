// jit.c — JIT-style code pages: written, sealed, then called.
//
// Page 0 is mapped read-write, gets the bytes of `mov $42,%eax; ret`, is sealed
// PROT_READ|PROT_EXEC, and is called: no fault, the page is present and
// executable. Page 1 gets the same bytes but is sealed PROT_READ only (the
// bug a JIT can have); calling it is an instruction-fetch fault. The SIGSEGV
// handler makes it executable (its own mprotect) and the call retries and
// returns 42. pkey_mprotect with pkey -1 (the same as mprotect; no protection
// keys needed) re-seals page 0.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static const unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; // mov $42,%eax; ret

static char *jit;
static long page_size;

// The handler's mprotect: makes the faulting code page executable.
__attribute__((noinline)) static void make_executable(void *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_EXEC) != 0) _exit(3);
}

static void on_segv(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  char *addr = info->si_addr;
  if (addr < jit || addr >= jit + 2 * page_size) {
    signal(SIGSEGV, SIG_DFL);
    return;
  }
  make_executable((void *)((uintptr_t)addr & ~(uintptr_t)(page_size - 1)));
}

__attribute__((noinline)) void emit_code(char *page) {
  memcpy(page, code, sizeof code);
}

// The JIT's seal: code pages become read+exec.
__attribute__((noinline)) void seal_code(char *page) {
  if (mprotect(page, page_size, PROT_READ | PROT_EXEC) != 0) exit(1);
}

// The buggy seal: read-only, no exec.
__attribute__((noinline)) void seal_data(char *page) {
  if (mprotect(page, page_size, PROT_READ) != 0) exit(1);
}

// pkey_mprotect with pkey -1 behaves as mprotect.
__attribute__((noinline)) void reseal_code(char *page) {
  if (syscall(SYS_pkey_mprotect, page, page_size, PROT_READ | PROT_EXEC, -1) != 0) exit(1);
}

__attribute__((noinline)) int call_code(char *page) {
  return ((int (*)(void))page)();
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);

  jit = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (jit == MAP_FAILED) return 2;
  emit_code(jit);
  seal_code(jit);
  int a = call_code(jit);
  emit_code(jit + page_size);
  seal_data(jit + page_size);
  int b = call_code(jit + page_size); // exec fault; the handler makes it executable
  reseal_code(jit);
  int c = call_code(jit);
  munmap(jit, 2 * page_size);
  return a == 42 && b == 42 && c == 42 ? 0 : 4;
}
