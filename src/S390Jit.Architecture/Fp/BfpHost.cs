using System.Numerics;
using System.Runtime.CompilerServices;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Fp;

/// <summary>
/// The BFP fast path of both engines (the JIT's translation of <c>IBackend.Bfp</c> calls these, the
/// interpreter's goes through <see cref="Try"/> and <see cref="TryCompare"/>; the
/// arithmetic ones stay calls: inlined into large regions they cost more compile time than the call
/// costs at run time, measured on guests/nbody): the host's binary32/binary64 arithmetic where it provably delivers what the
/// exact core (<see cref="Semantics.BfpExact"/>: <see cref="Bfp"/> then the FPC actions of
/// <see cref="Semantics.BfpSupport.Ieee"/>) delivers, <see cref="Slow"/> otherwise — compiled code then
/// lets the interpreter execute the instruction, which runs the exact core. Nothing is changed before
/// the decision, so the slow path starts from the untouched state.
/// <para>Why the fast result is the exact core's, bit for bit and flag for flag:</para>
/// <list type="number">
/// <item>The FPC's BFP rounding mode is 0 (round to nearest even), the host's rounding (.NET keeps
/// the host in round-to-nearest-even without flush-to-zero or denormals-are-zero).</item>
/// <item><see cref="BfpFast"/>'s kernels accept only operands, results and (for products) factor
/// exponent sums whose unbiased exponents lie within ±950 (binary64) / ±95 (binary32): every operand is
/// normal and finite (no NaN, infinity, zero or subnormal), the result is normal and finite, far from
/// overflow and from tininess, so the IEEE conditions invalid, division by zero, overflow and underflow
/// cannot occur and the correctly rounded host result equals the soft core's rounding.</item>
/// <item>The only remaining condition is inexact; the kernels return the exact error of the rounding
/// (TwoSum, FMA residuals, ErrFma; see <see cref="BfpFast"/>), zero iff the result is exact. Inexact with
/// the inexact mask on (FPC bit 4) is a completion trap: slow path. Inexact with the mask off sets the
/// inexact flag (FPC bit 12), exactly what <see cref="Semantics.BfpSupport.Ieee"/> does; an exact
/// result changes nothing. The other masks cannot matter: their conditions cannot occur.</item>
/// <item>Zeros (the first iterations of many loops start from 0) are exact cases of their own, each
/// argued where it is handled: sums, products, quotients and roots with zeros whose other operands are
/// zeros or in range are exact and meet no IEEE condition; the host gives the IEEE signed zeros of round
/// to nearest, which are the PoO's.</item>
/// </list>
/// Short operands and results are in the low 32 bits. <see cref="Slow"/> (all ones) is a NaN, never a
/// fast result. BfpHostTests compares every function with the exact core, at the boundaries too.
/// </summary>
public static class BfpHost
{
    public const ulong Slow = ulong.MaxValue;
    private const uint InexactMask = (uint)Fpc.Inexact << (int)Fpc.MaskShift, InexactFlag = (uint)Fpc.Inexact << (int)Fpc.FlagShift;

    /// <summary>
    /// The entry points are compiled fully optimized on their first call: crossgen2 cannot precompile the
    /// generic-math kernels (static virtual calls), and RyuJIT's tier-0 code of them (every operator a call)
    /// ran nbody's first 1-2 M BFP operations several times slower than the exact core's tier-1 code.
    /// </summary>
    private const MethodImplOptions NoInliningOptimized = MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization;

    /// <summary>
    /// The interpreter's fast path of <c>IBackend.Bfp</c> (short and long formats; op1, op2, op3 as the
    /// instruction names them): the function compiled code calls for <paramref name="op"/>, or
    /// <see cref="Slow"/> — then nothing has changed and the caller runs the exact core.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Try(Cpu c, BfpOp op, BinaryFormat f, ulong a, ulong b, ulong x)
    {
        if (f.Width == 64)
            return op switch
            {
                BfpOp.Add => AddD(c, a, b),
                BfpOp.Sub => SubD(c, a, b),
                BfpOp.Mul => MulD(c, a, b),
                BfpOp.Div => DivD(c, a, b),
                BfpOp.Sqrt => SqrtD(c, b),
                BfpOp.MulAdd => MulAddD(c, a, b, x),
                BfpOp.MulSub => MulSubD(c, a, b, x),
                _ => LoadTestD(c, b),
            };
        if (f.Width == 32)
            return op switch
            {
                BfpOp.Add => AddE(c, a, b),
                BfpOp.Sub => SubE(c, a, b),
                BfpOp.Mul => MulE(c, a, b),
                BfpOp.Div => DivE(c, a, b),
                BfpOp.Sqrt => SqrtE(c, b),
                BfpOp.MulAdd => MulAddE(c, a, b, x),
                BfpOp.MulSub => MulSubE(c, a, b, x),
                _ => LoadTestE(c, b),
            };
        return Slow;
    }

    /// <summary>
    /// The interpreter's fast path of COMPARE (AND SIGNAL) (short and long): the condition code of two
    /// ordered operands (no IEEE condition: only a NaN operand can be an invalid operation), or -1 when an
    /// operand is a NaN or the format is extended — then the caller runs the exact core.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryCompare(BinaryFormat f, ulong a, ulong b)
    {
        ulong ka, kb;
        if (f.Width == 64) { ka = CompareKeyD(a); kb = CompareKeyD(b); }
        else if (f.Width == 32) { ka = CompareKeyE(a); kb = CompareKeyE(b); }
        else return -1;
        const ulong Unordered = 0x8000_0000_0000_0000UL;
        if (ka == Unordered || kb == Unordered) return -1;
        return ka == kb ? 0 : (long)ka < (long)kb ? 1 : 2;
    }

    /// <summary>Round to nearest even (FPC BFP rounding mode 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static bool Rne(uint fpc) => (fpc & Fpc.BfpRoundingMask) == 0;

    // ---- long ----
    [MethodImpl(NoInliningOptimized)]
    public static ulong AddD(Cpu c, ulong a, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<double, HostLong>.Sum(c, fpc, a, b, false) : Slow; }
    [MethodImpl(NoInliningOptimized)]
    public static ulong SubD(Cpu c, ulong a, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<double, HostLong>.Sum(c, fpc, a, b, true) : Slow; }
    [MethodImpl(NoInliningOptimized)]
    public static ulong MulD(Cpu c, ulong a, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<double, HostLong>.Product(c, fpc, a, b) : Slow; }
    [MethodImpl(NoInliningOptimized)]
    public static ulong DivD(Cpu c, ulong a, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<double, HostLong>.Quotient(c, fpc, a, b) : Slow; }
    [MethodImpl(NoInliningOptimized)]
    public static ulong SqrtD(Cpu c, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<double, HostLong>.Root(c, fpc, b) : Slow; }
    /// <summary>op3 × op2 + op1 (MULTIPLY AND ADD).</summary>
    [MethodImpl(NoInliningOptimized)]
    public static ulong MulAddD(Cpu c, ulong op1, ulong op2, ulong op3) { uint fpc = c.Fpc; return Rne(fpc) ? Host<double, HostLong>.Fused(c, fpc, op3, op2, op1, false) : Slow; }
    /// <summary>op3 × op2 - op1 (MULTIPLY AND SUBTRACT).</summary>
    [MethodImpl(NoInliningOptimized)]
    public static ulong MulSubD(Cpu c, ulong op1, ulong op2, ulong op3) { uint fpc = c.Fpc; return Rne(fpc) ? Host<double, HostLong>.Fused(c, fpc, op3, op2, op1, true) : Slow; }
    /// <summary>LOAD AND TEST: the value itself unless it is an SNaN (an invalid operation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong LoadTestD(Cpu c, ulong b) =>
        (b & 0x7FF8_0000_0000_0000UL) == 0x7FF0_0000_0000_0000UL && (b & 0x000F_FFFF_FFFF_FFFFUL) != 0 ? Slow : b;

    // ---- short ----
    [MethodImpl(NoInliningOptimized)]
    public static ulong AddE(Cpu c, ulong a, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<float, HostShort>.Sum(c, fpc, a, b, false) : Slow; }
    [MethodImpl(NoInliningOptimized)]
    public static ulong SubE(Cpu c, ulong a, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<float, HostShort>.Sum(c, fpc, a, b, true) : Slow; }
    [MethodImpl(NoInliningOptimized)]
    public static ulong MulE(Cpu c, ulong a, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<float, HostShort>.Product(c, fpc, a, b) : Slow; }
    [MethodImpl(NoInliningOptimized)]
    public static ulong DivE(Cpu c, ulong a, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<float, HostShort>.Quotient(c, fpc, a, b) : Slow; }
    [MethodImpl(NoInliningOptimized)]
    public static ulong SqrtE(Cpu c, ulong b) { uint fpc = c.Fpc; return Rne(fpc) ? Host<float, HostShort>.Root(c, fpc, b) : Slow; }
    /// <summary>op3 × op2 + op1 (MULTIPLY AND ADD).</summary>
    [MethodImpl(NoInliningOptimized)]
    public static ulong MulAddE(Cpu c, ulong op1, ulong op2, ulong op3) { uint fpc = c.Fpc; return Rne(fpc) ? Host<float, HostShort>.Fused(c, fpc, op3, op2, op1, false) : Slow; }
    /// <summary>op3 × op2 - op1 (MULTIPLY AND SUBTRACT).</summary>
    [MethodImpl(NoInliningOptimized)]
    public static ulong MulSubE(Cpu c, ulong op1, ulong op2, ulong op3) { uint fpc = c.Fpc; return Rne(fpc) ? Host<float, HostShort>.Fused(c, fpc, op3, op2, op1, true) : Slow; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong LoadTestE(Cpu c, ulong b) =>
        ((uint)b & 0x7FC0_0000u) == 0x7F80_0000u && ((uint)b & 0x003F_FFFFu) != 0 ? Slow : b;

    /// <summary>The fast path for one host format: the FPC's BFP rounding mode is round to nearest even (checked by the caller).</summary>
    private static class Host<T, H> where T : unmanaged, IFloatingPointIeee754<T> where H : struct, IHostFormat<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong Done(Cpu c, uint fpc, T r, T err)
        {
            if (err != T.Zero)
            {
                if ((fpc & InexactMask) != 0) return Slow;
                if ((fpc & InexactFlag) == 0) c.Fpc = fpc | InexactFlag;
            }
            return H.Bits(r);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)] private static bool Zero(T v) => v == T.Zero;
        /// <summary>A zero or a value inside the kernels' range: no IEEE condition can come from it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)] private static bool Plain(T v) => v == T.Zero || BfpFast<T, H>.InRange(v);

        /// <summary>
        /// x ± y. Beyond the kernel: a zero and a plain operand (the sum is the other operand, or the signed
        /// zero IEEE and the PoO give a sum of zeros in round to nearest: -0 only for -0 + -0), and two
        /// in-range operands that cancel exactly (their exact sum is a multiple of an ulp far above the
        /// subnormals, so the host's sum is zero iff the exact one is: +0). No condition, no flag.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static ulong Sum(Cpu c, uint fpc, ulong xb, ulong yb, bool subtract)
        {
            T x = H.Value(xb), y = subtract ? -H.Value(yb) : H.Value(yb);
            if (BfpFast<T, H>.Add(x, y, out T r, out T e)) return Done(c, fpc, r, e);
            if ((Zero(x) && Plain(y)) || (Zero(y) && Plain(x)) || (r == T.Zero && BfpFast<T, H>.InRange(x) && BfpFast<T, H>.InRange(y))) return H.Bits(x + y);
            return Slow;
        }
        /// <summary>x × y. Beyond the kernel: a zero times a plain operand is an exact zero (sign the exclusive or), no condition.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static ulong Product(Cpu c, uint fpc, ulong xb, ulong yb)
        {
            T x = H.Value(xb), y = H.Value(yb);
            if (BfpFast<T, H>.Multiply(x, y, out T r, out T e)) return Done(c, fpc, r, e);
            if ((Zero(x) && Plain(y)) || (Zero(y) && Plain(x))) return H.Bits(x * y);
            return Slow;
        }
        /// <summary>
        /// a × x ± y rounded once. Beyond the kernel: a zero factor and plain operands (the product is an
        /// exact zero: the result is y, or the signed zero of a sum of zeros), and a zero addend with in-range
        /// factors (a non-zero product: the result is the product rounded once, the multiply kernel's).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static ulong Fused(Cpu c, uint fpc, ulong ab, ulong xb, ulong yb, bool subtract)
        {
            T a = H.Value(ab), x = H.Value(xb), y = subtract ? -H.Value(yb) : H.Value(yb);
            if (BfpFast<T, H>.FusedMultiplyAdd(a, x, y, out T r, out T e)) return Done(c, fpc, r, e);
            if (((Zero(a) && Plain(x)) || (Zero(x) && Plain(a))) && Plain(y)) return H.Bits(T.FusedMultiplyAdd(a, x, y));
            if (Zero(y) && BfpFast<T, H>.Multiply(a, x, out r, out e)) return Done(c, fpc, r, e);
            return Slow;
        }
        /// <summary>x ÷ y. Beyond the kernel: a zero divided by an in-range value is an exact zero, no condition.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static ulong Quotient(Cpu c, uint fpc, ulong xb, ulong yb)
        {
            T x = H.Value(xb), y = H.Value(yb);
            if (BfpFast<T, H>.Divide(x, y, out T r, out T e)) return Done(c, fpc, r, e);
            if (Zero(x) && BfpFast<T, H>.InRange(y)) return H.Bits(x / y);
            return Slow;
        }
        /// <summary>√x. Beyond the kernel: the root of a zero is that zero (√-0 = -0), no condition.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static ulong Root(Cpu c, uint fpc, ulong xb)
        {
            T x = H.Value(xb);
            if (BfpFast<T, H>.SquareRoot(x, out T r, out T e)) return Done(c, fpc, r, e);
            if (Zero(x)) return H.Bits(x);
            return Slow;
        }
    }

    /// <summary>
    /// COMPARE's ordering as a signed integer: for every value but a NaN, key(a) &lt; key(b) iff a &lt; b and
    /// key(a) == key(b) iff a == b (so +0 and -0 are equal; sign-magnitude turned into two's complement).
    /// A NaN (unordered, maybe an invalid operation) gives <see cref="long.MinValue"/>, never a key.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong CompareKeyD(ulong v)
    {
        ulong m = v & 0x7FFF_FFFF_FFFF_FFFFUL;
        if (m > 0x7FF0_0000_0000_0000UL) return 0x8000_0000_0000_0000UL;
        ulong s = (ulong)((long)v >> 63);
        return (m ^ s) - s;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong CompareKeyE(ulong v)
    {
        ulong m = v & 0x7FFF_FFFFUL;
        if (m > 0x7F80_0000UL) return 0x8000_0000_0000_0000UL;
        ulong s = (ulong)((long)(int)(uint)v >> 31);
        return (m ^ s) - s;
    }

    /// <summary>Condition code of a BFP result (BfpSupport.ResultCc on bits): 0 zero, 1 negative, 2 positive, 3 NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ResultCcD(ulong v)
    {
        ulong m = v & 0x7FFF_FFFF_FFFF_FFFFUL;
        return m > 0x7FF0_0000_0000_0000UL ? 3UL : m == 0 ? 0UL : 2UL - (v >> 63);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ResultCcE(ulong v)
    {
        ulong m = v & 0x7FFF_FFFFUL;
        return m > 0x7F80_0000UL ? 3UL : m == 0 ? 0UL : 2UL - ((v >> 31) & 1);
    }
}
