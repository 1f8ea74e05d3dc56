// pagein.c — code page-in and major faults: instruction fetches from a
// library's pages, and loads from a data file's pages, none of them in the
// page cache, so each fault waits for a disk read.
//
// After dlopen("./libhot.so") the library's text is dropped again: its page
// table entries (madvise MADV_DONTNEED) and its page-cache pages
// (posix_fadvise POSIX_FADV_DONTNEED); MADV_RANDOM turns read-around off, so
// each fault reads one page. call_all then calls the 16 functions, one per
// page: 16 instruction-fetch faults, each a major fault in libhot.so.
// scan_file does the same for pagein.dat (written here, synced, dropped from
// the cache, mapped read-only): 32 loads, each a major fault in pagein.dat.
//
// Build: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE; libhot.so from hot.c).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUNCS 16
#define DATA_PAGES 32

static long page_size;

// Drops a file's pages from the page cache (they must be clean: synced first).
static void evict(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0 || fsync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) exit(2);
  close(fd);
}

static int find_text(struct dl_phdr_info *info, size_t size, void *out) {
  (void)size;
  if (strstr(info->dlpi_name, "libhot.so") == NULL) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) != 0) {
      uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)(page_size - 1);
      uintptr_t end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
      ((uintptr_t *)out)[0] = start;
      ((uintptr_t *)out)[1] = end;
      return 1;
    }
  }
  return 0;
}

// Unmaps the library's text from this process and drops it from the cache.
__attribute__((noinline)) void drop_text(void) {
  uintptr_t range[2] = {0, 0};
  if (dl_iterate_phdr(find_text, range) == 0) exit(2);
  size_t len = range[1] - range[0];
  if (madvise((void *)range[0], len, MADV_DONTNEED) != 0 || madvise((void *)range[0], len, MADV_RANDOM) != 0) exit(2);
  evict("./libhot.so");
}

__attribute__((noinline)) int call_all(void *lib) {
  int sum = 0;
  char name[16];
  for (int i = 0; i < FUNCS; i++) {
    snprintf(name, sizeof name, "hot%d", i);
    int (*f)(int) = (int (*)(int))dlsym(lib, name);
    if (f == NULL) exit(2);
    sum += f(i);
  }
  return sum;
}

__attribute__((noinline)) void write_file(const char *path, size_t bytes) {
  char *buf = malloc(bytes);
  if (buf == NULL) exit(2);
  memset(buf, 7, bytes);
  FILE *f = fopen(path, "w");
  if (f == NULL || fwrite(buf, 1, bytes, f) != bytes || fclose(f) != 0) exit(2);
  free(buf);
}

__attribute__((noinline)) char *map_file(const char *path, size_t bytes) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) exit(2);
  char *p = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED || madvise(p, bytes, MADV_RANDOM) != 0) exit(2);
  return p;
}

__attribute__((noinline)) int scan_file(const char *p, size_t bytes) {
  int sum = 0;
  for (size_t off = 0; off < bytes; off += page_size) sum += *(volatile const char *)(p + off);
  return sum;
}

int main(void) {
  page_size = sysconf(_SC_PAGESIZE);
  void *lib = dlopen("./libhot.so", RTLD_NOW);
  if (lib == NULL) return 2;
  drop_text();
  int a = call_all(lib);
  size_t bytes = DATA_PAGES * page_size;
  write_file("pagein.dat", bytes);
  evict("pagein.dat");
  char *data = map_file("pagein.dat", bytes);
  int b = scan_file(data, bytes);
  munmap(data, bytes);
  unlink("pagein.dat");
  return a > 0 && b == 7 * DATA_PAGES ? 0 : 1;
}
