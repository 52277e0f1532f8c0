/* uprobe_negative_retval: negative return values (C.8). */
int __attribute__((noinline)) function1(int x)
{
  return x;
}

int main(void)
{
  int x;
  for (x = -120; x <= 100; x++)
    function1(x);
  return -100;
}
