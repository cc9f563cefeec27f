/*
 * fib: naive doubly recursive Fibonacci (call/return heavy), fib(depth)
 * computed n times.
 */
#include "runtime.h"

static NOINLINE u64 fib(u32 k)
{
    return k < 2 ? k : fib(k - 1) + fib(k - 2);
}

int main(void)
{
    long n = cmdline_long("n", 50);
    long depth = cmdline_long("depth", 24);
    u64 value = 0, sum = 0;

    for (long iter = 0; iter < n; iter++) {
        value = fib((u32)depth);
        sum += value;
    }
    printf("fib: n=%ld fib(%ld)=%lu sum=%lu\n", n, depth, value, sum);
    return depth == 24 && value != 46368 ? 1 : 0;
}
