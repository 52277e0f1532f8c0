/* usdt_quoted_probe: a probe whose name is a string literal, so the note
 * name contains the double quotes: "probe1" (C.16). */
#include "sdt_compat.h"

int main(int argc, char **argv)
{
  (void)argv;
  USDT_SHOULD_NOT_SKIP_CHECK(argc);

  int one = 1;
  while (1) {
    DTRACE_PROBE1(test, "probe1", one);
  }
  return 0;
}
