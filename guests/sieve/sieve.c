/*
 * sieve: Sieve of Eratosthenes over [0, LIMIT), repeated n times.
 * Prints the number of primes and a checksum over them.
 */
#include "runtime.h"

#define LIMIT 100000

static u8 composite[LIMIT];

static u32 sieve(u32 *checksum)
{
    u32 count = 0;
    u32 sum = 0;

    memset(composite, 0, sizeof(composite));
    for (u32 i = 2; i < LIMIT; i++) {
        if (composite[i])
            continue;
        count++;
        sum = sum * 31 + i;
        for (u32 j = i * 2; j < LIMIT; j += i)
            composite[j] = 1;
    }
    *checksum = sum;
    return count;
}

int main(void)
{
    long n = cmdline_long("n", 60);
    u32 count = 0, checksum = 0, total = 0;

    for (long iter = 0; iter < n; iter++) {
        count = sieve(&checksum);
        total += count ^ (u32)iter;
    }
    printf("sieve: n=%ld limit=%d primes=%u checksum=0x%08x total=0x%08x\n",
           n, LIMIT, count, checksum, total);
    return count == 9592 ? 0 : 1;
}
