// hot.c — libhot.so for pagein.c: 16 functions, each on its own page, so each
// first call fetches from a page of the library not yet mapped in.
#define HOT(n) \
  __attribute__((noinline, aligned(4096))) int hot##n(int x) { return x * (n + 3) + n; }
HOT(0) HOT(1) HOT(2) HOT(3) HOT(4) HOT(5) HOT(6) HOT(7)
HOT(8) HOT(9) HOT(10) HOT(11) HOT(12) HOT(13) HOT(14) HOT(15)
