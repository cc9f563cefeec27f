using System.Numerics;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.FpRegs;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Decimal-floating-point instructions (PoO chapter "Decimal-Floating-Point Instructions"), long (D)
/// and extended (X) formats (short only for LOAD LENGTHENED / LOAD ROUNDED and TEST DATA CLASS/GROUP).
/// The arithmetic is <see cref="Dfp"/>; <see cref="Ieee"/> applies the FPC as for BFP. Every DFP
/// instruction needs the AFP-register control (data exception, DXC 3); extended operands need valid
/// FPR pairs, extended packed/BCD operands valid GR pairs (specification exception).
/// <para>
/// Rounding-method fields (M3 of conversions, LOAD ROUNDED, LOAD FP INTEGER; M4 of the arithmetic
/// instructions with the floating-point-extension facility, QUANTIZE, REROUND): 0-7 the FPC's DFP
/// rounding mode, 8-15 the eight DFP rounding modes (value - 8).
/// </para>
/// </summary>
[SemanticBodies]
public static class DecimalFloatingPoint
{
    private static readonly DfpFormat E = DfpFormat.Short, D = DfpFormat.Long, X = DfpFormat.Extended;

    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);

    private static UInt128 Reg(Cpu c, DfpFormat f, int r) => f.Width switch { 32 => Get32(c, r), 64 => Get64(c, r), _ => Get128(c, r) };
    private static void SetReg(Cpu c, DfpFormat f, int r, UInt128 v)
    {
        switch (f.Width)
        {
            case 32: Set32(c, r, (uint)v); break;
            case 64: Set64(c, r, (ulong)v); break;
            default: Set128(c, r, v); break;
        }
    }

    /// <summary>AFP-register control, then the register pairs of extended operands.</summary>
    private static void Check(Cpu c, DfpFormat f, params int[] fprs)
    {
        CheckDfp(c);
        if (f == X) foreach (int r in fprs) CheckPair(c, r);
    }

    private static void CheckGrPair(Cpu c, int r)
    {
        if ((r & 1) != 0) throw c.Pgm(PgmCode.Specification);
    }

    public static DfpRounding FpcRounding(uint fpc) => (DfpRounding)((fpc >> 4) & 7);

    /// <summary>A DFP rounding-method field (see the class summary): bit 0 zero, the FPC's DFP rounding mode; one, bits 1-3 are the mode.</summary>
    public static DfpRounding Rounding(Cpu c, int m) => m < 8 ? FpcRounding(c.Fpc) : (DfpRounding)(m - 8);

    /// <summary>M4 of the arithmetic instructions: a rounding method with the floating-point-extension facility, ignored without.</summary>
    private static DfpEnv ArithEnv(Cpu c, ref Insn i) => new(Rounding(c, c.HasFacility(Fac.FpExtension) ? i.M4 : 0));

    private static bool Xxc(Cpu c, ref Insn i) => BfpSupport.Xxc(c, ref i);

    /// <summary>
    /// The FPC actions for one operation's conditions (<see cref="IeeeExceptions.Apply"/>, the rule BFP shares):
    /// a trapping overflow/underflow replaces <paramref name="result"/> by the scaled result. Raise the returned
    /// DXC with <see cref="Trap"/> after storing.
    /// </summary>
    public static byte Ieee(Cpu c, ref DfpEnv env, ref UInt128 result, bool xxc = false)
    {
        byte dxc = IeeeExceptions.Apply(c, env.Conditions, xxc, out bool scaled);
        if (scaled) result = env.Scaled;
        return dxc;
    }

    private static void Trap(Cpu c, byte dxc) => IeeeExceptions.Trap(c, dxc);

    /// <summary>cc of a DFP result: 0 zero, 1 less than zero, 2 greater than zero, 3 NaN.</summary>
    public static int ResultCc(DfpFormat f, UInt128 v)
    {
        var n = f.Unpack(v);
        return n.IsNaN ? 3 : n.IsZero ? 0 : n.Sign ? 1 : 2;
    }

    // ---- add / subtract / multiply / divide: op1 = op2 (op) op3 -------------------------------------------
    private enum Op { Add, Sub, Mul, Div }
    private static void Arith(Cpu c, ref Insn i, DfpFormat f, Op op)
    {
        Check(c, f, i.R1, i.R2, i.R3);
        UInt128 a = Reg(c, f, i.R2), b = Reg(c, f, i.R3);
        var env = ArithEnv(c, ref i);
        UInt128 r = op switch
        {
            Op.Add => Dfp.Add(f, a, b, false, ref env),
            Op.Sub => Dfp.Add(f, a, b, true, ref env),
            Op.Mul => Dfp.Multiply(f, a, b, ref env),
            _ => Dfp.Divide(f, a, b, ref env),
        };
        byte dxc = Ieee(c, ref env, ref r);
        SetReg(c, f, i.R1, r);
        if (op is Op.Add or Op.Sub) c.Cc = ResultCc(f, r);
        Trap(c, dxc);
    }
    public static void ADTRA(Cpu c, ref Insn i) => Arith(c, ref i, D, Op.Add);
    public static void AXTRA(Cpu c, ref Insn i) => Arith(c, ref i, X, Op.Add);
    public static void SDTRA(Cpu c, ref Insn i) => Arith(c, ref i, D, Op.Sub);
    public static void SXTRA(Cpu c, ref Insn i) => Arith(c, ref i, X, Op.Sub);
    public static void MDTRA(Cpu c, ref Insn i) => Arith(c, ref i, D, Op.Mul);
    public static void MXTRA(Cpu c, ref Insn i) => Arith(c, ref i, X, Op.Mul);
    public static void DDTRA(Cpu c, ref Insn i) => Arith(c, ref i, D, Op.Div);
    public static void DXTRA(Cpu c, ref Insn i) => Arith(c, ref i, X, Op.Div);

    // ---- compare ------------------------------------------------------------------------------------
    private static void Compare(Cpu c, ref Insn i, DfpFormat f, bool signaling)
    {
        Check(c, f, i.R1, i.R2);
        var env = new DfpEnv(FpcRounding(c.Fpc));
        int cc = Dfp.Compare(f, Reg(c, f, i.R1), Reg(c, f, i.R2), signaling, ref env);
        UInt128 none = 0;
        Ieee(c, ref env, ref none);
        c.Cc = cc;
    }
    public static void CDTR(Cpu c, ref Insn i) => Compare(c, ref i, D, false);
    public static void CXTR(Cpu c, ref Insn i) => Compare(c, ref i, X, false);
    public static void KDTR(Cpu c, ref Insn i) => Compare(c, ref i, D, true);
    public static void KXTR(Cpu c, ref Insn i) => Compare(c, ref i, X, true);

    private static void CompareExp(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1, i.R2);
        c.Cc = Dfp.CompareExponent(f, Reg(c, f, i.R1), Reg(c, f, i.R2));
    }
    public static void CEDTR(Cpu c, ref Insn i) => CompareExp(c, ref i, D);
    public static void CEXTR(Cpu c, ref Insn i) => CompareExp(c, ref i, X);

    // ---- load and test, load FP integer, lengthen / round ---------------------------------------------------
    private static void LoadTest(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1, i.R2);
        var n = f.Unpack(Reg(c, f, i.R2));
        var env = new DfpEnv(FpcRounding(c.Fpc));
        UInt128 r;
        if (n.Kind == DfpKind.SNaN) { env.Invalid = true; r = Dfp.QuietNaN(f, n); }
        else r = f.Pack(n);
        Ieee(c, ref env, ref r);
        SetReg(c, f, i.R1, r);
        c.Cc = ResultCc(f, r);
    }
    public static void LTDTR(Cpu c, ref Insn i) => LoadTest(c, ref i, D);
    public static void LTXTR(Cpu c, ref Insn i) => LoadTest(c, ref i, X);

    /// <summary>LOAD FP INTEGER: M3 rounding method, M4 bit 1 suppresses inexact.</summary>
    private static void FpInteger(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1, i.R2);
        var env = new DfpEnv(Rounding(c, i.M3));
        UInt128 r = Dfp.Integer(f, Reg(c, f, i.R2), ref env);
        byte dxc = Ieee(c, ref env, ref r, (i.M4 & 4) != 0);
        SetReg(c, f, i.R1, r);
        Trap(c, dxc);
    }
    public static void FIDTR(Cpu c, ref Insn i) => FpInteger(c, ref i, D);
    public static void FIXTR(Cpu c, ref Insn i) => FpInteger(c, ref i, X);

    /// <summary>
    /// LOAD LENGTHENED (exact) and LOAD ROUNDED (M3 rounding method): with M4 bit 0 one an SNaN is
    /// converted as an SNaN, without invalid operation, and an infinity keeps its coefficient continuation.
    /// </summary>
    private static void Convert(Cpu c, ref Insn i, DfpFormat from, DfpFormat to, int m)
    {
        CheckDfp(c);
        if (from == X) CheckPair(c, i.R2);
        if (to == X) CheckPair(c, i.R1);
        var env = new DfpEnv(Rounding(c, m));
        UInt128 r = Dfp.Convert(from, to, Reg(c, from, i.R2), (i.M4 & 8) != 0, ref env);
        byte dxc = Ieee(c, ref env, ref r);
        SetReg(c, to, i.R1, r);
        Trap(c, dxc);
    }
    public static void LDETR(Cpu c, ref Insn i) => Convert(c, ref i, E, D, 0);
    public static void LXDTR(Cpu c, ref Insn i) => Convert(c, ref i, D, X, 0);
    public static void LEDTR(Cpu c, ref Insn i) => Convert(c, ref i, D, E, i.M3);
    public static void LDXTR(Cpu c, ref Insn i) => Convert(c, ref i, X, D, i.M3);

    // ---- quantize / reround ------------------------------------------------------------------------------
    private static void Quantize(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1, i.R2, i.R3);
        var env = new DfpEnv(Rounding(c, i.M4));
        UInt128 r = Dfp.Quantize(f, Reg(c, f, i.R3), Reg(c, f, i.R2), ref env);
        byte dxc = Ieee(c, ref env, ref r);
        SetReg(c, f, i.R1, r);
        Trap(c, dxc);
    }
    public static void QADTR(Cpu c, ref Insn i) => Quantize(c, ref i, D);
    public static void QAXTR(Cpu c, ref Insn i) => Quantize(c, ref i, X);

    private static void Reround(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1, i.R3);
        var env = new DfpEnv(Rounding(c, i.M4));
        UInt128 r = Dfp.Reround(f, Reg(c, f, i.R3), (int)(c.G[i.R2] & 63), ref env);
        byte dxc = Ieee(c, ref env, ref r);
        SetReg(c, f, i.R1, r);
        Trap(c, dxc);
    }
    public static void RRDTR(Cpu c, ref Insn i) => Reround(c, ref i, D);
    public static void RRXTR(Cpu c, ref Insn i) => Reround(c, ref i, X);

    // ---- convert from / to fixed and logical ------------------------------------------------------------------
    private static void FromInt(Cpu c, ref Insn i, DfpFormat f, bool signed, int bits)
    {
        CheckDfp(c);
        if (f == X) CheckPair(c, i.R1);
        var env = new DfpEnv(Rounding(c, i.M3));
        ulong g = c.G[i.R2];
        if (bits == 32) g = signed ? (ulong)(long)(int)(uint)g : (uint)g;
        bool neg = signed && (long)g < 0;
        UInt128 mag = neg ? (UInt128)(0UL - g) : g;
        UInt128 r = Dfp.FromInteger(f, neg, mag, ref env);
        byte dxc = Ieee(c, ref env, ref r, Xxc(c, ref i));
        SetReg(c, f, i.R1, r);
        Trap(c, dxc);
    }
    public static void CDGTRA(Cpu c, ref Insn i) => FromInt(c, ref i, D, true, 64);
    public static void CXGTRA(Cpu c, ref Insn i) => FromInt(c, ref i, X, true, 64);
    public static void CDFTR(Cpu c, ref Insn i) => FromInt(c, ref i, D, true, 32);
    public static void CXFTR(Cpu c, ref Insn i) => FromInt(c, ref i, X, true, 32);
    public static void CDLGTR(Cpu c, ref Insn i) => FromInt(c, ref i, D, false, 64);
    public static void CDLFTR(Cpu c, ref Insn i) => FromInt(c, ref i, D, false, 32);
    public static void CXLGTR(Cpu c, ref Insn i) => FromInt(c, ref i, X, false, 64);
    public static void CXLFTR(Cpu c, ref Insn i) => FromInt(c, ref i, X, false, 32);

    /// <summary>
    /// CONVERT TO FIXED / TO LOGICAL: M3 rounding method, M4 bit 1 inexact suppression (floating-point-extension
    /// facility). A NaN, an infinity or a value out of range is invalid (cc 3; results: the largest positive
    /// number for positive values, the most negative (signed) or zero (logical) otherwise); untrapped, it also
    /// signals inexact unless suppressed.
    /// </summary>
    private static void ToInt(Cpu c, ref Insn i, DfpFormat f, bool signed, int bits)
    {
        CheckDfp(c);
        if (f == X) CheckPair(c, i.R2);
        var env = new DfpEnv(Rounding(c, i.M3));
        BigInteger min = signed ? -(BigInteger.One << (bits - 1)) : BigInteger.Zero;
        BigInteger max = signed ? (BigInteger.One << (bits - 1)) - 1 : (BigInteger.One << bits) - 1;
        var v = Dfp.ToInteger(f, Reg(c, f, i.R2), min, max, ref env, out int cc, out _);
        if (env.Invalid && (Fpc.MaskByte(c.Fpc) & Fpc.Invalid) == 0) env.Inexact = true;
        UInt128 none = 0;
        byte dxc = Ieee(c, ref env, ref none, Xxc(c, ref i));
        ulong r = (ulong)(v & ulong.MaxValue);
        if (bits == 32) c.SetR32(i.R1, (uint)r); else c.G[i.R1] = r;
        c.Cc = cc;
        Trap(c, dxc);
    }
    public static void CGDTRA(Cpu c, ref Insn i) => ToInt(c, ref i, D, true, 64);
    public static void CGXTRA(Cpu c, ref Insn i) => ToInt(c, ref i, X, true, 64);
    public static void CFDTR(Cpu c, ref Insn i) => ToInt(c, ref i, D, true, 32);
    public static void CFXTR(Cpu c, ref Insn i) => ToInt(c, ref i, X, true, 32);
    public static void CLGDTR(Cpu c, ref Insn i) => ToInt(c, ref i, D, false, 64);
    public static void CLFDTR(Cpu c, ref Insn i) => ToInt(c, ref i, D, false, 32);
    public static void CLGXTR(Cpu c, ref Insn i) => ToInt(c, ref i, X, false, 64);
    public static void CLFXTR(Cpu c, ref Insn i) => ToInt(c, ref i, X, false, 32);

    // ---- signed packed / unsigned BCD in general registers ----------------------------------------------------
    /// <summary>The <paramref name="digits"/> rightmost coefficient digits as BCD.</summary>
    private static UInt128 Bcd(UInt128 coef, int digits)
    {
        UInt128 r = 0;
        for (int k = 0; k < digits; k++) { r |= (UInt128)(uint)(coef % 10) << (4 * k); coef /= 10; }
        return r;
    }

    /// <summary>BCD digits to a number; an invalid digit is a data exception (DXC 0).</summary>
    private static UInt128 FromBcd(Cpu c, UInt128 bcd, int digits)
    {
        UInt128 r = 0;
        for (int k = digits - 1; k >= 0; k--)
        {
            int d = (int)(bcd >> (4 * k)) & 0xF;
            if (d > 9) throw c.DataException(0);
            r = r * 10 + (uint)d;
        }
        return r;
    }

    private static UInt128 GrPair(Cpu c, int r) => new(c.G[r], c.G[r + 1]);
    private static void SetGrPair(Cpu c, int r, UInt128 v) { c.G[r] = (ulong)(v >> 64); c.G[r + 1] = (ulong)v; }

    /// <summary>CONVERT TO SIGNED PACKED: the rightmost 15 (31) coefficient digits and a sign code (minus D, plus C, or F with M4 bit 3).</summary>
    private static void ToSigned(Cpu c, ref Insn i, DfpFormat f)
    {
        CheckDfp(c);
        if (f == X) { CheckPair(c, i.R2); CheckGrPair(c, i.R1); }
        var n = f.Unpack(Reg(c, f, i.R2));
        int digits = f == X ? 31 : 15;
        uint sign = n.Sign ? 0xDu : (i.M4 & 1) != 0 ? 0xFu : 0xCu;
        UInt128 v = (Bcd(n.Coef, digits) << 4) | sign;
        if (f == X) SetGrPair(c, i.R1, v); else c.G[i.R1] = (ulong)v;
    }
    public static void CSDTR(Cpu c, ref Insn i) => ToSigned(c, ref i, D);
    public static void CSXTR(Cpu c, ref Insn i) => ToSigned(c, ref i, X);

    /// <summary>CONVERT FROM SIGNED PACKED: 15 (31) digits and a sign (A C E F plus, B D minus), exponent 0; invalid codes are a data exception.</summary>
    private static void FromSigned(Cpu c, ref Insn i, DfpFormat f)
    {
        CheckDfp(c);
        if (f == X) { CheckPair(c, i.R1); CheckGrPair(c, i.R2); }
        UInt128 v = f == X ? GrPair(c, i.R2) : c.G[i.R2];
        int s = (int)(v & 0xF);
        if (s < 0xA) throw c.DataException(0);
        UInt128 coef = FromBcd(c, v >> 4, f == X ? 31 : 15);
        SetReg(c, f, i.R1, f.PackFinite(s is 0xB or 0xD, coef, 0));
    }
    public static void CDSTR(Cpu c, ref Insn i) => FromSigned(c, ref i, D);
    public static void CXSTR(Cpu c, ref Insn i) => FromSigned(c, ref i, X);

    /// <summary>CONVERT TO UNSIGNED PACKED: the rightmost 16 (32) coefficient digits.</summary>
    private static void ToUnsigned(Cpu c, ref Insn i, DfpFormat f)
    {
        CheckDfp(c);
        if (f == X) { CheckPair(c, i.R2); CheckGrPair(c, i.R1); }
        var n = f.Unpack(Reg(c, f, i.R2));
        UInt128 v = Bcd(n.Coef, f == X ? 32 : 16);
        if (f == X) SetGrPair(c, i.R1, v); else c.G[i.R1] = (ulong)v;
    }
    public static void CUDTR(Cpu c, ref Insn i) => ToUnsigned(c, ref i, D);
    public static void CUXTR(Cpu c, ref Insn i) => ToUnsigned(c, ref i, X);

    /// <summary>CONVERT FROM UNSIGNED PACKED: 16 (32) digits, plus sign, exponent 0; an invalid digit is a data exception.</summary>
    private static void FromUnsigned(Cpu c, ref Insn i, DfpFormat f)
    {
        CheckDfp(c);
        if (f == X) { CheckPair(c, i.R1); CheckGrPair(c, i.R2); }
        UInt128 v = f == X ? GrPair(c, i.R2) : c.G[i.R2];
        UInt128 coef = FromBcd(c, v, f == X ? 32 : 16);
        SetReg(c, f, i.R1, f.PackFinite(false, coef, 0));
    }
    public static void CDUTR(Cpu c, ref Insn i) => FromUnsigned(c, ref i, D);
    public static void CXUTR(Cpu c, ref Insn i) => FromUnsigned(c, ref i, X);

    // ---- exponent and significance ----------------------------------------------------------------------
    private static long SpecialCode(DfpNumber n) => n.Kind switch { DfpKind.Infinity => -1, DfpKind.QNaN => -2, _ => -3 };

    /// <summary>EXTRACT BIASED EXPONENT: the biased exponent; -1 infinity, -2 QNaN, -3 SNaN.</summary>
    private static void ExtractExp(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R2);
        var n = f.Unpack(Reg(c, f, i.R2));
        c.G[i.R1] = (ulong)(n.IsFinite ? n.Exp + f.Bias : SpecialCode(n));
    }
    public static void EEDTR(Cpu c, ref Insn i) => ExtractExp(c, ref i, D);
    public static void EEXTR(Cpu c, ref Insn i) => ExtractExp(c, ref i, X);

    /// <summary>EXTRACT SIGNIFICANCE: the number of significant coefficient digits (0 for a zero); -1 infinity, -2 QNaN, -3 SNaN.</summary>
    private static void ExtractSig(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R2);
        var n = f.Unpack(Reg(c, f, i.R2));
        c.G[i.R1] = (ulong)(n.IsFinite ? Dpd.DigitCount(n.Coef) : SpecialCode(n));
    }
    public static void ESDTR(Cpu c, ref Insn i) => ExtractSig(c, ref i, D);
    public static void ESXTR(Cpu c, ref Insn i) => ExtractSig(c, ref i, X);

    /// <summary>
    /// INSERT BIASED EXPONENT: the third operand with the biased exponent in general register R2 (a signed
    /// 64-bit value): 0 to the largest biased exponent a finite number, -1 an infinity, -3 an SNaN, any other
    /// value a QNaN. The coefficient continuation comes from the third operand (for a finite third operand
    /// also its leftmost digit; a special result has a zero leftmost digit).
    /// </summary>
    private static void InsertExp(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1, i.R3);
        var n = f.Unpack(Reg(c, f, i.R3));
        long g = (long)c.G[i.R2];
        UInt128 trailing = n.Coef % Dpd.Pow10U(f.Digits - 1);
        UInt128 r;
        if (g >= 0 && g <= f.MaxBiased) r = f.PackFinite(n.Sign, n.Coef, (int)g - f.Bias);
        else if (g == -1) r = f.Infinity(n.Sign) | Dpd.EncodeDeclets(trailing, f.CcBits / 10);
        else r = f.NaN(n.Sign, g == -3, trailing);
        SetReg(c, f, i.R1, r);
    }
    public static void IEDTR(Cpu c, ref Insn i) => InsertExp(c, ref i, D);
    public static void IEXTR(Cpu c, ref Insn i) => InsertExp(c, ref i, X);

    // ---- shift coefficient -----------------------------------------------------------------------------
    /// <summary>
    /// SHIFT COEFFICIENT LEFT/RIGHT: the third operand's coefficient shifted by bits 58-63 of the second-operand
    /// address, digits shifted out lost, zeros in; sign and exponent unchanged. An infinity or NaN shifts its
    /// coefficient continuation (the leftmost digit stays zero) and keeps its class.
    /// </summary>
    private static void ShiftCoef(Cpu c, ref Insn i, DfpFormat f, bool left)
    {
        Check(c, f, i.R1, i.R3);
        int n = (int)(A2(c, ref i) & 63);
        var v = f.Unpack(Reg(c, f, i.R3));
        int digits = v.IsFinite ? f.Digits : f.Digits - 1;
        BigInteger coef = v.Coef;
        coef = left ? coef * Dpd.Pow10(n) % Dpd.Pow10(digits) : coef / Dpd.Pow10(n);
        var r = v with { Coef = (UInt128)coef };
        UInt128 bits = r.Kind == DfpKind.Infinity ? f.Infinity(r.Sign) | Dpd.EncodeDeclets(r.Coef, f.CcBits / 10) : f.Pack(r);
        SetReg(c, f, i.R1, bits);
    }
    public static void SLDT(Cpu c, ref Insn i) => ShiftCoef(c, ref i, D, true);
    public static void SRDT(Cpu c, ref Insn i) => ShiftCoef(c, ref i, D, false);
    public static void SLXT(Cpu c, ref Insn i) => ShiftCoef(c, ref i, X, true);
    public static void SRXT(Cpu c, ref Insn i) => ShiftCoef(c, ref i, X, false);

    // ---- test data class / group ------------------------------------------------------------------------
    /// <summary>
    /// TEST DATA CLASS: cc 1 when the second-operand address bit (52-63) of the operand's class is one:
    /// zero, subnormal, normal, infinity, QNaN, SNaN, each plus then minus.
    /// </summary>
    public static int DataClass(DfpFormat f, UInt128 v)
    {
        var n = f.Unpack(v);
        int cls = n.Kind switch
        {
            DfpKind.Infinity => 3,
            DfpKind.QNaN => 4,
            DfpKind.SNaN => 5,
            _ => n.Coef == 0 ? 0 : Dpd.DigitCount(n.Coef) + n.Exp - 1 < f.EMin ? 1 : 2,
        };
        return 11 - (2 * cls + (n.Sign ? 1 : 0));
    }

    /// <summary>
    /// TEST DATA GROUP: safe zero (non-extreme exponent), zero with extreme exponent (biased 0 or largest),
    /// non-zero with extreme exponent, safe non-zero with leftmost digit zero, safe non-zero with leftmost
    /// digit non-zero, infinity or NaN; each plus then minus.
    /// </summary>
    public static int DataGroup(DfpFormat f, UInt128 v)
    {
        var n = f.Unpack(v);
        int grp;
        if (!n.IsFinite) grp = 5;
        else
        {
            bool extreme = n.Exp == f.QMin || n.Exp == f.QMax;
            bool leftZero = n.Coef < Dpd.Pow10U(f.Digits - 1);
            grp = n.Coef == 0 ? (extreme ? 1 : 0) : extreme ? 2 : leftZero ? 3 : 4;
        }
        return 11 - (2 * grp + (n.Sign ? 1 : 0));
    }

    private static void Test(Cpu c, ref Insn i, DfpFormat f, bool group)
    {
        Check(c, f, i.R1);
        int bit = group ? DataGroup(f, Reg(c, f, i.R1)) : DataClass(f, Reg(c, f, i.R1));
        c.Cc = (int)(A2(c, ref i) >> bit) & 1;
    }
    public static void TDCET(Cpu c, ref Insn i) => Test(c, ref i, E, false);
    public static void TDCDT(Cpu c, ref Insn i) => Test(c, ref i, D, false);
    public static void TDCXT(Cpu c, ref Insn i) => Test(c, ref i, X, false);
    public static void TDGET(Cpu c, ref Insn i) => Test(c, ref i, E, true);
    public static void TDGDT(Cpu c, ref Insn i) => Test(c, ref i, D, true);
    public static void TDGXT(Cpu c, ref Insn i) => Test(c, ref i, X, true);

    // ---- zoned and packed conversions (DFP-zoned-conversion facility 48, DFP-packed-conversion facility 80) ----------
    // M3 bits: 0 (8) S, sign control (the operand is signed); 1 (4) Z, zone 3 instead of F in zoned results;
    // 2 (2) P, plus sign F instead of C in results; 3 (1) F, a negative zero result gets a plus sign (to zoned/packed)
    // or the sign is ignored (from packed).

    private static int FieldLength(Cpu c, ref Insn i, int max)
    {
        int len = i.L2 + 1;
        if (len > max) throw c.Pgm(PgmCode.Specification);
        return len;
    }

    private static byte[] ReadField(Cpu c, ulong a, int len)
    {
        c.CheckAccess(a, (ulong)len, false);
        var b = new byte[len];
        for (int k = 0; k < len; k++) b[k] = c.ReadU8((a + (ulong)k) & c.AddrMask);
        return b;
    }

    private static void WriteField(Cpu c, ulong a, byte[] b)
    {
        c.CheckAccess(a, (ulong)b.Length, true);
        for (int k = 0; k < b.Length; k++) c.WriteU8((a + (ulong)k) & c.AddrMask, b[k]);
    }

    /// <summary>A sign code: true minus (B, D), false plus (A, C, E, F); 0-9 are a data exception.</summary>
    private static bool SignCode(Cpu c, int code) => code switch
    {
        0xB or 0xD => true,
        >= 0xA => false,
        _ => throw c.DataException(0),
    };

    /// <summary>CONVERT FROM ZONED: L2+1 bytes (at most 16 / 34), digits in the right halves; with S the rightmost zone is the sign. Exponent 0.</summary>
    private static void FromZoned(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1);
        int len = FieldLength(c, ref i, f.Digits);
        var b = ReadField(c, c.Addr(i.B2, i.D2), len);
        bool neg = (i.M3 & 8) != 0 && SignCode(c, b[len - 1] >> 4);
        UInt128 coef = 0;
        foreach (byte x in b)
        {
            if ((x & 0xF) > 9) throw c.DataException(0);
            coef = coef * 10 + (uint)(x & 0xF);
        }
        SetReg(c, f, i.R1, f.PackFinite(neg, coef, 0));
    }
    public static void CDZT(Cpu c, ref Insn i) => FromZoned(c, ref i, D);
    public static void CXZT(Cpu c, ref Insn i) => FromZoned(c, ref i, X);

    /// <summary>
    /// CONVERT FROM PACKED: L2+1 bytes (at most 9 / 18); with S the rightmost digit position is the sign (F:
    /// ignored, the result is plus). A full-length field's leftmost digit (unsigned: two digits) must be zero.
    /// </summary>
    private static void FromPacked(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1);
        int max = f == X ? 18 : 9;
        int len = FieldLength(c, ref i, max);
        var b = ReadField(c, c.Addr(i.B2, i.D2), len);
        bool signed = (i.M3 & 8) != 0;
        if (len == max && (signed ? b[0] >> 4 : b[0]) != 0) throw c.DataException(0);
        bool neg = signed && (i.M3 & 1) == 0 && SignCode(c, b[len - 1] & 0xF);
        UInt128 coef = 0;
        for (int k = 0; k < len; k++)
        {
            int hi = b[k] >> 4, lo = b[k] & 0xF;
            if (hi > 9) throw c.DataException(0);
            coef = coef * 10 + (uint)hi;
            if (k == len - 1 && signed) break;
            if (lo > 9) throw c.DataException(0);
            coef = coef * 10 + (uint)lo;
        }
        SetReg(c, f, i.R1, f.PackFinite(neg, coef, 0));
    }
    public static void CDPT(Cpu c, ref Insn i) => FromPacked(c, ref i, D);
    public static void CXPT(Cpu c, ref Insn i) => FromPacked(c, ref i, X);

    /// <summary>The digits to convert (an infinity or NaN: its coefficient continuation), the sign, and the cc (3 for an infinity or NaN, or when digits are lost).</summary>
    private static (UInt128 Coef, bool Neg, int Cc) Source(Cpu c, ref Insn i, DfpFormat f, int capacity)
    {
        var n = f.Unpack(Reg(c, f, i.R1));
        bool neg = n.Sign && !((i.M3 & 1) != 0 && n.IsZero);
        int cc = !n.IsFinite ? 3 : n.IsZero ? 0 : neg ? 1 : 2;
        if (Math.Max(1, Dpd.DigitCount(n.Coef)) > capacity) cc = 3;
        return (n.Coef, neg, cc);
    }

    /// <summary>CONVERT TO ZONED: the rightmost L2+1 coefficient digits, zone F (3 with Z); with S the rightmost zone is the sign (D minus, C plus, F plus with P).</summary>
    private static void ToZoned(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1);
        int len = FieldLength(c, ref i, f.Digits);
        var (coef, neg, cc) = Source(c, ref i, f, len);
        var b = new byte[len];
        byte zone = (i.M3 & 4) != 0 ? (byte)0x30 : (byte)0xF0;
        for (int k = len - 1; k >= 0; k--) { b[k] = (byte)(zone | (int)(coef % 10)); coef /= 10; }
        if ((i.M3 & 8) != 0) b[len - 1] = (byte)((b[len - 1] & 0xF) | (neg ? 0xD0 : (i.M3 & 2) != 0 ? 0xF0 : 0xC0));
        WriteField(c, c.Addr(i.B2, i.D2), b);
        c.Cc = cc;
    }
    public static void CZDT(Cpu c, ref Insn i) => ToZoned(c, ref i, D);
    public static void CZXT(Cpu c, ref Insn i) => ToZoned(c, ref i, X);

    /// <summary>CONVERT TO PACKED: the rightmost 2(L2+1) digits, or 2(L2+1)-1 digits and a sign with S (D minus, C plus, F plus with P).</summary>
    private static void ToPacked(Cpu c, ref Insn i, DfpFormat f)
    {
        Check(c, f, i.R1);
        int len = FieldLength(c, ref i, f == X ? 18 : 9);
        bool signed = (i.M3 & 8) != 0;
        var (coef, neg, cc) = Source(c, ref i, f, 2 * len - (signed ? 1 : 0));
        var nib = new int[2 * len];
        int k = nib.Length - 1;
        if (signed) nib[k--] = neg ? 0xD : (i.M3 & 2) != 0 ? 0xF : 0xC;
        for (; k >= 0; k--) { nib[k] = (int)(coef % 10); coef /= 10; }
        var b = new byte[len];
        for (int j = 0; j < len; j++) b[j] = (byte)(nib[2 * j] << 4 | nib[2 * j + 1]);
        WriteField(c, c.Addr(i.B2, i.D2), b);
        c.Cc = cc;
    }
    public static void CPDT(Cpu c, ref Insn i) => ToPacked(c, ref i, D);
    public static void CPXT(Cpu c, ref Insn i) => ToPacked(c, ref i, X);
}
