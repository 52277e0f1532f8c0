/* complex_struct: a struct with a pointer and several array fields (C.4). */
#include <stdint.h>
#include <stdlib.h>

struct Foo {
  char *a;       /* @0  */
  char b[4];     /* @8  */
  uint8_t c[4];  /* @12 */
  int d[4];      /* @16 */
  uint16_t e[4]; /* @32 */
  uint64_t f[4]; /* @40 */
};

void __attribute__((noinline)) func(struct Foo *foo)
{
  (void)foo;
}

int main(void)
{
  struct Foo foo;
  int i;

  foo.a = malloc(8);
  if (foo.a == NULL)
    return 1;
  foo.a[0] = 9;
  foo.a[1] = 8;
  foo.a[2] = 7;
  foo.a[3] = 6;
  foo.a[4] = 0;
  foo.a[5] = 0;
  foo.a[6] = 0;
  foo.a[7] = 0;
  for (i = 0; i < 4; i++) {
    foo.b[i] = (char)(5 - i);
    foo.c[i] = (uint8_t)(1 + i);
    foo.d[i] = 5 + i;
    foo.e[i] = (uint16_t)(9 + i);
    foo.f[i] = (uint64_t)(13 + i);
  }
  func(&foo);
  free(foo.a);
  return 0;
}
