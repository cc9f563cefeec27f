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

    /// <summary>Inside the kernels' operand range: normal, finite, unbiased exponent within the bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool InRange(double x) => Ok(Exp(x), Limit64);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool InRange(float x) => Ok(Exp(x), Limit32);

    // ---- the kernels: false, or the host's result and its exact error (zero iff exact; see above) ----
    // (the soft core's fast path below and compiled code's BfpHost share them)

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Add(double x, double y, out double s, out double err)
    {
        s = x + y;
        err = 0;
        if (!Ok(Exp(x), Limit64) || !Ok(Exp(y), Limit64) || !Ok(Exp(s), Limit64)) return false;
        double bb = s - x;
        err = (x - (s - bb)) + (y - bb);
        return true;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Add(float x, float y, out float s, out float err)
    {
        s = x + y;
        err = 0;
        if (!Ok(Exp(x), Limit32) || !Ok(Exp(y), Limit32) || !Ok(Exp(s), Limit32)) return false;
        float bb = s - x;
        err = (x - (s - bb)) + (y - bb);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Multiply(double x, double y, out double p, out double err)
    {
        int ex = Exp(x), ey = Exp(y);
        p = x * y;
        err = 0;
        if (!Ok(ex, Limit64) || !Ok(ey, Limit64) || !Ok(ex + ey, Limit64 - 1)) return false;
        err = Math.FusedMultiplyAdd(x, y, -p);
        return true;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Multiply(float x, float y, out float p, out float err)
    {
        int ex = Exp(x), ey = Exp(y);
        p = x * y;
        err = 0;
        if (!Ok(ex, Limit32) || !Ok(ey, Limit32) || !Ok(ex + ey, Limit32 - 1)) return false;
        err = MathF.FusedMultiplyAdd(x, y, -p);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Divide(double x, double y, out double q, out double err)
    {
        int ex = Exp(x), ey = Exp(y);
        q = x / y;
        err = 0;
        if (!Ok(ex, Limit64) || !Ok(ey, Limit64) || !Ok(ex - ey, Limit64 - 1)) return false;
        double rem = Math.FusedMultiplyAdd(-q, y, x);
        err = y < 0 ? -rem : rem;
        return true;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Divide(float x, float y, out float q, out float err)
    {
        int ex = Exp(x), ey = Exp(y);
        q = x / y;
        err = 0;
        if (!Ok(ex, Limit32) || !Ok(ey, Limit32) || !Ok(ex - ey, Limit32 - 1)) return false;
        float rem = MathF.FusedMultiplyAdd(-q, y, x);
        err = y < 0 ? -rem : rem;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool SquareRoot(double x, out double s, out double err)
    {
        s = 0;
        err = 0;
        if (x < 0 || !Ok(Exp(x), Limit64)) return false;
        s = Math.Sqrt(x);
        err = Math.FusedMultiplyAdd(-s, s, x);
        return true;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool SquareRoot(float x, out float s, out float err)
    {
        s = 0;
        err = 0;
        if (x < 0 || !Ok(Exp(x), Limit32)) return false;
        s = MathF.Sqrt(x);
        err = MathF.FusedMultiplyAdd(-s, s, x);
        return true;
    }

    /// <summary>a·x + y rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool FusedMultiplyAdd(double a, double x, double y, out double r1, out double err)
    {
        int ea = Exp(a), ex = Exp(x);
        r1 = 0;
        err = 0;
        if (!Ok(ea, Limit64) || !Ok(ex, Limit64) || !Ok(ea + ex, Limit64 - 1) || !Ok(Exp(y), Limit64)) return false;
        r1 = Math.FusedMultiplyAdd(a, x, y);
        if (!Ok(Exp(r1), Limit64)) return false;
        double u1 = a * x, u2 = Math.FusedMultiplyAdd(a, x, -u1);
        double a1 = y + u2, t = a1 - y, a2 = (y - (a1 - t)) + (u2 - t);     // TwoSum(y, u2)
        double b1 = u1 + a1, w = b1 - u1, b2 = (u1 - (b1 - w)) + (a1 - w);  // TwoSum(u1, a1)
        double g = (b1 - r1) + b2;
        double r2 = g + a2, r3 = a2 - (r2 - g);                              // Fast2Sum(g, a2)
        err = r2 != 0 ? r2 : r3;
        return true;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool FusedMultiplyAdd(float a, float x, float y, out float r1, out float err)
    {
        int ea = Exp(a), ex = Exp(x);
        r1 = 0;
        err = 0;
        if (!Ok(ea, Limit32) || !Ok(ex, Limit32) || !Ok(ea + ex, Limit32 - 1) || !Ok(Exp(y), Limit32)) return false;
        r1 = MathF.FusedMultiplyAdd(a, x, y);
        if (!Ok(Exp(r1), Limit32)) return false;
        float u1 = a * x, u2 = MathF.FusedMultiplyAdd(a, x, -u1);
        float a1 = y + u2, t = a1 - y, a2 = (y - (a1 - t)) + (u2 - t);
        float b1 = u1 + a1, w = b1 - u1, b2 = (u1 - (b1 - w)) + (a1 - w);
        float g = (b1 - r1) + b2;
        float r2 = g + a2, r3 = a2 - (r2 - g);
        err = r2 != 0 ? r2 : r3;
        return true;
    }

    // ---- the soft core's fast path: UInt128 operands, flags in the environment ----

    public static bool TryAdd(BinaryFormat f, UInt128 a, UInt128 b, bool subtract, ref BfpEnv env, out UInt128 r)
    {
        r = 0;
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            if (!Add(D(a), subtract ? -D(b) : D(b), out double s, out double e)) return false;
            r = Done(s, e, ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            if (!Add(S(a), subtract ? -S(b) : S(b), out float s, out float e)) return false;
            r = Done(s, e, ref env);
            return true;
        }
        return false;
    }

    public static bool TryMultiply(BinaryFormat f, UInt128 a, UInt128 b, ref BfpEnv env, out UInt128 r)
    {
        r = 0;
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            if (!Multiply(D(a), D(b), out double p, out double e)) return false;
            r = Done(p, e, ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            if (!Multiply(S(a), S(b), out float p, out float e)) return false;
            r = Done(p, e, ref env);
            return true;
        }
        return false;
    }

    public static bool TryDivide(BinaryFormat f, UInt128 a, UInt128 b, ref BfpEnv env, out UInt128 r)
    {
        r = 0;
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            if (!Divide(D(a), D(b), out double q, out double e)) return false;
            r = Done(q, e, ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            if (!Divide(S(a), S(b), out float q, out float e)) return false;
            r = Done(q, e, ref env);
            return true;
        }
        return false;
    }

    public static bool TrySquareRoot(BinaryFormat f, UInt128 a, ref BfpEnv env, out UInt128 r)
    {
        r = 0;
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            if (!SquareRoot(D(a), out double s, out double e)) return false;
            r = Done(s, e, ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            if (!SquareRoot(S(a), out float s, out float e)) return false;
            r = Done(s, e, ref env);
            return true;
        }
        return false;
    }

    /// <summary>a·x + y rounded once (the caller maps MULTIPLY AND ADD/SUBTRACT's operands and sign).</summary>
    public static bool TryFusedMultiplyAdd(BinaryFormat f, UInt128 av, UInt128 xv, UInt128 yv, ref BfpEnv env, out UInt128 r)
    {
        r = 0;
        if (ReferenceEquals(f, BinaryFormat.Long))
        {
            if (!FusedMultiplyAdd(D(av), D(xv), D(yv), out double r1, out double e)) return false;
            r = Done(r1, e, ref env);
            return true;
        }
        if (ReferenceEquals(f, BinaryFormat.Short))
        {
            if (!FusedMultiplyAdd(S(av), S(xv), S(yv), out float r1, out float e)) return false;
            r = Done(r1, e, ref env);
            return true;
        }
        return false;
    }
}
