/*
 * sha256: FIPS 180-4 SHA-256.  Checks the "abc" test vector, then hashes a
 * 16 KiB buffer n times, chaining each digest into the next message.
 */
#include "runtime.h"

#define BUF_SIZE (16 * 1024)

struct sha256 {
    u32 state[8];
    u64 length;         /* bytes hashed so far */
    u8 block[64];
    size_t used;        /* bytes in block */
};

static const u32 K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline u32 ror(u32 x, int n)
{
    return (x >> n) | (x << (32 - n));
}

/* a function of its own (not inlined), so --profile and flamegraphs name it */
static __attribute__((noinline)) void compress(u32 state[8], const u8 block[64])
{
    u32 w[64];
    u32 a, b, c, d, e, f, g, h;

    for (int i = 0; i < 16; i++)
        w[i] = (u32)block[4 * i] << 24 | (u32)block[4 * i + 1] << 16 |
               (u32)block[4 * i + 2] << 8 | block[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        u32 s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        u32 s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);

        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }

    a = state[0]; b = state[1]; c = state[2]; d = state[3];
    e = state[4]; f = state[5]; g = state[6]; h = state[7];
    for (int i = 0; i < 64; i++) {
        u32 t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        u32 t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

static void sha256_init(struct sha256 *ctx)
{
    static const u32 initial[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };

    memcpy(ctx->state, initial, sizeof(initial));
    ctx->length = 0;
    ctx->used = 0;
}

static void sha256_update(struct sha256 *ctx, const void *data, size_t len)
{
    const u8 *p = data;

    ctx->length += len;
    while (len) {
        size_t take = 64 - ctx->used;

        if (take > len)
            take = len;
        memcpy(ctx->block + ctx->used, p, take);
        ctx->used += take;
        p += take;
        len -= take;
        if (ctx->used == 64) {
            compress(ctx->state, ctx->block);
            ctx->used = 0;
        }
    }
}

static void sha256_final(struct sha256 *ctx, u8 digest[32])
{
    u64 bits = ctx->length * 8;
    u8 pad = 0x80;
    u8 len_be[8];

    sha256_update(ctx, &pad, 1);
    pad = 0;
    while (ctx->used != 56)
        sha256_update(ctx, &pad, 1);
    for (int i = 0; i < 8; i++)
        len_be[i] = (u8)(bits >> (56 - 8 * i));
    sha256_update(ctx, len_be, 8);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (u8)(ctx->state[i] >> 24);
        digest[4 * i + 1] = (u8)(ctx->state[i] >> 16);
        digest[4 * i + 2] = (u8)(ctx->state[i] >> 8);
        digest[4 * i + 3] = (u8)ctx->state[i];
    }
}

static void hash(const void *data, size_t len, u8 digest[32])
{
    struct sha256 ctx;

    sha256_init(&ctx);
    sha256_update(&ctx, data, len);
    sha256_final(&ctx, digest);
}

static void print_digest(const char *label, const u8 digest[32])
{
    printf("sha256: %s=", label);
    for (int i = 0; i < 32; i++)
        printf("%02x", digest[i]);
    putchar('\n');
}

static u8 buf[BUF_SIZE];

int main(void)
{
    static const u8 abc_expected[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    long n = cmdline_long("n", 100);
    u8 digest[32];
    int ok;

    hash("abc", 3, digest);
    print_digest("abc", digest);
    ok = memcmp(digest, abc_expected, 32) == 0;

    for (size_t i = 0; i < BUF_SIZE; i++)
        buf[i] = (u8)(i * 7 + (i >> 8));
    for (long iter = 0; iter < n; iter++) {
        memcpy(buf, digest, 32);
        hash(buf, BUF_SIZE, digest);
    }
    printf("sha256: n=%ld size=%d\n", n, BUF_SIZE);
    print_digest("chain", digest);
    return ok ? 0 : 1;
}
