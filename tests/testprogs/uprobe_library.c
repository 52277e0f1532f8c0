/* uprobe_library: calls the real fread() in the shared libc (C.10).
 * Must not be built with _FORTIFY_SOURCE (fread would become __fread_chk). */
#undef _FORTIFY_SOURCE
#include <stdio.h>

int main(void)
{
  int int_var = 0;
  FILE *fp = fopen("/dev/zero", "r");
  if (fp == NULL)
    return 1;
  size_t n = fread(&int_var, sizeof(int), 1, fp);
  fclose(fp);
  return n == 1 ? 0 : 1;
}
