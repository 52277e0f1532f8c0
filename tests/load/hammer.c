/* hammer: one producer of the load test. Calls getppid(2) as fast as it can on
 * the CPU it is given until SIGTERM, then prints how many calls it made: the
 * test checks that every call shows up as an event or as a lost event. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void hammer_on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = hammer_on_term };
	unsigned long long n = 0;
	cpu_set_t cpus;

	if (argc != 3) {
		fprintf(stderr, "usage: hammer COMM CPU\n");
		return 2;
	}
	/* the probe's filter: only our calls count */
	prctl(PR_SET_NAME, argv[1]);
	CPU_ZERO(&cpus);
	CPU_SET(atoi(argv[2]), &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		perror("hammer: sched_setaffinity");
	sigaction(SIGTERM, &sa, NULL);
	/* exact: a SIGTERM taken on the way back from a call still lets n++ run
	 * before the loop looks at stop */
	while (!stop) {
		syscall(SYS_getppid);
		n++;
	}
	printf("%llu\n", n);
	return 0;
}
