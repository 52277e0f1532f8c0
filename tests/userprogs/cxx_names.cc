// cxx_names: C++ functions whose symbols are mangled, for uprobe expansion by
// demangled name and for symbolization (bpfdeck's own helper, not the corpus's).
// "wait": print "ADDR NAME" per function, then block until stdin closes.
// "exit": print them and exit at once. "loop": call them forever.
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace ns {
struct Widget {
	int base;
	__attribute__((noinline)) int spin(int n);
	__attribute__((noinline)) static long count(const char *s);
};

int Widget::spin(int n)
{
	return base + n;
}

long Widget::count(const char *s)
{
	return (long)strlen(s);
}

template <typename T> __attribute__((noinline)) T twice(T v)
{
	return v + v;
}
} // namespace ns

__attribute__((noinline)) int plain_c_like(int x)
{
	return x * 3;
}

static void print_addrs()
{
	printf("%p ns::Widget::spin(int)\n", (void *)&ns::Widget::spin);
	printf("%p ns::Widget::count(char const*)\n", (void *)&ns::Widget::count);
	printf("%p int ns::twice<int>(int)\n", (void *)&ns::twice<int>);
	printf("%p plain_c_like(int)\n", (void *)&plain_c_like);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	volatile long sink = 0;
	ns::Widget w{1};
	char c;

	if (argc > 1 && !strcmp(argv[1], "loop")) {
		for (;;) {
			sink += w.spin(2) + ns::Widget::count("abc") + ns::twice(sink & 7) +
				plain_c_like(1);
			usleep(1000);
		}
	}
	sink += w.spin(2) + ns::Widget::count("abc") + ns::twice(3) + plain_c_like(1);
	print_addrs();
	if (argc > 1 && !strcmp(argv[1], "wait"))
		while (read(0, &c, 1) > 0)
			;
	return (int)(sink & 1);
}
