/* usdt_inlined: one USDT marker inlined into two call sites (C.15). */
#include <sys/time.h>
#include <unistd.h>

#include "sdt_compat.h"

static inline __attribute__((always_inline)) void fire(int probe_num)
{
  volatile int num = probe_num;
  struct timeval tv;
  gettimeofday(&tv, NULL);
  DTRACE_PROBE2(tracetest, testprobe, tv.tv_sec, num);
}

static void __attribute__((noinline)) fire_100(void)
{
  fire(100);
}

int main(int argc, char **argv)
{
  (void)argv;
  USDT_SHOULD_NOT_SKIP_CHECK(argc);

  while (1) {
    fire(999);
    fire_100();
    sleep(1);
  }
  return 0;
}
