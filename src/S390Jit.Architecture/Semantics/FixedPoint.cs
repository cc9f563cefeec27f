using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.Alu;

namespace S390Jit.Architecture.Semantics;

/// <summary>Fixed-point arithmetic: add, subtract, multiply, divide, compare (PoO chapter 7).</summary>
[SemanticBodies]
public static class FixedPoint
{
    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);
    private static ulong A2s(Cpu c, ref Insn i) => c.Addr(i.B2, i.D2);

    // ---- add ------------------------------------------------------------------------------
    public static void AR(Cpu c, ref Insn i) => AddS32(c, i.R1, c.R32(i.R1), c.R32(i.R2));
    public static void ARK(Cpu c, ref Insn i) => AddS32(c, i.R1, c.R32(i.R2), c.R32(i.R3));
    public static void A(Cpu c, ref Insn i) => AddS32(c, i.R1, c.R32(i.R1), c.ReadU32(A2(c, ref i)));
    public static void AY(Cpu c, ref Insn i) => A(c, ref i);
    public static void AH(Cpu c, ref Insn i) => AddS32(c, i.R1, c.R32(i.R1), (uint)(short)c.ReadU16(A2(c, ref i)));
    public static void AHY(Cpu c, ref Insn i) => AH(c, ref i);
    public static void AHI(Cpu c, ref Insn i) => AddS32(c, i.R1, c.R32(i.R1), (uint)i.I2);
    public static void AHIK(Cpu c, ref Insn i) => AddS32(c, i.R1, c.R32(i.R3), (uint)i.I2);
    public static void AFI(Cpu c, ref Insn i) => AddS32(c, i.R1, c.R32(i.R1), (uint)i.I2);
    public static void AGR(Cpu c, ref Insn i) => AddS64(c, i.R1, c.G[i.R1], c.G[i.R2]);
    public static void AGRK(Cpu c, ref Insn i) => AddS64(c, i.R1, c.G[i.R2], c.G[i.R3]);
    public static void AGFR(Cpu c, ref Insn i) => AddS64(c, i.R1, c.G[i.R1], (ulong)(int)c.R32(i.R2));
    public static void AG(Cpu c, ref Insn i) => AddS64(c, i.R1, c.G[i.R1], c.ReadU64(A2(c, ref i)));
    public static void AGF(Cpu c, ref Insn i) => AddS64(c, i.R1, c.G[i.R1], (ulong)(int)c.ReadU32(A2(c, ref i)));
    public static void AGHI(Cpu c, ref Insn i) => AddS64(c, i.R1, c.G[i.R1], (ulong)i.I2);
    public static void AGHIK(Cpu c, ref Insn i) => AddS64(c, i.R1, c.G[i.R3], (ulong)i.I2);
    public static void AGFI(Cpu c, ref Insn i) => AddS64(c, i.R1, c.G[i.R1], (ulong)i.I2);
    public static void ASI(Cpu c, ref Insn i)
    {
        ulong a = c.Addr(i.B1, i.D1);
        uint v = c.ReadU32(a), b = (uint)(int)(sbyte)i.I2, r = v + b;
        c.WriteU32(a, r);
        c.SetCc(CcOp.AddSigned32, v, b, r);
        if ((int)((v ^ r) & (b ^ r)) < 0) FixedOverflow(c);
    }
    public static void AGSI(Cpu c, ref Insn i)
    {
        ulong a = c.Addr(i.B1, i.D1);
        ulong v = c.ReadU64(a), b = (ulong)(long)(sbyte)i.I2, r = v + b;
        c.WriteU64(a, r);
        c.SetCc(CcOp.AddSigned64, v, b, r);
        if ((long)((v ^ r) & (b ^ r)) < 0) FixedOverflow(c);
    }
    public static void AHHHR(Cpu c, ref Insn i) => AddS32H(c, i.R1, c.R32H(i.R2), c.R32H(i.R3));
    public static void AHHLR(Cpu c, ref Insn i) => AddS32H(c, i.R1, c.R32H(i.R2), c.R32(i.R3));
    public static void AIH(Cpu c, ref Insn i) => AddS32H(c, i.R1, c.R32H(i.R1), (uint)i.I2);

    // ---- add logical ------------------------------------------------------------------------
    public static void ALR(Cpu c, ref Insn i) => AddL32(c, i.R1, c.R32(i.R1), c.R32(i.R2));
    public static void ALRK(Cpu c, ref Insn i) => AddL32(c, i.R1, c.R32(i.R2), c.R32(i.R3));
    public static void AL(Cpu c, ref Insn i) => AddL32(c, i.R1, c.R32(i.R1), c.ReadU32(A2(c, ref i)));
    public static void ALY(Cpu c, ref Insn i) => AL(c, ref i);
    public static void ALFI(Cpu c, ref Insn i) => AddL32(c, i.R1, c.R32(i.R1), (uint)i.I2);
    public static void ALHSIK(Cpu c, ref Insn i) => AddL32(c, i.R1, c.R32(i.R3), (uint)i.I2);
    public static void ALGR(Cpu c, ref Insn i) => AddL64(c, i.R1, c.G[i.R1], c.G[i.R2]);
    public static void ALGRK(Cpu c, ref Insn i) => AddL64(c, i.R1, c.G[i.R2], c.G[i.R3]);
    public static void ALGFR(Cpu c, ref Insn i) => AddL64(c, i.R1, c.G[i.R1], c.R32(i.R2));
    public static void ALG(Cpu c, ref Insn i) => AddL64(c, i.R1, c.G[i.R1], c.ReadU64(A2(c, ref i)));
    public static void ALGF(Cpu c, ref Insn i) => AddL64(c, i.R1, c.G[i.R1], c.ReadU32(A2(c, ref i)));
    public static void ALGFI(Cpu c, ref Insn i) => AddL64(c, i.R1, c.G[i.R1], (ulong)i.I2);
    public static void ALGHSIK(Cpu c, ref Insn i) => AddL64(c, i.R1, c.G[i.R3], (ulong)i.I2);
    public static void ALSI(Cpu c, ref Insn i)
    {
        ulong a = c.Addr(i.B1, i.D1);
        uint v = c.ReadU32(a), b = (uint)(int)(sbyte)i.I2, r = v + b;
        c.WriteU32(a, r);
        c.SetCc(CcOp.AddLogical32, v, b, r);
    }
    public static void ALGSI(Cpu c, ref Insn i)
    {
        ulong a = c.Addr(i.B1, i.D1);
        ulong v = c.ReadU64(a), b = (ulong)(long)(sbyte)i.I2, r = v + b;
        c.WriteU64(a, r);
        c.SetCc(CcOp.AddLogical64, v, b, r);
    }
    public static void ALHHHR(Cpu c, ref Insn i) => AddL32H(c, i.R1, c.R32H(i.R2), c.R32H(i.R3));
    public static void ALHHLR(Cpu c, ref Insn i) => AddL32H(c, i.R1, c.R32H(i.R2), c.R32(i.R3));
    public static void ALSIH(Cpu c, ref Insn i) => AddL32H(c, i.R1, c.R32H(i.R1), (uint)i.I2);
    public static void ALSIHN(Cpu c, ref Insn i) => c.SetR32H(i.R1, c.R32H(i.R1) + (uint)i.I2);
    public static void ALCR(Cpu c, ref Insn i) => AddCarry32(c, i.R1, c.R32(i.R1), c.R32(i.R2));
    public static void ALC(Cpu c, ref Insn i) => AddCarry32(c, i.R1, c.R32(i.R1), c.ReadU32(A2(c, ref i)));
    public static void ALCGR(Cpu c, ref Insn i) => AddCarry64(c, i.R1, c.G[i.R1], c.G[i.R2]);
    public static void ALCG(Cpu c, ref Insn i) => AddCarry64(c, i.R1, c.G[i.R1], c.ReadU64(A2(c, ref i)));

    // ---- subtract -----------------------------------------------------------------------------
    public static void SR(Cpu c, ref Insn i) => SubS32(c, i.R1, c.R32(i.R1), c.R32(i.R2));
    public static void SRK(Cpu c, ref Insn i) => SubS32(c, i.R1, c.R32(i.R2), c.R32(i.R3));
    public static void S(Cpu c, ref Insn i) => SubS32(c, i.R1, c.R32(i.R1), c.ReadU32(A2(c, ref i)));
    public static void SY(Cpu c, ref Insn i) => S(c, ref i);
    public static void SH(Cpu c, ref Insn i) => SubS32(c, i.R1, c.R32(i.R1), (uint)(short)c.ReadU16(A2(c, ref i)));
    public static void SHY(Cpu c, ref Insn i) => SH(c, ref i);
    public static void SGR(Cpu c, ref Insn i) => SubS64(c, i.R1, c.G[i.R1], c.G[i.R2]);
    public static void SGRK(Cpu c, ref Insn i) => SubS64(c, i.R1, c.G[i.R2], c.G[i.R3]);
    public static void SGFR(Cpu c, ref Insn i) => SubS64(c, i.R1, c.G[i.R1], (ulong)(int)c.R32(i.R2));
    public static void SG(Cpu c, ref Insn i) => SubS64(c, i.R1, c.G[i.R1], c.ReadU64(A2(c, ref i)));
    public static void SGF(Cpu c, ref Insn i) => SubS64(c, i.R1, c.G[i.R1], (ulong)(int)c.ReadU32(A2(c, ref i)));
    public static void SHHHR(Cpu c, ref Insn i) => SubS32H(c, i.R1, c.R32H(i.R2), c.R32H(i.R3));
    public static void SHHLR(Cpu c, ref Insn i) => SubS32H(c, i.R1, c.R32H(i.R2), c.R32(i.R3));

    public static void SLR(Cpu c, ref Insn i) => SubL32(c, i.R1, c.R32(i.R1), c.R32(i.R2));
    public static void SLRK(Cpu c, ref Insn i) => SubL32(c, i.R1, c.R32(i.R2), c.R32(i.R3));
    public static void SL(Cpu c, ref Insn i) => SubL32(c, i.R1, c.R32(i.R1), c.ReadU32(A2(c, ref i)));
    public static void SLY(Cpu c, ref Insn i) => SL(c, ref i);
    public static void SLFI(Cpu c, ref Insn i) => SubL32(c, i.R1, c.R32(i.R1), (uint)i.I2);
    public static void SLGR(Cpu c, ref Insn i) => SubL64(c, i.R1, c.G[i.R1], c.G[i.R2]);
    public static void SLGRK(Cpu c, ref Insn i) => SubL64(c, i.R1, c.G[i.R2], c.G[i.R3]);
    public static void SLGFR(Cpu c, ref Insn i) => SubL64(c, i.R1, c.G[i.R1], c.R32(i.R2));
    public static void SLG(Cpu c, ref Insn i) => SubL64(c, i.R1, c.G[i.R1], c.ReadU64(A2(c, ref i)));
    public static void SLGF(Cpu c, ref Insn i) => SubL64(c, i.R1, c.G[i.R1], c.ReadU32(A2(c, ref i)));
    public static void SLGFI(Cpu c, ref Insn i) => SubL64(c, i.R1, c.G[i.R1], (ulong)i.I2);
    public static void SLHHHR(Cpu c, ref Insn i) => SubL32H(c, i.R1, c.R32H(i.R2), c.R32H(i.R3));
    public static void SLHHLR(Cpu c, ref Insn i) => SubL32H(c, i.R1, c.R32H(i.R2), c.R32(i.R3));
    public static void SLBR(Cpu c, ref Insn i) => SubBorrow32(c, i.R1, c.R32(i.R1), c.R32(i.R2));
    public static void SLB(Cpu c, ref Insn i) => SubBorrow32(c, i.R1, c.R32(i.R1), c.ReadU32(A2(c, ref i)));
    public static void SLBGR(Cpu c, ref Insn i) => SubBorrow64(c, i.R1, c.G[i.R1], c.G[i.R2]);
    public static void SLBG(Cpu c, ref Insn i) => SubBorrow64(c, i.R1, c.G[i.R1], c.ReadU64(A2(c, ref i)));

    // ---- compare --------------------------------------------------------------------------------
    public static void CR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32(i.R1), c.R32(i.R2));
    public static void C(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32(i.R1), c.ReadU32(A2(c, ref i)));
    public static void CY(Cpu c, ref Insn i) => C(c, ref i);
    public static void CH(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32(i.R1), (uint)(short)c.ReadU16(A2(c, ref i)));
    public static void CHY(Cpu c, ref Insn i) => CH(c, ref i);
    public static void CHI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32(i.R1), (uint)i.I2);
    public static void CFI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32(i.R1), (uint)i.I2);
    public static void CGR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], c.G[i.R2]);
    public static void CGFR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], (ulong)(int)c.R32(i.R2));
    public static void CG(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], c.ReadU64(A2(c, ref i)));
    public static void CGF(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], (ulong)(int)c.ReadU32(A2(c, ref i)));
    public static void CGH(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], (ulong)(short)c.ReadU16(A2(c, ref i)));
    public static void CGHI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], (ulong)i.I2);
    public static void CGFI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], (ulong)i.I2);
    public static void CHHSI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, (uint)(short)c.ReadU16(c.Addr(i.B1, i.D1)), (uint)i.I2);
    public static void CHSI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.ReadU32(c.Addr(i.B1, i.D1)), (uint)i.I2);
    public static void CGHSI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.ReadU64(c.Addr(i.B1, i.D1)), (ulong)i.I2);
    public static void CHHR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32H(i.R1), c.R32H(i.R2));
    public static void CHLR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32H(i.R1), c.R32(i.R2));
    public static void CHF(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32H(i.R1), c.ReadU32(A2(c, ref i)));
    public static void CIH(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32H(i.R1), (uint)i.I2);

    public static void CLR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.R32(i.R1), c.R32(i.R2));
    public static void CL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.R32(i.R1), c.ReadU32(A2(c, ref i)));
    public static void CLY(Cpu c, ref Insn i) => CL(c, ref i);
    public static void CLFI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.R32(i.R1), (uint)i.I2);
    public static void CLGR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical64, c.G[i.R1], c.G[i.R2]);
    public static void CLGFR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical64, c.G[i.R1], c.R32(i.R2));
    public static void CLG(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical64, c.G[i.R1], c.ReadU64(A2(c, ref i)));
    public static void CLGF(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical64, c.G[i.R1], c.ReadU32(A2(c, ref i)));
    public static void CLGFI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical64, c.G[i.R1], (ulong)i.I2);
    public static void CLHHSI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.ReadU16(c.Addr(i.B1, i.D1)), (uint)i.I2);
    public static void CLFHSI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.ReadU32(c.Addr(i.B1, i.D1)), (uint)i.I2);
    public static void CLGHSI(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical64, c.ReadU64(c.Addr(i.B1, i.D1)), (ulong)i.I2);
    public static void CLHHR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.R32H(i.R1), c.R32H(i.R2));
    public static void CLHLR(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.R32H(i.R1), c.R32(i.R2));
    public static void CLHF(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.R32H(i.R1), c.ReadU32(A2(c, ref i)));
    public static void CLIH(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.R32H(i.R1), (uint)i.I2);

    // relative-long compares (aligned operands)
    private static ulong RelAligned(Cpu c, ref Insn i, int size)
    {
        ulong a = c.RelAddr(i.RI2);
        if ((a & (ulong)(size - 1)) != 0) throw c.Pgm(PgmCode.Specification);
        return a;
    }
    public static void CRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32(i.R1), c.ReadU32(RelAligned(c, ref i, 4)));
    public static void CGRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], c.ReadU64(RelAligned(c, ref i, 8)));
    public static void CGFRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], (ulong)(int)c.ReadU32(RelAligned(c, ref i, 4)));
    public static void CHRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned32, c.R32(i.R1), (uint)(short)c.ReadU16(RelAligned(c, ref i, 2)));
    public static void CGHRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareSigned64, c.G[i.R1], (ulong)(short)c.ReadU16(RelAligned(c, ref i, 2)));
    public static void CLRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.R32(i.R1), c.ReadU32(RelAligned(c, ref i, 4)));
    public static void CLGRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical64, c.G[i.R1], c.ReadU64(RelAligned(c, ref i, 8)));
    public static void CLGFRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical64, c.G[i.R1], c.ReadU32(RelAligned(c, ref i, 4)));
    public static void CLHRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical32, c.R32(i.R1), c.ReadU16(RelAligned(c, ref i, 2)));
    public static void CLGHRL(Cpu c, ref Insn i) => c.SetCc(CcOp.CompareLogical64, c.G[i.R1], c.ReadU16(RelAligned(c, ref i, 2)));

    // ---- multiply -----------------------------------------------------------------------------
    private static void MulPair32(Cpu c, int r1, int b)
    {
        long p = (long)(int)c.R32(r1 + 1) * b;
        c.SetR32(r1, (uint)(p >> 32));
        c.SetR32(r1 + 1, (uint)p);
    }
    public static void MR(Cpu c, ref Insn i) => MulPair32(c, i.R1, (int)c.R32(i.R2));
    public static void M(Cpu c, ref Insn i) => MulPair32(c, i.R1, (int)c.ReadU32(A2(c, ref i)));
    public static void MFY(Cpu c, ref Insn i) => M(c, ref i);
    public static void MH(Cpu c, ref Insn i) => c.SetR32(i.R1, (uint)((int)c.R32(i.R1) * (short)c.ReadU16(A2(c, ref i))));
    public static void MHY(Cpu c, ref Insn i) => MH(c, ref i);
    public static void MHI(Cpu c, ref Insn i) => c.SetR32(i.R1, (uint)((int)c.R32(i.R1) * (int)i.I2));
    public static void MSR(Cpu c, ref Insn i) => c.SetR32(i.R1, c.R32(i.R1) * c.R32(i.R2));
    public static void MS(Cpu c, ref Insn i) => c.SetR32(i.R1, c.R32(i.R1) * c.ReadU32(A2(c, ref i)));
    public static void MSY(Cpu c, ref Insn i) => MS(c, ref i);
    public static void MSFI(Cpu c, ref Insn i) => c.SetR32(i.R1, c.R32(i.R1) * (uint)i.I2);
    public static void MSGR(Cpu c, ref Insn i) => c.G[i.R1] *= c.G[i.R2];
    public static void MSGFR(Cpu c, ref Insn i) => c.G[i.R1] *= (ulong)(int)c.R32(i.R2);
    public static void MSG(Cpu c, ref Insn i) => c.G[i.R1] *= c.ReadU64(A2(c, ref i));
    public static void MSGF(Cpu c, ref Insn i) => c.G[i.R1] *= (ulong)(int)c.ReadU32(A2(c, ref i));
    public static void MGHI(Cpu c, ref Insn i) => c.G[i.R1] *= (ulong)i.I2;
    public static void MSGFI(Cpu c, ref Insn i) => c.G[i.R1] *= (ulong)i.I2;
    private static void MulLogical32(Cpu c, int r1, uint b)
    {
        ulong p = (ulong)c.R32(r1 + 1) * b;
        c.SetR32(r1, (uint)(p >> 32));
        c.SetR32(r1 + 1, (uint)p);
    }
    public static void MLR(Cpu c, ref Insn i) => MulLogical32(c, i.R1, c.R32(i.R2));
    public static void ML(Cpu c, ref Insn i) => MulLogical32(c, i.R1, c.ReadU32(A2(c, ref i)));
    private static void MulLogical64(Cpu c, int r1, ulong b)
    {
        UInt128 p = (UInt128)c.G[r1 + 1] * b;
        c.G[r1] = (ulong)(p >> 64);
        c.G[r1 + 1] = (ulong)p;
    }
    public static void MLGR(Cpu c, ref Insn i) => MulLogical64(c, i.R1, c.G[i.R2]);
    public static void MLG(Cpu c, ref Insn i) => MulLogical64(c, i.R1, c.ReadU64(A2(c, ref i)));

    // ---- divide -------------------------------------------------------------------------------
    private static void Div32(Cpu c, int r1, int divisor)
    {
        long dividend = (long)(((ulong)c.R32(r1) << 32) | c.R32(r1 + 1));
        if (divisor == 0) throw c.Pgm(PgmCode.FixedPointDivide);
        long q = dividend / divisor, r = dividend % divisor;
        if (q > int.MaxValue || q < int.MinValue) throw c.Pgm(PgmCode.FixedPointDivide);
        c.SetR32(r1, (uint)r);
        c.SetR32(r1 + 1, (uint)q);
    }
    public static void DR(Cpu c, ref Insn i) => Div32(c, i.R1, (int)c.R32(i.R2));
    public static void D(Cpu c, ref Insn i) => Div32(c, i.R1, (int)c.ReadU32(A2(c, ref i)));
    private static void DivLogical32(Cpu c, int r1, uint divisor)
    {
        ulong dividend = ((ulong)c.R32(r1) << 32) | c.R32(r1 + 1);
        if (divisor == 0) throw c.Pgm(PgmCode.FixedPointDivide);
        ulong q = dividend / divisor, r = dividend % divisor;
        if (q > uint.MaxValue) throw c.Pgm(PgmCode.FixedPointDivide);
        c.SetR32(r1, (uint)r);
        c.SetR32(r1 + 1, (uint)q);
    }
    public static void DLR(Cpu c, ref Insn i) => DivLogical32(c, i.R1, c.R32(i.R2));
    public static void DL(Cpu c, ref Insn i) => DivLogical32(c, i.R1, c.ReadU32(A2(c, ref i)));
    private static void DivSingle64(Cpu c, int r1, long divisor)
    {
        long dividend = (long)c.G[r1 + 1];
        if (divisor == 0 || (dividend == long.MinValue && divisor == -1)) throw c.Pgm(PgmCode.FixedPointDivide);
        c.G[r1] = (ulong)(dividend % divisor);
        c.G[r1 + 1] = (ulong)(dividend / divisor);
    }
    public static void DSGR(Cpu c, ref Insn i) => DivSingle64(c, i.R1, (long)c.G[i.R2]);
    public static void DSG(Cpu c, ref Insn i) => DivSingle64(c, i.R1, (long)c.ReadU64(A2(c, ref i)));
    public static void DSGFR(Cpu c, ref Insn i) => DivSingle64(c, i.R1, (int)c.R32(i.R2));
    public static void DSGF(Cpu c, ref Insn i) => DivSingle64(c, i.R1, (int)c.ReadU32(A2(c, ref i)));
    private static void DivLogical64(Cpu c, int r1, ulong divisor)
    {
        UInt128 dividend = ((UInt128)c.G[r1] << 64) | c.G[r1 + 1];
        if (divisor == 0) throw c.Pgm(PgmCode.FixedPointDivide);
        UInt128 q = dividend / divisor, r = dividend % divisor;
        if (q > ulong.MaxValue) throw c.Pgm(PgmCode.FixedPointDivide);
        c.G[r1] = (ulong)r;
        c.G[r1 + 1] = (ulong)q;
    }
    public static void DLGR(Cpu c, ref Insn i) => DivLogical64(c, i.R1, c.G[i.R2]);
    public static void DLG(Cpu c, ref Insn i) => DivLogical64(c, i.R1, c.ReadU64(A2(c, ref i)));

    // ---- load positive / negative / complement / and test ---------------------------------------
    public static void LPR(Cpu c, ref Insn i)
    {
        int v = (int)c.R32(i.R2);
        if (v == int.MinValue) { c.SetR32(i.R1, (uint)v); c.Cc = 3; FixedOverflow(c); return; }
        int r = Math.Abs(v);
        c.SetR32(i.R1, (uint)r);
        c.SetCc(CcOp.Sign32, (uint)r);
    }
    public static void LNR(Cpu c, ref Insn i)
    {
        int v = (int)c.R32(i.R2);
        int r = v > 0 ? -v : v;
        c.SetR32(i.R1, (uint)r);
        c.SetCc(CcOp.Sign32, (uint)r);
    }
    public static void LCR(Cpu c, ref Insn i)
    {
        int v = (int)c.R32(i.R2);
        if (v == int.MinValue) { c.SetR32(i.R1, (uint)v); c.Cc = 3; FixedOverflow(c); return; }
        c.SetR32(i.R1, (uint)-v);
        c.SetCc(CcOp.Sign32, (uint)-v);
    }
    public static void LTR(Cpu c, ref Insn i) { uint v = c.R32(i.R2); c.SetR32(i.R1, v); c.SetCc(CcOp.Sign32, v); }
    private static void LoadPositive64(Cpu c, int r1, long v)
    {
        if (v == long.MinValue) { c.G[r1] = (ulong)v; c.Cc = 3; FixedOverflow(c); return; }
        c.G[r1] = (ulong)Math.Abs(v);
        c.SetCc(CcOp.Sign64, c.G[r1]);
    }
    private static void LoadComplement64(Cpu c, int r1, long v)
    {
        if (v == long.MinValue) { c.G[r1] = (ulong)v; c.Cc = 3; FixedOverflow(c); return; }
        c.G[r1] = (ulong)-v;
        c.SetCc(CcOp.Sign64, c.G[r1]);
    }
    private static void LoadNegative64(Cpu c, int r1, long v)
    {
        c.G[r1] = (ulong)(v > 0 ? -v : v);
        c.SetCc(CcOp.Sign64, c.G[r1]);
    }
    public static void LPGR(Cpu c, ref Insn i) => LoadPositive64(c, i.R1, (long)c.G[i.R2]);
    public static void LPGFR(Cpu c, ref Insn i) => LoadPositive64(c, i.R1, (int)c.R32(i.R2));
    public static void LNGR(Cpu c, ref Insn i) => LoadNegative64(c, i.R1, (long)c.G[i.R2]);
    public static void LNGFR(Cpu c, ref Insn i) => LoadNegative64(c, i.R1, (int)c.R32(i.R2));
    public static void LCGR(Cpu c, ref Insn i) => LoadComplement64(c, i.R1, (long)c.G[i.R2]);
    public static void LCGFR(Cpu c, ref Insn i) => LoadComplement64(c, i.R1, (int)c.R32(i.R2));
    public static void LTGR(Cpu c, ref Insn i) { ulong v = c.G[i.R2]; c.G[i.R1] = v; c.SetCc(CcOp.Sign64, v); }
    public static void LTGFR(Cpu c, ref Insn i) { ulong v = (ulong)(int)c.R32(i.R2); c.G[i.R1] = v; c.SetCc(CcOp.Sign64, v); }
    public static void LT(Cpu c, ref Insn i) { uint v = c.ReadU32(A2(c, ref i)); c.SetR32(i.R1, v); c.SetCc(CcOp.Sign32, v); }
    public static void LTG(Cpu c, ref Insn i) { ulong v = c.ReadU64(A2(c, ref i)); c.G[i.R1] = v; c.SetCc(CcOp.Sign64, v); }
    public static void LTGF(Cpu c, ref Insn i) { ulong v = (ulong)(int)c.ReadU32(A2(c, ref i)); c.G[i.R1] = v; c.SetCc(CcOp.Sign64, v); }

    // ---- compare and trap -------------------------------------------------------------------------
    private static void TrapIf(Cpu c, bool cond) { if (cond) throw c.DataException(0xFF); }
    public static void CRT(Cpu c, ref Insn i) => TrapIf(c, CompareMatches(i.M3, (int)c.R32(i.R1), (int)c.R32(i.R2)));
    public static void CGRT(Cpu c, ref Insn i) => TrapIf(c, CompareMatches(i.M3, (long)c.G[i.R1], (long)c.G[i.R2]));
    public static void CLRT(Cpu c, ref Insn i) => TrapIf(c, CompareMatchesU(i.M3, c.R32(i.R1), c.R32(i.R2)));
    public static void CLGRT(Cpu c, ref Insn i) => TrapIf(c, CompareMatchesU(i.M3, c.G[i.R1], c.G[i.R2]));
    public static void CIT(Cpu c, ref Insn i) => TrapIf(c, CompareMatches(i.M3, (int)c.R32(i.R1), i.I2));
    public static void CGIT(Cpu c, ref Insn i) => TrapIf(c, CompareMatches(i.M3, (long)c.G[i.R1], i.I2));
    public static void CLFIT(Cpu c, ref Insn i) => TrapIf(c, CompareMatchesU(i.M3, c.R32(i.R1), (ulong)i.I2));
    public static void CLGIT(Cpu c, ref Insn i) => TrapIf(c, CompareMatchesU(i.M3, c.G[i.R1], (ulong)i.I2));
    public static void CLT(Cpu c, ref Insn i) => TrapIf(c, CompareMatchesU(i.M3, c.R32(i.R1), c.ReadU32(A2s(c, ref i))));
    public static void CLGT(Cpu c, ref Insn i) => TrapIf(c, CompareMatchesU(i.M3, c.G[i.R1], c.ReadU64(A2s(c, ref i))));
}
