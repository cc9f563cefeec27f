/*
 * per: program-event recording (PoO "Program-Event Recording") and the
 * breaking-event address: successful-branching events (with and without
 * branch-address control), instruction-fetching events, storage-alteration
 * events, the store-using-real-address event, a PER event together with a
 * program exception, and the BEAR stored at program interruptions.  The PER
 * code, ATMID and address are checked in the lowcore.
 */
#include "mmu.h"

u8 mmu_pool[MMU_POOL_SIZE] ALIGNED(4096);
unsigned long mmu_pool_used;
int mmu_failures;

#define CR9_BRANCH      (1UL << 31)
#define CR9_IFETCH      (1UL << 30)
#define CR9_STORE       (1UL << 29)
#define CR9_STORE_REAL  (1UL << 27)
#define CR9_BRANCH_ADDR (1UL << 23)

#define LC_PER_CODE     0x96
#define LC_PER_ATMID    0x97
#define LC_PER_ADDRESS  0x98
#define LC_BEAR         0x110

static u64 watched[4] ALIGNED(32);
u64 event_insn ALIGNED(8);

static u8 lc8(unsigned off) { u64 v; asm volatile("llgc %0,0(%1)" : "=d"(v) : "a"((u64)off)); return (u8)v; }
static u64 lc64(unsigned off) { u64 v; asm volatile("lg %0,0(%1)" : "=d"(v) : "a"((u64)off)); return v; }

static void per_setup(u64 events, u64 start, u64 end)
{
    set_cr(9, events);
    set_cr(10, start);
    set_cr(11, end);
}

/* Marks the instruction at label 0 (before PER goes on), then turns PER on (PSW bit 1). */
#define MARK_PER_ON "larl %%r1,0f\n\tstgrl %%r1,event_insn\n\tstosm 0(%%r15),0x40\n"
#define PER_OFF     "stnsm 0(%%r15),0xbf"

static void taken_branch(void *arg)
{
    asm volatile(MARK_PER_ON
                 "0:\tj 1f\n"
                 "\tnopr\n"
                 "1:\t" PER_OFF : : : "r1", "memory", "cc");
}

static void untaken_branch(void *arg)
{
    asm volatile(MARK_PER_ON
                 "0:\tcr %%r0,%%r0\n\t"
                 "jne 1f\n"
                 "1:\t" PER_OFF : : : "r1", "memory", "cc");
}

static void ifetch(void *arg)
{
    asm volatile(MARK_PER_ON
                 "0:\tnopr\n\t"
                 PER_OFF : : : "r1", "memory", "cc");
}

static void store(void *arg)
{
    asm volatile(MARK_PER_ON
                 "0:\tmvghi 8(%0),7\n\t"
                 PER_OFF : : "a"(watched) : "r1", "memory", "cc");
}

static void store_real(void *arg)
{
    asm volatile(MARK_PER_ON
                 "0:\tsturg %%r1,%0\n\t"
                 PER_OFF : : "a"(&watched[2]) : "r1", "memory", "cc");
}

static void ifetch_and_operation(void *arg)
{
    asm volatile(MARK_PER_ON
                 "0:\t.hword 0\n\t"
                 PER_OFF : : : "r1", "memory", "cc");
}

static u16 run(void (*fn)(void *), struct pgm_info *info)
{
    u16 code = catch_pgm(fn, NULL, info);

    set_cr(9, 0);
    return code;
}

/* An event: interruption code, PER code, ATMID (64-bit, 31-bit, DAT off), PER address = the marked instruction, old PSW. */
static void check_event(const char *name, void (*fn)(void *), u16 code, u8 per_code, long psw_delta)
{
    struct pgm_info info;
    u16 got = run(fn, &info);
    u8 pc = lc8(LC_PER_CODE), atmid = lc8(LC_PER_ATMID);
    u64 addr = lc64(LC_PER_ADDRESS);
    long delta = (long)(info.old_psw.addr - event_insn);

    CHECK(name, got == code && pc == per_code && addr == event_insn && atmid == 0xe0 && delta == psw_delta,
          "code=0x%04x per=%02x atmid=%02x addr=%+ld psw=%+ld", got, pc, atmid, (long)(addr - event_insn), delta);
}

static void check_none(const char *name, void (*fn)(void *))
{
    struct pgm_info info;
    u16 got = run(fn, &info);

    CHECK(name, got == 0, "code=0x%04x", got);
}

int main(void)
{
    struct pgm_info info;
    u16 code;

    per_setup(CR9_BRANCH, 0, ~0UL);
    check_event("successful branch", taken_branch, 0x80, 0x80, 6);
    per_setup(CR9_BRANCH, 0, ~0UL);
    check_none("unsuccessful branch: no event", untaken_branch);
    per_setup(CR9_BRANCH | CR9_BRANCH_ADDR, 0x7f000000UL, 0x7fffffffUL);
    check_none("branch-address control: target outside the range", taken_branch);

    per_setup(CR9_IFETCH, 0, ~0UL);
    check_event("instruction fetching", ifetch, 0x80, 0x40, 2);

    per_setup(CR9_STORE, (u64)(uintptr_t)&watched[1], (u64)(uintptr_t)&watched[1] + 7);
    check_event("storage alteration", store, 0x80, 0x20, 6);
    per_setup(CR9_STORE, (u64)(uintptr_t)&watched[3], (u64)(uintptr_t)&watched[3] + 7);
    check_none("storage alteration outside the range: no event", store);

    per_setup(CR9_STORE | CR9_STORE_REAL, (u64)(uintptr_t)&watched[2], (u64)(uintptr_t)&watched[2] + 7);
    check_event("store using real address", store_real, 0x80, 0x28, 4);

    per_setup(CR9_IFETCH, 0, ~0UL);
    code = run(ifetch_and_operation, &info);
    CHECK("PER event with an operation exception", code == 0x81 && lc8(LC_PER_CODE) == 0x40 && info.old_psw.addr == event_insn + 2,
          "code=0x%04x per=%02x psw=%+ld", code, lc8(LC_PER_CODE), (long)(info.old_psw.addr - event_insn));

    /* the BEAR holds the last breaking event (the call into the odd address) */
    code = catch_pgm((void (*)(void *))(uintptr_t)0x11, NULL, &info);
    CHECK("BEAR stored at the program interruption", code == 0x06 && lc64(LC_BEAR) > 0x10000 && lc64(LC_BEAR) < 0x100000,
          "code=0x%04x bear=%lx", code, lc64(LC_BEAR));

    printf("per: %d failures\n", mmu_failures);
    return mmu_failures != 0;
}
