/* Multiply and divide, single registers and even/odd pairs. */
#include "insns.h"

#define HI 0x5a5a5a5a00000000ULL

static void multiply_single(void)
{
    T_RR_NC("msr", HI | 7, 6);
    T_RR_NC("msr", HI | 0x10000, 0x10000);      /* low 32 bits only: 0 */
    T_RR_NC("msr", HI | 0xffffffff, 0xfffffffe);
    T_RR_NC("msgr", 0x100000000ULL, 0x100000001ULL);
    T_RR_NC("msgr", -3LL, 5);
    T_RR_NC("msgfr", 1000, 0xfffffffe);          /* * -2 */
    T_RI_NC("mhi", HI | 12345, -3);
    T_RI_NC("mghi", -1LL, 0x7fff);
    T_RI_NC("msfi", HI | 0x1000, 0x100000);
    T_RI_NC("msgfi", 0x123456789ULL, -16);
    T_RX32_NC("ms", HI | 3, 0x80000001);
    T_RX64_NC("msg", 0x10, 0x0fffffffffffffffULL);
    T_RX32_NC("msgf", 2, 0xffffffff);
    T_RX16_NC("mh", HI | 100, 0xff00);
}

static void multiply_pair(void)
{
    /* MR/M: r3 (32 bits) * op -> 64-bit product in r2:r3 low halves. */
    T_PAIR("mr", HI, HI | 0x12345678, 0x9abcdef0);
    T_PAIR("mr", HI, HI | 0xffffffff, 0xffffffff);       /* -1 * -1 */
    T_PAIR("mr", HI, HI | 0x80000000, 0x80000000);
    T_PAIR("mlr", HI, HI | 0xffffffff, 0xffffffff);      /* unsigned */
    T_PAIR("mlr", HI, HI | 0x10000, 0x10000);
    T_PAIR("mlgr", 0, -1ULL, -1ULL);
    T_PAIR("mlgr", 0, 0x123456789abcdefULL, 0x1000);
    T_PAIR_MEM(u32, "m", HI, HI | 0xfffffffe, 3);
    T_PAIR_MEM(u32, "ml", HI, HI | 0xfffffffe, 3);
    T_PAIR_MEM(u64, "mlg", 0, 0x8000000000000000ULL, 4);
}

static void divide(void)
{
    /* DR/D: 64-bit dividend in r2:r3 (low halves), remainder r2, quotient r3. */
    T_PAIR("dr", HI | 0, HI | 100, 7);
    T_PAIR("dr", HI | 0xffffffff, HI | 0xffffff9c, 7);   /* -100 / 7 */
    T_PAIR("dr", HI | 0, HI | 100, 0xfffffff9);          /* 100 / -7 */
    T_PAIR("dr", HI | 1, HI | 0, 0x10);                  /* 2^32 / 16 */
    T_PAIR("dlr", HI | 0, HI | 0xffffffff, 0x10);
    T_PAIR("dlr", HI | 0xf, HI | 0xffffffff, 0x10);
    T_PAIR("dlgr", 0, -1ULL, 3);
    T_PAIR("dlgr", 1, 0, 2);                             /* 2^64 / 2 */
    T_PAIR("dsgr", 0x1111, -100LL, 7);                   /* r2 is ignored */
    T_PAIR("dsgr", 0, 0x7fffffffffffffffULL, -1LL);
    T_PAIR("dsgfr", 0, -1000LL, 0xfffffff6);             /* / -10 */
    T_PAIR("dsgfr", 0, 12345, 100);
    T_PAIR_MEM(u32, "d", HI | 0, HI | 1000, 0xfffffffd);
    T_PAIR_MEM(u32, "dl", HI | 2, HI | 3, 0x10);
    T_PAIR_MEM(u64, "dlg", 5, 0, 0x10000000000ULL);
    T_PAIR_MEM(u64, "dsg", 0, -999LL, 10);
    T_PAIR_MEM(u32, "dsgf", 0, 999, 0xfffffff6);
}

void test_muldiv(void)
{
    multiply_single();
    multiply_pair();
    divide();
}
