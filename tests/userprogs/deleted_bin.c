/* deleted_bin: a process whose executable is deleted while it runs, as after
 * an upgrade (bpfdeck's helper). "wait"/"loop" first copy the program to
 * /tmp, run the copy, and the copy unlinks itself; then "wait" prints
 * "ADDR deleted_fn" and blocks until stdin closes, "loop" calls it forever. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((noinline)) int deleted_fn(int x)
{
	return x + 1;
}

static int copy_self(char *dst)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open("/proc/self/exe", O_RDONLY);
	out = mkstemp(dst);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	fchmod(out, 0755);
	close(in);
	close(out);
	return 0;
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/bpfdeck-deleted-XXXXXX", c;
	volatile int sink = 0;

	if (argc < 2)
		return 1;
	if (argc == 2) {
		if (copy_self(path))
			return 1;
		execl(path, path, argv[1], "copy", (char *)NULL);
		return 1;
	}
	unlink(argv[0]);
	sink += deleted_fn(1);
	if (!strcmp(argv[1], "loop"))
		for (;;) {
			sink += deleted_fn(sink & 3);
			usleep(1000);
		}
	printf("%p deleted_fn\n", (void *)&deleted_fn);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
