/* fdleak_victim: opens files in two ways, leaking the ones from leak_one().
 * Waits for SIGUSR1 (so a tracer can attach to its PID first), then opens
 * /dev/null LEAKS times without closing it (leak_one), five times with a
 * close (open_and_close), leaks one pipe (two descriptors, from pipe2) and
 * closes another, prints "done" and sleeps until killed.
 * The opens are made with an inline system call so that the user stack the
 * kernel sees starts in leak_one/open_and_close themselves: libc's open()
 * keeps no frame pointer, and a frame-pointer walk from it would skip its
 * caller. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	go = 1;
}

static inline __attribute__((always_inline)) long raw_open(const char *path)
{
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "0"(257L /* openat */), "D"((long)AT_FDCWD), "S"(path), "d"((long)O_RDONLY)
			 : "rcx", "r11", "memory");
	return ret;
#else
	return open(path, O_RDONLY);
#endif
}

__attribute__((noinline)) int leak_one(void)
{
	return (int)raw_open("/dev/null");
}

__attribute__((noinline)) void open_and_close(void)
{
	int fd = (int)raw_open("/dev/null");

	if (fd >= 0)
		close(fd);
}

__attribute__((noinline)) void pipes(void)
{
	int leaked[2], closed[2];

	if (pipe2(leaked, 0) == 0 && pipe2(closed, 0) == 0) {
		close(closed[0]);
		close(closed[1]);
	}
}

int main(int argc, char **argv)
{
	int leaks = argc > 1 ? atoi(argv[1]) : 3;

	signal(SIGUSR1, on_usr1);
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (!go)
		pause();
	for (int i = 0; i < leaks; i++)
		leak_one();
	for (int i = 0; i < 5; i++)
		open_and_close();
	pipes();
	printf("done\n");
	fflush(stdout);
	for (;;)
		pause();
}
