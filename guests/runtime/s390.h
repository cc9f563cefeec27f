/*
 * Inline wrappers for the privileged and system instructions the runtime
 * and the guests use.
 */
#ifndef GUEST_S390_H
#define GUEST_S390_H

#include "runtime.h"

static inline u64 stctg(int cr)
{
    u64 value;

    /* The control register number is encoded in the instruction. */
    switch (cr) {
    case 0:  asm volatile("stctg %%c0,%%c0,%0" : "=Q"(value)); break;
    case 14: asm volatile("stctg %%c14,%%c14,%0" : "=Q"(value)); break;
    default: __builtin_trap();
    }
    return value;
}

static inline void lctlg(int cr, u64 value)
{
    switch (cr) {
    case 0:  asm volatile("lctlg %%c0,%%c0,%0" : : "Q"(value) : "memory"); break;
    case 14: asm volatile("lctlg %%c14,%%c14,%0" : : "Q"(value) : "memory"); break;
    default: __builtin_trap();
    }
}

/* CR0 external-interruption subclass masks. */
#define CR0_CLOCK_COMPARATOR    0x0800UL       /* bit 52 */
#define CR0_CPU_TIMER           0x0400UL       /* bit 53 */
#define CR0_SERVICE_SIGNAL      0x0200UL       /* bit 54 */

static inline void ctl_set_bits(int cr, u64 bits)
{
    lctlg(cr, stctg(cr) | bits);
}

static inline void ctl_clear_bits(int cr, u64 bits)
{
    lctlg(cr, stctg(cr) & ~bits);
}

/* Store clock; returns the condition code. */
static inline int stck(u64 *clock)
{
    int cc;

    asm volatile("stck %1\n\tipm %0\n\tsrl %0,28" : "=d"(cc), "=Q"(*clock) : : "cc");
    return cc;
}

static inline u64 get_tod(void)
{
    u64 clock;

    stck(&clock);
    return clock;
}

static inline void set_clock_comparator(u64 value)
{
    asm volatile("sckc %0" : : "Q"(value));
}

static inline u64 store_clock_comparator(void)
{
    u64 value;

    asm volatile("stckc %0" : "=Q"(value));
    return value;
}

static inline void set_cpu_timer(s64 value)
{
    asm volatile("spt %0" : : "Q"(value));
}

static inline s64 store_cpu_timer(void)
{
    s64 value;

    asm volatile("stpt %0" : "=Q"(value));
    return value;
}

static inline u32 store_prefix(void)
{
    u32 prefix;

    asm volatile("stpx %0" : "=Q"(prefix));
    return prefix;
}

static inline void set_prefix(u32 prefix)
{
    asm volatile("spx %0" : : "Q"(prefix) : "memory");
}

static inline u16 store_cpu_address(void)
{
    u16 addr;

    asm volatile("stap %0" : "=Q"(addr));
    return addr;
}

/* EPSW: the 64-bit PSW mask (bits 0-63 of the current PSW). */
static inline u64 extract_psw_mask(void)
{
    u64 hi, lo;

    asm volatile("epsw %0,%1" : "=d"(hi), "=d"(lo));
    return (hi << 32) | (lo & 0xffffffffULL);
}

/* SIGNAL PROCESSOR; returns the condition code. */
static inline int sigp(u16 cpu_addr, u8 order, u64 param, u32 *status)
{
    register u64 reg1 asm("1") = param;
    int cc;

    asm volatile("sigp %1,%2,0(%3)\n\tipm %0\n\tsrl %0,28"
                 : "=d"(cc), "+d"(reg1)
                 : "d"((u64)cpu_addr), "a"((u64)order)
                 : "cc", "memory");
    if (status)
        *status = (u32)reg1;
    return cc;
}

#define SIGP_STOP               5

#endif
