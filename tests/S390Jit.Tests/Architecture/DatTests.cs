using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

/// <summary>Dynamic address translation against the PoO (chapter 3): tables, exceptions and their TEID, protection, large frames, address spaces.</summary>
public class DatTests
{
    private const ulong Data = 0x40000, Frame = 0x50000;

    [Test]
    public void Segment_table_space_translates_through_page_tables()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        d.Map(st, Data, Frame);
        d.H.Put64(Frame + 8, 0x1122334455667788);
        d.Cpu.G[5] = Data;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 8).Asm("LGHI", r1: 2, i2: 7).Asm("STG", r1: 2, b2: 5, d2: 16);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(d.Cpu.G[1], Is.EqualTo(0x1122334455667788UL));
        Assert.That(d.H.Get64(Frame + 16), Is.EqualTo(7UL), "the store went to the frame");
        Assert.That(d.H.Get64(Data + 16), Is.EqualTo(0UL), "not to the real page of the same number");
    }

    [Test]
    public void Page_translation_exception_is_nullifying_with_the_teid()
    {
        using var d = new DatHarness();
        d.StandardSpace();
        d.Cpu.G[5] = Data + 0x123;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(PgmCode.PageTranslation), "the page is not mapped");
        Assert.That(d.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress), "nullified: the old PSW designates the instruction");
        Assert.That(d.Ilc, Is.EqualTo(6));
        Assert.That(d.Teid, Is.EqualTo(Data | Teid.Fetch), "page address, fetch, primary space");

        using var p = new DatHarness();
        ulong st = p.StandardSpace();
        p.Map(st, Data + 0x1000, Frame);
        p.Cpu.G[5] = Data;
        p.H.Asm("STG", r1: 1, b2: 5, d2: 0);
        p.DatOn();
        Assert.That(p.Run(), Is.EqualTo(PgmCode.PageTranslation), "page table present, entry invalid");
        Assert.That(p.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress));
        Assert.That(p.Teid, Is.EqualTo(Data | Teid.Store));
    }

    [Test]
    public void Instruction_fetch_translation_exception_points_at_the_instruction()
    {
        using var d = new DatHarness();
        d.StandardSpace();
        d.H.Asm("BRASL", r1: 14, ri2: (long)(Data - CpuHarness.CodeAddress) / 2);
        d.DatOn();
        Assert.That(d.RunSteps(2), Is.EqualTo(PgmCode.PageTranslation));
        Assert.That(d.OldPswAddr, Is.EqualTo(Data));
        Assert.That(d.Teid, Is.EqualTo(Data | Teid.Fetch));
        Assert.That(d.Cpu.Bear, Is.EqualTo(CpuHarness.CodeAddress), "the branch is the breaking event");
        Assert.That(d.H.Get64(Lowcore.Bear), Is.EqualTo(CpuHarness.CodeAddress));
    }

    [Test]
    public void Asce_type_and_region_translation_exceptions()
    {
        // a segment-table ASCE covers 2 GiB only
        using var d = new DatHarness();
        d.StandardSpace();
        d.Cpu.G[5] = 0x8000_0000;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(PgmCode.AsceType));
        Assert.That(d.Teid, Is.EqualTo(0x8000_0000 | Teid.Fetch));

        // region-third table of length 0 (one 4K block = 512 entries): RTX 512 is beyond it
        using var r = new DatHarness();
        ulong st = r.StandardSpace();
        ulong rt = r.RegionTable(1);
        r.H.Put64(rt, st | (1 << 2) | 3);
        r.Cpu.Cr[1] = rt | (1 << 2) | 0;
        r.Cpu.G[5] = 512UL << 31;
        r.H.Asm("LG", r1: 1, b2: 5, d2: 0);
        r.DatOn();
        Assert.That(r.Run(), Is.EqualTo(PgmCode.RegionThird));

        // region-first table entry invalid
        using var f = new DatHarness();
        ulong st2 = f.StandardSpace();
        ulong r1t = f.RegionTable(3), r2t = f.RegionTable(2), r3t = f.RegionTable(1);
        f.H.Put64(r1t, r2t | (3 << 2) | 3);
        f.H.Put64(r2t, r3t | (2 << 2) | 3);
        f.H.Put64(r3t, st2 | (1 << 2) | 3);
        f.Cpu.Cr[1] = r1t | (3 << 2) | 3;
        f.Cpu.G[5] = 1UL << 53;
        f.H.Asm("LG", r1: 1, b2: 5, d2: 0).Asm("LG", r1: 2, b2: 6, d2: 0);
        f.Cpu.G[6] = Data;
        f.DatOn();
        Assert.That(f.Run(), Is.EqualTo(PgmCode.RegionFirst), "RFX 1 is invalid");
        Assert.That(f.Teid, Is.EqualTo((1UL << 53) | Teid.Fetch));
    }

    [Test]
    public void Region_table_offset_and_length_bound_the_next_index()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        ulong r3t = d.RegionTable(1);
        d.H.Put64(r3t, st | (1 << 2) | 3);
        // region-second entry for RSX 0 designates the region-third table with offset 1 (RTX 512..2047 valid)
        ulong r2t = d.RegionTable(2);
        d.H.Put64(r2t, r3t | (1 << 6) | (2 << 2) | 3);
        d.Cpu.Cr[1] = r2t | (2 << 2) | 3;
        d.Cpu.G[5] = Data;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0);
        d.DatOn();
        // the code itself is at RTX 0, below the offset: the first fetch fails
        Assert.That(d.Run(), Is.EqualTo(PgmCode.RegionThird));
        Assert.That(d.Teid, Is.EqualTo(CpuHarness.CodeAddress | Teid.Fetch));
    }

    [Test]
    public void Translation_specification_exceptions_are_suppressing_without_teid()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        d.Map(st, Data, Frame, 0x800); // PTE bit 52
        d.Cpu.G[5] = Data;
        d.H.Put64(Lowcore.TransExcId, 0xAAAA);
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(PgmCode.TranslationSpecification));
        Assert.That(d.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress + 6), "suppressed");
        Assert.That(d.Teid, Is.EqualTo(0xAAAAUL), "no TEID for translation specification");

        // a segment-table entry with a region table type
        using var t = new DatHarness();
        ulong st2 = t.StandardSpace();
        t.H.Put64(t.SegmentIndexEntry(st2, Data), t.PageTable() | (1 << 2));
        t.Cpu.G[5] = Data;
        t.H.Asm("LG", r1: 1, b2: 5, d2: 0);
        t.DatOn();
        Assert.That(t.Run(), Is.EqualTo(PgmCode.TranslationSpecification));
    }

    [Test]
    public void Dat_protection_in_page_and_segment_entries()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        d.Map(st, Data, Frame, TableEntry.Protect);
        d.Cpu.G[5] = Data;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0).Asm("STG", r1: 1, b2: 5, d2: 0);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Protection), "fetch is allowed, the store is not");
        Assert.That(d.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress + 12), "suppressed: past the STG");
        Assert.That(d.Teid, Is.EqualTo(Data | Teid.Store | Teid.Dat));

        using var s = new DatHarness();
        ulong st2 = s.StandardSpace();
        s.Map(st2, Data, Frame);
        s.H.Put64(s.SegmentIndexEntry(st2, Data), s.H.Get64(s.SegmentIndexEntry(st2, Data)) | TableEntry.Protect);
        s.Cpu.G[5] = Data;
        s.H.Asm("MVI", b1: 5, d1: 1, i2: 9);
        s.DatOn();
        Assert.That(s.Run(), Is.EqualTo(PgmCode.Protection), "segment protection works without EDAT");
    }

    [Test]
    public void Region_protection_needs_edat1()
    {
        foreach (bool edat in new[] { false, true })
        {
            using var d = new DatHarness();
            ulong st = d.StandardSpace();
            d.Map(st, Data, Frame);
            ulong r3t = d.RegionTable(1);
            d.H.Put64(r3t, st | TableEntry.Protect | (1 << 2) | 3);
            d.Cpu.Cr[1] = r3t | (1 << 2) | 3;
            if (edat) d.Cpu.Cr[0] |= Cpu.Cr0Edat;
            d.Cpu.G[5] = Data;
            d.H.Asm("MVI", b1: 5, d1: 1, i2: 9);
            d.DatOn();
            Assert.That(d.Run(), Is.EqualTo(edat ? PgmCode.Protection : (ushort)0), $"EDAT-1 {(edat ? "on" : "off")}");
        }
    }

    [Test]
    public void Edat1_large_segment_frames_are_absolute_and_ignored_without_edat()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        // virtual 1 MiB segment 0x100000 -> absolute frame 0 (large); prefix moved to 0x20000
        d.H.Put64(d.SegmentIndexEntry(st, 0x100000), TableEntry.FormatControl);
        d.H.Put64(0x0008, 0x5A5A);      // absolute 8 (real 0x20008 after SPX)
        d.Cpu.Prefix = 0x20000;
        d.H.Put64(0x20008, 0x7777);      // the new lowcore: real 8
        d.Cpu.PurgeTlb();
        d.Cpu.Cr[0] |= Cpu.Cr0Edat;
        d.Cpu.G[5] = 0x100000;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 8);
        d.DatOn();
        // the new prefix area must be mapped too: identity for 0-0x2000 is prefixed (real) -> 0x20000
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(d.Cpu.G[1], Is.EqualTo(0x5A5AUL), "large frames are not prefixed");

        using var n = new DatHarness();
        ulong st2 = n.StandardSpace();
        n.H.Put64(n.SegmentIndexEntry(st2, 0x100000), TableEntry.FormatControl);
        n.H.Put64(0x8, 0x7777);
        n.Cpu.G[5] = 0x100000;
        n.H.Asm("LG", r1: 1, b2: 5, d2: 8);
        n.DatOn();
        Assert.That(n.Run(), Is.EqualTo(0));
        Assert.That(n.Cpu.G[1], Is.EqualTo(0x7777UL), "without EDAT the entry designates a page table at 0 (its PTE 0 maps frame 0)");
    }

    [Test]
    public void Edat2_region_third_frames()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        ulong r3t = d.RegionTable(1);
        d.H.Put64(r3t, st | (1 << 2) | 3);
        // RTX 1: virtual 2 GiB .. 4 GiB -> absolute 0 .. 2 GiB
        d.H.Put64(r3t + 8, TableEntry.FormatControl | (1 << 2));
        d.Cpu.Cr[1] = r3t | (1 << 2) | 3;
        d.Cpu.Cr[0] |= Cpu.Cr0Edat;
        d.H.Put64(Frame, 0xABCD);
        d.Cpu.G[5] = 0x8000_0000 + Frame;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(d.Cpu.G[1], Is.EqualTo(0xABCDUL));
    }

    [Test]
    public void Instruction_execution_protection()
    {
        foreach (bool iep in new[] { false, true })
        {
            using var d = new DatHarness();
            ulong st = d.StandardSpace();
            d.Map(st, Data, Frame, TableEntry.NoExec);
            d.H.Put(Frame, 0x07, 0xFE); // BR 14
            if (iep) d.Cpu.Cr[0] |= Cpu.Cr0Iep;
            d.Cpu.G[15] = Data;
            d.H.Asm("BASR", r1: 14, r2: 15).Asm("LGHI", r1: 3, i2: 1);
            d.DatOn();
            ushort code = d.RunSteps(3);
            if (!iep) { Assert.That((code, d.Cpu.G[3]), Is.EqualTo(((ushort)0, 1UL)), "IEP off: the page executes"); continue; }
            Assert.That(code, Is.EqualTo(PgmCode.Protection));
            Assert.That(d.Teid, Is.EqualTo(Data | Teid.Fetch | Teid.Iep));
            Assert.That((d.OldPswAddr, d.Ilc), Is.EqualTo((Data + 2, 2)), "suppressed, ILC 2");
        }
    }

    [Test]
    public void Low_address_protection_under_dat_spares_private_spaces()
    {
        foreach (bool priv in new[] { false, true })
        {
            using var d = new DatHarness();
            d.StandardSpace();
            if (priv) d.Cpu.Cr[1] |= Asce.Private;
            d.Cpu.Cr[0] |= Cr0.LowAddressProtection;
            d.H.Asm("MVI", b1: 0, d1: 0x100, i2: 1);
            d.DatOn();
            ushort code = d.Run();
            Assert.That(code, Is.EqualTo(priv ? (ushort)0 : PgmCode.Protection));
            if (!priv) Assert.That(d.Teid, Is.EqualTo(Teid.Store | Teid.LowAddress));
        }
    }

    [Test]
    public void Key_controlled_protection_and_its_overrides()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        d.Map(st, Data, Frame);
        d.Cpu.StorageKeys[Frame >> 12] = 0x38; // key 3, fetch-protected
        d.Cpu.G[5] = Data;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0);
        d.DatOn(key: 2);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Protection));
        Assert.That(d.Teid, Is.EqualTo(Data | Teid.Fetch | Teid.Key));

        using var o = new DatHarness();
        o.StandardSpace();
        o.Cpu.StorageKeys[0] = 0x38;
        o.Cpu.StorageKeys[o.Cpu.Prefix >> 12] = 0x38;
        o.Cpu.Cr[0] |= Cpu.Cr0FetchProtectionOverride;
        o.H.Asm("LG", r1: 1, b2: 0, d2: 0x7F8).Asm("LG", r1: 2, b2: 0, d2: 0x800);
        o.DatOn(key: 2);
        Assert.That(o.Run(), Is.EqualTo(PgmCode.Protection), "0-2047 is readable, 2048 is not");
        Assert.That(o.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress + 12));

        using var s = new DatHarness();
        ulong st3 = s.StandardSpace();
        s.Map(st3, Data, Frame);
        s.Cpu.StorageKeys[Frame >> 12] = 0x98;
        s.Cpu.Cr[0] |= Cpu.Cr0StorageProtectionOverride;
        s.Cpu.G[5] = Data;
        s.H.Asm("MVI", b1: 5, d1: 0, i2: 1);
        s.DatOn(key: 2);
        Assert.That(s.Run(), Is.EqualTo(0), "storage key 9 is exempt under the override");
    }

    [Test]
    public void Secondary_and_home_spaces_use_cr7_and_cr13()
    {
        using var d = new DatHarness();
        ulong primary = d.StandardSpace();
        ulong secondary = d.SegmentTable(), home = d.SegmentTable();
        d.Identity(home, CpuHarness.CodeAddress, CpuHarness.CodeAddress + 0x2000);
        d.Map(primary, Data, 0x60000);
        d.Map(secondary, Data, 0x61000);
        d.Map(home, Data, 0x62000);
        d.H.Put64(0x60000, 1); d.H.Put64(0x61000, 2); d.H.Put64(0x62000, 3);
        d.Cpu.Cr[7] = DatHarness.SegmentAsce(secondary);
        d.Cpu.Cr[13] = DatHarness.SegmentAsce(home);
        d.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace;
        d.Cpu.G[5] = Data;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0)
            .Asm("SACF", d2: 0x100).Asm("LG", r1: 2, b2: 5, d2: 0)   // secondary: instructions still from primary
            .Asm("SACF", d2: 0x300).Asm("LG", r1: 3, b2: 5, d2: 0)   // home: instructions and data from home
            .Asm("IAC", r1: 4).Asm("SACF", d2: 0);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That((d.Cpu.G[1], d.Cpu.G[2], d.Cpu.G[3]), Is.EqualTo((1UL, 2UL, 3UL)));
        Assert.That((d.Cpu.G[4] & 0xFFFF, d.Cpu.Cc), Is.EqualTo((0x300UL, 3)), "IAC: home");
    }

    [Test]
    public void Access_register_mode_alet_0_and_1()
    {
        using var d = new DatHarness();
        ulong primary = d.StandardSpace();
        ulong secondary = d.SegmentTable();
        d.Map(primary, Data, 0x60000);
        d.Map(secondary, Data, 0x61000);
        d.H.Put64(0x60000, 0x11); d.H.Put64(0x61000, 0x22);
        d.Cpu.Cr[7] = DatHarness.SegmentAsce(secondary);
        d.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace;
        d.Cpu.G[5] = Data; d.Cpu.G[6] = Data;
        d.Cpu.A[5] = 0; d.Cpu.A[6] = 1;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0).Asm("LG", r1: 2, b2: 6, d2: 0)
            .Asm("MVC", b1: 5, d1: 8, b2: 6, d2: 0, l1: 7);  // secondary -> primary
        d.DatOn(asc: Space.AccessRegister);
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That((d.Cpu.G[1], d.Cpu.G[2], d.H.Get64(0x60008)), Is.EqualTo((0x11UL, 0x22UL, 0x22UL)));
    }

    [Test]
    public void Ipte_invalidates_the_entry_and_clears_the_tlb()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        ulong pte = d.Map(st, Data, Frame);
        ulong pto = pte & ~0x7FFUL;
        d.Cpu.G[5] = Data;
        d.Cpu.G[7] = pto;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0).Asm("IPTE", r1: 7, r2: 5).Asm("LG", r1: 2, b2: 5, d2: 0);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(PgmCode.PageTranslation));
        Assert.That(d.H.Get64(pte) & TableEntry.PageInvalid, Is.Not.Zero);
        Assert.That(d.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress + 10));
    }

    [Test]
    public void Ipte_range_updates_r2_and_r3()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        ulong pte0 = d.Map(st, Data, Frame);
        d.Map(st, Data + 0x1000, Frame + 0x1000);
        d.Map(st, Data + 0x2000, Frame + 0x2000);
        d.Cpu.G[7] = pte0;
        d.Cpu.G[5] = Data;
        d.Cpu.G[6] = 1; // one additional entry
        d.H.Asm("IPTE", r1: 7, r2: 5, r3: 6);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That((d.Cpu.G[5], d.Cpu.G[6] & 0xFF), Is.EqualTo((Data + 0x2000, 0xFFUL)));
        Assert.That(d.H.Get64(pte0 + 8) & TableEntry.PageInvalid, Is.Not.Zero);
        Assert.That(d.H.Get64(pte0 + 16) & TableEntry.PageInvalid, Is.Zero);
    }

    [Test]
    public void Lra_condition_codes()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        ulong pte = d.Map(st, Data, Frame);
        d.Map(st, Data + 0x1000, Frame);
        d.H.Put64(pte + 8, TableEntry.PageInvalid);
        d.Cpu.G[5] = Data;
        d.Cpu.G[6] = Data + 0x100000;
        d.H.Asm("LRAG", r1: 1, b2: 5, d2: 0x10).Asm("IPM", r1: 11)
            .Asm("LRAG", r1: 2, b2: 5, d2: 0x1000).Asm("IPM", r1: 12)
            .Asm("LRAG", r1: 3, b2: 6, d2: 0).Asm("IPM", r1: 13);
        d.Cpu.LoadPsw(Psw.EA | Psw.BA, CpuHarness.CodeAddress); // LRA translates with DAT off too
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That((d.Cpu.G[1], (d.Cpu.G[11] >> 28) & 3), Is.EqualTo((Frame + 0x10, 0UL)));
        Assert.That((d.Cpu.G[2], (d.Cpu.G[12] >> 28) & 3), Is.EqualTo((pte + 8, 2UL)), "cc 2: the invalid PTE's address");
        Assert.That((d.Cpu.G[3], (d.Cpu.G[13] >> 28) & 3), Is.EqualTo((d.SegmentIndexEntry(st, Data + 0x100000), 1UL)), "cc 1: the invalid STE's address");
    }

    [Test]
    public void Csp_and_cspg_compare_swap_and_purge()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        ulong pte = d.Map(st, Data, Frame);
        d.Cpu.G[5] = Data;
        d.Cpu.G[2] = Frame; d.Cpu.G[3] = TableEntry.PageInvalid; // replace the PTE with an invalid one
        d.Cpu.G[4] = pte | 1;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0).Asm("CSPG", r1: 2, r2: 4).Asm("IPM", r1: 11).Asm("LG", r1: 1, b2: 5, d2: 0);
        d.Cpu.LoadPsw(Psw.EA | Psw.BA, CpuHarness.CodeAddress);
        d.Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Dat, CpuHarness.CodeAddress);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.PageTranslation), "the purge dropped the cached translation");
        Assert.That((d.Cpu.G[11] >> 28) & 3, Is.EqualTo(0UL));
    }

    [Test]
    public void Idte_invalidates_segment_entries_and_clears_by_asce()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        d.Map(st, Data, Frame);
        d.Cpu.G[5] = Data;
        d.Cpu.G[7] = st;           // segment table, DT 00
        d.Cpu.G[8] = Data & ~0xFFFFFUL; // SX of Data, no additional entries
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0).Asm("IDTE", r1: 7, r3: 0, r2: 8).Asm("LG", r1: 2, b2: 5, d2: 0);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(PgmCode.SegmentTranslation));
        Assert.That(d.H.Get64(d.SegmentIndexEntry(st, Data)) & TableEntry.Invalid, Is.Not.Zero);
    }

    [Test]
    public void Tprot_condition_codes()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        d.Map(st, Data, Frame);
        d.Map(st, Data + 0x1000, Frame + 0x1000, TableEntry.Protect);
        d.Cpu.StorageKeys[Frame >> 12] = 0x38;
        d.Cpu.G[5] = Data; d.Cpu.G[6] = Data + 0x1000; d.Cpu.G[7] = Data + 0x2000;
        d.H.Asm("TPROT", b1: 5, d1: 0, b2: 0, d2: 0x00).Asm("IPM", r1: 10)        // key 0: fetch and store
            .Asm("TPROT", b1: 5, d1: 0, b2: 0, d2: 0x20).Asm("IPM", r1: 11)         // key 2, fetch-protected: neither
            .Asm("TPROT", b1: 6, d1: 0, b2: 0, d2: 0).Asm("IPM", r1: 12)            // DAT-protected: fetch only
            .Asm("TPROT", b1: 7, d1: 0, b2: 0, d2: 0).Asm("IPM", r1: 13)            // not translatable
            .Asm("TPROT", b1: 0, d1: 0x10, b2: 0, d2: 0).Asm("IPM", r1: 14);        // low-address protected: fetch only
        d.Cpu.Cr[0] |= Cr0.LowAddressProtection;
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        ulong Cc(int r) => (d.Cpu.G[r] >> 28) & 3;
        Assert.That(new[] { Cc(10), Cc(11), Cc(12), Cc(13), Cc(14) }, Is.EqualTo(new ulong[] { 0, 2, 1, 3, 1 }));
    }

    [Test]
    public void Mvcos_moves_between_spaces_with_keys()
    {
        using var d = new DatHarness();
        ulong primary = d.StandardSpace();
        ulong secondary = d.SegmentTable();
        d.Map(primary, Data, 0x60000);
        d.Map(secondary, Data, 0x61000);
        d.H.Put64(0x61000, 0x0102030405060708);
        d.Cpu.Cr[7] = DatHarness.SegmentAsce(secondary);
        d.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace;
        d.Cpu.G[5] = Data;
        d.Cpu.G[0] = 0x0000_0081; // OAC2: AS secondary (10), A = 1
        d.Cpu.G[3] = 8;
        d.H.Asm("MVCOS", b1: 5, d1: 0, b2: 5, d2: 0, r3: 3).Asm("IPM", r1: 11);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(d.H.Get64(0x60000), Is.EqualTo(0x0102030405060708UL));
        Assert.That((d.Cpu.G[11] >> 28) & 3, Is.EqualTo(0UL));
    }

    [Test]
    public void Mvcp_moves_from_the_secondary_space_and_reports_cc3_beyond_256()
    {
        using var d = new DatHarness();
        ulong primary = d.StandardSpace();
        ulong secondary = d.SegmentTable();
        d.Map(primary, Data, 0x60000);
        d.Map(secondary, Data, 0x61000);
        for (ulong k = 0; k < 512; k += 8) d.H.Put64(0x61000 + k, 0x0101010101010101 * (k / 8 + 1));
        d.Cpu.Cr[7] = DatHarness.SegmentAsce(secondary);
        d.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace;
        d.Cpu.G[5] = Data;
        d.Cpu.G[1] = 300;
        d.H.Asm("MVCP", r1: 1, b1: 5, d1: 0, b2: 5, d2: 0, r3: 2).Asm("IPM", r1: 11);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That((d.Cpu.G[11] >> 28) & 3, Is.EqualTo(3UL));
        Assert.That((d.H.Get64(0x60000 + 248), d.H.Get64(0x60000 + 256)), Is.EqualTo((0x2020202020202020UL, 0UL)), "256 bytes moved");
    }

    [Test]
    public void Sac_checks()
    {
        using var d = new DatHarness();
        d.H.Asm("SACF", d2: 0x100);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.SpecialOperation), "DAT off");

        using var p = new DatHarness();
        p.StandardSpace();
        p.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace;
        p.H.Asm("SAC", d2: 0x300);
        p.DatOn(problem: true);
        Assert.That(p.Run(), Is.EqualTo(PgmCode.PrivilegedOperation), "home mode in the problem state");

        using var s = new DatHarness();
        s.StandardSpace();
        s.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace;
        s.H.Asm("SAC", d2: 0x400);
        s.DatOn();
        Assert.That(s.Run(), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Translations_of_several_spaces_survive_mode_switches()
    {
        using var d = new DatHarness();
        ulong primary = d.StandardSpace();
        ulong home = d.SegmentTable();
        d.Identity(home, CpuHarness.CodeAddress, CpuHarness.CodeAddress + 0x2000);
        d.Map(primary, Data, 0x60000);
        d.Map(home, Data, 0x62000);
        d.Cpu.Cr[13] = DatHarness.SegmentAsce(home);
        d.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace;
        d.Cpu.G[5] = Data;
        d.H.Asm("LG", r1: 1, b2: 5, d2: 0).Asm("SACF", d2: 0x300).Asm("LG", r1: 2, b2: 5, d2: 0).Asm("SACF", d2: 0);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        // both spaces' translations are in the DAT TLB, keyed by ASCE
        Assert.That(d.Cpu.DatTlb.TryGet(d.Cpu.Cr[1], Data, out var p) && p.Real == 0x60000, Is.True);
        Assert.That(d.Cpu.DatTlb.TryGet(d.Cpu.Cr[13], Data, out var h) && h.Real == 0x62000, Is.True);
    }

    [Test]
    public void Ipte_clears_the_tlbs_of_every_cpu_in_the_configuration()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        ulong pte = d.Map(st, Data, Frame);
        var other = new Cpu(1);
        unsafe { other.AttachStorage(d.Cpu.Mem, d.Cpu.MemSize); }
        other.StorageKeys = d.Cpu.StorageKeys;
        other.Facilities = d.Cpu.Facilities;
        other.Cr[1] = d.Cpu.Cr[1];
        other.LoadPsw(Psw.EA | Psw.BA | Psw.Dat, CpuHarness.CodeAddress);
        var peers = new[] { d.Cpu, other };
        d.Cpu.TlbPeers = peers;
        other.TlbPeers = peers;
        // the other CPU has the translation cached
        unsafe { other.Access(Data, AccessKind.Fetch); }
        Assert.That(other.DatTlb.TryGet(other.Cr[1], Data, out _), Is.True);
        d.Cpu.G[5] = Data; d.Cpu.G[7] = pte & ~0x7FFUL;
        d.H.Asm("IPTE", r1: 7, r2: 5);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        // the other CPU applies the clearing at its next instruction boundary
        Assert.That(other.EventCycle, Is.EqualTo(0UL));
        other.ServiceEvents();
        Assert.That(other.DatTlb.TryGet(other.Cr[1], Data, out _), Is.False);
        Assert.That(() => { unsafe { other.Access(Data, AccessKind.Fetch); } }, Throws.TypeOf<ProgramInterruptException>());
    }

    [Test]
    public void Local_clearing_ipte_leaves_the_other_cpus_alone()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        ulong pte = d.Map(st, Data, Frame);
        var other = new Cpu(1);
        unsafe { other.AttachStorage(d.Cpu.Mem, d.Cpu.MemSize); }
        other.Cr[1] = d.Cpu.Cr[1];
        other.LoadPsw(Psw.EA | Psw.BA | Psw.Dat, CpuHarness.CodeAddress);
        var peers = new[] { d.Cpu, other };
        d.Cpu.TlbPeers = peers;
        unsafe { other.Access(Data, AccessKind.Fetch); }
        d.Cpu.G[5] = Data; d.Cpu.G[7] = pte & ~0x7FFUL;
        d.H.Asm("IPTE", r1: 7, r2: 5, m4: 1);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        other.ServiceEvents();
        Assert.That(other.DatTlb.TryGet(other.Cr[1], Data, out _), Is.True, "M4 local clearing (facility 51)");
    }
}
