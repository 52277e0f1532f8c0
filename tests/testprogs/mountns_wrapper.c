/* mountns_wrapper <progname>: run a sibling test program inside a private
 * mount namespace, from a bind mount that is invisible outside it (C.12). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MOUNT_DIR "/tmp/bpftrace-unshare-mountns-test"

int main(int argc, char **argv)
{
  char exe[PATH_MAX];
  char target[PATH_MAX];
  ssize_t len;
  char *slash;

  if (argc != 2) {
    fprintf(stderr, "usage: %s <progname>\n", argc > 0 ? argv[0] : "mountns_wrapper");
    return 1;
  }

  if (unshare(CLONE_NEWNS) != 0) {
    perror("unshare(CLONE_NEWNS)");
    return 1;
  }
  if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
    perror("mount(/, MS_REC|MS_PRIVATE)");
    return 1;
  }
  if (mkdir(MOUNT_DIR, 0770) != 0 && errno != EEXIST) {
    perror("mkdir " MOUNT_DIR);
    return 1;
  }

  len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (len < 0) {
    perror("readlink(/proc/self/exe)");
    return 1;
  }
  exe[len] = '\0';
  slash = strrchr(exe, '/');
  if (slash == NULL) {
    fprintf(stderr, "unexpected executable path: %s\n", exe);
    return 1;
  }
  if (slash == exe)
    slash[1] = '\0';
  else
    *slash = '\0';

  if (mount(exe, MOUNT_DIR, NULL, MS_BIND, NULL) != 0) {
    fprintf(stderr, "bind mount %s on %s: %s\n", exe, MOUNT_DIR, strerror(errno));
    return 1;
  }

  if (snprintf(target, sizeof(target), "%s/%s", MOUNT_DIR, argv[1]) >=
      (int)sizeof(target)) {
    fprintf(stderr, "program name too long\n");
    return 1;
  }
  char *new_argv[] = { target, NULL };
  execv(target, new_argv);
  fprintf(stderr, "execv %s: %s\n", target, strerror(errno));
  return 1;
}
