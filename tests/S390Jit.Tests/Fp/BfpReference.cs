using System.Numerics;
using S390Jit.Architecture.Fp;

namespace S390Jit.Tests.Fp;

/// <summary>
/// An independent, slow reference for BFP rounding: exact rationals (BigInteger numerator and
/// denominator) and the IEEE 754 definition — pick the representable neighbour below or above the exact
/// value by the rounding direction — instead of the bit-level rounding of <see cref="Bfp"/>.
/// </summary>
public static class BfpReference
{
    public record struct Result(UInt128 Bits, bool Inexact, bool Overflow, bool Tiny, bool Incremented);

    /// <summary>Exact value of a finite bit pattern as numerator / 2^k.</summary>
    public static (BigInteger Num, BigInteger Den) Value(BinaryFormat f, UInt128 v)
    {
        int be = f.BiasedExp(v);
        BigInteger frac = (BigInteger)(v & f.FracMask);
        BigInteger m = be == 0 ? frac : frac + ((BigInteger)1 << f.FracBits);
        int e = (be == 0 ? f.Emin : be - f.Bias) - f.FracBits;
        if (f.Sign(v)) m = -m;
        return e >= 0 ? (m << e, 1) : (m, (BigInteger)1 << -e);
    }

    /// <summary>Rounds the exact non-zero rational num/den into f.</summary>
    public static Result Round(BinaryFormat f, BigInteger num, BigInteger den, BfpRounding rm)
    {
        if (den.Sign < 0) { num = -num; den = -den; }
        bool sign = num.Sign < 0;
        BigInteger a = BigInteger.Abs(num);
        // E = floor(log2(a/den))
        int e = (int)(a.GetBitLength() - den.GetBitLength());
        while (Cmp(a, den, e) < 0) e--;
        while (Cmp(a, den, e + 1) >= 0) e++;
        bool tiny = e < f.Emin;
        // unbounded rounding at quantum 2^(e - (p-1)), then the bounded one at max(e, Emin)
        var (ku, incU, inexU) = RoundAt(a, den, e - f.FracBits, rm, sign);
        BigInteger limit = BigInteger.One << (f.Emax + 1);
        if (Ge(ku, e - f.FracBits, limit))
        {
            bool toInf = rm is BfpRounding.NearestEven or BfpRounding.NearestAway || (rm == BfpRounding.TowardPositive && !sign) || (rm == BfpRounding.TowardNegative && sign);
            return new(f.Signed(sign, toInf ? f.Infinity : f.MaxFinite), true, true, tiny, toInf);
        }
        int q = Math.Max(e, f.Emin) - f.FracBits;
        var (k, inc, inexact) = RoundAt(a, den, q, rm, sign);
        // value k * 2^q: encode
        UInt128 bits;
        if (k.IsZero) bits = 0;
        else
        {
            int lead = (int)k.GetBitLength() - 1 + q;
            if (lead < f.Emin) bits = (UInt128)k; // subnormal
            else
            {
                BigInteger sig = k; // p bits, or p+1 after a carry
                int shift = (int)k.GetBitLength() - f.Precision;
                if (shift > 0) sig >>= shift;
                bits = ((UInt128)(uint)(lead + f.Bias) << f.FracBits) | ((UInt128)sig & f.FracMask);
            }
        }
        _ = incU; _ = inexU;
        return new(f.Signed(sign, bits), inexact, false, tiny, inc);
    }

    private static int Cmp(BigInteger a, BigInteger den, int e) =>
        e >= 0 ? a.CompareTo(den << e) : (a << -e).CompareTo(den);

    private static bool Ge(BigInteger k, int q, BigInteger limit) =>
        q >= 0 ? (k << q) >= limit : k >= (limit << -q);

    /// <summary>Rounds a/den to an integer multiple k of 2^q.</summary>
    private static (BigInteger K, bool Incremented, bool Inexact) RoundAt(BigInteger a, BigInteger den, int q, BfpRounding rm, bool sign)
    {
        BigInteger n = q >= 0 ? a : a << -q, d = q >= 0 ? den << q : den;
        BigInteger lo = BigInteger.DivRem(n, d, out BigInteger rem);
        if (rem.IsZero) return (lo, false, false);
        int half = (rem * 2).CompareTo(d);
        bool up = rm switch
        {
            BfpRounding.NearestEven => half > 0 || (half == 0 && !lo.IsEven),
            BfpRounding.NearestAway => half >= 0,
            BfpRounding.TowardPositive => !sign,
            BfpRounding.TowardNegative => sign,
            BfpRounding.PrepareShorter => lo.IsEven,
            _ => false,
        };
        return (up ? lo + 1 : lo, up, true);
    }

    /// <summary>Square root of num/den as a rational with enough bits: floor(sqrt(num/den) * 2^s) / 2^s plus a sticky half-ulp.</summary>
    public static (BigInteger Num, BigInteger Den) Sqrt(BigInteger num, BigInteger den, int bits)
    {
        // sqrt(num/den) = sqrt(num*den)/den; scale by 2^(2s)
        int s = bits;
        BigInteger x = (num * den) << (2 * s);
        BigInteger r = ISqrt(x);
        bool exact = r * r == x;
        // represent r + (exact ? 0 : 1/2) over den * 2^s: 2r+1 over 2*den*2^s keeps the rounding side exact
        return exact ? (r, den << s) : (2 * r + 1, den << (s + 1));
    }

    private static BigInteger ISqrt(BigInteger x)
    {
        if (x.IsZero) return 0;
        BigInteger r = BigInteger.One << (int)((x.GetBitLength() + 1) / 2);
        while (true)
        {
            BigInteger y = (r + x / r) >> 1;
            if (y >= r) return r;
            r = y;
        }
    }
}
