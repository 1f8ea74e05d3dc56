// arena.cc — C++ symbols as perf prints them once demangled: a namespace, an
// anonymous namespace, a class template, an operator, a lambda and a
// constructor. Each one touches fresh pages, so every page fault carries one of
// these names in its callchain.
//
// Build and record: see record.sh (-O1 -g -fno-omit-frame-pointer, PIE).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <typeinfo>

namespace heap {

static long page_size() { return sysconf(_SC_PAGESIZE); }

static char *fresh_pages(int n) {
  void *p = mmap(nullptr, n * page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) std::exit(2);
  return static_cast<char *>(p);
}

template <typename T>
class Arena {
 public:
  explicit Arena(int pages) : base_(fresh_pages(pages)), pages_(pages) { base_[0] = 1; }
  __attribute__((noinline)) void touch(T value) {
    for (int i = 0; i < pages_; i++) *reinterpret_cast<T *>(base_ + i * page_size()) = value;
  }
  char *base() const { return base_; }

 private:
  char *base_;
  int pages_;
};

struct Slot {
  char *page;
  __attribute__((noinline)) bool operator<(const Slot &other) const {
    page[8] = 1;  // writes: the comparison itself faults on a fresh page
    return page < other.page;
  }
};

namespace {
__attribute__((noinline)) void scribble(char *p, int n) {
  for (int i = 0; i < n; i++) p[i * page_size()] = static_cast<char>(i);
}
}  // namespace

}  // namespace heap

struct Base {
  virtual ~Base() = default;
};
struct Derived : Base {};

int main() {
  heap::Arena<long> longs(4);
  longs.touch(7);
  heap::Arena<char> chars(4);
  chars.touch('x');

  char *pages = heap::fresh_pages(4);
  heap::Slot a{pages}, b{pages + 2 * heap::page_size()};
  bool less = a < b;
  heap::Slot c{pages + heap::page_size()};
  less = (c < b) && less;

  heap::scribble(heap::fresh_pages(4), 4);

  auto fill = [](char *p, int n) __attribute__((noinline)) {
    for (int i = 0; i < n; i++) p[i * heap::page_size() + 16] = 3;
  };
  fill(heap::fresh_pages(3), 3);

  Derived d;
  Base *base = &d;
  std::printf("%d %s\n", less ? 1 : 0, typeid(*base).name());
  return 0;
}
