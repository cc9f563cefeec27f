using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.BfpSupport;
using static S390Jit.Architecture.Semantics.FpRegs;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Binary-floating-point instructions (PoO chapter "Binary-Floating-Point Instructions"), short (E),
/// long (D) and extended (X) formats (the short and long arithmetic, compare, sign and load-and-test
/// instructions are simple bodies in <see cref="BfpArith{B, V}"/>), with the floating-point-extension facility's M3/M4 fields. The
/// arithmetic is <see cref="Bfp"/>; <see cref="BfpSupport.Ieee"/> applies the FPC. Every BFP instruction
/// needs the AFP-register control (DXC 2); extended operands need valid register pairs.
/// </summary>
[SemanticBodies]
public static class BinaryFloatingPoint
{
    private static readonly BinaryFormat S = BinaryFormat.Short, D = BinaryFormat.Long, X = BinaryFormat.Extended;

    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);

    private static UInt128 Reg(Cpu c, BinaryFormat f, int r) => f.Width switch { 32 => Get32(c, r), 64 => Get64(c, r), _ => Get128(c, r) };
    private static void SetReg(Cpu c, BinaryFormat f, int r, UInt128 v)
    {
        switch (f.Width)
        {
            case 32: Set32(c, r, (uint)v); break;
            case 64: Set64(c, r, (ulong)v); break;
            default: Set128(c, r, v); break;
        }
    }

    /// <summary>The checks of a register-register instruction: AFP control, then register pairs of extended operands.</summary>
    private static void Rr(Cpu c, BinaryFormat f, ref Insn i)
    {
        CheckBfp(c);
        if (f == X) { CheckPair(c, i.R1); CheckPair(c, i.R2); }
    }

    // ---- load positive / negative / complement / and test ---------------------------------------------
    private enum SignOp { Positive, Negative, Complement }
    private static void SignOpCc(Cpu c, ref Insn i, BinaryFormat f, SignOp op)
    {
        Rr(c, f, ref i);
        UInt128 v = Reg(c, f, i.R2);
        v = op switch { SignOp.Positive => f.Abs(v), SignOp.Negative => v | f.SignBit, _ => v ^ f.SignBit };
        SetReg(c, f, i.R1, v);
        c.Cc = ResultCc(f, v);
    }
    public static void LPXBR(Cpu c, ref Insn i) => SignOpCc(c, ref i, X, SignOp.Positive);
    public static void LNXBR(Cpu c, ref Insn i) => SignOpCc(c, ref i, X, SignOp.Negative);
    public static void LCXBR(Cpu c, ref Insn i) => SignOpCc(c, ref i, X, SignOp.Complement);

    /// <summary>LOAD AND TEST: an SNaN is an invalid operation (suppressed when trapped, else quieted), cc from the result.</summary>
    private static void LoadTest(Cpu c, ref Insn i, BinaryFormat f)
    {
        Rr(c, f, ref i);
        UInt128 v = Reg(c, f, i.R2);
        var env = Env(c);
        if (f.IsSNaN(v)) { env.Invalid = true; v = f.Quiet(v); }
        Ieee(c, ref env, f, ref v);
        SetReg(c, f, i.R1, v);
        c.Cc = ResultCc(f, v);
    }
    public static void LTXBR(Cpu c, ref Insn i) => LoadTest(c, ref i, X);

    // ---- arithmetic ---------------------------------------------------------------------------------
    private enum Op { Add, Sub, Mul, Div }

    private static void Arith(Cpu c, ref Insn i, BinaryFormat f, Op op, UInt128 b)
    {
        UInt128 a = Reg(c, f, i.R1);
        var env = Env(c);
        UInt128 r = op switch
        {
            Op.Add => Bfp.Add(f, a, b, false, ref env),
            Op.Sub => Bfp.Add(f, a, b, true, ref env),
            Op.Mul => Bfp.Multiply(f, a, b, ref env),
            _ => Bfp.Divide(f, a, b, ref env),
        };
        byte dxc = Ieee(c, ref env, f, ref r);
        SetReg(c, f, i.R1, r);
        if (op is Op.Add or Op.Sub) c.Cc = ResultCc(f, r);
        Trap(c, dxc);
    }
    private static void ArithRr(Cpu c, ref Insn i, BinaryFormat f, Op op) { Rr(c, f, ref i); Arith(c, ref i, f, op, Reg(c, f, i.R2)); }

    public static void AXBR(Cpu c, ref Insn i) => ArithRr(c, ref i, X, Op.Add);
    public static void SXBR(Cpu c, ref Insn i) => ArithRr(c, ref i, X, Op.Sub);
    public static void MXBR(Cpu c, ref Insn i) => ArithRr(c, ref i, X, Op.Mul);
    public static void DXBR(Cpu c, ref Insn i) => ArithRr(c, ref i, X, Op.Div);

    /// <summary>
    /// The lengthening multiplies (MDEBR short x short -> long, MXDBR long x long -> extended): the
    /// operands are widened bit for bit (NaNs keep their signalling state), the product is exact.
    /// </summary>
    private static void MulLong(Cpu c, ref Insn i, BinaryFormat from, BinaryFormat to, UInt128 b)
    {
        UInt128 a = BinaryFormat.Widen(from, to, Reg(c, from, i.R1));
        var env = Env(c);
        UInt128 r = Bfp.Multiply(to, a, BinaryFormat.Widen(from, to, b), ref env);
        byte dxc = Ieee(c, ref env, to, ref r);
        SetReg(c, to, i.R1, r);
        Trap(c, dxc);
    }
    public static void MDEBR(Cpu c, ref Insn i) { CheckBfp(c); MulLong(c, ref i, S, D, Get32(c, i.R2)); }
    public static void MDEB(Cpu c, ref Insn i) { CheckBfp(c); MulLong(c, ref i, S, D, c.ReadU32(A2(c, ref i))); }
    public static void MXDBR(Cpu c, ref Insn i) { CheckBfp(c); CheckPair(c, i.R1); MulLong(c, ref i, D, X, Get64(c, i.R2)); }
    public static void MXDB(Cpu c, ref Insn i) { CheckBfp(c); CheckPair(c, i.R1); MulLong(c, ref i, D, X, c.ReadU64(A2(c, ref i))); }

    // ---- square root ----------------------------------------------------------------------------------
    private static void Sqrt(Cpu c, ref Insn i, BinaryFormat f, UInt128 v)
    {
        var env = Env(c);
        UInt128 r = Bfp.SquareRoot(f, v, ref env);
        byte dxc = Ieee(c, ref env, f, ref r);
        SetReg(c, f, i.R1, r);
        Trap(c, dxc);
    }
    public static void SQXBR(Cpu c, ref Insn i) { Rr(c, X, ref i); Sqrt(c, ref i, X, Get128(c, i.R2)); }

    // ---- compare -------------------------------------------------------------------------------------
    private static void Cmp(Cpu c, ref Insn i, BinaryFormat f, UInt128 b, bool signaling)
    {
        var env = Env(c);
        int cc = Bfp.Compare(f, Reg(c, f, i.R1), b, signaling, ref env);
        UInt128 none = 0;
        Ieee(c, ref env, f, ref none);
        c.Cc = cc;
    }
    public static void CXBR(Cpu c, ref Insn i) { Rr(c, X, ref i); Cmp(c, ref i, X, Get128(c, i.R2), false); }
    public static void KXBR(Cpu c, ref Insn i) { Rr(c, X, ref i); Cmp(c, ref i, X, Get128(c, i.R2), true); }

    // ---- load lengthened / rounded ----------------------------------------------------------------------
    private static void Lengthen(Cpu c, ref Insn i, BinaryFormat from, BinaryFormat to, UInt128 v)
    {
        var env = Env(c);
        UInt128 r = Bfp.Lengthen(from, to, v, ref env);
        Ieee(c, ref env, to, ref r);
        SetReg(c, to, i.R1, r);
    }
    public static void LDEBR(Cpu c, ref Insn i) { CheckBfp(c); Lengthen(c, ref i, S, D, Get32(c, i.R2)); }
    public static void LXDBR(Cpu c, ref Insn i) { CheckBfp(c); CheckPair(c, i.R1); Lengthen(c, ref i, D, X, Get64(c, i.R2)); }
    public static void LXEBR(Cpu c, ref Insn i) { CheckBfp(c); CheckPair(c, i.R1); Lengthen(c, ref i, S, X, Get32(c, i.R2)); }
    public static void LDEB(Cpu c, ref Insn i) { CheckBfp(c); Lengthen(c, ref i, S, D, c.ReadU32(A2(c, ref i))); }
    public static void LXDB(Cpu c, ref Insn i) { CheckBfp(c); CheckPair(c, i.R1); Lengthen(c, ref i, D, X, c.ReadU64(A2(c, ref i))); }
    public static void LXEB(Cpu c, ref Insn i) { CheckBfp(c); CheckPair(c, i.R1); Lengthen(c, ref i, S, X, c.ReadU32(A2(c, ref i))); }

    /// <summary>
    /// LOAD ROUNDED: M3 rounding, M4 inexact suppression. A trapping overflow or underflow completes with
    /// the value rounded to the target precision, kept in the source format with its exponent adjusted
    /// by 512 (long source) or 8192 (extended source), in the source-format register (pair).
    /// </summary>
    private static void RoundTo(Cpu c, ref Insn i, BinaryFormat from, BinaryFormat to)
    {
        CheckBfp(c);
        if (from == X) { CheckPair(c, i.R1); CheckPair(c, i.R2); }
        var env = new BfpEnv(Rounding(c, FpeM3(c, ref i)));
        UInt128 v = Reg(c, from, i.R2);
        UInt128 r = Bfp.Round(from, to, v, ref env);
        byte dxc = Ieee(c, ref env, to, ref r, Xxc(c, ref i), from, from == D ? 512 : 8192);
        bool scaled = (dxc & (Dxc.IeeeOverflowExact | Dxc.IeeeUnderflowExact)) != 0;
        SetReg(c, scaled ? from : to, i.R1, r);
        Trap(c, dxc);
    }
    public static void LEDBRA(Cpu c, ref Insn i) => RoundTo(c, ref i, D, S);
    public static void LDXBRA(Cpu c, ref Insn i) => RoundTo(c, ref i, X, D);
    public static void LEXBRA(Cpu c, ref Insn i) => RoundTo(c, ref i, X, S);

    // ---- load FP integer ---------------------------------------------------------------------------------
    private static void ToIntegral(Cpu c, ref Insn i, BinaryFormat f)
    {
        Rr(c, f, ref i);
        var env = new BfpEnv(Rounding(c, i.M3));
        UInt128 r = Bfp.RoundToIntegral(f, Reg(c, f, i.R2), ref env);
        byte dxc = Ieee(c, ref env, f, ref r, Xxc(c, ref i));
        SetReg(c, f, i.R1, r);
        Trap(c, dxc);
    }
    public static void FIEBRA(Cpu c, ref Insn i) => ToIntegral(c, ref i, S);
    public static void FIDBRA(Cpu c, ref Insn i) => ToIntegral(c, ref i, D);
    public static void FIXBRA(Cpu c, ref Insn i) => ToIntegral(c, ref i, X);

    // ---- convert from fixed / from logical ------------------------------------------------------------------
    private static void FromInt(Cpu c, ref Insn i, BinaryFormat f, bool signed, int bits)
    {
        CheckBfp(c);
        if (f == X) CheckPair(c, i.R1);
        var env = new BfpEnv(Rounding(c, FpeM3(c, ref i)));
        ulong g = c.G[i.R2];
        if (bits == 32) g = signed ? (ulong)(long)(int)(uint)g : (uint)g;
        bool neg = signed && (long)g < 0;
        UInt128 mag = neg ? (UInt128)(0UL - g) : g;
        UInt128 r = Bfp.FromInteger(f, neg, mag, ref env);
        byte dxc = Ieee(c, ref env, f, ref r, Xxc(c, ref i));
        SetReg(c, f, i.R1, r);
        Trap(c, dxc);
    }
    public static void CEFBRA(Cpu c, ref Insn i) => FromInt(c, ref i, S, true, 32);
    public static void CDFBRA(Cpu c, ref Insn i) => FromInt(c, ref i, D, true, 32);
    public static void CXFBRA(Cpu c, ref Insn i) => FromInt(c, ref i, X, true, 32);
    public static void CEGBRA(Cpu c, ref Insn i) => FromInt(c, ref i, S, true, 64);
    public static void CDGBRA(Cpu c, ref Insn i) => FromInt(c, ref i, D, true, 64);
    public static void CXGBRA(Cpu c, ref Insn i) => FromInt(c, ref i, X, true, 64);
    public static void CELFBR(Cpu c, ref Insn i) => FromInt(c, ref i, S, false, 32);
    public static void CDLFBR(Cpu c, ref Insn i) => FromInt(c, ref i, D, false, 32);
    public static void CXLFBR(Cpu c, ref Insn i) => FromInt(c, ref i, X, false, 32);
    public static void CELGBR(Cpu c, ref Insn i) => FromInt(c, ref i, S, false, 64);
    public static void CDLGBR(Cpu c, ref Insn i) => FromInt(c, ref i, D, false, 64);
    public static void CXLGBR(Cpu c, ref Insn i) => FromInt(c, ref i, X, false, 64);

    // ---- convert to fixed / to logical ---------------------------------------------------------------------
    /// <summary>
    /// CONVERT TO FIXED / TO LOGICAL: M3 rounding, M4 inexact suppression. A NaN, an infinity or a value
    /// out of range is an invalid operation (cc 3); untrapped, it also signals inexact (PoO) unless suppressed.
    /// </summary>
    private static void ToInt(Cpu c, ref Insn i, BinaryFormat f, bool signed, int bits)
    {
        CheckBfp(c);
        if (f == X) CheckPair(c, i.R2);
        var env = new BfpEnv(Rounding(c, i.M3));
        ulong r = Bfp.ToInteger(f, Reg(c, f, i.R2), bits, signed, ref env, out int cc);
        bool xxc = Xxc(c, ref i);
        if (env.Invalid && (Fpc.MaskByte(c.Fpc) & Fpc.Invalid) == 0) env.Inexact = true;
        UInt128 none = 0;
        byte dxc = Ieee(c, ref env, f, ref none, xxc);
        if (bits == 32) c.SetR32(i.R1, (uint)r); else c.G[i.R1] = r;
        c.Cc = cc;
        Trap(c, dxc);
    }
    public static void CFEBRA(Cpu c, ref Insn i) => ToInt(c, ref i, S, true, 32);
    public static void CFDBRA(Cpu c, ref Insn i) => ToInt(c, ref i, D, true, 32);
    public static void CFXBRA(Cpu c, ref Insn i) => ToInt(c, ref i, X, true, 32);
    public static void CGEBRA(Cpu c, ref Insn i) => ToInt(c, ref i, S, true, 64);
    public static void CGDBRA(Cpu c, ref Insn i) => ToInt(c, ref i, D, true, 64);
    public static void CGXBRA(Cpu c, ref Insn i) => ToInt(c, ref i, X, true, 64);
    public static void CLFEBR(Cpu c, ref Insn i) => ToInt(c, ref i, S, false, 32);
    public static void CLFDBR(Cpu c, ref Insn i) => ToInt(c, ref i, D, false, 32);
    public static void CLFXBR(Cpu c, ref Insn i) => ToInt(c, ref i, X, false, 32);
    public static void CLGEBR(Cpu c, ref Insn i) => ToInt(c, ref i, S, false, 64);
    public static void CLGDBR(Cpu c, ref Insn i) => ToInt(c, ref i, D, false, 64);
    public static void CLGXBR(Cpu c, ref Insn i) => ToInt(c, ref i, X, false, 64);

    // ---- divide to integer -------------------------------------------------------------------------------
    /// <summary>
    /// DIVIDE TO INTEGER: remainder to R1, integer quotient to R3, M4 the quotient's rounding method;
    /// R1, R2 and R3 must differ. A trapping underflow of the remainder completes with the scaled
    /// remainder (the quotient is stored too).
    /// </summary>
    private static void DivInt(Cpu c, ref Insn i, BinaryFormat f)
    {
        CheckBfp(c);
        var qr = Rounding(c, i.M4);
        if (i.R1 == i.R2 || i.R1 == i.R3 || i.R2 == i.R3) throw c.Pgm(PgmCode.Specification);
        var env = Env(c);
        UInt128 r = Bfp.DivideToInteger(f, Reg(c, f, i.R1), Reg(c, f, i.R2), qr, ref env, out UInt128 q, out int cc);
        byte dxc = Ieee(c, ref env, f, ref r);
        SetReg(c, f, i.R1, r);
        SetReg(c, f, i.R3, q);
        c.Cc = cc;
        Trap(c, dxc);
    }
    public static void DIEBR(Cpu c, ref Insn i) => DivInt(c, ref i, S);
    public static void DIDBR(Cpu c, ref Insn i) => DivInt(c, ref i, D);

    // ---- test data class ---------------------------------------------------------------------------------
    /// <summary>TEST DATA CLASS: cc 1 when the class bit of the first operand is one in bits 52-63 of the second-operand address.</summary>
    private static void TestClass(Cpu c, ref Insn i, BinaryFormat f)
    {
        CheckBfp(c);
        if (f == X) CheckPair(c, i.R1);
        int mask = (int)(A2(c, ref i) & 0xFFF);
        c.Cc = (Bfp.DataClass(f, Reg(c, f, i.R1)) & mask) != 0 ? 1 : 0;
    }
    public static void TCEB(Cpu c, ref Insn i) => TestClass(c, ref i, S);
    public static void TCDB(Cpu c, ref Insn i) => TestClass(c, ref i, D);
    public static void TCXB(Cpu c, ref Insn i) => TestClass(c, ref i, X);
}
