/* syscall: a command-line generator of specific system calls for the
 * runtime conformance tests (TESTPROGS.md C.1). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_EXECVE_ARGS 128

static void __attribute__((noinline)) usage(FILE *out)
{
  fprintf(out,
          "Usage:\n"
          "  syscall <mode> [args...]\n"
          "\n"
          "Modes:\n"
          "  nanosleep [T]          sleep T nanoseconds (default 100; e.g. 1e9)\n"
          "  openat                 create, close and remove a temporary file\n"
#ifdef SYS_open
          "  open                   same as openat, with the legacy open syscall\n"
#endif
          "  read                   read 0 bytes from a temporary file\n"
          "  execve <path> [args]   execve path with args and an empty environment\n"
          "  connect <ipv4> <port>  open a TCP connection (result ignored)\n"
          "  <ipv4> <port>          shorthand for connect\n"
          "  -h, --help             show this help\n");
}

static const char *tmp_dir(void)
{
  const char *d = getenv("TMPDIR");
  if (d == NULL || d[0] == '\0')
    d = "/tmp";
  return d;
}

static int is_digit(char c)
{
  return c >= '0' && c <= '9';
}

static int __attribute__((noinline)) gen_nanosleep(int argc, char **argv)
{
  double ns = 100;

  if (argc > 0) {
    const char *s = argv[0];
    size_t len = strlen(s);
    char *end = NULL;

    if (len == 0 || !is_digit(s[0]) || !is_digit(s[len - 1])) {
      fprintf(stderr, "invalid nanosleep duration: '%s'\n", s);
      return 1;
    }
    errno = 0;
    ns = strtod(s, &end);
    if (errno != 0 || end == NULL || *end != '\0' || ns < 0) {
      fprintf(stderr, "invalid nanosleep duration: '%s'\n", s);
      return 1;
    }
    if (ns > 0 && ns < 1)
      ns = 1;
  }

  struct timespec req;
  req.tv_sec = (time_t)(ns / 1e9);
  req.tv_nsec = (long)(ns - (double)req.tv_sec * 1e9);
  if (req.tv_nsec < 0)
    req.tv_nsec = 0;
  if (req.tv_nsec > 999999999)
    req.tv_nsec = 999999999;

  /* The raw syscall: glibc's wrapper may use clock_nanosleep. */
  if (syscall(SYS_nanosleep, &req, NULL) != 0) {
    perror("nanosleep");
    return 1;
  }
  return 0;
}

static int __attribute__((noinline)) gen_openat(void)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/bpftrace_runtime_test_syscall_gen_open_temp",
           tmp_dir());
  /* flags exactly O_CREAT (O_RDONLY access mode, no O_CLOEXEC/O_LARGEFILE) */
  long fd = syscall(SYS_openat, AT_FDCWD, path, O_CREAT, 0600);
  if (fd < 0) {
    perror("openat");
    return 1;
  }
  close((int)fd);
  unlink(path);
  return 0;
}

#ifdef SYS_open
static int __attribute__((noinline)) gen_open(void)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/bpftrace_runtime_test_syscall_gen_open_temp",
           tmp_dir());
  long fd = syscall(SYS_open, path, O_CREAT, 0600);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  close((int)fd);
  unlink(path);
  return 0;
}
#endif

static int __attribute__((noinline)) gen_read(void)
{
  char path[4096];
  char buf[16];
  snprintf(path, sizeof(path), "%s/bpftrace_runtime_test_syscall_gen_read_temp",
           tmp_dir());
  long fd = syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDONLY, 0600);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  long r = syscall(SYS_read, (int)fd, buf, (size_t)0);
  int ret = 0;
  if (r < 0) {
    perror("read");
    ret = 1;
  }
  if (close((int)fd) != 0) {
    perror("close");
    ret = 1;
  }
  unlink(path);
  return ret;
}

static int __attribute__((noinline)) gen_execve(int argc, char **argv)
{
  if (argc < 1) {
    fprintf(stderr, "execve: missing path\n");
    return 1;
  }
  if (argc - 1 > MAX_EXECVE_ARGS) {
    fprintf(stderr, "execve: too many arguments (max %d)\n", MAX_EXECVE_ARGS);
    return 1;
  }
  if (access(argv[0], F_OK) != 0) {
    fprintf(stderr, "execve: %s: %s\n", argv[0], strerror(errno));
    return 1;
  }

  char *new_argv[MAX_EXECVE_ARGS + 2];
  int i;
  for (i = 0; i < argc; i++)
    new_argv[i] = argv[i];
  new_argv[i] = NULL;
  char *new_env[] = { NULL };

  syscall(SYS_execve, argv[0], new_argv, new_env);
  fprintf(stderr, "execve: %s: %s\n", argv[0], strerror(errno));
  return 1;
}

static int __attribute__((noinline)) gen_connect(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "connect: usage: connect <ipv4> <port>\n");
    return 1;
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[0], &addr.sin_addr) != 1) {
    fprintf(stderr, "connect: invalid IPv4 address '%s'\n", argv[0]);
    return 1;
  }
  char *end = NULL;
  long port = strtol(argv[1], &end, 10);
  if (argv[1][0] == '\0' || end == NULL || *end != '\0' || port < 1 ||
      port > 65535) {
    fprintf(stderr, "connect: invalid port '%s'\n", argv[1]);
    return 1;
  }
  addr.sin_port = htons((unsigned short)port);

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    perror("socket");
    return 1;
  }
  (void)connect(fd, (struct sockaddr *)&addr, sizeof(addr));
  close(fd);
  return 0;
}

static int looks_like_ipv4(const char *s)
{
  struct in_addr a;
  return inet_pton(AF_INET, s, &a) == 1;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stdout);
    return 1;
  }
  const char *mode = argv[1];
  int rest_argc = argc - 2;
  char **rest_argv = argv + 2;

  if (strcmp(mode, "-h") == 0 || strcmp(mode, "--help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(mode, "nanosleep") == 0)
    return gen_nanosleep(rest_argc, rest_argv);
  if (strcmp(mode, "openat") == 0)
    return gen_openat();
#ifdef SYS_open
  if (strcmp(mode, "open") == 0)
    return gen_open();
#endif
  if (strcmp(mode, "read") == 0)
    return gen_read();
  if (strcmp(mode, "execve") == 0)
    return gen_execve(rest_argc, rest_argv);
  if (strcmp(mode, "connect") == 0)
    return gen_connect(rest_argc, rest_argv);
  if (looks_like_ipv4(mode))
    return gen_connect(argc - 1, argv + 1);

  printf("%s is not supported\n", mode);
  usage(stdout);
  return 1;
}
