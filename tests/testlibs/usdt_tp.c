/* libusdt_tp.so: a shared library with USDT probes (C.23). */
#include <stddef.h>
#include <sys/time.h>

#include "../testprogs/sdt_compat.h"
#include "usdt_tp.h"

__attribute__((visibility("default"))) long myclock(void)
{
  struct timeval tv;
  gettimeofday(&tv, NULL);
  DTRACE_PROBE2(tracetestlib, lib_probe_1, tv.tv_sec, "Hello world");
  DTRACE_PROBE2(tracetestlib, lib_probe_1, tv.tv_sec, "Hello world2");
  DTRACE_PROBE2(tracetestlib2, lib_probe_2, tv.tv_sec, "Hello world3");
  return tv.tv_sec;
}
