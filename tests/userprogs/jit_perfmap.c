/* jit_perfmap: what a JIT does: code in anonymous executable memory, named in
 * /tmp/perf-PID.map ("START SIZE name", hex) for profilers (bpfdeck's helper).
 * "wait": print "ADDR jitted_answer" and block until stdin closes; "loop":
 * call the jitted code forever. The map file is left for the caller to remove. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	/* mov eax, 42; ret */
	static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
	unsigned char *mem;
	char path[64], c;
	int (*fn)(void);
	volatile int sink = 0;
	FILE *f;

	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	memcpy(mem + 0x100, code, sizeof(code));
	fn = (int (*)(void))(mem + 0x100);
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "%lx %zx jitted_answer\n", (unsigned long)(uintptr_t)fn, sizeof(code));
	fclose(f);
	sink += fn();
	if (argc > 1 && !strcmp(argv[1], "loop"))
		for (;;) {
			sink += fn();
			usleep(1000);
		}
	printf("%p jitted_answer\n", (void *)fn);
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "wait"))
		while (read(0, &c, 1) > 0)
			;
	return sink % 42 ? 1 : 0;
}
