using S390Jit.Architecture.Fp;

namespace S390Jit.Tests.Fp;

/// <summary>
/// The host-arithmetic fast path (<see cref="BfpFast"/>) against the soft core, value and flags, on operands
/// inside its range built to be hard: few-bit and all-ones significands, ties, exact and nearly exact
/// results, sums that cancel, multiply-and-add whose addend cancels the product to its last bits.
/// </summary>
[NonParallelizable]
public class BfpFastPathTests
{
    private static UInt128 Hard(FpRandom rng, BinaryFormat f, int limit)
    {
        UInt128 frac = (rng.Bits(f) & f.FracMask) switch
        {
            var x when rng.Chance(20) => x & ~((UInt128.One << rng.Below(f.FracBits)) - 1),   // few low bits
            var x when rng.Chance(10) => x | ((UInt128.One << rng.Below(f.FracBits)) - 1),    // trailing ones
            var x => x,
        };
        int e = rng.Chance(50) ? rng.Below(2 * limit + 1) - limit : rng.Below(9) - 4;
        return f.Signed(rng.Chance(50), ((UInt128)(uint)(e + f.Bias) << f.FracBits) | frac);
    }

    private static UInt128 Soft(Func<UInt128> op)
    {
        Bfp.UseHost = false;
        try { return op(); } finally { Bfp.UseHost = true; }
    }

    [TestCase(32)]
    [TestCase(64)]
    public void Fast_path_matches_the_soft_core(int width)
    {
        var f = width == 32 ? BinaryFormat.Short : BinaryFormat.Long;
        int limit = width == 32 ? 100 : 960;
        var rng = new FpRandom(0xFA57_0000UL + (ulong)width);
        var bad = new List<string>();
        int taken = 0, tried = 0;
        var stats = new SortedDictionary<string, int>();
        void Same(string what, bool fast, UInt128 hostBits, BfpEnv he, UInt128 softBits, BfpEnv se)
        {
            tried++;
            if (!fast) return;
            taken++;
            var key = what[..what.IndexOf('(')] + (he.Inexact ? "-inexact" : "-exact"); stats[key] = stats.GetValueOrDefault(key) + 1;
            if (hostBits != softBits || he.Inexact != se.Inexact || he.Incremented != se.Incremented || se.Tiny || se.Overflow || se.Invalid)
                bad.Add($"{what}: host {hostBits:x} inexact={he.Inexact} inc={he.Incremented}, soft {softBits:x} inexact={se.Inexact} inc={se.Incremented} tiny={se.Tiny}");
        }
        for (int n = 0; n < 60_000 && bad.Count < 10; n++)
        {
            UInt128 a = Hard(rng, f, limit), b = Hard(rng, f, limit), c = Hard(rng, f, limit);
            var rn = BfpRounding.NearestEven;
            // operands that make results exact, tied or cancelling
            switch (rng.Below(4))
            {
                case 0: b = rng.Near(f, a); break;
                case 1:  // c ~ -(a x b): the fused sum cancels to the product's low bits
                    var pe = new BfpEnv(rn);
                    UInt128 p = Soft(() => Bfp.Multiply(f, a, b, ref pe));
                    c = f.Signed(!f.Sign(p), f.Abs(p)) + (UInt128)(rng.Below(5)) - 2;
                    if (!f.IsFinite(c) || f.BiasedExp(c) == 0) c = a;
                    break;
                case 2:  // a = b x small integer: exact quotients; a = b x b: exact roots
                    var qe = new BfpEnv(rn);
                    UInt128 k = rng.Chance(50) ? b : Bfp.FromInteger(f, false, (ulong)rng.Below(1000) + 1, ref qe);
                    a = Soft(() => Bfp.Multiply(f, b, k, ref qe));
                    break;
            }
            var he = new BfpEnv(rn); var se = new BfpEnv(rn);
            UInt128 h;
            bool fast = BfpFast.TryAdd(f, a, b, false, ref he, out h);
            Same($"add({a:x},{b:x})", fast, h, he, Soft(() => Bfp.Add(f, a, b, false, ref se)), se);
            he = new(rn); se = new(rn);
            fast = BfpFast.TryAdd(f, a, b, true, ref he, out h);
            Same($"sub({a:x},{b:x})", fast, h, he, Soft(() => Bfp.Add(f, a, b, true, ref se)), se);
            he = new(rn); se = new(rn);
            fast = BfpFast.TryMultiply(f, a, b, ref he, out h);
            Same($"mul({a:x},{b:x})", fast, h, he, Soft(() => Bfp.Multiply(f, a, b, ref se)), se);
            he = new(rn); se = new(rn);
            fast = BfpFast.TryDivide(f, a, b, ref he, out h);
            Same($"div({a:x},{b:x})", fast, h, he, Soft(() => Bfp.Divide(f, a, b, ref se)), se);
            he = new(rn); se = new(rn);
            fast = BfpFast.TrySquareRoot(f, a, ref he, out h);
            Same($"sqrt({a:x})", fast, h, he, Soft(() => Bfp.SquareRoot(f, a, ref se)), se);
            he = new(rn); se = new(rn);
            fast = BfpFast.TryFusedMultiplyAdd(f, a, b, c, ref he, out h);
            Same($"fma({a:x},{b:x},{c:x})", fast, h, he, Soft(() => Bfp.MultiplyAdd(f, c, b, a, false, ref se)), se);
            he = new(rn); se = new(rn);
            fast = BfpFast.TryFusedMultiplyAdd(f, a, b, c ^ f.SignBit, ref he, out h);
            Same($"fms({a:x},{b:x},{c:x})", fast, h, he, Soft(() => Bfp.MultiplyAdd(f, c, b, a, true, ref se)), se);
        }
        TestContext.Out.WriteLine(string.Join(" ", stats.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.That(bad, Is.Empty, string.Join("\n", bad));
        Assert.That(taken, Is.GreaterThan(tried / 2), "most cases take the fast path");
    }
}
