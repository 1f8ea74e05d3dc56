// shapes.cpp — a small C++ program for the demangled (-C) listings: virtual
// methods, a template, a namespace, an operator(), a lambda, a [clone .cold]
// split and a long (10-byte movabs) encoding that GNU objdump wraps onto a
// continuation line. It also touches a fresh page per object so perf sees
// page faults inside named C++ functions.
//
// Build: see record.sh (-O2 -g -fno-omit-frame-pointer, PIE).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace geo {

struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
  virtual void stamp(char *page) const = 0;
};

struct Circle : Shape {
  double r;
  explicit Circle(double r) : r(r) {}
  double area() const override { return 3.14159265358979 * r * r; }
  __attribute__((noinline)) void stamp(char *page) const override { std::memcpy(page, &r, sizeof r); }
};

struct Square : Shape {
  double s;
  explicit Square(double s) : s(s) {}
  double area() const override { return s * s; }
  __attribute__((noinline)) void stamp(char *page) const override { page[0] = static_cast<char>(s); }
};

}  // namespace geo

template <typename T>
__attribute__((noinline)) T sum(const T *xs, unsigned long n) {
  T total{};
  for (unsigned long i = 0; i < n; i++) total += xs[i];
  return total;
}

struct Scale {
  double k;
  __attribute__((noinline)) double operator()(double x) const { return k * x; }
};

// The 10-byte movabs: 48 b8 + an 8-byte immediate.
__attribute__((noinline)) unsigned long magic(unsigned long x) { return x ^ 0x1122334455667788UL; }

__attribute__((noinline)) void check(int ok) {
  if (__builtin_expect(!ok, 0)) {
    std::fprintf(stderr, "check failed\n");
    std::abort();
  }
}

int main(int argc, char **argv) {
  (void)argv;
  std::vector<std::unique_ptr<geo::Shape>> shapes;
  for (int i = 0; i < 8; i++) {
    if (i % 2) shapes.push_back(std::make_unique<geo::Circle>(i));
    else shapes.push_back(std::make_unique<geo::Square>(i));
  }
  std::vector<double> areas;
  std::vector<char *> pages;
  for (auto &s : shapes) {
    areas.push_back(s->area());
    char *page = static_cast<char *>(std::aligned_alloc(4096, 4096));
    s->stamp(page);
    pages.push_back(page);
  }
  Scale half{0.5};
  auto twice = [](double x) { return 2 * x; };
  double total = twice(half(sum(areas.data(), areas.size())));
  check(total > 0);
  std::printf("%.3f %lx\n", total, magic(static_cast<unsigned long>(argc)));
  for (char *p : pages) std::free(p);
  return 0;
}
