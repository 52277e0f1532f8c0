/* simple_struct: a two-int struct passed by pointer (C.3). */
struct Foo {
  int m;
  int n;
};

int __attribute__((noinline)) func(struct Foo *foo)
{
  return foo->m;
}

int main(void)
{
  struct Foo foo;
  foo.m = 2;
  foo.n = 3;
  func(&foo);
  return 0;
}
