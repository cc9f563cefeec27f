/* Compares: signed and logical, immediate, compare-and-branch and
 * compare-and-trap (only cases that do not trap). */
#include "insns.h"

#define HI 0x0123456700000000ULL

static void compare_registers(void)
{
    T_RR("cr", HI | 1, 2);
    T_RR("cr", HI | 2, 1);
    T_RR("cr", 5, HI | 5);                      /* high halves are ignored */
    T_RR("cr", 0x80000000, 0x7fffffff);
    T_RR("cgr", 0x80000000, 0x7fffffff);
    T_RR("cgr", -1ULL, 0);
    T_RR("cgfr", -1ULL, 0xffffffff);
    T_RR("clr", 0x80000000, 0x7fffffff);
    T_RR("clr", 3, 3);
    T_RR("clgr", -1ULL, 0);
    T_RR("clgr", 0, 1);
    T_RR("clgfr", 0x100000000ULL, 0xffffffff);
}

static void compare_immediate_and_storage(void)
{
    T_RI("chi", HI | 0xffffffff, -1);
    T_RI("chi", HI | 0, -1);
    T_RI("cghi", -2LL, -1);
    T_RI("cfi", 0x7fffffff, -2147483647 - 1);
    T_RI("cgfi", -1ULL, 0x7fffffff);
    T_RI("clfi", 0xffffffff, 0x7fffffff);
    T_RI("clgfi", 0x100000000ULL, 0xffffffff);
    T_RX32("c", 0x80000000, 0x80000000);
    T_RX16("ch", 0xffff8000, 0x8000);
    T_RX16("chy", 0x8000, 0x8000);
    T_RX64("cg", 1, 2);
    T_RX32("cgf", -1ULL, 0xffffffff);
    T_RX32("cl", 0xffffffff, 0);
    T_RX64("clg", 0, -1ULL);
    T_RX32("clgf", 0xffffffff, 0xffffffff);
}

/* CLI/CLIY/CHHSI/CLHHSI/CHSI/CGHSI/CLFHSI/CLGHSI: storage vs immediate. */
#define T_SI(type, insn, m, imm)                                                \
    do {                                                                        \
        type m_ = (type)(m);                                                    \
        int cc_;                                                                \
        asm volatile(insn " 0(%[p]),%[i]" IPM_CC                                \
                     : [cc] "=d"(cc_)                                           \
                     : [p] "a"(&m_), "m"(m_), [i] "i"((s64)(imm))               \
                     : "cc");                                                   \
        report(insn, 2, VALS((u64)m_, (u64)(s64)(imm)), 0, NULL, cc_);          \
    } while (0)

static void compare_storage_immediate(void)
{
    T_SI(u8, "cli", 0x80, 0x7f);
    T_SI(u8, "cli", 0x10, 0x10);
    T_SI(u8, "cliy", 0x01, 0xff);
    T_SI(u16, "chhsi", 0x8000, -1);
    T_SI(u16, "clhhsi", 0x8000, 0xffff);
    T_SI(u32, "chsi", 0xffffffff, -1);
    T_SI(u32, "clfhsi", 0xffffffff, 1);
    T_SI(u64, "cghsi", 0x8000000000000000ULL, 0);
    T_SI(u64, "clghsi", 5, 6);
}

/* Compare and branch: prints 1 if the branch was taken. */
#define T_CRJ(insn, a, b, mask)                                                 \
    do {                                                                        \
        u64 a_ = (a), b_ = (b), taken_;                                         \
        asm volatile("lghi %[t],1\n\t"                                          \
                     insn " %[op_a],%[op_b]," #mask ",1f\n\t"                   \
                     "lghi %[t],0\n"                                            \
                     "1:"                                                       \
                     : [t] "=&d"(taken_)                                        \
                     : [op_a] "d"(a_), [op_b] "d"(b_)                           \
                     : "cc");                                                   \
        report(insn " m" #mask, 2, VALS(a, b), 1, VALS(taken_), -1);            \
    } while (0)

#define T_CIJ(insn, a, imm, mask)                                               \
    do {                                                                        \
        u64 a_ = (a), taken_;                                                   \
        asm volatile("lghi %[t],1\n\t"                                          \
                     insn " %[op_a],%[i]," #mask ",1f\n\t"                      \
                     "lghi %[t],0\n"                                            \
                     "1:"                                                       \
                     : [t] "=&d"(taken_)                                        \
                     : [op_a] "d"(a_), [i] "i"((s64)(imm))                      \
                     : "cc");                                                   \
        report(insn " m" #mask, 2, VALS(a, (u64)(s64)(imm)), 1, VALS(taken_), -1); \
    } while (0)

static void compare_and_branch(void)
{
    T_CRJ("crj", 1, 2, 4);              /* low */
    T_CRJ("crj", 1, 2, 2);              /* high */
    T_CRJ("crj", 0xffffffff, 1, 4);     /* -1 < 1 */
    T_CRJ("crj", HI | 7, 7, 8);         /* equal, high halves ignored */
    T_CRJ("cgrj", HI | 7, 7, 8);
    T_CRJ("cgrj", -1ULL, 0, 10);        /* high or equal */
    T_CRJ("clrj", 0xffffffff, 1, 2);
    T_CRJ("clrj", 0xffffffff, 1, 4);
    T_CRJ("clgrj", 0, -1ULL, 4);
    T_CRJ("clgrj", 5, 5, 6);            /* low or high: not equal */
    T_CIJ("cij", 0xfffffff0, -16, 8);
    T_CIJ("cij", 100, 127, 12);         /* low or equal */
    T_CIJ("cgij", -1ULL, 0, 4);
    T_CIJ("cgij", 0x100000000ULL, 1, 2);
    T_CIJ("clij", 0xffffffff, 255, 2);
    T_CIJ("clij", 200, 200, 8);
    T_CIJ("clgij", 0x100, 0xff, 4);
    T_CIJ("clgij", -1ULL, 255, 14);
}

static void compare_and_branch_register(void)
{
    u64 taken, a = 3, b = 9;

    /* CRB/CGRB branch to an address in a register. */
    asm volatile("larl %%r1,1f\n\t"
                 "lghi %[t],1\n\t"
                 "crb %[a],%[b],4,0(%%r1)\n\t"
                 "lghi %[t],0\n"
                 "1:"
                 : [t] "=&d"(taken) : [a] "d"(a), [b] "d"(b) : "r1", "cc");
    report("crb m4", 2, VALS(a, b), 1, VALS(taken), -1);
    asm volatile("larl %%r1,1f\n\t"
                 "lghi %[t],1\n\t"
                 "cgib %[a],9,8,0(%%r1)\n\t"
                 "lghi %[t],0\n"
                 "1:"
                 : [t] "=&d"(taken) : [a] "d"(b) : "r1", "cc");
    report("cgib m8", 2, VALS(b, 9), 1, VALS(taken), -1);
}

/* Compare and trap, only with operands that do not trap. */
#define T_TRAP_RR(insn, a, b, mask)                                             \
    do {                                                                        \
        u64 a_ = (a), b_ = (b);                                                 \
        asm volatile(insn " %[op_a],%[op_b]," #mask : : [op_a] "d"(a_), [op_b] "d"(b_)); \
        line_begin(insn " m" #mask);                                            \
        line_vals(2, VALS(a, b));                                               \
        line_text("-> no trap");                                                \
        line_end();                                                             \
    } while (0)

#define T_TRAP_RI(insn, a, imm, mask)                                           \
    do {                                                                        \
        u64 a_ = (a);                                                           \
        asm volatile(insn " %[op_a],%[i]," #mask : : [op_a] "d"(a_), [i] "i"((s64)(imm))); \
        line_begin(insn " m" #mask);                                            \
        line_vals(2, VALS(a, (u64)(s64)(imm)));                                 \
        line_text("-> no trap");                                                \
        line_end();                                                             \
    } while (0)

static void compare_and_trap(void)
{
    T_TRAP_RR("crt", 1, 2, 2);          /* traps only if high */
    T_TRAP_RR("cgrt", -1ULL, 0, 10);
    T_TRAP_RR("clrt", 0xffffffff, 1, 4);
    T_TRAP_RR("clgrt", 5, 5, 6);
    T_TRAP_RI("cit", 5, 6, 8);
    T_TRAP_RI("cgit", -5LL, -5, 6);
    T_TRAP_RI("clfit", 0x80000000, 0x7fff, 4);
    T_TRAP_RI("clgit", 3, 3, 2);
}

void test_compare(void)
{
    compare_registers();
    compare_immediate_and_storage();
    compare_storage_immediate();
    compare_and_branch();
    compare_and_branch_register();
    compare_and_trap();
}
