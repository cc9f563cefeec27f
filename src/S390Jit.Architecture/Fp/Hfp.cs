namespace S390Jit.Architecture.Fp;

/// <summary>Program-interruption codes of the HFP instructions.</summary>
public static class HfpCode
{
    public const ushort ExponentOverflow = 0x0C, ExponentUnderflow = 0x0D, Significance = 0x0E, Divide = 0x0F, SquareRoot = 0x1D;
}

/// <summary>
/// A hexadecimal floating-point number: sign, characteristic (excess 64, base 16; intermediate results
/// may leave 0..127) and a fraction of <see cref="Digits"/> hex digits (an integer below 16^Digits):
/// value = (-1)^sign x fraction / 16^Digits x 16^(characteristic - 64).
/// </summary>
public readonly record struct HfpNumber(bool Sign, int Char, UInt128 Fraction, int Digits)
{
    public bool IsZeroFraction => Fraction == 0;
}

/// <summary>
/// HFP arithmetic (PoO chapter "Hexadecimal-Floating-Point Instructions"), short (6 digits), long (14) and
/// extended (28): operands as they are (no prenormalization) for addition, with one guard digit;
/// prenormalized operands for multiplication, division and square root; results truncated (square root
/// and LOAD ROUNDED round), normalized where the instruction normalizes. Exceptions are reported, not
/// raised: exponent overflow (the characteristic wraps by 128), exponent underflow (with the PSW mask:
/// the characteristic wraps; without: a true zero), significance (with the mask: the zero fraction keeps
/// its characteristic; without: a true zero). A true zero is all zero bits (plus sign).
/// </summary>
public static class Hfp
{
    public const int Short = 6, Long = 14, Extended = 28;

    private static UInt128 Pow16(int n) => UInt128.One << (4 * n);

    // ---- formats ---------------------------------------------------------------------------------

    public static HfpNumber Unpack32(uint v) => new((v >> 31) != 0, (int)((v >> 24) & 0x7F), v & 0xFF_FFFF, Short);
    public static HfpNumber Unpack64(ulong v) => new((v >> 63) != 0, (int)((v >> 56) & 0x7F), v & 0xFF_FFFF_FFFF_FFFFUL, Long);
    /// <summary>An extended operand: the high part's sign and characteristic, the fraction of both parts (the low part's sign and characteristic are ignored).</summary>
    public static HfpNumber Unpack128(UInt128 v)
    {
        ulong hi = (ulong)(v >> 64), lo = (ulong)v;
        return new((hi >> 63) != 0, (int)((hi >> 56) & 0x7F), ((UInt128)(hi & 0xFF_FFFF_FFFF_FFFFUL) << 56) | (lo & 0xFF_FFFF_FFFF_FFFFUL), Extended);
    }

    public static uint Pack32(HfpNumber n) => (n.Sign ? 0x8000_0000u : 0) | ((uint)(n.Char & 0x7F) << 24) | (uint)n.Fraction;
    public static ulong Pack64(HfpNumber n) => (n.Sign ? 0x8000_0000_0000_0000UL : 0) | ((ulong)(n.Char & 0x7F) << 56) | (ulong)n.Fraction;
    /// <summary>
    /// An extended result: the low part has the sign of the high part and a characteristic 14 less
    /// (modulo 128), except for an all-zero result whose low part is zero too.
    /// </summary>
    public static UInt128 Pack128(HfpNumber n)
    {
        ulong hi = (n.Sign ? 0x8000_0000_0000_0000UL : 0) | ((ulong)(n.Char & 0x7F) << 56) | (ulong)(n.Fraction >> 56);
        ulong loF = (ulong)n.Fraction & 0xFF_FFFF_FFFF_FFFFUL;
        ulong lo = (n.Sign ? 0x8000_0000_0000_0000UL : 0) | loF;
        if (hi != 0 || loF != 0) lo |= (ulong)((n.Char - 14) & 0x7F) << 56;
        return ((UInt128)hi << 64) | lo;
    }

    /// <summary>The extended parts written without normalization (multiply unnormalized): both characteristics always set.</summary>
    public static (ulong Hi, ulong Lo) PackUnnormalized128(HfpNumber n)
    {
        ulong s = n.Sign ? 0x8000_0000_0000_0000UL : 0;
        ulong hi = s | ((ulong)(n.Char & 0x7F) << 56) | (ulong)(n.Fraction >> 56);
        ulong lo = s | ((ulong)((n.Char - 14) & 0x7F) << 56) | ((ulong)n.Fraction & 0xFF_FFFF_FFFF_FFFFUL);
        return (hi, lo);
    }

    public static HfpNumber TrueZero(int digits) => new(false, 0, 0, digits);

    // ---- common steps ------------------------------------------------------------------------------

    /// <summary>Shifts the fraction left until its leading digit is not zero (a zero fraction gives a true zero).</summary>
    public static HfpNumber Normalize(HfpNumber n)
    {
        if (n.Fraction == 0) return TrueZero(n.Digits);
        int lead = 127 - (int)UInt128.LeadingZeroCount(n.Fraction);   // index of the leading one bit
        int shift = (n.Digits * 4 - 1 - lead) / 4;
        return n with { Fraction = n.Fraction << (4 * shift), Char = n.Char - shift };
    }

    /// <summary>Exponent overflow and underflow of a result: the exception code (0: none) and the stored number.</summary>
    public static HfpNumber Range(HfpNumber n, bool underflowMask, out ushort code)
    {
        code = 0;
        if (n.Char > 127) { code = HfpCode.ExponentOverflow; return n with { Char = n.Char & 0x7F }; }
        if (n.Char < 0)
        {
            if (underflowMask) { code = HfpCode.ExponentUnderflow; return n with { Char = n.Char & 0x7F }; }
            return TrueZero(n.Digits);
        }
        return n;
    }

    private static HfpNumber Significance(HfpNumber n, bool significanceMask, out ushort code)
    {
        if (significanceMask) { code = HfpCode.Significance; return new HfpNumber(false, n.Char, 0, n.Digits); }
        code = 0;
        return TrueZero(n.Digits);
    }

    // ---- add / subtract ---------------------------------------------------------------------------------

    /// <summary>
    /// ADD (normalized or unnormalized): the operand with the smaller characteristic is shifted right by
    /// the difference, one guard digit kept; a carry shifts the sum right one digit (characteristic + 1,
    /// exponent overflow possible); a normalized sum is shifted left (guard digit included) and truncated;
    /// a zero sum is a significance exception (unless <paramref name="significanceException"/> is off).
    /// </summary>
    public static HfpNumber Add(HfpNumber a, HfpNumber b, bool normalize, bool underflowMask, bool significanceMask,
        out ushort code, bool significanceException = true)
    {
        int d = a.Digits;
        var (sign, c, s) = GuardSum(a, b);
        var guard = new HfpNumber(sign, c, s.Lo, d + 1);
        if (s.IsZero) return SigOrZero(guard, d, significanceMask, significanceException, out code);
        if (s.BitLength > 4 * (d + 1))
        {
            // carry: drop the guard digit and shift one digit right
            var r = new HfpNumber(sign, c + 1, (s >> 8).Lo, d);
            return Range(r, underflowMask, out code);
        }
        if (!normalize)
        {
            var u = new HfpNumber(sign, c, (s >> 4).Lo, d);
            if (u.Fraction == 0) return SigOrZero(u, d, significanceMask, significanceException, out code);
            code = 0;
            return u;
        }
        if (s.BitLength > 4 * d) { code = 0; return new HfpNumber(sign, c, (s >> 4).Lo, d); }
        // leading digit zero: the guard digit becomes the last digit, then normalize
        var n = Normalize(new HfpNumber(sign, c - 1, s.Lo, d));
        return Range(n, underflowMask, out code);
    }

    /// <summary>The aligned sum with one guard digit (d + 1 digits, a carry digit possible) at the larger characteristic.</summary>
    private static (bool Sign, int Char, U256 Sum) GuardSum(HfpNumber a, HfpNumber b)
    {
        int d = a.Digits;
        if (a.Char < b.Char) (a, b) = (b, a);
        int diff = a.Char - b.Char;
        U256 x = (U256)a.Fraction << 4;
        U256 y = diff > d + 1 ? U256.Zero : ((U256)b.Fraction << 4) >> (4 * diff);
        if (a.Sign == b.Sign) return (a.Sign, a.Char, x + y);
        int cmp = x.CompareTo(y);
        if (cmp == 0) return (false, a.Char, U256.Zero);
        return cmp > 0 ? (a.Sign, a.Char, x - y) : (b.Sign, a.Char, y - x);
    }

    private static HfpNumber SigOrZero(HfpNumber n, int d, bool mask, bool enabled, out ushort code)
    {
        if (!enabled) { code = 0; return TrueZero(d); }
        return Significance(n with { Digits = d }, mask, out code);
    }

    /// <summary>COMPARE: the condition code of op1 - op2 computed as the subtraction with its guard digit (no exceptions).</summary>
    public static int Compare(HfpNumber a, HfpNumber b)
    {
        var (sign, _, s) = GuardSum(a, b with { Sign = !b.Sign });
        return s.IsZero ? 0 : sign ? 1 : 2;
    }

    // ---- multiply / divide -------------------------------------------------------------------------------

    /// <summary>
    /// MULTIPLY: the prenormalized operands' fractions multiplied exactly, normalized (at most one digit)
    /// and truncated to <paramref name="resultDigits"/>; a zero fraction gives a true zero. With
    /// <paramref name="checkRange"/> off (multiply and add) the characteristic may stay out of range.
    /// </summary>
    public static HfpNumber Multiply(HfpNumber a, HfpNumber b, int resultDigits, bool underflowMask, out ushort code, bool checkRange = true)
    {
        code = 0;
        if (a.Fraction == 0 || b.Fraction == 0) return TrueZero(resultDigits);
        a = Normalize(a); b = Normalize(b);
        U256 p = U256.Multiply(a.Fraction, b.Fraction);   // a.Digits + b.Digits digits
        int pd = a.Digits + b.Digits;
        int c = a.Char + b.Char - 64;
        if (p.BitLength <= 4 * (pd - 1)) { p <<= 4; c--; }
        int drop = pd - resultDigits;
        UInt128 f = drop >= 0 ? (p >> (4 * drop)).Lo : (p << (-4 * drop)).Lo;
        var r = new HfpNumber(a.Sign != b.Sign, c, f, resultDigits);
        return checkRange ? Range(r, underflowMask, out code) : r;
    }

    /// <summary>
    /// DIVIDE: a zero divisor fraction is an HFP divide exception (the caller suppresses); a zero dividend
    /// gives a true zero; otherwise the prenormalized fractions' quotient truncated to the format.
    /// </summary>
    public static HfpNumber Divide(HfpNumber a, HfpNumber b, bool underflowMask, out ushort code)
    {
        code = 0;
        int d = a.Digits;
        if (b.Fraction == 0) { code = HfpCode.Divide; return a; }
        if (a.Fraction == 0) return TrueZero(d);
        a = Normalize(a); b = Normalize(b);
        int c;
        U256 divisor = b.Fraction;
        if (a.Fraction < b.Fraction) c = a.Char - b.Char + 64;
        else { c = a.Char - b.Char + 65; divisor <<= 4; }
        UInt128 q = ((U256)a.Fraction << (4 * d)).DivRem(divisor, out _);
        return Range(new HfpNumber(a.Sign != b.Sign, c, q, d), underflowMask, out code);
    }

    /// <summary>HALVE: the value divided by two, normalized and truncated (exponent underflow possible).</summary>
    public static HfpNumber Halve(HfpNumber a, bool underflowMask, out ushort code)
    {
        code = 0;
        if (a.Fraction == 0) return TrueZero(a.Digits);
        int d = a.Digits;
        // the half with one extra digit: a (d+1)-digit fraction F*8 at the same characteristic
        var wide = Normalize(new HfpNumber(a.Sign, a.Char, a.Fraction << 3, d + 1));
        var r = new HfpNumber(a.Sign, wide.Char, wide.Fraction >> 4, d);
        return Range(r, underflowMask, out code);
    }

    /// <summary>
    /// SQUARE ROOT: a negative non-zero operand is a square-root exception (the caller suppresses); a zero
    /// fraction gives a true zero; otherwise the root of the prenormalized operand, computed to one guard
    /// digit and rounded (half a digit added, then truncated). Never overflows or underflows.
    /// </summary>
    public static HfpNumber SquareRoot(HfpNumber a, out ushort code)
    {
        code = 0;
        int d = a.Digits;
        if (a.Fraction == 0) return TrueZero(d);
        if (a.Sign) { code = HfpCode.SquareRoot; return a; }
        a = Normalize(a);
        int c;
        U256 radicand;
        if ((a.Char & 1) != 0) { c = (a.Char + 65) >> 1; radicand = (U256)a.Fraction << (4 * (d + 1)); }
        else { c = (a.Char + 64) >> 1; radicand = (U256)a.Fraction << (4 * (d + 2)); }
        UInt128 root = radicand.Sqrt(out _);                // d + 1 digits
        UInt128 f = (root + 8) >> 4;
        if (f >= Pow16(d)) { f >>= 4; c++; }
        return new HfpNumber(false, c, f, d);
    }

    // ---- rounding and lengthening ------------------------------------------------------------------------

    /// <summary>
    /// LOAD ROUNDED: the fraction cut to <paramref name="digits"/> after adding one in the first bit cut off;
    /// a carry out shifts right one digit (characteristic + 1, exponent overflow possible). Not normalized.
    /// </summary>
    public static HfpNumber Round(HfpNumber a, int digits, out ushort code)
    {
        code = 0;
        int drop = 4 * (a.Digits - digits);
        UInt128 f = (a.Fraction >> drop) + ((a.Fraction >> (drop - 1)) & 1);
        int c = a.Char;
        if (f >= Pow16(digits)) { f >>= 4; c++; }
        return Range(new HfpNumber(a.Sign, c, f, digits), false, out code);
    }

    /// <summary>LOAD FP INTEGER: the fraction digits below the units digit truncated, then normalized; a value below one gives a true zero.</summary>
    public static HfpNumber ToIntegral(HfpNumber a)
    {
        int d = a.Digits;
        if (a.Char <= 64) return TrueZero(d);
        if (a.Char < 64 + d)
        {
            int cut = 4 * (64 + d - a.Char);
            a = a with { Fraction = (a.Fraction >> cut) << cut };
        }
        return Normalize(a);
    }

    // ---- fixed point ---------------------------------------------------------------------------------

    /// <summary>CONVERT FROM FIXED: the integer normalized, truncated to the format's digits.</summary>
    public static HfpNumber FromInteger(bool negative, ulong magnitude, int digits)
    {
        if (magnitude == 0) return TrueZero(digits);
        // the integer as a 16-digit fraction at characteristic 64 + 16, then cut or extended to the format
        var n = Normalize(new HfpNumber(negative, 80, magnitude, 16));
        UInt128 f = digits >= 16 ? n.Fraction << (4 * (digits - 16)) : n.Fraction >> (4 * (16 - digits));
        return new HfpNumber(negative, n.Char, f, digits);
    }

    /// <summary>
    /// CONVERT TO FIXED: the value rounded to an integer by the M3 method (0 and 5 toward zero, 1 nearest
    /// with ties away, 4 nearest with ties to even, 6 toward +infinity, 7 toward -infinity). Returns the
    /// result and the condition code: 0 zero fraction, 1 negative, 2 positive, 3 out of range (the result
    /// then is the largest integer of the operand's sign).
    /// </summary>
    public static ulong ToInteger(HfpNumber a, int m3, int bits, out int cc)
    {
        ulong maxPos = (1UL << (bits - 1)) - 1, minNegMag = 1UL << (bits - 1), mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        if (a.Fraction == 0) { cc = 0; return 0; }
        a = Normalize(a);
        cc = a.Sign ? 1 : 2;
        int e = a.Char - 64;                          // the value is F / 16^d x 16^e
        int shift = 4 * (a.Digits - e);               // bits of F below the units position
        UInt128 mag;
        if (shift <= 0)
        {
            if (e > 17) { cc = 3; return a.Sign ? minNegMag & mask : maxPos; }
            mag = a.Fraction << -shift;
        }
        else
        {
            UInt128 ip = shift >= 128 ? 0 : a.Fraction >> shift;
            UInt128 rest = shift >= 128 ? a.Fraction : a.Fraction & ((UInt128.One << shift) - 1);
            // rest against one half (a fraction of at most 112 bits is below any half beyond bit 112)
            int half = shift - 1 >= 120 ? -1 : rest.CompareTo(UInt128.One << (shift - 1));
            bool up = rest != 0 && m3 switch
            {
                1 => half >= 0,
                4 => half > 0 || (half == 0 && (ip & 1) != 0),
                6 => !a.Sign,
                7 => a.Sign,
                _ => false,
            };
            mag = up ? ip + 1 : ip;
        }
        if (a.Sign ? mag > minNegMag : mag > maxPos) { cc = 3; return a.Sign ? minNegMag & mask : maxPos; }
        ulong r = (ulong)mag;
        return (a.Sign ? 0UL - r : r) & mask;
    }

    // ---- multiply and add ----------------------------------------------------------------------------

    /// <summary>
    /// MULTIPLY AND ADD / SUBTRACT (HFP multiply-and-add facility): op3 x op2 (prenormalized, truncated to
    /// the format, characteristic unchecked) plus op1 (minus op1), added as normalized addition without
    /// significance exception; exponent overflow and underflow of the sum.
    /// </summary>
    public static HfpNumber MultiplyAdd(HfpNumber op1, HfpNumber op2, HfpNumber op3, bool subtract, bool underflowMask, out ushort code)
    {
        var p = Multiply(op2, op3, op1.Digits, false, out _, checkRange: false);
        if (subtract) op1 = op1 with { Sign = !op1.Sign };
        return Add(op1, p, true, underflowMask, false, out code, significanceException: false);
    }

    /// <summary>
    /// MULTIPLY (AND ADD) UNNORMALIZED, long operands to an extended result: the exact 28-digit product
    /// of the unnormalized fractions at characteristic c2 + c3 - 64; an addend (14 digits, extended with
    /// zeros) is aligned to that characteristic, the sum truncated toward zero to 28 digits (digits beyond
    /// either end lost); the sign of an exact zero is plus. No normalization, no exceptions.
    /// </summary>
    public static HfpNumber MultiplyUnnormalized(HfpNumber op2, HfpNumber op3, HfpNumber? addend)
    {
        U256 prod = U256.Multiply(op2.Fraction, op3.Fraction);
        int c = op2.Char + op3.Char - 64;
        bool ps = op2.Sign != op3.Sign;
        if (addend is not { } a) return new HfpNumber(ps, c, prod.Lo, Extended);
        // addend fraction at 28 digits, aligned to the product's characteristic, with exact tracking of lost digits
        // work at scale 16^-28 relative to the product: value = F x 16^(c - 64 - 28)
        int shift = a.Char - c;                         // digits to shift the addend left
        System.Numerics.BigInteger af = (System.Numerics.BigInteger)(a.Fraction << 56);
        System.Numerics.BigInteger exactNum, scale = System.Numerics.BigInteger.One;
        if (shift >= 0) af <<= 4 * shift; else scale <<= -4 * shift; // addend = af / scale
        var P = (System.Numerics.BigInteger)prod.Lo;
        exactNum = (ps ? -P : P) * scale + (a.Sign ? -af : af);     // sum x scale
        bool sign = exactNum.Sign < 0;
        var mag = System.Numerics.BigInteger.Abs(exactNum) / scale;  // truncate toward zero
        bool lost = !(System.Numerics.BigInteger.Abs(exactNum) % scale).IsZero;
        var modulus = System.Numerics.BigInteger.One << 112;
        lost |= mag >= modulus;
        mag %= modulus;
        if (mag.IsZero && !lost) sign = false;
        return new HfpNumber(sign, c, (UInt128)mag, Extended);
    }
}
