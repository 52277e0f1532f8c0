/* uprobe_test: globals and functions for uprobe/uaddr tests (C.7).
 * Must be linked with -no-pie: uaddr() uses raw symbol addresses. */
#include <stdlib.h>
#include <unistd.h>

int GLOBAL_A = 0x55555555;
int GLOBAL_B = 0x88888888;
int GLOBAL_C = 0x33333333;
char GLOBAL_D = 8;

struct Foo {
  int a;
  char b[10];
  int c[3];
};

int __attribute__((noinline)) function1(int *n, char c)
{
  (void)c;
  return *n;
}

struct Foo *__attribute__((noinline)) function2(struct Foo *foo1,
                                                struct Foo *foo2)
{
  (void)foo2;
  return foo1;
}

int main(void)
{
  int n = 13;
  struct Foo f1 = { 123, "hello", { 1, 2, 3 } };
  struct Foo f2 = { 456, "world", { 4, 5, 6 } };

  /* Stay alive long enough for `bpftrace -l -p PID`: 1 s, times the time scale the
   * runner uses for an emulated machine (run.py --time-scale; at most 4 s, so
   * the run stays well under 5 s). */
  const char *scale = getenv("BPFDECK_TEST_TIME_SCALE");
  double s = scale ? atof(scale) : 1.0;

  usleep((useconds_t)(1000000 * (s >= 1.0 && s <= 4.0 ? s : 1.0)));

  function1(&n, 'x');
  function2(&f1, &f2);
  return 0;
}
