/*
 * DAT helpers for the guests that test translation, protection and storage
 * keys (dat, skey, edat, per): table building from a static pool, DAT on/off,
 * control registers by number, and a check/report convention.
 *
 * Every check prints one line "<name>: PASS" or "<name>: FAIL <details>";
 * a guest ends with exit(failures != 0).
 */
#ifndef GUEST_MMU_H
#define GUEST_MMU_H

#include "runtime.h"
#include "s390.h"

#define PAGE_SIZE           4096UL
#define SEGMENT_SIZE        (1UL << 20)
#define REGION3_SIZE        (1UL << 31)

/* ASCE and table-entry bits (PoO chapter 3). */
#define ASCE_PRIVATE        0x100UL
#define ASCE_SSEVENT        0x040UL
#define ASCE_REAL           0x020UL
#define ASCE_DT_REGION1     0x00cUL
#define ASCE_DT_REGION2     0x008UL
#define ASCE_DT_REGION3     0x004UL
#define ASCE_DT_SEGMENT     0x000UL
#define ASCE_TL             0x003UL

#define RTE_INVALID         0x020UL
#define RTE_PROTECT         0x200UL
#define RTE_FC              0x400UL     /* region-third: 2G frame (EDAT-2) */
#define STE_INVALID         0x020UL
#define STE_PROTECT         0x200UL
#define STE_NOEXEC          0x100UL
#define STE_FC              0x400UL     /* 1M frame (EDAT-1) */
#define STE_COMMON          0x010UL
#define PTE_INVALID         0x400UL
#define PTE_PROTECT         0x200UL
#define PTE_NOEXEC          0x100UL
#define PTE_BIT52           0x800UL

/* CR0 bits. */
#define CR0_LAP             (1UL << 28)
#define CR0_SECONDARY       (1UL << 26)
#define CR0_FETCH_OVERRIDE  (1UL << 25)
#define CR0_STORE_OVERRIDE  (1UL << 24)
#define CR0_EDAT            (1UL << 23)
#define CR0_IEP             (1UL << 20)

/* TEID bits. */
#define TEID_FETCH          0x800UL
#define TEID_STORE          0x400UL
#define TEID_LAP            0x080UL
#define TEID_IEP            0x084UL
#define TEID_DAT            0x004UL
#define TEID_KEY            0x008UL

static inline u64 get_cr(int cr)
{
    u64 v;

    switch (cr) {
    case 0:  asm volatile("stctg %%c0,%%c0,%0" : "=Q"(v)); break;
    case 1:  asm volatile("stctg %%c1,%%c1,%0" : "=Q"(v)); break;
    case 7:  asm volatile("stctg %%c7,%%c7,%0" : "=Q"(v)); break;
    case 8:  asm volatile("stctg %%c8,%%c8,%0" : "=Q"(v)); break;
    case 9:  asm volatile("stctg %%c9,%%c9,%0" : "=Q"(v)); break;
    case 10: asm volatile("stctg %%c10,%%c10,%0" : "=Q"(v)); break;
    case 11: asm volatile("stctg %%c11,%%c11,%0" : "=Q"(v)); break;
    case 13: asm volatile("stctg %%c13,%%c13,%0" : "=Q"(v)); break;
    default: __builtin_trap();
    }
    return v;
}

static inline void set_cr(int cr, u64 v)
{
    switch (cr) {
    case 0:  asm volatile("lctlg %%c0,%%c0,%0" : : "Q"(v) : "memory"); break;
    case 1:  asm volatile("lctlg %%c1,%%c1,%0" : : "Q"(v) : "memory"); break;
    case 7:  asm volatile("lctlg %%c7,%%c7,%0" : : "Q"(v) : "memory"); break;
    case 8:  asm volatile("lctlg %%c8,%%c8,%0" : : "Q"(v) : "memory"); break;
    case 9:  asm volatile("lctlg %%c9,%%c9,%0" : : "Q"(v) : "memory"); break;
    case 10: asm volatile("lctlg %%c10,%%c10,%0" : : "Q"(v) : "memory"); break;
    case 11: asm volatile("lctlg %%c11,%%c11,%0" : : "Q"(v) : "memory"); break;
    case 13: asm volatile("lctlg %%c13,%%c13,%0" : : "Q"(v) : "memory"); break;
    default: __builtin_trap();
    }
}

static inline void cr_set_bits(int cr, u64 bits) { set_cr(cr, get_cr(cr) | bits); }
static inline void cr_clear_bits(int cr, u64 bits) { set_cr(cr, get_cr(cr) & ~bits); }

/* PSW bits 5 (DAT) and 16-17 (address-space control) via STOSM/STNSM and SACF. */
static inline void dat_on(void) { u8 old; asm volatile("stosm %0,0x04" : "=Q"(old) : : "memory"); }
static inline void dat_off(void) { u8 old; asm volatile("stnsm %0,0xfb" : "=Q"(old) : : "memory"); }
static inline void sacf(unsigned mode) { asm volatile("sacf 0(%0)" : : "a"((u64)mode) : "memory"); }
#define SACF_PRIMARY    0x000
#define SACF_SECONDARY  0x100
#define SACF_AR         0x200
#define SACF_HOME       0x300

static inline int get_cc(u64 ipm) { return (int)((ipm >> 28) & 3); }

static inline void ptlb(void) { asm volatile("ptlb" : : : "memory"); }

static inline void ipte(u64 pto, u64 vaddr)
{
    asm volatile("ipte %0,%1" : : "a"(pto), "a"(vaddr) : "memory");
}

/* Storage keys. */
static inline void sske(u64 addr, u8 key) { asm volatile("sske %0,%1" : : "d"((u64)key), "a"(addr) : "memory"); }
static inline u8 iske(u64 addr) { u64 k = 0; asm volatile("iske %0,%1" : "+d"(k) : "a"(addr)); return (u8)k; }
static inline void spka(unsigned key) { asm volatile("spka 0(%0)" : : "a"((u64)(key << 4)) : "memory"); }

/* TEST PROTECTION: condition code for addr with access key. */
static inline int tprot(u64 addr, unsigned key)
{
    u64 ipm;

    asm volatile("tprot 0(%1),0(%2)\n\tipm %0" : "=d"(ipm) : "a"(addr), "a"((u64)(key << 4)) : "cc");
    return get_cc(ipm);
}

/* LRAG: the real address (or entry address / exception code) and the condition code. */
static inline u64 lrag(u64 addr, int *cc)
{
    u64 r = 0, ipm;

    asm volatile("lrag %0,0(%2)\n\tipm %1" : "+d"(r), "=d"(ipm) : "a"(addr) : "cc");
    *cc = get_cc(ipm);
    return r;
}

/* ---- table pool ------------------------------------------------------------ */

#define MMU_POOL_SIZE   (512 * 1024)
extern u8 mmu_pool[MMU_POOL_SIZE];
extern unsigned long mmu_pool_used;

static inline u64 *mmu_alloc(unsigned long bytes, unsigned long align, u64 fill)
{
    unsigned long at = (mmu_pool_used + align - 1) & ~(align - 1);
    u64 *t = (u64 *)(mmu_pool + at);

    if (at + bytes > MMU_POOL_SIZE)
        panic("mmu pool exhausted");
    mmu_pool_used = at + bytes;
    for (unsigned long i = 0; i < bytes / 8; i++)
        t[i] = fill;
    return t;
}

/* A segment table (2048 invalid entries, 16 KiB, 4 KiB aligned for the ASCE). */
static inline u64 *new_segment_table(void) { return mmu_alloc(2048 * 8, 4096, STE_INVALID); }
/* A page table (256 invalid entries, 2 KiB aligned). */
static inline u64 *new_page_table(void) { return mmu_alloc(256 * 8, 2048, PTE_INVALID); }
/* A region table of type tt (1 third, 2 second, 3 first) with invalid entries. */
static inline u64 *new_region_table(int tt) { return mmu_alloc(2048 * 8, 4096, RTE_INVALID | ((u64)tt << 2)); }

static inline u64 *ste_of(u64 *st, u64 va) { return &st[(va >> 20) & 0x7ff]; }

/* The PTE of va in segment table st, creating the page table if needed. */
static inline u64 *pte_of(u64 *st, u64 va)
{
    u64 *ste = ste_of(st, va);

    if (*ste & STE_INVALID)
        *ste = (u64)(uintptr_t)new_page_table();
    return &((u64 *)(uintptr_t)(*ste & ~0x7ffUL))[(va >> 12) & 0xff];
}

static inline void map_page(u64 *st, u64 va, u64 real, u64 bits) { *pte_of(st, va) = (real & ~0xfffUL) | bits; }

/* Identity-maps [start, end) with 4K pages. */
static inline void map_identity(u64 *st, u64 start, u64 end)
{
    for (u64 a = start & ~0xfffUL; a < end; a += PAGE_SIZE)
        map_page(st, a, a, 0);
}

extern char __image_end[];

/* A primary space: the first 2 MiB (lowcore, image, pool) identity-mapped; returns its segment table. */
static inline u64 *standard_space(void)
{
    u64 *st = new_segment_table();

    map_identity(st, 0, 2 * SEGMENT_SIZE);
    return st;
}

static inline u64 seg_asce(u64 *st) { return (u64)(uintptr_t)st | ASCE_DT_SEGMENT | ASCE_TL; }

/* ---- accesses under DAT ------------------------------------------------------ */

/* Address of the instruction expected to cause the interruption (defined by each guest). */
extern u64 fault_insn;
#define MARK "larl %%r0,0f\n\tstgrl %%r0,fault_insn\n0:\t"

struct access {
    u64 addr;
    u64 value;
};

/* LG / STG at a->addr with DAT on (for catch_pgm). */
static inline void load_dat(void *arg)
{
    struct access *a = arg;

    dat_on();
    asm volatile(MARK "lg %0,0(%1)" : "=d"(a->value) : "a"(a->addr) : "r0", "memory");
    dat_off();
}

static inline void store_dat(void *arg)
{
    struct access *a = arg;

    dat_on();
    asm volatile(MARK "stg %0,0(%1)" : : "d"(a->value), "a"(a->addr) : "r0", "memory");
    dat_off();
}

/* ---- checks ----------------------------------------------------------------- */

extern int mmu_failures;

#define CHECK(name, cond, fmt, ...)                                            \
    do {                                                                       \
        if (cond)                                                              \
            printf("%s: PASS\n", name);                                        \
        else {                                                                 \
            printf("%s: FAIL " fmt "\n", name, ##__VA_ARGS__);                 \
            mmu_failures++;                                                    \
        }                                                                      \
    } while (0)

/* Runs fn(arg) catching a program interruption; returns its code (0: none). */
static inline u16 catch_pgm(void (*fn)(void *), void *arg, struct pgm_info *info)
{
    memset(info, 0, sizeof(*info));
    return rt_catch_pgm(fn, arg, info) ? info->code : 0;
}

#endif
