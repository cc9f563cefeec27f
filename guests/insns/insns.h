/*
 * Helpers for the instruction exerciser.
 *
 * Every test case runs one instruction (or a short fixed sequence) on
 * fixed inputs inside inline assembly and prints one line:
 *
 *     <name> <inputs...> -> <outputs...> [cc=<n>]
 *
 * All values are printed as 16 hex digits (full 64-bit registers, so a
 * 32-bit instruction that wrongly touches the high half shows up) or as
 * byte strings for storage operands.  The condition code is captured with
 * IPM right after the instruction under test.
 */
#ifndef INSNS_H
#define INSNS_H

#include "runtime.h"

/* Append after the instruction under test: %[cc] = condition code. */
#define IPM_CC          "\n\tipm %[cc]\n\tsrl %[cc],28"
/* Prepend: set the condition code from %[ccin] (cc << 28) with SPM. */
#define SET_CC          "spm %[ccin]\n\t"
#define CCIN(cc)        ((u64)(cc) << 28)

/* Line output. */
void line_begin(const char *name);
void line_val(u64 value);
void line_vals(int count, const u64 *values);
void line_bytes(const void *data, size_t len);
void line_text(const char *text);
void line_arrow(void);
void line_end_cc(int cc);
void line_end(void);

/* Print "name in... -> out... cc=N" (cc < 0: no condition code). */
void report(const char *name, int n_in, const u64 *in, int n_out, const u64 *out, int cc);
#define VALS(...)       ((const u64[]){ __VA_ARGS__ })
#define NVALS(...)      ((int)(sizeof(VALS(__VA_ARGS__)) / sizeof(u64)))
#define REPORT(name, cc, in, out)                                               \
    report(name, (int)(sizeof(in) / sizeof(u64)), in, (int)(sizeof(out) / sizeof(u64)), out, cc)

/* ---- register-register (RR/RRE): r1 = r1 op r2 ------------------------- */

#define T_RR(insn, a, b)                                                        \
    do {                                                                        \
        u64 r1_ = (a), r2_ = (b);                                               \
        int cc_;                                                                \
        asm volatile(insn " %[r1],%[r2]" IPM_CC                                 \
                     : [r1] "+&d"(r1_), [cc] "=&d"(cc_)                         \
                     : [r2] "d"(r2_)                                            \
                     : "cc");                                                   \
        report(insn, 2, VALS(a, b), 1, VALS(r1_), cc_);                         \
    } while (0)

/* Same, for instructions that leave the condition code alone. */
#define T_RR_NC(insn, a, b)                                                     \
    do {                                                                        \
        u64 r1_ = (a), r2_ = (b);                                               \
        asm volatile(insn " %[r1],%[r2]" : [r1] "+&d"(r1_) : [r2] "d"(r2_));    \
        report(insn, 2, VALS(a, b), 1, VALS(r1_), -1);                          \
    } while (0)

/* Carry/borrow in: the condition code before the instruction is ccin. */
#define T_RR_CCIN(insn, a, b, ccval)                                            \
    do {                                                                        \
        u64 r1_ = (a), r2_ = (b);                                               \
        int cc_;                                                                \
        asm volatile(SET_CC insn " %[r1],%[r2]" IPM_CC                          \
                     : [r1] "+&d"(r1_), [cc] "=&d"(cc_)                         \
                     : [r2] "d"(r2_), [ccin] "d"(CCIN(ccval))                   \
                     : "cc");                                                   \
        report(insn, 3, VALS(a, b, ccval), 1, VALS(r1_), cc_);                  \
    } while (0)

/* Distinct operands (RRF): r1 = r2 op r3; r1 starts as `old`. */
#define T_RRR(insn, old, b, c)                                                  \
    do {                                                                        \
        u64 r1_ = (old), r2_ = (b), r3_ = (c);                                  \
        int cc_;                                                                \
        asm volatile(insn " %[r1],%[r2],%[r3]" IPM_CC                           \
                     : [r1] "+&d"(r1_), [cc] "=&d"(cc_)                         \
                     : [r2] "d"(r2_), [r3] "d"(r3_)                             \
                     : "cc");                                                   \
        report(insn, 3, VALS(old, b, c), 1, VALS(r1_), cc_);                    \
    } while (0)

/* ---- register-immediate (RI/RIL) ---------------------------------------- */

#define T_RI(insn, a, imm)                                                      \
    do {                                                                        \
        u64 r1_ = (a);                                                          \
        int cc_;                                                                \
        asm volatile(insn " %[r1],%[i]" IPM_CC                                  \
                     : [r1] "+&d"(r1_), [cc] "=&d"(cc_)                         \
                     : [i] "i"((s64)(imm))                                      \
                     : "cc");                                                   \
        report(insn, 2, VALS(a, (u64)(s64)(imm)), 1, VALS(r1_), cc_);           \
    } while (0)

#define T_RI_NC(insn, a, imm)                                                   \
    do {                                                                        \
        u64 r1_ = (a);                                                          \
        asm volatile(insn " %[r1],%[i]" : [r1] "+&d"(r1_) : [i] "i"((s64)(imm))); \
        report(insn, 2, VALS(a, (u64)(s64)(imm)), 1, VALS(r1_), -1);            \
    } while (0)

/* Distinct operands with immediate (RIE-d): r1 = r3 op imm. */
#define T_RRI(insn, old, b, imm)                                                \
    do {                                                                        \
        u64 r1_ = (old), r3_ = (b);                                             \
        int cc_;                                                                \
        asm volatile(insn " %[r1],%[r3],%[i]" IPM_CC                            \
                     : [r1] "+&d"(r1_), [cc] "=&d"(cc_)                         \
                     : [r3] "d"(r3_), [i] "i"((s64)(imm))                       \
                     : "cc");                                                   \
        report(insn, 3, VALS(old, b, (u64)(s64)(imm)), 1, VALS(r1_), cc_);      \
    } while (0)

/* ---- register-storage: r1 = r1 op mem, operand at 0(ptr) ----------------- */

#define T_RX_T(type, insn, a, m)                                                \
    do {                                                                        \
        u64 r1_ = (a);                                                          \
        type m_ = (type)(m);                                                    \
        int cc_;                                                                \
        asm volatile(insn " %[r1],0(%[p])" IPM_CC                               \
                     : [r1] "+&d"(r1_), [cc] "=&d"(cc_)                         \
                     : [p] "a"(&m_), "m"(m_)                                    \
                     : "cc");                                                   \
        report(insn, 2, VALS(a, (u64)m_), 1, VALS(r1_), cc_);                   \
    } while (0)
#define T_RX_NC_T(type, insn, a, m)                                             \
    do {                                                                        \
        u64 r1_ = (a);                                                          \
        type m_ = (type)(m);                                                    \
        asm volatile(insn " %[r1],0(%[p])"                                      \
                     : [r1] "+&d"(r1_)                                          \
                     : [p] "a"(&m_), "m"(m_));                                  \
        report(insn, 2, VALS(a, (u64)m_), 1, VALS(r1_), -1);                    \
    } while (0)

#define T_RX8(insn, a, m)       T_RX_T(u8, insn, a, m)
#define T_RX16(insn, a, m)      T_RX_T(u16, insn, a, m)
#define T_RX32(insn, a, m)      T_RX_T(u32, insn, a, m)
#define T_RX64(insn, a, m)      T_RX_T(u64, insn, a, m)
#define T_RX8_NC(insn, a, m)    T_RX_NC_T(u8, insn, a, m)
#define T_RX16_NC(insn, a, m)   T_RX_NC_T(u16, insn, a, m)
#define T_RX32_NC(insn, a, m)   T_RX_NC_T(u32, insn, a, m)
#define T_RX64_NC(insn, a, m)   T_RX_NC_T(u64, insn, a, m)

/* ---- even/odd register pairs: r2 (even) and r3 (odd) --------------------- */

/* insn %r2,<r> with r2:r3 = hi:lo; prints the pair afterwards. */
#define T_PAIR(insn, hi, lo, b)                                                 \
    do {                                                                        \
        register u64 even_ asm("2") = (hi);                                     \
        register u64 odd_ asm("3") = (lo);                                      \
        u64 b_ = (b);                                                           \
        asm volatile(insn " %[e],%[op_b]"                                       \
                     : [e] "+d"(even_), "+d"(odd_)                              \
                     : [op_b] "d"(b_));                                         \
        report(insn, 3, VALS(hi, lo, b), 2, VALS(even_, odd_), -1);             \
    } while (0)

/* Same with a storage operand at 0(ptr). */
#define T_PAIR_MEM(type, insn, hi, lo, m)                                       \
    do {                                                                        \
        register u64 even_ asm("2") = (hi);                                     \
        register u64 odd_ asm("3") = (lo);                                      \
        type m_ = (type)(m);                                                    \
        asm volatile(insn " %[e],0(%[p])"                                       \
                     : [e] "+d"(even_), "+d"(odd_)                              \
                     : [p] "a"(&m_), "m"(m_));                                  \
        report(insn, 3, VALS(hi, lo, (u64)m_), 2, VALS(even_, odd_), -1);       \
    } while (0)

/* ---- groups, implemented in the other files ------------------------------ */

void test_arith(void);
void test_muldiv(void);
void test_compare(void);
void test_logic(void);
void test_shift_rotate(void);
void test_load_store(void);
void test_branch(void);
void test_storage(void);
void test_strings(void);
void test_system(void);

#endif
