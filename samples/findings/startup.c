// startup.c — a program that does nearly nothing: its page faults are program
// start-up (the dynamic loader mapping and relocating it and libc, libc
// initialising) and the few of printing one line and exiting.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#include <stdio.h>

int main(void) {
  return puts("started") == EOF;
}
