using S390Jit.Architecture.Isa;
using S390Jit.Memory;

namespace S390Jit.Architecture.State;

/// <summary>How storage is accessed (the PoO's fetch, store and instruction-fetch references).</summary>
public enum AccessKind : byte { Fetch, Store, Instr }

/// <summary>Address-space-control element bits (PoO "Address-Space-Control Element").</summary>
public static class Asce
{
    public const ulong Origin = ~0xFFFUL, SubspaceGroup = 0x200, Private = 0x100, StorageAlterationEvent = 0x80,
        SpaceSwitchEvent = 0x40, RealSpace = 0x20, TypeMask = 0xC, LengthMask = 0x3;
    /// <summary>Designation types (bits 60-61).</summary>
    public const int Segment = 0, RegionThird = 1, RegionSecond = 2, RegionFirst = 3;
}

/// <summary>Bits of region-, segment- and page-table entries.</summary>
public static class TableEntry
{
    public const ulong Origin = ~0xFFFUL, SegmentOrigin = ~0x7FFUL, Invalid = 0x20, TypeMask = 0xC, LengthMask = 0x3,
        OffsetMask = 0xC0, Protect = 0x200, NoExec = 0x100, FormatControl = 0x400, Common = 0x10,
        PageInvalid = 0x400, PageZero = 0x800,
        /// <summary>Frame address of an EDAT-1 segment (1 MiB) and an EDAT-2 region-third entry (2 GiB).</summary>
        SegmentFrame = ~0xF_FFFFUL, RegionFrame = ~0x7FFF_FFFFUL;
}

/// <summary>Address-space identification (TEID bits 62-63, PSW bits 16-17).</summary>
public static class Space
{
    public const int Primary = 0, AccessRegister = 1, Secondary = 2, Home = 3;
}

/// <summary>Bits of the translation-exception identification (lowcore 0xA8).</summary>
public static class Teid
{
    /// <summary>Access-exception fetch/store indication (facility 75), bits 52-53.</summary>
    public const ulong Fetch = 0x800, Store = 0x400;
    /// <summary>Protection codes (bits 56, 60, 61 as the enhanced-suppression-on-protection facility 2 defines them).</summary>
    public const ulong Dat = 0x4, Key = 0x8, AccessList = 0xC, LowAddress = 0x80, Iep = 0x84;
}

/// <summary>
/// Dynamic address translation (PoO chapter 3): ASCE selection by address-space mode and access
/// register, the region/segment/page table walk with table lengths and offsets, invalid bits,
/// DAT protection, instruction-execution protection and EDAT-1/EDAT-2 large frames, the
/// translation exceptions with their identification, and the TLB and its purges.
/// </summary>
public unsafe partial class Cpu
{
    /// <summary>CR0 bits that change how translation and protection work.</summary>
    public const ulong Cr0SecondarySpace = 1UL << 26, Cr0FetchProtectionOverride = 1UL << 25,
        Cr0StorageProtectionOverride = 1UL << 24, Cr0Edat = 1UL << 23, Cr0Iep = 1UL << 20, Cr0SsmSuppression = 1UL << 30;
    private const ulong Cr0TranslationBits = Cr0.LowAddressProtection | Cr0FetchProtectionOverride | Cr0StorageProtectionOverride | Cr0Edat | Cr0Iep;

    /// <summary>DAT results by ASCE and page (survives address-space switches; see <see cref="DatTlb"/>).</summary>
    public readonly DatTlb DatTlb = new();

    /// <summary>
    /// The CPUs of the configuration that broadcast TLB clearing reaches (IPTE, IDTE, CSP, SSKE...);
    /// null or one CPU: only this one. Set by whoever builds the configuration.
    /// </summary>
    public IReadOnlyList<Cpu>? TlbPeers;

    /// <summary>Translation-exception identification and exception access id stored with the next program interruption.</summary>
    internal ulong PendingTeid;
    internal bool PendingTeidValid;
    internal byte PendingExcAccessId;

    /// <summary>The exception access identification (lowcore 0xA0) applies: the access went through an access register.</summary>
    internal bool PendingExcAccessIdValid;

    // the translation context the access caches were filled under
    private ulong _ctxMask = ulong.MaxValue, _ctxCr0, _ctxCr1, _ctxCr7, _ctxCr13;

    /// <summary>EDAT-1 applies: facility 8 installed and CR0 bit 40 one.</summary>
    public bool Edat1 => (Cr[0] & Cr0Edat) != 0 && HasFacility(Fac.Edat1);
    public bool Edat2 => Edat1 && HasFacility(Fac.EnhancedDat2);
    public bool IepEnabled => (Cr[0] & Cr0Iep) != 0 && HasFacility(Fac.InstructionExecutionProtection);

    /// <summary>The PSW's address-space control (00 primary, 01 AR, 10 secondary, 11 home).</summary>
    public int Asc => (int)((PswMask >> 46) & 3);
    public bool DatOn => (PswMask & Psw.Dat) != 0;

    /// <summary>
    /// Called whenever the PSW, a control register or the prefix may have changed: drops the access
    /// caches when the translation context (DAT, address-space mode, key, PER, designated ASCE,
    /// protection controls) is no longer the one they were filled under. The DAT TLB stays.
    /// </summary>
    public void TranslationContextChanged()
    {
        ulong m = PswMask & (Psw.Dat | Psw.AscMask | Psw.KeyMask | Psw.Per);
        ulong cr0 = Cr[0] & Cr0TranslationBits;
        bool dat = (m & Psw.Dat) != 0;
        ulong cr1 = dat ? Cr[1] : 0, cr7 = dat ? Cr[7] : 0, cr13 = dat ? Cr[13] : 0;
        if (m == _ctxMask && cr0 == _ctxCr0 && cr1 == _ctxCr1 && cr7 == _ctxCr7 && cr13 == _ctxCr13) return;
        _ctxMask = m; _ctxCr0 = cr0; _ctxCr1 = cr1; _ctxCr7 = cr7; _ctxCr13 = cr13;
        InvalidateTranslation();
    }

    private ulong _datTlbCr0;

    /// <summary>
    /// After LCTL/LCTLG: the access caches follow the new context; translations formed under another
    /// EDAT enablement (CR0 bit 40) are dropped from the DAT TLB too.
    /// </summary>
    public void ControlRegistersChanged()
    {
        ulong edat = Cr[0] & Cr0Edat;
        if (edat != _datTlbCr0) { _datTlbCr0 = edat; DatTlb.Clear(); InvalidateTranslation(); }
        TranslationContextChanged();
        RecheckEvents();
    }

    /// <summary>Drops the access caches and forgets the context they were filled under (state restored or reset wholesale).</summary>
    public void ResetTranslationContext()
    {
        _ctxMask = ulong.MaxValue;
        TranslationContextChanged();
    }

    // ---- address-space selection -----------------------------------------------------------------

    /// <summary>
    /// The ASCE that translates an access of <paramref name="kind"/> in the current mode, and the
    /// address-space identification for the TEID. <paramref name="ar"/> is the access register of the
    /// operand in the access-register mode (-1: find it from the instruction's operands).
    /// </summary>
    internal ulong SpaceAsce(AccessKind kind, ulong addr, int ar, out int space)
    {
        int asc = Asc;
        if (kind == AccessKind.Instr)
        {
            // instructions come from the home space in home mode, else from the primary space
            if (asc == Space.Home) { space = Space.Home; return Cr[13]; }
            space = Space.Primary;
            return Cr[1];
        }
        switch (asc)
        {
            case Space.Primary: space = Space.Primary; return Cr[1];
            case Space.Secondary: space = Space.Secondary; return Cr[7];
            case Space.Home: space = Space.Home; return Cr[13];
            default:
                if (ar < 0) ar = ArOfOperand(addr, kind);
                return ArAsce(ar, kind, out space);
        }
    }

    /// <summary>The ASCE of an address space named by a 2-bit space control (MVCOS OAC, ...): primary, AR, secondary, home.</summary>
    internal ulong AsceOfSpace(int spaceControl, int ar, AccessKind kind, out int space)
    {
        switch (spaceControl)
        {
            case Space.Primary: space = Space.Primary; return Cr[1];
            case Space.Secondary: space = Space.Secondary; return Cr[7];
            case Space.Home: space = Space.Home; return Cr[13];
            default: return ArAsce(ar, kind, out space);
        }
    }

    /// <summary>
    /// Access-register translation: ALET 0 designates the primary space, ALET 1 the secondary space;
    /// other ALETs go through the access list (DUCT or primary ASTE), the ALE and its ASTE.
    /// </summary>
    internal ulong ArAsce(int ar, AccessKind kind, out int space)
    {
        PendingExcAccessId = (byte)ar;
        PendingExcAccessIdValid = true;
        uint alet = ar == 0 ? 0 : A[ar];
        ulong asce;
        if (alet == 0) asce = Cr[1];
        else if (alet == 1) asce = Cr[7];
        else asce = TranslateAlet(alet, ar, kind);
        space = SpaceIdOf(asce);
        return asce;
    }

    /// <summary>TEID space bits of an ASCE reached through an access register: the space it equals, else 01.</summary>
    private int SpaceIdOf(ulong asce)
    {
        if (((asce ^ Cr[1]) & Asce.Origin) == 0) return Space.Primary;
        if (((asce ^ Cr[7]) & Asce.Origin) == 0) return Space.Secondary;
        if (((asce ^ Cr[13]) & Asce.Origin) == 0) return Space.Home;
        return Space.AccessRegister;
    }

    /// <summary>Set while an access-list entry marks the space fetch-only (access-list-controlled protection).</summary>
    private bool _aleFetchOnly;

    /// <summary>ART through the access list: ALET specification, ALEN translation, ALE sequence, ASTE validity/sequence, extended authority.</summary>
    private ulong TranslateAlet(uint alet, int ar, AccessKind kind)
    {
        if ((alet & 0xFE00_0000u) != 0) throw ArtException(PgmCode.AletSpecification, nullify: false);
        bool primaryList = (alet & 0x0100_0000u) != 0;
        ulong cb = primaryList ? Cr[5] & 0x7FFF_FFC0UL : Cr[2] & 0x7FFF_FFC0UL;
        uint ald = ReadRealWordForDat(cb + 16);
        ulong alo = ald & 0x7FFF_FF80u;
        uint all = ald & 0x7Fu;
        uint alen = alet & 0xFFFF;
        if (alen * 16 > all * 128 + 127) throw ArtException(PgmCode.AlenTranslation);
        ulong ale = alo + alen * 16UL;
        uint w0 = ReadRealWordForDat(ale), w2 = ReadRealWordForDat(ale + 8), w3 = ReadRealWordForDat(ale + 12);
        if ((w0 & 0x8000_0000u) != 0) throw ArtException(PgmCode.AlenTranslation);
        if (((w0 >> 16) & 0xFF) != ((alet >> 16) & 0xFF)) throw ArtException(PgmCode.AleSequence);
        ulong aste = w2 & 0x7FFF_FFC0u;
        uint a0 = ReadRealWordForDat(aste);
        if ((a0 & 0x8000_0000u) != 0) throw ArtException(PgmCode.AsteValidity);
        if (ReadRealWordForDat(aste + 20) != w3) throw ArtException(PgmCode.AsteSequence);
        // ALE private bit: the program's extended authorization index (CR8 bits 32-47) must match the ALEAX
        if ((w0 & 0x0100_0000u) != 0 && (w0 & 0xFFFF) != ((Cr[8] >> 16) & 0xFFFF)) throw ArtException(PgmCode.ExtendedAuthority);
        _aleFetchOnly = (w0 & 0x0200_0000u) != 0;
        ulong asce = ((ulong)ReadRealWordForDat(aste + 8) << 32) | ReadRealWordForDat(aste + 12);
        return asce;
    }

    private Exception ArtException(ushort code, bool nullify = true) => Pgm(code, nullify);

    private uint ReadRealWordForDat(ulong real)
    {
        ulong abs = RealToAbsolute(real);
        if (abs + 4 > MemSize) throw Pgm(PgmCode.Addressing, nullify: true);
        return BigEndian.U32(Mem + abs);
    }

    /// <summary>Operands of the current instruction in the access-register mode: effective address and the access register designating its space.</summary>
    private readonly ulong[] _arOpAddr = new ulong[4];
    private readonly int[] _arOpReg = new int[4];
    private int _arOpCount;

    /// <summary>Records an operand of the instruction about to execute in the AR mode (base field or address register).</summary>
    internal void NoteArOperand(ulong addr, int reg)
    {
        if (_arOpCount < _arOpAddr.Length) { _arOpAddr[_arOpCount] = addr; _arOpReg[_arOpCount++] = reg; }
    }

    /// <summary>
    /// Before an instruction executes in the access-register mode: its storage operands (base fields,
    /// or the address registers of register-designated operands) and their access registers.
    /// </summary>
    internal void NoteArOperands(InsnDef def, ref Insn insn)
    {
        _arOpCount = 0;
        if ((PswMask & (Psw.Dat | Psw.AscMask)) != (Psw.Dat | (1UL << 46))) return;
        bool bases = false;
        foreach (var f in Formats.Fields(def.Format))
        {
            switch (f.Field)
            {
                case Field.B1: NoteArOperand(Addr(insn.B1, insn.D1), insn.B1); bases = true; break;
                case Field.B2: NoteArOperand(Addr(insn.X2, insn.B2, insn.D2), insn.B2); bases = true; break;
                case Field.B4: NoteArOperand(Addr(insn.B4, insn.D4), insn.B4); bases = true; break;
            }
        }
        if (bases) return;
        NoteArOperand(G[insn.R1] & AddrMask, insn.R1);
        NoteArOperand(G[insn.R2] & AddrMask, insn.R2);
    }

    /// <summary>
    /// The access register of the operand an AR-mode access belongs to: the operand whose effective
    /// address is nearest at or below the access (stores prefer the first operand on a tie).
    /// </summary>
    private int ArOfOperand(ulong addr, AccessKind kind)
    {
        int best = -1;
        ulong bestDist = ulong.MaxValue;
        for (int k = 0; k < _arOpCount; k++)
        {
            ulong dist = (addr - _arOpAddr[k]) & AddrMask;
            bool better = dist < bestDist || (dist == bestDist && kind != AccessKind.Store);
            if (better) { best = k; bestDist = dist; }
        }
        return best < 0 ? 0 : _arOpReg[best];
    }

    // ---- the table walk ------------------------------------------------------------------------------

    /// <summary>Outcome of a translation for LRA-like instructions that set a condition code instead of interrupting.</summary>
    internal struct DatResult
    {
        public ushort Code;          // 0 ok, else the program-interruption code
        public ulong Real;           // real address (ok)
        public ulong EntryReal;      // real address of the table entry that was invalid, or of the PTE (ok)
        public bool Large;           // translated through an EDAT large frame
        public byte Flags;           // DatTlb.Protected / NoExec
        public bool LengthViolation; // the segment index was outside the table (LRA cc 3)
    }

    /// <summary>
    /// Walks the DAT tables for <paramref name="vaddr"/> under <paramref name="asce"/>; never throws for
    /// translation exceptions (they are returned in <see cref="DatResult.Code"/>), throws the addressing
    /// exception (nullifying) for a table entry outside storage.
    /// </summary>
    internal DatResult Walk(ulong vaddr, ulong asce)
    {
        var r = new DatResult();
        if ((asce & Asce.RealSpace) != 0) { r.Real = vaddr; return r; }
        int dt = (int)((asce >> 2) & 3);
        int tl = (int)(asce & 3), tf = 0;
        ulong origin = asce & Asce.Origin;
        ulong rfx = vaddr >> 53, rsx = (vaddr >> 42) & 0x7FF, rtx = (vaddr >> 31) & 0x7FF, sx = (vaddr >> 20) & 0x7FF, px = (vaddr >> 12) & 0xFF;
        if ((dt < Asce.RegionFirst && rfx != 0) || (dt < Asce.RegionSecond && rsx != 0) || (dt < Asce.RegionThird && rtx != 0))
            return Fail(ref r, PgmCode.AsceType);
        bool edat1 = Edat1, edat2 = Edat2;
        bool priv = (asce & Asce.Private) != 0;
        byte flags = 0;
        ulong entryAddr;
        ulong e;
        int level = dt;
        while (level > Asce.Segment)
        {
            ulong idx = level == Asce.RegionFirst ? rfx : level == Asce.RegionSecond ? rsx : rtx;
            ushort excp = level == Asce.RegionFirst ? PgmCode.RegionFirst : level == Asce.RegionSecond ? PgmCode.RegionSecond : PgmCode.RegionThird;
            if ((int)(idx >> 9) < tf || (int)(idx >> 9) > tl) return Fail(ref r, excp);
            entryAddr = origin + idx * 8;
            e = ReadTableEntry(entryAddr);
            if ((e & TableEntry.Invalid) != 0) { r.EntryReal = entryAddr; return Fail(ref r, excp); }
            if ((int)((e >> 2) & 3) != level) return Fail(ref r, PgmCode.TranslationSpecification);
            if (level == Asce.RegionThird && edat2 && priv && (e & TableEntry.Common) != 0) return Fail(ref r, PgmCode.TranslationSpecification);
            if (edat1 && (e & TableEntry.Protect) != 0) flags |= DatTlb.Protected;
            if (level == Asce.RegionThird && edat2 && (e & TableEntry.FormatControl) != 0)
                return LargeFrame(ref r, e, TableEntry.RegionFrame, vaddr, entryAddr, flags);
            origin = e & TableEntry.Origin;
            tf = (int)((e >> 6) & 3);
            tl = (int)(e & 3);
            level--;
        }
        if ((int)(sx >> 9) < tf || (int)(sx >> 9) > tl) { r.LengthViolation = true; r.EntryReal = origin + sx * 8; return Fail(ref r, PgmCode.SegmentTranslation); }
        entryAddr = origin + sx * 8;
        e = ReadTableEntry(entryAddr);
        if ((e & TableEntry.Invalid) != 0) { r.EntryReal = entryAddr; return Fail(ref r, PgmCode.SegmentTranslation); }
        if ((e & TableEntry.TypeMask) != 0) return Fail(ref r, PgmCode.TranslationSpecification);
        if (priv && (e & TableEntry.Common) != 0) return Fail(ref r, PgmCode.TranslationSpecification);
        if ((e & TableEntry.Protect) != 0) flags |= DatTlb.Protected;
        if (edat1 && (e & TableEntry.FormatControl) != 0)
            return LargeFrame(ref r, e, TableEntry.SegmentFrame, vaddr, entryAddr, flags);
        entryAddr = (e & TableEntry.SegmentOrigin) + px * 8;
        e = ReadTableEntry(entryAddr);
        r.EntryReal = entryAddr;
        if ((e & TableEntry.PageInvalid) != 0) return Fail(ref r, PgmCode.PageTranslation);
        if ((e & TableEntry.PageZero) != 0) return Fail(ref r, PgmCode.TranslationSpecification);
        if ((e & TableEntry.Protect) != 0) flags |= DatTlb.Protected;
        if ((e & TableEntry.NoExec) != 0) flags |= DatTlb.NoExec;
        r.Real = (e & TableEntry.Origin) | (vaddr & 0xFFF);
        r.Flags = flags;
        return r;
    }

    private static DatResult Fail(ref DatResult r, ushort code) { r.Code = code; return r; }

    /// <summary>An EDAT large frame (1 MiB segment or 2 GiB region-third): absolute frame address, the entry's IEP bit.</summary>
    private static DatResult LargeFrame(ref DatResult r, ulong e, ulong frameMask, ulong vaddr, ulong entryAddr, byte flags)
    {
        if ((e & TableEntry.NoExec) != 0) flags |= DatTlb.NoExec;
        r.Real = (e & frameMask) | (vaddr & ~frameMask);
        r.EntryReal = entryAddr;
        r.Flags = flags;
        r.Large = true;
        return r;
    }

    /// <summary>
    /// LPTEA's walk: the page-table entry's address (cc 0, or 1 when the segment entry is protected),
    /// an invalid region/segment entry's address with its table type (cc 2), or an exception code (cc 3).
    /// </summary>
    internal (ulong Value, int Cc) PageTableEntryOf(ulong vaddr, ulong asce)
    {
        var r = Walk(vaddr, asce);
        if (r.Code == PgmCode.TranslationSpecification) throw Pgm(r.Code);
        if (r.Code == 0 && r.Large) return (PgmCode.TranslationSpecification, 3);
        if (r.Code is 0 or PgmCode.PageTranslation)
        {
            ulong ste = ReadTableEntry(SegmentEntryOf(vaddr, asce));
            return (r.EntryReal, (ste & TableEntry.Protect) != 0 ? 1 : 0);
        }
        if (r.EntryReal != 0 && !r.LengthViolation)
        {
            int tt = r.Code switch { PgmCode.SegmentTranslation => 0, PgmCode.RegionThird => 1, PgmCode.RegionSecond => 2, _ => 3 };
            return (r.EntryReal | (uint)tt, 2);
        }
        return (r.Code, 3);
    }

    /// <summary>Absolute address of the segment-table entry a successful walk went through.</summary>
    private ulong SegmentEntryOf(ulong vaddr, ulong asce)
    {
        int level = (int)((asce >> 2) & 3);
        ulong origin = asce & Asce.Origin;
        for (; level > Asce.Segment; level--)
        {
            int shift = level == Asce.RegionFirst ? 53 : level == Asce.RegionSecond ? 42 : 31;
            origin = ReadTableEntry(origin + ((vaddr >> shift) & 0x7FF) * 8) & Asce.Origin;
        }
        return origin + ((vaddr >> 20) & 0x7FF) * 8;
    }

    /// <summary>Table entries are fetched from absolute storage (8 bytes, concurrently); beyond storage: addressing, nullified.</summary>
    private ulong ReadTableEntry(ulong abs)
    {
        if (abs >= MemSize || MemSize - abs < 8) throw Pgm(PgmCode.Addressing, nullify: true);
        return BigEndian.U64(Mem + abs);
    }

    /// <summary>
    /// Translates a virtual address for an access (through the DAT TLB), raising the translation
    /// exceptions with their TEID and DAT/IEP protection. Returns the real address.
    /// </summary>
    internal ulong DatTranslate(ulong vaddr, ulong asce, int space, AccessKind kind, out bool absolute)
    {
        byte flags;
        ulong real;
        if ((asce & Asce.RealSpace) != 0) { real = vaddr; flags = 0; }
        else if (DatTlb.TryGet(asce, vaddr, out var t)) { real = t.Real | (vaddr & 0xFFF); flags = t.Flags; }
        else
        {
            var r = Walk(vaddr, asce);
            if (r.Code != 0)
            {
                if (r.Code == PgmCode.TranslationSpecification) throw Pgm(r.Code);
                throw TranslationException(r.Code, vaddr, space, kind);
            }
            real = r.Real;
            flags = (byte)(r.Flags | (r.Large ? DatTlb.Absolute : 0));
            DatTlb.Add(asce, vaddr, real, r.EntryReal, flags);
        }
        // EDAT large frames designate absolute storage: no prefixing
        absolute = (flags & DatTlb.Absolute) != 0;
        if (kind == AccessKind.Store && (flags & DatTlb.Protected) != 0)
            throw ProtectionException(vaddr, space, kind, Teid.Dat);
        if (kind == AccessKind.Instr && (flags & DatTlb.NoExec) != 0 && IepEnabled)
            throw ProtectionException(vaddr, space, kind, Teid.Iep);
        return real;
    }

    /// <summary>The fetch/store indication of the TEID (facility 75).</summary>
    private ulong FetchStoreBits(AccessKind kind) =>
        !HasFacility(Fac.AccessExceptionFetchStoreIndication) ? 0 : kind == AccessKind.Store ? Teid.Store : Teid.Fetch;

    /// <summary>A translation exception (ASCE-type, region, segment, page): nullifying, with the TEID.</summary>
    internal Exception TranslationException(ushort code, ulong vaddr, int space, AccessKind kind)
    {
        SetTeid((vaddr & ~0xFFFUL) | FetchStoreBits(kind) | (uint)space);
        return Pgm(code, nullify: true);
    }

    /// <summary>A protection exception (suppressing) with the TEID's protection code.</summary>
    internal Exception ProtectionException(ulong vaddr, int space, AccessKind kind, ulong protCode)
    {
        SetTeid((vaddr & ~0xFFFUL) | FetchStoreBits(kind) | protCode | (uint)space);
        return Pgm(PgmCode.Protection);
    }

    private void SetTeid(ulong teid)
    {
        PendingTeid = teid;
        PendingTeidValid = true;
    }

    // ---- TLB clearing ------------------------------------------------------------------------------

    /// <summary>Drops every translation of this CPU: access caches and DAT TLB (PTLB, SPX, reset).</summary>
    public void PurgeTlb()
    {
        DatTlb.Clear();
        InvalidateTranslation();
    }

    /// <summary>Runs a TLB clearing on this CPU, or on every CPU of the configuration unless <paramref name="local"/>.</summary>
    internal void Broadcast(Action<Cpu> clear, bool local = false)
    {
        if (local || TlbPeers is not { Count: > 1 }) { clear(this); return; }
        foreach (var cpu in TlbPeers)
        {
            if (cpu == this) { clear(this); continue; }
            lock (cpu._remoteClears) cpu._remoteClears.Add(clear);
            cpu._remoteClearPending = true;
            cpu.RecheckEvents();
        }
    }

    private readonly List<Action<Cpu>> _remoteClears = new();
    private volatile bool _remoteClearPending;

    /// <summary>Applies TLB clearings other CPUs broadcast (at an instruction boundary of this CPU).</summary>
    internal void ApplyRemoteClears()
    {
        if (!_remoteClearPending) return;
        Action<Cpu>[] work;
        lock (_remoteClears) { work = _remoteClears.ToArray(); _remoteClears.Clear(); _remoteClearPending = false; }
        foreach (var w in work) w(this);
    }

    /// <summary>Clears the access-cache entries of page index <paramref name="px"/> (all three caches).</summary>
    internal void InvalidateCacheIndex(int px)
    {
        // the data caches' sets of this page index (their set number's low 8 bits)
        for (int set = px; set < DataTlbSets; set += TlbEntries)
            for (int w = 0; w < DataTlbWays; w++) { ReadTlb[set * DataTlbWays + w].Tag = InvalidTag; WriteTlb[set * DataTlbWays + w].Tag = InvalidTag; }
        for (int i = px; i < ExecTlbEntries; i += TlbEntries) ExecTlb[i].Tag = InvalidTag;
        StorageObserver?.TranslationChanged();
    }

    /// <summary>Clears the access-cache entries that map absolute frame <paramref name="frame"/> (its key or R/C bits changed).</summary>
    internal void InvalidateFrame(ulong frame)
    {
        byte* host = Mem + (frame << 12);
        byte had = TakeCached(frame, CachedRead | CachedWrite | CachedExec);
        if ((had & (CachedRead | CachedWrite)) != 0)
            for (int i = 0; i < DataTlbSets * DataTlbWays; i++)
            {
                if (ReadTlb[i].Host == host) ReadTlb[i].Tag = InvalidTag;
                if (WriteTlb[i].Host == host) WriteTlb[i].Tag = InvalidTag;
            }
        if ((had & CachedExec) != 0)
            for (int i = 0; i < ExecTlbEntries; i++)
                if (ExecTlb[i].Host == host) ExecTlb[i].Tag = InvalidTag;
    }
}

/// <summary>DAT-related services the translation instructions use.</summary>
public unsafe partial class Cpu
{
    /// <summary>An operand's address space and access key (MVCOS, MVCP, MVCS, MVCK...).</summary>
    public readonly record struct OperandSpace(bool Dat, ulong Asce, int Space, int Key);

    /// <summary>The space of an address-space control (primary, AR via access register <paramref name="ar"/>, secondary, home) with a key.</summary>
    public OperandSpace SpaceOf(int asc, int ar, AccessKind kind, int key)
    {
        if (!DatOn) return new OperandSpace(false, 0, asc, key);
        ulong asce = AsceOfSpace(asc, ar, kind, out int space);
        return new OperandSpace(true, asce, space, key);
    }

    /// <summary>The space the current mode gives an operand with base register <paramref name="b"/>.</summary>
    public OperandSpace CurrentSpace(int b, AccessKind kind, int key) => SpaceOf(Asc, b, kind, key);

    /// <summary>One access to an operand of an explicit space and key (never cached).</summary>
    /// <param name="length">For a store, the bytes it changes from <paramref name="addr"/> on (0: unknown, up to the page's end).</param>
    internal byte* SpaceAccess(ulong addr, AccessKind kind, in OperandSpace s, ulong length = 0)
    {
        if (s.Dat) return LogicalAccess(addr, kind, s.Asce, s.Space, s.Key, cache: false, length);
        if (kind == AccessKind.Store && LowAddressProtected(addr, false))
            throw ProtectionException(addr, s.Space, kind, Teid.LowAddress);
        return CheckedAccess(addr, addr, kind, s.Key, s.Space, privateSpace: false, cache: false, length: length);
    }

    /// <summary>
    /// Moves <paramref name="len"/> bytes left to right (MVC's overlap semantics) from an operand of one
    /// space and key to an operand of another; every page of both operands is checked before any byte changes.
    /// </summary>
    public void MoveBetweenSpaces(ulong dst, OperandSpace d, ulong src, OperandSpace s, ulong len)
    {
        if (len == 0) return;
        for (ulong a = src & ~PageMask; ; a += 4096)
        {
            SpaceAccess(Math.Max(a, src) & AddrMask, AccessKind.Fetch, s);
            if (((src + len - 1) & ~PageMask) == a || a + 4096 == 0) break;
        }
        for (ulong a = dst & ~PageMask; ; a += 4096)
        {
            SpaceAccess(Math.Max(a, dst) & AddrMask, AccessKind.Store, d, dst + len - Math.Max(a, dst));
            if (((dst + len - 1) & ~PageMask) == a || a + 4096 == 0) break;
        }
        byte* sp = null, dp = null;
        for (ulong k = 0; k < len; k++)
        {
            ulong sa = (src + k) & AddrMask, da = (dst + k) & AddrMask;
            if (sp == null || (sa & PageMask) == 0) sp = SpaceAccess(sa, AccessKind.Fetch, s) - (sa & PageMask);
            if (dp == null || (da & PageMask) == 0) dp = SpaceAccess(da, AccessKind.Store, d, len - k) - (da & PageMask);
            dp[da & PageMask] = sp[sa & PageMask];
        }
        if ((PswMask & Psw.Per) != 0) PerStore(dst, len);
        Cycles += len >> 4;
    }

    /// <summary>A store the instruction did through a host pointer: the PER storage-alteration event.</summary>
    internal void StoreDone(ulong addr, ulong len)
    {
        if ((PswMask & Psw.Per) != 0) PerStore(addr, len);
    }

    /// <summary>A store at a real address (STURA, STURG): storage-alteration and store-using-real-address events.</summary>
    internal void RealStoreDone(ulong real, ulong len)
    {
        if ((PswMask & Psw.Per) != 0) PerStore(real, len, realAddress: true);
    }

    /// <summary>
    /// The translation of <paramref name="va"/> in the current address-space mode (operand access
    /// register <paramref name="ar"/>), performed even with DAT off, as LRA does; ART exceptions are
    /// returned in <paramref name="artCode"/>.
    /// </summary>
    internal void DatResultOf(ulong va, int ar, out DatResult r, out ushort artCode)
    {
        r = default;
        if (!TryCurrentAsce(va, ar, out ulong asce, out artCode)) return;
        r = Walk(va, asce);
    }

    /// <summary>The ASCE of the current mode for an instruction that reports ART exceptions by condition code (LRA, TPROT).</summary>
    private bool TryCurrentAsce(ulong va, int ar, out ulong asce, out ushort artCode)
    {
        artCode = 0;
        try { asce = SpaceAsce(AccessKind.Fetch, va, ar, out _); return true; }
        catch (ProgramInterruptException e) when (e.Code is >= PgmCode.AletSpecification and <= PgmCode.ExtendedAuthority)
        {
            asce = 0;
            artCode = e.Code;
            PendingExcAccessIdValid = false;
            return false;
        }
    }

    /// <summary>
    /// TEST PROTECTION's condition code for <paramref name="addr"/> with access key <paramref name="key"/>:
    /// 0 fetch and store, 1 fetch only, 2 neither, 3 translation not available.
    /// </summary>
    internal int TestProtection(ulong addr, int ar, int key)
    {
        ulong real = addr;
        bool dat = DatOn, priv = false, protect = false;
        if (dat)
        {
            _aleFetchOnly = false;
            if (!TryCurrentAsce(addr, ar, out ulong asce, out _)) return 3;
            var r = Walk(addr, asce);
            if (r.Code == PgmCode.TranslationSpecification) throw Pgm(r.Code);
            if (r.Code != 0) return 3;
            real = r.Real;
            priv = (asce & (Asce.Private | Asce.RealSpace)) != 0;
            protect = (r.Flags & DatTlb.Protected) != 0 || _aleFetchOnly;
            if (r.Large) { if (real >= MemSize) throw Pgm(PgmCode.Addressing); return KeyCode(real, addr, key, priv, protect); }
        }
        ulong abs = RealToAbsolute(real);
        if (abs >= MemSize) throw Pgm(PgmCode.Addressing);
        return KeyCode(abs, addr, key, priv, protect || LowAddressProtected(addr, priv));
    }

    private int KeyCode(ulong abs, ulong addr, int key, bool priv, bool storeProtected)
    {
        byte sk = StorageKeys[abs >> 12];
        bool fetch = KeyAllows(sk, key, AccessKind.Fetch, addr, priv, out _);
        bool store = KeyAllows(sk, key, AccessKind.Store, addr, priv, out _) && !storeProtected;
        return store ? 0 : fetch ? 1 : 2;
    }

    /// <summary>A DAT-table entry read by an instruction (IPTE, IDTE, CRDTE): 8 bytes at an absolute address.</summary>
    internal ulong LoadTableEntry(ulong abs)
    {
        if ((abs & 7) != 0) throw Pgm(PgmCode.Specification);
        return BigEndian.U64(AbsPtr(abs, 8));
    }

    /// <summary>Stores a DAT-table entry (absolute), keeping the change bit and the JIT's code watch true.</summary>
    internal void StoreTableEntry(ulong abs, ulong value)
    {
        byte* p = AbsPtr(abs, 8);
        ulong frame = abs >> 12;
        StorageKeys[frame] |= 0x06;
        if (WriteJournal != null) Journal(abs);
        ReportStore(abs, 8);
        BigEndian.Put64(p, value);
    }

    /// <summary>Clears the TLB entries formed from the page-table entry at <paramref name="pteAbs"/> (page index <paramref name="px"/>).</summary>
    public void ClearPte(int px, ulong pteAbs)
    {
        DatTlb.ClearPageIndex(px, pteAbs);
        InvalidateCacheIndex(px);
    }

    /// <summary>Clears the TLB entries formed with an ASCE of the given table origin.</summary>
    public void ClearAsceOrigin(ulong origin)
    {
        DatTlb.ClearAsce(origin);
        InvalidateTranslation();
    }

    /// <summary>Clears the TLB entries formed through region or segment entries of the given indexes.</summary>
    public void ClearTableIndexes(int shift, ulong index, int count)
    {
        DatTlb.ClearTableIndexes(shift, index, count);
        InvalidateTranslation();
    }

    /// <summary>
    /// Space-switch event of SAC/SACF into or out of the home space (program interruption 0x1C,
    /// completing): the TEID holds the primary ASN when entering the home space, zero when leaving,
    /// with bit 32 set from the space-switch-event control of the space left.
    /// </summary>
    internal void SpaceSwitchEvent(bool intoHome)
    {
        ulong id = intoHome ? Cr[4] & 0xFFFF : 0;
        if (((intoHome ? Cr[1] : Cr[13]) & Asce.SpaceSwitchEvent) != 0) id |= 0x8000_0000UL;
        SetTeid(id);
        throw Pgm(PgmCode.SpaceSwitch);
    }
}

public unsafe partial class Cpu
{
    /// <summary>The absolute frame a logical address translates to in the current mode (IVSK): translation exceptions, no protection.</summary>
    internal ulong FrameOfLogical(ulong addr, int ar)
    {
        ulong asce = SpaceAsce(AccessKind.Fetch, addr, ar, out int space);
        ulong real = DatTranslate(addr, asce, space, AccessKind.Fetch, out bool absolute);
        ulong abs = absolute ? real : RealToAbsolute(real);
        if (abs >= MemSize) throw Pgm(PgmCode.Addressing);
        return abs >> 12;
    }

    /// <summary>Zeroes a 4 KiB absolute frame (PFMF clear frame): sets its change bit and drops translated code there.</summary>
    internal void ClearFrame(ulong frame)
    {
        ulong abs = frame << 12;
        if (WriteJournal != null) for (ulong o = 0; o < 4096; o += 8) Journal(abs + o);
        ReportStore(abs, 4096);
        new Span<byte>(Mem + abs, 4096).Clear();
        StorageKeys[frame] |= 0x06;
    }
}
