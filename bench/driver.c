/* driver: the load the bench puts on a probe.
 *   driver getppid N      N x syscall(SYS_getppid); prints CPU ns per call
 *   driver getuid N       the same with getuid, a syscall no workload traces
 *   driver close FIRST N  close(fd) for fd in [FIRST, FIRST+N) (all EBADF): N keys
 * Run it under taskset to choose the CPU. With DRIVER_WAIT set it first waits for
 * a line on stdin, so the bench can hand its pid to a tool and release it later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

/* CPU time of this thread: time the task spent running, syscalls and BPF programs
 * included, but not time other tasks took the CPU away (the machine is shared). */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	double t0, t1;
	long n, first;
	char line[16];

	if (getenv("DRIVER_WAIT") && !fgets(line, sizeof(line), stdin))
		return 1;

	if (argc >= 3 && (!strcmp(argv[1], "getppid") || !strcmp(argv[1], "getuid"))) {
		long nr = !strcmp(argv[1], "getppid") ? SYS_getppid : SYS_getuid;

		n = atol(argv[2]);
		/* warm up: caches, TLB, frequency */
		for (long i = 0; i < n / 10; i++)
			syscall(nr);
		t0 = now();
		for (long i = 0; i < n; i++)
			syscall(nr);
		t1 = now();
		printf("%.2f\n", (t1 - t0) / n);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "close")) {
		first = atol(argv[2]);
		n = atol(argv[3]);
		for (long i = 0; i < n; i++)
			syscall(SYS_close, first + i);
		return 0;
	}
	fprintf(stderr, "usage: driver getppid|getuid N | driver close FIRST N\n");
	return 2;
}
