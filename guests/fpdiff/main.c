/*
 * fpdiff: differential instruction runner.  Reads a list of test cases from
 * the initrd (written by tests/S390Jit.Tests/Fp/FpDiff*.cs), runs each one's
 * instruction once with the register state the case gives (run.S) and prints
 * what changed: condition code, FPC, the program interruption (code, DXC,
 * ILC, old PSW address relative to the instruction) and every GPR, FPR/VR
 * half and operand-buffer byte range that differs from its input.  The same
 * guest runs under qemu-system-s390x (goldens) and S390Jit.
 *
 * Initrd: "FPDIFF01", u32 case count, u32 flags, then records (big-endian):
 *   u16 size (multiple of 8), u8 insn length, u8 flags (1: AFP off,
 *   2: vector enablement off), u8 insn[6], u8 cc<<4|program mask, u8 #gprs,
 *   u8 #vrs, u8 buffer offset, u16 buffer bytes, u32 FPC;
 *   #gprs x {u8 reg, 7 x 0, u64 value}; #vrs x {u8 reg, 7 x 0, u64 hi, u64 lo};
 *   the buffer bytes (placed at 0x7f0000 + offset; the other bytes of the
 *   256-byte buffer hold 0xc5 ^ their offset), padded to 8.
 * Registers a case does not give hold fixed patterns.
 *
 * Output: one record per case, "i=<n> cc=<c> fpc=<hex> [pgm=<code>,<dxc>,
 * <ilc>,<off>] [g<r>=<hex>] [f<r>=<hex>] [l<r>=<hex>] [m<off>=<hex bytes>]"
 * (f: bits 0-63 of VR r, l: bits 64-127), records separated by ';' and a
 * newline about every 900 bytes (one console write each; a record
 * itself can be longer).
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

_Static_assert(__builtin_offsetof(struct fpd_ctx, fpc_in) == 1280, "ctx");
_Static_assert(__builtin_offsetof(struct fpd_ctx, cr0_case) == 1288, "ctx");
_Static_assert(__builtin_offsetof(struct fpd_ctx, ccpm) == 1304, "ctx");
_Static_assert(__builtin_offsetof(struct fpd_ctx, use_vx) == 1312, "ctx");
_Static_assert(__builtin_offsetof(struct fpd_ctx, saved_r15) == 1320, "ctx");

void fpd_run(struct fpd_ctx *ctx);
void fpd_pgm(void);
extern u8 fpd_slot[6];
extern char parm_area[0x480];

#define BUFFER      ((u8 *)0x7f0000UL)
#define BUFFER64    ((u64 *)0x7f0000UL)
#define BUFFER_SIZE 256
#define CR0_AFP     0x40000UL   /* bit 45 */
#define CR0_VX      0x20000UL   /* bit 46 */

static struct fpd_ctx ctx;
static union { u8 b[BUFFER_SIZE]; u64 w[BUFFER_SIZE / 8]; } in_buf, pattern;
#define buf_in in_buf.b
#define buf_in64 in_buf.w
#define pattern64 pattern.w
static char out[4096];   /* a record can reach about 2,300 characters (32 VRs, 256 buffer bytes) */
static size_t out_len;

static u64 be(const u8 *p, int n)
{
    u64 v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void flush(void)
{
    if (out_len) {
        out[out_len++] = '\n';
        console_write(out, out_len);
        out_len = 0;
    }
}

static void put(char c) { out[out_len++] = c; }

static void puts_(const char *s)
{
    while (*s)
        put(*s++);
}

static void hex(u64 v, int digits)
{
    for (int i = digits - 1; i >= 0; i--)
        put("0123456789abcdef"[(v >> (4 * i)) & 15]);
}

static void dec(u64 v)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        put(t[--n]);
}

static void default_vr(int r)
{
    ctx.vr_in[2 * r] = 0x5a5a5a5a5a5a5a00UL | (u64)r;
    ctx.vr_in[2 * r + 1] = 0xa5a5a5a5a5a5a500UL | (u64)r;
}

static int have_vector(void)
{
    u64 fac[4] = { 0 };
    register u64 r0 asm("0") = 3;

    asm volatile("stfle %1" : "+d"(r0), "=Q"(fac) : : "cc", "memory");
    return (fac[2] >> 62) & 1;   /* facility 129 */
}

int main(void)
{
    const u8 *p = (const u8 *)*(u64 *)(parm_area + 8);
    u64 size = *(u64 *)(parm_area + 16);
    struct psw saved_pgm;

    if (size < 16 || be(p, 4) != 0x46504449 || be(p + 4, 4) != 0x46463031) {
        /* run without -initrd (guests/compare.sh, the goldens): nothing to do */
        printf("fpdiff: no case list (give one with -initrd, see tests/S390Jit.Tests/Differential)\n");
        return 0;
    }
    u32 count = (u32)be(p + 8, 4);
    const u8 *end = p + size;
    p += 16;

    int verbose = (int)cmdline_long("verbose", 0);
    for (int k = 0; k < BUFFER_SIZE; k++)
        pattern.b[k] = buf_in[k] = BUFFER[k] = (u8)(0xc5 ^ k);
    for (int r = 0; r < 32; r++)
        default_vr(r);
    ctx.use_vx = have_vector();
    lctlg(0, stctg(0) | CR0_AFP | (ctx.use_vx ? CR0_VX : 0));

    for (u32 n = 0; n < count; n++) {
        if (p + 24 > end) {
            printf("fpdiff: case list ends early at case %u\n", n);
            return 1;
        }
        u32 rsize = (u32)be(p, 2);
        u8 len = p[2], flags = p[3];
        const u8 *insn = p + 4;
        u8 ccpm = p[10], ngpr = p[11], nvr = p[12];
        u32 memoff = p[13], memlen = (u32)be(p + 14, 2);
        ctx.fpc_in = (u32)be(p + 16, 4);
        ctx.ccpm = (u32)ccpm << 24;
        /* the console may have enabled its service-signal subclass meanwhile */
        u64 cr0 = stctg(0);
        ctx.cr0_run = cr0;
        ctx.cr0_case = cr0 & ~((flags & 1 ? CR0_AFP | CR0_VX : 0) | (flags & 2 ? CR0_VX : 0));
        /* registers and buffer words hold their defaults between cases */
        const u8 *q = p + 24;
        for (int k = 0; k < ngpr; k++, q += 16)
            ctx.gpr_in[q[0] & 15] = be(q + 8, 8);
        for (int k = 0; k < nvr; k++, q += 24) {
            ctx.vr_in[2 * (q[0] & 31)] = be(q + 8, 8);
            ctx.vr_in[2 * (q[0] & 31) + 1] = be(q + 16, 8);
        }
        for (u32 k = 0; k < memlen && memoff + k < BUFFER_SIZE; k++)
            buf_in[memoff + k] = BUFFER[memoff + k] = q[k];
        const u8 *regs = p + 24;
        p += rsize;

        /* patch the slot only when the instruction changes */
        u8 want[6];
        for (int k = 0; k < 6; k++)
            want[k] = k < len ? insn[k] : (u8)((k - len) % 2 == 0 ? 0x07 : 0x00);
        if (memcmp(fpd_slot, want, 6) != 0)
            memcpy(fpd_slot, want, 6);

        saved_pgm = lowcore.pgm_new_psw;
        lowcore.pgm_new_psw.mask = PSW_MASK_KERNEL;
        lowcore.pgm_new_psw.addr = (u64)(uintptr_t)fpd_pgm;
        asm volatile("" : : : "memory");
        fpd_run(&ctx);
        asm volatile("" : : : "memory");
        lowcore.pgm_new_psw = saved_pgm;

        int cc = ctx.interrupted ? (int)((lowcore.pgm_old_psw.mask >> 44) & 3) : (int)((ctx.ipm >> 28) & 3);
        if (verbose)
            printf("case %u: running\n", n);
        if (out_len > 900 || verbose)
            flush();
        else if (out_len)
            put(';');
        puts_("i=");
        dec(n);
        puts_(" cc=");
        dec((u64)cc);
        puts_(" fpc=");
        hex(ctx.fpc_out, 8);
        if (ctx.interrupted) {
            u16 code = lowcore.pgm_code;
            puts_(" pgm=");
            hex(code, 4);
            put(',');
            hex((code & 0x7f) == 7 || (code & 0x7f) == 0x1b ? lowcore.data_exc_code & 0xff : 0, 2);
            put(',');
            dec(lowcore.pgm_ilc & 6);
            put(',');
            dec(lowcore.pgm_old_psw.addr - (u64)(uintptr_t)fpd_slot);
        }
        for (int r = 0; r < 16; r++) {
            if (ctx.gpr_out[r] != ctx.gpr_in[r]) {
                puts_(" g");
                dec((u64)r);
                put('=');
                hex(ctx.gpr_out[r], 16);
            }
        }
        for (int r = 0; r < (ctx.use_vx ? 32 : 16); r++) {
            if (ctx.vr_out[2 * r] != ctx.vr_in[2 * r]) {
                puts_(" f");
                dec((u64)r);
                put('=');
                hex(ctx.vr_out[2 * r], 16);
            }
            if (ctx.use_vx && ctx.vr_out[2 * r + 1] != ctx.vr_in[2 * r + 1]) {
                puts_(" l");
                dec((u64)r);
                put('=');
                hex(ctx.vr_out[2 * r + 1], 16);
            }
        }
        int first = -1, last = -1;
        for (int w = 0; w < BUFFER_SIZE / 8; w++) {
            if (BUFFER64[w] == buf_in64[w])
                continue;
            for (int k = 8 * w; k < 8 * w + 8; k++) {
                if (BUFFER[k] != buf_in[k]) {
                    if (first < 0)
                        first = k;
                    last = k;
                }
            }
        }
        if (first >= 0) {
            puts_(" m");
            dec((u64)first);
            put('=');
            for (int k = first; k <= last; k++)
                hex(BUFFER[k], 2);
        }

        /* back to the defaults for the next case */
        for (int k = 0; k < ngpr; k++, regs += 16)
            ctx.gpr_in[regs[0] & 15] = 0;
        for (int k = 0; k < nvr; k++, regs += 24)
            default_vr(regs[0] & 31);
        if (first >= 0)
            for (int k = first; k <= last; k++)
                BUFFER[k] = pattern.b[k];
        for (u32 k = 0; k < memlen && memoff + k < BUFFER_SIZE; k++)
            buf_in[memoff + k] = BUFFER[memoff + k] = pattern.b[memoff + k];
    }
    flush();
    printf("fpdiff: %u cases\n", count);
    return 0;
}
