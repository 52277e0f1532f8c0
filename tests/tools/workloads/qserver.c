/* qserver: a stand-in for a database with MySQL-style USDT query probes.
 * Runs COUNT queries (default 6): query__start(text) / query__done around
 * nothing for "fast" queries and a 40 ms sleep for "slow" ones, so a latency
 * tool with a threshold between the two (20 ms, say: room for a loaded
 * machine) sees only the slow ones. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

static void run_query(const char *text, int ms)
{
	/* like a real server, the text is in a buffer it has just written (a
	 * pointer into untouched .rodata may not even be paged in yet) */
	char query[128];

	snprintf(query, sizeof(query), "%s", text);
	DTRACE_PROBE1(qserver, query__start, query);
	if (ms)
		usleep(ms * 1000);
	DTRACE_PROBE(qserver, query__done);
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 6;

	for (int i = 0; i < count; i++) {
		if (i % 2)
			run_query("SELECT * FROM slow_table WHERE id = 42", 40);
		else
			run_query("SELECT 1", 0);
	}
	printf("qserver: %d queries\n", count);
	return 0;
}
