/*
 * hello: the smallest guest.  Prints a greeting and the command line it
 * was started with, then exits with status 0.
 */
#include "runtime.h"

int main(void)
{
    printf("Hello from the s390x test guest!\n");
    printf("cmdline: '%s'\n", cmdline());
    return 0;
}
