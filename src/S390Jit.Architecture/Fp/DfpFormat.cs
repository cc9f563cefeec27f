using System.Numerics;

namespace S390Jit.Architecture.Fp;

/// <summary>Classes of a DFP datum (PoO "Decimal-Floating-Point Data Format"): finite (zero, subnormal, normal), infinity, quiet and signaling NaN.</summary>
public enum DfpKind : byte { Finite, Infinity, QNaN, SNaN }

/// <summary>
/// An unpacked DFP datum: sign, class, coefficient (an integer, up to 34 digits) and unbiased exponent
/// (the value is coefficient x 10^exponent). For an infinity or NaN the coefficient is the one the
/// coefficient-continuation field encodes (the payload), the exponent is zero.
/// </summary>
public readonly record struct DfpNumber(bool Sign, DfpKind Kind, UInt128 Coef, int Exp)
{
    public bool IsNaN => Kind is DfpKind.QNaN or DfpKind.SNaN;
    public bool IsFinite => Kind == DfpKind.Finite;
    public bool IsZero => Kind == DfpKind.Finite && Coef == 0;
}

/// <summary>
/// The three DFP formats (IEEE 754-2008 decimal32/64/128 in the densely-packed-decimal encoding): a sign
/// bit, a 5-bit combination field (two exponent bits and the leftmost coefficient digit, or 11110
/// infinity / 11111 NaN), the exponent continuation and the coefficient continuation (declets of three
/// digits each). Encoding and decoding; canonical encodings of results.
/// </summary>
public sealed class DfpFormat
{
    public static readonly DfpFormat Short = new(32, 6, 7, 101, 191, 144);
    public static readonly DfpFormat Long = new(64, 8, 16, 398, 767, 576);
    public static readonly DfpFormat Extended = new(128, 12, 34, 6176, 12287, 9216);

    /// <summary>Width in bits, exponent-continuation bits, precision in digits, bias, largest biased exponent, scale factor of trapped overflow/underflow results.</summary>
    public readonly int Width, EcBits, Digits, Bias, MaxBiased, Scale;
    /// <summary>Smallest and largest unbiased exponent of the coefficient's rightmost digit (qmin = -bias, qmax); Emin, the smallest normal adjusted exponent.</summary>
    public readonly int QMin, QMax, EMin, EMax;
    public readonly int CcBits;
    public readonly UInt128 SignBit;
    /// <summary>10^Digits (one more than the largest coefficient).</summary>
    public readonly UInt128 CoefLimit;
    /// <summary><see cref="CoefLimit"/> as a BigInteger.</summary>
    public readonly BigInteger CoefLimitBig;

    private DfpFormat(int width, int ecBits, int digits, int bias, int maxBiased, int scale)
    {
        Width = width; EcBits = ecBits; Digits = digits; Bias = bias; MaxBiased = maxBiased; Scale = scale;
        QMin = -bias; QMax = maxBiased - bias;
        EMin = QMin + digits - 1; EMax = QMax + digits - 1;
        CcBits = width - 6 - ecBits;
        SignBit = UInt128.One << (width - 1);
        CoefLimit = Dpd.Pow10U(digits);
        CoefLimitBig = CoefLimit;
    }

    public string Name => Width switch { 32 => "short", 64 => "long", _ => "extended" };

    public UInt128 Mask => Width == 128 ? UInt128.MaxValue : (UInt128.One << Width) - 1;

    public DfpNumber Unpack(UInt128 v)
    {
        bool sign = (v & SignBit) != 0;
        int g = (int)(v >> (Width - 6)) & 0x1F;
        int ec = (int)(v >> CcBits) & ((1 << EcBits) - 1);
        UInt128 trailing = Dpd.DecodeDeclets(v, CcBits / 10);
        if ((g & 0x1E) == 0x1E)
        {
            if ((g & 1) == 0) return new DfpNumber(sign, DfpKind.Infinity, trailing, 0);
            bool snan = (ec >> (EcBits - 1)) != 0;
            return new DfpNumber(sign, snan ? DfpKind.SNaN : DfpKind.QNaN, trailing, 0);
        }
        int expHi, lead;
        if ((g & 0x18) == 0x18) { expHi = (g >> 1) & 3; lead = 8 + (g & 1); }
        else { expHi = g >> 3; lead = g & 7; }
        int biased = (expHi << EcBits) | ec;
        UInt128 coef = (UInt128)(uint)lead * Dpd.Pow10U(Digits - 1) + trailing;
        return new DfpNumber(sign, DfpKind.Finite, coef, biased - Bias);
    }

    /// <summary>A finite value: coefficient below 10^Digits, exponent in QMin..QMax.</summary>
    public UInt128 PackFinite(bool sign, UInt128 coef, int exp)
    {
        int biased = exp + Bias;
        UInt128 p = Dpd.Pow10U(Digits - 1);
        int lead = (int)(coef / p);
        UInt128 rest = coef % p;
        int expHi = biased >> EcBits;
        int g = lead >= 8 ? 0x18 | (expHi << 1) | (lead & 1) : (expHi << 3) | lead;
        UInt128 v = ((UInt128)(uint)g << (Width - 6)) | ((UInt128)(uint)(biased & ((1 << EcBits) - 1)) << CcBits) | Dpd.EncodeDeclets(rest, CcBits / 10);
        return sign ? v | SignBit : v;
    }

    /// <summary>The canonical infinity: combination 11110, every other bit but the sign zero.</summary>
    public UInt128 Infinity(bool sign) => ((UInt128)0x1Eu << (Width - 6)) | (sign ? SignBit : 0);

    /// <summary>A canonical NaN with the given payload (fewer than Digits digits: the leftmost digit is zero).</summary>
    public UInt128 NaN(bool sign, bool signaling, UInt128 payload)
    {
        payload %= Dpd.Pow10U(Digits - 1);
        UInt128 v = ((UInt128)0x1Fu << (Width - 6)) | Dpd.EncodeDeclets(payload, CcBits / 10);
        if (signaling) v |= UInt128.One << (Width - 7);
        return sign ? v | SignBit : v;
    }

    /// <summary>The default QNaN (PoO: plus sign, zero payload).</summary>
    public UInt128 DefaultNaN => NaN(false, false, 0);

    /// <summary>The canonical encoding of an unpacked datum (finite: coefficient and exponent kept; infinity: zero continuation; NaN: payload kept).</summary>
    public UInt128 Pack(DfpNumber n) => n.Kind switch
    {
        DfpKind.Finite => PackFinite(n.Sign, n.Coef, n.Exp),
        DfpKind.Infinity => Infinity(n.Sign),
        _ => NaN(n.Sign, n.Kind == DfpKind.SNaN, n.Coef),
    };

    /// <summary>Largest finite magnitude (all nines, exponent QMax).</summary>
    public UInt128 Nmax(bool sign) => PackFinite(sign, CoefLimit - 1, QMax);
}

/// <summary>Densely packed decimal (IEEE 754-2008 3.5.2): three BCD digits in a 10-bit declet.</summary>
public static class Dpd
{
    private static readonly ushort[] Enc = new ushort[1000];
    private static readonly ushort[] Dec = new ushort[1024];
    private static readonly UInt128[] P10 = new UInt128[39];
    private static readonly BigInteger MaxU128 = UInt128.MaxValue;
    /// <summary>10^n as BigInteger for the exponent differences and products of the instructions' common cases.</summary>
    private static readonly BigInteger[] BigP10 = new BigInteger[160];

    static Dpd()
    {
        P10[0] = 1;
        for (int k = 1; k < P10.Length; k++) P10[k] = P10[k - 1] * 10;
        BigP10[0] = BigInteger.One;
        for (int k = 1; k < BigP10.Length; k++) BigP10[k] = BigP10[k - 1] * 10;
        for (int n = 0; n < 1000; n++) Enc[n] = EncodeOne(n / 100, n / 10 % 10, n % 10);
        for (int d = 0; d < 1024; d++) Dec[d] = DecodeOne(d);
    }

    public static UInt128 Pow10U(int n) => P10[n];
    public static BigInteger Pow10(int n) => n < BigP10.Length ? BigP10[n] : BigInteger.Pow(10, n);

    /// <summary>Number of decimal digits of <paramref name="v"/> (0 for zero).</summary>
    public static int DigitCount(UInt128 v)
    {
        int n = 0;
        while (n < 39 && v >= P10[n]) n++;
        return n;
    }

    public static int DigitCount(BigInteger v)
    {
        if (v.IsZero) return 0;
        if (v.Sign < 0) v = -v;
        if (v <= MaxU128) return DigitCount((UInt128)v);
        // from the bit length: digits is floor(log10 v) + 1, within one of (bits - 1) * log10(2) + 1
        int n = (int)((v.GetBitLength() - 1) * 0.30102999566398114) + 1;
        if (n >= 1 && v < Pow10(n - 1)) n--;
        while (v >= Pow10(n)) n++;
        return n;
    }

    private static ushort EncodeOne(int d2, int d1, int d0)
    {
        int a = d2 >> 3, b = (d2 >> 2) & 1, c = (d2 >> 1) & 1, d = d2 & 1;
        int e = d1 >> 3, f = (d1 >> 2) & 1, g = (d1 >> 1) & 1, h = d1 & 1;
        int i = d0 >> 3, j = (d0 >> 2) & 1, k = (d0 >> 1) & 1, m = d0 & 1;
        static int B(params int[] bits) { int r = 0; foreach (int x in bits) r = (r << 1) | x; return r; }
        return (a << 2 | e << 1 | i) switch
        {
            0 => (ushort)B(b, c, d, f, g, h, 0, j, k, m),
            1 => (ushort)B(b, c, d, f, g, h, 1, 0, 0, m),
            2 => (ushort)B(b, c, d, j, k, h, 1, 0, 1, m),
            3 => (ushort)B(b, c, d, 1, 0, h, 1, 1, 1, m),
            4 => (ushort)B(j, k, d, f, g, h, 1, 1, 0, m),
            5 => (ushort)B(f, g, d, 0, 1, h, 1, 1, 1, m),
            6 => (ushort)B(j, k, d, 0, 0, h, 1, 1, 1, m),
            _ => (ushort)B(0, 0, d, 1, 1, h, 1, 1, 1, m),
        };
    }

    private static ushort DecodeOne(int dpd)
    {
        int Bit(int n) => (dpd >> n) & 1; // n = 9 (p) .. 0 (y)
        int p = Bit(9), q = Bit(8), r = Bit(7), s = Bit(6), t = Bit(5), u = Bit(4), v = Bit(3), w = Bit(2), x = Bit(1), y = Bit(0);
        int pqr = p << 2 | q << 1 | r, stu = s << 2 | t << 1 | u, wxy = w << 2 | x << 1 | y;
        int d2, d1, d0;
        if (v == 0) { d2 = pqr; d1 = stu; d0 = wxy; }
        else
        {
            switch (w << 1 | x)
            {
                case 0: d2 = pqr; d1 = stu; d0 = 8 | y; break;
                case 1: d2 = pqr; d1 = 8 | u; d0 = s << 2 | t << 1 | y; break;
                case 2: d2 = 8 | r; d1 = stu; d0 = p << 2 | q << 1 | y; break;
                default:
                    switch (s << 1 | t)
                    {
                        case 0: d2 = 8 | r; d1 = 8 | u; d0 = p << 2 | q << 1 | y; break;
                        case 1: d2 = 8 | r; d1 = p << 2 | q << 1 | u; d0 = 8 | y; break;
                        case 2: d2 = pqr; d1 = 8 | u; d0 = 8 | y; break;
                        default: d2 = 8 | r; d1 = 8 | u; d0 = 8 | y; break;
                    }
                    break;
            }
        }
        return (ushort)(d2 * 100 + d1 * 10 + d0);
    }

    public static int Encode(int n) => Enc[n];
    public static int Decode(int declet) => Dec[declet & 0x3FF];

    /// <summary>The value of the <paramref name="declets"/> low-order declets of <paramref name="v"/>.</summary>
    public static UInt128 DecodeDeclets(UInt128 v, int declets)
    {
        UInt128 r = 0;
        for (int k = declets - 1; k >= 0; k--) r = r * 1000 + (uint)Dec[(int)(v >> (10 * k)) & 0x3FF];
        return r;
    }

    public static UInt128 EncodeDeclets(UInt128 n, int declets)
    {
        UInt128 r = 0;
        for (int k = 0; k < declets; k++)
        {
            r |= (UInt128)Enc[(int)(n % 1000)] << (10 * k);
            n /= 1000;
        }
        return r;
    }
}
