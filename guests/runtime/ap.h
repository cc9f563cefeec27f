/*
 * The AP instructions as the AP guests issue them: PQAP with GR0-GR2, NQAP
 * with R1 = 4 (PSMID pair) and R2 = 2 (message pair), DQAP with R1 = 6 (PSMID
 * pair) and R2 = 4 (buffer pair) and GR2 the residual count.  Each returns the
 * condition code and hands back the registers the instruction updates.  Also
 * the status-word and function-code bits both guests use.
 */
#ifndef GUEST_AP_H
#define GUEST_AP_H

#include "runtime.h"

#define FC_TAPQ     0UL
#define FC_RAPQ     1UL
#define NQAP_LAST   0x40000000UL    /* last part of a message */
#define DQAP_FIRST  0x80000000UL

#define ST_E        0x80000000U
#define ST_R        0x40000000U
#define ST_RC(s)    ((int)(((s) >> 16) & 0xff))
#define RC_RESET_IN_PROG 0x02

static inline int pqap(u64 *gr0, u64 *gr1, u64 *gr2)
{
    register u64 r0 asm("0") = *gr0;
    register u64 r1 asm("1") = *gr1;
    register u64 r2 asm("2") = *gr2;
    int cc;

    asm volatile(".long 0xb2af0000\n\tipm %[cc]\n\tsrl %[cc],28"
                 : [cc] "=d"(cc), "+d"(r0), "+d"(r1), "+d"(r2) : : "cc", "memory");
    *gr0 = r0;
    *gr1 = r1;
    *gr2 = r2;
    return cc;
}

static inline int nqap(u64 *gr0, u64 psmid, u64 *addr, u64 *len, u32 *status)
{
    register u64 r0 asm("0") = *gr0;
    register u64 r1 asm("1") = 0;
    register u64 r2 asm("2") = *addr;
    register u64 r3 asm("3") = *len;
    register u64 r4 asm("4") = psmid >> 32;
    register u64 r5 asm("5") = psmid & 0xffffffffUL;
    int cc;

    asm volatile(".long 0xb2ad0042\n\tipm %[cc]\n\tsrl %[cc],28"
                 : [cc] "=d"(cc), "+d"(r0), "+d"(r1), "+d"(r2), "+d"(r3)
                 : "d"(r4), "d"(r5) : "cc", "memory");
    *gr0 = r0;
    *status = (u32)r1;
    *addr = r2;
    *len = r3;
    return cc;
}

static inline int dqap(u64 *gr0, u64 *psmid, u64 *addr, u64 *len, u64 *residual, u32 *status)
{
    register u64 r0 asm("0") = *gr0;
    register u64 r1 asm("1") = 0;
    register u64 r2 asm("2") = *residual;
    register u64 r4 asm("4") = *addr;
    register u64 r5 asm("5") = *len;
    register u64 r6 asm("6") = 0;
    register u64 r7 asm("7") = 0;
    int cc;

    asm volatile(".long 0xb2ae0064\n\tipm %[cc]\n\tsrl %[cc],28"
                 : [cc] "=d"(cc), "+d"(r0), "+d"(r1), "+d"(r2), "+d"(r4), "+d"(r5), "+d"(r6), "+d"(r7)
                 : : "cc", "memory");
    *gr0 = r0;
    *status = (u32)r1;
    *residual = r2;
    *addr = r4;
    *len = r5;
    if (cc != 3)
        *psmid = (r6 << 32) | (r7 & 0xffffffffUL);
    return cc;
}

#endif
