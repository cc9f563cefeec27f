/*
 * dat: dynamic address translation against the PoO (chapter 3).  Builds
 * region, segment and page tables, turns DAT on and checks translation,
 * the translation exceptions with their old PSW, ILC and TEID, DAT and
 * instruction-execution protection, low-address protection under DAT, the
 * address spaces (primary, secondary, home, real), LRA, TPROT, the TLB
 * invalidations (IPTE, IDTE, CSPG) and the moves between spaces (MVCOS,
 * MVCP, MVCS).  Every check prints PASS or FAIL with what it saw.
 *
 * Only what QEMU 7.2 implements as the PoO says is here (its golden output
 * is all PASS); datx has the rest.
 */
#include "mmu.h"

u8 mmu_pool[MMU_POOL_SIZE] ALIGNED(4096);
unsigned long mmu_pool_used;
int mmu_failures;

static u8 frame_a[PAGE_SIZE] ALIGNED(4096);
static u8 frame_b[PAGE_SIZE] ALIGNED(4096);
static u8 frame_c[PAGE_SIZE] ALIGNED(4096);
static u8 exec_page[PAGE_SIZE] ALIGNED(4096);

/* Virtual addresses used by the tests: outside the identity-mapped 2 MiB. */
#define VA      0x10000000UL            /* segment 256 */
#define VA2     (VA + SEGMENT_SIZE)     /* the next segment: no page table */

static u64 *primary;

u64 fault_insn ALIGNED(8);

/* An expected program interruption: code, ILC, where the old PSW points relative to the faulting instruction, TEID. */
static void expect(const char *name, void (*fn)(void *), void *arg, u16 code, u16 ilc, int psw_delta, u64 teid)
{
    struct pgm_info info;
    u16 got = catch_pgm(fn, arg, &info);
    u64 got_teid = lowcore.trans_exc_code;
    long delta = (long)(info.old_psw.addr - fault_insn);

    if (teid == ~0UL)
        got_teid = teid;
    CHECK(name, got == code && info.ilc == ilc && delta == psw_delta && got_teid == teid,
          "code=0x%04x ilc=%u psw=%+ld teid=%016lx", got, info.ilc, delta, got_teid);
}

static void expect_none(const char *name, void (*fn)(void *), void *arg)
{
    struct pgm_info info;
    u16 got = catch_pgm(fn, arg, &info);

    CHECK(name, got == 0, "code=0x%04x", got);
}

static void translation(void)
{
    struct access a = { VA + 8, 0 };

    memset(frame_a, 0, sizeof(frame_a));
    *(u64 *)(frame_a + 8) = 0x1122334455667788UL;
    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    expect_none("translate: no exception", load_dat, &a);
    CHECK("translate: page frame", a.value == 0x1122334455667788UL, "value=%016lx", a.value);

    a.value = 0xabcdef;
    a.addr = VA + 16;
    catch_pgm(store_dat, &a, &(struct pgm_info){ 0 });
    CHECK("translate: store reaches the frame", *(u64 *)(frame_a + 16) == 0xabcdef, "frame=%lx", *(u64 *)(frame_a + 16));
}

static void translation_exceptions(void)
{
    struct access a = { VA + PAGE_SIZE + 0x123, 0 };

    expect("page translation (fetch)", load_dat, &a, 0x11, 6, 0, (VA + PAGE_SIZE) | TEID_FETCH);
    expect("page translation (store)", store_dat, &a, 0x11, 6, 0, (VA + PAGE_SIZE) | TEID_STORE);
    a.addr = VA2 + 0x10;
    expect("segment translation", load_dat, &a, 0x10, 6, 0, VA2 | TEID_FETCH);
    a.addr = 0x80000000UL;
    expect("ASCE type (beyond 2G)", load_dat, &a, 0x38, 6, 0, 0x80000000UL | TEID_FETCH);

    /* a PTE with bit 52 set is a translation-specification exception: suppressing */
    map_page(primary, VA + 2 * PAGE_SIZE, (u64)(uintptr_t)frame_b, PTE_BIT52);
    a.addr = VA + 2 * PAGE_SIZE;
    expect("translation specification (PTE bit 52)", load_dat, &a, 0x12, 6, 6, ~0UL);
    map_page(primary, VA + 2 * PAGE_SIZE, 0, PTE_INVALID);

    /* a segment-table entry with a region table type */
    u64 keep = *ste_of(primary, VA2);
    *ste_of(primary, VA2) = (u64)(uintptr_t)new_page_table() | (1 << 2);
    a.addr = VA2;
    expect("translation specification (STE type)", load_dat, &a, 0x12, 6, 6, ~0UL);
    *ste_of(primary, VA2) = keep;
}

/* Region tables: a region-first ASCE over a region-second, region-third and the segment table. */
static void region_tables(void)
{
    u64 *r1 = new_region_table(3), *r2 = new_region_table(2), *r3 = new_region_table(1);
    struct access a;

    r1[0] = (u64)(uintptr_t)r2 | (3 << 2) | 3;
    r2[0] = (u64)(uintptr_t)r3 | (2 << 2) | 3;
    r3[0] = (u64)(uintptr_t)primary | (1 << 2) | 3;
    r3[5] = (u64)(uintptr_t)primary | (1 << 2) | 3;     /* RTX 5: 10 GiB .. 12 GiB, the same segments */
    set_cr(1, (u64)(uintptr_t)r1 | ASCE_DT_REGION1 | ASCE_TL);

    a = (struct access){ VA + 8, 0 };
    expect_none("region-first space: translate", load_dat, &a);
    CHECK("region-first space: value", a.value == 0x1122334455667788UL, "value=%016lx", a.value);
    a = (struct access){ (5UL << 31) + VA + 8, 0 };
    expect_none("region-third entry 5 aliases the segment table", load_dat, &a);
    CHECK("region alias: value", a.value == 0x1122334455667788UL, "value=%016lx", a.value);

    a.addr = 6UL << 31;
    expect("region-third translation", load_dat, &a, 0x3b, 6, 0, (6UL << 31) | TEID_FETCH);
    a.addr = 1UL << 42;
    expect("region-second translation", load_dat, &a, 0x3a, 6, 0, (1UL << 42) | TEID_FETCH);
    a.addr = 1UL << 53;
    expect("region-first translation", load_dat, &a, 0x39, 6, 0, (1UL << 53) | TEID_FETCH);

    /* region-first table length 0: RFX 512 and up are beyond it */
    set_cr(1, (u64)(uintptr_t)r1 | ASCE_DT_REGION1 | 0);
    a.addr = 512UL << 53;
    expect("region-first table length", load_dat, &a, 0x39, 6, 0, (512UL << 53) | TEID_FETCH);

    /* a region-third ASCE cannot translate region-second indexes */
    set_cr(1, (u64)(uintptr_t)r3 | ASCE_DT_REGION3 | ASCE_TL);
    a.addr = 1UL << 42;
    expect("ASCE type (region-third ASCE)", load_dat, &a, 0x38, 6, 0, (1UL << 42) | TEID_FETCH);

    /* region-second entry 1 designates the region-third table with offset 1: indexes below 512 are outside */
    r2[1] = (u64)(uintptr_t)r3 | (1 << 6) | (2 << 2) | 3;
    set_cr(1, (u64)(uintptr_t)r1 | ASCE_DT_REGION1 | ASCE_TL);
    a.addr = (1UL << 42) + (5UL << 31) + VA;
    expect("region-third table offset", load_dat, &a, 0x3b, 6, 0, ((1UL << 42) + (5UL << 31) + VA) | TEID_FETCH);
    set_cr(1, seg_asce(primary));
}

static void protection(void)
{
    struct access a = { VA + 0x20, 0x77 };

    map_page(primary, VA, (u64)(uintptr_t)frame_a, PTE_PROTECT);
    ptlb();
    expect_none("DAT protection: fetch allowed", load_dat, &a);
    expect("DAT protection: page", store_dat, &a, 0x04, 6, 6, VA | TEID_STORE | TEID_DAT);
    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    *ste_of(primary, VA) |= STE_PROTECT;
    ptlb();
    expect("DAT protection: segment", store_dat, &a, 0x04, 6, 6, VA | TEID_STORE | TEID_DAT);
    *ste_of(primary, VA) &= ~STE_PROTECT;
    ptlb();
    expect_none("DAT protection: lifted after PTLB", store_dat, &a);
}

static void lap_store(void *arg)
{
    dat_on();
    asm volatile(MARK "mvi 0x100(%0),0" : : "a"(0x1000UL) : "r0", "memory");
    dat_off();
}

static void low_address_protection(void)
{
    /* real 0x1100 (the second page of the prefix area, unused) is protected, like 0-511 */
    cr_set_bits(0, CR0_LAP);
    expect("low-address protection under DAT", lap_store, NULL, 0x04, 4, 4, 0x1000 | TEID_STORE | TEID_LAP);
    set_cr(1, seg_asce(primary) | ASCE_PRIVATE);
    expect_none("low-address protection: not in a private space", lap_store, NULL);
    set_cr(1, seg_asce(primary));
    cr_clear_bits(0, CR0_LAP);
}

static void call_exec_page(void *arg)
{
    dat_on();
    asm volatile("larl %%r1,0f\n\t"
                 "stgrl %%r1,fault_insn\n\t"
                 "lgr %%r14,%%r1\n\t"
                 "br %0\n"
                 "0:" : : "a"(VA + 3 * PAGE_SIZE) : "r1", "r14", "memory");
    dat_off();
}

static void instruction_execution_protection(void)
{
    struct pgm_info info;
    u16 code;
    u64 teid;

    /* the page holds BR 14: it returns right away when it may execute */
    memset(exec_page, 0, sizeof(exec_page));
    exec_page[0] = 0x07;
    exec_page[1] = 0xfe;
    map_page(primary, VA + 3 * PAGE_SIZE, (u64)(uintptr_t)exec_page, PTE_NOEXEC);
    ptlb();
    code = catch_pgm(call_exec_page, NULL, &info);
    CHECK("IEP off: the page executes", code == 0, "code=0x%04x", code);

    cr_set_bits(0, CR0_IEP);
    code = catch_pgm(call_exec_page, NULL, &info);
    teid = lowcore.trans_exc_code;
    CHECK("IEP: protection on instruction fetch", code == 0x04 && info.ilc == 2 &&
          info.old_psw.addr == VA + 3 * PAGE_SIZE + 2 && teid == ((VA + 3 * PAGE_SIZE) | TEID_FETCH | TEID_IEP),
          "code=0x%04x ilc=%u psw=%lx teid=%016lx", code, info.ilc, info.old_psw.addr, teid);
    cr_clear_bits(0, CR0_IEP);
}

static void load_real_address(void)
{
    int cc;
    u64 r;

    dat_on();
    r = lrag(VA + 0x345, &cc);
    dat_off();
    CHECK("LRAG: real address", cc == 0 && r == (u64)(uintptr_t)frame_a + 0x345, "cc=%d r=%lx", cc, r);
    dat_on();
    r = lrag(0x80000000UL, &cc);
    dat_off();
    CHECK("LRAG: ASCE type is cc 3 with the code", cc == 3 && r == 0x80000038UL, "cc=%d r=%lx", cc, r);
}

static void test_protection(void)
{
    int rw, ro, inv, low;

    map_page(primary, VA + 4 * PAGE_SIZE, (u64)(uintptr_t)frame_b, PTE_PROTECT);
    ptlb();
    dat_on();
    rw = tprot(VA, 0);
    ro = tprot(VA + 4 * PAGE_SIZE, 0);
    inv = tprot(VA + 5 * PAGE_SIZE, 0);
    dat_off();
    cr_set_bits(0, CR0_LAP);
    low = tprot(0x100, 0);
    cr_clear_bits(0, CR0_LAP);
    CHECK("TPROT: fetch and store", rw == 0, "cc=%d", rw);
    CHECK("TPROT: DAT-protected page is fetch only", ro == 1, "cc=%d", ro);
    CHECK("TPROT: translation not available", inv == 3, "cc=%d", inv);
    CHECK("TPROT: low-address protection", low == 1, "cc=%d", low);
}

static void tlb_invalidation(void)
{
    struct access a = { VA + 8, 0 };
    u64 *pte = pte_of(primary, VA);
    u64 pto = (u64)(uintptr_t)pte & ~0x7ffUL;

    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    catch_pgm(load_dat, &a, &(struct pgm_info){ 0 });
    ipte(pto, VA);
    CHECK("IPTE sets the invalid bit", (*pte & PTE_INVALID) != 0, "pte=%016lx", *pte);
    expect("IPTE: the translation is gone", load_dat, &a, 0x11, 6, 0, VA | TEID_FETCH);

    /* IDTE invalidates the segment entry of VA (segment table, DT 00) */
    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    catch_pgm(load_dat, &a, &(struct pgm_info){ 0 });
    asm volatile("idte %0,0,%1" : : "a"((u64)(uintptr_t)primary), "a"(VA & ~(SEGMENT_SIZE - 1)) : "memory");
    CHECK("IDTE sets the segment invalid bit", (*ste_of(primary, VA) & STE_INVALID) != 0, "ste=%016lx", *ste_of(primary, VA));
    expect("IDTE: the segment is gone", load_dat, &a, 0x10, 6, 0, VA | TEID_FETCH);
    *ste_of(primary, VA) &= ~STE_INVALID;

    /* CSPG replaces the PTE and purges */
    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    catch_pgm(load_dat, &a, &(struct pgm_info){ 0 });
    {
        register u64 r2 asm("2") = *pte;
        register u64 r3 asm("3") = PTE_INVALID;
        asm volatile(".insn rre,0xb98a0000,%0,%1" : "+d"(r2) : "d"((u64)(uintptr_t)pte | 1), "d"(r3) : "cc", "memory");
        CHECK("CSPG: swapped", *pte == PTE_INVALID, "pte=%lx", *pte);
    }
    expect("CSPG: purged", load_dat, &a, 0x11, 6, 0, VA | TEID_FETCH);
    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
}

static void address_spaces(void)
{
    u64 *secondary = standard_space(), *home = standard_space();
    u64 p, s, h;

    map_page(secondary, VA, (u64)(uintptr_t)frame_b, 0);
    map_page(home, VA, (u64)(uintptr_t)frame_c, 0);
    *(u64 *)frame_a = 0xaaaa;
    *(u64 *)frame_b = 0xbbbb;
    *(u64 *)frame_c = 0xcccc;
    set_cr(7, seg_asce(secondary));
    set_cr(13, seg_asce(home));
    cr_set_bits(0, CR0_SECONDARY);

    dat_on();
    asm volatile("lg %0,0(%1)" : "=d"(p) : "a"(VA));
    sacf(SACF_SECONDARY);
    asm volatile("lg %0,0(%1)" : "=d"(s) : "a"(VA));
    sacf(SACF_HOME);
    asm volatile("lg %0,0(%1)" : "=d"(h) : "a"(VA));
    sacf(SACF_PRIMARY);
    dat_off();
    CHECK("primary, secondary and home spaces", p == 0xaaaa && s == 0xbbbb && h == 0xcccc, "p=%lx s=%lx h=%lx", p, s, h);

    /* MVCOS: second operand from the secondary space, first to the primary space */
    {
        register u64 r0 asm("0") = 0x81;          /* OAC2: AS 10 (secondary), A */
        u64 ipm;

        *(u64 *)(frame_a + 0x100) = 0;
        *(u64 *)(frame_b + 0x100) = 0x5151515151515151UL;
        dat_on();
        asm volatile("mvcos 0(%1),0(%2),%3\n\tipm %0" : "=d"(ipm) : "a"(VA + 0x100), "a"(VA + 0x100), "d"(8UL), "d"(r0) : "cc", "memory");
        dat_off();
        CHECK("MVCOS from the secondary space", get_cc(ipm) == 0 && *(u64 *)(frame_a + 0x100) == 0x5151515151515151UL,
              "cc=%d got=%lx", get_cc(ipm), *(u64 *)(frame_a + 0x100));
    }

    /* MVCP (secondary to primary) and MVCS (primary to secondary), key 0 */
    {
        u64 ipm;

        *(u64 *)(frame_b + 0x200) = 0x2222;
        dat_on();
        asm volatile("mvcp 0(%1,%2),0(%3),%4\n\tipm %0" : "=d"(ipm) : "d"(8UL), "a"(VA + 0x200), "a"(VA + 0x200), "d"(0UL) : "cc", "memory");
        dat_off();
        CHECK("MVCP", get_cc(ipm) == 0 && *(u64 *)(frame_a + 0x200) == 0x2222, "cc=%d got=%lx", get_cc(ipm), *(u64 *)(frame_a + 0x200));
        *(u64 *)(frame_a + 0x300) = 0x3333;
        dat_on();
        asm volatile("mvcs 0(%1,%2),0(%3),%4\n\tipm %0" : "=d"(ipm) : "d"(300UL), "a"(VA + 0x300), "a"(VA + 0x300), "d"(0UL) : "cc", "memory");
        dat_off();
        CHECK("MVCS (length above 256: cc 3)", get_cc(ipm) == 3 && *(u64 *)(frame_b + 0x300) == 0x3333, "cc=%d got=%lx", get_cc(ipm), *(u64 *)(frame_b + 0x300));
    }
    cr_clear_bits(0, CR0_SECONDARY);
}

static void real_space_and_real_addresses(void)
{
    u64 v, w;

    /* a real-space ASCE: virtual = real */
    *(u64 *)(frame_c + 8) = 0x7e7e;
    set_cr(1, ASCE_REAL);
    dat_on();
    asm volatile("lg %0,0(%1)" : "=d"(v) : "a"((u64)(uintptr_t)frame_c + 8));
    dat_off();
    set_cr(1, seg_asce(primary));
    CHECK("real-space ASCE", v == 0x7e7e, "value=%lx", v);

    /* LURAG and STURG bypass DAT */
    dat_on();
    asm volatile("sturg %1,%2\n\tlurag %0,%2" : "=&d"(w) : "d"(0x4242UL), "a"((u64)(uintptr_t)frame_c + 16) : "memory");
    dat_off();
    CHECK("STURG and LURAG", w == 0x4242 && *(u64 *)(frame_c + 16) == 0x4242, "value=%lx", w);
}

static void common_segment_in_private_space(void)
{
    struct access a = { VA, 0 };

    *ste_of(primary, VA) |= STE_COMMON;
    set_cr(1, seg_asce(primary) | ASCE_PRIVATE);
    expect("common segment in a private space", load_dat, &a, 0x12, 6, 6, ~0UL);
    *ste_of(primary, VA) &= ~STE_COMMON;
    set_cr(1, seg_asce(primary));
}

int main(void)
{
    primary = standard_space();
    set_cr(1, seg_asce(primary));

    translation();
    translation_exceptions();
    region_tables();
    protection();
    low_address_protection();
    instruction_execution_protection();
    load_real_address();
    test_protection();
    tlb_invalidation();
    address_spaces();
    real_space_and_real_addresses();
    common_segment_in_private_space();

    printf("dat: %d failures\n", mmu_failures);
    return mmu_failures != 0;
}
