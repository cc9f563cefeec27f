/* PSW-related and clock instructions.  Nothing machine specific is printed:
 * clocks only as "non-zero / monotonic", no facility bits or CPU ids. */
#include "insns.h"
#include "s390.h"

static void program_mask_and_cc(void)
{
    /* SPM sets cc and program mask from bits 34-39; IPM reads them back
     * into bits 34-39 and leaves bits 0-31 and 40-63 alone. */
    for (int cc = 0; cc < 4; cc++) {
        u64 in = ((u64)cc << 28) | 0x00ffffffULL | 0xabcdef0100000000ULL;
        u64 out = 0x1234567812345678ULL;

        asm volatile("spm %[in]\n\t"
                     "ipm %[out]\n\t"
                     "spm %[zero]"
                     : [out] "+d"(out) : [in] "d"(in), [zero] "d"(0ULL) : "cc");
        report("spm/ipm", 1, VALS(in), 1, VALS(out), -1);
    }

    /* Program mask bits (fixed-point overflow masked off again at once). */
    {
        u64 out = 0;

        asm volatile("spm %[in]\n\t"
                     "ipm %[out]\n\t"
                     "spm %[zero]"
                     : [out] "+d"(out) : [in] "d"(0x07000000ULL), [zero] "d"(0ULL) : "cc");
        report("spm/ipm pm", 1, VALS(0x07000000ULL), 1, VALS(out), -1);
    }
}

/*
 * EPSW: bits 0-31 of the PSW to R1 bits 32-63, bits 32-63 to R2; bits 0-31
 * of both registers are unchanged.  The condition code field (PSW bits
 * 18-19) is masked out: QEMU 7.2 does not put the current cc there.
 */
#define PSW_HI_CC 0x3000ULL

static void extract_psw(void)
{
    u64 hi = 0xaaaaaaaaaaaaaaaaULL, lo = 0xbbbbbbbbbbbbbbbbULL;

    asm volatile("spm %[pm]\n\t"
                 "epsw %[hi],%[lo]\n\t"
                 "spm %[zero]"
                 : [hi] "+d"(hi), [lo] "+d"(lo)
                 : [pm] "d"(0x08000000ULL), [zero] "d"(0ULL) : "cc");
    report("epsw pm8", 0, NULL, 2, VALS(hi & ~PSW_HI_CC, lo), -1);

    /* R2 = 0: only R1 is written. */
    hi = 0;
    asm volatile("epsw %[hi],%%r0" : [hi] "+d"(hi));
    report("epsw r2=0", 0, NULL, 1, VALS(hi & ~PSW_HI_CC), -1);
}

/*
 * LPSWE to a PSW with cc 3; the cc must survive the PSW load.
 * (LPSW, the 8-byte ESA/390 form, is not covered: QEMU 7.2 neither clears
 * bit 12 nor takes the addressing mode bit out of the address, so a PSW
 * that is valid in 64-bit mode takes an addressing exception there.)
 */
static void load_psw(void)
{
    struct psw psw;
    u64 cc_after;

    asm volatile("larl %%r1,0f\n\t"
                 "stg %%r1,8(%[p])\n\t"
                 "llihf %%r1,0x00003001\n\t"          /* cc 3, EA */
                 "oilf %%r1,0x80000000\n\t"           /* BA */
                 "stg %%r1,0(%[p])\n\t"
                 "lpswe 0(%[p])\n"
                 "0:\tipm %[cc]\n\t"
                 "srl %[cc],28"
                 : [cc] "=&d"(cc_after), "=m"(psw) : [p] "a"(&psw) : "r1", "cc");
    report("lpswe", 0, NULL, 2, VALS(cc_after & 3, psw.mask), -1);
}

static void clocks(void)
{
    u64 t1 = 0, t2 = 0, tf = 0;
    u8 e1[16], e2[16];
    int cc1, cc2, ccf, cce1, cce2;

    asm volatile("stck %[t]" IPM_CC : [cc] "=d"(cc1), [t] "=Q"(t1) : : "cc");
    asm volatile("stckf %[t]" IPM_CC : [cc] "=d"(ccf), [t] "=Q"(tf) : : "cc");
    asm volatile("stck %[t]" IPM_CC : [cc] "=d"(cc2), [t] "=Q"(t2) : : "cc");
    printf("stck/stckf: cc=%d,%d,%d nonzero=%d monotonic=%d\n", cc1, ccf, cc2,
           t1 != 0 && t2 != 0 && tf != 0, t1 < t2 && t1 <= tf && tf <= t2);

    asm volatile("stcke %[t]" IPM_CC : [cc] "=d"(cce1), [t] "=Q"(e1) : : "cc");
    asm volatile("stcke %[t]" IPM_CC : [cc] "=d"(cce2), [t] "=Q"(e2) : : "cc");
    printf("stcke: cc=%d,%d nonzero=%d monotonic=%d\n", cce1, cce2,
           memcmp(e1, (u8[16]){ 0 }, 16) != 0, memcmp(e1, e2, 16) < 0);
}

static void facilities_and_ids(void)
{
    u64 facilities[4] ALIGNED(8);
    u64 cpu_id ALIGNED(8);
    register u64 r0 asm("0") = ARRAY_SIZE(facilities) - 1;
    int cc;

    asm volatile("stfle %[f]" IPM_CC
                 : [cc] "=d"(cc), [f] "=Q"(facilities), "+d"(r0) : : "cc");
    printf("stfle: cc is 0 or 3: %s\n", cc == 0 || cc == 3 ? "yes" : "no");

    asm volatile("stidp %[id]" : [id] "=Q"(cpu_id));
    printf("stidp: executed\n");
}

void test_system(void)
{
    program_mask_and_cc();
    extract_psw();
    load_psw();
    clocks();
    facilities_and_ids();
}
