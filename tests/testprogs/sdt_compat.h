/* Shared helper for the conformance test programs: pulls in <sys/sdt.h>
 * when it is available, otherwise turns the probe macros into no-ops so the
 * USDT programs still build (and report "skip" through should_not_skip). */
#ifndef BPFDECK_SDT_COMPAT_H
#define BPFDECK_SDT_COMPAT_H

#if !defined(HAVE_SYSTEMTAP_SYS_SDT_H) && !defined(BPFDECK_NO_SDT) && \
    defined(__has_include)
#if __has_include(<sys/sdt.h>)
#define HAVE_SYSTEMTAP_SYS_SDT_H 1
#endif
#endif

#ifdef HAVE_SYSTEMTAP_SYS_SDT_H
#include <sys/sdt.h>
#define USDT_SUPPORTED 1
#else
#define USDT_SUPPORTED 0
#define DTRACE_PROBE(p, n) do { } while (0)
#define DTRACE_PROBE1(p, n, a1) do { (void)(a1); } while (0)
#define DTRACE_PROBE2(p, n, a1, a2) do { (void)(a1); (void)(a2); } while (0)
#define DTRACE_PROBE3(p, n, a1, a2, a3) \
  do { (void)(a1); (void)(a2); (void)(a3); } while (0)
#endif

/* B.4: any extra argument means "return at once"; 0 when built with USDT
 * support, 1 otherwise so that REQUIRES skips the test. */
#define USDT_SHOULD_NOT_SKIP_CHECK(argc)          \
  do {                                            \
    if ((argc) > 1)                               \
      return USDT_SUPPORTED ? 0 : 1;              \
  } while (0)

#endif
