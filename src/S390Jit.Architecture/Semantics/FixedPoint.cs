using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Fixed-point arithmetic (PoO chapter 7): add, subtract, multiply, compare, load and test,
/// complement, compare and trap, written once for both engines.
/// </summary>
[SemanticBodies]
public static class FixedPoint<B, V> where B : struct, IBackend<V>
{
    // ---- shared steps ---------------------------------------------------------------------
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V A2(B b, ref Insn i) => b.Addr(i.X2, i.B2, i.D2);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Imm(B b, long v) => b.Const((ulong)v);
    private static V Bit63(B b, V v) => b.ShrU(v, b.Const(63));

    /// <summary>Where a result goes (QEMU insn-data style: one operation, then a write-back column).</summary>
    private enum Dest { Low32, High32, Full64 }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(B b, Dest d, int r1, V r)
    {
        switch (d)
        {
            case Dest.Low32: b.SetG32(r1, r); break;
            case Dest.High32: b.SetG32H(r1, r); break;
            default: b.SetG(r1, r); break;
        }
    }

    /// <summary>
    /// Add or subtract, signed or logical, 32-bit (low or high word) or 64-bit: the result is written
    /// back, the condition code set by its rule, then fixed-point overflow (signed) is recognised.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSub(B b, Dest d, int r1, V a, V c, bool sub, bool logical)
    {
        bool wide = d == Dest.Full64;
        V r = sub ? b.Sub(a, c) : b.Add(a, c);
        if (!wide) r = b.Trunc32(r);
        Put(b, d, r1, r);
        Arith(b, a, c, r, sub, logical, wide);
    }

    /// <summary>The condition code and overflow check of an add or subtract whose result <paramref name="r"/> is stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Arith(B b, V a, V c, V r, bool sub, bool logical, bool wide)
    {
        var op = (sub, logical) switch
        {
            (false, false) => wide ? CcOp.AddSigned64 : CcOp.AddSigned32,
            (true, false) => wide ? CcOp.SubSigned64 : CcOp.SubSigned32,
            (false, true) => wide ? CcOp.AddLogical64 : CcOp.AddLogical32,
            _ => wide ? CcOp.SubLogical64 : CcOp.SubLogical32,
        };
        b.SetCc(op, a, c, r);
        if (!logical && !b.FixedOverflowOff) b.FixedOverflowIf(sub ? CcRules.SubOverflow(b, a, c, r, wide) : CcRules.AddOverflow(b, a, c, r, wide));
    }

    private static void AddS32(B b, int r1, V a, V c) => AddSub(b, Dest.Low32, r1, a, c, sub: false, logical: false);
    private static void AddS32H(B b, int r1, V a, V c) => AddSub(b, Dest.High32, r1, a, c, sub: false, logical: false);
    private static void AddS64(B b, int r1, V a, V c) => AddSub(b, Dest.Full64, r1, a, c, sub: false, logical: false);
    private static void SubS32(B b, int r1, V a, V c) => AddSub(b, Dest.Low32, r1, a, c, sub: true, logical: false);
    private static void SubS32H(B b, int r1, V a, V c) => AddSub(b, Dest.High32, r1, a, c, sub: true, logical: false);
    private static void SubS64(B b, int r1, V a, V c) => AddSub(b, Dest.Full64, r1, a, c, sub: true, logical: false);
    private static void AddL32(B b, int r1, V a, V c) => AddSub(b, Dest.Low32, r1, a, c, sub: false, logical: true);
    private static void AddL32H(B b, int r1, V a, V c) => AddSub(b, Dest.High32, r1, a, c, sub: false, logical: true);
    private static void AddL64(B b, int r1, V a, V c) => AddSub(b, Dest.Full64, r1, a, c, sub: false, logical: true);
    private static void SubL32(B b, int r1, V a, V c) => AddSub(b, Dest.Low32, r1, a, c, sub: true, logical: true);
    private static void SubL32H(B b, int r1, V a, V c) => AddSub(b, Dest.High32, r1, a, c, sub: true, logical: true);
    private static void SubL64(B b, int r1, V a, V c) => AddSub(b, Dest.Full64, r1, a, c, sub: true, logical: true);

    /// <summary>ALC family: carry in is cc bit 2 (cc 2 or 3); cc = (result != 0) | carry out &lt;&lt; 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddCarry32(B b, int r1, V a, V c)
    {
        V sum = b.Add(b.Add(a, c), b.CcMatches(0b0011));
        V r = b.Trunc32(sum);
        b.SetG32(r1, r);
        SetCcCarry(b, r, b.ShrU(sum, b.Const(32)));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddCarry64(B b, int r1, V a, V c)
    {
        V cin = b.CcMatches(0b0011);
        V t = b.Add(a, c);
        V r = b.Add(t, cin);
        V carry = b.Or(b.LtU(t, a), b.LtU(r, t));
        b.SetG(r1, r);
        SetCcCarry(b, r, carry);
    }
    /// <summary>SLB family: borrow in when cc bit 2 is zero (cc 0 or 1); cc = (result != 0) | no-borrow &lt;&lt; 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SubBorrow32(B b, int r1, V a, V c)
    {
        V d = b.Sub(b.Sub(a, c), b.CcMatches(0b1100)); // 64-bit: bit 63 set when a borrow came out
        V r = b.Trunc32(d);
        b.SetG32(r1, r);
        SetCcCarry(b, r, b.Xor(Bit63(b, d), b.Const(1)));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SubBorrow64(B b, int r1, V a, V c)
    {
        V bin = b.CcMatches(0b1100);
        V t = b.Sub(a, c);
        V r = b.Sub(t, bin);
        b.SetG(r1, r);
        SetCcCarry(b, r, b.Xor(b.Or(b.LtU(a, c), b.LtU(t, bin)), b.Const(1)));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetCcCarry(B b, V r, V carry) => b.SetCc(CcOp.Const, b.Const(0), CcRules.NonZeroOrFlag(b, r, carry), b.Const(0));

    /// <summary>ASI/AGSI: the storage operand is the first operand and the destination.</summary>
    private static void AddStorage(B b, int size, V addr, V c)
    {
        V a = b.Load(size, addr);
        V r = size == 8 ? b.Add(a, c) : b.Trunc32(b.Add(a, c));
        b.Store(size, addr, r);
        Arith(b, a, c, r, sub: false, logical: false, wide: size == 8);
    }

    // ---- add ------------------------------------------------------------------------------
    public static void AR(B b, ref Insn i) => AddS32(b, i.R1, b.G32(i.R1), b.G32(i.R2));
    public static void ARK(B b, ref Insn i) => AddS32(b, i.R1, b.G32(i.R2), b.G32(i.R3));
    public static void A(B b, ref Insn i) => AddS32(b, i.R1, b.G32(i.R1), b.Load(4, A2(b, ref i)));
    public static void AY(B b, ref Insn i) => A(b, ref i);
    public static void AH(B b, ref Insn i) => AddS32(b, i.R1, b.G32(i.R1), b.Trunc32(b.SExt16(b.Load(2, A2(b, ref i)))));
    public static void AHY(B b, ref Insn i) => AH(b, ref i);
    public static void AHI(B b, ref Insn i) => AddS32(b, i.R1, b.G32(i.R1), b.Const((uint)i.I2));
    public static void AHIK(B b, ref Insn i) => AddS32(b, i.R1, b.G32(i.R3), b.Const((uint)i.I2));
    public static void AFI(B b, ref Insn i) => AddS32(b, i.R1, b.G32(i.R1), b.Const((uint)i.I2));
    public static void AGR(B b, ref Insn i) => AddS64(b, i.R1, b.G(i.R1), b.G(i.R2));
    public static void AGRK(B b, ref Insn i) => AddS64(b, i.R1, b.G(i.R2), b.G(i.R3));
    public static void AGFR(B b, ref Insn i) => AddS64(b, i.R1, b.G(i.R1), b.SExt32(b.G(i.R2)));
    public static void AG(B b, ref Insn i) => AddS64(b, i.R1, b.G(i.R1), b.Load(8, A2(b, ref i)));
    public static void AGF(B b, ref Insn i) => AddS64(b, i.R1, b.G(i.R1), b.SExt32(b.Load(4, A2(b, ref i))));
    public static void AGHI(B b, ref Insn i) => AddS64(b, i.R1, b.G(i.R1), Imm(b, i.I2));
    public static void AGHIK(B b, ref Insn i) => AddS64(b, i.R1, b.G(i.R3), Imm(b, i.I2));
    public static void AGFI(B b, ref Insn i) => AddS64(b, i.R1, b.G(i.R1), Imm(b, i.I2));
    public static void ASI(B b, ref Insn i) => AddStorage(b, 4, b.Addr(0, i.B1, i.D1), b.Const((uint)(int)(sbyte)i.I2));
    public static void AGSI(B b, ref Insn i) => AddStorage(b, 8, b.Addr(0, i.B1, i.D1), Imm(b, (sbyte)i.I2));
    public static void AHHHR(B b, ref Insn i) => AddS32H(b, i.R1, b.G32H(i.R2), b.G32H(i.R3));
    public static void AHHLR(B b, ref Insn i) => AddS32H(b, i.R1, b.G32H(i.R2), b.G32(i.R3));
    public static void AIH(B b, ref Insn i) => AddS32H(b, i.R1, b.G32H(i.R1), b.Const((uint)i.I2));

    // ---- add logical ------------------------------------------------------------------------
    public static void ALR(B b, ref Insn i) => AddL32(b, i.R1, b.G32(i.R1), b.G32(i.R2));
    public static void ALRK(B b, ref Insn i) => AddL32(b, i.R1, b.G32(i.R2), b.G32(i.R3));
    public static void AL(B b, ref Insn i) => AddL32(b, i.R1, b.G32(i.R1), b.Load(4, A2(b, ref i)));
    public static void ALY(B b, ref Insn i) => AL(b, ref i);
    public static void ALFI(B b, ref Insn i) => AddL32(b, i.R1, b.G32(i.R1), b.Const((uint)i.I2));
    public static void ALHSIK(B b, ref Insn i) => AddL32(b, i.R1, b.G32(i.R3), b.Const((uint)i.I2));
    public static void ALGR(B b, ref Insn i) => AddL64(b, i.R1, b.G(i.R1), b.G(i.R2));
    public static void ALGRK(B b, ref Insn i) => AddL64(b, i.R1, b.G(i.R2), b.G(i.R3));
    public static void ALGFR(B b, ref Insn i) => AddL64(b, i.R1, b.G(i.R1), b.G32(i.R2));
    public static void ALG(B b, ref Insn i) => AddL64(b, i.R1, b.G(i.R1), b.Load(8, A2(b, ref i)));
    public static void ALGF(B b, ref Insn i) => AddL64(b, i.R1, b.G(i.R1), b.Load(4, A2(b, ref i)));
    public static void ALGFI(B b, ref Insn i) => AddL64(b, i.R1, b.G(i.R1), Imm(b, i.I2));
    public static void ALGHSIK(B b, ref Insn i) => AddL64(b, i.R1, b.G(i.R3), Imm(b, i.I2));
    public static void ALSI(B b, ref Insn i)
    {
        V addr = b.Addr(0, i.B1, i.D1), a = b.Load(4, addr), c = b.Const((uint)(int)(sbyte)i.I2), r = b.Trunc32(b.Add(a, c));
        b.Store(4, addr, r);
        b.SetCc(CcOp.AddLogical32, a, c, r);
    }
    public static void ALGSI(B b, ref Insn i)
    {
        V addr = b.Addr(0, i.B1, i.D1), a = b.Load(8, addr), c = Imm(b, (sbyte)i.I2), r = b.Add(a, c);
        b.Store(8, addr, r);
        b.SetCc(CcOp.AddLogical64, a, c, r);
    }
    public static void ALHHHR(B b, ref Insn i) => AddL32H(b, i.R1, b.G32H(i.R2), b.G32H(i.R3));
    public static void ALHHLR(B b, ref Insn i) => AddL32H(b, i.R1, b.G32H(i.R2), b.G32(i.R3));
    public static void ALSIH(B b, ref Insn i) => AddL32H(b, i.R1, b.G32H(i.R1), b.Const((uint)i.I2));
    public static void ALSIHN(B b, ref Insn i) => b.SetG32H(i.R1, b.Trunc32(b.Add(b.G32H(i.R1), b.Const((uint)i.I2))));
    public static void ALCR(B b, ref Insn i) => AddCarry32(b, i.R1, b.G32(i.R1), b.G32(i.R2));
    public static void ALC(B b, ref Insn i) => AddCarry32(b, i.R1, b.G32(i.R1), b.Load(4, A2(b, ref i)));
    public static void ALCGR(B b, ref Insn i) => AddCarry64(b, i.R1, b.G(i.R1), b.G(i.R2));
    public static void ALCG(B b, ref Insn i) => AddCarry64(b, i.R1, b.G(i.R1), b.Load(8, A2(b, ref i)));

    // ---- subtract -----------------------------------------------------------------------------
    public static void SR(B b, ref Insn i) => SubS32(b, i.R1, b.G32(i.R1), b.G32(i.R2));
    public static void SRK(B b, ref Insn i) => SubS32(b, i.R1, b.G32(i.R2), b.G32(i.R3));
    public static void S(B b, ref Insn i) => SubS32(b, i.R1, b.G32(i.R1), b.Load(4, A2(b, ref i)));
    public static void SY(B b, ref Insn i) => S(b, ref i);
    public static void SH(B b, ref Insn i) => SubS32(b, i.R1, b.G32(i.R1), b.Trunc32(b.SExt16(b.Load(2, A2(b, ref i)))));
    public static void SHY(B b, ref Insn i) => SH(b, ref i);
    public static void SGR(B b, ref Insn i) => SubS64(b, i.R1, b.G(i.R1), b.G(i.R2));
    public static void SGRK(B b, ref Insn i) => SubS64(b, i.R1, b.G(i.R2), b.G(i.R3));
    public static void SGFR(B b, ref Insn i) => SubS64(b, i.R1, b.G(i.R1), b.SExt32(b.G(i.R2)));
    public static void SG(B b, ref Insn i) => SubS64(b, i.R1, b.G(i.R1), b.Load(8, A2(b, ref i)));
    public static void SGF(B b, ref Insn i) => SubS64(b, i.R1, b.G(i.R1), b.SExt32(b.Load(4, A2(b, ref i))));
    public static void SHHHR(B b, ref Insn i) => SubS32H(b, i.R1, b.G32H(i.R2), b.G32H(i.R3));
    public static void SHHLR(B b, ref Insn i) => SubS32H(b, i.R1, b.G32H(i.R2), b.G32(i.R3));
    public static void SLR(B b, ref Insn i) => SubL32(b, i.R1, b.G32(i.R1), b.G32(i.R2));
    public static void SLRK(B b, ref Insn i) => SubL32(b, i.R1, b.G32(i.R2), b.G32(i.R3));
    public static void SL(B b, ref Insn i) => SubL32(b, i.R1, b.G32(i.R1), b.Load(4, A2(b, ref i)));
    public static void SLY(B b, ref Insn i) => SL(b, ref i);
    public static void SLFI(B b, ref Insn i) => SubL32(b, i.R1, b.G32(i.R1), b.Const((uint)i.I2));
    public static void SLGR(B b, ref Insn i) => SubL64(b, i.R1, b.G(i.R1), b.G(i.R2));
    public static void SLGRK(B b, ref Insn i) => SubL64(b, i.R1, b.G(i.R2), b.G(i.R3));
    public static void SLGFR(B b, ref Insn i) => SubL64(b, i.R1, b.G(i.R1), b.G32(i.R2));
    public static void SLG(B b, ref Insn i) => SubL64(b, i.R1, b.G(i.R1), b.Load(8, A2(b, ref i)));
    public static void SLGF(B b, ref Insn i) => SubL64(b, i.R1, b.G(i.R1), b.Load(4, A2(b, ref i)));
    public static void SLGFI(B b, ref Insn i) => SubL64(b, i.R1, b.G(i.R1), Imm(b, i.I2));
    public static void SLHHHR(B b, ref Insn i) => SubL32H(b, i.R1, b.G32H(i.R2), b.G32H(i.R3));
    public static void SLHHLR(B b, ref Insn i) => SubL32H(b, i.R1, b.G32H(i.R2), b.G32(i.R3));
    public static void SLBR(B b, ref Insn i) => SubBorrow32(b, i.R1, b.G32(i.R1), b.G32(i.R2));
    public static void SLB(B b, ref Insn i) => SubBorrow32(b, i.R1, b.G32(i.R1), b.Load(4, A2(b, ref i)));
    public static void SLBGR(B b, ref Insn i) => SubBorrow64(b, i.R1, b.G(i.R1), b.G(i.R2));
    public static void SLBG(B b, ref Insn i) => SubBorrow64(b, i.R1, b.G(i.R1), b.Load(8, A2(b, ref i)));

    // ---- compare --------------------------------------------------------------------------------
    private static void CmpS32(B b, V a, V c) => b.SetCc(CcOp.CompareSigned32, a, c, b.Const(0));
    private static void CmpS64(B b, V a, V c) => b.SetCc(CcOp.CompareSigned64, a, c, b.Const(0));
    private static void CmpL32(B b, V a, V c) => b.SetCc(CcOp.CompareLogical32, a, c, b.Const(0));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CmpL64(B b, V a, V c) => b.SetCc(CcOp.CompareLogical64, a, c, b.Const(0));
    private static V Half(B b, V addr) => b.Trunc32(b.SExt16(b.Load(2, addr)));
    /// <summary>Relative-long operand: its address is known at translation; misalignment is a specification exception.</summary>
    internal static V RelLoad(B b, ref Insn i, int size)
    {
        ulong a = (b.InstrAddr + (ulong)(i.RI2 * 2)) & b.AddrMask;
        if ((a & (ulong)(size - 1)) != 0) b.Raise(PgmCode.Specification);
        return b.Load(size, b.Const(a));
    }

    public static void CR(B b, ref Insn i) => CmpS32(b, b.G32(i.R1), b.G32(i.R2));
    public static void C(B b, ref Insn i) => CmpS32(b, b.G32(i.R1), b.Load(4, A2(b, ref i)));
    public static void CY(B b, ref Insn i) => C(b, ref i);
    public static void CH(B b, ref Insn i) => CmpS32(b, b.G32(i.R1), Half(b, A2(b, ref i)));
    public static void CHY(B b, ref Insn i) => CH(b, ref i);
    public static void CHI(B b, ref Insn i) => CmpS32(b, b.G32(i.R1), b.Const((uint)i.I2));
    public static void CFI(B b, ref Insn i) => CmpS32(b, b.G32(i.R1), b.Const((uint)i.I2));
    public static void CGR(B b, ref Insn i) => CmpS64(b, b.G(i.R1), b.G(i.R2));
    public static void CGFR(B b, ref Insn i) => CmpS64(b, b.G(i.R1), b.SExt32(b.G(i.R2)));
    public static void CG(B b, ref Insn i) => CmpS64(b, b.G(i.R1), b.Load(8, A2(b, ref i)));
    public static void CGF(B b, ref Insn i) => CmpS64(b, b.G(i.R1), b.SExt32(b.Load(4, A2(b, ref i))));
    public static void CGH(B b, ref Insn i) => CmpS64(b, b.G(i.R1), b.SExt16(b.Load(2, A2(b, ref i))));
    public static void CGHI(B b, ref Insn i) => CmpS64(b, b.G(i.R1), Imm(b, i.I2));
    public static void CGFI(B b, ref Insn i) => CmpS64(b, b.G(i.R1), Imm(b, i.I2));
    public static void CHHSI(B b, ref Insn i) => CmpS32(b, Half(b, b.Addr(0, i.B1, i.D1)), b.Const((uint)i.I2));
    public static void CHSI(B b, ref Insn i) => CmpS32(b, b.Load(4, b.Addr(0, i.B1, i.D1)), b.Const((uint)i.I2));
    public static void CGHSI(B b, ref Insn i) => CmpS64(b, b.Load(8, b.Addr(0, i.B1, i.D1)), Imm(b, i.I2));
    public static void CHHR(B b, ref Insn i) => CmpS32(b, b.G32H(i.R1), b.G32H(i.R2));
    public static void CHLR(B b, ref Insn i) => CmpS32(b, b.G32H(i.R1), b.G32(i.R2));
    public static void CHF(B b, ref Insn i) => CmpS32(b, b.G32H(i.R1), b.Load(4, A2(b, ref i)));
    public static void CIH(B b, ref Insn i) => CmpS32(b, b.G32H(i.R1), b.Const((uint)i.I2));
    public static void CLR(B b, ref Insn i) => CmpL32(b, b.G32(i.R1), b.G32(i.R2));
    public static void CL(B b, ref Insn i) => CmpL32(b, b.G32(i.R1), b.Load(4, A2(b, ref i)));
    public static void CLY(B b, ref Insn i) => CL(b, ref i);
    public static void CLFI(B b, ref Insn i) => CmpL32(b, b.G32(i.R1), b.Const((uint)i.I2));
    public static void CLGR(B b, ref Insn i) => CmpL64(b, b.G(i.R1), b.G(i.R2));
    public static void CLGFR(B b, ref Insn i) => CmpL64(b, b.G(i.R1), b.G32(i.R2));
    public static void CLG(B b, ref Insn i) => CmpL64(b, b.G(i.R1), b.Load(8, A2(b, ref i)));
    public static void CLGF(B b, ref Insn i) => CmpL64(b, b.G(i.R1), b.Load(4, A2(b, ref i)));
    public static void CLGFI(B b, ref Insn i) => CmpL64(b, b.G(i.R1), Imm(b, i.I2));
    public static void CLHHSI(B b, ref Insn i) => CmpL32(b, b.Load(2, b.Addr(0, i.B1, i.D1)), b.Const((uint)i.I2));
    public static void CLFHSI(B b, ref Insn i) => CmpL32(b, b.Load(4, b.Addr(0, i.B1, i.D1)), b.Const((uint)i.I2));
    public static void CLGHSI(B b, ref Insn i) => CmpL64(b, b.Load(8, b.Addr(0, i.B1, i.D1)), Imm(b, i.I2));
    public static void CLHHR(B b, ref Insn i) => CmpL32(b, b.G32H(i.R1), b.G32H(i.R2));
    public static void CLHLR(B b, ref Insn i) => CmpL32(b, b.G32H(i.R1), b.G32(i.R2));
    public static void CLHF(B b, ref Insn i) => CmpL32(b, b.G32H(i.R1), b.Load(4, A2(b, ref i)));
    public static void CLIH(B b, ref Insn i) => CmpL32(b, b.G32H(i.R1), b.Const((uint)i.I2));
    public static void CRL(B b, ref Insn i) => CmpS32(b, b.G32(i.R1), RelLoad(b, ref i, 4));
    public static void CGRL(B b, ref Insn i) => CmpS64(b, b.G(i.R1), RelLoad(b, ref i, 8));
    public static void CGFRL(B b, ref Insn i) => CmpS64(b, b.G(i.R1), b.SExt32(RelLoad(b, ref i, 4)));
    public static void CHRL(B b, ref Insn i) => CmpS32(b, b.G32(i.R1), b.Trunc32(b.SExt16(RelLoad(b, ref i, 2))));
    public static void CGHRL(B b, ref Insn i) => CmpS64(b, b.G(i.R1), b.SExt16(RelLoad(b, ref i, 2)));
    public static void CLRL(B b, ref Insn i) => CmpL32(b, b.G32(i.R1), RelLoad(b, ref i, 4));
    public static void CLGRL(B b, ref Insn i) => CmpL64(b, b.G(i.R1), RelLoad(b, ref i, 8));
    public static void CLGFRL(B b, ref Insn i) => CmpL64(b, b.G(i.R1), RelLoad(b, ref i, 4));
    public static void CLHRL(B b, ref Insn i) => CmpL32(b, b.G32(i.R1), RelLoad(b, ref i, 2));
    public static void CLGHRL(B b, ref Insn i) => CmpL64(b, b.G(i.R1), RelLoad(b, ref i, 2));

    // ---- multiply (single: low half of the product, no cc) --------------------------------------
    public static void MH(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.Mul(b.G32(i.R1), b.SExt16(b.Load(2, A2(b, ref i))))));
    public static void MHY(B b, ref Insn i) => MH(b, ref i);
    public static void MHI(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.Mul(b.G32(i.R1), Imm(b, i.I2))));
    public static void MSR(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.Mul(b.G32(i.R1), b.G32(i.R2))));
    public static void MS(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.Mul(b.G32(i.R1), b.Load(4, A2(b, ref i)))));
    public static void MSY(B b, ref Insn i) => MS(b, ref i);
    public static void MSFI(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.Mul(b.G32(i.R1), Imm(b, i.I2))));
    // ---- multiply into an even/odd pair (R1 even: the table's EvenR1 flag is checked before the body) ----
    /// <summary>32 x 32 -> 64 bits: the high word to R1, the low word to R1+1 (both operands read first).</summary>
    private static void MulPair32(B b, int r1, V x, V y)
    {
        V p = b.Mul(x, y);
        b.SetG32(r1, b.Trunc32(b.ShrU(p, b.Const(32))));
        b.SetG32(r1 + 1, b.Trunc32(p));
    }
    public static void MR(B b, ref Insn i) => MulPair32(b, i.R1, b.SExt32(b.G32(i.R1 + 1)), b.SExt32(b.G32(i.R2)));
    public static void M(B b, ref Insn i) { V y = b.SExt32(b.Load(4, A2(b, ref i))); MulPair32(b, i.R1, b.SExt32(b.G32(i.R1 + 1)), y); }
    public static void MFY(B b, ref Insn i) => M(b, ref i);
    public static void MLR(B b, ref Insn i) => MulPair32(b, i.R1, b.G32(i.R1 + 1), b.G32(i.R2));
    public static void ML(B b, ref Insn i) { V y = b.Load(4, A2(b, ref i)); MulPair32(b, i.R1, b.G32(i.R1 + 1), y); }
    /// <summary>64 x 64 -> 128 bits unsigned: the high half to R1, the low half to R1+1.</summary>
    private static void MulLogical64(B b, int r1, V y)
    {
        V x = b.G(r1 + 1);
        V hi = b.MulHighU(x, y), lo = b.Mul(x, y);
        b.SetG(r1, hi);
        b.SetG(r1 + 1, lo);
    }
    public static void MLGR(B b, ref Insn i) => MulLogical64(b, i.R1, b.G(i.R2));
    public static void MLG(B b, ref Insn i) => MulLogical64(b, i.R1, b.Load(8, A2(b, ref i)));

    public static void MSGR(B b, ref Insn i) => b.SetG(i.R1, b.Mul(b.G(i.R1), b.G(i.R2)));
    public static void MSGFR(B b, ref Insn i) => b.SetG(i.R1, b.Mul(b.G(i.R1), b.SExt32(b.G(i.R2))));
    public static void MSG(B b, ref Insn i) => b.SetG(i.R1, b.Mul(b.G(i.R1), b.Load(8, A2(b, ref i))));
    public static void MSGF(B b, ref Insn i) => b.SetG(i.R1, b.Mul(b.G(i.R1), b.SExt32(b.Load(4, A2(b, ref i)))));
    public static void MGHI(B b, ref Insn i) => b.SetG(i.R1, b.Mul(b.G(i.R1), Imm(b, i.I2)));
    public static void MSGFI(B b, ref Insn i) => b.SetG(i.R1, b.Mul(b.G(i.R1), Imm(b, i.I2)));

    // ---- load and test / complement ----------------------------------------------------------------
    public static void LTR(B b, ref Insn i) { V v = b.G32(i.R2); b.SetG32(i.R1, v); b.SetCc(CcOp.Sign32, v, b.Const(0), b.Const(0)); }
    public static void LTGR(B b, ref Insn i) { V v = b.G(i.R2); b.SetG(i.R1, v); b.SetCc(CcOp.Sign64, v, b.Const(0), b.Const(0)); }
    public static void LTGFR(B b, ref Insn i) { V v = b.SExt32(b.G(i.R2)); b.SetG(i.R1, v); b.SetCc(CcOp.Sign64, v, b.Const(0), b.Const(0)); }
    public static void LT(B b, ref Insn i) { V v = b.Load(4, A2(b, ref i)); b.SetG32(i.R1, v); b.SetCc(CcOp.Sign32, v, b.Const(0), b.Const(0)); }
    public static void LTG(B b, ref Insn i) { V v = b.Load(8, A2(b, ref i)); b.SetG(i.R1, v); b.SetCc(CcOp.Sign64, v, b.Const(0), b.Const(0)); }
    public static void LTGF(B b, ref Insn i) { V v = b.SExt32(b.Load(4, A2(b, ref i))); b.SetG(i.R1, v); b.SetCc(CcOp.Sign64, v, b.Const(0), b.Const(0)); }
    /// <summary>LCR: 0 - a, with the signed-subtract cc (overflow for the maximum negative number).</summary>
    public static void LCR(B b, ref Insn i)
    {
        V a = b.G32(i.R2), r = b.Trunc32(b.Sub(b.Const(0), a));
        b.SetG32(i.R1, r);
        b.SetCc(CcOp.SubSigned32, b.Const(0), a, r);
        b.FixedOverflowIf(b.Eq(a, b.Const(0x8000_0000)));
    }
    public static void LCGR(B b, ref Insn i)
    {
        V a = b.G(i.R2), r = b.Sub(b.Const(0), a);
        b.SetG(i.R1, r);
        b.SetCc(CcOp.SubSigned64, b.Const(0), a, r);
        b.FixedOverflowIf(b.Eq(a, b.Const(0x8000_0000_0000_0000)));
    }
    public static void LCGFR(B b, ref Insn i)
    {
        V a = b.SExt32(b.G(i.R2)), r = b.Sub(b.Const(0), a);
        b.SetG(i.R1, r);
        b.SetCc(CcOp.SubSigned64, b.Const(0), a, r);
    }

    /// <summary>LPR: |a|; the maximum negative number overflows (cc 3). The cc rule of 0 - (-|a|) gives exactly that.</summary>
    public static void LPR(B b, ref Insn i)
    {
        V a = b.G32(i.R2), x = b.SExt32(a), neg = b.LtS(x, b.Const(0));
        V r = b.Trunc32(b.Select(neg, b.Sub(b.Const(0), x), x));
        b.SetG32(i.R1, r);
        b.SetCc(CcOp.SubSigned32, b.Const(0), b.Select(neg, a, b.Trunc32(b.Sub(b.Const(0), a))), b.Const(0));
        b.FixedOverflowIf(b.Eq(a, b.Const(0x8000_0000)));
    }
    public static void LPGR(B b, ref Insn i)
    {
        V a = b.G(i.R2), neg = b.LtS(a, b.Const(0));
        b.SetG(i.R1, b.Select(neg, b.Sub(b.Const(0), a), a));
        b.SetCc(CcOp.SubSigned64, b.Const(0), b.Select(neg, a, b.Sub(b.Const(0), a)), b.Const(0));
        b.FixedOverflowIf(b.Eq(a, b.Const(0x8000_0000_0000_0000)));
    }
    public static void LPGFR(B b, ref Insn i)
    {
        V x = b.SExt32(b.G(i.R2));
        V r = b.Select(b.LtS(x, b.Const(0)), b.Sub(b.Const(0), x), x);
        b.SetG(i.R1, r);
        b.SetCc(CcOp.Sign64, r, b.Const(0), b.Const(0));
    }
    /// <summary>LNR: -|a|, never overflows.</summary>
    public static void LNR(B b, ref Insn i)
    {
        V x = b.SExt32(b.G(i.R2));
        V r = b.Trunc32(b.Select(b.LtS(b.Const(0), x), b.Sub(b.Const(0), x), x));
        b.SetG32(i.R1, r);
        b.SetCc(CcOp.Sign32, r, b.Const(0), b.Const(0));
    }
    public static void LNGR(B b, ref Insn i)
    {
        V x = b.G(i.R2);
        V r = b.Select(b.LtS(b.Const(0), x), b.Sub(b.Const(0), x), x);
        b.SetG(i.R1, r);
        b.SetCc(CcOp.Sign64, r, b.Const(0), b.Const(0));
    }
    public static void LNGFR(B b, ref Insn i)
    {
        V x = b.SExt32(b.G(i.R2));
        V r = b.Select(b.LtS(b.Const(0), x), b.Sub(b.Const(0), x), x);
        b.SetG(i.R1, r);
        b.SetCc(CcOp.Sign64, r, b.Const(0), b.Const(0));
    }

    // ---- compare and trap ---------------------------------------------------------------------------
    public static void CRT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.SExt32(b.G(i.R1)), b.SExt32(b.G(i.R2)), signed: true));
    public static void CGRT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.G(i.R1), b.G(i.R2), signed: true));
    public static void CLRT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.G32(i.R1), b.G32(i.R2), signed: false));
    public static void CLGRT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.G(i.R1), b.G(i.R2), signed: false));
    public static void CIT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.SExt32(b.G(i.R1)), Imm(b, i.I2), signed: true));
    public static void CGIT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.G(i.R1), Imm(b, i.I2), signed: true));
    public static void CLFIT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.G32(i.R1), Imm(b, i.I2), signed: false));
    public static void CLGIT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.G(i.R1), Imm(b, i.I2), signed: false));
    public static void CLT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.G32(i.R1), b.Load(4, b.Addr(0, i.B2, i.D2)), signed: false));
    public static void CLGT(B b, ref Insn i) => b.TrapIf(CcRules.CompareMask(b, i.M3, b.G(i.R1), b.Load(8, b.Addr(0, i.B2, i.D2)), signed: false));
}

/// <summary>Fixed-point instructions with loops, 128-bit intermediates or exception paths: called as helpers by both engines.</summary>
[SemanticBodies]
public static class FixedPointHelpers
{
    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);

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
        ulong hi = c.G[r1];
        // the quotient exceeds 64 bits exactly when the dividend's high half is at least the divisor
        if (divisor == 0 || hi >= divisor) throw c.Pgm(PgmCode.FixedPointDivide);
        ulong q = WideMath.DivRem(hi, c.G[r1 + 1], divisor, out ulong r);
        c.G[r1] = r;
        c.G[r1 + 1] = q;
    }
    public static void DLGR(Cpu c, ref Insn i) => DivLogical64(c, i.R1, c.G[i.R2]);
    public static void DLG(Cpu c, ref Insn i) => DivLogical64(c, i.R1, c.ReadU64(A2(c, ref i)));

}
