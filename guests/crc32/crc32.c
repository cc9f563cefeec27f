/*
 * crc32: table-driven CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320)
 * over a 64 KiB pseudo-random buffer, n times.  Each round feeds the
 * previous CRC back into the buffer so no round can be skipped.
 */
#include "runtime.h"

#define BUF_SIZE (64 * 1024)

static u32 table[256];
static u8 buf[BUF_SIZE];

static void make_table(void)
{
    for (u32 i = 0; i < 256; i++) {
        u32 c = i;

        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        table[i] = c;
    }
}

static u32 crc32(u32 crc, const u8 *p, size_t len)
{
    crc = ~crc;
    while (len--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int main(void)
{
    long n = cmdline_long("n", 200);
    u32 seed = 12345;
    u32 crc = 0;
    u32 check;

    make_table();
    check = crc32(0, (const u8 *)"123456789", 9);
    printf("crc32: check(\"123456789\")=0x%08x\n", check);

    for (size_t i = 0; i < BUF_SIZE; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (u8)(seed >> 16);
    }
    for (long iter = 0; iter < n; iter++) {
        crc = crc32(crc, buf, BUF_SIZE);
        buf[(crc >> 8) % BUF_SIZE] ^= (u8)crc;
    }
    printf("crc32: n=%ld size=%d crc=0x%08x\n", n, BUF_SIZE, crc);
    return check == 0xcbf43926u ? 0 : 1;
}
