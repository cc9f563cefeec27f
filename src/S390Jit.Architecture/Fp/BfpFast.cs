using System.Numerics;
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
    // the soft core's fast path: UInt128 operands, flags in the environment (Bfp's add, multiply, divide, square root, fused multiply-add)

    public static bool TryAdd(BinaryFormat f, UInt128 a, UInt128 b, bool subtract, ref BfpEnv env, out UInt128 r) =>
        ReferenceEquals(f, BinaryFormat.Long) ? BfpFast<double, HostLong>.TryAdd(a, b, subtract, ref env, out r)
        : ReferenceEquals(f, BinaryFormat.Short) ? BfpFast<float, HostShort>.TryAdd(a, b, subtract, ref env, out r) : None(out r);

    public static bool TryMultiply(BinaryFormat f, UInt128 a, UInt128 b, ref BfpEnv env, out UInt128 r) =>
        ReferenceEquals(f, BinaryFormat.Long) ? BfpFast<double, HostLong>.TryMultiply(a, b, ref env, out r)
        : ReferenceEquals(f, BinaryFormat.Short) ? BfpFast<float, HostShort>.TryMultiply(a, b, ref env, out r) : None(out r);

    public static bool TryDivide(BinaryFormat f, UInt128 a, UInt128 b, ref BfpEnv env, out UInt128 r) =>
        ReferenceEquals(f, BinaryFormat.Long) ? BfpFast<double, HostLong>.TryDivide(a, b, ref env, out r)
        : ReferenceEquals(f, BinaryFormat.Short) ? BfpFast<float, HostShort>.TryDivide(a, b, ref env, out r) : None(out r);

    public static bool TrySquareRoot(BinaryFormat f, UInt128 a, ref BfpEnv env, out UInt128 r) =>
        ReferenceEquals(f, BinaryFormat.Long) ? BfpFast<double, HostLong>.TrySquareRoot(a, ref env, out r)
        : ReferenceEquals(f, BinaryFormat.Short) ? BfpFast<float, HostShort>.TrySquareRoot(a, ref env, out r) : None(out r);

    /// <summary>a·x + y rounded once (the caller maps MULTIPLY AND ADD/SUBTRACT's operands and sign).</summary>
    public static bool TryFusedMultiplyAdd(BinaryFormat f, UInt128 av, UInt128 xv, UInt128 yv, ref BfpEnv env, out UInt128 r) =>
        ReferenceEquals(f, BinaryFormat.Long) ? BfpFast<double, HostLong>.TryFusedMultiplyAdd(av, xv, yv, ref env, out r)
        : ReferenceEquals(f, BinaryFormat.Short) ? BfpFast<float, HostShort>.TryFusedMultiplyAdd(av, xv, yv, ref env, out r) : None(out r);

    private static bool None(out UInt128 r) { r = 0; return false; }
}

/// <summary>A host binary format (binary64 for BFP long, binary32 for short): its bits and the kernels' exponent bound.</summary>
internal interface IHostFormat<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The bound on unbiased exponents (see <see cref="BfpFast"/>).</summary>
    static abstract int Limit { get; }
    static abstract ulong Bits(T x);
    static abstract T Value(ulong bits);
    /// <summary>The unbiased exponent field (the biased field minus the bias; subnormals and zeros far below the bound, NaNs and infinities far above).</summary>
    static abstract int Exp(T x);
}

internal readonly struct HostLong : IHostFormat<double>
{
    public static int Limit => 950;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Bits(double x) => BitConverter.DoubleToUInt64Bits(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Value(ulong bits) => BitConverter.UInt64BitsToDouble(bits);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Exp(double x) => (int)((BitConverter.DoubleToUInt64Bits(x) >> 52) & 0x7FF) - 1023;
}

internal readonly struct HostShort : IHostFormat<float>
{
    public static int Limit => 95;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Bits(float x) => BitConverter.SingleToUInt32Bits(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Value(ulong bits) => BitConverter.UInt32BitsToSingle((uint)bits);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Exp(float x) => (int)((BitConverter.SingleToUInt32Bits(x) >> 23) & 0xFF) - 127;
}

/// <summary>The kernels of <see cref="BfpFast"/> for one host format: false, or the host's result and its exact error (zero iff exact).</summary>
internal static class BfpFast<T, H> where T : unmanaged, IFloatingPointIeee754<T> where H : struct, IHostFormat<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Ok(int e, int limit) => (uint)(e + limit) <= (uint)(2 * limit);

    /// <summary>Inside the kernels' operand range: normal, finite, unbiased exponent within the bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool InRange(T x) => Ok(H.Exp(x), H.Limit);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Add(T x, T y, out T s, out T err)
    {
        s = x + y;
        err = T.Zero;
        if (!InRange(x) || !InRange(y) || !InRange(s)) return false;
        T bb = s - x;
        err = (x - (s - bb)) + (y - bb);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Multiply(T x, T y, out T p, out T err)
    {
        int ex = H.Exp(x), ey = H.Exp(y);
        p = x * y;
        err = T.Zero;
        if (!Ok(ex, H.Limit) || !Ok(ey, H.Limit) || !Ok(ex + ey, H.Limit - 1)) return false;
        err = T.FusedMultiplyAdd(x, y, -p);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Divide(T x, T y, out T q, out T err)
    {
        int ex = H.Exp(x), ey = H.Exp(y);
        q = x / y;
        err = T.Zero;
        if (!Ok(ex, H.Limit) || !Ok(ey, H.Limit) || !Ok(ex - ey, H.Limit - 1)) return false;
        T rem = T.FusedMultiplyAdd(-q, y, x);
        err = y < T.Zero ? -rem : rem;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool SquareRoot(T x, out T s, out T err)
    {
        s = T.Zero;
        err = T.Zero;
        if (x < T.Zero || !InRange(x)) return false;
        s = T.Sqrt(x);
        err = T.FusedMultiplyAdd(-s, s, x);
        return true;
    }

    /// <summary>a·x + y rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool FusedMultiplyAdd(T a, T x, T y, out T r1, out T err)
    {
        int ea = H.Exp(a), ex = H.Exp(x);
        r1 = T.Zero;
        err = T.Zero;
        if (!Ok(ea, H.Limit) || !Ok(ex, H.Limit) || !Ok(ea + ex, H.Limit - 1) || !InRange(y)) return false;
        r1 = T.FusedMultiplyAdd(a, x, y);
        if (!InRange(r1)) return false;
        T u1 = a * x, u2 = T.FusedMultiplyAdd(a, x, -u1);
        T a1 = y + u2, t = a1 - y, a2 = (y - (a1 - t)) + (u2 - t);     // TwoSum(y, u2)
        T b1 = u1 + a1, w = b1 - u1, b2 = (u1 - (b1 - w)) + (a1 - w);  // TwoSum(u1, a1)
        T g = (b1 - r1) + b2;
        T r2 = g + a2, r3 = a2 - (r2 - g);                              // Fast2Sum(g, a2)
        err = r2 != T.Zero ? r2 : r3;
        return true;
    }

    // ---- the soft core's fast path ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 Done(T r, T err, ref BfpEnv env)
    {
        if (err != T.Zero) { env.Inexact = true; env.Incremented = (err < T.Zero) == (r > T.Zero); }
        return H.Bits(r);
    }

    private static T V(UInt128 v) => H.Value((ulong)v);

    internal static bool TryAdd(UInt128 a, UInt128 b, bool subtract, ref BfpEnv env, out UInt128 r)
    {
        bool ok = Add(V(a), subtract ? -V(b) : V(b), out T s, out T e);
        r = ok ? Done(s, e, ref env) : 0;
        return ok;
    }

    internal static bool TryMultiply(UInt128 a, UInt128 b, ref BfpEnv env, out UInt128 r)
    {
        bool ok = Multiply(V(a), V(b), out T p, out T e);
        r = ok ? Done(p, e, ref env) : 0;
        return ok;
    }

    internal static bool TryDivide(UInt128 a, UInt128 b, ref BfpEnv env, out UInt128 r)
    {
        bool ok = Divide(V(a), V(b), out T q, out T e);
        r = ok ? Done(q, e, ref env) : 0;
        return ok;
    }

    internal static bool TrySquareRoot(UInt128 a, ref BfpEnv env, out UInt128 r)
    {
        bool ok = SquareRoot(V(a), out T s, out T e);
        r = ok ? Done(s, e, ref env) : 0;
        return ok;
    }

    internal static bool TryFusedMultiplyAdd(UInt128 av, UInt128 xv, UInt128 yv, ref BfpEnv env, out UInt128 r)
    {
        bool ok = FusedMultiplyAdd(V(av), V(xv), V(yv), out T r1, out T e);
        r = ok ? Done(r1, e, ref env) : 0;
        return ok;
    }
}
