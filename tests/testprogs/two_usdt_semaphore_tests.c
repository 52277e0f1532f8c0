/* two_usdt_semaphore_tests: fork, then both processes become
 * usdt_semaphore_test, keeping this program's argv (and so its argv[0],
 * which is how `pidof two_usdt_semaphore_tests` finds both) (C.20). */
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#define TARGET "./testprogs/usdt_semaphore_test"

int main(int argc, char **argv)
{
  (void)argc;
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  execv(TARGET, argv);
  perror("execv " TARGET);
  return 1;
}
