/*
 * qsort: a generic quicksort (median of three, insertion sort for short
 * ranges, comparator called through a function pointer) sorting 20000
 * pseudo-random 32-bit keys, n times with different data.
 */
#include "runtime.h"

#define COUNT 20000

typedef int (*compare_fn)(const void *a, const void *b);

static void swap_bytes(u8 *a, u8 *b, size_t size)
{
    while (size--) {
        u8 t = *a;

        *a++ = *b;
        *b++ = t;
    }
}

static void insertion_sort(u8 *base, size_t count, size_t size, compare_fn cmp)
{
    for (size_t i = 1; i < count; i++) {
        for (size_t j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--)
            swap_bytes(base + (j - 1) * size, base + j * size, size);
    }
}

static void sort(void *array, size_t count, size_t size, compare_fn cmp)
{
    u8 *base = array;

    while (count > 12) {
        u8 *lo = base;
        u8 *mid = base + (count / 2) * size;
        u8 *hi = base + (count - 1) * size;
        size_t i, j;

        /* Median of three ends up in *mid; move it to the front as pivot. */
        if (cmp(mid, lo) < 0)
            swap_bytes(mid, lo, size);
        if (cmp(hi, mid) < 0) {
            swap_bytes(hi, mid, size);
            if (cmp(mid, lo) < 0)
                swap_bytes(mid, lo, size);
        }
        swap_bytes(lo, mid, size);

        i = 0;
        j = count;
        for (;;) {
            do
                i++;
            while (i < count && cmp(base + i * size, lo) < 0);
            do
                j--;
            while (cmp(base + j * size, lo) > 0);
            if (i >= j)
                break;
            swap_bytes(base + i * size, base + j * size, size);
        }
        swap_bytes(lo, base + j * size, size);

        /* Recurse into the smaller half, loop on the larger one. */
        if (j < count - j - 1) {
            sort(base, j, size, cmp);
            base += (j + 1) * size;
            count -= j + 1;
        } else {
            sort(base + (j + 1) * size, count - j - 1, size, cmp);
            count = j;
        }
    }
    insertion_sort(base, count, size, cmp);
}

static int compare_u32(const void *a, const void *b)
{
    u32 x = *(const u32 *)a, y = *(const u32 *)b;

    return x < y ? -1 : x > y;
}

static u32 keys[COUNT];

int main(void)
{
    long n = cmdline_long("n", 25);
    u32 seed = 1;
    u32 checksum = 0;
    int sorted = 1;

    for (long iter = 0; iter < n; iter++) {
        for (int i = 0; i < COUNT; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            keys[i] = seed % 1000003;
        }
        sort(keys, COUNT, sizeof(keys[0]), compare_u32);
        for (int i = 1; i < COUNT; i++)
            sorted &= keys[i - 1] <= keys[i];
        for (int i = 0; i < COUNT; i += 97)
            checksum = checksum * 33 + keys[i];
    }
    printf("qsort: n=%ld count=%d sorted=%s min=%u median=%u max=%u checksum=0x%08x\n",
           n, COUNT, sorted ? "yes" : "no", keys[0], keys[COUNT / 2], keys[COUNT - 1],
           checksum);
    return sorted ? 0 : 1;
}
