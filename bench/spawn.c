/* spawn: runs a tool as the child of a small process, for bench/run.
 * ru_maxrss survives exec: a tool forked from the Python bench (or from taskset
 * forked from it) starts with the bench's ~17 MiB as its peak RSS, which hid every
 * tool below that. Forked from this small process instead, the peak is the tool's.
 *
 *   spawn [-c CPU] PROG ARGS...
 * stderr gets "__BENCH_PID=N" first (signals go to the tool itself) and
 * "__BENCH_MAXRSS_KB=N" after the tool is reaped; the exit status is the tool's
 * (128 + signal when killed). The tool dies with spawn (PR_SET_PDEATHSIG). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int i = 1, status;
	pid_t pid;

	if (argc > 3 && !strcmp(argv[1], "-c")) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(atoi(argv[2]), &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("spawn: sched_setaffinity");
			return 126;
		}
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: spawn [-c CPU] PROG ARGS...\n");
		return 2;
	}
	/* the bench signals the tool, never this process */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	pid = fork();
	if (pid < 0) {
		perror("spawn: fork");
		return 126;
	}
	if (!pid) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[i], argv + i);
		perror(argv[i]);
		_exit(127);
	}
	fprintf(stderr, "__BENCH_PID=%d\n", (int)pid);
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("spawn: wait4");
			return 126;
		}
	fprintf(stderr, "__BENCH_MAXRSS_KB=%ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
