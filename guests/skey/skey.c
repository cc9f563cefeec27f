/*
 * skey: storage keys and key-controlled protection against the PoO
 * ("Storage Keys", "Key-Controlled Protection"): SSKE (plain, conditional,
 * multiple-block), ISKE, IVSK, RRBE, RRBM, PFMF, reference and change
 * recording, protection of stores and fetch-protected fetches with the TEID,
 * the fetch-protection and storage-protection overrides, TPROT with keys,
 * MVCK/MVCSK/MVCDK, SPKA/IPK and the privileged checks.
 *
 * QEMU 7.2 does not implement key-controlled protection under TCG, so this
 * guest has no QEMU golden: every line must say PASS (tests check that).
 */
#include "mmu.h"

u8 mmu_pool[MMU_POOL_SIZE] ALIGNED(4096);
unsigned long mmu_pool_used;
int mmu_failures;

static u8 buf[4 * PAGE_SIZE] ALIGNED(4096);
#define PAGE0 ((u64)(uintptr_t)buf)
#define PAGE1 (PAGE0 + PAGE_SIZE)
#define PAGE2 (PAGE0 + 2 * PAGE_SIZE)

u64 fault_insn ALIGNED(8);

#define SK_ACC(k)   ((k) & 0xf0)
#define SK_F        0x08
#define SK_R        0x04
#define SK_C        0x02

struct op {
    u64 addr;
    u64 value;
    unsigned key;
};

/* The access runs with the PSW key; everything else (the mark, results) with key 0. */
static void store_with_key(void *arg)
{
    struct op *o = arg;

    asm volatile("larl %%r0,0f\n\tstgrl %%r0,fault_insn\n\t"
                 "spka 0(%2)\n"
                 "0:\tstg %0,0(%1)\n\t"
                 "spka 0" : : "d"(o->value), "a"(o->addr), "a"((u64)o->key << 4) : "r0", "memory");
}

static void fetch_with_key(void *arg)
{
    struct op *o = arg;
    u64 v;

    asm volatile("larl %%r0,0f\n\tstgrl %%r0,fault_insn\n\t"
                 "spka 0(%2)\n"
                 "0:\tlg %0,0(%1)\n\t"
                 "spka 0" : "=&d"(v) : "a"(o->addr), "a"((u64)o->key << 4) : "r0", "memory");
    o->value = v;
}

static void expect(const char *name, void (*fn)(void *), void *arg, u16 code, u64 teid)
{
    struct pgm_info info;
    u16 got = catch_pgm(fn, arg, &info);
    u64 got_teid = lowcore.trans_exc_code;
    long delta = (long)(info.old_psw.addr - fault_insn);

    if (code == 0) {
        CHECK(name, got == 0, "code=0x%04x", got);
        return;
    }
    CHECK(name, got == code && info.ilc == 6 && delta == 6 && got_teid == teid,
          "code=0x%04x ilc=%u psw=%+ld teid=%016lx", got, info.ilc, delta, got_teid);
}

static void set_and_insert(void)
{
    u8 k;

    sske(PAGE0, 0x30);
    k = iske(PAGE0);
    CHECK("SSKE/ISKE: ACC and F", SK_ACC(k) == 0x30 && !(k & SK_F), "key=%02x", k);
    CHECK("SSKE clears R and C from the operand", !(k & SK_C), "key=%02x", k);
    buf[0] = 1;
    k = iske(PAGE0);
    CHECK("a store sets R and C", (k & (SK_R | SK_C)) == (SK_R | SK_C), "key=%02x", k);
    sske(PAGE0, 0x30);
    (void)*(volatile u8 *)(PAGE0 + 1);
    k = iske(PAGE0);
    CHECK("a fetch sets R only", (k & (SK_R | SK_C)) == SK_R, "key=%02x", k);
    sske(PAGE0, 0);
}

static void reset_reference(void)
{
    u64 ipm, bits = 0;

    sske(PAGE0, SK_R | SK_C);
    asm volatile("rrbe 0,%1\n\tipm %0" : "=d"(ipm) : "a"(PAGE0) : "cc");
    CHECK("RRBE: cc from R and C", get_cc(ipm) == 3, "cc=%d", get_cc(ipm));
    CHECK("RRBE resets R", (iske(PAGE0) & (SK_R | SK_C)) == SK_C, "key=%02x", iske(PAGE0));

    /* RRBM: the 64 frames of the 256K block holding PAGE2 */
    sske(PAGE2, SK_R);
    asm volatile(".insn rre,0xb9ae0000,%0,%1" : "=d"(bits) : "a"(PAGE2) : "cc");
    int bit = (int)((PAGE2 >> 12) & 63);
    CHECK("RRBM reports the reference bit", (bits >> (63 - bit)) & 1, "bits=%016lx bit=%d", bits, bit);
    CHECK("RRBM resets it", !(iske(PAGE2) & SK_R), "key=%02x", iske(PAGE2));
    sske(PAGE0, 0);
    sske(PAGE2, 0);
}

static void conditional_sske(void)
{
    u64 r1, ipm;

    sske(PAGE0, 0xa6);
    r1 = 0xa0;
    asm volatile("sske %1,%2,6\n\tipm %0" : "=d"(ipm), "+d"(r1) : "a"(PAGE0) : "cc", "memory");
    CHECK("conditional SSKE: equal ACC/F with MR and MC is not set", get_cc(ipm) == 0 && ((r1 >> 8) & 0xff) == 0xa6 && iske(PAGE0) == 0xa6,
          "cc=%d old=%02lx key=%02x", get_cc(ipm), (r1 >> 8) & 0xff, iske(PAGE0));
    r1 = 0xb0;
    asm volatile("sske %1,%2,6\n\tipm %0" : "=d"(ipm), "+d"(r1) : "a"(PAGE0) : "cc", "memory");
    CHECK("conditional SSKE: other ACC sets the key, R and C kept", get_cc(ipm) == 1 && iske(PAGE0) == 0xb6,
          "cc=%d key=%02x", get_cc(ipm), iske(PAGE0));
    sske(PAGE0, 0);
}

static void multiple_block(void)
{
    u64 a = 0xe000 + 13;

    /* EDAT-1 multiple-block SSKE: keys up to the next 1 MiB boundary, R2 advanced */
    asm volatile("sske %1,%0,1" : "+a"(a) : "d"(0x54UL) : "memory");
    CHECK("SSKE multiple block advances R2", a == SEGMENT_SIZE + 13, "r2=%lx", a);
    CHECK("SSKE multiple block sets the frames", iske(0xe000) == 0x54 && iske(0xff000) == 0x54 && iske(0xd000) == 0,
          "%02x %02x %02x", iske(0xe000), iske(0xff000), iske(0xd000));
    a = 0xe000;
    asm volatile("sske %1,%0,1" : "+a"(a) : "d"(0UL) : "memory");
}

static void pfmf(void)
{
    u64 r1;

    memset(buf, 0x5a, PAGE_SIZE);
    r1 = (1UL << 17) | (1UL << 16) | 0x30;       /* SK, CF, 4K frame, key 0x30 */
    asm volatile(".insn rre,0xb9af0000,%0,%1" : : "d"(r1), "a"(PAGE0) : "memory");
    int clear = 1;
    for (int i = 0; i < (int)PAGE_SIZE; i++)
        clear &= buf[i] == 0;
    CHECK("PFMF clears the frame", clear, "");
    CHECK("PFMF sets the key", SK_ACC(iske(PAGE0)) == 0x30, "key=%02x", iske(PAGE0));
    sske(PAGE0, 0);
}

static void key_protection(void)
{
    struct op o = { PAGE1, 0x1234, 2 };

    sske(PAGE1, 0x30);
    expect("store with another key", store_with_key, &o, 0x04, PAGE1 | TEID_STORE | TEID_KEY);
    expect("fetch of a page without F", fetch_with_key, &o, 0, 0);
    sske(PAGE1, 0x38);
    expect("fetch of a fetch-protected page", fetch_with_key, &o, 0x04, PAGE1 | TEID_FETCH | TEID_KEY);
    o.key = 3;
    expect("the matching key stores", store_with_key, &o, 0, 0);

    /* storage-protection override: key 9 is open to every key */
    sske(PAGE1, 0x98);
    o.key = 2;
    cr_set_bits(0, CR0_STORE_OVERRIDE);
    expect("storage-protection override (key 9)", store_with_key, &o, 0, 0);
    cr_clear_bits(0, CR0_STORE_OVERRIDE);
    expect("key 9 without the override", store_with_key, &o, 0x04, PAGE1 | TEID_STORE | TEID_KEY);
    sske(PAGE1, 0);
}

static void fetch_protection_override(void)
{
    struct op o = { 0x7f8, 0, 2 };
    u8 k0 = iske(0);

    sske(0, 0x38);
    cr_set_bits(0, CR0_FETCH_OVERRIDE);
    expect("fetch-protection override: 0-2047", fetch_with_key, &o, 0, 0);
    o.addr = 0x800;
    expect("fetch-protection override: not at 2048", fetch_with_key, &o, 0x04, TEID_FETCH | TEID_KEY);
    cr_clear_bits(0, CR0_FETCH_OVERRIDE);
    o.addr = 0x7f8;
    expect("fetch protection at 0 without the override", fetch_with_key, &o, 0x04, TEID_FETCH | TEID_KEY);
    sske(0, k0);
}

static void test_protection(void)
{
    int a, b, c, d;

    sske(PAGE1, 0x30);
    a = tprot(PAGE1, 3);
    b = tprot(PAGE1, 2);
    sske(PAGE1, 0x38);
    c = tprot(PAGE1, 2);
    d = tprot(PAGE1, 0);
    sske(PAGE1, 0);
    CHECK("TPROT: matching key", a == 0, "cc=%d", a);
    CHECK("TPROT: other key, not fetch-protected", b == 1, "cc=%d", b);
    CHECK("TPROT: other key, fetch-protected", c == 2, "cc=%d", c);
    CHECK("TPROT: key 0", d == 0, "cc=%d", d);
}

static void move_with_key(void)
{
    u64 ipm;

    /* MVCK: the source is fetched with the key in R3 */
    sske(PAGE1, 0x38);
    *(u64 *)PAGE1 = 0x4444;
    *(u64 *)PAGE2 = 0;
    asm volatile("mvck 0(%1,%2),0(%3),%4\n\tipm %0" : "=d"(ipm) : "d"(8UL), "a"(PAGE2), "a"(PAGE1), "d"(0x30UL) : "cc", "memory");
    CHECK("MVCK with the source key", get_cc(ipm) == 0 && *(u64 *)PAGE2 == 0x4444, "cc=%d got=%lx", get_cc(ipm), *(u64 *)PAGE2);

    /* MVCDK: the destination is stored with the key in GR1 */
    {
        register u64 r0 asm("0") = 7;
        register u64 r1 asm("1") = 0x30;

        *(u64 *)PAGE2 = 0x5555;
        asm volatile(".insn sse,0xe50f00000000,0(%2),0(%3)" : : "d"(r0), "d"(r1), "a"(PAGE1), "a"(PAGE2) : "memory");
        CHECK("MVCDK with the destination key", *(u64 *)PAGE1 == 0x5555, "got=%lx", *(u64 *)PAGE1);
    }
    sske(PAGE1, 0);
}

static void spka_problem(void *arg)
{
    rt_enter_psw(PSW_MASK_KERNEL | PSW_MASK_PSTATE);
    spka(5);
}

static void sske_problem(void *arg)
{
    rt_enter_psw(PSW_MASK_KERNEL | PSW_MASK_PSTATE);
    sske(PAGE0, 0x30);
}

static void privileged(void)
{
    struct pgm_info info;
    u16 code;
    code = catch_pgm(spka_problem, NULL, &info);
    CHECK("SPKA in the problem state without PKM authority", code == 0x02, "code=0x%04x", code);
    code = catch_pgm(sske_problem, NULL, &info);
    CHECK("SSKE in the problem state", code == 0x02 && SK_ACC(iske(PAGE0)) == 0, "code=0x%04x key=%02x", code, iske(PAGE0));
    {
        register u64 r2 asm("2") = 0;

        asm volatile("spka 0x70\n\tipk\n\tspka 0" : "+d"(r2));
        CHECK("IPK", (r2 & 0xf0) == 0x70, "r2=%lx", r2 & 0xff);
    }
}

static void insert_virtual_key(void)
{
    u64 *st = standard_space();
    u64 r1 = 0;

    map_page(st, 0x10000000UL, PAGE1, 0);
    set_cr(1, seg_asce(st));
    sske(PAGE1, 0x5e);
    dat_on();
    asm volatile("ivsk %0,%1" : "+d"(r1) : "a"(0x10000000UL));
    dat_off();
    sske(PAGE1, 0);
    CHECK("IVSK: ACC and F of the translated frame", (r1 & 0xff) == 0x58, "r1=%lx", r1 & 0xff);
}

int main(void)
{
    set_and_insert();
    reset_reference();
    conditional_sske();
    multiple_block();
    pfmf();
    key_protection();
    fetch_protection_override();
    test_protection();
    move_with_key();
    privileged();
    insert_virtual_key();

    printf("skey: %d failures\n", mmu_failures);
    return mmu_failures != 0;
}
