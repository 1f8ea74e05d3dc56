// soname.c — a library function that first-touches pages, built as
// libsoname.so.1.2.3 with soname libsoname.so.1 (the link a listing is often
// made from), and a main that calls it; see record.sh. perf names the dso by
// the file the link resolves to, the listing's header by the link.
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef SONAME_MAIN
void touch_pages(char *p, int pages);
int main(void) {
  char *p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  touch_pages(p, 8);
  return 0;
}
#else
__attribute__((noinline)) void touch_pages(char *p, int pages) {
  for (int i = 0; i < pages; i++) p[i * 4096] = (char)i;
}
#endif
