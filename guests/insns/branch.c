/* Branches: condition masks, branch on count, branch on index, linkage. */
#include "insns.h"

/* For one mask, whether BRC/BCR/BRCL branch for cc 0, 1, 2 and 3. */
#define BRANCH_MASK_ROW(mask)                                                   \
    do {                                                                        \
        char taken_[5] = "....";                                                \
        for (int cc_ = 0; cc_ < 4; cc_++) {                                     \
            u64 t1_, t2_, t3_;                                                  \
            asm volatile(SET_CC                                                 \
                         "lghi %[t1],1\n\t"                                     \
                         "lghi %[t2],1\n\t"                                     \
                         "lghi %[t3],1\n\t"                                     \
                         "brc " #mask ",1f\n\t"                                 \
                         "lghi %[t1],0\n"                                       \
                         "1:\tlarl %%r1,2f\n\t"                                 \
                         "bcr " #mask ",%%r1\n\t"                               \
                         "lghi %[t2],0\n"                                       \
                         "2:\tbrcl " #mask ",3f\n\t"                            \
                         "lghi %[t3],0\n"                                       \
                         "3:"                                                   \
                         : [t1] "=&d"(t1_), [t2] "=&d"(t2_), [t3] "=&d"(t3_)    \
                         : [ccin] "d"(CCIN(cc_))                                \
                         : "r1", "cc");                                         \
            taken_[cc_] = t1_ && t2_ && t3_ ? 'T' : !t1_ && !t2_ && !t3_ ? '-' : '?'; \
        }                                                                       \
        printf("brc/bcr/brcl mask=%-2d cc0..3: %s\n", mask, taken_);            \
    } while (0)

static void branch_on_condition(void)
{
    BRANCH_MASK_ROW(0);
    BRANCH_MASK_ROW(1);
    BRANCH_MASK_ROW(2);
    BRANCH_MASK_ROW(3);
    BRANCH_MASK_ROW(4);
    BRANCH_MASK_ROW(5);
    BRANCH_MASK_ROW(6);
    BRANCH_MASK_ROW(7);
    BRANCH_MASK_ROW(8);
    BRANCH_MASK_ROW(9);
    BRANCH_MASK_ROW(10);
    BRANCH_MASK_ROW(11);
    BRANCH_MASK_ROW(12);
    BRANCH_MASK_ROW(13);
    BRANCH_MASK_ROW(14);
    BRANCH_MASK_ROW(15);
}

/* Loop with a branch-on-count instruction; count the loop bodies. */
#define T_COUNT_LOOP(insn, start)                                               \
    do {                                                                        \
        u64 r_ = (start), n_ = 0;                                               \
        asm volatile("0:\taghi %[n],1\n\t"                                      \
                     insn " %[r],0b"                                            \
                     : [r] "+d"(r_), [n] "+d"(n_));                             \
        report(insn, 1, VALS(start), 2, VALS(r_, n_), -1);                      \
    } while (0)

static void branch_on_count(void)
{
    u64 r, n;

    T_COUNT_LOOP("brct", 0xabcdef0000000005ULL);    /* 32-bit count */
    T_COUNT_LOOP("brct", 1);
    T_COUNT_LOOP("brctg", 7);
    T_COUNT_LOOP("brctg", 1);

    r = 0x0000000100000004ULL;
    n = 0;
    asm volatile("larl %%r1,0f\n"
                 "0:\taghi %[n],1\n\t"
                 "bct %[r],0(%%r1)"
                 : [r] "+d"(r), [n] "+d"(n) : : "r1");
    report("bct", 1, VALS(0x0000000100000004ULL), 2, VALS(r, n), -1);

    r = 3;
    n = 0;
    asm volatile("larl %%r1,0f\n"
                 "0:\taghi %[n],1\n\t"
                 "bctg %[r],0(%%r1)"
                 : [r] "+d"(r), [n] "+d"(n) : : "r1");
    report("bctg", 1, VALS(3), 2, VALS(r, n), -1);

    r = 3;
    n = 0;
    asm volatile("larl %%r1,0f\n"
                 "0:\taghi %[n],1\n\t"
                 "bctr %[r],%%r1"
                 : [r] "+d"(r), [n] "+d"(n) : : "r1");
    report("bctr", 1, VALS(3), 2, VALS(r, n), -1);

    /* R2 = 0: decrement without branching. */
    r = 0;
    asm volatile("bctr %[r],0\n\tbctgr %[r],0\n\tbctgr %[r],0" : [r] "+d"(r));
    report("bctr/bctgr r2=0", 1, VALS(0), 1, VALS(r), -1);
}

/*
 * Branch on index: r1 += r3 (increment), compare with the odd register of
 * the r3 pair (limit).  Use r4 (increment) and r5 (limit).
 */
#define T_INDEX_LOOP(insn, start, incr, limit)                                  \
    do {                                                                        \
        register u64 inc_ asm("4") = (incr);                                    \
        register u64 lim_ asm("5") = (limit);                                   \
        u64 r_ = (start), n_ = 0;                                               \
        asm volatile("0:\taghi %[n],1\n\t"                                      \
                     "cghi %[n],100\n\t"    /* safety stop */                   \
                     "jhe 1f\n\t"                                               \
                     insn " %[r],%[i],0b\n"                                     \
                     "1:"                                                       \
                     : [r] "+d"(r_), [n] "+d"(n_)                               \
                     : [i] "d"(inc_), "d"(lim_) : "cc");                        \
        report(insn, 3, VALS(start, incr, limit), 2, VALS(r_, n_), -1);         \
    } while (0)

#define T_INDEX_LOOP_RS(insn, start, incr, limit)                               \
    do {                                                                        \
        register u64 inc_ asm("4") = (incr);                                    \
        register u64 lim_ asm("5") = (limit);                                   \
        u64 r_ = (start), n_ = 0;                                               \
        asm volatile("larl %%r1,0f\n"                                           \
                     "0:\taghi %[n],1\n\t"                                      \
                     "cghi %[n],100\n\t"                                        \
                     "jhe 1f\n\t"                                               \
                     insn " %[r],%[i],0(%%r1)\n"                                \
                     "1:"                                                       \
                     : [r] "+d"(r_), [n] "+d"(n_)                               \
                     : [i] "d"(inc_), "d"(lim_) : "r1", "cc");                  \
        report(insn, 3, VALS(start, incr, limit), 2, VALS(r_, n_), -1);         \
    } while (0)

static void branch_on_index(void)
{
    T_INDEX_LOOP("brxle", 0, 2, 10);            /* 0,2,..,10 -> 6 bodies */
    T_INDEX_LOOP("brxh", 10, -3ULL, 0);         /* count down while > 0 */
    T_INDEX_LOOP("brxh", 0xffffffff00000010ULL, 0xfffffffc, 0);  /* 32-bit */
    T_INDEX_LOOP("brxlg", 0, 5, 20);
    T_INDEX_LOOP("brxhg", 100, -25ULL, 0);
    T_INDEX_LOOP_RS("bxle", 1, 1, 4);
    T_INDEX_LOOP_RS("bxh", 0x80000000, 0x7fffffff, 0); /* 32-bit signed wrap */
    T_INDEX_LOOP_RS("bxleg", -4ULL, 2, 2);
    T_INDEX_LOOP_RS("bxhg", 9, -2ULL, 1);

    /* R3 odd: the increment is also the comparand. */
    {
        register u64 inc asm("5") = 3;
        u64 r = 0, n = 0;

        asm volatile("0:\taghi %[n],1\n\t"
                     "brxle %[r],%[i],0b"
                     : [r] "+d"(r), [n] "+d"(n) : [i] "d"(inc) : "cc");
        report("brxle r3 odd", 1, VALS(3), 2, VALS(r, n), -1);
    }
}

static void linkage(void)
{
    u64 link, target, diff_bas, diff_bal, diff_brasl;

    /* The link register holds the address after the branch instruction. */
    asm volatile("larl %%r1,0f\n\t"
                 "bas %[l],0(%%r1)\n"
                 "1:\n"
                 "0:\tlarl %[t],1b"
                 : [l] "=&d"(link), [t] "=d"(target) : : "r1");
    diff_bas = link - target;
    asm volatile("larl %%r1,0f\n\t"
                 "bal %[l],0(%%r1)\n"
                 "1:\n"
                 "0:\tlarl %[t],1b"
                 : [l] "=&d"(link), [t] "=d"(target) : : "r1");
    diff_bal = link - target;
    asm volatile("brasl %[l],0f\n"
                 "1:\n"
                 "0:\tlarl %[t],1b"
                 : [l] "=&d"(link), [t] "=d"(target));
    diff_brasl = link - target;
    report("bas/bal/brasl link-next", 0, NULL, 3, VALS(diff_bas, diff_bal, diff_brasl), -1);

    /* BASR/BALR with R2 = 0 link without branching. */
    asm volatile("basr %[l],0\n"
                 "0:\tlarl %[t],0b"
                 : [l] "=&d"(link), [t] "=d"(target));
    report("basr r2=0", 0, NULL, 1, VALS(link - target), -1);

    /* In 31-bit mode BASR sets bit 32 of the link address. */
    asm volatile("sam31\n\t"
                 "basr %[l],0\n"
                 "0:\tsam64\n\t"
                 "larl %[t],0b"
                 : [l] "=&d"(link), [t] "=d"(target) : "0"(0xffffffffffffffffULL));
    report("basr/31 link^next", 0, NULL, 1, VALS(link ^ target), -1);

    /* BASSM/BSM are not used by the guests. */
}

void test_branch(void)
{
    branch_on_condition();
    branch_on_count();
    branch_on_index();
    linkage();
}
