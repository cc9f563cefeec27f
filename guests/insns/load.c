/* Loads and stores: sign/zero extension, high word, load/store on
 * condition, multiple, relative long, insert characters, address
 * generation, POPCNT and FLOGR. */
#include "insns.h"

#define OLD  0x1111111122222222ULL
#define PAT  0x0123456789abcdefULL

static void load_extend(void)
{
    T_RR_NC("lgfr", OLD, 0x80000000);
    T_RR_NC("llgfr", OLD, 0xffffffff80000000ULL);
    T_RR_NC("lhr", OLD, 0xffff8000);
    T_RR_NC("lghr", OLD, 0x7fff);
    T_RR_NC("llhr", OLD, 0x12348765);
    T_RR_NC("llghr", OLD, 0xffffffffffff8765ULL);
    T_RR_NC("lbr", OLD, 0x80);
    T_RR_NC("lgbr", OLD, 0x7f);
    T_RR_NC("llcr", OLD, 0x1ff);
    T_RR_NC("llgcr", OLD, 0xff80);
    T_RR_NC("lr", OLD, PAT);
    T_RR_NC("llgtr", OLD, 0xffffffffffffffffULL);
    T_RX32_NC("l", OLD, 0x89abcdef);
    T_RX32_NC("ly", OLD, 0x01234567);
    T_RX64_NC("lg", OLD, PAT);
    T_RX32_NC("lgf", OLD, 0x80000001);
    T_RX32_NC("llgf", OLD, 0x80000001);
    T_RX16_NC("lh", OLD, 0x8001);
    T_RX16_NC("lhy", OLD, 0x7001);
    T_RX16_NC("lgh", OLD, 0xfffe);
    T_RX16_NC("llh", OLD, 0xfffe);
    T_RX16_NC("llgh", OLD, 0x8000);
    T_RX8_NC("lb", OLD, 0x80);
    T_RX8_NC("lgb", OLD, 0xff);
    T_RX8_NC("llc", OLD, 0xff);
    T_RX8_NC("llgc", OLD, 0x80);
    T_RX8_NC("ic", OLD, 0xaa);
    T_RX8_NC("icy", OLD, 0x55);
    T_RX32_NC("llgt", OLD, 0xffffffff);
    T_RX32("lt", OLD, 0x80000000);
    T_RX32("lt", OLD, 0);
    T_RX64("ltg", OLD, 1);
    T_RX32("ltgf", OLD, 0xffffffff);
}

static void load_immediate(void)
{
    T_RI_NC("lhi", OLD, -2);
    T_RI_NC("lghi", OLD, -32768);
    T_RI_NC("lgfi", OLD, -2147483647 - 1);
    T_RI_NC("llill", OLD, 0xffff);
    T_RI_NC("llilh", OLD, 0xffff);
    T_RI_NC("llihl", OLD, 0x1234);
    T_RI_NC("llihh", OLD, 0x8000);
    T_RI_NC("llilf", OLD, 0xfedcba98);
    T_RI_NC("llihf", OLD, 0x76543210);
    T_RI_NC("iill", OLD, 0xabcd);
    T_RI_NC("iilh", OLD, 0xabcd);
    T_RI_NC("iihl", OLD, 0xabcd);
    T_RI_NC("iihh", OLD, 0xabcd);
    T_RI_NC("iilf", OLD, 0x89abcdef);
    T_RI_NC("iihf", OLD, 0x89abcdef);
}

static void high_word(void)
{
    /* High-word facility (z196): operate on bits 0-31 of a register. */
    T_RX32_NC("lfh", OLD, 0xcafef00d);
    T_RX16_NC("lhh", OLD, 0x8000);
    T_RX16_NC("llhh", OLD, 0x8000);
    T_RX8_NC("lbh", OLD, 0x80);
    T_RX8_NC("llch", OLD, 0x80);
    T_RRR("ahhhr", OLD, 0x7fffffff00000000ULL, 0x0000000100000000ULL);
    T_RRR("ahhlr", OLD, 0x0000000100000000ULL, 0x00000000ffffffffULL);
    T_RRR("alhhhr", OLD, 0xffffffff00000000ULL, 0x0000000100000000ULL);
    T_RRR("shhhr", OLD, 0x8000000000000000ULL, 0x0000000100000000ULL);
    T_RRR("slhhlr", OLD, 0x0000000500000000ULL, 0x0000000000000005ULL);
    T_RR("chhr", 0x8000000000000000ULL, 0x7fffffff00000000ULL);
    T_RR("chlr", 0x0000000500000000ULL, 0x5);
    T_RR("clhhr", 0x8000000000000000ULL, 0x7fffffff00000000ULL);
    T_RR("clhlr", 0xffffffff00000000ULL, 0xfffffffe);
    T_RI("cih", 0xffffffff00000000ULL, -1);
    T_RI("clih", 0xffffffff00000000ULL, 1);
    T_RI("aih", 0x7fffffff12345678ULL, 1);      /* overflow */
    T_RI("alsih", 0xffffffff12345678ULL, 1);    /* carry */
    T_RI_NC("alsihn", 0xffffffff12345678ULL, 2);

    {
        u32 word = 0, half_store = 0;
        u16 half = 0;
        u8 byte = 0;
        u64 r = 0x89abcdef01234567ULL;

        asm volatile("stfh %[r],0(%[w])\n\t"
                     "sthh %[r],0(%[h])\n\t"
                     "stch %[r],0(%[b])"
                     : "=m"(word), "=m"(half), "=m"(byte)
                     : [r] "d"(r), [w] "a"(&word), [h] "a"(&half), [b] "a"(&byte));
        half_store = half;
        report("stfh/sthh/stch", 1, VALS(r), 3, VALS(word, half_store, byte), -1);
    }
    {
        u64 r = 0x0000000300000000ULL, count = 0;

        /* BRCTH counts the high word down. */
        asm volatile("0: aghi %[n],1\n\t"
                     "brcth %[r],0b"
                     : [r] "+d"(r), [n] "+d"(count));
        report("brcth", 1, VALS(0x0000000300000000ULL), 2, VALS(r, count), -1);
    }
}

/* LOCR/LOCGR with the condition code ccin and mask m. */
#define T_LOCR(insn, a, b, ccval, mask)                                         \
    do {                                                                        \
        u64 r1_ = (a), r2_ = (b);                                               \
        asm volatile(SET_CC insn " %[r1],%[r2]," #mask                          \
                     : [r1] "+&d"(r1_)                                          \
                     : [r2] "d"(r2_), [ccin] "d"(CCIN(ccval)) : "cc");          \
        report(insn " m" #mask, 3, VALS(a, b, ccval), 1, VALS(r1_), -1);        \
    } while (0)

#define T_LOC(type, insn, a, m, ccval, mask)                                    \
    do {                                                                        \
        u64 r1_ = (a);                                                          \
        type m_ = (type)(m);                                                    \
        asm volatile(SET_CC insn " %[r1],0(%[p])," #mask                        \
                     : [r1] "+&d"(r1_)                                          \
                     : [p] "a"(&m_), "m"(m_), [ccin] "d"(CCIN(ccval)) : "cc");  \
        report(insn " m" #mask, 3, VALS(a, (u64)m_, ccval), 1, VALS(r1_), -1);  \
    } while (0)

#define T_STOC(type, insn, a, m, ccval, mask)                                   \
    do {                                                                        \
        u64 r1_ = (a);                                                          \
        type m_ = (type)(m);                                                    \
        asm volatile(SET_CC insn " %[r1],0(%[p])," #mask                        \
                     : "+m"(m_)                                                 \
                     : [r1] "d"(r1_), [p] "a"(&m_), [ccin] "d"(CCIN(ccval)) : "cc"); \
        report(insn " m" #mask, 3, VALS(a, m, ccval), 1, VALS((u64)m_), -1);    \
    } while (0)

static void load_store_on_condition(void)
{
    for (int cc = 0; cc < 4; cc++) {
        T_LOCR("locr", OLD, PAT, cc, 8);
        T_LOCR("locgr", OLD, PAT, cc, 6);
    }
    T_LOCR("locgr", OLD, PAT, 3, 15);
    T_LOCR("locgr", OLD, PAT, 3, 0);
    T_LOC(u32, "loc", OLD, 0xdeadbeef, 1, 4);
    T_LOC(u32, "loc", OLD, 0xdeadbeef, 1, 8);
    T_LOC(u64, "locg", OLD, PAT, 2, 2);
    T_LOC(u64, "locg", OLD, PAT, 2, 13);
    T_STOC(u32, "stoc", PAT, 0x55555555, 0, 8);
    T_STOC(u32, "stoc", PAT, 0x55555555, 0, 7);
    T_STOC(u64, "stocg", PAT, 0x5555555555555555ULL, 3, 1);
    T_STOC(u64, "stocg", PAT, 0x5555555555555555ULL, 3, 14);
}

static void load_store_multiple(void)
{
    static const u64 src[4] = {
        0x1010101020202020ULL, 0x3030303040404040ULL,
        0x5050505060606060ULL, 0x7070707080808080ULL,
    };
    u64 regs[4];
    u64 dst[4];
    u32 dst32[4];

    asm volatile("lmg %%r2,%%r5,0(%[s])\n\t"
                 "stmg %%r2,%%r5,0(%[d])"
                 : "=m"(dst) : [s] "a"(src), [d] "a"(dst), "m"(src)
                 : "r2", "r3", "r4", "r5");
    report("lmg/stmg", 0, NULL, 4, dst, -1);

    /* LM only replaces the low halves. */
    asm volatile("lmg %%r2,%%r5,0(%[s])\n\t"
                 "lm %%r3,%%r4,0(%[s])\n\t"
                 "stmg %%r2,%%r5,0(%[d])"
                 : "=m"(regs) : [s] "a"(src), [d] "a"(regs), "m"(src)
                 : "r2", "r3", "r4", "r5");
    report("lm", 0, NULL, 4, regs, -1);

    /* LMH only replaces the high halves. */
    asm volatile("lmg %%r2,%%r5,0(%[s])\n\t"
                 "lmh %%r2,%%r3,16(%[s])\n\t"
                 "stmg %%r2,%%r5,0(%[d])"
                 : "=m"(regs) : [s] "a"(src), [d] "a"(regs), "m"(src)
                 : "r2", "r3", "r4", "r5");
    report("lmh", 0, NULL, 4, regs, -1);

    asm volatile("lmg %%r2,%%r5,0(%[s])\n\t"
                 "stm %%r2,%%r5,0(%[d])"
                 : "=m"(dst32) : [s] "a"(src), [d] "a"(dst32), "m"(src)
                 : "r2", "r3", "r4", "r5");
    report("stm", 0, NULL, 4, VALS(dst32[0], dst32[1], dst32[2], dst32[3]), -1);

    /* STMH is not covered: QEMU 7.2 stores zeros instead of the high halves. */

    asm volatile("lmg %%r2,%%r5,0(%[s])\n\t"
                 "lmy %%r4,%%r5,8(%[s])\n\t"
                 "stmy %%r2,%%r5,0(%[d])"
                 : "=m"(dst32) : [s] "a"(src), [d] "a"(dst32), "m"(src)
                 : "r2", "r3", "r4", "r5");
    report("lmy/stmy", 0, NULL, 4, VALS(dst32[0], dst32[1], dst32[2], dst32[3]), -1);
}

/* Data for the relative-long loads and stores. */
asm(".pushsection .data\n"
    ".balign 8\n"
    "rl_quad:  .quad 0x8899aabbccddeeff\n"
    "rl_word:  .long 0x80000001\n"
    "rl_half:  .short 0x8002\n"
    ".balign 8\n"
    "rl_store: .quad 0\n"
    ".popsection");

static void relative_long(void)
{
    u64 r[8];
    u64 stored;

    asm volatile("lgrl %0,rl_quad" : "=d"(r[0]));
    asm volatile("lrl %0,rl_word" : "=d"(r[1]) : "0"(OLD));
    asm volatile("lgfrl %0,rl_word" : "=d"(r[2]));
    asm volatile("llgfrl %0,rl_word" : "=d"(r[3]));
    asm volatile("lhrl %0,rl_half" : "=d"(r[4]) : "0"(OLD));
    asm volatile("lghrl %0,rl_half" : "=d"(r[5]));
    asm volatile("llhrl %0,rl_half" : "=d"(r[6]) : "0"(OLD));
    asm volatile("llghrl %0,rl_half" : "=d"(r[7]));
    report("lgrl/lrl/lgfrl/llgfrl", 0, NULL, 4, r, -1);
    report("lhrl/lghrl/llhrl/llghrl", 0, NULL, 4, r + 4, -1);

    asm volatile("stgrl %1,rl_store\n\t"
                 "strl %2,rl_store\n\t"
                 "sthrl %3,rl_store+6\n\t"
                 "lgrl %0,rl_store"
                 : "=d"(stored) : "d"(PAT), "d"(0xaaaaaaaaULL), "d"(0xbbbbULL) : "memory");
    report("stgrl/strl/sthrl", 0, NULL, 1, VALS(stored), -1);
}

/* ICM/ICMH/ICMY: insert bytes under mask; cc from the inserted bits. */
#define T_ICM(insn, a, m, mask)                                                 \
    do {                                                                        \
        u64 r1_ = (a);                                                          \
        u32 m_ = (m);                                                           \
        int cc_;                                                                \
        asm volatile(insn " %[r1]," #mask ",0(%[p])" IPM_CC                     \
                     : [r1] "+&d"(r1_), [cc] "=&d"(cc_)                         \
                     : [p] "a"(&m_), "m"(m_) : "cc");                           \
        report(insn " m" #mask, 2, VALS(a, m), 1, VALS(r1_), cc_);              \
    } while (0)

#define T_STCM(insn, a, mask)                                                   \
    do {                                                                        \
        u64 r1_ = (a);                                                          \
        u32 m_ = 0xeeeeeeee;                                                    \
        asm volatile(insn " %[r1]," #mask ",0(%[p])"                            \
                     : "+m"(m_) : [r1] "d"(r1_), [p] "a"(&m_));                 \
        report(insn " m" #mask, 1, VALS(a), 1, VALS(m_), -1);                   \
    } while (0)

static void insert_store_characters(void)
{
    T_ICM("icm", OLD, 0x80aabbcc, 15);
    T_ICM("icm", OLD, 0x80aabbcc, 10);          /* bytes go to positions 0 and 2 */
    T_ICM("icm", OLD, 0x00000000, 5);
    T_ICM("icm", OLD, 0x7f000000, 1);
    T_ICM("icm", OLD, 0x80000000, 0);           /* mask 0: nothing, cc 0 */
    T_ICM("icmh", OLD, 0xff010203, 9);
    T_ICM("icmy", OLD, 0x00ff0000, 6);
    T_STCM("stcm", PAT, 15);
    T_STCM("stcm", PAT, 5);
    T_STCM("stcm", PAT, 8);
    T_STCM("stcmh", PAT, 3);
    T_STCM("stcmy", PAT, 12);
}

static void address_generation(void)
{
    u64 base = 0x0000000012345000ULL, index = 0x100, r;
    u64 here, there;

    asm("la %0,0x123(%1,%2)" : "=d"(r) : "a"(index), "a"(base));
    report("la", 2, VALS(base, index), 1, VALS(r), -1);
    asm("la %0,4095(%1)" : "=d"(r) : "a"(-1ULL));      /* wraps at 2^64 */
    report("la", 1, VALS(-1ULL), 1, VALS(r), -1);
    asm("lay %0,-1(%1,%2)" : "=d"(r) : "a"(index), "a"(base));
    report("lay", 2, VALS(base, index), 1, VALS(r), -1);
    asm("lay %0,524287(%1)" : "=d"(r) : "a"(base));
    report("lay", 1, VALS(base), 1, VALS(r), -1);
    /* LARL vs. the address of the same label taken with BASR. */
    asm("basr %0,0\n0:\tlarl %1,0b" : "=&d"(here), "=d"(there));
    report("larl-basr", 0, NULL, 1, VALS(there - here), -1);

    /*
     * LA in 31- and 24-bit addressing mode: the address wraps at 2 GiB /
     * 16 MiB.  (The architecture keeps bits 0-31 of R1 unchanged there, but
     * QEMU 7.2 clears them, so R1 starts as zero to keep both agreeing.)
     */
    asm volatile("sam31\n\t"
                 "la %0,0(%1,%2)\n\t"
                 "sam64"
                 : "=d"(r) : "a"(0xffffffff80000000ULL), "a"(0x7fffffffULL), "0"(0ULL));
    report("la/31", 2, VALS(0xffffffff80000000ULL, 0x7fffffff), 1, VALS(r), -1);
    asm volatile("sam24\n\t"
                 "la %0,1(%1)\n\t"
                 "sam64"
                 : "=d"(r) : "a"(0x00ffffffULL), "0"(0ULL));
    report("la/24", 1, VALS(0x00ffffff), 1, VALS(r), -1);
}

static void population_count_and_flogr(void)
{
    T_RR_NC("popcnt", OLD, PAT);
    T_RR("popcnt", OLD, 0);
    T_RR("popcnt", OLD, -1ULL);

    static const u64 inputs[] = { 0, 1, 0x8000000000000000ULL, PAT, 0x00000000ffff0000ULL };
    for (unsigned i = 0; i < ARRAY_SIZE(inputs); i++) {
        register u64 even asm("2") = OLD;
        register u64 odd asm("3") = OLD;
        int cc;

        asm volatile("flogr %[e],%[in]" IPM_CC
                     : [e] "+d"(even), "+d"(odd), [cc] "=&d"(cc)
                     : [in] "d"(inputs[i]) : "cc");
        report("flogr", 1, VALS(inputs[i]), 2, VALS(even, odd), cc);
    }
}

void test_load_store(void)
{
    load_extend();
    load_immediate();
    high_word();
    load_store_on_condition();
    load_store_multiple();
    relative_long();
    insert_store_characters();
    address_generation();
    population_count_and_flogr();
}
