// arena.cpp — a C++ guard-page write barrier: templates, std::vector, a
// functor and an anonymous namespace on the fault paths, mprotect in a
// member function template.
//
// Arena<T> maps pages for objects of T and keeps a std::vector of slots.
// seal() makes every page read-only (one mprotect per page, from
// Arena<T>::seal); stores through Arena<T>::put then fault, and the SIGSEGV
// handler calls Unsealer::operator() to make the page writable again, so the
// store retries. A std::vector<long> filled at start touches its pages first
// (first-touch faults in libstdc++'s fill or libc's memset).
//
// Build: see record.sh (-O1 with frame pointers, and -O2 without).
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {
long page_size;
char *arena_base;
std::size_t arena_len;

struct Unsealer {
  // the handler's mprotect: makes one page writable again
  __attribute__((noinline)) void operator()(void *page) const {
    if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) _exit(3);
  }
};

void on_segv(int, siginfo_t *info, void *) {
  char *addr = static_cast<char *>(info->si_addr);
  if (addr < arena_base || addr >= arena_base + arena_len) {
    std::signal(SIGSEGV, SIG_DFL);
    return;
  }
  Unsealer{}(reinterpret_cast<void *>(reinterpret_cast<std::uintptr_t>(addr) & ~std::uintptr_t(page_size - 1)));
}
} // namespace

template <typename T> class Arena {
public:
  explicit Arena(std::size_t pages) : pages_(pages) {
    arena_len = pages * page_size;
    base_ = static_cast<char *>(mmap(nullptr, arena_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (base_ == MAP_FAILED) std::exit(1);
    arena_base = base_;
    for (std::size_t i = 0; i < pages; i++) slots_.push_back(reinterpret_cast<T *>(base_ + i * page_size));
  }
  // the write barrier's set-up: every page read-only
  __attribute__((noinline)) void seal() {
    for (std::size_t i = 0; i < pages_; i++)
      if (mprotect(base_ + i * page_size, page_size, PROT_READ) != 0) std::exit(2);
  }
  // a store into an object: faults once per sealed page
  __attribute__((noinline)) void put(std::size_t i, const T &value) { *slots_[i] = value; }
  std::size_t size() const { return slots_.size(); }

private:
  std::size_t pages_;
  char *base_;
  std::vector<T *> slots_;
};

template <typename T> __attribute__((noinline)) void mutate(Arena<T> &a, int round) {
  for (std::size_t i = 0; i < a.size(); i++) a.put(i, T(round * 100 + static_cast<int>(i)));
}

int main() {
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa {};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, nullptr);
  std::vector<long> scratch(16 * page_size / sizeof(long), 7); // first touches
  Arena<long> arena(16);
  for (int round = 0; round < 3; round++) {
    arena.seal();
    mutate(arena, round);
  }
  return static_cast<int>(scratch[0] - 7);
}
