// A page of .bss, written then sealed (mprotect PROT_READ) in one run, only
// written in another: samples/runs/record.sh captures the runs apart, and a
// run whose child execs the program again (the new image's page is writable).
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
static char page[3 * 4096] __attribute__((aligned(4096)));
int main(int argc, char **argv) {
  char *p = page + 4096;
  char mode = argc > 1 ? argv[1][0] : 'b';
  p[0] = 1;
  if (mode == 'a' || mode == 'f') mprotect(p, 4096, PROT_READ);
  if (mode == 'f') {
    pid_t child = fork();
    if (child == 0) {
      execl("/proc/self/exe", argv[0], "b", (char *)0);
      _exit(127);
    }
    waitpid(child, 0, 0);
  }
  return p[0] - 1;
}
