/* struct_walk: an array of structs on the heap, walked by a uprobe (C.5). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct C {
  uint32_t a;
  uint64_t b;
};

void __attribute__((noinline)) clear(struct C *c, size_t size)
{
  size_t i;
  for (i = 0; i < size; i++) {
    c[i].a = 0;
    c[i].b = 0;
  }
}

void __attribute__((noinline)) print(struct C *c, size_t size)
{
  size_t i;
  for (i = 0; i < size; i++)
    printf("%u %llu\n", c[i].a, (unsigned long long)c[i].b);
}

int main(void)
{
  const size_t n = 10;
  struct C *p = malloc(n * sizeof(struct C));
  size_t t;

  if (p == NULL)
    return 1;
  for (t = 0; t < n; t++) {
    p[t].a = (uint32_t)t;
    p[t].b = 100;
  }
  clear(p, n);
  free(p);
  return 0;
}
