/* stack_args: ten int parameters, so some are passed on the stack (C.6). */
void __attribute__((noinline))
too_many_args(int a, int b, int c, int d, int e, int f, int g, int h, int i,
              int j)
{
  (void)a; (void)b; (void)c; (void)d; (void)e;
  (void)f; (void)g; (void)h; (void)i; (void)j;
}

int main(void)
{
  too_many_args(0, 1, 2, 4, 8, 16, 32, 64, 128, 256);
  return 0;
}
