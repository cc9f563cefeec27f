using System.Numerics;

namespace S390Jit.Architecture.Fp;

/// <summary>
/// Exact binary floating-point arithmetic after IEEE 754-2008 and the z/Architecture PoO (chapter
/// "Binary-Floating-Point Instructions"), written from their definitions: every result is the exact
/// value rounded once (with unbounded exponent for overflow detection, tininess detected before
/// rounding), in any of the six rounding methods, on short, long and extended formats. NaN results
/// follow the PoO: an SNaN operand is an invalid operation and comes back quieted; with several NaN
/// operands SNaNs win over QNaNs, then operand order decides; invalid operations without a NaN operand
/// give the default NaN (positive, quiet, zero payload). Nothing here looks at the FPC: the conditions
/// the operation met are reported in <see cref="BfpEnv"/> and the instruction layer applies masks,
/// flags and traps. Values are bit patterns in the low bits of a UInt128.
/// </summary>
public static class Bfp
{
    // ---- rounding ------------------------------------------------------------------------------

    /// <summary>
    /// Drops the low <paramref name="drop"/> bits of <paramref name="sig"/> (a value that already carries
    /// its sticky information in its lowest bit when it was jammed) and rounds the rest.
    /// </summary>
    internal static UInt128 RoundBits(U256 sig, int drop, BfpRounding rm, bool sign, out bool inexact, out bool incremented)
    {
        UInt128 keep;
        bool half, rest;
        if (drop <= 0) { keep = (sig << -drop).Lo; half = rest = false; }
        else
        {
            keep = (sig >> drop).Lo;
            half = drop <= 256 && sig.Bit(drop - 1);
            rest = !sig.LowBits(drop - 1).IsZero;
        }
        inexact = half || rest;
        bool inc = inexact && rm switch
        {
            BfpRounding.NearestEven => half && (rest || (keep & 1) != 0),
            BfpRounding.NearestAway => half,
            BfpRounding.TowardPositive => !sign,
            BfpRounding.TowardNegative => sign,
            BfpRounding.PrepareShorter => (keep & 1) == 0,
            _ => false,
        };
        incremented = inc;
        return inc ? keep + 1 : keep;
    }

    /// <summary>
    /// Rounds the exact value sig x 2^exp (sig non-zero; bits below the rounding position must include
    /// at least two exact bits before any jammed sticky bit) into format <paramref name="f"/>.
    /// </summary>
    public static UInt128 RoundPack(BinaryFormat f, bool sign, int exp, U256 sig, ref BfpEnv env) =>
        RoundPack(f, f, sign, exp, sig, ref env);

    /// <summary>Rounds to the precision of <paramref name="prec"/> and the exponent range of <paramref name="f"/> (they differ only for LOAD ROUNDED's scaled results).</summary>
    private static UInt128 RoundPack(BinaryFormat f, BinaryFormat prec, bool sign, int exp, U256 sig, ref BfpEnv env)
    {
        int n = sig.BitLength;
        int p = prec.Precision;
        int lead = exp + n - 1;
        var rm = env.Rounding;
        UInt128 ku = RoundBits(sig, n - p, rm, sign, out bool inexU, out bool incU);
        int eu = lead;
        if ((ku >> p) != 0) { ku >>= 1; eu++; }
        env.Tiny = lead < f.Emin;
        if (eu > f.Emax || env.Tiny)
        {
            env.ScaledSign = sign; env.ScaledSig = ku; env.ScaledExp = eu;
            env.ScaledInexact = inexU; env.ScaledIncremented = incU; env.ScaledPrecision = p;
        }
        if (eu > f.Emax)
        {
            env.Overflow = true;
            env.Inexact = true;
            bool toInf = rm switch
            {
                BfpRounding.NearestEven or BfpRounding.NearestAway => true,
                BfpRounding.TowardPositive => !sign,
                BfpRounding.TowardNegative => sign,
                _ => false,
            };
            env.Incremented = toInf;
            return f.Signed(sign, toInf ? f.Infinity : f.MaxFinite);
        }
        if (!env.Tiny)
        {
            env.Inexact = inexU; env.Incremented = incU;
            return f.PackNormal(sign, eu, ku);
        }
        // tiny: round at the subnormal quantum 2^(Emin - (p - 1))
        int drop = f.Emin - (f.Precision - 1) - exp;
        UInt128 kd = RoundBits(sig, drop, rm, sign, out bool inexD, out bool incD);
        env.Inexact = inexD; env.Incremented = incD;
        return f.Signed(sign, kd); // a carry into bit p-1 gives Nmin's encoding by itself
    }

    private static UInt128 Zero(BinaryFormat f, bool sign) => sign ? f.SignBit : 0;

    /// <summary>Zero resulting from x + (-x) or equal-magnitude cancellation: +0, or -0 when rounding toward -infinity.</summary>
    private static UInt128 CancelZero(BinaryFormat f, BfpRounding rm) => Zero(f, rm == BfpRounding.TowardNegative);

    // ---- NaNs --------------------------------------------------------------------------------

    /// <summary>
    /// Two operands, at least one a NaN: an SNaN in the first, an SNaN in the second, a QNaN in the first,
    /// a QNaN in the second (PoO); an SNaN is an invalid operation and is returned quieted.
    /// </summary>
    public static UInt128 PropagateNaN(BinaryFormat f, UInt128 a, UInt128 b, ref BfpEnv env)
    {
        if (f.IsSNaN(a)) { env.Invalid = true; return f.Quiet(a); }
        if (f.IsSNaN(b)) { env.Invalid = true; return f.Quiet(b); }
        return f.IsNaN(a) ? a : b;
    }

    private static UInt128 PropagateNaN(BinaryFormat f, UInt128 a, ref BfpEnv env)
    {
        if (f.IsSNaN(a)) { env.Invalid = true; return f.Quiet(a); }
        return a;
    }

    private static UInt128 InvalidOp(BinaryFormat f, ref BfpEnv env) { env.Invalid = true; return f.DefaultNaN; }

    // ---- add / subtract -------------------------------------------------------------------------

    /// <summary>a + b (or a - b).</summary>
    public static UInt128 Add(BinaryFormat f, UInt128 a, UInt128 b, bool subtract, ref BfpEnv env)
    {
        if (f.IsNaN(a) || f.IsNaN(b)) return PropagateNaN(f, a, b, ref env);
        if (subtract) b ^= f.SignBit;
        bool ia = f.IsInf(a), ib = f.IsInf(b);
        if (ia || ib)
        {
            if (ia && ib && f.Sign(a) != f.Sign(b)) return InvalidOp(f, ref env);
            return ia ? a : b;
        }
        bool za = f.IsZero(a), zb = f.IsZero(b);
        if (za && zb) return f.Sign(a) == f.Sign(b) ? a : CancelZero(f, env.Rounding);
        if (za || zb)
        {
            // the other operand, through rounding so that a tiny result is reported as such
            var (s, e, sig) = f.Unpack(za ? b : a);
            return RoundPack(f, s, e - 2, (U256)sig << 2, ref env);
        }
        var (sa, ea, ma) = f.Unpack(a);
        var (sb, eb, mb) = f.Unpack(b);
        return AddExact(f, sa, ea, ma, sb, eb, mb, ref env);
    }

    /// <summary>Rounds sa*A*2^ea + sb*B*2^eb (A, B non-zero, at most 227 bits each) into f.</summary>
    private static UInt128 AddExact(BinaryFormat f, bool sa, int ea, U256 A, bool sb, int eb, U256 B, ref BfpEnv env)
    {
        int topA = ea + A.BitLength, topB = eb + B.BitLength;
        int baseExp = Math.Max(topA, topB) - 254;
        U256 x = Align(A, ea - baseExp), y = Align(B, eb - baseExp);
        U256 sum;
        bool sign;
        if (sa == sb) { sum = x + y; sign = sa; }
        else
        {
            int cmp = x.CompareTo(y);
            if (cmp == 0) return CancelZero(f, env.Rounding);
            if (cmp > 0) { sum = x - y; sign = sa; }
            else { sum = y - x; sign = sb; }
        }
        return RoundPack(f, sign, baseExp, sum, ref env);
    }

    /// <summary>Shifts into the 254-bit frame; bits shifted out are jammed into the lowest bit.</summary>
    private static U256 Align(U256 v, int shift)
    {
        if (shift >= 0) return v << shift;
        var r = v.ShiftRightSticky(-shift, out bool sticky);
        return sticky ? r | (U256)1u : r;
    }

    // ---- multiply -------------------------------------------------------------------------------

    public static UInt128 Multiply(BinaryFormat f, UInt128 a, UInt128 b, ref BfpEnv env)
    {
        if (f.IsNaN(a) || f.IsNaN(b)) return PropagateNaN(f, a, b, ref env);
        bool sign = f.Sign(a) != f.Sign(b);
        bool ia = f.IsInf(a), ib = f.IsInf(b), za = f.IsZero(a), zb = f.IsZero(b);
        if (ia || ib)
        {
            if (za || zb) return InvalidOp(f, ref env);
            return f.Signed(sign, f.Infinity);
        }
        if (za || zb) return Zero(f, sign);
        var (_, ea, ma) = f.Unpack(a);
        var (_, eb, mb) = f.Unpack(b);
        return RoundPack(f, sign, ea + eb, U256.Multiply(ma, mb), ref env);
    }

    // ---- divide -------------------------------------------------------------------------------

    public static UInt128 Divide(BinaryFormat f, UInt128 a, UInt128 b, ref BfpEnv env)
    {
        if (f.IsNaN(a) || f.IsNaN(b)) return PropagateNaN(f, a, b, ref env);
        bool sign = f.Sign(a) != f.Sign(b);
        bool ia = f.IsInf(a), ib = f.IsInf(b), za = f.IsZero(a), zb = f.IsZero(b);
        if (ia) return ib ? InvalidOp(f, ref env) : f.Signed(sign, f.Infinity);
        if (ib) return Zero(f, sign);
        if (zb)
        {
            if (za) return InvalidOp(f, ref env);
            env.DivideByZero = true;
            return f.Signed(sign, f.Infinity);
        }
        if (za) return Zero(f, sign);
        var (_, ea, ma) = f.Unpack(a);
        var (_, eb, mb) = f.Unpack(b);
        int k = f.Precision + 2;
        UInt128 q = ((U256)ma << k).DivRem(mb, out bool rem);
        U256 qj = ((U256)q << 1) | (rem ? (U256)1u : U256.Zero);
        return RoundPack(f, sign, ea - eb - k - 1, qj, ref env);
    }

    // ---- square root -----------------------------------------------------------------------------

    public static UInt128 SquareRoot(BinaryFormat f, UInt128 a, ref BfpEnv env)
    {
        if (f.IsNaN(a)) return PropagateNaN(f, a, ref env);
        if (f.IsZero(a)) return a;
        if (f.Sign(a)) return InvalidOp(f, ref env);
        if (f.IsInf(a)) return a;
        var (_, e, m) = f.Unpack(a);
        U256 v = m;
        if ((e & 1) != 0) { v <<= 1; e--; }
        int k = (f.Precision + 5) / 2;      // 2k extra bits: the root gets at least p+2 bits
        v <<= 2 * k;
        UInt128 r = v.Sqrt(out bool inexact);
        U256 rj = ((U256)r << 1) | (inexact ? (U256)1u : U256.Zero);
        return RoundPack(f, false, (e - 2 * k) / 2 - 1, rj, ref env);
    }

    // ---- fused multiply-add -----------------------------------------------------------------------

    /// <summary>
    /// MULTIPLY AND ADD / SUBTRACT: op3 x op2 + op1 (subtract: - op1), rounded once. NaNs (PoO table
    /// "Results: MULTIPLY AND ADD"): infinity times zero is invalid with the default NaN whatever op1 is;
    /// otherwise SNaN in op3, op2, op1, then QNaN in op3, op2, op1. A NaN op1 keeps its sign when subtracted.
    /// </summary>
    public static UInt128 MultiplyAdd(BinaryFormat f, UInt128 op1, UInt128 op2, UInt128 op3, bool subtract, ref BfpEnv env)
    {
        bool infZero = (f.IsInf(op3) && f.IsZero(op2)) || (f.IsZero(op3) && f.IsInf(op2));
        if (infZero) return InvalidOp(f, ref env);
        if (f.IsNaN(op1) || f.IsNaN(op2) || f.IsNaN(op3))
        {
            foreach (var x in (ReadOnlySpan<UInt128>)[op3, op2, op1])
                if (f.IsSNaN(x)) { env.Invalid = true; return f.Quiet(x); }
            foreach (var x in (ReadOnlySpan<UInt128>)[op3, op2, op1])
                if (f.IsNaN(x)) return x;
        }
        if (subtract) op1 ^= f.SignBit;
        bool ps = f.Sign(op2) != f.Sign(op3);
        bool pInf = f.IsInf(op2) || f.IsInf(op3), pZero = f.IsZero(op2) || f.IsZero(op3);
        if (pInf)
        {
            if (f.IsInf(op1) && f.Sign(op1) != ps) return InvalidOp(f, ref env);
            return f.Signed(ps, f.Infinity);
        }
        if (f.IsInf(op1)) return op1;
        if (pZero)
        {
            if (f.IsZero(op1)) return f.Sign(op1) == ps ? op1 : CancelZero(f, env.Rounding);
            var (s, e, sig) = f.Unpack(op1);
            return RoundPack(f, s, e - 2, (U256)sig << 2, ref env);
        }
        var (_, e2, m2) = f.Unpack(op2);
        var (_, e3, m3) = f.Unpack(op3);
        U256 prod = U256.Multiply(m2, m3);
        if (f.IsZero(op1)) return RoundPack(f, ps, e2 + e3, prod, ref env);
        var (s1, e1, m1) = f.Unpack(op1);
        return AddExact(f, ps, e2 + e3, prod, s1, e1, m1, ref env);
    }

    // ---- compare ---------------------------------------------------------------------------------

    /// <summary>
    /// COMPARE (signaling = false: only SNaNs are invalid) and COMPARE AND SIGNAL (any NaN is invalid).
    /// Returns the condition code: 0 equal, 1 a low, 2 a high, 3 unordered.
    /// </summary>
    public static int Compare(BinaryFormat f, UInt128 a, UInt128 b, bool signaling, ref BfpEnv env)
    {
        if (f.IsNaN(a) || f.IsNaN(b))
        {
            if (signaling || f.IsSNaN(a) || f.IsSNaN(b)) env.Invalid = true;
            return 3;
        }
        if (f.IsZero(a) && f.IsZero(b)) return 0;
        Int128 ka = Key(f, a), kb = Key(f, b);
        return ka == kb ? 0 : ka < kb ? 1 : 2;
    }

    private static Int128 Key(BinaryFormat f, UInt128 v) => f.Sign(v) ? -(Int128)f.Abs(v) : (Int128)f.Abs(v);

    // ---- conversions between formats ----------------------------------------------------------------

    /// <summary>LOAD LENGTHENED: exact; an SNaN is invalid and comes back quieted.</summary>
    public static UInt128 Lengthen(BinaryFormat from, BinaryFormat to, UInt128 v, ref BfpEnv env)
    {
        if (from.IsSNaN(v)) { env.Invalid = true; v = from.Quiet(v); }
        return BinaryFormat.Widen(from, to, v);
    }

    /// <summary>
    /// LOAD ROUNDED: rounds into the shorter format. A NaN keeps the leading bits of its payload
    /// (an SNaN is invalid and comes back quieted). On overflow or tininess <see cref="BfpEnv"/> keeps
    /// the value rounded to the target precision for the source-format scaled result.
    /// </summary>
    public static UInt128 Round(BinaryFormat from, BinaryFormat to, UInt128 v, ref BfpEnv env)
    {
        bool sign = from.Sign(v);
        if (from.IsNaN(v))
        {
            if (from.IsSNaN(v)) { env.Invalid = true; v = from.Quiet(v); }
            return to.Signed(sign, to.ExpMask | ((v & from.FracMask) >> (from.FracBits - to.FracBits)));
        }
        if (from.IsInf(v)) return to.Signed(sign, to.Infinity);
        if (from.IsZero(v)) return Zero(to, sign);
        var (s, e, m) = from.Unpack(v);
        return RoundPack(to, s, e - 2, (U256)m << 2, ref env);
    }

    // ---- integers -----------------------------------------------------------------------------------

    /// <summary>CONVERT FROM FIXED / FROM LOGICAL: the integer sign/magnitude rounded into f.</summary>
    public static UInt128 FromInteger(BinaryFormat f, bool negative, UInt128 magnitude, ref BfpEnv env)
    {
        if (magnitude == 0) return 0;
        return RoundPack(f, negative, -2, (U256)magnitude << 2, ref env);
    }

    /// <summary>
    /// CONVERT TO FIXED / TO LOGICAL into a <paramref name="bits"/>-bit integer. Returns the result (as a
    /// bit pattern) and the condition code: 0 zero, 1 negative, 2 positive source, 3 special (NaN, infinity,
    /// or out of range: invalid, result the maximum positive or negative integer of the range, 0 for NaN
    /// or negative values in logical conversions; max negative for NaN in signed ones).
    /// </summary>
    public static ulong ToInteger(BinaryFormat f, UInt128 v, int bits, bool signed, ref BfpEnv env, out int cc)
    {
        ulong maxPos = signed ? (1UL << (bits - 1)) - 1 : bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        ulong minNeg = signed ? 1UL << (bits - 1) : 0; // magnitude of the most negative value
        ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        bool sign = f.Sign(v);
        if (f.IsNaN(v)) { env.Invalid = true; cc = 3; return signed ? (1UL << (bits - 1)) & mask : 0; }
        if (f.IsZero(v)) { cc = 0; return 0; }
        cc = sign ? 1 : 2;
        UInt128 mag;
        if (f.IsInf(v)) mag = UInt128.MaxValue;
        else
        {
            var (_, e, m) = f.Unpack(v);
            if (e >= 0) mag = e + f.Precision > 100 ? UInt128.MaxValue : m << e; // beyond 2^100: out of every range
            else
            {
                mag = RoundBits(m, -e, env.Rounding, sign, out bool inexact, out bool inc);
                env.Inexact = inexact; env.Incremented = inc;
            }
        }
        bool fits = sign ? mag <= minNeg : mag <= maxPos;
        if (!fits)
        {
            env.Invalid = true; env.Inexact = false; env.Incremented = false;
            cc = 3;
            return sign ? (signed ? (1UL << (bits - 1)) & mask : 0) : maxPos;
        }
        ulong r = (ulong)mag;
        return (sign ? (0UL - r) : r) & mask;
    }

    /// <summary>LOAD FP INTEGER: rounds to an integral value in the same format (the sign of a zero result is the operand's).</summary>
    public static UInt128 RoundToIntegral(BinaryFormat f, UInt128 v, ref BfpEnv env)
    {
        if (f.IsNaN(v)) return PropagateNaN(f, v, ref env);
        if (!f.IsFinite(v) || f.IsZero(v)) return v;
        var (s, e, m) = f.Unpack(v);
        if (e >= 0) return v;
        UInt128 k = RoundBits(m, -e, env.Rounding, s, out bool inexact, out bool inc);
        env.Inexact = inexact; env.Incremented = inc;
        if (k == 0) return Zero(f, s);
        var dummy = new BfpEnv(env.Rounding);
        return RoundPack(f, s, -2, (U256)k << 2, ref dummy); // exact
    }

    // ---- data class -------------------------------------------------------------------------------

    /// <summary>
    /// TEST DATA CLASS bit of a value (PoO): +0 0x800, -0 0x400, +normal 0x200, -normal 0x100,
    /// +subnormal 0x80, -subnormal 0x40, +infinity 0x20, -infinity 0x10, +QNaN 8, -QNaN 4, +SNaN 2, -SNaN 1.
    /// </summary>
    public static int DataClass(BinaryFormat f, UInt128 v)
    {
        int neg = f.Sign(v) ? 1 : 0;
        int pos = f.IsSNaN(v) ? 1 : f.IsNaN(v) ? 3 : f.IsInf(v) ? 5 : f.IsZero(v) ? 11 : f.IsSubnormal(v) ? 7 : 9;
        return 1 << (pos - neg);
    }

    // ---- divide to integer ------------------------------------------------------------------------

    /// <summary>
    /// DIVIDE TO INTEGER: a / b gives an integer quotient n (rounded with <paramref name="quotientRounding"/>,
    /// the M4 method) and the remainder r = a - b x n, rounded with <see cref="BfpEnv.Rounding"/> (the FPC
    /// method; exact in practice) and subject to the IEEE conditions of a rounded result. When n has more
    /// than p bits and the remainder is not zero, the result is partial: the quotient is q truncated to p
    /// bits and r the matching (exact) partial remainder. A quotient beyond Nmax is given scaled by
    /// 2^-TrapScale. Condition code: 2 for partial, +1 for a scaled quotient; 1 for NaN results. An
    /// infinite dividend or zero divisor is invalid; an infinite divisor or zero dividend gives r = a, n = 0.
    /// </summary>
    public static UInt128 DivideToInteger(BinaryFormat f, UInt128 a, UInt128 b, BfpRounding quotientRounding, ref BfpEnv env,
        out UInt128 quotient, out int cc)
    {
        bool qs = f.Sign(a) != f.Sign(b);
        if (f.IsNaN(a) || f.IsNaN(b)) { quotient = PropagateNaN(f, a, b, ref env); cc = 1; return quotient; }
        if (f.IsInf(a) || f.IsZero(b)) { quotient = InvalidOp(f, ref env); cc = 1; return quotient; }
        if (f.IsInf(b) || f.IsZero(a)) { quotient = Zero(f, qs); cc = 0; return a; }
        var (sa, ea, ma) = f.Unpack(a);
        var (sb, eb, mb) = f.Unpack(b);
        int e = Math.Min(ea, eb);
        BigInteger A = (BigInteger)ma << (ea - e), B = (BigInteger)mb << (eb - e); // |a| = A 2^e, |b| = B 2^e
        BigInteger t = BigInteger.DivRem(A, B, out BigInteger rem);                // |q| = t + rem/B
        BigInteger n = t;
        if (!rem.IsZero)
        {
            int half = (rem * 2).CompareTo(B);
            bool up = quotientRounding switch
            {
                BfpRounding.NearestEven => half > 0 || (half == 0 && !t.IsEven),
                BfpRounding.NearestAway => half >= 0,
                BfpRounding.TowardPositive => !qs,
                BfpRounding.TowardNegative => qs,
                BfpRounding.PrepareShorter => t.IsEven,
                _ => false,
            };
            if (up) n += 1;
        }
        int p = f.Precision;
        BigInteger limit = BigInteger.One << p;
        bool partial = (!Fits(n, p) || n > limit) && A != B * n;
        if (partial)
        {
            int k = (int)t.GetBitLength() - p;
            n = k > 0 ? (t >> k) << k : t;
        }
        // remainder: |a| - |b| n with the signs: r = a - b x n_signed = sign(a) (A - B n) 2^e
        BigInteger R = A - B * n;
        UInt128 r = R.IsZero ? Zero(f, sa) : RoundBig(f, R.Sign < 0 ? !sa : sa, e, BigInteger.Abs(R), ref env);
        // quotient: n exactly (at most p significant bits), scaled when beyond Nmax
        cc = partial ? 2 : 0;
        if (n.IsZero) quotient = Zero(f, qs);
        else
        {
            int tz = (int)BigInteger.TrailingZeroCount(n);
            BigInteger sig = n >> tz;
            int lead = (int)n.GetBitLength() - 1;
            if (lead > f.Emax) { lead -= f.TrapScale; cc |= 1; }
            quotient = f.PackNormal(qs, lead, (UInt128)(sig << (f.Precision - 1 - (int)(n.GetBitLength() - 1 - tz))));
        }
        return r;
    }

    private static bool Fits(BigInteger n, int p) => n.IsZero || n.GetBitLength() - (long)BigInteger.TrailingZeroCount(n) <= p;

    /// <summary>Rounds mag x 2^exp (mag > 0, any size): bits beyond 250 are jammed into a sticky bit.</summary>
    private static UInt128 RoundBig(BinaryFormat f, bool sign, int exp, BigInteger mag, ref BfpEnv env)
    {
        int shift = (int)mag.GetBitLength() - 250;
        if (shift > 0)
        {
            bool sticky = !(mag & ((BigInteger.One << shift) - 1)).IsZero;
            mag >>= shift;
            if (sticky) mag |= 1;
            exp += shift;
        }
        mag <<= 2;
        var u = new U256((UInt128)(mag >> 128), (UInt128)(mag & ((BigInteger.One << 128) - 1)));
        return RoundPack(f, sign, exp - 2, u, ref env);
    }
}
