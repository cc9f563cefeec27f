using System.Numerics;
using System.Runtime.CompilerServices;

namespace S390Jit.Architecture.Fp;

/// <summary>
/// An unsigned 256-bit integer: wide enough for every exact intermediate of the BFP and HFP
/// arithmetic (a 113 x 113-bit product, an extended dividend shifted for its quotient bits, a fused
/// multiply-add with its addend aligned).
/// </summary>
public readonly struct U256 : IEquatable<U256>, IComparable<U256>
{
    public readonly UInt128 Hi, Lo;

    public U256(UInt128 hi, UInt128 lo) { Hi = hi; Lo = lo; }

    public static readonly U256 Zero = default;
    public static implicit operator U256(UInt128 v) => new(0, v);
    public static implicit operator U256(ulong v) => new(0, v);

    public bool IsZero => Hi == 0 && Lo == 0;

    /// <summary>Number of significant bits (0 for zero).</summary>
    public int BitLength => Hi != 0 ? 256 - (int)UInt128.LeadingZeroCount(Hi) : 128 - (int)UInt128.LeadingZeroCount(Lo);

    public bool Bit(int n) => n < 128 ? ((Lo >> n) & 1) != 0 : ((Hi >> (n - 128)) & 1) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static U256 operator <<(U256 a, int n)
    {
        if (n == 0) return a;
        if (n >= 256) return Zero;
        if (n >= 128) return new(a.Lo << (n - 128), 0);
        return new((a.Hi << n) | (a.Lo >> (128 - n)), a.Lo << n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static U256 operator >>(U256 a, int n)
    {
        if (n == 0) return a;
        if (n >= 256) return Zero;
        if (n >= 128) return new(0, a.Hi >> (n - 128));
        return new(a.Hi >> n, (a.Lo >> n) | (a.Hi << (128 - n)));
    }

    /// <summary>The bits below bit n (n = 0: none).</summary>
    public U256 LowBits(int n)
    {
        if (n <= 0) return Zero;
        if (n >= 256) return this;
        if (n >= 128) return new(n == 128 ? 0 : Hi & ((UInt128.One << (n - 128)) - 1), Lo);
        return new(0, Lo & ((UInt128.One << n) - 1));
    }

    /// <summary>Shifts right by n; <paramref name="sticky"/> tells whether any one bit was shifted out.</summary>
    public U256 ShiftRightSticky(int n, out bool sticky)
    {
        if (n <= 0) { sticky = false; return this; }
        sticky = !LowBits(n).IsZero;
        return this >> n;
    }

    public static U256 operator +(U256 a, U256 b)
    {
        UInt128 lo = a.Lo + b.Lo;
        UInt128 carry = lo < a.Lo ? UInt128.One : UInt128.Zero;
        return new(a.Hi + b.Hi + carry, lo);
    }

    public static U256 operator -(U256 a, U256 b)
    {
        UInt128 lo = a.Lo - b.Lo;
        UInt128 borrow = a.Lo < b.Lo ? UInt128.One : UInt128.Zero;
        return new(a.Hi - b.Hi - borrow, lo);
    }

    public static U256 operator |(U256 a, U256 b) => new(a.Hi | b.Hi, a.Lo | b.Lo);

    /// <summary>The full 256-bit product of two 128-bit values.</summary>
    public static U256 Multiply(UInt128 a, UInt128 b)
    {
        ulong a0 = (ulong)a, a1 = (ulong)(a >> 64), b0 = (ulong)b, b1 = (ulong)(b >> 64);
        UInt128 p00 = Mul(a0, b0), p01 = Mul(a0, b1), p10 = Mul(a1, b0), p11 = Mul(a1, b1);
        // middle column: high(p00) + low(p01) + low(p10)
        UInt128 mid = (p00 >> 64) + (ulong)p01 + (ulong)p10;
        UInt128 lo = (mid << 64) | (ulong)p00;
        UInt128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
        return new(hi, lo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 Mul(ulong a, ulong b)
    {
        ulong hi = Math.BigMul(a, b, out ulong lo);
        return new UInt128(hi, lo);
    }

    /// <summary>
    /// Quotient of this / d (d != 0) when the quotient fits 128 bits (the caller guarantees it), with the
    /// remainder's non-zeroness. Restoring division, one bit at a time.
    /// </summary>
    public UInt128 DivRem(U256 d, out bool remainderNonZero)
    {
        int shift = BitLength - d.BitLength;
        if (shift < 0) { remainderNonZero = !IsZero; return 0; }
        U256 r = this, dd = d << shift;
        UInt128 q = 0;
        for (int i = shift; i >= 0; i--)
        {
            q <<= 1;
            if (r.CompareTo(dd) >= 0) { r -= dd; q |= 1; }
            dd >>= 1;
        }
        remainderNonZero = !r.IsZero;
        return q;
    }

    /// <summary>Integer square root of this (floor) and whether the root is inexact.</summary>
    public UInt128 Sqrt(out bool inexact)
    {
        // digit-by-digit (binary) method on bit pairs
        int bits = (BitLength + 1) & ~1;
        U256 rem = Zero, root = Zero;
        for (int i = bits - 2; i >= 0; i -= 2)
        {
            rem = (rem << 2) | ((this >> i).LowBits(2));
            U256 trial = (root << 2) | (U256)1u;
            root <<= 1;
            if (rem.CompareTo(trial) >= 0) { rem -= trial; root |= (U256)1u; }
        }
        inexact = !rem.IsZero;
        return root.Lo;
    }

    public int CompareTo(U256 o) => Hi != o.Hi ? Hi.CompareTo(o.Hi) : Lo.CompareTo(o.Lo);
    public bool Equals(U256 o) => Hi == o.Hi && Lo == o.Lo;
    public override bool Equals(object? obj) => obj is U256 o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(Hi, Lo);
    public override string ToString() => $"0x{Hi:x32}{Lo:x32}";
}
