/* usdt_lib: calls into libusdt_tp.so, whose USDT probes fire (C.21).
 * It has no USDT notes of its own. */
#include "usdt_tp.h"

#ifdef HAVE_SYSTEMTAP_SYS_SDT_H
#define USDT_SUPPORTED 1
#elif defined(__has_include)
#if __has_include(<sys/sdt.h>)
#define USDT_SUPPORTED 1
#endif
#endif
#ifndef USDT_SUPPORTED
#define USDT_SUPPORTED 0
#endif

int main(int argc, char **argv)
{
  (void)argv;
  if (argc > 1)
    return USDT_SUPPORTED ? 0 : 1;

  while (1) {
    myclock();
  }
  return 0;
}
