/* wait4_ru: wait4() with a non-NULL rusage pointer (C.11). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
  struct rusage ru;
  pid_t child = fork();

  if (child < 0)
    return 1;
  if (child == 0)
    _exit(0);
  syscall(SYS_wait4, child, NULL, 0, &ru);
  return 0;
}
