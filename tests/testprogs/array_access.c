/* array_access: arrays inside structs for uprobe argument tests (C.2). */
#define NOINLINE __attribute__((noinline))

struct A {
  int x[4];
};

struct B {
  int y[2][2];
};

struct C {
  int *z[4];
};

void NOINLINE test_struct(struct A *a, struct B *b)
{
  (void)a;
  (void)b;
}

void NOINLINE test_array(int *a)
{
  (void)a;
}

void NOINLINE test_ptr_array(struct C *c)
{
  (void)c;
}

void NOINLINE test_arrays(struct A *a, struct A *d)
{
  (void)a;
  (void)d;
}

int main(void)
{
  struct A a;
  struct B b;
  struct C c;
  struct A d;
  int i;

  a.x[0] = 1;
  a.x[1] = 2;
  a.x[2] = 3;
  a.x[3] = 4;
  b.y[0][0] = 5;
  b.y[0][1] = 6;
  b.y[1][0] = 7;
  b.y[1][1] = 8;
  test_struct(&a, &b);
  test_array(a.x);

  for (i = 0; i < 4; i++)
    c.z[i] = &a.x[i];
  test_ptr_array(&c);

  d.x[0] = 4;
  d.x[1] = 3;
  d.x[2] = 2;
  d.x[3] = 1;
  test_arrays(&a, &d);
  return 0;
}
