using System.Numerics;

namespace S390Jit.Architecture.Fp;

/// <summary>
/// The DFP rounding methods, numbered as the FPC's DFP rounding-mode field (bits 25-27) and bits 1-3 of
/// an explicit DFP rounding-method field (M values 8-15).
/// </summary>
public enum DfpRounding : byte
{
    NearestEven = 0, TowardZero = 1, TowardPositive = 2, TowardNegative = 3,
    NearestAway = 4, NearestTowardZero = 5, AwayFromZero = 6, PrepareShorter = 7,
}

/// <summary>
/// One DFP operation's environment: the rounding method going in; coming out, the IEEE conditions met
/// (the instruction layer applies the FPC masks): invalid operation, division by zero, overflow (the
/// result rounded with unbounded exponent exceeds Nmax), tiny (the precise non-zero result is below
/// Nmin, detected before rounding), inexact and incremented (the delivered result differs from the
/// precise one / is larger in magnitude). On overflow and tininess the scaled result of a trapping
/// overflow or underflow (rounded to the format's precision with unbounded exponent, the exponent
/// adjusted by the format's scale factor) is kept with its own inexact/incremented indication.
/// </summary>
public struct DfpEnv
{
    public DfpRounding Rounding;
    public bool Invalid, DivideByZero, Overflow, Tiny, Inexact, Incremented;
    public bool ScaledInexact, ScaledIncremented;
    public UInt128 Scaled;

    public DfpEnv(DfpRounding rounding) { this = default; Rounding = rounding; }

    /// <summary>Untrapped IEEE underflow: tiny and inexact.</summary>
    public readonly bool Underflow => Tiny && Inexact;
    /// <summary>The IEEE conditions met, for the FPC rule (<see cref="IeeeConditions"/>).</summary>
    public readonly IeeeConditions Conditions => new(Invalid, DivideByZero, Overflow, Tiny, Inexact, Incremented, ScaledInexact, ScaledIncremented);
}

/// <summary>
/// Decimal-floating-point arithmetic (IEEE 754-2008 decimal, as the PoO's DFP instructions define it):
/// exact intermediate results in <see cref="BigInteger"/>, rounded once to the format with the
/// preferred-quantum rules (an exact result keeps the exponent closest to its ideal exponent), subnormal
/// results rounded at the smallest exponent, clamping of exponents above the largest by padding the
/// coefficient with zeros, and the PoO's default NaN, overflow and underflow results.
/// </summary>
public static class Dfp
{
    // ---- rounding ------------------------------------------------------------------------------------

    /// <summary>
    /// Drops the <paramref name="drop"/> rightmost digits of <paramref name="coef"/> (a magnitude with the given
    /// sign) with rounding method <paramref name="mode"/>.
    /// </summary>
    public static BigInteger RoundDigits(bool sign, BigInteger coef, int drop, DfpRounding mode, out bool inexact, out bool incremented)
    {
        incremented = false;
        if (drop <= 0) { inexact = false; return coef; }
        BigInteger q, r;
        int cmpHalf;
        int digits = Dpd.DigitCount(coef);
        if (drop > digits)
        {
            q = BigInteger.Zero; r = coef;
            // r < 10^digits <= 10^(drop-1) < half, or exactly compared when drop == digits + 1 ... r < 10^(drop-1) <= half/5
            cmpHalf = -1;
        }
        else
        {
            var p = Dpd.Pow10(drop);
            q = BigInteger.DivRem(coef, p, out r);
            cmpHalf = (r * 2).CompareTo(p);
        }
        inexact = !r.IsZero;
        if (!inexact) return q;
        bool inc = mode switch
        {
            DfpRounding.NearestEven => cmpHalf > 0 || (cmpHalf == 0 && !q.IsEven),
            DfpRounding.TowardZero => false,
            DfpRounding.TowardPositive => !sign,
            DfpRounding.TowardNegative => sign,
            DfpRounding.NearestAway => cmpHalf >= 0,
            DfpRounding.NearestTowardZero => cmpHalf > 0,
            DfpRounding.AwayFromZero => true,
            _ => (int)(q % 10) is 0 or 5,
        };
        incremented = inc;
        return inc ? q + 1 : q;
    }

    /// <summary>Packs a finite value whose coefficient fits; an exponent above QMax is folded down (coefficient padded with zeros), a zero's exponent is clamped.</summary>
    private static UInt128 PackClamped(DfpFormat f, bool sign, BigInteger coef, int exp)
    {
        if (coef.IsZero) return f.PackFinite(sign, 0, Math.Clamp(exp, f.QMin, f.QMax));
        if (exp > f.QMax) { coef *= Dpd.Pow10(exp - f.QMax); exp = f.QMax; }
        if (exp < f.QMin) exp = f.QMin; // only for scaled results far out of range (not produced by the instructions)
        return f.PackFinite(sign, (UInt128)(coef % f.CoefLimitBig), exp);
    }

    /// <summary>
    /// The delivered result of the precise value sign x coef x 10^exp (exp its ideal exponent): rounded to the
    /// format, with overflow, tininess and inexactness noted in <paramref name="env"/>.
    /// </summary>
    public static UInt128 Finish(DfpFormat f, bool sign, BigInteger coef, int exp, ref DfpEnv env)
    {
        if (coef.IsZero) return f.PackFinite(sign, 0, Math.Clamp(exp, f.QMin, f.QMax));
        int digits = Dpd.DigitCount(coef);
        bool tiny = digits + exp - 1 < f.EMin;
        // rounded to the precision with unbounded exponent
        var c1 = RoundDigits(sign, coef, digits - f.Digits, env.Rounding, out bool inex1, out bool inc1);
        int e1 = exp + Math.Max(0, digits - f.Digits);
        if (c1 == f.CoefLimitBig) { c1 /= 10; e1++; }
        int adj = Dpd.DigitCount(c1) + e1 - 1;
        if (adj > f.EMax)
        {
            env.Overflow = true;
            env.Inexact = true;
            env.Scaled = PackClamped(f, sign, c1, e1 - f.Scale);
            env.ScaledInexact = inex1; env.ScaledIncremented = inc1;
            bool inf = env.Rounding switch
            {
                DfpRounding.TowardZero or DfpRounding.PrepareShorter => false,
                DfpRounding.TowardPositive => !sign,
                DfpRounding.TowardNegative => sign,
                _ => true,
            };
            env.Incremented = inf;
            return inf ? f.Infinity(sign) : f.Nmax(sign);
        }
        if (tiny)
        {
            env.Tiny = true;
            env.Scaled = PackClamped(f, sign, c1, e1 + f.Scale);
            env.ScaledInexact = inex1; env.ScaledIncremented = inc1;
            if (exp >= f.QMin)
                return f.PackFinite(sign, (UInt128)coef, exp);
            var c2 = RoundDigits(sign, coef, f.QMin - exp, env.Rounding, out bool inex2, out bool inc2);
            env.Inexact |= inex2; env.Incremented = inc2;
            // a carry into a normal number keeps exponent QMin (the coefficient still fits)
            return f.PackFinite(sign, (UInt128)c2, f.QMin);
        }
        env.Inexact |= inex1; env.Incremented = inc1;
        return PackClamped(f, sign, c1, e1);
    }

    // ---- NaNs ----------------------------------------------------------------------------------------

    /// <summary>The quieted NaN (payload and sign kept, canonical).</summary>
    public static UInt128 QuietNaN(DfpFormat f, DfpNumber n) => f.NaN(n.Sign, false, n.Coef);

    /// <summary>
    /// The NaN result of an operation with two operands in order of precedence (a before b): an SNaN
    /// (quieted, invalid operation) before a QNaN; null when neither is a NaN.
    /// </summary>
    public static UInt128? NaNOperands(DfpFormat f, DfpNumber a, DfpNumber b, ref DfpEnv env)
    {
        if (a.Kind == DfpKind.SNaN) { env.Invalid = true; return QuietNaN(f, a); }
        if (b.Kind == DfpKind.SNaN) { env.Invalid = true; return QuietNaN(f, b); }
        if (a.Kind == DfpKind.QNaN) return QuietNaN(f, a);
        if (b.Kind == DfpKind.QNaN) return QuietNaN(f, b);
        return null;
    }

    private static UInt128 InvalidResult(DfpFormat f, ref DfpEnv env)
    {
        env.Invalid = true;
        return f.DefaultNaN;
    }

    // ---- arithmetic ----------------------------------------------------------------------------------

    /// <summary>a + b (b's sign inverted for subtraction by the caller); the ideal exponent is the smaller one.</summary>
    public static UInt128 Add(DfpFormat f, UInt128 av, UInt128 bv, bool subtract, ref DfpEnv env)
    {
        var a = f.Unpack(av); var b = f.Unpack(bv);
        if (NaNOperands(f, a, b, ref env) is { } nan) return nan;
        bool bs = b.Sign ^ subtract;
        if (a.Kind == DfpKind.Infinity || b.Kind == DfpKind.Infinity)
        {
            if (a.Kind == DfpKind.Infinity && b.Kind == DfpKind.Infinity && a.Sign != bs) return InvalidResult(f, ref env);
            return f.Infinity(a.Kind == DfpKind.Infinity ? a.Sign : bs);
        }
        int e = Math.Min(a.Exp, b.Exp);
        BigInteger ca = (BigInteger)a.Coef * Dpd.Pow10(a.Exp - e), cb = (BigInteger)b.Coef * Dpd.Pow10(b.Exp - e);
        BigInteger sum = (a.Sign ? -ca : ca) + (bs ? -cb : cb);
        bool sign;
        if (!sum.IsZero) sign = sum.Sign < 0;
        else if (a.Sign == bs) sign = a.Sign;
        else sign = env.Rounding == DfpRounding.TowardNegative;
        return Finish(f, sign, BigInteger.Abs(sum), e, ref env);
    }

    public static UInt128 Multiply(DfpFormat f, UInt128 av, UInt128 bv, ref DfpEnv env)
    {
        var a = f.Unpack(av); var b = f.Unpack(bv);
        if (NaNOperands(f, a, b, ref env) is { } nan) return nan;
        bool sign = a.Sign ^ b.Sign;
        if (a.Kind == DfpKind.Infinity || b.Kind == DfpKind.Infinity)
        {
            if (a.IsZero || b.IsZero) return InvalidResult(f, ref env);
            return f.Infinity(sign);
        }
        return Finish(f, sign, (BigInteger)a.Coef * b.Coef, a.Exp + b.Exp, ref env);
    }

    /// <summary>a / b; an exact quotient gets the exponent closest to a.Exp - b.Exp.</summary>
    public static UInt128 Divide(DfpFormat f, UInt128 av, UInt128 bv, ref DfpEnv env)
    {
        var a = f.Unpack(av); var b = f.Unpack(bv);
        if (NaNOperands(f, a, b, ref env) is { } nan) return nan;
        bool sign = a.Sign ^ b.Sign;
        if (a.Kind == DfpKind.Infinity)
            return b.Kind == DfpKind.Infinity ? InvalidResult(f, ref env) : f.Infinity(sign);
        if (b.Kind == DfpKind.Infinity) return f.PackFinite(sign, 0, f.QMin);
        if (b.IsZero)
        {
            if (a.IsZero) return InvalidResult(f, ref env);
            env.DivideByZero = true;
            return f.Infinity(sign);
        }
        int ideal = a.Exp - b.Exp;
        if (a.IsZero) return f.PackFinite(sign, 0, Math.Clamp(ideal, f.QMin, f.QMax));
        int shift = Dpd.DigitCount(b.Coef) - Dpd.DigitCount(a.Coef) + f.Digits + 1;
        int exp = ideal - shift;
        BigInteger q, r;
        if (shift >= 0) q = BigInteger.DivRem((BigInteger)a.Coef * Dpd.Pow10(shift), b.Coef, out r);
        else q = BigInteger.DivRem(a.Coef, (BigInteger)b.Coef * Dpd.Pow10(-shift), out r);
        if (!r.IsZero)
        {
            if (q % 5 == 0) q += 1; // a sticky digit: rounds as the precise quotient does
        }
        else
        {
            while (exp < ideal && q % 10 == 0) { q /= 10; exp++; }
        }
        return Finish(f, sign, q, exp, ref env);
    }

    // ---- comparison ------------------------------------------------------------------------------------

    /// <summary>cc of COMPARE (0 equal, 1 low, 2 high, 3 unordered); an SNaN is invalid, any NaN when <paramref name="signaling"/>.</summary>
    public static int Compare(DfpFormat f, UInt128 av, UInt128 bv, bool signaling, ref DfpEnv env)
    {
        var a = f.Unpack(av); var b = f.Unpack(bv);
        if (a.IsNaN || b.IsNaN)
        {
            if (signaling || a.Kind == DfpKind.SNaN || b.Kind == DfpKind.SNaN) env.Invalid = true;
            return 3;
        }
        int c = CompareValues(a, b);
        return c == 0 ? 0 : c < 0 ? 1 : 2;
    }

    private static int CompareValues(DfpNumber a, DfpNumber b)
    {
        int Rank(DfpNumber n) => n.Kind == DfpKind.Infinity ? (n.Sign ? -2 : 2) : n.IsZero ? 0 : n.Sign ? -1 : 1;
        int ra = Rank(a), rb = Rank(b);
        if (ra != rb || ra is 0 or 2 or -2) return ra.CompareTo(rb);
        int e = Math.Min(a.Exp, b.Exp);
        var ca = (BigInteger)a.Coef * Dpd.Pow10(a.Exp - e);
        var cb = (BigInteger)b.Coef * Dpd.Pow10(b.Exp - e);
        int m = ca.CompareTo(cb);
        return a.Sign ? -m : m;
    }

    /// <summary>COMPARE BIASED EXPONENT: cc 0 equal, 1 low, 2 high; two infinities or two NaNs (quiet or signaling) are equal, other mixes unordered (3).</summary>
    public static int CompareExponent(DfpFormat f, UInt128 av, UInt128 bv)
    {
        var a = f.Unpack(av); var b = f.Unpack(bv);
        if (a.IsNaN && b.IsNaN) return 0;
        if (a.Kind != DfpKind.Finite || b.Kind != DfpKind.Finite) return a.Kind == b.Kind ? 0 : 3;
        return a.Exp == b.Exp ? 0 : a.Exp < b.Exp ? 1 : 2;
    }

    // ---- quantum operations ---------------------------------------------------------------------------

    /// <summary>QUANTIZE: <paramref name="srcv"/>'s value with the exponent of <paramref name="refv"/>, rounded; invalid when the coefficient does not fit.</summary>
    public static UInt128 Quantize(DfpFormat f, UInt128 srcv, UInt128 refv, ref DfpEnv env)
    {
        var src = f.Unpack(srcv); var rf = f.Unpack(refv);
        if (NaNOperands(f, src, rf, ref env) is { } nan) return nan;
        if (src.Kind == DfpKind.Infinity || rf.Kind == DfpKind.Infinity)
        {
            if (src.Kind == DfpKind.Infinity && rf.Kind == DfpKind.Infinity) return f.Infinity(src.Sign);
            return InvalidResult(f, ref env);
        }
        int e = rf.Exp;
        BigInteger c;
        bool inexact = false, incremented = false;
        if (src.Exp >= e) c = (BigInteger)src.Coef * Dpd.Pow10(src.Exp - e);
        else c = RoundDigits(src.Sign, src.Coef, e - src.Exp, env.Rounding, out inexact, out incremented);
        if (c >= f.CoefLimitBig) return InvalidResult(f, ref env);
        env.Inexact |= inexact; env.Incremented = incremented;
        return f.PackFinite(src.Sign, (UInt128)c, e);
    }

    /// <summary>REROUND: the source rounded to <paramref name="significance"/> digits (0, or not fewer than the source has: unchanged); invalid when the exponent would exceed QMax.</summary>
    public static UInt128 Reround(DfpFormat f, UInt128 srcv, int significance, ref DfpEnv env)
    {
        var src = f.Unpack(srcv);
        if (src.Kind == DfpKind.SNaN) { env.Invalid = true; return QuietNaN(f, src); }
        if (src.Kind != DfpKind.Finite) return f.Pack(src);
        int digits = Dpd.DigitCount(src.Coef);
        if (significance == 0 || src.IsZero || digits <= significance) return f.Pack(src);
        int drop = digits - significance;
        var c = RoundDigits(src.Sign, src.Coef, drop, env.Rounding, out bool inexact, out bool incremented);
        int e = src.Exp + drop;
        if (Dpd.DigitCount(c) > significance) { c /= 10; e++; }
        if (e > f.QMax) return InvalidResult(f, ref env);
        env.Inexact |= inexact; env.Incremented = incremented;
        return f.PackFinite(src.Sign, (UInt128)c, e);
    }

    /// <summary>LOAD FP INTEGER: rounded to an integer (exponent at least zero); an SNaN is invalid.</summary>
    public static UInt128 Integer(DfpFormat f, UInt128 v, ref DfpEnv env)
    {
        var n = f.Unpack(v);
        if (n.Kind == DfpKind.SNaN) { env.Invalid = true; return QuietNaN(f, n); }
        if (n.Kind != DfpKind.Finite) return f.Pack(n);
        if (n.Exp >= 0) return f.Pack(n);
        var c = RoundDigits(n.Sign, n.Coef, -n.Exp, env.Rounding, out bool inexact, out bool incremented);
        env.Inexact |= inexact; env.Incremented = incremented;
        return f.PackFinite(n.Sign, (UInt128)c, 0);
    }

    // ---- format conversions ------------------------------------------------------------------------

    /// <summary>
    /// LOAD LENGTHENED / LOAD ROUNDED between DFP formats: finite values exact or rounded; an SNaN is invalid
    /// (quieted) and an infinity becomes the default infinity unless <paramref name="keepSpecial"/> (M4 bit 0),
    /// which keeps an SNaN signaling and an infinity's coefficient continuation; a NaN's payload is kept as far
    /// as the target holds it.
    /// </summary>
    public static UInt128 Convert(DfpFormat from, DfpFormat to, UInt128 v, bool keepSpecial, ref DfpEnv env)
    {
        var n = from.Unpack(v);
        switch (n.Kind)
        {
            case DfpKind.SNaN when !keepSpecial:
                env.Invalid = true;
                return to.NaN(n.Sign, false, n.Coef);
            case DfpKind.SNaN or DfpKind.QNaN:
                return to.NaN(n.Sign, n.Kind == DfpKind.SNaN, n.Coef);
            case DfpKind.Infinity:
                return keepSpecial ? to.Infinity(n.Sign) | Dpd.EncodeDeclets(n.Coef % Dpd.Pow10U(to.Digits - 1), to.CcBits / 10) : to.Infinity(n.Sign);
        }
        return Finish(to, n.Sign, n.Coef, n.Exp, ref env);
    }

    /// <summary>CONVERT FROM FIXED/LOGICAL: an integer with exponent 0, rounded when it has more digits than the format.</summary>
    public static UInt128 FromInteger(DfpFormat f, bool negative, UInt128 magnitude, ref DfpEnv env) =>
        Finish(f, negative, magnitude, 0, ref env);

    /// <summary>
    /// CONVERT TO FIXED/LOGICAL: <paramref name="v"/> rounded to an integer in [min, max]. A NaN or a value
    /// out of range is invalid (result: max for positive values out of range, min otherwise — the caller picks
    /// the PoO's NaN result); cc 0 zero, 1 negative, 2 positive, 3 NaN or out of range.
    /// </summary>
    public static BigInteger ToInteger(DfpFormat f, UInt128 v, BigInteger min, BigInteger max, ref DfpEnv env, out int cc, out bool isNaN)
    {
        var n = f.Unpack(v);
        isNaN = n.IsNaN;
        if (n.IsNaN) { env.Invalid = true; cc = 3; return min; }
        if (n.Kind == DfpKind.Infinity) { env.Invalid = true; cc = 3; return n.Sign ? min : max; }
        cc = n.IsZero ? 0 : n.Sign ? 1 : 2;
        BigInteger c;
        bool inexact = false, incremented = false;
        if (n.Exp >= 0) c = (BigInteger)n.Coef * Dpd.Pow10(Math.Min(n.Exp, 200));
        else c = RoundDigits(n.Sign, n.Coef, -n.Exp, env.Rounding, out inexact, out incremented);
        var value = n.Sign ? -c : c;
        if (value < min || value > max) { env.Invalid = true; cc = 3; return n.Sign ? min : max; }
        env.Inexact |= inexact; env.Incremented = incremented;
        return value;
    }
}
