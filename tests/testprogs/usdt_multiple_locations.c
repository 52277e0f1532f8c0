/* usdt_multiple_locations: probes with 2, 1 and 3 locations (C.14). */
#include <stdio.h>
#include <sys/time.h>

#include "sdt_compat.h"

static long __attribute__((noinline)) myclock(void)
{
  struct timeval tv;
  gettimeofday(&tv, NULL);
  DTRACE_PROBE2(tracetest, testprobe, tv.tv_sec, "Hello world");
  DTRACE_PROBE2(tracetest, testprobe, tv.tv_sec, "Hello world2");
  DTRACE_PROBE2(tracetest, testprobe2, tv.tv_sec, "Hello world3");
  DTRACE_PROBE2(tracetest, testprobe3, tv.tv_sec, "Hello world4");
  DTRACE_PROBE2(tracetest, testprobe3, tv.tv_sec, "Hello world5");
  DTRACE_PROBE2(tracetest, testprobe3, tv.tv_sec, "Hello world6");
  return tv.tv_sec;
}

int main(int argc, char **argv)
{
  (void)argv;
  USDT_SHOULD_NOT_SKIP_CHECK(argc);

  while (1) {
    myclock();
  }
  return 0;
}
