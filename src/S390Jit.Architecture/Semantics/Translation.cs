using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Memory;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Dynamic-address-translation and address-space instructions (PoO chapter 10): LOAD REAL ADDRESS,
/// the real-address loads and stores, TEST PROTECTION, the TLB invalidations (IPTE, IDTE, CRDTE,
/// CSP, CSPG, PTLB), the address-space controls (IAC, SAC, SACF) and the moves between spaces and
/// keys (MVCOS, MVCP, MVCS, MVCK, MVCSK, MVCDK).
/// </summary>
[SemanticBodies]
public static unsafe class Translation
{
    private static ulong Aligned(Cpu c, ulong a, int size)
    {
        if ((a & (ulong)(size - 1)) != 0) throw c.Pgm(PgmCode.Specification);
        return a;
    }

    private static void Even(Cpu c, int r) { if ((r & 1) != 0) throw c.Pgm(PgmCode.Specification); }

    // ---- LOAD REAL ADDRESS ----------------------------------------------------------------------------
    /// <summary>
    /// LRA/LRAY/LRAG: translates the second-operand address in the current address-space mode (even
    /// with DAT off). cc 0: R1 = real address; cc 1: R1 = address of the invalid segment-table entry;
    /// cc 2: R1 = address of the invalid page-table entry; cc 3: segment index beyond the table
    /// (R1 = entry address), or a region/ASCE-type/ALET exception (bits 32-63 of R1 = 0x80000000 | code).
    /// </summary>
    private static void LoadRealAddress(Cpu c, ref Insn i, bool wide)
    {
        ulong va = c.Addr(i.X2, i.B2, i.D2);
        c.DatResultOf(va, i.B2, out var r, out ushort artCode);
        int cc;
        ulong value;
        bool setCode = false;
        if (artCode != 0) { cc = 3; value = artCode; setCode = true; }
        else if (r.Code == 0) { cc = 0; value = r.Real; }
        else if (r.Code == PgmCode.SegmentTranslation) { cc = r.LengthViolation ? 3 : 1; value = r.EntryReal; }
        else if (r.Code == PgmCode.PageTranslation) { cc = 2; value = r.EntryReal; }
        else if (r.Code == PgmCode.TranslationSpecification) throw c.Pgm(PgmCode.TranslationSpecification);
        else { cc = 3; value = r.Code; setCode = true; }
        if (setCode) c.SetR32(i.R1, 0x8000_0000u | (uint)value);
        else if (wide || c.AddressingMode == 64) c.G[i.R1] = value;
        else if (value <= 0x7FFF_FFFF) c.SetR32(i.R1, (uint)value);
        else if (cc == 0) throw c.Pgm(PgmCode.SpecialOperation);
        else { c.SetR32(i.R1, 0x8000_0000u | r.Code); cc = 3; }
        c.Cc = cc;
    }
    public static void LRA(Cpu c, ref Insn i) => LoadRealAddress(c, ref i, false);
    public static void LRAY(Cpu c, ref Insn i) => LoadRealAddress(c, ref i, false);
    public static void LRAG(Cpu c, ref Insn i) => LoadRealAddress(c, ref i, true);

    /// <summary>
    /// LPTEA R1,R3,R2,M4: the real address of the page-table entry for the virtual address in R2, in
    /// the space M4 names (0 primary, 1 AR R2, 2 secondary, 3 home, 4 the current mode). cc 0 (1 when
    /// the segment-table entry is DAT-protected): R1 = PTE address; cc 2: an invalid region or segment
    /// entry, R1 = its address with the table type in bits 62-63; cc 3: R1 = the exception code.
    /// </summary>
    public static void LPTEA(Cpu c, ref Insn i)
    {
        if (i.M4 > 4) throw c.Pgm(PgmCode.Specification);
        int asc = i.M4 switch { 0 => Space.Primary, 1 => Space.AccessRegister, 2 => Space.Secondary, 3 => Space.Home, _ => c.Asc };
        ulong va = c.G[i.R2] & c.AddrMask;
        ulong asce;
        try { asce = c.AsceOfSpace(asc, i.R2, AccessKind.Fetch, out _); }
        catch (ProgramInterruptException e) when (e.Code is >= PgmCode.AletSpecification and <= PgmCode.ExtendedAuthority)
        {
            c.G[i.R1] = e.Code;
            c.Cc = 3;
            return;
        }
        if ((asce & Asce.RealSpace) != 0) throw c.Pgm(PgmCode.SpecialOperation);
        var r = c.PageTableEntryOf(va, asce);
        c.G[i.R1] = r.Value;
        c.Cc = r.Cc;
    }

    // ---- real-address loads and stores ------------------------------------------------------------------
    private static ulong RealOperand(Cpu c, int r2, int size) => Aligned(c, c.G[r2] & c.AddrMask, size);
    public static void LURA(Cpu c, ref Insn i) => c.SetR32(i.R1, BigEndian.U32(c.RealAccess(RealOperand(c, i.R2, 4), AccessKind.Fetch, c.PswKey)));
    public static void LURAG(Cpu c, ref Insn i) => c.G[i.R1] = BigEndian.U64(c.RealAccess(RealOperand(c, i.R2, 8), AccessKind.Fetch, c.PswKey));
    public static void STURA(Cpu c, ref Insn i)
    {
        ulong a = RealOperand(c, i.R2, 4);
        BigEndian.Put32(c.RealAccess(a, AccessKind.Store, c.PswKey, 4), c.R32(i.R1));
        c.RealStoreDone(a, 4);
    }
    public static void STURG(Cpu c, ref Insn i)
    {
        ulong a = RealOperand(c, i.R2, 8);
        BigEndian.Put64(c.RealAccess(a, AccessKind.Store, c.PswKey, 8), c.G[i.R1]);
        c.RealStoreDone(a, 8);
    }

    // ---- TEST PROTECTION --------------------------------------------------------------------------------
    /// <summary>
    /// cc 0 fetch and store permitted, 1 fetch only, 2 neither, 3 translation not available. DAT,
    /// low-address, access-list and key-controlled protection (with the overrides) are considered
    /// for the key in bits 56-59 of the second-operand address.
    /// </summary>
    public static void TPROT(Cpu c, ref Insn i)
    {
        ulong addr = c.Addr(i.B1, i.D1);
        int key = (int)((c.Addr(i.B2, i.D2) >> 4) & 0xF);
        c.Cc = c.TestProtection(addr, i.B1, key);
    }

    // ---- TLB invalidation ---------------------------------------------------------------------------------
    /// <summary>
    /// IPTE: sets the invalid bit of the page-table entry (page-table origin in R1, page index from
    /// R2) and clears the TLB entries formed from it; with the IPTE-range facility R3 bits 56-63
    /// give additional entries (R2 then points past them and R3's count ends at 255); M4 bit 3
    /// limits the clearing to this CPU (local-TLB-clearing facility).
    /// </summary>
    public static void IPTE(Cpu c, ref Insn i)
    {
        ulong pto = c.G[i.R1] & TableEntry.SegmentOrigin;
        ulong va = c.G[i.R2];
        int count = i.R3 != 0 && c.HasFacility(Fac.IpteRange) ? (int)(c.G[i.R3] & 0xFF) : 0;
        bool local = (i.M4 & 1) != 0 && c.HasFacility(Fac.LocalTlbClearing);
        int px = (int)((va >> 12) & 0xFF);
        int n = Math.Min(count + 1, 256 - px);
        var entries = new (int Px, ulong Abs)[n];
        for (int k = 0; k < n; k++)
        {
            ulong abs = pto + (ulong)(px + k) * 8;
            c.StoreTableEntry(abs, c.LoadTableEntry(abs) | TableEntry.PageInvalid);
            entries[k] = (px + k, abs);
        }
        c.Broadcast(cpu => { foreach (var (p, abs) in entries) cpu.ClearPte(p, abs); }, local);
        if (i.R3 != 0 && c.HasFacility(Fac.IpteRange))
        {
            c.G[i.R2] = va + ((ulong)n << 12);
            c.G[i.R3] = (c.G[i.R3] & ~0xFFUL) | (byte)(count - n);
        }
    }

    /// <summary>
    /// IDTE: with R2 bit 52 zero, sets the invalid bit of 1 + (R2 bits 53-63) region- or segment-table
    /// entries of the table R1 designates (origin and type) from the index R2 gives for that level,
    /// and clears the TLB entries formed through them; with bit 52 one, clears the TLB entries formed
    /// with the ASCE in R3 (clearing by ASCE). M4 bit 3: local clearing.
    /// </summary>
    public static void IDTE(Cpu c, ref Insn i)
    {
        ulong r2 = c.G[i.R2];
        if ((r2 & 0xFF000) != 0) throw c.Pgm(PgmCode.Specification);
        bool local = (i.M4 & 1) != 0 && c.HasFacility(Fac.LocalTlbClearing);
        if ((r2 & 0x800) != 0)
        {
            ulong origin = c.G[i.R3] & Asce.Origin;
            c.Broadcast(cpu => cpu.ClearAsceOrigin(origin), local);
            return;
        }
        ulong r1 = c.G[i.R1];
        ulong table = r1 & Asce.Origin;
        int dt = (int)((r1 >> 2) & 3);
        int shift = dt switch { Asce.RegionFirst => 53, Asce.RegionSecond => 42, Asce.RegionThird => 31, _ => 20 };
        ulong index = (r2 >> shift) & 0x7FF;
        int entries = (int)(r2 & 0x7FF) + 1;
        for (int k = 0; k < entries; k++)
        {
            ulong abs = table + ((index + (ulong)k) & 0x7FF) * 8;
            c.StoreTableEntry(abs, c.LoadTableEntry(abs) | TableEntry.Invalid);
        }
        c.Broadcast(cpu => cpu.ClearTableIndexes(shift, index, entries), local);
    }

    /// <summary>
    /// CRDTE (EDAT-2): compares R1 with the table entry R2 designates (table origin and type in R2,
    /// the effective address in R2+1); equal: stores R1+1 there, clears the TLB entries formed
    /// through it, cc 0; unequal: loads the entry into R1, cc 1.
    /// </summary>
    public static void CRDTE(Cpu c, ref Insn i)
    {
        Even(c, i.R1);
        Even(c, i.R2);
        ulong r2 = c.G[i.R2], va = c.G[i.R2 + 1];
        int dtt = (int)((r2 >> 2) & 7);
        if (dtt is 1 or 2 or 3) throw c.Pgm(PgmCode.Specification);
        bool local = (i.M4 & 1) != 0 && c.HasFacility(Fac.LocalTlbClearing);
        int shift = dtt switch { 0 => 12, 4 => 20, 5 => 31, 6 => 42, _ => 53 };
        ulong origin = dtt == 0 ? r2 & TableEntry.SegmentOrigin : r2 & Asce.Origin;
        ulong index = (va >> shift) & (dtt == 0 ? 0xFFUL : 0x7FFUL);
        ulong abs = origin + index * 8;
        ulong old = c.LoadTableEntry(abs);
        if (old != c.G[i.R1]) { c.G[i.R1] = old; c.Cc = 1; return; }
        c.StoreTableEntry(abs, c.G[i.R1 + 1]);
        if (dtt == 0) c.Broadcast(cpu => cpu.ClearPte((int)index, abs), local);
        else c.Broadcast(cpu => cpu.ClearTableIndexes(shift, index, 1), local);
        c.Cc = 0;
    }

    /// <summary>CSP/CSPG: compare and swap at the (logical) address in R2; when equal and R2 bit 63 is one, purge every TLB of the configuration.</summary>
    private static void CompareSwapPurge(Cpu c, ref Insn i, int size)
    {
        Even(c, i.R1);
        ulong r2 = c.G[i.R2];
        ulong a = r2 & ~(ulong)(size - 1) & c.AddrMask;
        byte* p = c.Access(a, AccessKind.Store, length: (ulong)size);
        ulong mem = size == 4 ? BigEndian.U32(p) : BigEndian.U64(p);
        ulong cmp = size == 4 ? c.R32(i.R1) : c.G[i.R1];
        if (mem != cmp)
        {
            if (size == 4) c.SetR32(i.R1, (uint)mem); else c.G[i.R1] = mem;
            c.Cc = 1;
            return;
        }
        if (size == 4) BigEndian.Put32(p, c.R32(i.R1 + 1)); else BigEndian.Put64(p, c.G[i.R1 + 1]);
        c.StoreDone(a, (ulong)size);
        if ((r2 & 1) != 0) c.Broadcast(cpu => cpu.PurgeTlb());
        c.Cc = 0;
    }
    public static void CSP(Cpu c, ref Insn i) => CompareSwapPurge(c, ref i, 4);
    public static void CSPG(Cpu c, ref Insn i) => CompareSwapPurge(c, ref i, 8);

    public static void PTLB(Cpu c, ref Insn i) => c.PurgeTlb();

    // ---- address-space control -----------------------------------------------------------------------
    /// <summary>IAC: the PSW's address-space control into bits 54-55 of R1 (bits 48-63 otherwise zero); cc = that value.</summary>
    public static void IAC(Cpu c, ref Insn i)
    {
        if (c.ProblemState && (c.Cr[0] & Cr0ExtractionAuthority) == 0) throw c.Pgm(PgmCode.PrivilegedOperation);
        if (!c.DatOn) throw c.Pgm(PgmCode.SpecialOperation);
        int asc = c.Asc;
        c.G[i.R1] = (c.G[i.R1] & ~0xFFFFUL) | ((ulong)asc << 8);
        c.Cc = asc;
    }

    private const ulong Cr0ExtractionAuthority = 1UL << 27;

    /// <summary>
    /// SAC/SACF: bits 52-55 of the operand address select the mode (0 primary, 1 secondary, 2 access
    /// register, 3 home). Special operation with DAT off or the secondary-space control zero;
    /// home mode in the problem state is privileged; switching into or out of home mode with a
    /// space-switch-event control on (CR1/CR13 bit 57) or PER on is a space-switch event.
    /// </summary>
    private static void SetAddressSpaceControl(Cpu c, ref Insn i)
    {
        int mode = (int)((c.Addr(i.B2, i.D2) >> 8) & 0xF);
        if (!c.DatOn || (c.Cr[0] & Cpu.Cr0SecondarySpace) == 0) throw c.Pgm(PgmCode.SpecialOperation);
        if (mode == 3 && c.ProblemState) throw c.Pgm(PgmCode.PrivilegedOperation);
        if (mode > 3) throw c.Pgm(PgmCode.Specification);
        int asc = mode switch { 0 => Space.Primary, 1 => Space.Secondary, 2 => Space.AccessRegister, _ => Space.Home };
        int old = c.Asc;
        c.SetPswMaskBits((c.PswMask & ~Psw.AscMask) | ((ulong)asc << 46));
        bool homeSwitch = (old == Space.Home) != (asc == Space.Home);
        if (homeSwitch && ((c.Cr[1] & Asce.SpaceSwitchEvent) != 0 || (c.Cr[13] & Asce.SpaceSwitchEvent) != 0 || (c.PswMask & Psw.Per) != 0))
            c.SpaceSwitchEvent(intoHome: asc == Space.Home);
    }
    public static void SAC(Cpu c, ref Insn i) => SetAddressSpaceControl(c, ref i);
    public static void SACF(Cpu c, ref Insn i) => SetAddressSpaceControl(c, ref i);

    // ---- moves between spaces and keys -----------------------------------------------------------------
    /// <summary>Problem state: the key must be authorised by the PSW-key mask (CR3 bits 32-47).</summary>
    private static void CheckKeyMask(Cpu c, int key)
    {
        if (c.ProblemState && (c.Cr[3] & (0x8000_0000UL >> key)) == 0) throw c.Pgm(PgmCode.PrivilegedOperation);
    }

    /// <summary>
    /// MVCOS: moves min(R3, 4096) bytes (cc 3 when more remain) from the second operand to the first,
    /// each accessed with the key and address space its operand-access control in GR0 specifies
    /// (OAC1 bits 32-47, OAC2 48-63: key in bits 0-3, AS in 8-9, K bit 14, A bit 15).
    /// </summary>
    public static void MVCOS(Cpu c, ref Insn i)
    {
        if (!c.DatOn) throw c.Pgm(PgmCode.SpecialOperation);
        ulong dst = c.Addr(i.B1, i.D1), src = c.Addr(i.B2, i.D2);
        uint oac1 = (uint)(c.G[0] >> 16) & 0xFFFF, oac2 = (uint)c.G[0] & 0xFFFF;
        var d = OacSpace(c, oac1, i.B1, AccessKind.Store);
        var s = OacSpace(c, oac2, i.B2, AccessKind.Fetch);
        ulong len = c.AddressingMode == 64 ? c.G[i.R3] : c.R32(i.R3);
        int cc = 0;
        if (len > 4096) { len = 4096; cc = 3; }
        c.MoveBetweenSpaces(dst, d, src, s, len);
        c.Cc = cc;
    }

    private static Cpu.OperandSpace OacSpace(Cpu c, uint oac, int b, AccessKind kind)
    {
        int key = (oac & 2) != 0 ? (int)(oac >> 12) : c.PswKey;
        int asc = (oac & 1) != 0 ? (int)((oac >> 6) & 3) : c.Asc;
        if ((oac & 1) != 0 && asc == Space.Home && c.ProblemState) throw c.Pgm(PgmCode.SpecialOperation);
        if (asc == Space.Secondary && (c.Cr[0] & Cpu.Cr0SecondarySpace) == 0) throw c.Pgm(PgmCode.SpecialOperation);
        CheckKeyMask(c, key);
        return c.SpaceOf(asc, b, kind, key);
    }

    /// <summary>MVCP/MVCS: DAT on, primary or secondary mode, secondary-space control one.</summary>
    private static void CheckCrossMemory(Cpu c)
    {
        if ((c.Cr[0] & Cpu.Cr0SecondarySpace) == 0 || !c.DatOn || (c.PswMask & (1UL << 46)) != 0)
            throw c.Pgm(PgmCode.SpecialOperation);
    }

    /// <summary>True length in R1 (address-size): cc 0 up to 256 bytes, else cc 3 and 256 bytes moved.</summary>
    private static ulong TrueLength(Cpu c, int r1, out int cc)
    {
        ulong l = c.G[r1] & c.AddrMask;
        cc = l <= 256 ? 0 : 3;
        return Math.Min(l, 256);
    }

    public static void MVCP(Cpu c, ref Insn i)
    {
        CheckCrossMemory(c);
        ulong l = TrueLength(c, i.R1, out int cc);
        int key = (int)((c.G[i.R3] >> 4) & 0xF);
        CheckKeyMask(c, key);
        c.MoveBetweenSpaces(c.Addr(i.B1, i.D1), c.SpaceOf(Space.Primary, i.B1, AccessKind.Store, c.PswKey),
            c.Addr(i.B2, i.D2), c.SpaceOf(Space.Secondary, i.B2, AccessKind.Fetch, key), l);
        c.Cc = cc;
    }

    public static void MVCS(Cpu c, ref Insn i)
    {
        CheckCrossMemory(c);
        ulong l = TrueLength(c, i.R1, out int cc);
        int key = (int)((c.G[i.R3] >> 4) & 0xF);
        CheckKeyMask(c, key);
        c.MoveBetweenSpaces(c.Addr(i.B1, i.D1), c.SpaceOf(Space.Secondary, i.B1, AccessKind.Store, key),
            c.Addr(i.B2, i.D2), c.SpaceOf(Space.Primary, i.B2, AccessKind.Fetch, c.PswKey), l);
        c.Cc = cc;
    }

    /// <summary>MVCK: up to 256 bytes (true length in R1), the second operand fetched with the key in R3 bits 56-59.</summary>
    public static void MVCK(Cpu c, ref Insn i)
    {
        ulong l = TrueLength(c, i.R1, out int cc);
        int key = (int)((c.G[i.R3] >> 4) & 0xF);
        CheckKeyMask(c, key);
        c.MoveBetweenSpaces(c.Addr(i.B1, i.D1), c.CurrentSpace(i.B1, AccessKind.Store, c.PswKey),
            c.Addr(i.B2, i.D2), c.CurrentSpace(i.B2, AccessKind.Fetch, key), l);
        c.Cc = cc;
    }

    /// <summary>MVCSK/MVCDK: GR0 bits 56-63 hold the length - 1, GR1 bits 56-59 the source (destination) key.</summary>
    private static void MoveWithKey(Cpu c, ref Insn i, bool destinationKey)
    {
        ulong l = (c.G[0] & 0xFF) + 1;
        int key = (int)((c.G[1] >> 4) & 0xF);
        CheckKeyMask(c, key);
        c.MoveBetweenSpaces(c.Addr(i.B1, i.D1), c.CurrentSpace(i.B1, AccessKind.Store, destinationKey ? key : c.PswKey),
            c.Addr(i.B2, i.D2), c.CurrentSpace(i.B2, AccessKind.Fetch, destinationKey ? c.PswKey : key), l);
    }
    public static void MVCSK(Cpu c, ref Insn i) => MoveWithKey(c, ref i, false);
    public static void MVCDK(Cpu c, ref Insn i) => MoveWithKey(c, ref i, true);
}
