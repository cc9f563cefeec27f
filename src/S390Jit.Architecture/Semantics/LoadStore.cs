using System.Buffers.Binary;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.Alu;

namespace S390Jit.Architecture.Semantics;

/// <summary>Loads and stores: registers, storage, relative-long, high-word, on-condition, multiple, addresses.</summary>
[SemanticBodies]
public static class LoadStore
{
    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);
    private static ulong A2s(Cpu c, ref Insn i) => c.Addr(i.B2, i.D2);
    private static ulong Rel(Cpu c, ref Insn i, int align)
    {
        ulong a = c.RelAddr(i.RI2);
        if ((a & (ulong)(align - 1)) != 0) throw c.Pgm(PgmCode.Specification);
        return a;
    }

    // ---- register to register -----------------------------------------------------------------
    public static void LR(Cpu c, ref Insn i) => c.SetR32(i.R1, c.R32(i.R2));
    public static void LGR(Cpu c, ref Insn i) => c.G[i.R1] = c.G[i.R2];
    public static void LGFR(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)(int)c.R32(i.R2);
    public static void LLGFR(Cpu c, ref Insn i) => c.G[i.R1] = c.R32(i.R2);
    public static void LLGTR(Cpu c, ref Insn i) => c.G[i.R1] = c.R32(i.R2) & 0x7FFF_FFFFUL;
    public static void LBR(Cpu c, ref Insn i) => c.SetR32(i.R1, (uint)(sbyte)c.G[i.R2]);
    public static void LGBR(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)(sbyte)c.G[i.R2];
    public static void LHR(Cpu c, ref Insn i) => c.SetR32(i.R1, (uint)(short)c.G[i.R2]);
    public static void LGHR(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)(short)c.G[i.R2];
    public static void LLCR(Cpu c, ref Insn i) => c.SetR32(i.R1, (byte)c.G[i.R2]);
    public static void LLGCR(Cpu c, ref Insn i) => c.G[i.R1] = (byte)c.G[i.R2];
    public static void LLHR(Cpu c, ref Insn i) => c.SetR32(i.R1, (ushort)c.G[i.R2]);
    public static void LLGHR(Cpu c, ref Insn i) => c.G[i.R1] = (ushort)c.G[i.R2];
    public static void LRVR(Cpu c, ref Insn i) => c.SetR32(i.R1, BinaryPrimitives.ReverseEndianness(c.R32(i.R2)));
    public static void LRVGR(Cpu c, ref Insn i) => c.G[i.R1] = BinaryPrimitives.ReverseEndianness(c.G[i.R2]);

    // ---- immediates ---------------------------------------------------------------------------
    public static void LHI(Cpu c, ref Insn i) => c.SetR32(i.R1, (uint)i.I2);
    public static void LGHI(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)i.I2;
    public static void LGFI(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)i.I2;

    // ---- loads from storage ---------------------------------------------------------------------
    public static void L(Cpu c, ref Insn i) => c.SetR32(i.R1, c.ReadU32(A2(c, ref i)));
    public static void LY(Cpu c, ref Insn i) => L(c, ref i);
    public static void LG(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU64(A2(c, ref i));
    public static void LGF(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)(int)c.ReadU32(A2(c, ref i));
    public static void LLGF(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU32(A2(c, ref i));
    public static void LLGT(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU32(A2(c, ref i)) & 0x7FFF_FFFFUL;
    public static void LH(Cpu c, ref Insn i) => c.SetR32(i.R1, (uint)(short)c.ReadU16(A2(c, ref i)));
    public static void LHY(Cpu c, ref Insn i) => LH(c, ref i);
    public static void LGH(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)(short)c.ReadU16(A2(c, ref i));
    public static void LLH(Cpu c, ref Insn i) => c.SetR32(i.R1, c.ReadU16(A2(c, ref i)));
    public static void LLGH(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU16(A2(c, ref i));
    public static void LB(Cpu c, ref Insn i) => c.SetR32(i.R1, (uint)(sbyte)c.ReadU8(A2(c, ref i)));
    public static void LGB(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)(sbyte)c.ReadU8(A2(c, ref i));
    public static void LLC(Cpu c, ref Insn i) => c.SetR32(i.R1, c.ReadU8(A2(c, ref i)));
    public static void LLGC(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU8(A2(c, ref i));
    public static void LRV(Cpu c, ref Insn i) => c.SetR32(i.R1, BinaryPrimitives.ReverseEndianness(c.ReadU32(A2(c, ref i))));
    public static void LRVH(Cpu c, ref Insn i) => c.G[i.R1] = (c.G[i.R1] & ~0xFFFFUL) | BinaryPrimitives.ReverseEndianness(c.ReadU16(A2(c, ref i)));
    public static void LRVG(Cpu c, ref Insn i) => c.G[i.R1] = BinaryPrimitives.ReverseEndianness(c.ReadU64(A2(c, ref i)));
    public static void LZRF(Cpu c, ref Insn i) => c.SetR32(i.R1, c.ReadU32(A2(c, ref i)) & 0xFFFF_FF00u);
    public static void LZRG(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU64(A2(c, ref i)) & ~0xFFUL;
    public static void LLZRGF(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU32(A2(c, ref i)) & 0xFFFF_FF00UL;

    // load and trap (zEC12): the load happens, then a data exception (DXC 0xFF) if the value is zero
    public static void LAT(Cpu c, ref Insn i) { uint v = c.ReadU32(A2(c, ref i)); c.SetR32(i.R1, v); if (v == 0) throw c.DataException(0xFF); }
    public static void LGAT(Cpu c, ref Insn i) { ulong v = c.ReadU64(A2(c, ref i)); c.G[i.R1] = v; if (v == 0) throw c.DataException(0xFF); }
    public static void LLGFAT(Cpu c, ref Insn i) { ulong v = c.ReadU32(A2(c, ref i)); c.G[i.R1] = v; if (v == 0) throw c.DataException(0xFF); }
    public static void LLGTAT(Cpu c, ref Insn i) { ulong v = c.ReadU32(A2(c, ref i)) & 0x7FFF_FFFFUL; c.G[i.R1] = v; if (v == 0) throw c.DataException(0xFF); }
    public static void LFHAT(Cpu c, ref Insn i) { uint v = c.ReadU32(A2(c, ref i)); c.SetR32H(i.R1, v); if (v == 0) throw c.DataException(0xFF); }

    // ---- stores -----------------------------------------------------------------------------------
    public static void ST(Cpu c, ref Insn i) => c.WriteU32(A2(c, ref i), c.R32(i.R1));
    public static void STY(Cpu c, ref Insn i) => ST(c, ref i);
    public static void STG(Cpu c, ref Insn i) => c.WriteU64(A2(c, ref i), c.G[i.R1]);
    public static void STH(Cpu c, ref Insn i) => c.WriteU16(A2(c, ref i), (ushort)c.G[i.R1]);
    public static void STHY(Cpu c, ref Insn i) => STH(c, ref i);
    public static void STC(Cpu c, ref Insn i) => c.WriteU8(A2(c, ref i), (byte)c.G[i.R1]);
    public static void STCY(Cpu c, ref Insn i) => STC(c, ref i);
    public static void STRV(Cpu c, ref Insn i) => c.WriteU32(A2(c, ref i), BinaryPrimitives.ReverseEndianness(c.R32(i.R1)));
    public static void STRVH(Cpu c, ref Insn i) => c.WriteU16(A2(c, ref i), BinaryPrimitives.ReverseEndianness((ushort)c.G[i.R1]));
    public static void STRVG(Cpu c, ref Insn i) => c.WriteU64(A2(c, ref i), BinaryPrimitives.ReverseEndianness(c.G[i.R1]));
    public static void MVHHI(Cpu c, ref Insn i) => c.WriteU16(c.Addr(i.B1, i.D1), (ushort)i.I2);
    public static void MVHI(Cpu c, ref Insn i) => c.WriteU32(c.Addr(i.B1, i.D1), (uint)i.I2);
    public static void MVGHI(Cpu c, ref Insn i) => c.WriteU64(c.Addr(i.B1, i.D1), (ulong)i.I2);

    // ---- relative long ---------------------------------------------------------------------------
    public static void LRL(Cpu c, ref Insn i) => c.SetR32(i.R1, c.ReadU32(Rel(c, ref i, 4)));
    public static void LGRL(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU64(Rel(c, ref i, 8));
    public static void LGFRL(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)(int)c.ReadU32(Rel(c, ref i, 4));
    public static void LLGFRL(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU32(Rel(c, ref i, 4));
    public static void LHRL(Cpu c, ref Insn i) => c.SetR32(i.R1, (uint)(short)c.ReadU16(Rel(c, ref i, 2)));
    public static void LGHRL(Cpu c, ref Insn i) => c.G[i.R1] = (ulong)(short)c.ReadU16(Rel(c, ref i, 2));
    public static void LLHRL(Cpu c, ref Insn i) => c.SetR32(i.R1, c.ReadU16(Rel(c, ref i, 2)));
    public static void LLGHRL(Cpu c, ref Insn i) => c.G[i.R1] = c.ReadU16(Rel(c, ref i, 2));
    public static void STRL(Cpu c, ref Insn i) => c.WriteU32(Rel(c, ref i, 4), c.R32(i.R1));
    public static void STGRL(Cpu c, ref Insn i) => c.WriteU64(Rel(c, ref i, 8), c.G[i.R1]);
    public static void STHRL(Cpu c, ref Insn i) => c.WriteU16(Rel(c, ref i, 2), (ushort)c.G[i.R1]);

    // ---- high word (z196) ----------------------------------------------------------------------
    public static void LFH(Cpu c, ref Insn i) => c.SetR32H(i.R1, c.ReadU32(A2(c, ref i)));
    public static void LBH(Cpu c, ref Insn i) => c.SetR32H(i.R1, (uint)(sbyte)c.ReadU8(A2(c, ref i)));
    public static void LLCH(Cpu c, ref Insn i) => c.SetR32H(i.R1, c.ReadU8(A2(c, ref i)));
    public static void LHH(Cpu c, ref Insn i) => c.SetR32H(i.R1, (uint)(short)c.ReadU16(A2(c, ref i)));
    public static void LLHH(Cpu c, ref Insn i) => c.SetR32H(i.R1, c.ReadU16(A2(c, ref i)));
    public static void STFH(Cpu c, ref Insn i) => c.WriteU32(A2(c, ref i), c.R32H(i.R1));
    public static void STCH(Cpu c, ref Insn i) => c.WriteU8(A2(c, ref i), (byte)c.R32H(i.R1));
    public static void STHH(Cpu c, ref Insn i) => c.WriteU16(A2(c, ref i), (ushort)c.R32H(i.R1));

    // ---- on condition (z196, z13) ------------------------------------------------------------------
    public static void LOCR(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.SetR32(i.R1, c.R32(i.R2)); }
    public static void LOCGR(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.G[i.R1] = c.G[i.R2]; }
    public static void LOCFHR(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.SetR32H(i.R1, c.R32H(i.R2)); }
    public static void LOC(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.SetR32(i.R1, c.ReadU32(A2s(c, ref i))); }
    public static void LOCG(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.G[i.R1] = c.ReadU64(A2s(c, ref i)); }
    public static void LOCFH(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.SetR32H(i.R1, c.ReadU32(A2s(c, ref i))); }
    public static void STOC(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.WriteU32(A2s(c, ref i), c.R32(i.R1)); }
    public static void STOCG(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.WriteU64(A2s(c, ref i), c.G[i.R1]); }
    public static void STOCFH(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.WriteU32(A2s(c, ref i), c.R32H(i.R1)); }
    public static void LOCHI(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.SetR32(i.R1, (uint)i.I2); }
    public static void LOCGHI(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.G[i.R1] = (ulong)i.I2; }
    public static void LOCHHI(Cpu c, ref Insn i) { if (CcMatches(c, i.M3)) c.SetR32H(i.R1, (uint)i.I2); }

    // ---- multiple ---------------------------------------------------------------------------------
    private static int Count(int r1, int r3) => ((r3 - r1) & 15) + 1;
    public static void LM(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 4, false);
        for (int k = 0; k < n; k++) c.SetR32((i.R1 + k) & 15, c.ReadU32((a + (ulong)k * 4) & c.AddrMask));
    }
    public static void LMY(Cpu c, ref Insn i) => LM(c, ref i);
    public static void LMH(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 4, false);
        for (int k = 0; k < n; k++) c.SetR32H((i.R1 + k) & 15, c.ReadU32((a + (ulong)k * 4) & c.AddrMask));
    }
    public static void LMG(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 8, false);
        for (int k = 0; k < n; k++) c.G[(i.R1 + k) & 15] = c.ReadU64((a + (ulong)k * 8) & c.AddrMask);
    }
    public static void STM(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 4, true);
        for (int k = 0; k < n; k++) c.WriteU32((a + (ulong)k * 4) & c.AddrMask, c.R32((i.R1 + k) & 15));
    }
    public static void STMY(Cpu c, ref Insn i) => STM(c, ref i);
    public static void STMH(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 4, true);
        for (int k = 0; k < n; k++) c.WriteU32((a + (ulong)k * 4) & c.AddrMask, c.R32H((i.R1 + k) & 15));
    }
    public static void STMG(Cpu c, ref Insn i)
    {
        ulong a = A2s(c, ref i);
        int n = Count(i.R1, i.R3);
        c.CheckAccess(a, (ulong)n * 8, true);
        for (int k = 0; k < n; k++) c.WriteU64((a + (ulong)k * 8) & c.AddrMask, c.G[(i.R1 + k) & 15]);
    }

    // ---- quadword -------------------------------------------------------------------------------
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

    // ---- addresses -------------------------------------------------------------------------------
    public static void LA(Cpu c, ref Insn i) => c.SetAddressReg(i.R1, A2(c, ref i));
    public static void LAY(Cpu c, ref Insn i) => LA(c, ref i);
    public static void LARL(Cpu c, ref Insn i) => c.SetAddressReg(i.R1, c.RelAddr(i.RI2));
    public static void LAE(Cpu c, ref Insn i) { c.SetAddressReg(i.R1, A2(c, ref i)); c.A[i.R1] = 0; }
    public static void LAEY(Cpu c, ref Insn i) => LAE(c, ref i);

    // ---- access registers --------------------------------------------------------------------------
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

    // ---- hints: no architectural effect --------------------------------------------------------------
    public static void PFD(Cpu c, ref Insn i) { }
    public static void PFDRL(Cpu c, ref Insn i) { }
    public static void NIAI(Cpu c, ref Insn i) { }
    public static void PPA(Cpu c, ref Insn i) { }
    public static void BPP(Cpu c, ref Insn i) { }
    public static void BPRP(Cpu c, ref Insn i) { }
}
