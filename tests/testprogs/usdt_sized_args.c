/* usdt_sized_args: 4- and 8-byte stack operands (C.17). No argc check. */
#include <stdint.h>

#include "sdt_compat.h"

int main(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  uint32_t a = 0xdeadbeef;
  uint32_t b = 1;
  uint64_t c = UINT64_MAX;

  while (1) {
    DTRACE_PROBE1(test, probe1, a);
    DTRACE_PROBE1(test, probe2, b);
    DTRACE_PROBE1(test, probe3, c);
  }
  return 0;
}
