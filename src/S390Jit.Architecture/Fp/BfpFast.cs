using System.Runtime.CompilerServices;

namespace S390Jit.Architecture.Fp;

/// <summary>
/// The host's IEEE binary32/binary64 arithmetic where it provably gives the soft core's result and flags:
/// round to nearest even only, every operand and the result normal with an exponent well inside the
/// range (so no overflow, no tininess, no NaN, no zero, and every error term below is exactly
/// representable). The only flags then are inexact and incremented, read from the exact error:
/// <list type="bullet">
/// <item>add: TwoSum (Knuth) gives s + e = a + b exactly;</item>
/// <item>multiply: e = fma(a, b, -p) = a·b - p exactly;</item>
/// <item>divide: the remainder a - q·b = fma(-q, b, a) is exact, the error has its sign times b's;</item>
/// <item>square root: a - r² = fma(-r, r, a) is exact;</item>
/// <item>fused multiply-add: ErrFma (Boldo and Muller, "Exact and approximated error of the FMA",
/// IEEE TC 60(2), 2011) gives r1 + r2 + r3 = a·x + y exactly with |r3| ≤ ulp(r2)/2, so the error is
/// zero iff r2 and r3 are, and has r2's sign when r2 is not zero.</item>
/// </list>
/// Bounds: unbiased exponents of operands, results and (for products) the sum of the factors' exponents
/// within ±<c>Limit</c> — 950 for binary64 (emin -1022, the smallest error term's unit stays above
/// 2^-1074), 95 for binary32. Anything else returns false and takes the soft path; the .NET runtime
/// keeps the host in round-to-nearest without flush-to-zero. BfpCoreTests checks both paths agree.
/// </summary>
internal static class BfpFast
{
    private const int Limit64 = 950, Limit32 = 95;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Exp(double x) => (int)((BitConverter.DoubleToUInt64Bits(x) >> 52) & 0x7FF) - 1023;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Exp(float x) => (int)((BitConverter.SingleToUInt32Bits(x) >> 23) & 0xFF) - 127;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Ok(int e, int limit) => (uint)(e + limit) <= (uint)(2 * limit);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 Done(double r, double err, ref BfpEnv env)
    {
        if (err != 0) { env.Inexact = true; env.Incremented = (err < 0) == (r > 0); }
        return BitConverter.DoubleToUInt64Bits(r);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 Done(float r, float err, ref BfpEnv env)
    {
        if (err != 0) { env.Inexact = true; env.Incremented = (err < 0) == (r > 0); }
        return BitConverter.SingleToUInt32Bits(r);
    }

    private static double D(UInt128 v) => BitConverter.UInt64BitsToDouble((ulong)v);
    private static float S(UInt128 v) => BitConverter.UInt32BitsToSingle((uint)v);

    public static bool TryAdd(BinaryFormat f, UInt128 a, UInt128 b, bool subtract, ref BfpEnv env, out UInt128 r)
    {
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            double x = D(a), y = subtract ? -D(b) : D(b), s = x + y;
            if (!Ok(Exp(x), Limit64) || !Ok(Exp(y), Limit64) || !Ok(Exp(s), Limit64)) { r = 0; return false; }
            double bb = s - x, err = (x - (s - bb)) + (y - bb);
            r = Done(s, err, ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            float x = S(a), y = subtract ? -S(b) : S(b), s = x + y;
            if (!Ok(Exp(x), Limit32) || !Ok(Exp(y), Limit32) || !Ok(Exp(s), Limit32)) { r = 0; return false; }
            float bb = s - x, err = (x - (s - bb)) + (y - bb);
            r = Done(s, err, ref env);
            return true;
        }
        r = 0;
        return false;
    }

    public static bool TryMultiply(BinaryFormat f, UInt128 a, UInt128 b, ref BfpEnv env, out UInt128 r)
    {
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            double x = D(a), y = D(b);
            int ex = Exp(x), ey = Exp(y);
            if (!Ok(ex, Limit64) || !Ok(ey, Limit64) || !Ok(ex + ey, Limit64 - 1)) { r = 0; return false; }
            double p = x * y;
            r = Done(p, Math.FusedMultiplyAdd(x, y, -p), ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            float x = S(a), y = S(b);
            int ex = Exp(x), ey = Exp(y);
            if (!Ok(ex, Limit32) || !Ok(ey, Limit32) || !Ok(ex + ey, Limit32 - 1)) { r = 0; return false; }
            float p = x * y;
            r = Done(p, MathF.FusedMultiplyAdd(x, y, -p), ref env);
            return true;
        }
        r = 0;
        return false;
    }

    public static bool TryDivide(BinaryFormat f, UInt128 a, UInt128 b, ref BfpEnv env, out UInt128 r)
    {
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            double x = D(a), y = D(b);
            int ex = Exp(x), ey = Exp(y);
            if (!Ok(ex, Limit64) || !Ok(ey, Limit64) || !Ok(ex - ey, Limit64 - 1)) { r = 0; return false; }
            double q = x / y, rem = Math.FusedMultiplyAdd(-q, y, x);
            r = Done(q, y < 0 ? -rem : rem, ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            float x = S(a), y = S(b);
            int ex = Exp(x), ey = Exp(y);
            if (!Ok(ex, Limit32) || !Ok(ey, Limit32) || !Ok(ex - ey, Limit32 - 1)) { r = 0; return false; }
            float q = x / y, rem = MathF.FusedMultiplyAdd(-q, y, x);
            r = Done(q, y < 0 ? -rem : rem, ref env);
            return true;
        }
        r = 0;
        return false;
    }

    public static bool TrySquareRoot(BinaryFormat f, UInt128 a, ref BfpEnv env, out UInt128 r)
    {
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            double x = D(a);
            if (x < 0 || !Ok(Exp(x), Limit64)) { r = 0; return false; }
            double s = Math.Sqrt(x);
            r = Done(s, Math.FusedMultiplyAdd(-s, s, x), ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            float x = S(a);
            if (x < 0 || !Ok(Exp(x), Limit32)) { r = 0; return false; }
            float s = MathF.Sqrt(x);
            r = Done(s, MathF.FusedMultiplyAdd(-s, s, x), ref env);
            return true;
        }
        r = 0;
        return false;
    }

    /// <summary>a·x + y rounded once (the caller maps MULTIPLY AND ADD/SUBTRACT's operands and sign).</summary>
    public static bool TryFusedMultiplyAdd(BinaryFormat f, UInt128 av, UInt128 xv, UInt128 yv, ref BfpEnv env, out UInt128 r)
    {
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            double a = D(av), x = D(xv), y = D(yv);
            int ea = Exp(a), ex = Exp(x);
            if (!Ok(ea, Limit64) || !Ok(ex, Limit64) || !Ok(ea + ex, Limit64 - 1) || !Ok(Exp(y), Limit64)) { r = 0; return false; }
            double r1 = Math.FusedMultiplyAdd(a, x, y);
            if (!Ok(Exp(r1), Limit64)) { r = 0; return false; }
            double u1 = a * x, u2 = Math.FusedMultiplyAdd(a, x, -u1);
            double a1 = y + u2, t = a1 - y, a2 = (y - (a1 - t)) + (u2 - t);     // TwoSum(y, u2)
            double b1 = u1 + a1, w = b1 - u1, b2 = (u1 - (b1 - w)) + (a1 - w);  // TwoSum(u1, a1)
            double g = (b1 - r1) + b2;
            double r2 = g + a2, r3 = a2 - (r2 - g);                              // Fast2Sum(g, a2)
            r = Done(r1, r2 != 0 ? r2 : r3, ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            float a = S(av), x = S(xv), y = S(yv);
            int ea = Exp(a), ex = Exp(x);
            if (!Ok(ea, Limit32) || !Ok(ex, Limit32) || !Ok(ea + ex, Limit32 - 1) || !Ok(Exp(y), Limit32)) { r = 0; return false; }
            float r1 = MathF.FusedMultiplyAdd(a, x, y);
            if (!Ok(Exp(r1), Limit32)) { r = 0; return false; }
            float u1 = a * x, u2 = MathF.FusedMultiplyAdd(a, x, -u1);
            float a1 = y + u2, t = a1 - y, a2 = (y - (a1 - t)) + (u2 - t);
            float b1 = u1 + a1, w = b1 - u1, b2 = (u1 - (b1 - w)) + (a1 - w);
            float g = (b1 - r1) + b2;
            float r2 = g + a2, r3 = a2 - (r2 - g);
            r = Done(r1, r2 != 0 ? r2 : r3, ref env);
            return true;
        }
        r = 0;
        return false;
    }
}
