/* stackprog: the user-space target of the workbench's stack tests.
 * main -> stack_outer -> stack_middle -> stack_leaf in a loop, frame pointers
 * kept (-fno-omit-frame-pointer) so ustack walks them; stack_cmp is reached
 * through libc's qsort, for a stack that crosses libc; two USDT probes for
 * completion. Runs for argv[1] seconds (default 60), so a killed test leaves
 * nothing behind for long. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "sdt_compat.h"

static volatile int sink;

__attribute__((noinline)) int stack_leaf(int i)
{
	sink += i;
	return sink;
}

__attribute__((noinline)) int stack_middle(int i)
{
	return stack_leaf(i) + 1;
}

__attribute__((noinline)) int stack_outer(int i)
{
	return stack_middle(i) + 1;
}

__attribute__((noinline)) int stack_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

__attribute__((noinline)) void stack_sort(int i)
{
	int v[4] = { i, 3, 1, 2 };

	qsort(v, 4, sizeof(v[0]), stack_cmp);
	sink += v[0];
}

int main(int argc, char **argv)
{
	time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 60);

	for (int i = 0; time(NULL) < end; i++) {
		stack_outer(i);
		stack_sort(i);
		DTRACE_PROBE1(stackprog, tick, i);
		DTRACE_PROBE(stackprog, idle);
		usleep(2000);
	}
	return 0;
}
