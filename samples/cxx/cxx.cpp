// cxx.cpp — C++ names in a fault path: templates with two arguments
// (std::__fill_a1<char*, char>), an operator(), a const member function in an
// anonymous namespace. Built at -O0 with frame pointers, so libstdc++'s
// templates are real functions; the first-touch faults land in libc's memset
// (no frame pointer), so frame-pointer unwinding skips memset's caller and
// faultpath infers it from the call before the return address.
#include <cstddef>
#include <vector>

namespace {
struct Painter {
  std::size_t pages;
  // a const member and an operator(): names -dC prints with their qualifiers
  void operator()(std::vector<char> &v) const {
    for (std::size_t i = 0; i < v.size(); i += 4096) v[i] = 2;
  }
  std::vector<char> canvas() const { return std::vector<char>(pages * 4096); }
};
} // namespace

template <typename T, typename U> T *touch(T *p, U n) {
  for (U i = 0; i < n; i += 4096 / sizeof(T)) p[i] = T(1);
  return p;
}

int main() {
  Painter paint{64};
  std::vector<char> v = paint.canvas(); // value-initialised: memset, first touch
  paint(v);
  std::vector<int> w(64 * 1024);
  touch<int, std::size_t>(new int[64 * 1024], 64 * 1024);
  return static_cast<int>(v[0] + w[0]);
}
