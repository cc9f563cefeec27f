using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>Branches, compare-and-branch, loops, EXECUTE and SUPERVISOR CALL.</summary>
[SemanticBodies]
public static class Branch<B, V> where B : struct, IBackend<V>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Rel(B b, long halfwords) => b.Const((b.InstrAddr + (ulong)(halfwords * 2)) & b.AddrMask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Always(B b) => b.Const(1);

    /// <summary>Link information (BAS/BASR/BRAS form): the next address; 31-bit mode sets bit 32; 24-bit mode zeroes bits 32-39.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Link(B b, int r1)
    {
        ulong next = b.NextAddr;
        switch (b.AddressingMode)
        {
            case 64: b.SetG(r1, b.Const(next)); break;
            case 31: b.SetG32(r1, b.Const(0x8000_0000UL | (next & 0x7FFF_FFFF))); break;
            default: b.SetG32(r1, b.Const(next & 0xFF_FFFF)); break;
        }
    }

    public static void BC(B b, ref Insn i) => b.JumpIf(b.CcMatches(i.M1), b.Addr(i.X2, i.B2, i.D2));
    public static void BCR(B b, ref Insn i) { if (i.R2 != 0) b.JumpIf(b.CcMatches(i.R1), b.G(i.R2)); }
    public static void BRC(B b, ref Insn i) => b.JumpIf(b.CcMatches(i.M1), Rel(b, i.RI2));
    public static void BRCL(B b, ref Insn i) => b.JumpIf(b.CcMatches(i.M1), Rel(b, i.RI2));

    public static void BAS(B b, ref Insn i) { V t = b.Addr(i.X2, i.B2, i.D2); Link(b, i.R1); b.JumpIf(Always(b), t); }
    public static void BASR(B b, ref Insn i) { V t = b.G(i.R2); Link(b, i.R1); if (i.R2 != 0) b.JumpIf(Always(b), t); }
    public static void BRAS(B b, ref Insn i) { Link(b, i.R1); b.JumpIf(Always(b), Rel(b, i.RI2)); }
    public static void BRASL(B b, ref Insn i) { Link(b, i.R1); b.JumpIf(Always(b), Rel(b, i.RI2)); }

    // branch on count
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Dec32(B b, int r) { V v = b.Trunc32(b.Sub(b.G32(r), b.Const(1))); b.SetG32(r, v); return b.Xor(b.Eq(v, b.Const(0)), b.Const(1)); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Dec64(B b, int r) { V v = b.Sub(b.G(r), b.Const(1)); b.SetG(r, v); return b.Xor(b.Eq(v, b.Const(0)), b.Const(1)); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Dec32H(B b, int r) { V v = b.Trunc32(b.Sub(b.G32H(r), b.Const(1))); b.SetG32H(r, v); return b.Xor(b.Eq(v, b.Const(0)), b.Const(1)); }
    public static void BCT(B b, ref Insn i) { V t = b.Addr(i.X2, i.B2, i.D2); b.JumpIf(Dec32(b, i.R1), t); }
    public static void BCTR(B b, ref Insn i) { V t = b.G(i.R2); V nz = Dec32(b, i.R1); if (i.R2 != 0) b.JumpIf(nz, t); }
    public static void BCTG(B b, ref Insn i) { V t = b.Addr(i.X2, i.B2, i.D2); b.JumpIf(Dec64(b, i.R1), t); }
    public static void BCTGR(B b, ref Insn i) { V t = b.G(i.R2); V nz = Dec64(b, i.R1); if (i.R2 != 0) b.JumpIf(nz, t); }
    public static void BRCT(B b, ref Insn i) => b.JumpIf(Dec32(b, i.R1), Rel(b, i.RI2));
    public static void BRCTG(B b, ref Insn i) => b.JumpIf(Dec64(b, i.R1), Rel(b, i.RI2));
    public static void BRCTH(B b, ref Insn i) => b.JumpIf(Dec32H(b, i.R1), Rel(b, i.RI2));

    // branch on index: increment R3, compare value R3|1 fetched before R1 changes
    private static V Index32(B b, int r1, int r3, bool high)
    {
        V inc = b.SExt32(b.G(r3)), cmp = b.SExt32(b.G(r3 | 1));
        V sum = b.SExt32(b.Add(b.SExt32(b.G(r1)), inc));
        b.SetG32(r1, b.Trunc32(sum));
        return high ? b.LtS(cmp, sum) : b.Xor(b.LtS(cmp, sum), b.Const(1));
    }
    private static V Index64(B b, int r1, int r3, bool high)
    {
        V inc = b.G(r3), cmp = b.G(r3 | 1);
        V sum = b.Add(b.G(r1), inc);
        b.SetG(r1, sum);
        return high ? b.LtS(cmp, sum) : b.Xor(b.LtS(cmp, sum), b.Const(1));
    }
    public static void BXH(B b, ref Insn i) { V t = b.Addr(0, i.B2, i.D2); b.JumpIf(Index32(b, i.R1, i.R3, true), t); }
    public static void BXLE(B b, ref Insn i) { V t = b.Addr(0, i.B2, i.D2); b.JumpIf(Index32(b, i.R1, i.R3, false), t); }
    public static void BXHG(B b, ref Insn i) { V t = b.Addr(0, i.B2, i.D2); b.JumpIf(Index64(b, i.R1, i.R3, true), t); }
    public static void BXLEG(B b, ref Insn i) { V t = b.Addr(0, i.B2, i.D2); b.JumpIf(Index64(b, i.R1, i.R3, false), t); }
    public static void BRXH(B b, ref Insn i) => b.JumpIf(Index32(b, i.R1, i.R3, true), Rel(b, i.RI2));
    public static void BRXLE(B b, ref Insn i) => b.JumpIf(Index32(b, i.R1, i.R3, false), Rel(b, i.RI2));
    public static void BRXHG(B b, ref Insn i) => b.JumpIf(Index64(b, i.R1, i.R3, true), Rel(b, i.RI2));
    public static void BRXLG(B b, ref Insn i) => b.JumpIf(Index64(b, i.R1, i.R3, false), Rel(b, i.RI2));

    // compare and branch (relative: RIE; to an address: RRS / RIS); the cc is unchanged
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Cmp(B b, int m, V x, V y, bool signed) => CcRules.CompareMask(b, m, x, y, signed);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V S32(B b, int r) => b.SExt32(b.G(r));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V I(B b, long v) => b.Const((ulong)v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V A4(B b, ref Insn i) => b.Addr(0, i.B4, i.D4);
    public static void CRJ(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, S32(b, i.R1), S32(b, i.R2), true), Rel(b, i.RI4));
    public static void CGRJ(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G(i.R1), b.G(i.R2), true), Rel(b, i.RI4));
    public static void CLRJ(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G32(i.R1), b.G32(i.R2), false), Rel(b, i.RI4));
    public static void CLGRJ(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G(i.R1), b.G(i.R2), false), Rel(b, i.RI4));
    public static void CIJ(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, S32(b, i.R1), I(b, i.I2), true), Rel(b, i.RI4));
    public static void CGIJ(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G(i.R1), I(b, i.I2), true), Rel(b, i.RI4));
    public static void CLIJ(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G32(i.R1), I(b, i.I2), false), Rel(b, i.RI4));
    public static void CLGIJ(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G(i.R1), I(b, i.I2), false), Rel(b, i.RI4));
    public static void CRB(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, S32(b, i.R1), S32(b, i.R2), true), A4(b, ref i));
    public static void CGRB(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G(i.R1), b.G(i.R2), true), A4(b, ref i));
    public static void CLRB(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G32(i.R1), b.G32(i.R2), false), A4(b, ref i));
    public static void CLGRB(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G(i.R1), b.G(i.R2), false), A4(b, ref i));
    public static void CIB(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, S32(b, i.R1), I(b, i.I2), true), A4(b, ref i));
    public static void CGIB(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G(i.R1), I(b, i.I2), true), A4(b, ref i));
    public static void CLIB(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G32(i.R1), I(b, i.I2), false), A4(b, ref i));
    public static void CLGIB(B b, ref Insn i) => b.JumpIf(Cmp(b, i.M3, b.G(i.R1), I(b, i.I2), false), A4(b, ref i));
}

/// <summary>Branches that switch modes or use 24-bit link information, EXECUTE and SUPERVISOR CALL: helpers.</summary>
[SemanticBodies]
public static class BranchHelpers
{
    private static void Jump(Cpu c, ulong target) => c.Branch(target);

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

    public static void BAL(Cpu c, ref Insn i) { ulong t = c.Addr(i.X2, i.B2, i.D2); LinkBal(c, i.R1); Jump(c, t); }
    public static void BALR(Cpu c, ref Insn i) { ulong t = c.G[i.R2]; LinkBal(c, i.R1); if (i.R2 != 0) Jump(c, t); }

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // (not ReadyToRun code through kernel init: see Cpu.ExecuteCompiled)
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
        c.NoteArOperands(def, ref t);
        if (c.Execute(def, ref t) == CpuExit.Instruction) throw c.SieIntercept;
    }
    public static void EX(Cpu c, ref Insn i) => ExecuteAt(c, c.Addr(i.X2, i.B2, i.D2), i.R1);
    public static void EXRL(Cpu c, ref Insn i) => ExecuteAt(c, c.RelAddr(i.RI2), i.R1);

    public static void SVC(Cpu c, ref Insn i) => c.DeliverSvc((byte)i.I1);
}
