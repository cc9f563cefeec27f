/* Storage-to-storage instructions: MVC (incl. overlapping fill), CLC, XC,
 * NC, OC, TR, TRT, MVI/MVHI, EX/EXRL, MVCL, MVCLE and CLCL. */
#include "insns.h"

static u8 a_buf[64], b_buf[64];
static u8 table[256];

static void fill(u8 *buf, size_t len, u8 start, u8 step)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (u8)(start + i * step);
}

static void show_bytes(const char *name, const void *buf, size_t len, int cc)
{
    line_begin(name);
    line_bytes(buf, len);
    if (cc >= 0)
        line_end_cc(cc);
    else
        line_end();
}

static void move_character(void)
{
    fill(a_buf, 32, 0x00, 1);
    fill(b_buf, 32, 0x80, 1);
    asm volatile("mvc 0(16,%[d]),0(%[s])" : : [d] "a"(a_buf), [s] "a"(b_buf) : "memory");
    show_bytes("mvc", a_buf, 32, -1);

    /* Overlap by one byte: the classic fill idiom propagates byte 0. */
    fill(a_buf, 32, 0x00, 1);
    a_buf[0] = 0x5a;
    asm volatile("mvc 1(31,%[d]),0(%[d])" : : [d] "a"(a_buf) : "memory");
    show_bytes("mvc fill", a_buf, 32, -1);

    /* Overlap by three bytes: repeats a 3-byte pattern. */
    fill(a_buf, 32, 0x10, 1);
    asm volatile("mvc 3(29,%[d]),0(%[d])" : : [d] "a"(a_buf) : "memory");
    show_bytes("mvc overlap3", a_buf, 32, -1);

    /* Destination below source: plain left-to-right copy. */
    fill(a_buf, 32, 0x10, 1);
    asm volatile("mvc 0(29,%[d]),3(%[d])" : : [d] "a"(a_buf) : "memory");
    show_bytes("mvc down", a_buf, 32, -1);

    /* Length code 255 = 256 bytes. */
    {
        static u8 big_src[256], big_dst[260];

        fill(big_src, 256, 0, 3);
        memset(big_dst, 0xee, sizeof(big_dst));
        asm volatile("mvc 2(256,%[d]),0(%[s])" : : [d] "a"(big_dst), [s] "a"(big_src) : "memory");
        line_begin("mvc 256");
        line_bytes(big_dst, 8);
        line_bytes(big_dst + 252, 8);
        line_end();
    }

    fill(a_buf, 8, 0, 0);
    asm volatile("mvi 3(%[d]),0xa7\n\t"
                 "mviy 4(%[d]),0x7a\n\t"
                 "mvhhi 0(%[d]),-2\n\t"
                 : : [d] "a"(a_buf) : "memory");
    show_bytes("mvi/mviy/mvhhi", a_buf, 8, -1);
    {
        u64 m[2] = { 0, 0 };

        asm volatile("mvhi 0(%[d]),-3\n\t"
                     "mvghi 8(%[d]),0x1234"
                     : : [d] "a"(m) : "memory");
        report("mvhi/mvghi", 0, NULL, 2, m, -1);
    }
}

/* CLC of the first len bytes of a_buf and b_buf. */
#define T_CLC(len)                                                              \
    do {                                                                        \
        int cc_;                                                                \
        asm volatile("clc 0(" #len ",%[a]),0(%[b])" IPM_CC                      \
                     : [cc] "=d"(cc_)                                           \
                     : [a] "a"(a_buf), [b] "a"(b_buf), "m"(a_buf), "m"(b_buf)   \
                     : "cc");                                                   \
        line_begin("clc " #len);                                                \
        line_bytes(a_buf, len);                                                 \
        line_bytes(b_buf, len);                                                 \
        line_end_cc(cc_);                                                       \
    } while (0)

static void compare_logical_character(void)
{
    fill(a_buf, 16, 0x40, 1);
    fill(b_buf, 16, 0x40, 1);
    T_CLC(16);
    b_buf[7] = 0x80;                    /* a < b (unsigned) */
    T_CLC(16);
    a_buf[3] = 0xff;                    /* first difference decides: a > b */
    T_CLC(16);
    T_CLC(3);                     /* differences beyond the length */
}

#define T_SS_LOGIC(insn, len)                                                   \
    do {                                                                        \
        int cc_;                                                                \
        asm volatile(insn " 0(" #len ",%[a]),0(%[b])" IPM_CC                    \
                     : [cc] "=d"(cc_) : [a] "a"(a_buf), [b] "a"(b_buf) : "cc", "memory"); \
        show_bytes(insn " " #len, a_buf, len, cc_);                             \
    } while (0)

static void and_or_xor_character(void)
{
    fill(a_buf, 16, 0x0f, 0x11);
    fill(b_buf, 16, 0xf0, 0x07);
    T_SS_LOGIC("nc", 16);
    fill(a_buf, 16, 0x01, 0x02);
    T_SS_LOGIC("oc", 16);
    T_SS_LOGIC("xc", 16);
    fill(a_buf, 16, 0x01, 0x02);
    /* XC of a field with itself clears it (cc 0). */
    asm volatile("xc 0(16,%[a]),0(%[a])" : : [a] "a"(a_buf) : "cc", "memory");
    show_bytes("xc self", a_buf, 16, -1);
    memset(a_buf, 0, 16);
    memset(b_buf, 0, 16);
    T_SS_LOGIC("oc", 16);
    T_SS_LOGIC("nc", 16);
}

static void translate(void)
{
    /* TR: replace each byte by table[byte]. */
    for (int i = 0; i < 256; i++)
        table[i] = (u8)(255 - i);
    memcpy(a_buf, "Hello, s390x TR!", 16);
    asm volatile("tr 0(16,%[a]),0(%[t])" : : [a] "a"(a_buf), [t] "a"(table) : "memory");
    show_bytes("tr", a_buf, 16, -1);

    /* TRT: find the first byte whose function byte is non-zero. */
    memset(table, 0, sizeof(table));
    table[','] = 0x11;
    table['!'] = 0x22;
    memcpy(a_buf, "Hello, s390x TR!", 16);
    for (int len_case = 0; len_case < 3; len_case++) {
        static const char *const texts[3] = {
            "Hello, s390x TR!", "no delimiters!!!", "abcdefghijklmnop",
        };
        int cc;

        memcpy(a_buf, texts[len_case], 16);
        /* Register variables are set right before the asm: calls in
         * between could clobber them. */
        register u64 r1 asm("1") = 0x1111111111111111ULL;
        register u64 r2 asm("2") = 0x2222222222222222ULL;
        asm volatile("trt 0(16,%[a]),0(%[t])" IPM_CC
                     : "+d"(r1), "+d"(r2), [cc] "=&d"(cc)
                     : [a] "a"(a_buf), [t] "a"(table), "m"(a_buf), "m"(table) : "cc");
        /* Copy the results before any call can clobber r1/r2. */
        u64 addr = r1, function = r2;

        line_begin("trt");
        line_bytes(a_buf, 16);
        /* r1 holds an address: print its offset into the buffer if changed. */
        line_val(addr == 0x1111111111111111ULL ? addr : addr - (u64)(uintptr_t)a_buf);
        line_val(function);
        line_end_cc(cc);
    }
}

static void execute(void)
{
    /* EX/EXRL OR the low byte of R1 into the second byte of the target. */
    for (u64 len = 0; len < 4; len++) {
        fill(a_buf, 8, 0, 0);
        fill(b_buf, 8, 0xa0, 1);
        asm volatile("j 1f\n"
                     "0:\tmvc 0(1,%[d]),0(%[s])\n"
                     "1:\tlarl %%r1,0b\n\t"
                     "ex %[l],0(%%r1)"
                     : : [l] "a"(len), [d] "a"(a_buf), [s] "a"(b_buf) : "r1", "memory");
        line_begin("ex mvc");
        line_val(len);
        line_bytes(a_buf, 8);
        line_end();
    }
    for (u64 len = 0; len < 8; len += 3) {
        fill(a_buf, 8, 0, 0);
        fill(b_buf, 8, 0xb0, 2);
        asm volatile("j 1f\n"
                     "0:\tmvc 0(1,%[d]),0(%[s])\n"
                     "1:\texrl %[l],0b"
                     : : [l] "a"(len), [d] "a"(a_buf), [s] "a"(b_buf) : "memory");
        line_begin("exrl mvc");
        line_val(len);
        line_bytes(a_buf, 8);
        line_end();
    }
    /* EX with R1 = 0: the target runs unmodified (length code 3). */
    fill(a_buf, 8, 0, 0);
    fill(b_buf, 8, 0xc0, 1);
    asm volatile("j 1f\n"
                 "0:\tmvc 0(4,%[d]),0(%[s])\n"
                 "1:\texrl %%r0,0b"
                 : : [d] "a"(a_buf), [s] "a"(b_buf) : "memory");
    show_bytes("exrl r0", a_buf, 8, -1);

    /* EXRL of CLC with varying lengths: the cc comes from the target. */
    fill(a_buf, 8, 0x30, 1);
    fill(b_buf, 8, 0x30, 1);
    b_buf[5] = 0x20;
    for (u64 len = 3; len < 8; len++) {
        int cc;

        asm volatile("j 1f\n"
                     "0:\tclc 0(1,%[a]),0(%[b])\n"
                     "1:\texrl %[l],0b" IPM_CC
                     : [cc] "=d"(cc)
                     : [l] "a"(len), [a] "a"(a_buf), [b] "a"(b_buf), "m"(a_buf), "m"(b_buf) : "cc");
        report("exrl clc", 1, VALS(len), 0, NULL, cc);
    }

    /* EX of a register instruction: OR 0x12 into "lr 0,0" -> "lr 1,2". */
    {
        register u64 r1 asm("1") = 0;
        register u64 r2 asm("2") = 0xfeedface;
        u64 modifier = 0x12;

        asm volatile("j 1f\n"
                     "0:\tlr %%r0,%%r0\n"
                     "1:\texrl %[m],0b"
                     : "+d"(r1) : "d"(r2), [m] "a"(modifier) : "r0");
        report("exrl lr", 1, VALS(modifier), 1, VALS(r1), -1);
    }
}

/* MVCL/CLCL operate on r2/r3 (address, length) and r4/r5 (address, pad|length). */
static u8 long_a[300], long_b[300];

static void show_long(const char *name, u64 r2, u64 r3, u64 r4, u64 r5, int cc,
                      const u8 *buf, size_t n)
{
    line_begin(name);
    /* Addresses are shown relative to the start of their buffers. */
    line_val(r2 - (u64)(uintptr_t)long_a);
    line_val(r3);
    line_val(r4 - (u64)(uintptr_t)long_b);
    line_val(r5);
    line_bytes(buf, n);
    line_end_cc(cc);
}

#define T_MVCL(dst_len, src_len, pad)                                           \
    do {                                                                        \
        int cc_;                                                                \
        fill(long_a, sizeof(long_a), 0x00, 1);                                  \
        fill(long_b, sizeof(long_b), 0x80, 1);                                  \
        register u64 r2_ asm("2") = (u64)(uintptr_t)long_a;                     \
        register u64 r3_ asm("3") = (dst_len);                                  \
        register u64 r4_ asm("4") = (u64)(uintptr_t)long_b;                     \
        register u64 r5_ asm("5") = ((u64)(pad) << 24) | (src_len);             \
        asm volatile("mvcl %%r2,%%r4" IPM_CC                                    \
                     : "+d"(r2_), "+d"(r3_), "+d"(r4_), "+d"(r5_), [cc] "=d"(cc_) \
                     : : "cc", "memory");                                       \
        show_long("mvcl", r2_, r3_, r4_, r5_, cc_, long_a, 12);                 \
    } while (0)

static void move_long(void)
{
    T_MVCL(8, 8, 0x40);                 /* equal lengths: cc 0 */
    T_MVCL(10, 4, 0x40);                /* padding: cc 2 */
    T_MVCL(4, 10, 0x40);                /* truncation: cc 1 */
    T_MVCL(0, 5, 0x40);                 /* nothing to do */
    T_MVCL(12, 0, 0xee);                /* all padding */

    /* Destructive overlap: no data moved, cc 3. */
    {
        int cc;

        fill(long_a, sizeof(long_a), 0x00, 1);
        register u64 r2 asm("2") = (u64)(uintptr_t)(long_a + 4);
        register u64 r3 asm("3") = 8;
        register u64 r4 asm("4") = (u64)(uintptr_t)long_a;
        register u64 r5 asm("5") = 8;
        asm volatile("mvcl %%r2,%%r4" IPM_CC
                     : "+d"(r2), "+d"(r3), "+d"(r4), "+d"(r5), [cc] "=d"(cc) : : "cc", "memory");
        u64 regs[4] = { r2 - (u64)(uintptr_t)long_a, r3, r4 - (u64)(uintptr_t)long_a, r5 };

        line_begin("mvcl overlap");
        line_vals(4, regs);
        line_bytes(long_a, 16);
        line_end_cc(cc);
    }
    /* A long move (more than 256 bytes). */
    T_MVCL(300, 280, 0x11);
    line_begin("mvcl 300 tail");
    line_bytes(long_a + 272, 28);
    line_end();
}

static void move_long_extended(void)
{
    static const struct { u64 dst_len, src_len; u8 pad; } cases[] = {
        { 8, 8, 0x40 }, { 16, 5, 0x5f }, { 3, 20, 0 }, { 290, 10, 0x77 },
    };

    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        int cc;

        fill(long_a, sizeof(long_a), 0x00, 1);
        fill(long_b, sizeof(long_b), 0x80, 1);
        register u64 r2 asm("2") = (u64)(uintptr_t)long_a;
        register u64 r3 asm("3") = cases[i].dst_len;
        register u64 r4 asm("4") = (u64)(uintptr_t)long_b;
        register u64 r5 asm("5") = cases[i].src_len;
        /* cc 3 means "partially done, call again": how much is done per
         * execution is model dependent, so only the final state is shown. */
        asm volatile("0:\tmvcle %%r2,%%r4,0(%[pad])\n\t"
                     "jo 0b" IPM_CC
                     : "+d"(r2), "+d"(r3), "+d"(r4), "+d"(r5), [cc] "=d"(cc)
                     : [pad] "a"((u64)cases[i].pad | 0x1000) : "cc", "memory");
        show_long("mvcle", r2, r3, r4, r5, cc, long_a, 24);
        if (cases[i].dst_len > 24) {
            line_begin("mvcle tail");
            line_bytes(long_a + cases[i].dst_len - 8, 12);
            line_end();
        }
    }
}

#define T_CLCL(a_len, b_len, pad)                                               \
    do {                                                                        \
        register u64 r2_ asm("2") = (u64)(uintptr_t)long_a;                     \
        register u64 r3_ asm("3") = (a_len);                                    \
        register u64 r4_ asm("4") = (u64)(uintptr_t)long_b;                     \
        register u64 r5_ asm("5") = ((u64)(pad) << 24) | (b_len);               \
        int cc_;                                                                \
        asm volatile("clcl %%r2,%%r4" IPM_CC                                    \
                     : "+d"(r2_), "+d"(r3_), "+d"(r4_), "+d"(r5_), [cc] "=d"(cc_) \
                     : "m"(long_a), "m"(long_b) : "cc");                        \
        show_long("clcl", r2_, r3_, r4_, r5_, cc_, long_a, 0);                  \
    } while (0)

static void compare_long(void)
{
    memset(long_a, 0x41, sizeof(long_a));
    memset(long_b, 0x41, sizeof(long_b));
    T_CLCL(10, 10, 0);                  /* equal */
    T_CLCL(10, 6, 0x41);                /* equal thanks to padding */
    T_CLCL(10, 6, 0x40);                /* a > pad at offset 6 */
    T_CLCL(4, 10, 0x42);                /* pad 0x42 > 0x41 in b */
    long_b[5] = 0x30;
    T_CLCL(10, 10, 0);                  /* mismatch at 5: a > b */
    T_CLCL(0, 0, 0);
    long_b[5] = 0x41;
    long_a[250] = 0x00;
    T_CLCL(280, 290, 0x41);
}

void test_storage(void)
{
    move_character();
    compare_logical_character();
    and_or_xor_character();
    translate();
    execute();
    move_long();
    move_long_extended();
    compare_long();
}
