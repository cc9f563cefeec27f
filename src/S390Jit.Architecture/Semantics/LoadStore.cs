using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>Loads and stores: registers, storage, relative-long, high-word, on-condition, multiple, addresses.</summary>
[SemanticBodies]
public static class LoadStore<B, V> where B : struct, IBackend<V>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V K(B b, ulong v) => b.Const(v);
    private static V A2(B b, ref Insn i) => b.Addr(i.X2, i.B2, i.D2);
    private static V A2s(B b, ref Insn i) => b.Addr(0, i.B2, i.D2);
    private static V Ld(B b, int size, ref Insn i) => b.Load(size, A2(b, ref i));
    private static V Rel(B b, ref Insn i, int size)
    {
        ulong a = (b.InstrAddr + (ulong)(i.RI2 * 2)) & b.AddrMask;
        if ((a & (ulong)(size - 1)) != 0) b.Raise(PgmCode.Specification);
        return K(b, a);
    }

    // ---- register to register -----------------------------------------------------------------
    public static void LR(B b, ref Insn i) => b.SetG32(i.R1, b.G32(i.R2));
    public static void LGR(B b, ref Insn i) => b.SetG(i.R1, b.G(i.R2));
    public static void LGFR(B b, ref Insn i) => b.SetG(i.R1, b.SExt32(b.G(i.R2)));
    public static void LLGFR(B b, ref Insn i) => b.SetG(i.R1, b.G32(i.R2));
    public static void LLGTR(B b, ref Insn i) => b.SetG(i.R1, b.And(b.G(i.R2), K(b, 0x7FFF_FFFF)));
    public static void LBR(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.SExt8(b.G(i.R2))));
    public static void LGBR(B b, ref Insn i) => b.SetG(i.R1, b.SExt8(b.G(i.R2)));
    public static void LHR(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.SExt16(b.G(i.R2))));
    public static void LGHR(B b, ref Insn i) => b.SetG(i.R1, b.SExt16(b.G(i.R2)));
    public static void LLCR(B b, ref Insn i) => b.SetG32(i.R1, b.And(b.G(i.R2), K(b, 0xFF)));
    public static void LLGCR(B b, ref Insn i) => b.SetG(i.R1, b.And(b.G(i.R2), K(b, 0xFF)));
    public static void LLHR(B b, ref Insn i) => b.SetG32(i.R1, b.And(b.G(i.R2), K(b, 0xFFFF)));
    public static void LLGHR(B b, ref Insn i) => b.SetG(i.R1, b.And(b.G(i.R2), K(b, 0xFFFF)));
    public static void LRVR(B b, ref Insn i) => b.SetG32(i.R1, b.ByteSwap(b.G32(i.R2), 4));
    public static void LRVGR(B b, ref Insn i) => b.SetG(i.R1, b.ByteSwap(b.G(i.R2), 8));

    // ---- immediates ---------------------------------------------------------------------------
    public static void LHI(B b, ref Insn i) => b.SetG32(i.R1, K(b, (uint)i.I2));
    public static void LGHI(B b, ref Insn i) => b.SetG(i.R1, K(b, (ulong)i.I2));
    public static void LGFI(B b, ref Insn i) => b.SetG(i.R1, K(b, (ulong)i.I2));

    // ---- loads from storage ---------------------------------------------------------------------
    public static void L(B b, ref Insn i) => b.SetG32(i.R1, Ld(b, 4, ref i));
    public static void LY(B b, ref Insn i) => L(b, ref i);
    public static void LG(B b, ref Insn i) => b.SetG(i.R1, Ld(b, 8, ref i));
    public static void LGF(B b, ref Insn i) => b.SetG(i.R1, b.SExt32(Ld(b, 4, ref i)));
    public static void LLGF(B b, ref Insn i) => b.SetG(i.R1, Ld(b, 4, ref i));
    public static void LLGT(B b, ref Insn i) => b.SetG(i.R1, b.And(Ld(b, 4, ref i), K(b, 0x7FFF_FFFF)));
    public static void LH(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.SExt16(Ld(b, 2, ref i))));
    public static void LHY(B b, ref Insn i) => LH(b, ref i);
    public static void LGH(B b, ref Insn i) => b.SetG(i.R1, b.SExt16(Ld(b, 2, ref i)));
    public static void LLH(B b, ref Insn i) => b.SetG32(i.R1, Ld(b, 2, ref i));
    public static void LLGH(B b, ref Insn i) => b.SetG(i.R1, Ld(b, 2, ref i));
    public static void LB(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.SExt8(Ld(b, 1, ref i))));
    public static void LGB(B b, ref Insn i) => b.SetG(i.R1, b.SExt8(Ld(b, 1, ref i)));
    public static void LLC(B b, ref Insn i) => b.SetG32(i.R1, Ld(b, 1, ref i));
    public static void LLGC(B b, ref Insn i) => b.SetG(i.R1, Ld(b, 1, ref i));
    public static void LRV(B b, ref Insn i) => b.SetG32(i.R1, b.ByteSwap(Ld(b, 4, ref i), 4));
    public static void LRVH(B b, ref Insn i) => b.SetG(i.R1, b.Or(b.And(b.G(i.R1), K(b, ~0xFFFFUL)), b.ByteSwap(Ld(b, 2, ref i), 2)));
    public static void LRVG(B b, ref Insn i) => b.SetG(i.R1, b.ByteSwap(Ld(b, 8, ref i), 8));
    public static void LZRF(B b, ref Insn i) => b.SetG32(i.R1, b.And(Ld(b, 4, ref i), K(b, 0xFFFF_FF00)));
    public static void LZRG(B b, ref Insn i) => b.SetG(i.R1, b.And(Ld(b, 8, ref i), K(b, ~0xFFUL)));
    public static void LLZRGF(B b, ref Insn i) => b.SetG(i.R1, b.And(Ld(b, 4, ref i), K(b, 0xFFFF_FF00)));

    // load and trap (zEC12): the load happens, then a data exception (DXC 0xFF) if the value is zero
    public static void LAT(B b, ref Insn i) { V v = Ld(b, 4, ref i); b.SetG32(i.R1, v); b.TrapIf(b.Eq(v, K(b, 0))); }
    public static void LGAT(B b, ref Insn i) { V v = Ld(b, 8, ref i); b.SetG(i.R1, v); b.TrapIf(b.Eq(v, K(b, 0))); }
    public static void LLGFAT(B b, ref Insn i) { V v = Ld(b, 4, ref i); b.SetG(i.R1, v); b.TrapIf(b.Eq(v, K(b, 0))); }
    public static void LLGTAT(B b, ref Insn i) { V v = b.And(Ld(b, 4, ref i), K(b, 0x7FFF_FFFF)); b.SetG(i.R1, v); b.TrapIf(b.Eq(v, K(b, 0))); }
    public static void LFHAT(B b, ref Insn i) { V v = Ld(b, 4, ref i); b.SetG32H(i.R1, v); b.TrapIf(b.Eq(v, K(b, 0))); }

    // ---- stores -----------------------------------------------------------------------------------
    public static void ST(B b, ref Insn i) => b.Store(4, A2(b, ref i), b.G32(i.R1));
    public static void STY(B b, ref Insn i) => ST(b, ref i);
    public static void STG(B b, ref Insn i) => b.Store(8, A2(b, ref i), b.G(i.R1));
    public static void STH(B b, ref Insn i) => b.Store(2, A2(b, ref i), b.G(i.R1));
    public static void STHY(B b, ref Insn i) => STH(b, ref i);
    public static void STC(B b, ref Insn i) => b.Store(1, A2(b, ref i), b.G(i.R1));
    public static void STCY(B b, ref Insn i) => STC(b, ref i);
    public static void STRV(B b, ref Insn i) => b.Store(4, A2(b, ref i), b.ByteSwap(b.G32(i.R1), 4));
    public static void STRVH(B b, ref Insn i) => b.Store(2, A2(b, ref i), b.ByteSwap(b.G(i.R1), 2));
    public static void STRVG(B b, ref Insn i) => b.Store(8, A2(b, ref i), b.ByteSwap(b.G(i.R1), 8));
    public static void MVHHI(B b, ref Insn i) => b.Store(2, b.Addr(0, i.B1, i.D1), K(b, (ulong)i.I2));
    public static void MVHI(B b, ref Insn i) => b.Store(4, b.Addr(0, i.B1, i.D1), K(b, (ulong)i.I2));
    public static void MVGHI(B b, ref Insn i) => b.Store(8, b.Addr(0, i.B1, i.D1), K(b, (ulong)i.I2));
    public static void MVI(B b, ref Insn i) => b.Store(1, b.Addr(0, i.B1, i.D1), K(b, (byte)i.I2));
    public static void MVIY(B b, ref Insn i) => MVI(b, ref i);
    public static void CLI(B b, ref Insn i) => b.SetCc(CcOp.CompareLogical32, b.Load(1, b.Addr(0, i.B1, i.D1)), K(b, (byte)i.I2), K(b, 0));
    public static void CLIY(B b, ref Insn i) => CLI(b, ref i);

    // ---- relative long ---------------------------------------------------------------------------
    public static void LRL(B b, ref Insn i) => b.SetG32(i.R1, b.Load(4, Rel(b, ref i, 4)));
    public static void LGRL(B b, ref Insn i) => b.SetG(i.R1, b.Load(8, Rel(b, ref i, 8)));
    public static void LGFRL(B b, ref Insn i) => b.SetG(i.R1, b.SExt32(b.Load(4, Rel(b, ref i, 4))));
    public static void LLGFRL(B b, ref Insn i) => b.SetG(i.R1, b.Load(4, Rel(b, ref i, 4)));
    public static void LHRL(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.SExt16(b.Load(2, Rel(b, ref i, 2)))));
    public static void LGHRL(B b, ref Insn i) => b.SetG(i.R1, b.SExt16(b.Load(2, Rel(b, ref i, 2))));
    public static void LLHRL(B b, ref Insn i) => b.SetG32(i.R1, b.Load(2, Rel(b, ref i, 2)));
    public static void LLGHRL(B b, ref Insn i) => b.SetG(i.R1, b.Load(2, Rel(b, ref i, 2)));
    public static void STRL(B b, ref Insn i) => b.Store(4, Rel(b, ref i, 4), b.G32(i.R1));
    public static void STGRL(B b, ref Insn i) => b.Store(8, Rel(b, ref i, 8), b.G(i.R1));
    public static void STHRL(B b, ref Insn i) => b.Store(2, Rel(b, ref i, 2), b.G(i.R1));

    // ---- high word (z196) ----------------------------------------------------------------------
    public static void LFH(B b, ref Insn i) => b.SetG32H(i.R1, Ld(b, 4, ref i));
    public static void LBH(B b, ref Insn i) => b.SetG32H(i.R1, b.Trunc32(b.SExt8(Ld(b, 1, ref i))));
    public static void LLCH(B b, ref Insn i) => b.SetG32H(i.R1, Ld(b, 1, ref i));
    public static void LHH(B b, ref Insn i) => b.SetG32H(i.R1, b.Trunc32(b.SExt16(Ld(b, 2, ref i))));
    public static void LLHH(B b, ref Insn i) => b.SetG32H(i.R1, Ld(b, 2, ref i));
    public static void STFH(B b, ref Insn i) => b.Store(4, A2(b, ref i), b.G32H(i.R1));
    public static void STCH(B b, ref Insn i) => b.Store(1, A2(b, ref i), b.G32H(i.R1));
    public static void STHH(B b, ref Insn i) => b.Store(2, A2(b, ref i), b.G32H(i.R1));

    // ---- on condition (z196, z13): a select, or a load/store guarded by the condition -------------
    public static void LOCR(B b, ref Insn i) => b.SetG32(i.R1, b.Select(b.CcMatches(i.M3), b.G32(i.R2), b.G32(i.R1)));
    public static void LOCGR(B b, ref Insn i) => b.SetG(i.R1, b.Select(b.CcMatches(i.M3), b.G(i.R2), b.G(i.R1)));
    public static void LOCFHR(B b, ref Insn i) => b.SetG32H(i.R1, b.Select(b.CcMatches(i.M3), b.G32H(i.R2), b.G32H(i.R1)));
    public static void LOCHI(B b, ref Insn i) => b.SetG32(i.R1, b.Select(b.CcMatches(i.M3), K(b, (uint)i.I2), b.G32(i.R1)));
    public static void LOCGHI(B b, ref Insn i) => b.SetG(i.R1, b.Select(b.CcMatches(i.M3), K(b, (ulong)i.I2), b.G(i.R1)));
    public static void LOCHHI(B b, ref Insn i) => b.SetG32H(i.R1, b.Select(b.CcMatches(i.M3), K(b, (uint)i.I2), b.G32H(i.R1)));

    // ---- multiple: every register of the range, after checking the whole operand is accessible ----
    private static int Count(int r1, int r3) => ((r3 - r1) & 15) + 1;
    private static V Next(B b, V a, int k, int size) => b.And(b.Add(a, K(b, (ulong)(k * size))), K(b, b.AddrMask));
    public static void LM(B b, ref Insn i)
    {
        V a = A2s(b, ref i);
        int n = Count(i.R1, i.R3);
        b.Probe(a, n * 4, false);
        for (int k = 0; k < n; k++) b.SetG32((i.R1 + k) & 15, b.Load(4, Next(b, a, k, 4)));
    }
    public static void LMY(B b, ref Insn i) => LM(b, ref i);
    public static void LMG(B b, ref Insn i)
    {
        V a = A2s(b, ref i);
        int n = Count(i.R1, i.R3);
        b.Probe(a, n * 8, false);
        for (int k = 0; k < n; k++) b.SetG((i.R1 + k) & 15, b.Load(8, Next(b, a, k, 8)));
    }
    public static void STM(B b, ref Insn i)
    {
        V a = A2s(b, ref i);
        int n = Count(i.R1, i.R3);
        b.Probe(a, n * 4, true);
        for (int k = 0; k < n; k++) b.Store(4, Next(b, a, k, 4), b.G32((i.R1 + k) & 15));
    }
    public static void STMY(B b, ref Insn i) => STM(b, ref i);
    public static void STMG(B b, ref Insn i)
    {
        V a = A2s(b, ref i);
        int n = Count(i.R1, i.R3);
        b.Probe(a, n * 8, true);
        for (int k = 0; k < n; k++) b.Store(8, Next(b, a, k, 8), b.G((i.R1 + k) & 15));
    }

    // ---- addresses: 64-bit mode replaces the register, 24/31-bit mode sets the low word ----------
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetAddress(B b, int r1, V addr)
    {
        if (b.AddressingMode == 64) b.SetG(r1, addr);
        else b.SetG32(r1, addr);
    }
    public static void LA(B b, ref Insn i) => SetAddress(b, i.R1, A2(b, ref i));
    public static void LAY(B b, ref Insn i) => LA(b, ref i);
    public static void LARL(B b, ref Insn i) => SetAddress(b, i.R1, K(b, (b.InstrAddr + (ulong)(i.RI2 * 2)) & b.AddrMask));

    // ---- hints: no architectural effect ------------------------------------------------------------
    public static void PFD(B b, ref Insn i) { }
    public static void PFDRL(B b, ref Insn i) { }
    public static void NIAI(B b, ref Insn i) { }
    public static void PPA(B b, ref Insn i) { }
    public static void BPP(B b, ref Insn i) { }
    public static void BPRP(B b, ref Insn i) { }
}

/// <summary>Loads and stores whose storage access depends on the condition code or that move several registers: helpers.</summary>
[SemanticBodies]
public static class LoadStoreHelpers
{
    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);
    private static ulong A2s(Cpu c, ref Insn i) => c.Addr(i.B2, i.D2);

    // the storage operand is accessed only when the condition holds
    public static void LOC(Cpu c, ref Insn i) { if (Alu.CcMatches(c, i.M3)) c.SetR32(i.R1, c.ReadU32(A2s(c, ref i))); }
    public static void LOCG(Cpu c, ref Insn i) { if (Alu.CcMatches(c, i.M3)) c.G[i.R1] = c.ReadU64(A2s(c, ref i)); }
    public static void LOCFH(Cpu c, ref Insn i) { if (Alu.CcMatches(c, i.M3)) c.SetR32H(i.R1, c.ReadU32(A2s(c, ref i))); }
    public static void STOC(Cpu c, ref Insn i) { if (Alu.CcMatches(c, i.M3)) c.WriteU32(A2s(c, ref i), c.R32(i.R1)); }
    public static void STOCG(Cpu c, ref Insn i) { if (Alu.CcMatches(c, i.M3)) c.WriteU64(A2s(c, ref i), c.G[i.R1]); }
    public static void STOCFH(Cpu c, ref Insn i) { if (Alu.CcMatches(c, i.M3)) c.WriteU32(A2s(c, ref i), c.R32H(i.R1)); }

    private static int Count(int r1, int r3) => ((r3 - r1) & 15) + 1;
    public static void LMH(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 4, false);
        for (int k = 0; k < n; k++) c.SetR32H((i.R1 + k) & 15, c.ReadU32((a + (ulong)k * 4) & c.AddrMask));
    }
    public static void STMH(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 4, true);
        for (int k = 0; k < n; k++) c.WriteU32((a + (ulong)k * 4) & c.AddrMask, c.R32H((i.R1 + k) & 15));
    }

    public static void LPQ(Cpu c, ref Insn i)
    {
        ulong a = A2(c, ref i);
        if ((a & 15) != 0) throw c.Pgm(PgmCode.Specification);
        c.CheckAccess(a, 16, false);
        ulong hi = c.ReadU64(a), lo = c.ReadU64(a + 8);
        c.G[i.R1] = hi;
        c.G[i.R1 + 1] = lo;
    }
    public static void STPQ(Cpu c, ref Insn i)
    {
        ulong a = A2(c, ref i);
        if ((a & 15) != 0) throw c.Pgm(PgmCode.Specification);
        c.CheckAccess(a, 16, true);
        c.WriteU64(a, c.G[i.R1]);
        c.WriteU64(a + 8, c.G[i.R1 + 1]);
    }

    public static void LAE(Cpu c, ref Insn i) { c.SetAddressReg(i.R1, A2(c, ref i)); c.A[i.R1] = 0; }
    public static void LAEY(Cpu c, ref Insn i) => LAE(c, ref i);

    public static void EAR(Cpu c, ref Insn i) => c.SetR32(i.R1, c.A[i.R2]);
    public static void SAR(Cpu c, ref Insn i) => c.A[i.R1] = c.R32(i.R2);
    public static void CPYA(Cpu c, ref Insn i) => c.A[i.R1] = c.A[i.R2];
    public static void LAM(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        if ((a & 3) != 0) throw c.Pgm(PgmCode.Specification);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 4, false);
        for (int k = 0; k < n; k++) c.A[(i.R1 + k) & 15] = c.ReadU32((a + (ulong)k * 4) & c.AddrMask);
    }
    public static void LAMY(Cpu c, ref Insn i) => LAM(c, ref i);
    public static void STAM(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        if ((a & 3) != 0) throw c.Pgm(PgmCode.Specification);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 4, true);
        for (int k = 0; k < n; k++) c.WriteU32((a + (ulong)k * 4) & c.AddrMask, c.A[(i.R1 + k) & 15]);
    }
    public static void STAMY(Cpu c, ref Insn i) => STAM(c, ref i);

}
