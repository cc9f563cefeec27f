/* Fixed-point add and subtract, including logical and carry/borrow forms. */
#include "insns.h"

#define MAXS32  0x7fffffffULL
#define MINS32  0x80000000ULL
#define MAXS64  0x7fffffffffffffffULL
#define MINS64  0x8000000000000000ULL
#define HI      0xa5a5a5a500000000ULL   /* high-half pattern for 32-bit ops */

static void add_signed(void)
{
    T_RR("ar", HI | 3, 4);
    T_RR("ar", HI | 5, 0xfffffff9);             /* 5 + -7 = -2 */
    T_RR("ar", HI | 0xffffffff, 1);             /* -1 + 1 = 0 */
    T_RR("ar", HI | MAXS32, 1);                 /* overflow */
    T_RR("ar", HI | MINS32, MINS32);            /* overflow to zero */
    T_RR("agr", 3, 4);
    T_RR("agr", MAXS64, 1);
    T_RR("agr", MINS64, MINS64);
    T_RR("agr", -1ULL, 1);
    T_RR("agfr", 1, 0xffffffff);                /* + sign-extended -1 */
    T_RR("agfr", MAXS64, 0x7fffffff);
    T_RI("ahi", HI | 10, -20);
    T_RI("ahi", HI | MAXS32, 1);
    T_RI("aghi", -5LL, 5);
    T_RI("aghi", MAXS64, 0x7fff);
    T_RI("afi", HI | 0x12345678, 0x7fffffff);
    T_RI("agfi", 0, -2147483647 - 1);
    T_RX32("a", HI | 100, 0xffffff9c);
    T_RX32("ay", HI | MINS32, 0xffffffff);
    T_RX16("ah", HI | 1, 0x8000);               /* halfword is sign-extended */
    T_RX16("ahy", HI | 1, 0x7fff);
    T_RX64("ag", 1, MAXS64);
    T_RX32("agf", 10, 0x80000000);
}

static void add_logical(void)
{
    T_RR("alr", HI | 1, 2);
    T_RR("alr", HI | 0, 0);
    T_RR("alr", HI | 0xffffffff, 1);            /* zero, carry */
    T_RR("alr", HI | 0xffffffff, 2);            /* nonzero, carry */
    T_RR("algr", -1ULL, 1);
    T_RR("algr", -1ULL, -1ULL);
    T_RR("algr", 0x123, 0x456);
    T_RR("algfr", -1ULL, 0xffffffff);           /* zero-extended */
    T_RI("alfi", HI | 0xfffffff0, 0x10);
    T_RI("algfi", 0xfffffffffffffff0ULL, 0xffffffff);
    T_RX32("al", HI | 0x80000000, 0x80000000);
    T_RX64("alg", 5, -6ULL);
    T_RX32("algf", -1ULL, 1);
    T_RRI("alhsik", HI, 5, -6);                 /* distinct operands, signed imm */
    T_RRI("alghsik", 0, 0, -1);
    T_RRI("alghsik", 0, 1, -1);
}

static void add_with_carry(void)
{
    static const int cc_in[] = { 0, 1, 2, 3 };

    for (unsigned i = 0; i < ARRAY_SIZE(cc_in); i++) {
        T_RR_CCIN("alcr", HI | 0xfffffffe, 1, cc_in[i]);
        T_RR_CCIN("alcgr", -1ULL, 0, cc_in[i]);
        T_RR_CCIN("slbr", HI | 5, 5, cc_in[i]);
        T_RR_CCIN("slbgr", 0, 0, cc_in[i]);
    }
    T_RR_CCIN("alcr", HI | 0xffffffff, 0xffffffff, 2);
    T_RR_CCIN("slbr", HI | 0, 1, 3);
    T_RR_CCIN("slbgr", 7, 3, 1);
}

static void subtract(void)
{
    T_RR("sr", HI | 10, 3);
    T_RR("sr", HI | 3, 10);
    T_RR("sr", HI | 5, 5);
    T_RR("sr", HI | MINS32, 1);                 /* overflow */
    T_RR("sr", HI | 0, MINS32);                 /* overflow */
    T_RR("sgr", MINS64, 1);
    T_RR("sgr", 0, MINS64);
    T_RR("sgr", 100, 1000);
    T_RR("sgfr", 0, 0xffffffff);
    T_RR("slr", HI | 5, 3);                     /* cc 3: nonzero, no borrow */
    T_RR("slr", HI | 3, 3);                     /* cc 2: zero, no borrow */
    T_RR("slr", HI | 3, 5);                     /* cc 1: borrow */
    T_RR("slgr", 0, 1);
    T_RR("slgr", MINS64, 1);
    T_RR("slgfr", 0x100000000ULL, 0xffffffff);
    T_RX32("s", HI | 1, 0x80000000);
    T_RX16("sh", HI | 0, 0x8000);
    T_RX64("sg", 0, 1);
    T_RX32("sl", HI | 0, 0);
    T_RX64("slg", 1, 2);
    T_RI("slfi", HI | 0x10, 0x20);
    T_RI("slgfi", 0x100000000ULL, 1);
}

static void distinct_operands(void)
{
    T_RRR("ark", HI, MAXS32, 1);
    T_RRR("agrk", 0, 40, 2);
    T_RRR("alrk", HI, 0xffffffff, 1);
    T_RRR("algrk", 0, -1ULL, 2);
    T_RRR("srk", HI, 1, 2);
    T_RRR("sgrk", 0, MINS64, 1);
    T_RRR("slrk", HI, 2, 2);
    T_RRR("slgrk", 0, 1, 2);
    T_RRI("ahik", HI, MAXS32, 1);
    T_RRI("aghik", 0, -1LL, -32768);
}

static void load_complement_positive_negative(void)
{
    T_RR("lcr", HI, 5);
    T_RR("lcr", HI, 0);
    T_RR("lcr", HI, MINS32);                    /* overflow */
    T_RR("lcgr", 0, MINS64);
    T_RR("lcgr", 0, -7LL);
    T_RR("lcgfr", 0, 0x80000000);
    T_RR("lpr", HI, 0xfffffffb);
    T_RR("lpr", HI, MINS32);
    T_RR("lpgr", 0, -1LL);
    T_RR("lpgr", 0, MINS64);
    T_RR("lpgfr", 0, 0xffffff00);
    T_RR("lnr", HI, 7);
    T_RR("lnr", HI, 0);
    T_RR("lngr", 0, MAXS64);
    T_RR("lngfr", 0, 0x7fffffff);
    T_RR("ltr", HI, 0x80000000);
    T_RR("ltr", HI, 0);
    T_RR("ltgr", 0, 1);
    T_RR("ltgfr", 0, 0xffffffff);
}

void test_arith(void)
{
    add_signed();
    add_logical();
    add_with_carry();
    subtract();
    distinct_operands();
    load_complement_positive_negative();
}
