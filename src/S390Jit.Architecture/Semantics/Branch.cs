using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.Alu;

namespace S390Jit.Architecture.Semantics;

/// <summary>Branches, compare-and-branch, loops, EXECUTE and SUPERVISOR CALL.</summary>
[SemanticBodies]
public static class Branch
{
    /// <summary>Link information (BAS/BASR/BRAS form): 64-bit address, or 31-bit with bit 32 set, or 24-bit.</summary>
    private static void Link(Cpu c, int r1)
    {
        ulong next = c.PswAddr;
        switch (c.AddressingMode)
        {
            case 64: c.G[r1] = next; break;
            case 31: c.SetR32(r1, 0x8000_0000u | (uint)next); break;
            default: c.SetR32(r1, (uint)next & 0xFF_FFFF); break;
        }
    }

    /// <summary>BAL/BALR link information: in 24-bit mode ILC, CC and program mask precede the address.</summary>
    private static void LinkBal(Cpu c, int r1)
    {
        if (c.AddressingMode != 24) { Link(c, r1); return; }
        uint ilc = (uint)(c.InstrLength / 2);
        uint pm = (uint)((c.PswMask >> 40) & 0xF);
        c.SetR32(r1, (ilc << 30) | ((uint)c.Cc << 28) | (pm << 24) | ((uint)c.PswAddr & 0xFF_FFFF));
    }

    private static void Jump(Cpu c, ulong target) => c.PswAddr = target & c.AddrMask;

    public static void BC(Cpu c, ref Insn i) { if (CcMatches(c, i.M1)) Jump(c, c.Addr(i.X2, i.B2, i.D2)); }
    public static void BCR(Cpu c, ref Insn i) { if (i.R2 != 0 && CcMatches(c, i.R1)) Jump(c, c.G[i.R2]); }
    public static void BRC(Cpu c, ref Insn i) { if (CcMatches(c, i.M1)) Jump(c, c.RelAddr(i.RI2)); }
    public static void BRCL(Cpu c, ref Insn i) { if (CcMatches(c, i.M1)) Jump(c, c.RelAddr(i.RI2)); }

    public static void BAL(Cpu c, ref Insn i) { ulong t = c.Addr(i.X2, i.B2, i.D2); LinkBal(c, i.R1); Jump(c, t); }
    public static void BALR(Cpu c, ref Insn i) { ulong t = c.G[i.R2]; LinkBal(c, i.R1); if (i.R2 != 0) Jump(c, t); }
    public static void BAS(Cpu c, ref Insn i) { ulong t = c.Addr(i.X2, i.B2, i.D2); Link(c, i.R1); Jump(c, t); }
    public static void BASR(Cpu c, ref Insn i) { ulong t = c.G[i.R2]; Link(c, i.R1); if (i.R2 != 0) Jump(c, t); }
    public static void BRAS(Cpu c, ref Insn i) { Link(c, i.R1); Jump(c, c.RelAddr(i.RI2)); }
    public static void BRASL(Cpu c, ref Insn i) { Link(c, i.R1); Jump(c, c.RelAddr(i.RI2)); }

    // branch on count
    public static void BCT(Cpu c, ref Insn i) { ulong t = c.Addr(i.X2, i.B2, i.D2); uint v = c.R32(i.R1) - 1; c.SetR32(i.R1, v); if (v != 0) Jump(c, t); }
    public static void BCTR(Cpu c, ref Insn i) { ulong t = c.G[i.R2]; uint v = c.R32(i.R1) - 1; c.SetR32(i.R1, v); if (v != 0 && i.R2 != 0) Jump(c, t); }
    public static void BCTG(Cpu c, ref Insn i) { ulong t = c.Addr(i.X2, i.B2, i.D2); ulong v = --c.G[i.R1]; if (v != 0) Jump(c, t); }
    public static void BCTGR(Cpu c, ref Insn i) { ulong t = c.G[i.R2]; ulong v = --c.G[i.R1]; if (v != 0 && i.R2 != 0) Jump(c, t); }
    public static void BRCT(Cpu c, ref Insn i) { uint v = c.R32(i.R1) - 1; c.SetR32(i.R1, v); if (v != 0) Jump(c, c.RelAddr(i.RI2)); }
    public static void BRCTG(Cpu c, ref Insn i) { ulong v = --c.G[i.R1]; if (v != 0) Jump(c, c.RelAddr(i.RI2)); }
    public static void BRCTH(Cpu c, ref Insn i) { uint v = c.R32H(i.R1) - 1; c.SetR32H(i.R1, v); if (v != 0) Jump(c, c.RelAddr(i.RI2)); }

    // branch on index: increment R3, compare value R3|1, fetched before R1 changes
    private static bool Index32(Cpu c, int r1, int r3, bool high)
    {
        int inc = (int)c.R32(r3), cmp = (int)c.R32(r3 | 1);
        int sum = (int)c.R32(r1) + inc;
        c.SetR32(r1, (uint)sum);
        return high ? sum > cmp : sum <= cmp;
    }
    private static bool Index64(Cpu c, int r1, int r3, bool high)
    {
        long inc = (long)c.G[r3], cmp = (long)c.G[r3 | 1];
        long sum = (long)c.G[r1] + inc;
        c.G[r1] = (ulong)sum;
        return high ? sum > cmp : sum <= cmp;
    }
    public static void BXH(Cpu c, ref Insn i) { ulong t = c.Addr(i.B2, i.D2); if (Index32(c, i.R1, i.R3, true)) Jump(c, t); }
    public static void BXLE(Cpu c, ref Insn i) { ulong t = c.Addr(i.B2, i.D2); if (Index32(c, i.R1, i.R3, false)) Jump(c, t); }
    public static void BXHG(Cpu c, ref Insn i) { ulong t = c.Addr(i.B2, i.D2); if (Index64(c, i.R1, i.R3, true)) Jump(c, t); }
    public static void BXLEG(Cpu c, ref Insn i) { ulong t = c.Addr(i.B2, i.D2); if (Index64(c, i.R1, i.R3, false)) Jump(c, t); }
    public static void BRXH(Cpu c, ref Insn i) { if (Index32(c, i.R1, i.R3, true)) Jump(c, c.RelAddr(i.RI2)); }
    public static void BRXLE(Cpu c, ref Insn i) { if (Index32(c, i.R1, i.R3, false)) Jump(c, c.RelAddr(i.RI2)); }
    public static void BRXHG(Cpu c, ref Insn i) { if (Index64(c, i.R1, i.R3, true)) Jump(c, c.RelAddr(i.RI2)); }
    public static void BRXLG(Cpu c, ref Insn i) { if (Index64(c, i.R1, i.R3, false)) Jump(c, c.RelAddr(i.RI2)); }

    // compare and branch (relative: RIE; to address: RRS / RIS)
    public static void CRJ(Cpu c, ref Insn i) { if (CompareMatches(i.M3, (int)c.R32(i.R1), (int)c.R32(i.R2))) Jump(c, c.RelAddr(i.RI4)); }
    public static void CGRJ(Cpu c, ref Insn i) { if (CompareMatches(i.M3, (long)c.G[i.R1], (long)c.G[i.R2])) Jump(c, c.RelAddr(i.RI4)); }
    public static void CLRJ(Cpu c, ref Insn i) { if (CompareMatchesU(i.M3, c.R32(i.R1), c.R32(i.R2))) Jump(c, c.RelAddr(i.RI4)); }
    public static void CLGRJ(Cpu c, ref Insn i) { if (CompareMatchesU(i.M3, c.G[i.R1], c.G[i.R2])) Jump(c, c.RelAddr(i.RI4)); }
    public static void CIJ(Cpu c, ref Insn i) { if (CompareMatches(i.M3, (int)c.R32(i.R1), i.I2)) Jump(c, c.RelAddr(i.RI4)); }
    public static void CGIJ(Cpu c, ref Insn i) { if (CompareMatches(i.M3, (long)c.G[i.R1], i.I2)) Jump(c, c.RelAddr(i.RI4)); }
    public static void CLIJ(Cpu c, ref Insn i) { if (CompareMatchesU(i.M3, c.R32(i.R1), (ulong)i.I2)) Jump(c, c.RelAddr(i.RI4)); }
    public static void CLGIJ(Cpu c, ref Insn i) { if (CompareMatchesU(i.M3, c.G[i.R1], (ulong)i.I2)) Jump(c, c.RelAddr(i.RI4)); }
    public static void CRB(Cpu c, ref Insn i) { if (CompareMatches(i.M3, (int)c.R32(i.R1), (int)c.R32(i.R2))) Jump(c, c.Addr(i.B4, i.D4)); }
    public static void CGRB(Cpu c, ref Insn i) { if (CompareMatches(i.M3, (long)c.G[i.R1], (long)c.G[i.R2])) Jump(c, c.Addr(i.B4, i.D4)); }
    public static void CLRB(Cpu c, ref Insn i) { if (CompareMatchesU(i.M3, c.R32(i.R1), c.R32(i.R2))) Jump(c, c.Addr(i.B4, i.D4)); }
    public static void CLGRB(Cpu c, ref Insn i) { if (CompareMatchesU(i.M3, c.G[i.R1], c.G[i.R2])) Jump(c, c.Addr(i.B4, i.D4)); }
    public static void CIB(Cpu c, ref Insn i) { if (CompareMatches(i.M3, (int)c.R32(i.R1), i.I2)) Jump(c, c.Addr(i.B4, i.D4)); }
    public static void CGIB(Cpu c, ref Insn i) { if (CompareMatches(i.M3, (long)c.G[i.R1], i.I2)) Jump(c, c.Addr(i.B4, i.D4)); }
    public static void CLIB(Cpu c, ref Insn i) { if (CompareMatchesU(i.M3, c.R32(i.R1), (ulong)i.I2)) Jump(c, c.Addr(i.B4, i.D4)); }
    public static void CLGIB(Cpu c, ref Insn i) { if (CompareMatchesU(i.M3, c.G[i.R1], (ulong)i.I2)) Jump(c, c.Addr(i.B4, i.D4)); }

    // ---- mode-switching branches ---------------------------------------------------------------
    private static void SetModeFromAddress(Cpu c, ulong v, out ulong target)
    {
        ulong m = c.PswMask & ~(Psw.EA | Psw.BA);
        if ((v & 1) != 0) { m |= Psw.EA | Psw.BA; target = v & ~1UL; }
        else if ((v & 0x8000_0000UL) != 0) { m |= Psw.BA; target = v & 0x7FFF_FFFFUL; }
        else target = v & 0xFF_FFFFUL;
        c.SetPswMaskBits(m);
    }
    private static void StoreMode(Cpu c, int r1)
    {
        if (c.AddressingMode == 64) c.G[r1] |= 1;
        else c.SetR32(r1, (c.R32(r1) & 0x7FFF_FFFFu) | (c.AddressingMode == 31 ? 0x8000_0000u : 0));
    }
    public static void BSM(Cpu c, ref Insn i)
    {
        ulong v = c.G[i.R2];
        if (i.R1 != 0) StoreMode(c, i.R1);
        if (i.R2 == 0) return;
        SetModeFromAddress(c, v, out ulong t);
        Jump(c, t);
    }
    public static void BASSM(Cpu c, ref Insn i)
    {
        ulong v = c.G[i.R2];
        Link(c, i.R1);
        if (c.AddressingMode == 64) c.G[i.R1] |= 1;
        if (i.R2 == 0) return;
        SetModeFromAddress(c, v, out ulong t);
        Jump(c, t);
    }

    // ---- EXECUTE -------------------------------------------------------------------------------
    private static void ExecuteAt(Cpu c, ulong target, int r1)
    {
        if ((target & 1) != 0) throw c.Pgm(PgmCode.Specification);
        ulong raw = c.Fetch(target, out int len);
        if (r1 != 0) raw |= (c.G[r1] & 0xFF) << 48;
        var def = Decoder.Lookup(raw) ?? throw c.Pgm(PgmCode.Operation);
        if (def.Has(InsnFlags.Execute)) throw c.Pgm(PgmCode.Execute);
        Insn t = default;
        t.Def = def;
        t.Raw = raw;
        t.Length = (byte)len;
        Decoder.ExtractFields(ref t, def);
        c.InstrAddr = target;
        if (c.Execute(def, ref t) == CpuExit.Instruction) throw c.SieIntercept;
    }
    public static void EX(Cpu c, ref Insn i) => ExecuteAt(c, c.Addr(i.X2, i.B2, i.D2), i.R1);
    public static void EXRL(Cpu c, ref Insn i) => ExecuteAt(c, c.RelAddr(i.RI2), i.R1);

    public static void SVC(Cpu c, ref Insn i) => c.DeliverSvc((byte)i.I1);
}
