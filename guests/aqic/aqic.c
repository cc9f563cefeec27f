/*
 * aqic: AP queue interruptions end to end.  Enables interruptions on its AP
 * queue with PQAP(AQIC) (ISC 6 and a notification-indicator byte), which KVM
 * intercepts and hands to vfio_ap; submits RSA requests with NQAP and takes
 * the adapter interruptions their replies cause (interruption identification
 * 0xb0000000 at 0xc0), checks the NIB, dequeues and verifies the replies:
 *
 *   wait      in an enabled wait (the vcpu is outside SIE: GIB alert path)
 *   running   spinning with I/O enabled (the SIE presents it directly)
 *   pipeline  three requests outstanding, every reply drained per interruption
 *   rapq      RAPQ (interpreted: the host never sees it) turns interruptions
 *             off; AQIC again with another NIB, and one more request
 *   disable   AQIC off
 *
 * Command line:  apqn=0504      the queue (four hex digits)
 *                mode=halted    instead: wait with ISC 6 disabled in CR6 (I/O
 *                               and external enabled, clock comparator in
 *                               1 ms); the reply arrives while the vcpu is
 *                               halted, the host alerts and finds no vcpu to
 *                               wake; the clock comparator handler enables
 *                               ISC 6 and the pending interruption arrives
 *
 * Prints PASS/FAIL lines, what the guest can observe of the host (status
 * words, I bit, NIB, interruption words and latencies in TOD time), then
 * "aqic: N passed, M failed"; exit status 1 when all passed.
 */
#include "runtime.h"
#include "s390.h"
#include "ap.h"
#include "../ap/vectors.h"

#define AP_ISC      6
#define FC_AQIC     3UL
#define AQIC_IR     0x0000800000000000UL

#define ST_I        0x01000000U
#define RC_NO_PENDING    0x10

#define IO_INT_AP   (0x80000000U | (AP_ISC << 27))

/* ---- AP instructions --------------------------------------------------------- */

static u32 tapq(u16 apqn)
{
    u64 r0 = apqn | (FC_TAPQ << 24), r1 = 0, r2 = 0;

    pqap(&r0, &r1, &r2);
    return (u32)r1;
}

/* AQIC: enable with ISC and NIB, or disable; returns cc, GR1 in *gr1. */
static int aqic(u16 apqn, int enable, volatile u8 *nibp, u64 *gr1)
{
    u64 r0 = apqn | (FC_AQIC << 24);
    u64 r1 = enable ? (AQIC_IR | AP_ISC) : 0;
    u64 r2 = enable ? (u64)(uintptr_t)nibp : 0;
    int cc = pqap(&r0, &r1, &r2);

    *gr1 = r1;
    return cc;
}

static inline void set_cr6(u64 value)
{
    asm volatile("lctlg %%c6,%%c6,%0" : : "Q"(value) : "memory");
}

static inline void io_enable(void)
{
    u8 old;

    asm volatile("stosm %0,0x02" : "=Q"(old) : : "memory");
}

static inline void io_disable(void)
{
    u8 old;

    asm volatile("stnsm %0,0xfd" : "=Q"(old) : : "memory");
}

/* ---- bookkeeping ----------------------------------------------------------------- */

static int passed, failed;

static void fail(const char *name, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void fail(const char *name, const char *fmt, ...)
{
    va_list ap;

    failed++;
    printf("FAIL %s: ", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void pass(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void pass(const char *fmt, ...)
{
    va_list ap;

    passed++;
    printf("PASS ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* ---- interruptions --------------------------------------------------------------- */

extern void aqic_io_entry(void);

static volatile u32 irq_count, irq_word, irq_sch, irq_parm, irq_bad;
static volatile u64 irq_tod;

/* Called by io.S for every I/O interruption. */
void aqic_io_interrupt(struct irq_frame *frame);
void aqic_io_interrupt(struct irq_frame *frame)
{
    irq_word = lowcore.io_int_word;
    irq_sch = lowcore.subchannel_id;
    irq_parm = lowcore.io_int_parm;
    irq_tod = get_tod();
    if (irq_word != IO_INT_AP || irq_sch != 0 || irq_parm != 0)
        irq_bad++;
    irq_count++;
    /* An interruption ends an enabled wait: resume after it, disabled. */
    if (frame->psw.mask & PSW_MASK_WAIT)
        frame->psw.mask &= ~(PSW_MASK_WAIT | PSW_MASK_IO | PSW_MASK_EXT);
}

static volatile int ckc_fired;
static volatile u64 ckc_tod;

/* Clock comparator (halted mode): enable ISC 6; no printing here. */
static void ext_hook(u16 code, u32 param)
{
    if (code != 0x1004)
        return;
    ctl_clear_bits(0, CR0_CLOCK_COMPARATOR);
    set_cr6(0x80000000UL >> AP_ISC);
    ckc_tod = get_tod();
    ckc_fired = 1;
}

/* ---- requests -------------------------------------------------------------------- */

#define TYPE50 0x50
#define TYPE80 0x80

static u16 apqn = 0x0504;
static volatile u8 nib ALIGNED(8);
static volatile u8 nib2 ALIGNED(8);
static u8 reqbuf[3][1024] ALIGNED(4096);
static u8 replybuf[4096] ALIGNED(4096);
static const u8 exp65537[3] = { 0x01, 0x00, 0x01 };
static u64 psmid_next = 0x5a00;
static u64 latency_sum, latency_max, latency_n;

static void put16(u8 *p, u16 v) { p[0] = v >> 8; p[1] = (u8)v; }
static u16 get16(const u8 *p) { return (u16)(p[0] << 8 | p[1]); }

/* Type 50 ME request (MEB1/MEB2): exponent, modulus, input, right-aligned. */
static int build_me(u8 *m, const u8 *exp, int explen, const u8 *mod, const u8 *in, int modlen)
{
    int f = modlen <= 128 ? 128 : 256, len = 16 + 3 * f;

    memset(m, 0, len);
    m[1] = TYPE50;
    put16(m + 2, (u16)len);
    put16(m + 8, f == 128 ? 1 : 2);
    memcpy(m + 16 + f - explen, exp, explen);
    memcpy(m + 16 + 2 * f - modlen, mod, modlen);
    memcpy(m + 16 + 3 * f - modlen, in, modlen);
    return len;
}

struct request {
    u64 psmid;
    const u8 *want;
    int modlen;
    u64 tod;
};

/* Builds and enqueues request i (alternating RSA 1024 ME encrypt and 2048 ME decrypt); 0 on failure. */
static int submit(struct request *r, int i, u8 *buf)
{
    const struct rsa_key *k = &rsa_keys[i & 1];
    int modlen = k->bits / 8, len;
    u64 r0 = apqn | NQAP_LAST, addr = (u64)(uintptr_t)buf, left;
    u32 st = 0;
    int cc;

    if (i & 1)
        len = build_me(buf, k->d, modlen, k->n, k->c, modlen);
    else
        len = build_me(buf, exp65537, 3, k->n, k->m, modlen);
    r->psmid = psmid_next++;
    r->want = (i & 1) ? k->m : k->c;
    r->modlen = modlen;
    r->tod = get_tod();
    left = (u64)len;
    do
        cc = nqap(&r0, r->psmid, &addr, &left, &st);
    while (cc == 2);
    if (cc != 0) {
        fail("nqap", "cc %d status 0x%08x", cc, st);
        return 0;
    }
    return 1;
}

/* Dequeues one reply; 1 and the psmid if there was one, 0 if none is pending, -1 on error. */
static int receive(u64 *psmid, long *n)
{
    u64 r0 = apqn | DQAP_FIRST, addr = (u64)(uintptr_t)replybuf, len = sizeof(replybuf), residual = 0;
    u32 st = 0;
    int cc;

    do
        cc = dqap(&r0, psmid, &addr, &len, &residual, &st);
    while ((cc == 1 || cc == 2) && len != 0);
    if (cc == 3 && ST_RC(st) == RC_NO_PENDING)
        return 0;
    if (cc != 0)
        return -1;
    *n = (long)(sizeof(replybuf) - len);
    return 1;
}

static int verify(const struct request *r, long n)
{
    return replybuf[1] == TYPE80 && get16(replybuf + 2) == n && n >= 16 + r->modlen &&
           memcmp(replybuf + n - r->modlen, r->want, r->modlen) == 0;
}

static u64 tod_us(u64 delta) { return delta >> 12; }

static void note_latency(u64 us)
{
    latency_sum += us;
    latency_n++;
    if (us > latency_max)
        latency_max = us;
}

/* Checks the interruption that ended a wait, the NIB, then dequeues and verifies the reply. */
static void complete(const char *name, const struct request *r, u32 irqs_before, volatile u8 *nibp)
{
    u64 psmid = 0;
    long n = 0;
    u8 seen = *nibp;
    int got;

    if (irq_count == irqs_before) {
        fail(name, "no adapter interruption");
        return;
    }
    if (irq_bad || irq_word != IO_INT_AP) {
        fail(name, "interruption id 0x%08x subchannel 0x%08x parameter 0x%08x", irq_word, irq_sch, irq_parm);
        return;
    }
    if (seen == 0) {
        fail(name, "the NIB is still 0");
        return;
    }
    *nibp = 0;  /* the program owns the NIB: clear it for the next one */
    got = receive(&psmid, &n);
    if (got != 1 || psmid != r->psmid || !verify(r, n)) {
        fail(name, "reply %d psmid 0x%lx (expected 0x%lx)", got, psmid, r->psmid);
        return;
    }
    note_latency(tod_us(irq_tod - r->tod));
    pass("%s: interruption 0x%08x (isc %d), nib 0x%02x, rsa %d reply verified, %lu us after nqap",
         name, irq_word, (int)((irq_word >> 27) & 7), seen, r->modlen * 8, tod_us(irq_tod - r->tod));
}

static int enable_aqic(const char *name, volatile u8 *nibp)
{
    u64 gr1 = 0;
    int cc = aqic(apqn, 1, nibp, &gr1);
    u32 st;
    int polls = 0;

    if (cc != 0 || (gr1 >> 32) != 0 || ST_RC((u32)gr1) != 0) {
        fail(name, "cc %d gr1 0x%016lx", cc, gr1);
        return 0;
    }
    /* enabling is asynchronous: poll TAPQ until the I bit is on */
    while (!((st = tapq(apqn)) & ST_I) && ++polls < 1000)
        ;
    if (!(st & ST_I)) {
        fail(name, "I bit never came on (status 0x%08x)", st);
        return 0;
    }
    pass("%s: cc 0, gr1 0x%016lx, I bit on after %d tapq", name, gr1, polls + 1);
    return 1;
}

/* ---- phases ---------------------------------------------------------------------- */

static void phase_wait(int count)
{
    char name[32];

    for (int i = 0; i < count; i++) {
        struct request r;
        u32 before = irq_count;

        snprintf(name, sizeof(name), "wait %d", i + 1);
        if (!submit(&r, i, reqbuf[0]))
            return;
        while (irq_count == before)
            rt_wait_for_interrupt(PSW_MASK_IO);
        complete(name, &r, before, &nib);
    }
}

static void phase_running(int count)
{
    char name[32];

    for (int i = 0; i < count; i++) {
        struct request r;
        u32 before = irq_count;
        long spins = 0;

        snprintf(name, sizeof(name), "running %d", i + 1);
        if (!submit(&r, i, reqbuf[0]))
            return;
        io_enable();
        while (irq_count == before && spins < 50000000)
            spins++;
        io_disable();
        complete(name, &r, before, &nib);
    }
}

static void phase_pipeline(void)
{
    struct request r[3];
    int done = 0, irqs = 0, ok = 1;

    for (int i = 0; i < 3; i++)
        if (!submit(&r[i], i, reqbuf[i]))
            return;
    while (done < 3 && irqs < 10) {
        u32 before = irq_count;
        u64 psmid;
        long n;
        int got;

        while (irq_count == before)
            rt_wait_for_interrupt(PSW_MASK_IO);
        irqs++;
        nib = 0;
        /* one interruption may stand for several replies: drain the queue */
        while ((got = receive(&psmid, &n)) == 1) {
            if (done >= 3 || psmid != r[done].psmid || !verify(&r[done], n))
                ok = 0;
            done++;
        }
        if (got < 0)
            ok = 0;
    }
    if (!ok || done != 3)
        fail("pipeline", "%d replies in %d interruptions", done, irqs);
    else
        pass("pipeline: 3 requests outstanding, %d interruption(s), 3 replies in order and verified", irqs);
}

static void phase_rapq(void)
{
    u64 r0 = apqn | (FC_RAPQ << 24), r1 = 0, r2 = 0;
    int cc = pqap(&r0, &r1, &r2);
    u32 st;
    long polls = 0;

    while (ST_RC(st = tapq(apqn)) == RC_RESET_IN_PROG && ++polls < 1000000)
        ;
    if (cc != 0 || ST_RC(st) != 0 || (st & ST_I) || !(st & ST_E))
        fail("rapq", "cc %d status 0x%08x", cc, st);
    else
        pass("rapq: interpreted (no intercept), queue empty, I bit off (status 0x%08x)", st);
    if (!enable_aqic("aqic re-enable with a new nib", &nib2))
        return;
    {
        struct request r;
        u32 before = irq_count;

        if (!submit(&r, 0, reqbuf[0]))
            return;
        while (irq_count == before)
            rt_wait_for_interrupt(PSW_MASK_IO);
        complete("wait after re-enable", &r, before, &nib2);
        if (nib != 0)
            fail("old nib", "the old NIB was written after the re-enable");
    }
}

static void phase_disable(void)
{
    u64 gr1 = 0;
    int cc = aqic(apqn, 0, NULL, &gr1);
    u32 st;
    int polls = 0;

    while (((st = tapq(apqn)) & ST_I) && ++polls < 1000)
        ;
    if (cc != 0 || ST_RC((u32)gr1) != 0 || (st & ST_I))
        fail("aqic disable", "cc %d gr1 0x%016lx status 0x%08x", cc, gr1, st);
    else
        pass("aqic disable: cc 0, I bit off");
}

/* mode=halted: the reply arrives while the vcpu waits disabled for ISC 6. */
static void phase_halted(void)
{
    struct request r;
    u32 before = irq_count;
    u64 start;

    set_cr6(0);
    rt_set_ext_hook(ext_hook);
    if (!submit(&r, 0, reqbuf[0]))
        return;
    start = get_tod();
    set_clock_comparator(start + 1000 * 4096UL);
    ctl_set_bits(0, CR0_CLOCK_COMPARATOR);
    while (!ckc_fired)
        rt_wait_for_interrupt(PSW_MASK_IO | PSW_MASK_EXT);
    if (irq_count != before)
        fail("halted", "an I/O interruption arrived while ISC 6 was disabled");
    else if (nib == 0)
        fail("halted", "the NIB was not set while the cpu was halted");
    else
        pass("halted: cr6 isc 6 off, enabled wait (i/o + external): no interruption; nib 0x%02x already set; "
             "the clock comparator woke the cpu after %lu us and enabled isc 6", nib, tod_us(ckc_tod - start));
    while (irq_count == before)
        rt_wait_for_interrupt(PSW_MASK_IO);
    complete("halted: delivered once isc 6 was enabled", &r, before, &nib);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int main(void)
{
    const char *p = strstr(cmdline(), "apqn=");
    int halted = strstr(cmdline(), "mode=halted") != NULL;
    u64 fac[4] ALIGNED(8) = { 0 };
    register u64 r0 asm("0") = 3;

    if (p) {
        int v = 0, d;

        for (p += 5; (d = hexval(*p)) >= 0; p++)
            v = v * 16 + d;
        apqn = (u16)v;
    }
    printf("aqic: queue %02x.%04x, isc %d, nib 0x%lx, mode %s\n", apqn >> 8, apqn & 0xff, AP_ISC,
           (u64)(uintptr_t)&nib, halted ? "halted" : "direct");
    asm volatile("stfle %0" : "=Q"(fac), "+d"(r0) : : "cc");
    if (!((fac[1] >> (63 - 1)) & 1)) {
        fail("stfle", "facility 65 (AQIC) not installed");
        printf("aqic: %d passed, %d failed\n", passed, failed);
        return 1;
    }
    pass("stfle: facility 65 (AQIC) installed");

    lowcore.io_new_psw.mask = PSW_MASK_KERNEL;
    lowcore.io_new_psw.addr = (u64)(uintptr_t)aqic_io_entry;
    set_cr6(0x80000000UL >> AP_ISC);

    if (enable_aqic("aqic enable isc 6", &nib)) {
        if (halted)
            phase_halted();
        else {
            phase_wait(3);
            phase_running(2);
            phase_pipeline();
            phase_rapq();
        }
        phase_disable();
    }
    printf("INFO guest view: %u adapter interruptions (id 0x%08x), latency nqap->interruption avg %lu us, max %lu us\n",
           irq_count, IO_INT_AP, latency_n ? latency_sum / latency_n : 0, latency_max);
    printf("aqic: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
