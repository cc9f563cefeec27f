using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.FpRegs;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Hexadecimal-floating-point instructions (PoO chapter "Hexadecimal-Floating-Point Instructions"): the
/// arithmetic is <see cref="Hfp"/>. Exponent overflow, exponent underflow (PSW program-mask bit 22) and
/// significance (bit 23) complete the instruction and then interrupt; the HFP divide and square-root
/// exceptions suppress it. HFP instructions only need the AFP-register control for FPRs other than
/// 0, 2, 4 and 6 (DXC 1); extended operands need valid register pairs.
/// </summary>
[SemanticBodies]
public static class HexFloatingPoint
{
    private const int E = Hfp.Short, D = Hfp.Long, X = Hfp.Extended;

    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);
    private static bool EuMask(Cpu c) => (c.PswMask & Psw.ExponentUnderflowMask) != 0;
    private static bool SgMask(Cpu c) => (c.PswMask & Psw.SignificanceMask) != 0;

    private static void Reg(Cpu c, int r) => CheckReg(c, r);
    private static void Pair(Cpu c, int r) { CheckReg(c, r); CheckPair(c, r); }
    private static void Regs(Cpu c, int d, params int[] rs)
    {
        foreach (int r in rs) if (d == X) Pair(c, r); else Reg(c, r);
    }

    private static HfpNumber Get(Cpu c, int d, int r) => d switch
    {
        E => Hfp.Unpack32(Get32(c, r)),
        D => Hfp.Unpack64(Get64(c, r)),
        _ => Hfp.Unpack128(Get128(c, r)),
    };
    private static void Set(Cpu c, int r, HfpNumber n)
    {
        switch (n.Digits)
        {
            case E: Set32(c, r, Hfp.Pack32(n)); break;
            case D: Set64(c, r, Hfp.Pack64(n)); break;
            default: Set128(c, r, Hfp.Pack128(n)); break;
        }
    }
    private static HfpNumber Mem(Cpu c, int d, ref Insn i) => d == E ? Hfp.Unpack32(c.ReadU32(A2(c, ref i))) : Hfp.Unpack64(c.ReadU64(A2(c, ref i)));

    /// <summary>Raises an exception that completes the instruction (overflow, underflow, significance).</summary>
    private static void Complete(Cpu c, ushort code)
    {
        if (code != 0) throw c.Pgm(code);
    }

    private static int ValueCc(HfpNumber n) => n.Fraction == 0 ? 0 : n.Sign ? 1 : 2;

    // ---- load positive / negative / complement / and test ---------------------------------------------
    private enum SignOp { Positive, Negative, Complement, Test }
    private static bool NewSign(SignOp op, bool s) => op switch { SignOp.Positive => false, SignOp.Negative => true, SignOp.Complement => !s, _ => s };

    /// <summary>Short and long: the register copied with the sign changed, cc from the fraction and the new sign.</summary>
    private static void SignOpRr(Cpu c, ref Insn i, int d, SignOp op)
    {
        Regs(c, d, i.R1, i.R2);
        ulong signBit = d == E ? 0x8000_0000UL : 0x8000_0000_0000_0000UL;
        ulong v = d == E ? Get32(c, i.R2) : Get64(c, i.R2);
        bool s = NewSign(op, (v & signBit) != 0);
        v = s ? v | signBit : v & ~signBit;
        if (d == E) Set32(c, i.R1, (uint)v); else Set64(c, i.R1, v);
        ulong frac = d == E ? v & 0xFF_FFFF : v & 0xFF_FFFF_FFFF_FFFFUL;
        c.Cc = frac == 0 ? 0 : s ? 1 : 2;
    }

    /// <summary>
    /// Extended: the low part gets the result sign and the high characteristic minus 14; a zero fraction
    /// gives a zero with the result sign (characteristics zero).
    /// </summary>
    private static void SignOpX(Cpu c, ref Insn i, SignOp op)
    {
        Regs(c, X, i.R1, i.R2);
        var n = Hfp.Unpack128(Get128(c, i.R2));
        bool s = NewSign(op, n.Sign);
        if (n.Fraction == 0)
        {
            ulong z = s ? 0x8000_0000_0000_0000UL : 0;
            Set128(c, i.R1, ((UInt128)z << 64) | z);
            c.Cc = 0;
            return;
        }
        Set128(c, i.R1, Hfp.Pack128(n with { Sign = s }));
        c.Cc = s ? 1 : 2;
    }

    public static void LPER(Cpu c, ref Insn i) => SignOpRr(c, ref i, E, SignOp.Positive);
    public static void LNER(Cpu c, ref Insn i) => SignOpRr(c, ref i, E, SignOp.Negative);
    public static void LCER(Cpu c, ref Insn i) => SignOpRr(c, ref i, E, SignOp.Complement);
    public static void LTER(Cpu c, ref Insn i) => SignOpRr(c, ref i, E, SignOp.Test);
    public static void LPDR(Cpu c, ref Insn i) => SignOpRr(c, ref i, D, SignOp.Positive);
    public static void LNDR(Cpu c, ref Insn i) => SignOpRr(c, ref i, D, SignOp.Negative);
    public static void LCDR(Cpu c, ref Insn i) => SignOpRr(c, ref i, D, SignOp.Complement);
    public static void LTDR(Cpu c, ref Insn i) => SignOpRr(c, ref i, D, SignOp.Test);
    public static void LPXR(Cpu c, ref Insn i) => SignOpX(c, ref i, SignOp.Positive);
    public static void LNXR(Cpu c, ref Insn i) => SignOpX(c, ref i, SignOp.Negative);
    public static void LCXR(Cpu c, ref Insn i) => SignOpX(c, ref i, SignOp.Complement);
    public static void LTXR(Cpu c, ref Insn i) => SignOpX(c, ref i, SignOp.Test);

    // ---- add / subtract --------------------------------------------------------------------------------
    private static void AddOp(Cpu c, ref Insn i, int d, HfpNumber b, bool subtract, bool normalize)
    {
        var a = Get(c, d, i.R1);
        if (subtract) b = b with { Sign = !b.Sign };
        var r = Hfp.Add(a, b, normalize, EuMask(c), SgMask(c), out ushort code);
        Set(c, i.R1, r);
        c.Cc = ValueCc(r);
        Complete(c, code);
    }
    private static void AddRr(Cpu c, ref Insn i, int d, bool sub, bool norm) { Regs(c, d, i.R1, i.R2); AddOp(c, ref i, d, Get(c, d, i.R2), sub, norm); }
    private static void AddRx(Cpu c, ref Insn i, int d, bool sub, bool norm) { Reg(c, i.R1); AddOp(c, ref i, d, Mem(c, d, ref i), sub, norm); }

    public static void AER(Cpu c, ref Insn i) => AddRr(c, ref i, E, false, true);
    public static void SER(Cpu c, ref Insn i) => AddRr(c, ref i, E, true, true);
    public static void ADR(Cpu c, ref Insn i) => AddRr(c, ref i, D, false, true);
    public static void SDR(Cpu c, ref Insn i) => AddRr(c, ref i, D, true, true);
    public static void AXR(Cpu c, ref Insn i) => AddRr(c, ref i, X, false, true);
    public static void SXR(Cpu c, ref Insn i) => AddRr(c, ref i, X, true, true);
    public static void AUR(Cpu c, ref Insn i) => AddRr(c, ref i, E, false, false);
    public static void SUR(Cpu c, ref Insn i) => AddRr(c, ref i, E, true, false);
    public static void AWR(Cpu c, ref Insn i) => AddRr(c, ref i, D, false, false);
    public static void SWR(Cpu c, ref Insn i) => AddRr(c, ref i, D, true, false);
    public static void AE(Cpu c, ref Insn i) => AddRx(c, ref i, E, false, true);
    public static void SE(Cpu c, ref Insn i) => AddRx(c, ref i, E, true, true);
    public static void AD(Cpu c, ref Insn i) => AddRx(c, ref i, D, false, true);
    public static void SD(Cpu c, ref Insn i) => AddRx(c, ref i, D, true, true);
    public static void AU(Cpu c, ref Insn i) => AddRx(c, ref i, E, false, false);
    public static void SU(Cpu c, ref Insn i) => AddRx(c, ref i, E, true, false);
    public static void AW(Cpu c, ref Insn i) => AddRx(c, ref i, D, false, false);
    public static void SW(Cpu c, ref Insn i) => AddRx(c, ref i, D, true, false);

    // ---- compare -------------------------------------------------------------------------------------
    public static void CER(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R2); c.Cc = Hfp.Compare(Get(c, E, i.R1), Get(c, E, i.R2)); }
    public static void CDR(Cpu c, ref Insn i) { Regs(c, D, i.R1, i.R2); c.Cc = Hfp.Compare(Get(c, D, i.R1), Get(c, D, i.R2)); }
    public static void CXR(Cpu c, ref Insn i) { Regs(c, X, i.R1, i.R2); c.Cc = Hfp.Compare(Get(c, X, i.R1), Get(c, X, i.R2)); }
    public static void CE(Cpu c, ref Insn i) { Reg(c, i.R1); c.Cc = Hfp.Compare(Get(c, E, i.R1), Mem(c, E, ref i)); }
    public static void CD(Cpu c, ref Insn i) { Reg(c, i.R1); c.Cc = Hfp.Compare(Get(c, D, i.R1), Mem(c, D, ref i)); }

    // ---- multiply ----------------------------------------------------------------------------------
    /// <summary>op1 (format <paramref name="d"/>) times op2 into R1 as <paramref name="resultDigits"/>.</summary>
    private static void MulOp(Cpu c, ref Insn i, int d, HfpNumber b, int resultDigits)
    {
        var r = Hfp.Multiply(Get(c, d, i.R1), b, resultDigits, EuMask(c), out ushort code);
        Set(c, i.R1, r);
        Complete(c, code);
    }
    public static void MEER(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R2); MulOp(c, ref i, E, Get(c, E, i.R2), E); }
    public static void MDR(Cpu c, ref Insn i) { Regs(c, D, i.R1, i.R2); MulOp(c, ref i, D, Get(c, D, i.R2), D); }
    public static void MXR(Cpu c, ref Insn i) { Regs(c, X, i.R1, i.R2); MulOp(c, ref i, X, Get(c, X, i.R2), X); }
    public static void MDER(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R2); MulOp(c, ref i, E, Get(c, E, i.R2), D); }
    public static void MXDR(Cpu c, ref Insn i) { Pair(c, i.R1); Reg(c, i.R2); MulOp(c, ref i, D, Get(c, D, i.R2), X); }
    public static void MEE(Cpu c, ref Insn i) { Reg(c, i.R1); MulOp(c, ref i, E, Mem(c, E, ref i), E); }
    public static void MD(Cpu c, ref Insn i) { Reg(c, i.R1); MulOp(c, ref i, D, Mem(c, D, ref i), D); }
    public static void MDE(Cpu c, ref Insn i) { Reg(c, i.R1); MulOp(c, ref i, E, Mem(c, E, ref i), D); }
    public static void MXD(Cpu c, ref Insn i) { Pair(c, i.R1); MulOp(c, ref i, D, Mem(c, D, ref i), X); }

    // ---- divide ------------------------------------------------------------------------------------
    private static void DivOp(Cpu c, ref Insn i, int d, HfpNumber b)
    {
        var r = Hfp.Divide(Get(c, d, i.R1), b, EuMask(c), out ushort code);
        if (code == HfpCode.Divide) throw c.Pgm(code);
        Set(c, i.R1, r);
        Complete(c, code);
    }
    public static void DER(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R2); DivOp(c, ref i, E, Get(c, E, i.R2)); }
    public static void DDR(Cpu c, ref Insn i) { Regs(c, D, i.R1, i.R2); DivOp(c, ref i, D, Get(c, D, i.R2)); }
    public static void DXR(Cpu c, ref Insn i) { Regs(c, X, i.R1, i.R2); DivOp(c, ref i, X, Get(c, X, i.R2)); }
    public static void DE(Cpu c, ref Insn i) { Reg(c, i.R1); DivOp(c, ref i, E, Mem(c, E, ref i)); }
    public static void DD(Cpu c, ref Insn i) { Reg(c, i.R1); DivOp(c, ref i, D, Mem(c, D, ref i)); }

    // ---- halve, square root --------------------------------------------------------------------------
    private static void HalveOp(Cpu c, ref Insn i, int d)
    {
        Regs(c, d, i.R1, i.R2);
        var r = Hfp.Halve(Get(c, d, i.R2), EuMask(c), out ushort code);
        Set(c, i.R1, r);
        Complete(c, code);
    }
    public static void HER(Cpu c, ref Insn i) => HalveOp(c, ref i, E);
    public static void HDR(Cpu c, ref Insn i) => HalveOp(c, ref i, D);

    private static void SqrtOp(Cpu c, ref Insn i, HfpNumber v)
    {
        var r = Hfp.SquareRoot(v, out ushort code);
        if (code != 0) throw c.Pgm(code);
        Set(c, i.R1, r);
    }
    public static void SQER(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R2); SqrtOp(c, ref i, Get(c, E, i.R2)); }
    public static void SQDR(Cpu c, ref Insn i) { Regs(c, D, i.R1, i.R2); SqrtOp(c, ref i, Get(c, D, i.R2)); }
    public static void SQXR(Cpu c, ref Insn i) { Regs(c, X, i.R1, i.R2); SqrtOp(c, ref i, Get(c, X, i.R2)); }
    public static void SQE(Cpu c, ref Insn i) { Reg(c, i.R1); SqrtOp(c, ref i, Mem(c, E, ref i)); }
    public static void SQD(Cpu c, ref Insn i) { Reg(c, i.R1); SqrtOp(c, ref i, Mem(c, D, ref i)); }

    // ---- load rounded / lengthened --------------------------------------------------------------------
    private static void RoundOp(Cpu c, ref Insn i, int from, int to)
    {
        Reg(c, i.R1);
        if (from == X) Pair(c, i.R2); else Reg(c, i.R2);
        var r = Hfp.Round(Get(c, from, i.R2), to, out ushort code);
        Set(c, i.R1, r);
        Complete(c, code);
    }
    public static void LEDR(Cpu c, ref Insn i) => RoundOp(c, ref i, D, E);
    public static void LDXR(Cpu c, ref Insn i) => RoundOp(c, ref i, X, D);
    public static void LEXR(Cpu c, ref Insn i) => RoundOp(c, ref i, X, E);

    /// <summary>
    /// LOAD LENGTHENED: the fraction extended with zeros (no normalization); an extended result's low part
    /// has the sign and the characteristic minus 14; a zero fraction gives a zero with the operand's sign.
    /// </summary>
    private static void Lengthen(Cpu c, int r1, HfpNumber v, int to)
    {
        if (v.Fraction == 0)
        {
            if (to == D) Set64(c, r1, v.Sign ? 0x8000_0000_0000_0000UL : 0);
            else { ulong z = v.Sign ? 0x8000_0000_0000_0000UL : 0; Set128(c, r1, ((UInt128)z << 64) | z); }
            return;
        }
        Set(c, r1, v with { Fraction = v.Fraction << (4 * (to - v.Digits)), Digits = to });
    }
    public static void LDER(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R2); Lengthen(c, i.R1, Get(c, E, i.R2), D); }
    public static void LXDR(Cpu c, ref Insn i) { Pair(c, i.R1); Reg(c, i.R2); Lengthen(c, i.R1, Get(c, D, i.R2), X); }
    public static void LXER(Cpu c, ref Insn i) { Pair(c, i.R1); Reg(c, i.R2); Lengthen(c, i.R1, Get(c, E, i.R2), X); }
    public static void LDE(Cpu c, ref Insn i) { Reg(c, i.R1); Lengthen(c, i.R1, Mem(c, E, ref i), D); }
    public static void LXD(Cpu c, ref Insn i) { Pair(c, i.R1); Lengthen(c, i.R1, Mem(c, D, ref i), X); }
    public static void LXE(Cpu c, ref Insn i) { Pair(c, i.R1); Lengthen(c, i.R1, Mem(c, E, ref i), X); }

    // ---- load FP integer ---------------------------------------------------------------------------
    private static void IntegralOp(Cpu c, ref Insn i, int d) { Regs(c, d, i.R1, i.R2); Set(c, i.R1, Hfp.ToIntegral(Get(c, d, i.R2))); }
    public static void FIER(Cpu c, ref Insn i) => IntegralOp(c, ref i, E);
    public static void FIDR(Cpu c, ref Insn i) => IntegralOp(c, ref i, D);
    public static void FIXR(Cpu c, ref Insn i) => IntegralOp(c, ref i, X);

    // ---- convert from / to fixed --------------------------------------------------------------------
    private static void FromFixed(Cpu c, ref Insn i, int d, bool is64)
    {
        if (d == X) Pair(c, i.R1); else Reg(c, i.R1);
        long v = is64 ? (long)c.G[i.R2] : (int)c.R32(i.R2);
        Set(c, i.R1, Hfp.FromInteger(v < 0, v < 0 ? 0UL - (ulong)v : (ulong)v, d));
    }
    public static void CEFR(Cpu c, ref Insn i) => FromFixed(c, ref i, E, false);
    public static void CDFR(Cpu c, ref Insn i) => FromFixed(c, ref i, D, false);
    public static void CXFR(Cpu c, ref Insn i) => FromFixed(c, ref i, X, false);
    public static void CEGR(Cpu c, ref Insn i) => FromFixed(c, ref i, E, true);
    public static void CDGR(Cpu c, ref Insn i) => FromFixed(c, ref i, D, true);
    public static void CXGR(Cpu c, ref Insn i) => FromFixed(c, ref i, X, true);

    /// <summary>M3 of the HFP conversions: 0, 1 and 4-7 (2, 3 and 8-15 are specification exceptions).</summary>
    private static int HfpM3(Cpu c, ref Insn i)
    {
        if (i.M3 is 2 or 3 || i.M3 > 7) throw c.Pgm(PgmCode.Specification);
        return i.M3;
    }

    private static void ToFixed(Cpu c, ref Insn i, int d, int bits)
    {
        int m3 = HfpM3(c, ref i);
        if (d == X) Pair(c, i.R2); else Reg(c, i.R2);
        ulong r = Hfp.ToInteger(Get(c, d, i.R2), m3, bits, out int cc);
        if (bits == 32) c.SetR32(i.R1, (uint)r); else c.G[i.R1] = r;
        c.Cc = cc;
    }
    public static void CFER(Cpu c, ref Insn i) => ToFixed(c, ref i, E, 32);
    public static void CFDR(Cpu c, ref Insn i) => ToFixed(c, ref i, D, 32);
    public static void CFXR(Cpu c, ref Insn i) => ToFixed(c, ref i, X, 32);
    public static void CGER(Cpu c, ref Insn i) => ToFixed(c, ref i, E, 64);
    public static void CGDR(Cpu c, ref Insn i) => ToFixed(c, ref i, D, 64);
    public static void CGXR(Cpu c, ref Insn i) => ToFixed(c, ref i, X, 64);

    // ---- multiply and add / subtract (HFP multiply-and-add facility) -----------------------------------
    private static void MulAddOp(Cpu c, ref Insn i, int d, HfpNumber op2, bool subtract)
    {
        var r = Hfp.MultiplyAdd(Get(c, d, i.R1), op2, Get(c, d, i.R3), subtract, EuMask(c), out ushort code);
        Set(c, i.R1, r);
        Complete(c, code);
    }
    public static void MAER(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R2, i.R3); MulAddOp(c, ref i, E, Get(c, E, i.R2), false); }
    public static void MSER(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R2, i.R3); MulAddOp(c, ref i, E, Get(c, E, i.R2), true); }
    public static void MADR(Cpu c, ref Insn i) { Regs(c, D, i.R1, i.R2, i.R3); MulAddOp(c, ref i, D, Get(c, D, i.R2), false); }
    public static void MSDR(Cpu c, ref Insn i) { Regs(c, D, i.R1, i.R2, i.R3); MulAddOp(c, ref i, D, Get(c, D, i.R2), true); }
    public static void MAE(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R3); MulAddOp(c, ref i, E, Mem(c, E, ref i), false); }
    public static void MSE(Cpu c, ref Insn i) { Regs(c, E, i.R1, i.R3); MulAddOp(c, ref i, E, Mem(c, E, ref i), true); }
    public static void MAD(Cpu c, ref Insn i) { Regs(c, D, i.R1, i.R3); MulAddOp(c, ref i, D, Mem(c, D, ref i), false); }
    public static void MSD(Cpu c, ref Insn i) { Regs(c, D, i.R1, i.R3); MulAddOp(c, ref i, D, Mem(c, D, ref i), true); }

    // ---- multiply (and add) unnormalized (HFP-unnormalized-extension facility) ---------------------------
    private enum Part { Both, High, Low }
    /// <summary>
    /// long op3 x op2 (+ the long op1) unnormalized into extended: MY/MAY write the pair (MAY: either
    /// register of the pair may be named), MYH/MAYH the high part, MYL/MAYL the low part into R1.
    /// </summary>
    private static void Unnormalized(Cpu c, ref Insn i, HfpNumber op2, bool add, Part part)
    {
        HfpNumber? addend = add ? Hfp.Unpack64(Get64(c, part == Part.Both ? i.R1 & 13 : i.R1)) : null;
        var r = Hfp.MultiplyUnnormalized(op2, Hfp.Unpack64(Get64(c, i.R3)), addend);
        var (hi, lo) = Hfp.PackUnnormalized128(r);
        switch (part)
        {
            case Part.Both: int r1 = add ? i.R1 & 13 : i.R1; Set64(c, r1, hi); Set64(c, r1 + 2, lo); break;
            case Part.High: Set64(c, i.R1, hi); break;
            default: Set64(c, i.R1, lo); break;
        }
    }
    private static void UnnormRr(Cpu c, ref Insn i, bool add, Part part)
    {
        if (part == Part.Both && !add) Pair(c, i.R1); else Reg(c, i.R1);
        Reg(c, i.R2); Reg(c, i.R3);
        Unnormalized(c, ref i, Hfp.Unpack64(Get64(c, i.R2)), add, part);
    }
    private static void UnnormRx(Cpu c, ref Insn i, bool add, Part part)
    {
        if (part == Part.Both && !add) Pair(c, i.R1); else Reg(c, i.R1);
        Reg(c, i.R3);
        Unnormalized(c, ref i, Hfp.Unpack64(c.ReadU64(A2(c, ref i))), add, part);
    }
    public static void MYR(Cpu c, ref Insn i) => UnnormRr(c, ref i, false, Part.Both);
    public static void MYHR(Cpu c, ref Insn i) => UnnormRr(c, ref i, false, Part.High);
    public static void MYLR(Cpu c, ref Insn i) => UnnormRr(c, ref i, false, Part.Low);
    public static void MAYR(Cpu c, ref Insn i) => UnnormRr(c, ref i, true, Part.Both);
    public static void MAYHR(Cpu c, ref Insn i) => UnnormRr(c, ref i, true, Part.High);
    public static void MAYLR(Cpu c, ref Insn i) => UnnormRr(c, ref i, true, Part.Low);
    public static void MY(Cpu c, ref Insn i) => UnnormRx(c, ref i, false, Part.Both);
    public static void MYH(Cpu c, ref Insn i) => UnnormRx(c, ref i, false, Part.High);
    public static void MYL(Cpu c, ref Insn i) => UnnormRx(c, ref i, false, Part.Low);
    public static void MAY(Cpu c, ref Insn i) => UnnormRx(c, ref i, true, Part.Both);
    public static void MAYH(Cpu c, ref Insn i) => UnnormRx(c, ref i, true, Part.High);
    public static void MAYL(Cpu c, ref Insn i) => UnnormRx(c, ref i, true, Part.Low);

    // ---- conversions between BFP and HFP ---------------------------------------------------------------
    private static readonly ulong HfpMaxLong = 0x7FFF_FFFF_FFFF_FFFFUL;

    /// <summary>
    /// CONVERT BFP TO HFP (long HFP result): exact where the value is in range; an infinity, a NaN or a
    /// value beyond the HFP range gives the largest HFP number of the sign with cc 3; a value below it a
    /// zero (or, rounding away from zero with M3 6/7, the smallest). cc 0 zero, 1 negative, 2 positive.
    /// </summary>
    private static void BfpToHfp(Cpu c, ref Insn i, BinaryFormat f, UInt128 v)
    {
        int m3 = HfpM3(c, ref i);
        bool s = f.Sign(v);
        ulong sb = s ? 0x8000_0000_0000_0000UL : 0;
        if (!f.IsFinite(v)) { Set64(c, i.R1, sb | HfpMaxLong); c.Cc = 3; return; }
        if (f.IsZero(v)) { Set64(c, i.R1, sb); c.Cc = 0; return; }
        var (_, e, m) = f.Unpack(v);                  // |v| = m x 2^e
        int lead = e + 128 - (int)UInt128.LeadingZeroCount(m); // |v| < 2^lead
        int hexExp = (lead + 3 + 1024) / 4 - 256;    // smallest h with 2^lead <= 16^h
        c.Cc = s ? 1 : 2;
        if (hexExp > 63) { Set64(c, i.R1, sb | HfpMaxLong); c.Cc = 3; return; }
        if (hexExp < -64)
        {
            bool up = (m3 == 6 && !s) || (m3 == 7 && s);
            Set64(c, i.R1, up ? sb | 0x0010_0000_0000_0000UL : sb);
            return;
        }
        int shift = e - 4 * (hexExp - 14);            // fraction = m x 2^shift (56 bits)
        UInt128 frac = shift >= 0 ? m << shift : m >> -shift;
        Set64(c, i.R1, Hfp.Pack64(new HfpNumber(s, hexExp + 64, frac, D)));
    }
    public static void TBEDR(Cpu c, ref Insn i) { Reg(c, i.R1); Reg(c, i.R2); BfpToHfp(c, ref i, BinaryFormat.Short, Get32(c, i.R2)); }
    public static void TBDR(Cpu c, ref Insn i) { Reg(c, i.R1); Reg(c, i.R2); BfpToHfp(c, ref i, BinaryFormat.Long, Get64(c, i.R2)); }

    /// <summary>
    /// CONVERT HFP TO BFP (long HFP operand): rounded by M3 (0 toward zero); beyond the BFP range the
    /// largest finite number of the sign with cc 3. No IEEE exceptions. cc 0 zero, 1 negative, 2 positive.
    /// </summary>
    private static void HfpToBfp(Cpu c, ref Insn i, BinaryFormat f)
    {
        int m3 = HfpM3(c, ref i);
        Reg(c, i.R1); Reg(c, i.R2);
        var n = Hfp.Unpack64(Get64(c, i.R2));
        UInt128 r;
        if (n.Fraction == 0) { r = f.Signed(n.Sign, 0); c.Cc = 0; }
        else
        {
            var env = new BfpEnv(m3 switch
            {
                1 => BfpRounding.NearestAway, 4 => BfpRounding.NearestEven, 6 => BfpRounding.TowardPositive,
                7 => BfpRounding.TowardNegative, _ => BfpRounding.TowardZero,
            });
            r = Bfp.RoundPack(f, n.Sign, 4 * (n.Char - 64) - 56 - 2, (U256)n.Fraction << 2, ref env);
            c.Cc = n.Sign ? 1 : 2;
            if (env.Overflow) { r = f.Signed(n.Sign, f.MaxFinite); c.Cc = 3; }
        }
        if (f.Width == 32) Set32(c, i.R1, (uint)r); else Set64(c, i.R1, (ulong)r);
    }
    public static void THDER(Cpu c, ref Insn i) => HfpToBfp(c, ref i, BinaryFormat.Short);
    public static void THDR(Cpu c, ref Insn i) => HfpToBfp(c, ref i, BinaryFormat.Long);
}
