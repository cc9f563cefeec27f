/*
 * datx: the DAT checks QEMU 7.2 does not follow the PoO on (so no QEMU
 * golden: every line must say PASS): EDAT-1 and EDAT-2 large frames (absolute,
 * no prefixing; the FC bit ignored without EDAT), region-table protection
 * with EDAT-1, LRA with DAT off (every condition code), CSP/CSPG condition
 * codes, IAC, the access-register mode (ALET 0, 1 and an access-list entry),
 * LPTEA, CRDTE, SAC's space-switch event.
 */
#include "mmu.h"

u8 mmu_pool[MMU_POOL_SIZE] ALIGNED(4096);
unsigned long mmu_pool_used;
int mmu_failures;

static u8 frame_a[PAGE_SIZE] ALIGNED(4096);
static u8 frame_b[PAGE_SIZE] ALIGNED(4096);
static u8 lowcore_copy[2 * PAGE_SIZE] ALIGNED(8192);

#define VA      0x10000000UL
static u64 *primary;

u64 fault_insn ALIGNED(8);

static u16 run(void (*fn)(void *), void *arg)
{
    struct pgm_info info;

    return catch_pgm(fn, arg, &info);
}

static int has_facility(int bit)
{
    static u64 list[4] ALIGNED(8);
    register u64 r0 asm("0") = 3;

    asm volatile("stfle %0" : "=Q"(list), "+d"(r0) : : "cc");
    return (list[bit >> 6] >> (63 - (bit & 63))) & 1;
}

static void edat1(void)
{
    struct access a;
    u16 code;

    if (!has_facility(8)) {
        printf("EDAT-1: not installed\n");
        return;
    }
    /* the segment of VA + 16M becomes a 1M frame at absolute 0 */
    u64 *ste = ste_of(primary, VA + 16 * SEGMENT_SIZE);
    *ste = STE_FC;

    /* without EDAT the FC bit is ignored: the entry designates a page table at 0 */
    cr_clear_bits(0, CR0_EDAT);
    ptlb();
    a = (struct access){ VA + 16 * SEGMENT_SIZE + 0x23000, 0 };
    code = run(load_dat, &a);
    CHECK("FC ignored without EDAT-1", code == 0x11 || code == 0 || code == 0x12, "code=0x%04x", code);

    cr_set_bits(0, CR0_EDAT);
    ptlb();
    *(u64 *)(frame_a) = 0x1111;
    a = (struct access){ VA + 16 * SEGMENT_SIZE + (u64)(uintptr_t)frame_a, 0 };
    code = run(load_dat, &a);
    CHECK("EDAT-1: 1M frame", code == 0 && a.value == 0x1111, "code=0x%04x value=%lx", code, a.value);

    /* large frames are absolute: move the prefix and compare real and absolute 0 */
    memcpy(lowcore_copy, (const void *)&lowcore, 2 * PAGE_SIZE);
    lowcore_copy[0x300] = 0x77;      /* real 0x300 after SPX */
    asm volatile("mvi 0x300,0x66" : : : "memory");  /* absolute 0x300 (prefix still 0) */
    set_prefix((u32)(uintptr_t)lowcore_copy);
    a = (struct access){ VA + 16 * SEGMENT_SIZE + 0x300, 0 };
    code = run(load_dat, &a);
    u64 real0 = 0;
    asm volatile("lg %0,0(%1)" : "=d"(real0) : "a"(0x300UL));
    set_prefix(0);
    CHECK("EDAT-1: large frames are not prefixed", code == 0 && (a.value >> 56) == 0x66 && (real0 >> 56) == 0x77,
          "code=0x%04x virtual=%lx real=%lx", code, a.value >> 56, real0 >> 56);

    /* region protection needs EDAT-1 */
    /* RTX 1 (2G-4G) aliases the segment table through a protected region-third entry */
    u64 *r3 = new_region_table(1);
    r3[0] = (u64)(uintptr_t)primary | (1 << 2) | 3;
    r3[1] = (u64)(uintptr_t)primary | RTE_PROTECT | (1 << 2) | 3;
    set_cr(1, (u64)(uintptr_t)r3 | ASCE_DT_REGION3 | ASCE_TL);
    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    a = (struct access){ REGION3_SIZE + VA, 5 };
    code = run(store_dat, &a);
    CHECK("EDAT-1: region-third protection", code == 0x04 && lowcore.trans_exc_code == ((REGION3_SIZE + VA) | TEID_STORE | TEID_DAT),
          "code=0x%04x teid=%lx", code, lowcore.trans_exc_code);
    cr_clear_bits(0, CR0_EDAT);
    ptlb();
    code = run(store_dat, &a);
    CHECK("region protection ignored without EDAT-1", code == 0, "code=0x%04x", code);
    set_cr(1, seg_asce(primary));
    *ste = STE_INVALID;
}

static void edat2(void)
{
    struct access a;
    u16 code;

    if (!has_facility(78)) {
        printf("EDAT-2: not installed\n");
        return;
    }
    /* RTX 1 (2G-4G) is a 2G frame at absolute 0 */
    u64 *r3 = new_region_table(1);
    r3[0] = (u64)(uintptr_t)primary | (1 << 2) | 3;
    r3[1] = RTE_FC | (1 << 2);
    set_cr(1, (u64)(uintptr_t)r3 | ASCE_DT_REGION3 | ASCE_TL);
    cr_set_bits(0, CR0_EDAT);
    *(u64 *)frame_b = 0x2222;
    a = (struct access){ REGION3_SIZE + (u64)(uintptr_t)frame_b, 0 };
    code = run(load_dat, &a);
    CHECK("EDAT-2: 2G frame", code == 0 && a.value == 0x2222, "code=0x%04x value=%lx", code, a.value);
    cr_clear_bits(0, CR0_EDAT);
    set_cr(1, seg_asce(primary));
}

static void load_real_address(void)
{
    int cc;
    u64 r, *pte;

    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    pte = pte_of(primary, VA + PAGE_SIZE);
    *pte = PTE_INVALID;
    r = lrag(VA + 0x10, &cc);
    CHECK("LRA with DAT off: cc 0", cc == 0 && r == (u64)(uintptr_t)frame_a + 0x10, "cc=%d r=%lx", cc, r);
    r = lrag(VA + PAGE_SIZE, &cc);
    CHECK("LRA: cc 2 and the PTE address", cc == 2 && r == (u64)(uintptr_t)pte, "cc=%d r=%lx", cc, r);
    r = lrag(VA + SEGMENT_SIZE, &cc);
    CHECK("LRA: cc 1 and the STE address", cc == 1 && r == (u64)(uintptr_t)ste_of(primary, VA + SEGMENT_SIZE), "cc=%d r=%lx", cc, r);
    r = lrag(0x80000000UL, &cc);
    CHECK("LRA: cc 3 with the code", cc == 3 && r == 0x80000038UL, "cc=%d r=%lx", cc, r);
}

static void compare_swap_purge(void)
{
    u64 *pte = pte_of(primary, VA);
    register u64 r2 asm("2");
    register u64 r3 asm("3");
    u64 ipm;

    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    r2 = *pte; r3 = (u64)(uintptr_t)frame_b;
    asm volatile("cspg %0,%2\n\tipm %1" : "+d"(r2), "=d"(ipm) : "a"((u64)(uintptr_t)pte | 1), "d"(r3) : "cc", "memory");
    CHECK("CSPG: cc 0 when equal", get_cc(ipm) == 0 && *pte == (u64)(uintptr_t)frame_b, "cc=%d pte=%lx", get_cc(ipm), *pte);
    r2 = 0; r3 = 0;
    asm volatile("cspg %0,%2\n\tipm %1" : "+d"(r2), "=d"(ipm) : "a"((u64)(uintptr_t)pte), "d"(r3) : "cc", "memory");
    CHECK("CSPG: cc 1 loads the operand", get_cc(ipm) == 1 && r2 == (u64)(uintptr_t)frame_b, "cc=%d r2=%lx", get_cc(ipm), r2);
    {
        static u32 word ALIGNED(4) = 7;
        register u64 e asm("4") = 7;
        register u64 o asm("5") = 9;

        asm volatile("csp %0,%2\n\tipm %1" : "+d"(e), "=d"(ipm) : "a"((u64)(uintptr_t)&word), "d"(o) : "cc", "memory");
        CHECK("CSP", get_cc(ipm) == 0 && word == 9, "cc=%d word=%u", get_cc(ipm), word);
    }
    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    ptlb();
}

static void insert_address_space_control(void)
{
    u64 r = 0, ipm;

    cr_set_bits(0, CR0_SECONDARY);
    set_cr(7, seg_asce(primary));
    set_cr(13, seg_asce(primary));
    dat_on();
    sacf(SACF_HOME);
    asm volatile("iac %0\n\tipm %1" : "+d"(r), "=d"(ipm) : : "cc");
    sacf(SACF_PRIMARY);
    dat_off();
    CHECK("IAC in the home space", (r & 0xffff) == 0x300 && get_cc(ipm) == 3, "r=%lx cc=%d", r & 0xffff, get_cc(ipm));
}

static void access_register_mode(void)
{
    u64 *secondary = standard_space(), *other = standard_space();
    static u8 frame_c[PAGE_SIZE] ALIGNED(4096);
    static u32 duct[16] ALIGNED(64);
    static u32 access_list[32] ALIGNED(128);
    static u32 aste[16] ALIGNED(64);
    u64 p = 0, s = 0, x = 0;

    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
    map_page(secondary, VA, (u64)(uintptr_t)frame_b, 0);
    map_page(other, VA, (u64)(uintptr_t)frame_c, 0);
    *(u64 *)frame_a = 0xa0; *(u64 *)frame_b = 0xb0; *(u64 *)frame_c = 0xc0;
    set_cr(7, seg_asce(secondary));
    /* ALET 2: the DUCT's access list, entry 2 -> an ASTE whose ASCE is 'other' */
    duct[4] = (u32)(uintptr_t)access_list;              /* ALD: origin, length 0 (8 entries) */
    access_list[8] = 0;                                 /* ALE 2: valid, ALESN 0, public */
    access_list[10] = (u32)(uintptr_t)aste;
    access_list[11] = 0;
    aste[0] = 0;
    aste[2] = (u32)(seg_asce(other) >> 32);
    aste[3] = (u32)seg_asce(other);
    aste[5] = 0;
    {
        u64 cr2 = (u64)(uintptr_t)duct;

        asm volatile("lctlg %%c2,%%c2,%0" : : "Q"(cr2));
    }
    cr_set_bits(0, CR0_SECONDARY);
    {
        u32 alets[3] = { 0, 1, 2 };

        asm volatile("lam %%a5,%%a7,%0" : : "Q"(alets));
    }
    dat_on();
    sacf(SACF_AR);
    register u64 r5 asm("5") = VA;
    register u64 r6 asm("6") = VA;
    register u64 r7 asm("7") = VA;
    asm volatile("lg %0,0(%3)\n\tlg %1,0(%4)\n\tlg %2,0(%5)"
                 : "=&d"(p), "=&d"(s), "=&d"(x) : "a"(r5), "a"(r6), "a"(r7) : "memory");
    sacf(SACF_PRIMARY);
    dat_off();
    CHECK("AR mode: ALET 0, 1 and an access-list entry", p == 0xa0 && s == 0xb0 && x == 0xc0, "p=%lx s=%lx x=%lx", p, s, x);
}

static void load_pte_address(void)
{
    u64 r = 0, ipm;
    u64 *pte = pte_of(primary, VA);

    asm volatile(".insn rrf,0xb9aa0000,%0,%2,0,0\n\tipm %1" : "+d"(r), "=d"(ipm) : "a"(VA) : "cc");
    CHECK("LPTEA: the PTE address", get_cc(ipm) == 0 && r == (u64)(uintptr_t)pte, "cc=%d r=%lx", get_cc(ipm), r);
}

static void compare_replace_dat_table_entry(void)
{
    struct access a = { VA, 0 };
    u64 *pte = pte_of(primary, VA);
    u64 ipm;

    if (!has_facility(78)) {
        printf("CRDTE: not installed\n");
        return;
    }
    run(load_dat, &a);
    /* the register pairs are set after the call (which may clobber them) */
    register u64 old asm("2") = *pte;
    register u64 new asm("3") = PTE_INVALID;
    register u64 table asm("4") = ((u64)(uintptr_t)pte & ~0x7ffUL) | 0x00; /* DTT page */
    register u64 addr asm("5") = VA;
    asm volatile(".insn rrf,0xb98f0000,%0,%2,%5,0\n\tipm %1" : "+d"(old), "=d"(ipm) : "d"(table), "d"(new), "d"(addr), "a"(seg_asce(primary)) : "cc", "memory");
    CHECK("CRDTE replaces the entry", get_cc(ipm) == 0 && *pte == PTE_INVALID, "cc=%d pte=%lx", get_cc(ipm), *pte);
    CHECK("CRDTE clears the TLB", run(load_dat, &a) == 0x11, "");
    map_page(primary, VA, (u64)(uintptr_t)frame_a, 0);
}

static void space_switch(void *arg)
{
    dat_on();
    asm volatile(MARK "sacf 768" : : : "r0", "memory");
    sacf(SACF_PRIMARY);
    dat_off();
}

static void space_switch_event(void)
{
    struct pgm_info info;
    u16 code;

    cr_set_bits(0, CR0_SECONDARY);
    set_cr(13, seg_asce(primary) | ASCE_SSEVENT);
    code = catch_pgm(space_switch, NULL, &info);
    CHECK("SACF into home with the event bit: space-switch event", code == 0x1c && info.old_psw.addr == fault_insn + 4,
          "code=0x%04x psw=%+ld", code, (long)(info.old_psw.addr - fault_insn));
    set_cr(13, seg_asce(primary));
}

int main(void)
{
    primary = standard_space();
    set_cr(1, seg_asce(primary));

    edat1();
    edat2();
    load_real_address();
    compare_swap_purge();
    insert_address_space_control();
    access_register_mode();
    load_pte_address();
    compare_replace_dat_table_entry();
    space_switch_event();

    printf("datx: %d failures\n", mmu_failures);
    return mmu_failures != 0;
}
