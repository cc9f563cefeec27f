using System.Numerics;
using S390Jit.Architecture.Fp;

namespace S390Jit.Tests.Fp;

/// <summary>
/// The exact BFP core against two independent oracles: a BigInteger rational reference for every format,
/// operation and rounding method (value, inexact, overflow, tininess, incremented), and the host's IEEE
/// hardware (round to nearest even, binary32/64) for values. Plus the special cases of the PoO tables.
/// </summary>
public class BfpCoreTests
{
    private static readonly BinaryFormat[] Formats = [BinaryFormat.Short, BinaryFormat.Long, BinaryFormat.Extended];

    private static void Check(string what, BinaryFormat f, UInt128 got, BfpEnv env, BfpReference.Result want, List<string> bad)
    {
        if (got != want.Bits || env.Inexact != want.Inexact || env.Overflow != want.Overflow || env.Tiny != want.Tiny || env.Incremented != want.Incremented)
            bad.Add($"{what} {f}: got {got:x} inexact={env.Inexact} overflow={env.Overflow} tiny={env.Tiny} inc={env.Incremented}, " +
                    $"want {want.Bits:x} inexact={want.Inexact} overflow={want.Overflow} tiny={want.Tiny} inc={want.Incremented}");
    }

    private static bool Finite(BinaryFormat f, UInt128 v) => f.IsFinite(v);

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void Arithmetic_matches_the_rational_reference(int format)
    {
        var f = Formats[format];
        var rng = new FpRandom(0x5eed_0000 + (ulong)format);
        var bad = new List<string>();
        for (int n = 0; n < 6000 && bad.Count < 10; n++)
        {
            UInt128 a = rng.Operand(f), b = rng.Chance(30) ? rng.Near(f, a) : rng.Operand(f), c = rng.Operand(f);
            var rm = rng.Rounding();
            if (!Finite(f, a) || !Finite(f, b) || !Finite(f, c)) continue;
            var (an, ad) = BfpReference.Value(f, a);
            var (bn, bd) = BfpReference.Value(f, b);
            var (cn, cd) = BfpReference.Value(f, c);
            void Exact(string what, UInt128 got, BfpEnv env, BigInteger num, BigInteger den)
            {
                if (num.IsZero) return; // exact zeros: sign rules are tested separately
                Check($"{what}({a:x},{b:x},{c:x}) {rm}", f, got, env, BfpReference.Round(f, num, den, rm), bad);
            }
            var e = new BfpEnv(rm);
            Exact("add", Bfp.Add(f, a, b, false, ref e), e, an * bd + bn * ad, ad * bd);
            e = new BfpEnv(rm);
            Exact("sub", Bfp.Add(f, a, b, true, ref e), e, an * bd - bn * ad, ad * bd);
            e = new BfpEnv(rm);
            Exact("mul", Bfp.Multiply(f, a, b, ref e), e, an * bn, ad * bd);
            if (!bn.IsZero)
            {
                e = new BfpEnv(rm);
                Exact("div", Bfp.Divide(f, a, b, ref e), e, an * bd, ad * bn);
            }
            e = new BfpEnv(rm);
            // op3 x op2 + op1 = a x b + c
            Exact("fma", Bfp.MultiplyAdd(f, c, b, a, false, ref e), e, an * bn * cd + cn * ad * bd, ad * bd * cd);
            e = new BfpEnv(rm);
            Exact("fms", Bfp.MultiplyAdd(f, c, b, a, true, ref e), e, an * bn * cd - cn * ad * bd, ad * bd * cd);
            if (an.Sign > 0)
            {
                e = new BfpEnv(rm);
                var (sn, sd) = BfpReference.Sqrt(an, ad, f.Precision + 40);
                Exact("sqrt", Bfp.SquareRoot(f, a, ref e), e, sn, sd);
            }
        }
        Assert.That(bad, Is.Empty, string.Join("\n", bad));
    }

    [TestCase(1, 0)]
    [TestCase(2, 1)]
    [TestCase(2, 0)]
    public void Load_rounded_and_integer_conversions_match_the_reference(int from, int to)
    {
        BinaryFormat fs = Formats[from], ft = Formats[to];
        var rng = new FpRandom(0xabcd_0000 + (ulong)(from * 3 + to));
        var bad = new List<string>();
        for (int n = 0; n < 6000 && bad.Count < 10; n++)
        {
            var rm = rng.Rounding();
            UInt128 v = rng.Operand(fs);
            if (!Finite(fs, v)) continue;
            var (num, den) = BfpReference.Value(fs, v);
            var e = new BfpEnv(rm);
            UInt128 r = Bfp.Round(fs, ft, v, ref e);
            if (!num.IsZero) Check($"round {v:x} {rm}", ft, r, e, BfpReference.Round(ft, num, den, rm), bad);
            // integer -> BFP
            ulong g = rng.Next() >> rng.Below(64);
            bool neg = rng.Chance(50);
            e = new BfpEnv(rm);
            r = Bfp.FromInteger(ft, neg, g, ref e);
            if (g != 0) Check($"from int {(neg ? "-" : "")}{g} {rm}", ft, r, e, BfpReference.Round(ft, neg ? -(BigInteger)g : g, 1, rm), bad);
        }
        Assert.That(bad, Is.Empty, string.Join("\n", bad));
    }

    [Test]
    public void Conversions_to_integers_round_and_saturate_as_the_PoO_says()
    {
        var f = BinaryFormat.Long;
        UInt128 D(double d) => (ulong)BitConverter.DoubleToInt64Bits(d);
        (ulong, int, bool) Conv(double d, int bits, bool signed, BfpRounding rm = BfpRounding.NearestEven)
        {
            var e = new BfpEnv(rm);
            ulong r = Bfp.ToInteger(f, D(d), bits, signed, ref e, out int cc);
            return (r, cc, e.Invalid);
        }
        Assert.That(Conv(2.5, 32, true), Is.EqualTo((2UL, 2, false)));
        Assert.That(Conv(-2.5, 32, true, BfpRounding.NearestAway), Is.EqualTo((0xFFFF_FFFDUL, 1, false)));
        Assert.That(Conv(2147483647.4, 32, true), Is.EqualTo((0x7FFF_FFFFUL, 2, false)));
        Assert.That(Conv(2147483647.6, 32, true), Is.EqualTo((0x7FFF_FFFFUL, 3, true)));
        Assert.That(Conv(-2147483648.4, 32, true), Is.EqualTo((0x8000_0000UL, 1, false)));
        Assert.That(Conv(double.NaN, 64, true), Is.EqualTo((0x8000_0000_0000_0000UL, 3, true)));
        Assert.That(Conv(double.NegativeInfinity, 64, true), Is.EqualTo((0x8000_0000_0000_0000UL, 3, true)));
        Assert.That(Conv(-0.3, 32, false), Is.EqualTo((0UL, 1, false)), "rounds to zero: in range");
        Assert.That(Conv(-1.0, 32, false), Is.EqualTo((0UL, 3, true)));
        Assert.That(Conv(5e9, 32, false), Is.EqualTo((0xFFFF_FFFFUL, 3, true)));
        Assert.That(Conv(double.NaN, 64, false), Is.EqualTo((0UL, 3, true)));
        Assert.That(Conv(1.8446744073709552E19, 64, false), Is.EqualTo((ulong.MaxValue, 3, true)));
        Assert.That(Conv(4.9e-324, 32, true, BfpRounding.TowardPositive), Is.EqualTo((1UL, 2, false)));
    }

    [Test]
    public void Round_to_integral_keeps_the_sign_and_reports_inexact()
    {
        var f = BinaryFormat.Short;
        UInt128 F(float x) => (uint)BitConverter.SingleToInt32Bits(x);
        var e = new BfpEnv(BfpRounding.NearestEven);
        Assert.That(Bfp.RoundToIntegral(f, F(-0.4f), ref e), Is.EqualTo(F(-0.0f)));
        Assert.That(e.Inexact, Is.True);
        e = new BfpEnv(BfpRounding.PrepareShorter);
        Assert.That(Bfp.RoundToIntegral(f, F(2.25f), ref e), Is.EqualTo(F(3.0f)));
        e = new BfpEnv(BfpRounding.NearestEven);
        Assert.That(Bfp.RoundToIntegral(f, F(2.5f), ref e), Is.EqualTo(F(2.0f)));
        Assert.That(e.Incremented, Is.False);
    }

    [Test]
    public void Special_values_follow_the_PoO_tables()
    {
        var f = BinaryFormat.Long;
        UInt128 qa = 0x7FF8_0000_0000_00AAUL, qb = 0xFFF8_0000_0000_00BBUL, sa = 0x7FF0_0000_0000_00AAUL, sb = 0xFFF0_0000_0000_00BBUL;
        UInt128 inf = f.Infinity, ninf = f.Infinity | f.SignBit, zero = 0, nzero = f.SignBit, one = 0x3FF0_0000_0000_0000UL;
        BfpEnv E() => new(BfpRounding.NearestEven);
        var e = E();
        Assert.That(Bfp.Add(f, qa, sb, false, ref e), Is.EqualTo(f.Quiet(sb)), "SNaN beats QNaN");
        Assert.That(e.Invalid, Is.True);
        e = E();
        Assert.That(Bfp.Add(f, sa, sb, false, ref e), Is.EqualTo(f.Quiet(sa)), "first operand SNaN first");
        e = E();
        Assert.That(Bfp.Multiply(f, qb, qa, ref e), Is.EqualTo(qb));
        Assert.That(e.Invalid, Is.False);
        e = E();
        Assert.That(Bfp.Add(f, one, qb, true, ref e), Is.EqualTo(qb), "a subtracted NaN keeps its sign");
        e = E();
        Assert.That(Bfp.Add(f, inf, inf, true, ref e), Is.EqualTo(f.DefaultNaN));
        Assert.That(e.Invalid, Is.True);
        e = E();
        Assert.That(Bfp.Add(f, one, one, true, ref e), Is.EqualTo(zero));
        e = new BfpEnv(BfpRounding.TowardNegative);
        Assert.That(Bfp.Add(f, one, one, true, ref e), Is.EqualTo(nzero), "x - x is -0 rounding toward -infinity");
        e = E();
        Assert.That(Bfp.Add(f, nzero, nzero, false, ref e), Is.EqualTo(nzero));
        e = E();
        Assert.That(Bfp.Divide(f, one | f.SignBit, zero, ref e), Is.EqualTo(ninf));
        Assert.That(e.DivideByZero, Is.True);
        e = E();
        Assert.That(Bfp.Divide(f, zero, zero, ref e), Is.EqualTo(f.DefaultNaN));
        Assert.That(e.Invalid, Is.True);
        e = E();
        Assert.That(Bfp.SquareRoot(f, nzero, ref e), Is.EqualTo(nzero));
        e = E();
        Assert.That(Bfp.SquareRoot(f, one | f.SignBit, ref e), Is.EqualTo(f.DefaultNaN));
        // multiply and add: op1 + op3 x op2
        e = E();
        Assert.That(Bfp.MultiplyAdd(f, qa, zero, inf, false, ref e), Is.EqualTo(f.DefaultNaN), "inf x 0 gives the default NaN even with a NaN addend");
        Assert.That(e.Invalid, Is.True);
        e = E();
        Assert.That(Bfp.MultiplyAdd(f, sa, qb, one, false, ref e), Is.EqualTo(f.Quiet(sa)), "SNaN op1 before QNaN op2");
        e = E();
        Assert.That(Bfp.MultiplyAdd(f, qa, one, qb, false, ref e), Is.EqualTo(qb), "QNaN op3 before QNaN op1");
        e = E();
        Assert.That(Bfp.MultiplyAdd(f, sa, sb, one, false, ref e), Is.EqualTo(f.Quiet(sb)), "SNaN op2 before SNaN op1");
        e = E();
        Assert.That(Bfp.MultiplyAdd(f, qb, one, one, true, ref e), Is.EqualTo(qb), "multiply and subtract keeps a NaN op1's sign");
        // compare
        e = E();
        Assert.That(Bfp.Compare(f, nzero, zero, false, ref e), Is.EqualTo(0));
        Assert.That(Bfp.Compare(f, qa, one, false, ref e), Is.EqualTo(3));
        Assert.That(e.Invalid, Is.False);
        Assert.That(Bfp.Compare(f, qa, one, true, ref e), Is.EqualTo(3));
        Assert.That(e.Invalid, Is.True);
        Assert.That(Bfp.DataClass(f, sb), Is.EqualTo(1));
        Assert.That(Bfp.DataClass(f, 1), Is.EqualTo(0x80));
    }

    [Test]
    public void Overflow_and_underflow_keep_the_unbounded_result_for_scaling()
    {
        var f = BinaryFormat.Short;
        UInt128 big = 0x7F00_0000u; // 2^127
        var e = new BfpEnv(BfpRounding.NearestEven);
        UInt128 r = Bfp.Multiply(f, big, 0x4000_0000u, ref e); // 2^128
        Assert.That((r, e.Overflow, e.Inexact, e.Incremented), Is.EqualTo((f.Infinity, true, true, true)));
        Assert.That(e.Scaled(f, f.TrapScale), Is.EqualTo((UInt128)(uint)((128 - 192 + 127) << 23)), "2^(128-192)");
        e = new BfpEnv(BfpRounding.TowardZero);
        r = Bfp.Multiply(f, big, 0x4000_0000u, ref e);
        Assert.That((r, e.Incremented), Is.EqualTo((f.MaxFinite, false)));
        e = new BfpEnv(BfpRounding.NearestEven);
        r = Bfp.Multiply(f, 0x0080_0000u, 0x3F00_0000u, ref e); // Nmin / 2: exact subnormal
        Assert.That((r, e.Tiny, e.Inexact, e.Underflow), Is.EqualTo(((UInt128)0x0040_0000u, true, false, false)));
        Assert.That(e.Scaled(f, f.TrapScale), Is.EqualTo((UInt128)(uint)((-127 + 192 + 127) << 23)));
    }

    [Test]
    public void Round_to_nearest_even_agrees_with_the_host_IEEE_hardware()
    {
        var rng = new FpRandom(42);
        var bad = new List<string>();
        var fd = BinaryFormat.Long;
        var fs = BinaryFormat.Short;
        for (int n = 0; n < 40000 && bad.Count < 10; n++)
        {
            UInt128 a = rng.Operand(fd), b = rng.Chance(30) ? rng.Near(fd, a) : rng.Operand(fd), c = rng.Operand(fd);
            if (fd.IsNaN(a) || fd.IsNaN(b) || fd.IsNaN(c)) continue;
            double x = BitConverter.Int64BitsToDouble((long)(ulong)a), y = BitConverter.Int64BitsToDouble((long)(ulong)b), z = BitConverter.Int64BitsToDouble((long)(ulong)c);
            void Same(string op, UInt128 got, double want)
            {
                if (double.IsNaN(want) ? got != fd.DefaultNaN : got != (ulong)BitConverter.DoubleToInt64Bits(want))
                    bad.Add($"{op}({a:x},{b:x},{c:x}): {got:x} != {BitConverter.DoubleToInt64Bits(want):x}");
            }
            var e = new BfpEnv(BfpRounding.NearestEven);
            Same("add", Bfp.Add(fd, a, b, false, ref e), x + y);
            Same("sub", Bfp.Add(fd, a, b, true, ref e), x - y);
            Same("mul", Bfp.Multiply(fd, a, b, ref e), x * y);
            Same("div", Bfp.Divide(fd, a, b, ref e), x / y);
            Same("sqrt", Bfp.SquareRoot(fd, a, ref e), Math.Sqrt(x));
            Same("fma", Bfp.MultiplyAdd(fd, c, b, a, false, ref e), Math.FusedMultiplyAdd(x, y, z));
            UInt128 sa = rng.Operand(fs), sb = rng.Operand(fs);
            if (fs.IsNaN(sa) || fs.IsNaN(sb)) continue;
            float p = BitConverter.Int32BitsToSingle((int)(uint)sa), q = BitConverter.Int32BitsToSingle((int)(uint)sb);
            void SameF(string op, UInt128 got, float want)
            {
                if (float.IsNaN(want) ? got != fs.DefaultNaN : got != (uint)BitConverter.SingleToInt32Bits(want))
                    bad.Add($"{op}f({sa:x},{sb:x}): {got:x} != {BitConverter.SingleToInt32Bits(want):x}");
            }
            SameF("add", Bfp.Add(fs, sa, sb, false, ref e), p + q);
            SameF("mul", Bfp.Multiply(fs, sa, sb, ref e), p * q);
            SameF("div", Bfp.Divide(fs, sa, sb, ref e), p / q);
            SameF("sqrt", Bfp.SquareRoot(fs, sa, ref e), MathF.Sqrt(p));
            SameF("round", Bfp.Round(fd, fs, a, ref e), (float)x);
        }
        Assert.That(bad, Is.Empty, string.Join("\n", bad));
    }
}
