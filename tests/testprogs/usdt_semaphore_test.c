/* usdt_semaphore_test: a USDT probe guarded by a semaphore (C.19).  The
 * tracer (or the kernel's uprobe reference counter) increments the
 * semaphore; the probe reports its current value. */
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

#include "sdt_compat.h"

__attribute__((section(".probes"), visibility("hidden"), used))
volatile unsigned short tracetest_testprobe_semaphore = 0;

int main(int argc, char **argv)
{
  (void)argv;
  USDT_SHOULD_NOT_SKIP_CHECK(argc);

  while (1) {
    struct timeval tv;
    char buf[100];
    gettimeofday(&tv, NULL);
    snprintf(buf, sizeof(buf), "tracetest_testprobe_semaphore: %d\n",
             (int)tracetest_testprobe_semaphore);
    DTRACE_PROBE2(tracetest, testprobe, tv.tv_sec, buf);
    usleep(1000);
  }
  return 0;
}
