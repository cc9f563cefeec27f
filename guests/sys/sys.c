/*
 * sys: supervisor-state checks.  Program interruptions (code, ILC, where
 * the old PSW points), SVC, clock-comparator and CPU-timer external
 * interruptions, the system-mask instructions, prefixing, STAP and EPSW.
 * Only architected results are printed: no clock values, CPU ids or
 * facility bits.
 */
#include "runtime.h"
#include "s390.h"

/* PSW bits 18-19 (cc) are masked when PSW masks are printed. */
#define PSW_MASK_CC_BITS    PSW_MASK_CC

/* Address of the instruction expected to cause the interruption; set by
 * MARK right before that instruction executes. */
u64 fault_insn ALIGNED(8);

/* Record the address of the next instruction (label 0) in fault_insn. */
#define MARK    "larl %%r0,0f\n\tstgrl %%r0,fault_insn\n0:\t"

static void print_pgm(const char *name, int hit, const struct pgm_info *info)
{
    if (!hit) {
        printf("%-24s no program interruption\n", name);
        return;
    }
    printf("%-24s code=0x%04x ilc=%u psw-insn=%+d mask=%016lx", name, info->code,
           info->ilc, (int)(info->old_psw.addr - fault_insn),
           info->old_psw.mask & ~PSW_MASK_CC_BITS);
    if ((info->code & 0xff) == 0x07)
        printf(" dxc=0x%02x", info->dxc & 0xff);   /* DXC: byte 0x93 */
    putchar('\n');
}

static void run_pgm(const char *name, void (*fn)(void *), void *arg, struct pgm_info *info)
{
    int hit;

    fault_insn = 0;
    memset(info, 0, sizeof(*info));
    hit = rt_catch_pgm(fn, arg, info);
    print_pgm(name, hit, info);
}

/* ---- program interruptions -----------------------------------------------
 *
 * Not covered: fixed-point-overflow interruptions (AR overflow with the
 * program-mask bit set).  QEMU 7.2 does not implement them and just sets
 * cc 3, so there is no reference output.
 */

static void invalid_opcode(void *arg)
{
    asm volatile(MARK ".hword 0x0000" : : : "r0", "memory");
}

static void privileged_in_problem_state(void *arg)
{
    static u8 mask;

    rt_enter_psw(PSW_MASK_KERNEL | PSW_MASK_PSTATE);
    asm volatile(MARK "ssm %0" : : "Q"(mask) : "r0", "memory");
}

static void lpsw_unaligned(void *arg)
{
    static u64 psw_area[2] ALIGNED(8);

    asm volatile(MARK "lpsw 4(%0)" : : "a"(psw_area) : "r0", "memory");
}

static void dr_odd_register(void *arg)
{
    /* DR with R1 = 1: the first operand must be an even/odd pair. */
    asm volatile("lghi %%r2,1\n\t"
                 MARK ".insn rr,0x1d00,%%r1,%%r2" : : : "r0", "r1", "r2", "memory");
}

static void addressing(void *arg)
{
    u64 value;

    /* Far beyond the memory of any test configuration. */
    asm volatile(MARK "lg %0,0(%1)" : "=d"(value) : "a"(0x7ff00000000ULL) : "r0", "memory");
}

static void divide_by_zero(void *arg)
{
    asm volatile("lghi %%r2,0\n\t"
                 "lghi %%r3,100\n\t"
                 "lghi %%r4,0\n\t"
                 MARK "dr %%r2,%%r4" : : : "r0", "r2", "r3", "r4", "memory");
}

static void divide_overflow(void *arg)
{
    /* -2^63 / -1 does not fit. */
    asm volatile("llihh %%r3,0x8000\n\t"
                 "lghi %%r4,-1\n\t"
                 MARK "dsgr %%r2,%%r4" : : : "r0", "r2", "r3", "r4", "memory");
}

static void execute_of_execute(void *arg)
{
    asm volatile("larl %%r1,1f\n\t"
                 MARK "ex %%r0,0(%%r1)\n\t"
                 "j 2f\n"
                 "1:\tex %%r0,0(%%r1)\n"
                 "2:" : : : "r0", "r1", "memory");
}

static void compare_and_trap(void *arg)
{
    asm volatile("lghi %%r1,5\n\t"
                 MARK "cgit %%r1,5,8" : : : "r0", "r1", "memory");
}

static void program_interruptions(void)
{
    struct pgm_info info;

    run_pgm("operation", invalid_opcode, NULL, &info);
    run_pgm("privileged-operation", privileged_in_problem_state, NULL, &info);
    run_pgm("specification lpsw", lpsw_unaligned, NULL, &info);
    run_pgm("specification dr", dr_odd_register, NULL, &info);
    run_pgm("addressing", addressing, NULL, &info);
    run_pgm("fixed-point-divide dr", divide_by_zero, NULL, &info);
    run_pgm("fixed-point-divide dsgr", divide_overflow, NULL, &info);
    run_pgm("execute", execute_of_execute, NULL, &info);
    run_pgm("data (compare and trap)", compare_and_trap, NULL, &info);

    /* After all that we are back in supervisor state, disabled. */
    printf("%-24s mask=%016lx\n", "back in supervisor", extract_psw_mask() & ~PSW_MASK_CC_BITS);
}

/* ---- SVC ------------------------------------------------------------------ */

static volatile u16 svc_code, svc_ilc;
static volatile s64 svc_delta;

static void svc_hook(u16 code, u16 ilc, struct irq_frame *frame)
{
    svc_code = code;
    svc_ilc = ilc;
    svc_delta = (s64)(frame->psw.addr - fault_insn);
}

static void supervisor_call(void)
{
    rt_set_svc_hook(svc_hook);

    asm volatile(MARK "svc 42" : : : "r0", "memory");
    printf("%-24s code=%u ilc=%u psw-insn=%+ld\n", "svc 42", svc_code, svc_ilc, svc_delta);

    /* SVC as the target of EXECUTE: the number comes from the modified
     * target; the ILC and the old PSW are those of the EXRL. */
    asm volatile("lghi %%r1,0x11\n\t"
                 "j 1f\n"
                 "2:\tsvc 0x20\n"
                 "1:\t" MARK "exrl %%r1,2b" : : : "r0", "r1", "memory");
    printf("%-24s code=%u ilc=%u psw-insn=%+ld\n", "exrl svc 0x20|0x11", svc_code, svc_ilc, svc_delta);
}

/* ---- external interruptions ---------------------------------------------- */

#define EXT_CLOCK_COMPARATOR    0x1004
#define EXT_CPU_TIMER           0x1005
#define TOD_MICROSECOND         (1ULL << 12)

static volatile u16 ext_code;
static volatile int ext_count;
static volatile int ext_was_wait;

static void ext_hook(u16 code, u32 param)
{
    ext_code = code;
    ext_count++;
    ext_was_wait = (lowcore.ext_old_psw.mask & PSW_MASK_WAIT) != 0;
    /* Remove the condition, or it would interrupt again right away. */
    if (code == EXT_CLOCK_COMPARATOR)
        set_clock_comparator(~0ULL);
    else if (code == EXT_CPU_TIMER)
        set_cpu_timer(0x7fffffffffffffffLL);
}

static void clock_comparator(void)
{
    u64 ckc, before;

    rt_set_ext_hook(ext_hook);

    /* Comparator 1 ms ahead; wait for it. */
    ext_count = 0;
    before = get_tod();
    ckc = before + 1000 * TOD_MICROSECOND;
    set_clock_comparator(ckc);
    printf("%-24s %s\n", "stckc after sckc", store_clock_comparator() == ckc ? "same" : "differs");
    ctl_set_bits(0, CR0_CLOCK_COMPARATOR);
    while (!ext_count)
        rt_wait_for_interrupt(PSW_MASK_EXT);
    ctl_clear_bits(0, CR0_CLOCK_COMPARATOR);
    printf("%-24s code=0x%04x count=%d from-wait=%d tod-past-ckc=%d\n", "clock comparator",
           ext_code, ext_count, ext_was_wait, get_tod() > ckc);

    /* A comparator already in the past interrupts as soon as enabled.
     * (Only checked through an enabled wait: QEMU notices a past comparator
     * asynchronously, a few instructions later.) */
    ext_count = 0;
    set_clock_comparator(before);
    ctl_set_bits(0, CR0_CLOCK_COMPARATOR);
    while (!ext_count)
        rt_wait_for_interrupt(PSW_MASK_EXT);
    ctl_clear_bits(0, CR0_CLOCK_COMPARATOR);
    printf("%-24s code=0x%04x count=%d from-wait=%d\n", "ckc in the past", ext_code,
           ext_count, ext_was_wait);
}

static void cpu_timer(void)
{
    s64 t1, t2;

    set_cpu_timer(0x7fffffffffffffffLL);
    t1 = store_cpu_timer();
    t2 = store_cpu_timer();
    printf("%-24s %s\n", "cpu timer counts down", t2 <= t1 ? "yes" : "no");

    ext_count = 0;
    set_cpu_timer(1000 * TOD_MICROSECOND);
    ctl_set_bits(0, CR0_CPU_TIMER);
    while (!ext_count)
        rt_wait_for_interrupt(PSW_MASK_EXT);
    ctl_clear_bits(0, CR0_CPU_TIMER);
    printf("%-24s code=0x%04x count=%d from-wait=%d\n", "cpu timer", ext_code, ext_count,
           ext_was_wait);
}

/* ---- clock, system mask, prefix, CPU address, PSW ------------------------ */

static void store_clock(void)
{
    u64 first, prev, now;
    int ok = 1;

    stck(&first);
    prev = first;
    for (int i = 0; i < 100; i++) {
        int cc = stck(&now);

        ok &= cc == 0 && now >= prev;
        prev = now;
    }
    printf("%-24s cc0+monotonic=%d advanced=%d\n", "stck x100", ok, prev > first);
}

static void system_mask(void)
{
    u8 stored[4];
    u8 new_mask = 0x02;
    u64 mask_enabled, mask_after;

    asm volatile("stosm 0(%[s]),0x02\n\t"       /* I/O mask on; old mask stored */
                 "epsw %[m],%%r0\n\t"
                 "stnsm 1(%[s]),0xfd\n\t"       /* and off again */
                 "stosm 2(%[s]),0x00\n\t"       /* just store */
                 "ssm 0(%[n])\n\t"              /* I/O mask from storage */
                 "stnsm 3(%[s]),0x00\n\t"       /* store, then clear all */
                 "epsw %[a],%%r0"
                 : [m] "=&d"(mask_enabled), [a] "=&d"(mask_after), "=m"(stored)
                 : [s] "a"(stored), [n] "a"(&new_mask), "m"(new_mask) : "memory");
    printf("%-24s %02x %02x %02x %02x epsw=%08lx,%08lx\n", "stosm/stnsm/ssm",
           stored[0], stored[1], stored[2], stored[3],
           (mask_enabled & 0xffffffff) & ~0x3000UL, (mask_after & 0xffffffff) & ~0x3000UL);
}

static u8 other_lowcore[8192] ALIGNED(8192);

static void prefixing(void)
{
    volatile u8 *real_low = (volatile u8 *)&lowcore;            /* real 0..8K */
    volatile u8 *real_other = (volatile u8 *)other_lowcore;     /* real P..P+8K */
    u32 prefix = (u32)(uintptr_t)other_lowcore;
    u32 seen_prefix, restored_prefix;
    u8 seen_low, seen_other;

    /* Start the new prefix area as a copy: same new PSWs. */
    memcpy(other_lowcore, (const void *)&lowcore, sizeof(other_lowcore));
    other_lowcore[0x380] = 0xaa;
    real_low[0x380] = 0xbb;

    set_prefix(prefix);
    seen_prefix = store_prefix();
    /* Real 0.. now reaches the new area, real P.. reaches absolute 0.. */
    seen_low = real_low[0x380];
    seen_other = real_other[0x380];
    real_low[0x388] = 0xcc;
    asm volatile("svc 7" : : : "memory");           /* stores into the new area */
    set_prefix(0);
    restored_prefix = store_prefix();

    printf("%-24s stpx=%s real0=%02x realP=%02x\n", "spx to other area",
           seen_prefix == prefix ? "P" : "?", seen_low, seen_other);
    printf("%-24s stpx=%08x area@0x388=%02x area-svc-code=%u low@0x380=%02x\n", "spx back",
           restored_prefix, other_lowcore[0x388],
           (other_lowcore[LC_SVC_CODE] << 8) | other_lowcore[LC_SVC_CODE + 1], real_low[0x380]);
}

static void cpu_address_and_psw(void)
{
    printf("%-24s %s\n", "stap is 0 (boot cpu)", store_cpu_address() == 0 ? "yes" : "no");
    printf("%-24s %016lx\n", "epsw", extract_psw_mask() & ~PSW_MASK_CC_BITS);
}

int main(void)
{
    program_interruptions();
    supervisor_call();
    clock_comparator();
    cpu_timer();
    store_clock();
    system_mask();
    prefixing();
    cpu_address_and_psw();
    printf("sys: done\n");
    return 0;
}
