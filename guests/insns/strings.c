/* String instructions (SRST, CLST, MVST; terminator in r0) and
 * compare-and-swap (CS, CSY, CSG, CDS, CDSG). */
#include "insns.h"

static char text[64] ALIGNED(8);
static char other[64] ALIGNED(8);

static void search_string(void)
{
    static const struct { char c; size_t end; } cases[] = {
        { 'w', 40 }, { 'H', 40 }, { 'z', 40 }, { 'd', 8 }, { '!', 13 },
    };

    strcpy(text, "Hello, world! Hello again, world.");
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        register u64 r0 asm("0") = (u8)cases[i].c;
        u64 end = (u64)(uintptr_t)(text + cases[i].end);
        u64 start = (u64)(uintptr_t)text;
        int cc;

        /* cc 3: CPU-determined number of bytes searched, continue. */
        asm volatile("0:\tsrst %[end],%[start]\n\t"
                     "jo 0b" IPM_CC
                     : [end] "+d"(end), [start] "+d"(start), [cc] "=d"(cc)
                     : "d"(r0), "m"(text) : "cc");
        line_begin("srst");
        line_val(cases[i].c);
        line_val(cases[i].end);
        line_arrow();
        line_val(end - (u64)(uintptr_t)text);
        line_val(start - (u64)(uintptr_t)text);
        line_end_cc(cc);
    }
}

static void compare_string(void)
{
    static const struct { const char *a, *b; } cases[] = {
        { "same string", "same string" },
        { "abc", "abd" },
        { "abd", "abc" },
        { "ab", "abc" },
        { "abc", "ab" },
        { "", "" },
        { "\x80", "\x7f" },
    };

    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        u64 a, b;
        int cc;

        strcpy(text, cases[i].a);
        strcpy(other, cases[i].b);
        a = (u64)(uintptr_t)text;
        b = (u64)(uintptr_t)other;
        /* Set right before the asm: the calls above may clobber r0. */
        register u64 r0 asm("0") = 0;           /* terminator */
        asm volatile("0:\tclst %[a],%[b]\n\t"
                     "jo 0b" IPM_CC
                     : [a] "+d"(a), [b] "+d"(b), [cc] "=d"(cc)
                     : "d"(r0), "m"(text), "m"(other) : "cc");
        line_begin("clst");
        line_val(a - (u64)(uintptr_t)text);
        line_val(b - (u64)(uintptr_t)other);
        line_end_cc(cc);
    }

    /* A different terminator character. */
    {
        u64 a, b;
        int cc;

        strcpy(text, "abc.def");
        strcpy(other, "abc.xyz");
        a = (u64)(uintptr_t)text;
        b = (u64)(uintptr_t)other;
        register u64 r0 asm("0") = '.';
        asm volatile("0:\tclst %[a],%[b]\n\t"
                     "jo 0b" IPM_CC
                     : [a] "+d"(a), [b] "+d"(b), [cc] "=d"(cc)
                     : "d"(r0), "m"(text), "m"(other) : "cc");
        line_begin("clst '.'");
        line_val(a - (u64)(uintptr_t)text);
        line_val(b - (u64)(uintptr_t)other);
        line_end_cc(cc);
    }
}

static void move_string(void)
{
    u64 dst, src;
    int cc;

    strcpy(text, "copy me, please");
    memset(other, '#', sizeof(other));
    dst = (u64)(uintptr_t)other;
    src = (u64)(uintptr_t)text;
    register u64 r0 asm("0") = 0;
    asm volatile("0:\tmvst %[d],%[s]\n\t"
                 "jo 0b" IPM_CC
                 : [d] "+d"(dst), [s] "+d"(src), [cc] "=d"(cc), "=m"(other)
                 : "d"(r0), "m"(text) : "cc");
    line_begin("mvst");
    line_val(dst - (u64)(uintptr_t)other);
    line_val(src - (u64)(uintptr_t)text);
    line_bytes(other, 20);
    line_end_cc(cc);
}

#define T_CS(type, insn, expected, new_value, mem)                              \
    do {                                                                        \
        u64 r1_ = (expected), r3_ = (new_value);                                \
        type m_ = (type)(mem);                                                  \
        int cc_;                                                                \
        asm volatile(insn " %[r1],%[r3],0(%[p])" IPM_CC                         \
                     : [r1] "+&d"(r1_), [cc] "=&d"(cc_), "+m"(m_)               \
                     : [r3] "d"(r3_), [p] "a"(&m_) : "cc");                     \
        report(insn, 3, VALS(expected, new_value, mem), 2, VALS(r1_, (u64)m_), cc_); \
    } while (0)

static void compare_and_swap(void)
{
    T_CS(u32, "cs", 0xaaaaaaaa00000005ULL, 0xbbbbbbbb00000009ULL, 5);     /* swap */
    T_CS(u32, "cs", 0xaaaaaaaa00000004ULL, 0xbbbbbbbb00000009ULL, 5);     /* fail: r1 = mem */
    T_CS(u32, "csy", 7, 8, 7);
    T_CS(u64, "csg", 0x123456789ULL, 0xfedcba987ULL, 0x123456789ULL);
    T_CS(u64, "csg", 0x123456789ULL, 0xfedcba987ULL, 0x123456788ULL);

    /* CDS: r2:r3 compared with the doubleword, r4:r5 stored on success. */
    for (int fail = 0; fail < 2; fail++) {
        register u64 r2 asm("2") = 0xffffffff00000001ULL;
        register u64 r3 asm("3") = 0xffffffff00000002ULL;
        register u64 r4 asm("4") = 0x00000000aaaaaaaaULL;
        register u64 r5 asm("5") = 0x00000000bbbbbbbbULL;
        u32 m[2] ALIGNED(8) = { 1, fail ? 3 : 2 };
        int cc;

        asm volatile("cds %%r2,%%r4,0(%[p])" IPM_CC
                     : "+d"(r2), "+d"(r3), [cc] "=d"(cc), "+m"(m)
                     : "d"(r4), "d"(r5), [p] "a"(m) : "cc");
        report("cds", 0, NULL, 4, VALS(r2, r3, m[0], m[1]), cc);
    }
    for (int fail = 0; fail < 2; fail++) {
        register u64 r2 asm("2") = 1;
        register u64 r3 asm("3") = 2;
        register u64 r4 asm("4") = 0xaaaaaaaaaaaaaaaaULL;
        register u64 r5 asm("5") = 0xbbbbbbbbbbbbbbbbULL;
        u64 m[2] ALIGNED(16) = { 1, fail ? 0x200000002ULL : 2 };
        int cc;

        asm volatile("cdsg %%r2,%%r4,0(%[p])" IPM_CC
                     : "+d"(r2), "+d"(r3), [cc] "=d"(cc), "+m"(m)
                     : "d"(r4), "d"(r5), [p] "a"(m) : "cc");
        report("cdsg", 0, NULL, 4, VALS(r2, r3, m[0], m[1]), cc);
    }
}

void test_strings(void)
{
    search_string();
    compare_string();
    move_string();
    compare_and_swap();
}
