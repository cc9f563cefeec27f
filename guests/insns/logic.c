/* AND/OR/XOR in all forms, insert/test-under-mask immediates, TM. */
#include "insns.h"

#define HI   0xf0f0f0f000000000ULL
#define PAT  0x0123456789abcdefULL

static void and_or_xor_registers(void)
{
    T_RR("nr", HI | 0xff00ff00, 0x0ff00ff0);
    T_RR("nr", HI | 0xf0f0f0f0, 0x0f0f0f0f);     /* zero */
    T_RR("ngr", PAT, 0xffff0000ffff0000ULL);
    T_RR("or", HI | 0, 0);
    T_RR("or", HI | 0x00ff0000, 0x0000ff00);
    T_RR("ogr", PAT, 0x8000000000000001ULL);
    T_RR("xr", HI | 0x12345678, 0x12345678);
    T_RR("xr", HI | 0xaaaaaaaa, 0xffffffff);
    T_RR("xgr", PAT, PAT);
    T_RR("xgr", PAT, -1ULL);
    T_RRR("nrk", HI, 0xff, 0x0f);
    T_RRR("ngrk", 0, PAT, 0xf0);
    T_RRR("ork", HI, 0, 0);
    T_RRR("ogrk", 0, 1, 2);
    T_RRR("xrk", HI, 0x5555, 0xaaaa);
    T_RRR("xgrk", 0, PAT, PAT);
    T_RX32("n", HI | 0xffffffff, 0x80000001);
    T_RX64("ng", PAT, 0);
    T_RX32("o", HI | 1, 0x100);
    T_RX64("og", PAT, 0xf);
    T_RX32("x", HI | 0xffff, 0xffff);
    T_RX64("xg", PAT, 0xffffffff00000000ULL);
    T_RX32("ny", HI | 0xf, 0xe);
}

static void and_or_xor_immediates(void)
{
    /* cc of the 16-bit forms reflects only the 16-bit field. */
    T_RI("nill", PAT, 0xfff0);
    T_RI("nill", PAT, 0x0010);
    T_RI("nilh", PAT, 0x0000);
    T_RI("nihl", PAT, 0x00ff);
    T_RI("nihh", PAT, 0xfe00);
    T_RI("nilf", PAT, 0x0f0f0f0f);
    T_RI("nihf", PAT, 0);
    T_RI("oill", PAT, 0x0010);
    T_RI("oilh", 0, 0);
    T_RI("oihl", PAT, 0x8000);
    T_RI("oihh", 0, 0x8000);
    T_RI("oilf", 0, 0xffffffff);
    T_RI("oihf", PAT, 0x10000001);
    T_RI("xilf", PAT, 0x89abcdef);
    T_RI("xilf", PAT, 0xffffffff);
    T_RI("xihf", PAT, 0x01234567);
}

/* NI/OI/XI/NIY/OIY/XIY on a byte in storage. */
#define T_SI_LOGIC(insn, m, imm)                                                \
    do {                                                                        \
        u8 m_ = (m);                                                            \
        int cc_;                                                                \
        asm volatile(insn " 0(%[p]),%[i]" IPM_CC                                \
                     : [cc] "=d"(cc_), "+m"(m_)                                 \
                     : [p] "a"(&m_), [i] "i"((s64)(imm))                        \
                     : "cc");                                                   \
        report(insn, 2, VALS(m, imm), 1, VALS(m_), cc_);                        \
    } while (0)

static void and_or_xor_storage_immediate(void)
{
    T_SI_LOGIC("ni", 0xf5, 0x0f);
    T_SI_LOGIC("ni", 0xf0, 0x0f);
    T_SI_LOGIC("oi", 0x00, 0x00);
    T_SI_LOGIC("oi", 0x10, 0x81);
    T_SI_LOGIC("xi", 0x5a, 0x5a);
    T_SI_LOGIC("xi", 0x5a, 0xff);
    T_SI_LOGIC("niy", 0xff, 0x80);
    T_SI_LOGIC("oiy", 0x01, 0x02);
    T_SI_LOGIC("xiy", 0x01, 0x03);
}

/* TM: test bits of a storage byte under mask. */
#define T_TM(m, imm)                                                            \
    do {                                                                        \
        u8 m_ = (m);                                                            \
        int cc_;                                                                \
        asm volatile("tm 0(%[p]),%[i]" IPM_CC                                   \
                     : [cc] "=d"(cc_)                                           \
                     : [p] "a"(&m_), "m"(m_), [i] "i"((s64)(imm))               \
                     : "cc");                                                   \
        report("tm", 2, VALS(m, imm), 0, NULL, cc_);                            \
    } while (0)

/* TMLL/TMLH/TMHL/TMHH: test a halfword of a register under mask. */
#define T_TMXX(insn, a, imm)                                                    \
    do {                                                                        \
        u64 a_ = (a);                                                           \
        int cc_;                                                                \
        asm volatile(insn " %[op_a],%[i]" IPM_CC                                \
                     : [cc] "=d"(cc_)                                           \
                     : [op_a] "d"(a_), [i] "i"((s64)(imm))                      \
                     : "cc");                                                   \
        report(insn, 2, VALS(a, imm), 0, NULL, cc_);                            \
    } while (0)

static void test_under_mask(void)
{
    T_TM(0xa5, 0x00);           /* mask zero: cc 0 */
    T_TM(0xa5, 0x5a);           /* all selected zero */
    T_TM(0xa5, 0xa5);           /* all selected one */
    T_TM(0xa5, 0xff);           /* mixed */
    T_TMXX("tmll", 0x00f0, 0x00f0);
    T_TMXX("tmll", 0x00f0, 0x0f00);
    T_TMXX("tmll", 0x00f0, 0x0ff0);             /* mixed, leftmost zero: cc 1 */
    T_TMXX("tmll", 0x0f00, 0x0ff0);             /* mixed, leftmost one: cc 2 */
    T_TMXX("tmll", 0xffff, 0);
    T_TMXX("tmlh", 0x80000000, 0x8000);
    T_TMXX("tmhl", 0x0000000100000000ULL, 0x0003);
    T_TMXX("tmhh", 0x8000000000000000ULL, 0xc000);
    T_TMXX("tmhh", 0x4000000000000000ULL, 0xc000);
}

void test_logic(void)
{
    and_or_xor_registers();
    and_or_xor_immediates();
    and_or_xor_storage_immediate();
    test_under_mask();
}
