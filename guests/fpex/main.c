/*
 * fpex: floating-point exerciser.  Runs single FP instructions with fpdiff's
 * runner (complete register state in, everything that changed out) and checks
 * each result against what the Principles of Operation says: values worked out
 * by hand or with exact rational arithmetic, IEEE flags, DXCs, condition
 * codes, trap actions.
 *
 * Without arguments it runs the checks where QEMU 7.2 follows the PoO (the
 * golden run).  With -append "poo" it adds the checks where QEMU 7.2 does not:
 * HFP (not implemented), DIVIDE TO INTEGER (not implemented), trapping
 * inexact/overflow/underflow completing with the (scaled) result, underflow
 * traps on exact tiny results, LOAD AND TEST quieting an SNaN, MULTIPLY AND
 * ADD's NaN choice, conversions of NaN/infinity/out-of-range values to fixed
 * point (inexact for NaN, DXC 0x80 when trapped).  S390Jit passes both; see guests/README.md.
 */
#include "runtime.h"
#include "s390.h"

struct fpd_ctx {
    u64 gpr_in[16];
    u64 gpr_out[16];
    u64 vr_in[64];
    u64 vr_out[64];
    u32 fpc_in, fpc_out;
    u64 cr0_case, cr0_run;
    u32 ccpm, ipm;
    u32 use_vx, interrupted;
    u64 saved_r15;
} ALIGNED(8);

void fpd_run(struct fpd_ctx *ctx);
void fpd_pgm(void);
extern u8 fpd_slot[6];

#define CR0_AFP 0x40000UL   /* bit 45 */

/* instruction formats (register numbers and masks as in the PoO) */
#define RR(op, r1, r2)          .len = 2, .insn = { op, (r1) << 4 | (r2) }
#define RRE(op, r1, r2)         .len = 4, .insn = { (op) >> 8, (op) & 0xff, 0, (r1) << 4 | (r2) }
#define RRF(op, m3, m4, r1, r2) .len = 4, .insn = { (op) >> 8, (op) & 0xff, (m3) << 4 | (m4), (r1) << 4 | (r2) }
#define RRD(op, r1, r3, r2)     .len = 4, .insn = { (op) >> 8, (op) & 0xff, (r1) << 4, (r3) << 4 | (r2) }
#define S0(op, d2)              .len = 4, .insn = { (op) >> 8, (op) & 0xff, (d2) >> 8, (d2) & 0xff }

struct reg { char kind; u8 r; u64 v; };   /* kind 'f' (FPR bits 0-63), 'g' (GPR); 0 ends */
#define F(r, v) { 'f', r, v }
#define G(r, v) { 'g', r, v }

#define POO     1   /* QEMU 7.2 deviates: only with -append poo */
#define AFP_OFF 2

struct check {
    const char *name;
    u8 insn[6], len, flags;
    u8 pm;              /* program mask in (the condition code in is always 3) */
    u32 fpc;
    struct reg in[4];
    struct reg out[3];  /* registers that change */
    u32 fpc_out;
    u8 cc;              /* condition code out */
    u16 pgm;            /* program interruption code (0: none) */
    u8 dxc;
};

/* FPC: masks (byte 0), flags (byte 1), DXC (byte 2), rounding mode (byte 3) */
#define M_I 0x80000000u
#define M_Z 0x40000000u
#define M_O 0x20000000u
#define M_U 0x10000000u
#define M_X 0x08000000u
#define F_I 0x00800000u
#define F_Z 0x00400000u
#define F_O 0x00200000u
#define F_U 0x00100000u
#define F_X 0x00080000u

#define ONE     0x3ff0000000000000UL
#define TWO     0x4000000000000000UL
#define THREE   0x4008000000000000UL
#define INF     0x7ff0000000000000UL
#define DNAN    0x7ff8000000000000UL
#define FDEF(r) (0x5a5a5a5a5a5a5a00UL | (r))   /* an FPR's value when a check does not give one */

static const struct check checks[] = {
    /* ---- BFP arithmetic, rounding, flags ---------------------------------------------------- */
    { "adbr 0.1+0.2 rounds up, inexact", RRE(0xb31a, 1, 2), .in = { F(1, 0x3fb999999999999aUL), F(2, 0x3fc999999999999aUL) },
      .out = { F(1, 0x3fd3333333333334UL) }, .fpc_out = F_X, .cc = 2 },
    { "ddbr 1/3 nearest even", RRE(0xb31d, 1, 2), .fpc = 0, .in = { F(1, ONE), F(2, THREE) },
      .out = { F(1, 0x3fd5555555555555UL) }, .fpc_out = F_X, .cc = 3 },
    { "ddbr 1/3 toward 0", RRE(0xb31d, 1, 2), .fpc = 1, .in = { F(1, ONE), F(2, THREE) },
      .out = { F(1, 0x3fd5555555555555UL) }, .fpc_out = 1 | F_X, .cc = 3 },
    { "ddbr 1/3 toward +inf", RRE(0xb31d, 1, 2), .fpc = 2, .in = { F(1, ONE), F(2, THREE) },
      .out = { F(1, 0x3fd5555555555556UL) }, .fpc_out = 2 | F_X, .cc = 3 },
    { "ddbr -1/3 toward -inf", RRE(0xb31d, 1, 2), .fpc = 3, .in = { F(1, 0xbff0000000000000UL), F(2, THREE) },
      .out = { F(1, 0xbfd5555555555556UL) }, .fpc_out = 3 | F_X, .cc = 3 },
    { "ddbr 1/7 prepare for shorter precision", RRE(0xb31d, 1, 2), .fpc = 7, .in = { F(1, ONE), F(2, 0x401c000000000000UL) },
      .out = { F(1, 0x3fc2492492492493UL) }, .fpc_out = 7 | F_X, .cc = 3 },
    { "ddbr 1/7 nearest even", RRE(0xb31d, 1, 2), .in = { F(1, ONE), F(2, 0x401c000000000000UL) },
      .out = { F(1, 0x3fc2492492492492UL) }, .fpc_out = F_X, .cc = 3 },
    { "sqdbr sqrt 2", RRE(0xb315, 1, 2), .in = { F(2, TWO) },
      .out = { F(1, 0x3ff6a09e667f3bcdUL) }, .fpc_out = F_X, .cc = 3 },
    { "sqdbr sqrt 4 exact", RRE(0xb315, 1, 2), .in = { F(2, 0x4010000000000000UL) },
      .out = { F(1, TWO) }, .cc = 3 },
    { "madbr fused: one rounding", RRD(0xb31e, 1, 3, 2),
      .in = { F(1, 0xbff0000000800000UL), F(2, 0x3ff0000000400000UL), F(3, 0x3ff0000000400000UL) },
      .out = { F(1, 0x3c30000000000000UL) }, .cc = 3 },
    { "mdbr overflow untrapped: infinity", RRE(0xb31c, 1, 2), .in = { F(1, 0x7e70000000000001UL), F(2, 0x4630000000000001UL) },
      .out = { F(1, INF) }, .fpc_out = F_O | F_X, .cc = 3 },
    { "mdbr underflow untrapped: zero", RRE(0xb31c, 1, 2), .in = { F(1, 0x0170000000000001UL), F(2, 0x39b0000000000001UL) },
      .out = { F(1, 0) }, .fpc_out = F_U | F_X, .cc = 3 },
    { "mdbr exact subnormal: no flags", RRE(0xb31c, 1, 2), .in = { F(1, 0x0010000000000000UL), F(2, 0x3fe0000000000000UL) },
      .out = { F(1, 0x0008000000000000UL) }, .cc = 3 },
    { "ddbr by zero untrapped", RRE(0xb31d, 1, 2), .in = { F(1, ONE), F(2, 0) },
      .out = { F(1, INF) }, .fpc_out = F_Z, .cc = 3 },
    { "ddbr by zero trapped: suppressed, dxc 40", RRE(0xb31d, 1, 2), .fpc = M_Z, .in = { F(1, ONE), F(2, 0) },
      .fpc_out = M_Z | 0x4000, .cc = 3, .pgm = 7, .dxc = 0x40 },
    { "sqdbr -1 untrapped: default NaN", RRE(0xb315, 1, 2), .in = { F(2, 0xbff0000000000000UL) },
      .out = { F(1, DNAN) }, .fpc_out = F_I, .cc = 3 },
    { "sqdbr -1 trapped: suppressed, dxc 80", RRE(0xb315, 1, 2), .fpc = M_I, .in = { F(2, 0xbff0000000000000UL) },
      .fpc_out = M_I | 0x8000, .cc = 3, .pgm = 7, .dxc = 0x80 },
    { "sqdbr -0 is -0", RRE(0xb315, 1, 2), .in = { F(2, 0x8000000000000000UL) },
      .out = { F(1, 0x8000000000000000UL) }, .cc = 3 },
    { "adbr inf + -inf: invalid", RRE(0xb31a, 1, 2), .in = { F(1, INF), F(2, 0xfff0000000000000UL) },
      .out = { F(1, DNAN) }, .fpc_out = F_I, .cc = 3 },
    { "adbr 1 - 1 is +0", RRE(0xb31b, 1, 2), .in = { F(1, ONE), F(2, ONE) },
      .out = { F(1, 0) }, .cc = 0 },
    { "sdbr 1 - 1 toward -inf is -0", RRE(0xb31b, 1, 2), .fpc = 3, .in = { F(1, ONE), F(2, ONE) },
      .out = { F(1, 0x8000000000000000UL) }, .fpc_out = 3, .cc = 0 },
    { "adbr SNaN + 1: quieted, invalid", RRE(0xb31a, 1, 2), .in = { F(1, 0x7ff0000000000001UL), F(2, ONE) },
      .out = { F(1, 0x7ff8000000000001UL) }, .fpc_out = F_I, .cc = 3 },
    { "adbr QNaN + SNaN: the SNaN wins", RRE(0xb31a, 1, 2), .in = { F(1, 0x7ff8000000000002UL), F(2, 0xfff0000000000003UL) },
      .out = { F(1, 0xfff8000000000003UL) }, .fpc_out = F_I, .cc = 3 },
    { "adbr QNaN + QNaN: the first operand", RRE(0xb31a, 1, 2), .in = { F(1, 0x7ff8000000000002UL), F(2, 0x7ff8000000000003UL) },
      .cc = 3 },
    { "adbr SNaN trapped: suppressed", RRE(0xb31a, 1, 2), .fpc = M_I, .in = { F(1, ONE), F(2, 0x7ff0000000000001UL) },
      .fpc_out = M_I | 0x8000, .cc = 3, .pgm = 7, .dxc = 0x80 },
    /* ---- compare ------------------------------------------------------------------------------ */
    { "cdbr 1 ? QNaN: unordered, quiet", RRE(0xb319, 1, 2), .in = { F(1, ONE), F(2, DNAN) }, .cc = 3 },
    { "kdbr 1 ? QNaN: signals invalid", RRE(0xb318, 1, 2), .in = { F(1, ONE), F(2, DNAN) }, .fpc_out = F_I, .cc = 3 },
    { "cdbr -0 = +0", RRE(0xb319, 1, 2), .in = { F(1, 0x8000000000000000UL), F(2, 0) }, .cc = 0 },
    { "cdbr 1 < 3", RRE(0xb319, 1, 2), .in = { F(1, ONE), F(2, THREE) }, .cc = 1 },
    { "cdbr inf > 3", RRE(0xb319, 1, 2), .in = { F(1, INF), F(2, THREE) }, .cc = 2 },
    /* ---- conversions ---------------------------------------------------------------------------- */
    { "cfdbr 2.5 m3=1 ties away", RRF(0xb399, 1, 0, 1, 2), .in = { F(2, 0x4004000000000000UL) },
      .out = { G(1, 3) }, .fpc_out = F_X, .cc = 2 },
    { "cfdbr 2.5 m3=4 ties even", RRF(0xb399, 4, 0, 1, 2), .in = { F(2, 0x4004000000000000UL) },
      .out = { G(1, 2) }, .fpc_out = F_X, .cc = 2 },
    { "cfdbr 2.5 m3=5 toward 0", RRF(0xb399, 5, 0, 1, 2), .in = { F(2, 0x4004000000000000UL) },
      .out = { G(1, 2) }, .fpc_out = F_X, .cc = 2 },
    { "cfdbr 2.5 m3=6 toward +inf", RRF(0xb399, 6, 0, 1, 2), .in = { F(2, 0x4004000000000000UL) },
      .out = { G(1, 3) }, .fpc_out = F_X, .cc = 2 },
    { "cfdbr -2.5 m3=7 toward -inf", RRF(0xb399, 7, 0, 1, 2), .in = { F(2, 0xc004000000000000UL) },
      .out = { G(1, 0xfffffffdUL) }, .fpc_out = F_X, .cc = 1 },
    { "cfdbra m4 bit 4 suppresses inexact", RRF(0xb399, 5, 4, 1, 2), .in = { F(2, 0x4004000000000000UL) },
      .out = { G(1, 2) }, .cc = 2 },
    { "cfdbr -0: zero, cc 0", RRF(0xb399, 5, 0, 1, 2), .in = { G(1, 0x1234567800000001UL), F(2, 0x8000000000000000UL) },
      .out = { G(1, 0x1234567800000000UL) }, .cc = 0 },
    { "cfdbr 1e10: largest, invalid and inexact", RRF(0xb399, 5, 0, 1, 2), .in = { F(2, 0x4202a05f20000000UL) },
      .out = { G(1, 0x7fffffffUL) }, .fpc_out = F_I | F_X, .cc = 3 },
    { "cfdbra 1e10 m4 bit 4: invalid only", RRF(0xb399, 5, 4, 1, 2), .in = { F(2, 0x4202a05f20000000UL) },
      .out = { G(1, 0x7fffffffUL) }, .fpc_out = F_I, .cc = 3 },
    { "clfdbr -1: zero, invalid and inexact", RRF(0xb39d, 5, 0, 1, 2), .in = { G(1, 0x1111111122222222UL), F(2, 0xbff0000000000000UL) },
      .out = { G(1, 0x1111111100000000UL) }, .fpc_out = F_I | F_X, .cc = 3 },
    { "cdfbr -7 from the low word", RRE(0xb395, 1, 2), .in = { G(2, 0x12345678fffffff9UL) },
      .out = { F(1, 0xc01c000000000000UL) }, .cc = 3 },
    { "cdgbr 2^53+1 rounds to even", RRE(0xb3a5, 1, 2), .in = { G(2, 0x0020000000000001UL) },
      .out = { F(1, 0x4340000000000000UL) }, .fpc_out = F_X, .cc = 3 },
    { "cefbr 2^24+1 rounds, low word kept", RRE(0xb394, 1, 2), .in = { G(2, 0x01000001UL) },
      .out = { F(1, 0x4b8000005a5a5a01UL) }, .fpc_out = F_X, .cc = 3 },
    { "ledbr 1/3 to short", RRE(0xb344, 1, 2), .in = { F(2, 0x3fd5555555555555UL) },
      .out = { F(1, 0x3eaaaaab5a5a5a01UL) }, .fpc_out = F_X, .cc = 3 },
    { "ledbr 1e300 overflows", RRE(0xb344, 1, 2), .in = { F(2, 0x7e37e43c8800759cUL) },
      .out = { F(1, 0x7f8000005a5a5a01UL) }, .fpc_out = F_O | F_X, .cc = 3 },
    { "ldebr short SNaN: quieted, invalid", RRE(0xb304, 1, 2), .in = { F(2, 0x7f80000100000000UL) },
      .out = { F(1, 0x7ff8000020000000UL) }, .fpc_out = F_I, .cc = 3 },
    { "fidbr 2.5 m3=4", RRF(0xb35f, 4, 0, 1, 2), .in = { F(2, 0x4004000000000000UL) },
      .out = { F(1, TWO) }, .fpc_out = F_X, .cc = 3 },
    { "fidbra 2.5 m3=1 m4=4: no inexact", RRF(0xb35f, 1, 4, 1, 2), .in = { F(2, 0x4004000000000000UL) },
      .out = { F(1, THREE) }, .cc = 3 },
    { "fidbr -0.5 m3=6 gives -0", RRF(0xb35f, 6, 0, 1, 2), .in = { F(2, 0xbfe0000000000000UL) },
      .out = { F(1, 0x8000000000000000UL) }, .fpc_out = F_X, .cc = 3 },
    /* ---- sign operations, extended -------------------------------------------------------------- */
    { "ltdbr -0: cc 0", RRE(0xb312, 1, 2), .in = { F(2, 0x8000000000000000UL) },
      .out = { F(1, 0x8000000000000000UL) }, .cc = 0 },
    { "lcdbr QNaN: sign flipped, cc 3", RRE(0xb313, 1, 2), .in = { F(2, 0x7ff8000000000005UL) },
      .out = { F(1, 0xfff8000000000005UL) }, .cc = 3 },
    { "lpdbr -inf", RRE(0xb310, 1, 2), .in = { F(2, 0xfff0000000000000UL) }, .out = { F(1, INF) }, .cc = 2 },
    { "lndbr 3", RRE(0xb311, 1, 2), .in = { F(2, THREE) }, .out = { F(1, 0xc008000000000000UL) }, .cc = 1 },
    { "axbr 1 + 2^-112 exact", RRE(0xb34a, 1, 4),
      .in = { F(1, 0x3fff000000000000UL), F(3, 0), F(4, 0x3f8f000000000000UL), F(6, 0) },
      .out = { F(1, 0x3fff000000000000UL), F(3, 1) }, .cc = 2 },
    { "dxbr 1/3 extended", RRE(0xb34d, 1, 4),
      .in = { F(1, 0x3fff000000000000UL), F(3, 0), F(4, 0x4000800000000000UL), F(6, 0) },
      .out = { F(1, 0x3ffd555555555555UL), F(3, 0x5555555555555555UL) }, .fpc_out = F_X, .cc = 3 },
    { "axbr invalid register pair", RRE(0xb34a, 2, 4), .cc = 3, .pgm = 6 },
    /* ---- FP support ------------------------------------------------------------------------------ */
    { "ldgr", RRE(0xb3c1, 1, 2), .in = { G(2, 0x0123456789abcdefUL) }, .out = { F(1, 0x0123456789abcdefUL) }, .cc = 3 },
    { "lgdr", RRE(0xb3cd, 1, 2), .in = { F(2, 0xfedcba9876543210UL) }, .out = { G(1, 0xfedcba9876543210UL) }, .cc = 3 },
    { "cpsdr", RRF(0xb372, 3, 0, 1, 2), .in = { F(3, 0x8000000000000000UL), F(2, ONE) },
      .out = { F(1, 0xbff0000000000000UL) }, .cc = 3 },
    { "lcdfr SNaN: no exception", RRE(0xb373, 1, 2), .in = { F(2, 0x7ff0000000000001UL) },
      .out = { F(1, 0xfff0000000000001UL) }, .cc = 3 },
    { "srnmb 7", S0(0xb2b8, 7), .fpc_out = 7, .cc = 3 },
    { "sfpc reserved bit: specification", RRE(0xb384, 1, 0), .in = { G(1, 0x08) }, .cc = 3, .pgm = 6 },
    { "sfpc rounding mode 5: specification", RRE(0xb384, 1, 0), .in = { G(1, 0x05) }, .cc = 3, .pgm = 6 },
    { "sfpc masks and mode", RRE(0xb384, 1, 0), .in = { G(1, 0xf8000002UL) }, .fpc_out = 0xf8000002u, .cc = 3 },
    { "efpc", RRE(0xb38c, 1, 0), .fpc = 0x08000001, .in = { G(1, 0xffffffff00000000UL) },
      .out = { G(1, 0xffffffff08000001UL) }, .fpc_out = 0x08000001, .cc = 3 },
    { "AFP off: BFP instructions are a data exception, dxc 2", RRE(0xb31a, 0, 2), .flags = AFP_OFF, .cc = 3, .pgm = 7, .dxc = 2 },
    { "AFP off: ldr f1 is a data exception, dxc 1", RR(0x28, 1, 2), .flags = AFP_OFF, .cc = 3, .pgm = 7, .dxc = 1 },
    { "AFP off: std f8 is a data exception, dxc 1", .len = 4, .insn = { 0x60, 0x80, 0x10, 0x00 }, .flags = AFP_OFF,
      .in = { G(1, 0x7f0000) }, .cc = 3, .pgm = 7, .dxc = 1 },
    { "AFP off: std f10 is a data exception, dxc 1", .len = 4, .insn = { 0x60, 0xa0, 0x10, 0x00 }, .flags = AFP_OFF,
      .in = { G(1, 0x7f0000) }, .cc = 3, .pgm = 7, .dxc = 1 },
    { "AFP off: ldr f2,f6 works", RR(0x28, 2, 6), .flags = AFP_OFF, .out = { F(2, FDEF(6)) }, .cc = 3 },

    /* ==== where QEMU 7.2 deviates from the PoO ==================================================== */
    { "adbr inexact trapped: completes, dxc 0c", RRE(0xb31a, 1, 2), .flags = POO, .fpc = M_X,
      .in = { F(1, 0x3fb999999999999aUL), F(2, 0x3fc999999999999aUL) },
      .out = { F(1, 0x3fd3333333333334UL) }, .fpc_out = M_X | 0x0c00, .cc = 2, .pgm = 7, .dxc = 0x0c },
    { "mdbr overflow trapped: scaled by 2^-1536", RRE(0xb31c, 1, 2), .flags = POO, .fpc = M_O,
      .in = { F(1, 0x7e70000000000001UL), F(2, 0x4630000000000001UL) },
      .out = { F(1, 0x24b0000000000002UL) }, .fpc_out = M_O | 0x2800, .cc = 3, .pgm = 7, .dxc = 0x28 },
    { "mdbr underflow trapped: scaled by 2^1536", RRE(0xb31c, 1, 2), .flags = POO, .fpc = M_U,
      .in = { F(1, 0x0170000000000001UL), F(2, 0x39b0000000000001UL) },
      .out = { F(1, 0x5b30000000000002UL) }, .fpc_out = M_U | 0x1800, .cc = 3, .pgm = 7, .dxc = 0x18 },
    { "mdbr exact tiny with the underflow trap", RRE(0xb31c, 1, 2), .flags = POO, .fpc = M_U,
      .in = { F(1, 0x0170000000000000UL), F(2, 0x39b0000000000000UL) },
      .out = { F(1, 0x5b30000000000000UL) }, .fpc_out = M_U | 0x1000, .cc = 3, .pgm = 7, .dxc = 0x10 },
    { "ltdbr SNaN: quieted, invalid", RRE(0xb312, 1, 2), .flags = POO, .in = { F(2, 0x7ff0000000000001UL) },
      .out = { F(1, 0x7ff8000000000001UL) }, .fpc_out = F_I, .cc = 3 },
    { "madbr three QNaNs: the third operand's", RRD(0xb31e, 1, 3, 2), .flags = POO,
      .in = { F(1, 0x7ff8000000000001UL), F(2, 0x7ff8000000000002UL), F(3, 0x7ff8000000000003UL) },
      .out = { F(1, 0x7ff8000000000003UL) }, .cc = 3 },
    { "cfdbr NaN: invalid and inexact", RRF(0xb399, 5, 0, 1, 2), .flags = POO, .in = { F(2, DNAN) },
      .out = { G(1, 0x80000000UL) }, .fpc_out = F_I | F_X, .cc = 3 },
    { "cfdbr inf trapped: dxc 80", RRF(0xb399, 5, 0, 1, 2), .flags = POO, .fpc = M_I, .in = { F(2, INF) },
      .fpc_out = M_I | 0x8000, .cc = 3, .pgm = 7, .dxc = 0x80 },
    { "didbr 7/2 quotient toward 0", RRF(0xb35b, 3, 5, 1, 2), .flags = POO, .in = { F(1, 0x401c000000000000UL), F(2, TWO) },
      .out = { F(1, ONE), F(3, THREE) }, .cc = 0 },
    { "didbr 7/2 quotient ties even", RRF(0xb35b, 3, 4, 1, 2), .flags = POO, .in = { F(1, 0x401c000000000000UL), F(2, TWO) },
      .out = { F(1, 0xbff0000000000000UL), F(3, 0x4010000000000000UL) }, .cc = 0 },
    /* HFP */
    { "aer 1+1", RR(0x3a, 1, 2), .flags = POO, .in = { F(1, 0x4110000000000000UL), F(2, 0x4110000000000000UL) },
      .out = { F(1, 0x4120000000000000UL) }, .cc = 2 },
    { "ser 1-0.ffffff: the guard digit", RR(0x3b, 1, 2), .flags = POO, .in = { F(1, 0x4110000000000000UL), F(2, 0x40ffffff00000000UL) },
      .out = { F(1, 0x3b10000000000000UL) }, .cc = 2 },
    { "ser zero sum with the significance mask", RR(0x3b, 1, 2), .flags = POO, .pm = 1,
      .in = { F(1, 0x4210000000000000UL), F(2, 0x4210000000000000UL) },
      .out = { F(1, 0x4200000000000000UL) }, .cc = 0, .pgm = 0x0e },
    { "ser zero sum: true zero", RR(0x3b, 1, 2), .flags = POO,
      .in = { F(1, 0x4210000000000000UL), F(2, 0x4210000000000000UL) }, .out = { F(1, 0) }, .cc = 0 },
    { "meer underflow with the mask: +128", RRE(0xb337, 1, 2), .flags = POO, .pm = 2,
      .in = { F(1, 0x0010000000000000UL), F(2, 0x0010000000000000UL) },
      .out = { F(1, 0x3f10000000000000UL) }, .cc = 3, .pgm = 0x0d },
    { "aer overflow: characteristic wraps", RR(0x3a, 1, 2), .flags = POO, .in = { F(1, 0x7fffffff00000000UL), F(2, 0x7fffffff00000000UL) },
      .out = { F(1, 0x001fffff00000000UL) }, .cc = 2, .pgm = 0x0c },
    { "der by zero: suppressed", RR(0x3d, 1, 2), .flags = POO, .in = { F(1, 0x4110000000000000UL), F(2, 0) },
      .cc = 3, .pgm = 0x0f },
    { "der 1/3 truncated", RR(0x3d, 1, 2), .flags = POO, .in = { F(1, 0x4110000000000000UL), F(2, 0x4130000000000000UL) },
      .out = { F(1, 0x4055555500000000UL) }, .cc = 3 },
    { "sqer 3 rounded", RRE(0xb245, 1, 2), .flags = POO, .in = { F(2, 0x4130000000000000UL) },
      .out = { F(1, 0x411bb67b5a5a5a01UL) }, .cc = 3 },
    { "sqer -4: square-root exception", RRE(0xb245, 1, 2), .flags = POO, .in = { F(2, 0xc140000000000000UL) },
      .cc = 3, .pgm = 0x1d },
    { "ledr rounds", RR(0x35, 1, 2), .flags = POO, .in = { F(2, 0x4112345680000000UL) },
      .out = { F(1, 0x411234575a5a5a01UL) }, .cc = 3 },
    { "her 1", RR(0x34, 1, 2), .flags = POO, .in = { F(2, 0x4110000000000000UL) },
      .out = { F(1, 0x408000005a5a5a01UL) }, .cc = 3 },
    { "cefr -15", RRE(0xb3b4, 1, 2), .flags = POO, .in = { G(2, 0xfffffff1UL) },
      .out = { F(1, 0xc1f000005a5a5a01UL) }, .cc = 3 },
    { "tbdr BFP 1 to HFP", RRF(0xb351, 5, 0, 1, 2), .flags = POO, .in = { F(2, ONE) },
      .out = { F(1, 0x4110000000000000UL) }, .cc = 2 },
};

static struct fpd_ctx ctx;
static int failures, run;

static void fail_reg(const char *name, char kind, int r, u64 got, u64 want, int *first)
{
    if (*first) {
        printf("FAIL %s:", name);
        *first = 0;
    }
    printf(" %c%d=%016lx (want %016lx)", kind, r, got, want);
}

static void check(const struct check *c)
{
    for (int r = 0; r < 16; r++) {
        ctx.gpr_in[r] = 0;
        ctx.vr_in[2 * r] = FDEF((u64)r);
        ctx.vr_in[2 * r + 1] = 0;
    }
    for (int k = 0; k < 4 && c->in[k].kind; k++) {
        if (c->in[k].kind == 'f')
            ctx.vr_in[2 * c->in[k].r] = c->in[k].v;
        else
            ctx.gpr_in[c->in[k].r] = c->in[k].v;
    }
    u64 want_g[16], want_f[16];
    for (int r = 0; r < 16; r++) {
        want_g[r] = ctx.gpr_in[r];
        want_f[r] = ctx.vr_in[2 * r];
    }
    for (int k = 0; k < 3 && c->out[k].kind; k++) {
        if (c->out[k].kind == 'f')
            want_f[c->out[k].r] = c->out[k].v;
        else
            want_g[c->out[k].r] = c->out[k].v;
    }
    ctx.fpc_in = c->fpc;
    ctx.ccpm = (u32)(0x30 | c->pm) << 24;
    u64 cr0 = stctg(0);
    ctx.cr0_run = cr0;
    ctx.cr0_case = c->flags & AFP_OFF ? cr0 & ~CR0_AFP : cr0;
    for (int k = 0; k < 6; k++)
        fpd_slot[k] = k < c->len ? c->insn[k] : (u8)((k - c->len) % 2 == 0 ? 0x07 : 0x00);

    struct psw saved = lowcore.pgm_new_psw;
    lowcore.pgm_new_psw.mask = PSW_MASK_KERNEL;
    lowcore.pgm_new_psw.addr = (u64)(uintptr_t)fpd_pgm;
    asm volatile("" : : : "memory");
    fpd_run(&ctx);
    asm volatile("" : : : "memory");
    lowcore.pgm_new_psw = saved;

    int cc = ctx.interrupted ? (int)((lowcore.pgm_old_psw.mask >> 44) & 3) : (int)((ctx.ipm >> 28) & 3);
    u16 pgm = ctx.interrupted ? lowcore.pgm_code : 0;
    u8 dxc = pgm == 7 ? (u8)lowcore.data_exc_code : 0;
    int first = 1;
    for (int r = 0; r < 16; r++) {
        if (ctx.gpr_out[r] != want_g[r])
            fail_reg(c->name, 'g', r, ctx.gpr_out[r], want_g[r], &first);
        if (ctx.vr_out[2 * r] != want_f[r])
            fail_reg(c->name, 'f', r, ctx.vr_out[2 * r], want_f[r], &first);
    }
    if (ctx.fpc_out != c->fpc_out || cc != c->cc || pgm != c->pgm || dxc != c->dxc) {
        if (first)
            printf("FAIL %s:", c->name);
        first = 0;
        printf(" fpc=%08x cc=%d pgm=%04x dxc=%02x (want fpc=%08x cc=%d pgm=%04x dxc=%02x)",
               ctx.fpc_out, cc, pgm, dxc, c->fpc_out, c->cc, c->pgm, c->dxc);
    }
    run++;
    if (!first) {
        printf("\n");
        failures++;
    } else {
        printf("ok   %s\n", c->name);
    }
}

int main(void)
{
    int poo = strstr(cmdline(), "poo") != NULL;

    lctlg(0, stctg(0) | CR0_AFP);
    for (size_t k = 0; k < sizeof(checks) / sizeof(checks[0]); k++)
        if (poo || !(checks[k].flags & POO))
            check(&checks[k]);
    printf("fpex: %d checks, %d failed\n", run, failures);
    return failures != 0;
}
