/* uprobe_namesan: a function whose symbol contains a '$' (C.9). */
int __attribute__((noinline)) fn$(void)
{
  return 0;
}

int main(void)
{
  return fn$();
}
