/*
 * ap: the AP (adjunct processor) crypto guest.  Probes its configuration
 * with QCI and TAPQ, checks adapter type and facilities, resets queues,
 * sends RSA modular-exponentiation and CRT requests (type 50, as Linux's
 * zcrypt builds them for CEX accelerators) with known test vectors and
 * checks the type 80 replies, and exercises the error paths: APQNs outside
 * the configuration, bad messages (type 82/88 replies), DQAP on an empty
 * queue, NQAP on a full queue, partial and multi-part transfers,
 * specification and privileged-operation exceptions.
 *
 * Command line:  apqn=0504,0505  the queues the machine gives the guest
 *                type=13         expected AP type (13 = CEX7, the default)
 *                foreign=0x0505  the APQN outside the configuration to try (default: the
 *                                first one that is not expected), e.g. another VM's queue
 *                rounds=N        try the foreign APQN N times (default 1), e.g. while the
 *                                other VM's requests are in flight
 *
 * Prints one PASS or FAIL line per check, then "ap: N passed, M failed" and
 * exits with status 1 (all passed) or 3.  Without AP instructions (the
 * first TAPQ ends in an operation exception) it reports that and fails.
 */
#include "runtime.h"
#include "s390.h"
#include "ap.h"
#include "vectors.h"

/* ---- AP instructions ------------------------------------------------------ */

#define FC_ZAPQ     2UL
#define FC_QCI      4UL
#define FC_QACT     5UL
#define PQAP_T      0x800000UL

#define NQAP_CONT   0x80000000UL    /* continuation of a message (model) */
#define NQAP_SPECIAL 0x00400000UL

#define ST_F        0x20000000U

#define RC_NORMAL           0x00
#define RC_Q_NOT_AVAIL      0x01
#define RC_Q_FULL           0x10
#define RC_NO_PENDING_REPLY 0x10
#define RC_NO_FIRST_PART    0x13
#define RC_MSG_TOO_BIG      0x15
#define RC_FAC_NOT_INST     0x16

/* TAPQ; returns the status word, stores GR2 in *info when t is set. */
static u32 tapq(u16 apqn, int t, u64 *info)
{
    u64 r0 = apqn | (FC_TAPQ << 24) | (t ? PQAP_T : 0), r1 = 0, r2 = 0;

    pqap(&r0, &r1, &r2);
    if (info)
        *info = r2;
    return (u32)r1;
}

static u32 reset_queue(u16 apqn, int zeroize, int *cc)
{
    u64 r0 = apqn | ((zeroize ? FC_ZAPQ : FC_RAPQ) << 24), r1 = 0, r2 = 0;

    *cc = pqap(&r0, &r1, &r2);
    return (u32)r1;
}

/* ---- bookkeeping ------------------------------------------------------------ */

static int passed, failed;

static void pass(const char *name)
{
    passed++;
    printf("PASS %s\n", name);
}

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

static void check(const char *name, int ok, const char *what)
{
    if (ok)
        pass(name);
    else
        fail(name, "%s", what);
}

static int finish(void)
{
    printf("ap: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

/* ---- configuration from the command line --------------------------------- */

#define MAX_QUEUES 16

static u16 expected[MAX_QUEUES];
static int nexpected;
static int expected_type;

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* apqn=0504,0505: four hex digits each. */
static void parse_cmdline(void)
{
    const char *p = strstr(cmdline(), "apqn=");

    expected_type = (int)cmdline_long("type", 13);
    if (!p)
        return;
    p += 5;
    while (nexpected < MAX_QUEUES) {
        int v = 0, n = 0, d;

        while ((d = hexval(*p)) >= 0) {
            v = v * 16 + d;
            p++;
            n++;
        }
        if (n == 0)
            break;
        expected[nexpected++] = (u16)v;
        if (*p != ',')
            break;
        p++;
    }
}

static int is_expected(u16 apqn)
{
    for (int i = 0; i < nexpected; i++)
        if (expected[i] == apqn)
            return 1;
    return 0;
}

/* An APQN outside the configuration: foreign=, else the first one after the expected ones. */
static u16 foreign_apqn(void)
{
    u16 a = 0;
    long f = cmdline_long("foreign", -1);

    if (f >= 0)
        return (u16)f;
    while (is_expected(a))
        a++;
    return a;
}

/* ---- program-interruption checks ------------------------------------------ */

u64 fault_insn ALIGNED(8);
/* Records the address of the next instruction in fault_insn (r14 is free: AP instructions use r0-r7). */
#define MARK "larl %%r14,0f\n\tstgrl %%r14,fault_insn\n0:\t"

/* Runs fn; passes if it raised `code` with ILC 4 and the old PSW after the instruction. */
static void expect_pgm(const char *name, void (*fn)(void *), void *arg, u16 code)
{
    struct pgm_info info;
    int hit;

    fault_insn = 0;
    memset(&info, 0, sizeof(info));
    hit = rt_catch_pgm(fn, arg, &info);
    if (!hit)
        fail(name, "no program interruption (expected code 0x%04x)", code);
    else if (info.code != code || info.ilc != 4 || info.old_psw.addr != fault_insn + 4)
        fail(name, "code 0x%04x ilc %u psw-insn %+d (expected code 0x%04x ilc 4 psw-insn +4)",
             info.code, info.ilc, (int)(info.old_psw.addr - fault_insn), code);
    else
        pass(name);
}

static u16 probe_apqn;

static void tapq_probe(void *arg)
{
    register u64 r0 asm("0") = probe_apqn;
    register u64 r1 asm("1") = 0;
    register u64 r2 asm("2") = 0;

    asm volatile(MARK ".long 0xb2af0000" : "+d"(r0), "+d"(r1), "+d"(r2) : : "r14", "cc", "memory");
}

static void nqap_odd_r1(void *arg)
{
    register u64 r0 asm("0") = probe_apqn | NQAP_LAST;

    /* NQAP R1 = 5, R2 = 2 */
    asm volatile("lghi %%r2,0\n\tlghi %%r3,0\n\t" MARK ".long 0xb2ad0052"
                 : "+d"(r0) : : "r1", "r2", "r3", "r14", "cc", "memory");
}

static void dqap_odd_r2(void *arg)
{
    register u64 r0 asm("0") = probe_apqn | DQAP_FIRST;

    /* DQAP R1 = 6, R2 = 5 */
    asm volatile(MARK ".long 0xb2ae0065" : "+d"(r0) : : "r1", "r2", "r14", "cc", "memory");
}

static void dqap_r2_is_gr2(void *arg)
{
    register u64 r0 asm("0") = probe_apqn | DQAP_FIRST;

    /* DQAP R1 = 6, R2 = 2: the buffer pair would overlap GR2 */
    asm volatile(MARK ".long 0xb2ae0062" : "+d"(r0) : : "r1", "r2", "r14", "cc", "memory");
}

static void pqap_bad_fc(void *arg)
{
    register u64 r0 asm("0") = 6UL << 24;

    asm volatile(MARK ".long 0xb2af0000" : "+d"(r0) : : "r1", "r2", "r14", "cc", "memory");
}

static u8 qci_block[256] ALIGNED(256);

static void qci_unaligned(void *arg)
{
    register u64 r0 asm("0") = FC_QCI << 24;
    register u64 r2 asm("2") = (u64)(uintptr_t)qci_block + 4;

    asm volatile(MARK ".long 0xb2af0000" : "+d"(r0), "+d"(r2) : : "r1", "r14", "cc", "memory");
}

static void tapq_problem_state(void *arg)
{
    rt_enter_psw(PSW_MASK_KERNEL | PSW_MASK_PSTATE);
    tapq_probe(arg);
}

/* ---- facilities and configuration ------------------------------------------ */

static int test_facility(const u64 *list, int nr)
{
    return (list[nr / 64] >> (63 - nr % 64)) & 1;
}

static int apxa;

static void facilities(void)
{
    u64 list[4] ALIGNED(8) = { 0 };
    register u64 r0 asm("0") = ARRAY_SIZE(list) - 1;

    asm volatile("stfle %0" : "=Q"(list), "+d"(r0) : : "cc");
    check("stfle: facility 12 (QCI) installed", test_facility(list, 12), "not installed");
    check("stfle: facility 15 (APFT) installed", test_facility(list, 15), "not installed");
    printf("INFO stfle: facility 65 (AQIC) %s, facility 76 (MSA3) %s\n",
           test_facility(list, 65) ? "installed" : "not installed",
           test_facility(list, 76) ? "installed" : "not installed");
}

static int mask_bit(const u8 *mask, int n)
{
    return (mask[n / 8] >> (7 - n % 8)) & 1;
}

static void query_configuration(void)
{
    u64 r0 = FC_QCI << 24, r1 = 0x1234, r2 = (u64)(uintptr_t)qci_block;
    int cc, ok = 1;

    memset(qci_block, 0xee, sizeof(qci_block));
    cc = pqap(&r0, &r1, &r2);
    apxa = (qci_block[0] & 0x40) != 0;
    printf("INFO qci: apxa %s, Na 0x%02x, Nd 0x%02x\n", apxa ? "yes" : "no", qci_block[4], qci_block[5]);
    for (int a = 0; a < 256; a++)
        for (int d = 0; d < 256; d++)
            if (mask_bit(qci_block + 0x10, a) && mask_bit(qci_block + 0x30, d) && !is_expected((u16)(a << 8 | d)))
                ok = 0;
    for (int i = 0; i < nexpected; i++)
        if (!mask_bit(qci_block + 0x10, expected[i] >> 8) || !mask_bit(qci_block + 0x30, expected[i] & 0xff))
            ok = 0;
    if (cc != 0)
        fail("qci", "cc %d", cc);
    else if (qci_block[0x80] != 0xee)
        fail("qci", "stored more than 128 bytes");
    else if (!ok)
        fail("qci", "APM x AQM is not the configured queues");
    else
        pass("qci: APM x AQM are exactly the configured queues");
}

/* TAPQ over every APQN (0x0000-0xffff with APXA, else 00-3f x 00-0f). */
static void probe(void)
{
    u16 found[MAX_QUEUES];
    int nfound = 0, others = 0, ok = 1;
    int max_apid = apxa ? 255 : 63, max_apqi = apxa ? 255 : 15;
    char name[64];

    for (int a = 0; a <= max_apid; a++)
        for (int d = 0; d <= max_apqi; d++) {
            u16 apqn = (u16)(a << 8 | d);
            u32 st = tapq(apqn, 0, NULL);

            if (ST_RC(st) == RC_NORMAL) {
                if (nfound < MAX_QUEUES)
                    found[nfound] = apqn;
                nfound++;
            } else if (ST_RC(st) != RC_Q_NOT_AVAIL) {
                others++;
            }
        }
    if (nfound != nexpected)
        ok = 0;
    for (int i = 0; i < nfound && i < MAX_QUEUES; i++)
        if (!is_expected(found[i]))
            ok = 0;
    snprintf(name, sizeof(name), "probe %s: found", apxa ? "0000-ffff" : "0000-3f0f");
    printf("%s %s", ok && others == 0 ? "PASS" : "FAIL", name);
    for (int i = 0; i < nfound && i < MAX_QUEUES; i++)
        printf(" %02x.%04x", found[i] >> 8, found[i] & 0xff);
    if (nfound == 0)
        printf(" nothing");
    if (others)
        printf(" (%d APQNs answered neither 0x00 nor 0x01)", others);
    putchar('\n');
    if (ok && others == 0)
        passed++;
    else
        failed++;
}

static void test_queue_info(u16 apqn)
{
    char name[64];
    u64 info = 0;
    u32 st = tapq(apqn, 1, &info);
    u32 fac = (u32)(info >> 32);
    int type = (int)((info >> 24) & 0xff), qd = (int)(info & 0xff);

    snprintf(name, sizeof(name), "tapq %02x.%04x", apqn >> 8, apqn & 0xff);
    if (ST_RC(st) != RC_NORMAL)
        fail(name, "rc 0x%02x", ST_RC(st));
    else if (type != expected_type)
        fail(name, "type %d, expected %d", type, expected_type);
    else if (!(fac & 0x08000000))
        fail(name, "not in accelerator mode (facilities 0x%08x)", fac);
    else if ((fac & 0x60000000) != 0x60000000)
        fail(name, "no 4K ME/CRT (facilities 0x%08x)", fac);
    else if (!!(fac & 0x02000000) != apxa)
        fail(name, "N bit disagrees with QCI");
    else if (!(st & ST_E))
        fail(name, "queue not empty (status 0x%08x)", st);
    else {
        printf("PASS %s: type %d (CEX%dA), 4K ME and CRT, queue depth %d\n", name, type, type - 6, qd + 1);
        passed++;
    }
}

static void test_qact(u16 apqn)
{
    u64 r0 = apqn | (FC_QACT << 24), r1, r2 = 0;
    int cc;

    /* mode = accelerator (func bits 3-5 = 010), category = CEX4 */
    r1 = (2UL << 58) | (10UL << 24);
    cc = pqap(&r0, &r1, &r2);
    if (cc != 0 || ((r2 >> 24) & 0xff) != 10)
        fail("qact: CEX4 compatibility granted", "cc %d gr2 0x%016lx", cc, r2);
    else
        pass("qact: CEX4 compatibility granted");
    r0 = apqn | (FC_QACT << 24);
    r1 = (2UL << 58) | (0xffUL << 24);
    cc = pqap(&r0, &r1, &r2);
    if (cc != 0 || (int)((r2 >> 24) & 0xff) != expected_type)
        fail("qact: own type for a newer category", "cc %d gr2 0x%016lx", cc, r2);
    else
        pass("qact: own type for a newer category");
    /* coprocessor mode (func bit 3 -> mode 100) on an accelerator */
    r0 = apqn | (FC_QACT << 24);
    r1 = (4UL << 58) | (10UL << 24);
    cc = pqap(&r0, &r1, &r2);
    if (cc != 3 || ST_RC((u32)r1) != RC_FAC_NOT_INST)
        fail("qact: coprocessor mode not installed (rc 0x16)", "cc %d status 0x%08x", cc, (u32)r1);
    else
        pass("qact: coprocessor mode not installed (rc 0x16)");
}

static void test_reset(u16 apqn, int zeroize)
{
    char name[64];
    int cc, seen = 0;
    u32 st;
    long polls = 0;

    snprintf(name, sizeof(name), "%s %02x.%04x", zeroize ? "zapq" : "rapq", apqn >> 8, apqn & 0xff);
    st = reset_queue(apqn, zeroize, &cc);
    if (cc != 0 || ST_RC(st) != RC_NORMAL) {
        fail(name, "cc %d rc 0x%02x", cc, ST_RC(st));
        return;
    }
    for (;;) {
        st = tapq(apqn, 0, NULL);
        if (ST_RC(st) == RC_RESET_IN_PROG) {
            seen = 1;
            if (++polls > 1000000) {
                fail(name, "reset never completes");
                return;
            }
            continue;
        }
        break;
    }
    if (ST_RC(st) != RC_NORMAL || !(st & ST_E))
        fail(name, "after the reset: status 0x%08x", st);
    else if (!seen)
        fail(name, "no 'reset in progress' (rc 0x02) seen");
    else {
        printf("PASS %s: rc 0x02 while resetting, then empty\n", name);
        passed++;
    }
}

/* ---- messages ------------------------------------------------------------- */

#define TYPE50      0x50
#define TYPE80      0x80
#define TYPE82      0x82
#define TYPE88      0x88

static u8 reqbuf[4 * 4096] ALIGNED(4096);
static u8 replybuf[2 * 4096] ALIGNED(4096);

static void put16(u8 *p, u16 v) { p[0] = v >> 8; p[1] = (u8)v; }
static u16 get16(const u8 *p) { return (u16)(p[0] << 8 | p[1]); }

static int field_size(int modlen)
{
    return modlen <= 128 ? 128 : modlen <= 256 ? 256 : 512;
}

/* Type 50 ME request (MEB1/2/3): exponent, modulus, input, right-aligned. */
static int build_me(u8 *m, const u8 *exp, int explen, const u8 *mod, const u8 *in, int modlen)
{
    int f = field_size(modlen), len = 16 + 3 * f;

    memset(m, 0, len);
    m[1] = TYPE50;
    put16(m + 2, (u16)len);
    put16(m + 8, f == 128 ? 1 : f == 256 ? 2 : 3);
    memcpy(m + 16 + f - explen, exp, explen);
    memcpy(m + 16 + 2 * f - modlen, mod, modlen);
    memcpy(m + 16 + 3 * f - modlen, in, modlen);
    return len;
}

/* Type 50 CRT request (CRB1/2/3): p, q, dp, dq, u (half size), input. */
static int build_crt(u8 *m, const struct rsa_key *k, const u8 *in)
{
    int modlen = k->bits / 8, h = modlen / 2, f = field_size(modlen), fh = f / 2;
    int len = 16 + 5 * fh + f;

    memset(m, 0, len);
    m[1] = TYPE50;
    put16(m + 2, (u16)len);
    put16(m + 8, f == 128 ? 0x11 : f == 256 ? 0x12 : 0x13);
    memcpy(m + 16 + 1 * fh - h, k->p, h);
    memcpy(m + 16 + 2 * fh - h, k->q, h);
    memcpy(m + 16 + 3 * fh - h, k->dp, h);
    memcpy(m + 16 + 4 * fh - h, k->dq, h);
    memcpy(m + 16 + 5 * fh - h, k->u, h);
    memcpy(m + 16 + 5 * fh + f - modlen, in, modlen);
    return len;
}

static const u8 exp65537[3] = { 0x01, 0x00, 0x01 };

/* Enqueue a whole message (looping on cc 2); returns the status of the final execution. */
static int send(u16 apqn, u64 psmid, const u8 *msg, u64 len, u32 *status, int *segments)
{
    u64 r0 = apqn | NQAP_LAST, addr = (u64)(uintptr_t)msg;
    int cc;

    *segments = 0;
    *status = 0;
    do {
        cc = nqap(&r0, psmid, &addr, &len, status);
        (*segments)++;
    } while (cc == 2);
    return cc;
}

/* Waits (polling TAPQ) until a reply is available; 0 on time-out or error. */
static int wait_reply(u16 apqn)
{
    for (long polls = 0; polls < 5000000; polls++) {
        u32 st = tapq(apqn, 0, NULL);

        if (ST_RC(st) != RC_NORMAL)
            return 0;
        if (st & ST_R)
            return 1;
    }
    return 0;
}

/* Dequeues one reply into buf (looping on cc 1 and 2); returns its length or -1. */
static long receive(u16 apqn, u64 *psmid, u8 *buf, u64 size, u32 *status)
{
    u64 r0 = apqn | DQAP_FIRST, addr = (u64)(uintptr_t)buf, len = size, residual = 0;
    int cc;

    *status = 0;
    do {
        cc = dqap(&r0, psmid, &addr, &len, &residual, status);
    } while ((cc == 1 || cc == 2) && len != 0);
    if (cc != 0)
        return -1;
    return (long)(size - len);
}

/* Sends a request and returns the reply length (reply in replybuf), or -1 with a FAIL line. */
static long roundtrip(const char *name, u16 apqn, u64 psmid, const u8 *msg, int len)
{
    u32 st;
    int seg;
    u64 got = 0;
    long n;

    if (send(apqn, psmid, msg, (u64)len, &st, &seg) != 0) {
        fail(name, "nqap status 0x%08x", st);
        return -1;
    }
    if (!wait_reply(apqn)) {
        fail(name, "no reply");
        return -1;
    }
    n = receive(apqn, &got, replybuf, sizeof(replybuf), &st);
    if (n < 0) {
        fail(name, "dqap status 0x%08x", st);
        return -1;
    }
    if (got != psmid) {
        fail(name, "psmid 0x%016lx, expected 0x%016lx", got, psmid);
        return -1;
    }
    return n;
}

/* Checks a type 80 reply in replybuf whose last modlen bytes must equal want. */
static void check_type80(const char *name, long n, const u8 *want, int modlen)
{
    if (n < 0)
        return;
    if (replybuf[1] != TYPE80)
        fail(name, "reply type 0x%02x (code 0x%02x)", replybuf[1], replybuf[4]);
    else if (get16(replybuf + 2) != n || n < 16 + modlen)
        fail(name, "reply length %u, received %ld", get16(replybuf + 2), n);
    else if (memcmp(replybuf + n - modlen, want, modlen) != 0)
        fail(name, "wrong result");
    else
        pass(name);
}

static void check_error(const char *name, long n, int type, int code)
{
    if (n < 0)
        return;
    if (replybuf[1] != type || replybuf[4] != code)
        fail(name, "reply type 0x%02x code 0x%02x, expected 0x%02x/0x%02x", replybuf[1], replybuf[4], type, code);
    else
        pass(name);
}

static void test_rsa(u16 apqn)
{
    char name[80];

    for (unsigned i = 0; i < ARRAY_SIZE(rsa_keys); i++) {
        const struct rsa_key *k = &rsa_keys[i];
        int modlen = k->bits / 8, len;

        len = build_me(reqbuf, exp65537, sizeof(exp65537), k->n, k->m, modlen);
        snprintf(name, sizeof(name), "rsa %d ME m^e = c", k->bits);
        check_type80(name, roundtrip(name, apqn, 0x1000 + i, reqbuf, len), k->c, modlen);
        if (k->bits <= 2048) {
            len = build_me(reqbuf, k->d, modlen, k->n, k->c, modlen);
            snprintf(name, sizeof(name), "rsa %d ME c^d = m", k->bits);
            check_type80(name, roundtrip(name, apqn, 0x2000 + i, reqbuf, len), k->m, modlen);
        }
        len = build_crt(reqbuf, k, k->c);
        snprintf(name, sizeof(name), "rsa %d CRT c^d = m", k->bits);
        check_type80(name, roundtrip(name, apqn, 0xabcd000000000000UL + i, reqbuf, len), k->m, modlen);
    }
}

/* Three requests outstanding at once, dequeued in order with their PSMIDs. */
static void test_pipeline(u16 apqn)
{
    const struct rsa_key *k1 = &rsa_keys[0], *k2 = &rsa_keys[1];
    static u8 msgs[3][1024];
    int lens[3], seg, ok = 1;
    u32 st;

    lens[0] = build_me(msgs[0], exp65537, 3, k1->n, k1->m, 128);
    lens[1] = build_crt(msgs[1], k1, k1->c);
    lens[2] = build_me(msgs[2], exp65537, 3, k2->n, k2->m, 256);
    for (int i = 0; i < 3; i++)
        if (send(apqn, 0x7000 + i, msgs[i], lens[i], &st, &seg) != 0)
            ok = 0;
    for (int i = 0; i < 3 && ok; i++) {
        u64 psmid = 0;
        long n;

        if (!wait_reply(apqn)) { ok = 0; break; }
        n = receive(apqn, &psmid, replybuf, sizeof(replybuf), &st);
        if (n < 0 || psmid != (u64)(0x7000 + i))
            ok = 0;
        else if (i == 0 && memcmp(replybuf + n - 128, k1->c, 128) != 0)
            ok = 0;
        else if (i == 1 && memcmp(replybuf + n - 128, k1->m, 128) != 0)
            ok = 0;
        else if (i == 2 && memcmp(replybuf + n - 256, k2->c, 256) != 0)
            ok = 0;
    }
    check("pipeline: 3 requests outstanding, replies in order", ok, "wrong reply, order or psmid");
}

static void test_empty(u16 apqn)
{
    u64 r0 = apqn | DQAP_FIRST, psmid = 0, addr = (u64)(uintptr_t)replybuf, len = 4096, res = 0;
    u32 st = 0;
    int cc = dqap(&r0, &psmid, &addr, &len, &res, &st);

    if (cc != 3 || ST_RC(st) != RC_NO_PENDING_REPLY || !(st & ST_E))
        fail("dqap on an empty queue: rc 0x10, E bit", "cc %d status 0x%08x", cc, st);
    else
        pass("dqap on an empty queue: rc 0x10, E bit");
}

static void test_full(u16 apqn)
{
    const struct rsa_key *k = &rsa_keys[0];
    u64 info = 0;
    int depth, len, seg, cc, ok = 1, drained = 0;
    u32 st;

    tapq(apqn, 1, &info);
    depth = (int)(info & 0xff) + 1;
    len = build_me(reqbuf, exp65537, 3, k->n, k->m, 128);
    for (int i = 0; i < depth; i++)
        if (send(apqn, 0x8000 + i, reqbuf, len, &st, &seg) != 0)
            ok = 0;
    cc = send(apqn, 0x8fff, reqbuf, len, &st, &seg);
    if (!ok || cc != 3 || ST_RC(st) != RC_Q_FULL || !(st & ST_F))
        fail("nqap on a full queue: rc 0x10, F bit", "cc %d status 0x%08x", cc, st);
    else
        pass("nqap on a full queue: rc 0x10, F bit");
    while (drained < depth && wait_reply(apqn)) {
        u64 psmid = 0;

        if (receive(apqn, &psmid, replybuf, sizeof(replybuf), &st) < 0 || psmid != (u64)(0x8000 + drained))
            break;
        drained++;
    }
    st = tapq(apqn, 0, NULL);
    if (drained != depth || !(st & ST_E))
        fail("full queue drained", "%d of %d replies, status 0x%08x", drained, depth, st);
    else
        pass("full queue drained");
}

/* A reply dequeued into a 100-byte buffer: cc 1 with GR2 = bytes left, three times. */
static void test_partial_dqap(u16 apqn)
{
    const struct rsa_key *k = &rsa_keys[1];
    int len = build_me(reqbuf, exp65537, 3, k->n, k->m, 256), seg, parts = 0, ok = 1;
    u64 r0 = apqn | DQAP_FIRST, psmid = 0, addr = (u64)(uintptr_t)replybuf, buflen, res = 0, total = 0;
    u32 st;
    int cc;

    send(apqn, 0x9001, reqbuf, len, &st, &seg);
    if (!wait_reply(apqn)) {
        fail("dqap partial", "no reply");
        return;
    }
    do {
        buflen = 100;
        cc = dqap(&r0, &psmid, &addr, &buflen, &res, &st);
        parts++;
        total += 100 - buflen;
        if (cc == 1 && (buflen != 0 || res == 0 || (r0 & DQAP_FIRST)))
            ok = 0;
    } while (cc == 1 && parts < 10);
    if (cc != 0 || !ok || res != 0 || total != 272 || parts != 3 || psmid != 0x9001)
        fail("dqap partial: 100-byte buffer, cc 1 twice then cc 0", "cc %d parts %d total %lu residual %lu", cc, parts, total, res);
    else if (memcmp(replybuf + 16, k->c, 256) != 0)
        fail("dqap partial: 100-byte buffer, cc 1 twice then cc 0", "wrong data");
    else
        pass("dqap partial: 100-byte buffer, cc 1 twice then cc 0");
}

/* A reply stored across a page boundary: cc 2 at the boundary, then cc 0. */
static void test_segment_dqap(u16 apqn)
{
    const struct rsa_key *k = &rsa_keys[1];
    int len = build_me(reqbuf, exp65537, 3, k->n, k->m, 256), seg, cc, execs = 0, saw2 = 0;
    u8 *buf = replybuf + 4096 - 50;
    u64 r0 = apqn | DQAP_FIRST, psmid = 0, addr = (u64)(uintptr_t)buf, buflen = 4096, res = 0;
    u32 st;

    send(apqn, 0x9002, reqbuf, len, &st, &seg);
    if (!wait_reply(apqn)) {
        fail("dqap across a page", "no reply");
        return;
    }
    do {
        cc = dqap(&r0, &psmid, &addr, &buflen, &res, &st);
        execs++;
        if (cc == 2)
            saw2 = 1;
    } while ((cc == 1 || cc == 2) && execs < 10);
    if (cc != 0 || !saw2 || 4096 - buflen != 272 || memcmp(buf + 16, k->c, 256) != 0)
        fail("dqap across a page: cc 2 then cc 0", "cc %d executions %d", cc, execs);
    else
        pass("dqap across a page: cc 2 then cc 0");
}

/* A request read across a page boundary: cc 2, then cc 0; the reply is right. */
static void test_segment_nqap(u16 apqn)
{
    const struct rsa_key *k = &rsa_keys[1];
    u8 *msg = reqbuf + 4096 - 100;
    int len = build_crt(msg, k, k->c), seg = 0;
    u32 st;
    u64 psmid = 0;
    long n;

    if (send(apqn, 0x9003, msg, len, &st, &seg) != 0 || seg != 2) {
        fail("nqap across a page: cc 2 then cc 0", "status 0x%08x, %d executions", st, seg);
        return;
    }
    if (!wait_reply(apqn) || (n = receive(apqn, &psmid, replybuf, sizeof(replybuf), &st)) < 0 || psmid != 0x9003) {
        fail("nqap across a page: cc 2 then cc 0", "no reply");
        return;
    }
    check_type80("nqap across a page: cc 2 then cc 0", n, k->m, 256);
}

/* A message in two parts: the first without the L bit (cc 1), the second continuing it (C and L). */
static void test_multipart(u16 apqn)
{
    const struct rsa_key *k = &rsa_keys[0];
    int len = build_crt(reqbuf, k, k->c), cc1, cc2;
    u64 r0 = apqn, addr = (u64)(uintptr_t)reqbuf, part = 200, psmid = 0;
    u32 st = 0;
    long n;

    cc1 = nqap(&r0, 0x9004, &addr, &part, &st);
    r0 = apqn | NQAP_CONT | NQAP_LAST;
    part = (u64)len - 200;
    cc2 = nqap(&r0, 0x9004, &addr, &part, &st);
    if (cc1 != 1 || cc2 != 0) {
        fail("nqap in two parts: cc 1 then cc 0", "cc %d, %d (status 0x%08x)", cc1, cc2, st);
        return;
    }
    if (!wait_reply(apqn) || (n = receive(apqn, &psmid, replybuf, sizeof(replybuf), &st)) < 0 || psmid != 0x9004) {
        fail("nqap in two parts: cc 1 then cc 0", "no reply");
        return;
    }
    check_type80("nqap in two parts: cc 1 then cc 0", n, k->m, 128);
}

static void test_nqap_status(const char *name, u16 apqn, u64 flags, u64 len, int want_rc)
{
    u64 r0 = apqn | flags, addr = (u64)(uintptr_t)reqbuf;
    u32 st = 0;
    int cc = nqap(&r0, 0x9100, &addr, &len, &st);

    if (cc != 3 || ST_RC(st) != want_rc)
        fail(name, "cc %d status 0x%08x", cc, st);
    else
        pass(name);
}

/* Malformed requests: the card answers with type 82/88 error replies. */
static void test_bad_messages(u16 apqn)
{
    const struct rsa_key *k = &rsa_keys[0];
    int len;

    len = build_me(reqbuf, exp65537, 3, k->n, k->m, 128);
    put16(reqbuf + 2, (u16)(len - 8));
    check_error("bad length: msg_len != length -> type 82 code 0x23",
                roundtrip("bad length: msg_len != length -> type 82 code 0x23", apqn, 0xe001, reqbuf, len), TYPE82, 0x23);

    len = build_me(reqbuf, exp65537, 3, k->n, k->m, 128);
    put16(reqbuf + 2, (u16)(len - 16));
    check_error("bad length: truncated MEB1 -> type 82 code 0x80",
                roundtrip("bad length: truncated MEB1 -> type 82 code 0x80", apqn, 0xe002, reqbuf, len - 16), TYPE82, 0x80);

    len = build_me(reqbuf, exp65537, 3, k->n, k->m, 128);
    reqbuf[1] = 0x06;
    check_error("wrong message type -> type 82 code 0x20",
                roundtrip("wrong message type -> type 82 code 0x20", apqn, 0xe003, reqbuf, len), TYPE82, 0x20);

    len = build_me(reqbuf, exp65537, 3, k->n, k->m, 128);
    put16(reqbuf + 8, 0x0007);
    check_error("unknown keyblock -> type 88 code 0x34",
                roundtrip("unknown keyblock -> type 88 code 0x34", apqn, 0xe004, reqbuf, len), TYPE88, 0x34);

    len = build_me(reqbuf, exp65537, 3, k->n, k->m, 128);
    reqbuf[16 + 2 * 128 - 1] &= 0xfe;
    check_error("even modulus -> type 88 code 0x85",
                roundtrip("even modulus -> type 88 code 0x85", apqn, 0xe005, reqbuf, len), TYPE88, 0x85);

    len = build_me(reqbuf, exp65537, 3, k->n, k->n, 128);
    check_error("input >= modulus -> type 88 code 0x84",
                roundtrip("input >= modulus -> type 88 code 0x84", apqn, 0xe006, reqbuf, len), TYPE88, 0x84);

    test_nqap_status("nqap of 16 KiB: rc 0x15 (message too big)", apqn, NQAP_LAST, 16384, RC_MSG_TOO_BIG);
    test_nqap_status("nqap continuation without a first part: rc 0x13", apqn, NQAP_CONT | NQAP_LAST, 400, RC_NO_FIRST_PART);
    test_nqap_status("nqap special command on an accelerator: rc 0x16", apqn, NQAP_LAST | NQAP_SPECIAL, 400, RC_FAC_NOT_INST);
}

static void test_foreign(void)
{
    u16 apqn = foreign_apqn();
    long rounds = cmdline_long("rounds", 1);
    char name[80];

    snprintf(name, sizeof(name), "apqn %02x.%04x outside the configuration: rc 0x01", apqn >> 8, apqn & 0xff);
    for (long i = 0; i < rounds; i++) {
        u64 r0 = apqn | DQAP_FIRST, psmid = 0, addr = (u64)(uintptr_t)replybuf, len = 4096, res = 0;
        u32 st = 0, st2, st3;
        int cc, rcc;

        st2 = tapq(apqn, 1, NULL);
        cc = dqap(&r0, &psmid, &addr, &len, &res, &st);
        st3 = reset_queue(apqn, 0, &rcc);
        if (ST_RC(st2) != RC_Q_NOT_AVAIL || cc != 3 || ST_RC(st) != RC_Q_NOT_AVAIL || rcc != 3 || ST_RC(st3) != RC_Q_NOT_AVAIL) {
            fail(name, "round %ld: tapq 0x%08x dqap cc %d 0x%08x rapq cc %d 0x%08x", i, st2, cc, st, rcc, st3);
            return;
        }
    }
    test_nqap_status(name, apqn, NQAP_LAST, 400, RC_Q_NOT_AVAIL);
}

static void test_exceptions(u16 apqn)
{
    probe_apqn = apqn;
    expect_pgm("specification: nqap with odd R1", nqap_odd_r1, NULL, 0x0006);
    expect_pgm("specification: dqap with odd R2", dqap_odd_r2, NULL, 0x0006);
    expect_pgm("specification: dqap buffer pair overlapping GR2", dqap_r2_is_gr2, NULL, 0x0006);
    expect_pgm("specification: pqap function code 6", pqap_bad_fc, NULL, 0x0006);
    expect_pgm("specification: qci block not doubleword aligned", qci_unaligned, NULL, 0x0006);
    if (!apxa) {
        probe_apqn = 0x4000;
        expect_pgm("specification: apid 0x40 without apxa", tapq_probe, NULL, 0x0006);
        probe_apqn = apqn;
    }
    expect_pgm("privileged operation: tapq in the problem state", tapq_problem_state, NULL, 0x0002);
}

static void ap_available(void *arg)
{
    probe_apqn = 0;
    tapq_probe(arg);
}

int main(void)
{
    struct pgm_info info;

    parse_cmdline();
    printf("ap: %d queue(s) expected, type %d\n", nexpected, expected_type);
    memset(&info, 0, sizeof(info));
    if (rt_catch_pgm(ap_available, NULL, &info)) {
        fail("ap instructions", "program interruption code 0x%04x on PQAP(TAPQ)%s", info.code,
             info.code == 0x0001 ? " (operation exception: no AP instructions)" : "");
        return finish();
    }
    pass("ap instructions available");
    facilities();
    query_configuration();
    probe();
    for (int i = 0; i < nexpected; i++)
        test_queue_info(expected[i]);
    test_foreign();
    if (nexpected == 0)
        return finish();
    for (int i = 0; i < nexpected; i++)
        test_reset(expected[i], i % 2);
    test_qact(expected[0]);
    test_empty(expected[0]);
    test_rsa(expected[0]);
    test_pipeline(expected[nexpected - 1]);
    test_full(expected[nexpected - 1]);
    test_partial_dqap(expected[0]);
    test_segment_dqap(expected[0]);
    test_segment_nqap(expected[0]);
    test_multipart(expected[0]);
    test_bad_messages(expected[0]);
    test_exceptions(expected[0]);
    test_reset(expected[0], 1);
    return finish();
}
