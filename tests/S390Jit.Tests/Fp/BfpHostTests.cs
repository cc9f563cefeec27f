using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Fp;

/// <summary>
/// Compiled code's inline BFP fast path (<see cref="BfpHost"/>) against the exact core it stands for
/// (<see cref="BfpExact"/> with the soft arithmetic): whenever the fast path answers, the result bits and
/// the FPC afterwards are the core's and the core has no trap to take; when it declines, it has changed
/// nothing. Operands: the boundaries (zeros, subnormals, min normal, max finite, infinities, NaNs, the
/// edges of the fast range, halfway cases) and hard random ones; FPCs: every rounding mode, inexact mask
/// on and off, flags already set.
/// </summary>
[NonParallelizable]
public class BfpHostTests
{
    private static readonly uint[] Fpcs =
    [
        0, 1, 2, 3, 7,
        0x0800_0000,             // inexact mask
        0x0008_0000,             // inexact flag already set
        0xF800_0000,             // every IEEE mask
        0x0000_0000 | 0xF8_0000, // every flag
        0x7000_0000,             // overflow, underflow masks
    ];

    private static List<ulong> Edges(BinaryFormat f)
    {
        var v = new List<ulong>();
        bool l = f.Width == 64;
        ulong sign = l ? 1UL << 63 : 1UL << 31;
        int bias = l ? 1023 : 127, fb = l ? 52 : 23;
        ulong P(int e, ulong frac = 0) => ((ulong)(e + bias) << fb) | frac;
        int lim = l ? 950 : 95;
        ulong ones = (1UL << fb) - 1;
        var mags = new List<ulong>
        {
            0, 1, ones, P(-bias + 1), P(-bias + 1, ones), P(bias, ones), P(bias + 1), P(bias + 1, 1), P(bias + 1, 1UL << (fb - 1)),
            P(bias + 1, (1UL << (fb - 1)) | 1), P(0), P(0, 1), P(0, ones), P(1), P(-1), P(1, 1UL << (fb - 1)), P(-fb - 1), P(-fb),
            P(-fb - 1, 1), P(lim), P(lim + 1), P(-lim), P(-lim - 1), P(lim, ones), P(-lim, 1), P(lim / 2), P(-lim / 2), P(lim / 2 + 1), P(3, 0x5UL << (fb - 3)),
        };
        foreach (var m in mags) { v.Add(m); v.Add(m | sign); }
        return v;
    }

    private static ulong Exact(Cpu c, BfpOp op, BinaryFormat f, ulong a, ulong b, ulong x, out bool trapped)
    {
        Bfp.UseHost = false;
        c.BfpTrapDxc = 0;
        trapped = false;
        try { ulong r = BfpExact.Run(c, op, f, a, b, x); trapped = c.BfpTrapDxc != 0; return r; }
        catch (ProgramInterruptException) { trapped = true; return 0; }
        finally { Bfp.UseHost = true; c.BfpTrapDxc = 0; }
    }

    private static ulong Host(Cpu c, BfpOp op, bool l, ulong a, ulong b, ulong x) => (op, l) switch
    {
        (BfpOp.Add, true) => BfpHost.AddD(c, a, b),
        (BfpOp.Sub, true) => BfpHost.SubD(c, a, b),
        (BfpOp.Mul, true) => BfpHost.MulD(c, a, b),
        (BfpOp.Div, true) => BfpHost.DivD(c, a, b),
        (BfpOp.Sqrt, true) => BfpHost.SqrtD(c, b),
        (BfpOp.MulAdd, true) => BfpHost.MulAddD(c, a, b, x),
        (BfpOp.MulSub, true) => BfpHost.MulSubD(c, a, b, x),
        (BfpOp.LoadTest, true) => BfpHost.LoadTestD(c, b),
        (BfpOp.Add, false) => BfpHost.AddE(c, a, b),
        (BfpOp.Sub, false) => BfpHost.SubE(c, a, b),
        (BfpOp.Mul, false) => BfpHost.MulE(c, a, b),
        (BfpOp.Div, false) => BfpHost.DivE(c, a, b),
        (BfpOp.Sqrt, false) => BfpHost.SqrtE(c, b),
        (BfpOp.MulAdd, false) => BfpHost.MulAddE(c, a, b, x),
        (BfpOp.MulSub, false) => BfpHost.MulSubE(c, a, b, x),
        _ => BfpHost.LoadTestE(c, b),
    };

    [TestCase(32)]
    [TestCase(64)]
    public void Fast_answers_are_the_exact_cores_and_declines_change_nothing(int width)
    {
        var f = width == 32 ? BinaryFormat.Short : BinaryFormat.Long;
        bool l = width == 64;
        var edges = Edges(f);
        var rng = new FpRandom(0xB0F0_0000UL + (ulong)width);
        var triples = new List<(ulong, ulong, ulong)>();
        foreach (var a in edges) foreach (var b in edges) triples.Add((a, b, edges[rng.Below(edges.Count)]));
        for (int n = 0; n < 20_000; n++)
        {
            ulong a = (ulong)rng.Operand(f), b = rng.Chance(30) ? a ^ (ulong)rng.Below(4) : (ulong)rng.Operand(f);
            triples.Add((a, b, (ulong)rng.Operand(f)));
        }
        var cpu = new Cpu();
        var bad = new List<string>();
        var taken = new Dictionary<BfpOp, int>();
        foreach (uint fpc in Fpcs)
            foreach (var (a, b, x) in triples)
                foreach (BfpOp op in Enum.GetValues<BfpOp>())
                {
                    cpu.Fpc = fpc;
                    ulong h = Host(cpu, op, l, a, b, x);
                    uint hostFpc = cpu.Fpc;
                    if (h == BfpHost.Slow)
                    {
                        if (hostFpc != fpc) bad.Add($"{op} fpc {fpc:x8} ({a:x},{b:x},{x:x}): declined after changing the FPC to {hostFpc:x8}");
                        continue;
                    }
                    taken[op] = taken.GetValueOrDefault(op) + 1;
                    cpu.Fpc = fpc;
                    ulong e = Exact(cpu, op, f, a, b, x, out bool trapped);
                    if (trapped || e != h || cpu.Fpc != hostFpc)
                        bad.Add($"{op} fpc {fpc:x8} ({a:x},{b:x},{x:x}): host {h:x} fpc {hostFpc:x8}, exact {e:x} fpc {cpu.Fpc:x8} trapped={trapped}");
                    if (bad.Count > 10) break;
                }
        TestContext.Out.WriteLine(string.Join(" ", taken.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.That(bad, Is.Empty, string.Join("\n", bad));
        foreach (BfpOp op in Enum.GetValues<BfpOp>()) Assert.That(taken.GetValueOrDefault(op), Is.GreaterThan(1000), $"{op} takes the fast path");
    }

    [Test]
    public void Halfway_and_boundary_cases_answer_as_the_PoO_says()
    {
        var c = new Cpu();
        ulong one = 0x3FF0_0000_0000_0000UL, halfUlp = 0x3CA0_0000_0000_0000UL; // 1, 2^-53
        // 1 + 2^-53 is a tie: even (1), inexact, flag set with the mask off
        c.Fpc = 0;
        Assert.That(BfpHost.AddD(c, one, halfUlp), Is.EqualTo(one));
        Assert.That(c.Fpc, Is.EqualTo(0x0008_0000u));
        // with the inexact mask on, an inexact result is a completion trap: the interpreter's
        c.Fpc = 0x0800_0000;
        Assert.That(BfpHost.AddD(c, one, halfUlp), Is.EqualTo(BfpHost.Slow));
        Assert.That(c.Fpc, Is.EqualTo(0x0800_0000u));
        // exact with the mask on: fast, nothing set
        Assert.That(BfpHost.AddD(c, one, one), Is.EqualTo(0x4000_0000_0000_0000UL));
        Assert.That(c.Fpc, Is.EqualTo(0x0800_0000u));
        // another rounding mode, a zero, the largest finite value, the smallest normal: the interpreter's
        c.Fpc = 1;
        Assert.That(BfpHost.AddD(c, one, one), Is.EqualTo(BfpHost.Slow));
        c.Fpc = 0;
        Assert.That(BfpHost.MulD(c, one, 0), Is.EqualTo(0UL), "a zero product is exact");
        Assert.That(BfpHost.MulD(c, 0x8000_0000_0000_0000UL, one), Is.EqualTo(0x8000_0000_0000_0000UL), "-0 x 1 = -0");
        Assert.That(BfpHost.AddD(c, one, one ^ 0x8000_0000_0000_0000UL), Is.EqualTo(0UL), "x + -x = +0");
        Assert.That(BfpHost.MulD(c, 0x7FF0_0000_0000_0000UL, 0), Is.EqualTo(BfpHost.Slow), "infinity x 0 is invalid");
        Assert.That(BfpHost.DivD(c, one, 0), Is.EqualTo(BfpHost.Slow), "division by zero");
        Assert.That(BfpHost.AddD(c, 0x7FEF_FFFF_FFFF_FFFFUL, one), Is.EqualTo(BfpHost.Slow));
        Assert.That(BfpHost.MulD(c, 0x0010_0000_0000_0000UL, one), Is.EqualTo(BfpHost.Slow));
        Assert.That(BfpHost.LoadTestD(c, 0x7FF0_0000_0000_0001UL), Is.EqualTo(BfpHost.Slow), "an SNaN is invalid");
        Assert.That(BfpHost.LoadTestD(c, 0x7FF8_0000_0000_0000UL), Is.EqualTo(0x7FF8_0000_0000_0000UL), "a QNaN is not");
        Assert.That(c.Fpc, Is.EqualTo(0u));
    }

    [TestCase(32)]
    [TestCase(64)]
    public void Compare_keys_order_as_COMPARE_and_result_cc_is_the_rule(int width)
    {
        var f = width == 32 ? BinaryFormat.Short : BinaryFormat.Long;
        bool l = width == 64;
        var edges = Edges(f);
        var rng = new FpRandom(0xC0DE_0000UL + (ulong)width);
        for (int n = 0; n < 200; n++) edges.Add((ulong)rng.Operand(f));
        const ulong nan = 0x8000_0000_0000_0000UL;
        foreach (var a in edges)
        {
            ulong ka = l ? BfpHost.CompareKeyD(a) : BfpHost.CompareKeyE(a);
            Assert.That(l ? BfpHost.ResultCcD(a) : BfpHost.ResultCcE(a), Is.EqualTo((ulong)BfpSupport.ResultCc(f, a)), $"cc {a:x}");
            Assert.That(ka == nan, Is.EqualTo(f.IsNaN(a)), $"key {a:x}");
            foreach (var b in edges)
            {
                ulong kb = l ? BfpHost.CompareKeyD(b) : BfpHost.CompareKeyE(b);
                if (ka == nan || kb == nan) continue;
                var env = new BfpEnv(BfpRounding.NearestEven);
                int cc = Bfp.Compare(f, a, b, true, ref env);
                int kcc = (long)ka == (long)kb ? 0 : (long)ka < (long)kb ? 1 : 2;
                Assert.That(kcc, Is.EqualTo(cc), $"{a:x} vs {b:x}");
            }
        }
    }
    /// <summary>
    /// The interpreter's BFP primitives (<see cref="InterpBackend"/>: <see cref="BfpHost.Try"/>, then the exact core)
    /// against the exact core alone: every operation, both formats, the boundary operands (tiny and huge results,
    /// NaNs, infinities, signed zeros, subnormals) and random ones, every rounding mode (they all fall back),
    /// the masks (inexact with the mask on is a completion trap; invalid/divide-by-zero with the mask on suppress):
    /// the same result, FPC, completion-trap DXC, or the same suppression trap. Compare and signal, compare, and
    /// the result condition code likewise.
    /// </summary>
    [TestCase(32)]
    [TestCase(64)]
    public void Interpreter_primitives_are_the_exact_core(int width)
    {
        var f = width == 32 ? BinaryFormat.Short : BinaryFormat.Long;
        var edges = Edges(f);
        var rng = new FpRandom(0x1D7E_0000UL + (ulong)width);
        var triples = new List<(ulong, ulong, ulong)>();
        foreach (var a in edges) foreach (var b in edges) triples.Add((a, b, edges[rng.Below(edges.Count)]));
        for (int n = 0; n < 1_000; n++)
        {
            ulong a = (ulong)rng.Operand(f), b = rng.Chance(30) ? a ^ (ulong)rng.Below(4) : (ulong)rng.Operand(f);
            triples.Add((a, b, (ulong)rng.Operand(f)));
        }
        var cpu = new Cpu();
        var be = new InterpBackend(cpu);
        var sample = new FpRandom(0x1D7E_1000UL + (ulong)width);
        var bad = new List<string>();
        int fast = 0;
        foreach (uint fpc in Fpcs)
            foreach (var (a, b, x) in triples)
            {
                // every operand with round to nearest and the masks all off / inexact on / all on, a quarter with the other FPCs
                if (fpc is not (0 or 0x0800_0000 or 0xF800_0000) && sample.Below(4) != 0) continue;
                foreach (BfpOp op in Enum.GetValues<BfpOp>())
                {
                    cpu.Fpc = fpc;
                    ulong e = 0; byte eDxc = 0;
                    Bfp.UseHost = false;
                    try { e = BfpExact.Run(cpu, op, f, a, b, x); eDxc = cpu.BfpTrapDxc; }
                    catch (ProgramInterruptException) { eDxc = 0xFF; }
                    finally { Bfp.UseHost = true; cpu.BfpTrapDxc = 0; }
                    uint eFpc = cpu.Fpc;
                    cpu.Fpc = fpc;
                    ulong i = 0; byte iDxc = 0;
                    try { i = be.Bfp(op, f, a, b, x); iDxc = cpu.BfpTrapDxc; }
                    catch (ProgramInterruptException) { iDxc = 0xFF; }
                    finally { cpu.BfpTrapDxc = 0; }
                    if (BfpHost.Try(new Cpu { Fpc = fpc }, op, f, a, b, x) != BfpHost.Slow) fast++;
                    if (iDxc != eDxc || cpu.Fpc != eFpc || (iDxc != 0xFF && i != e))
                        bad.Add($"{op} fpc {fpc:x8} ({a:x},{b:x},{x:x}): interpreter {i:x} fpc {cpu.Fpc:x8} dxc {iDxc:x2}, exact {e:x} fpc {eFpc:x8} dxc {eDxc:x2}");
                    if (bad.Count > 10) break;
                }
                foreach (bool signaling in new[] { false, true })
                {
                    cpu.Fpc = fpc; cpu.Cc = 3;
                    int eCc = -1; bool eThrew = false;
                    try { BfpExact.Compare(cpu, f, a, b, signaling); eCc = cpu.Cc; } catch (ProgramInterruptException) { eThrew = true; }
                    uint eFpc = cpu.Fpc;
                    cpu.Fpc = fpc; cpu.Cc = 3;
                    int iCc = -1; bool iThrew = false;
                    try { be.BfpCompare(f, a, b, signaling); iCc = cpu.Cc; } catch (ProgramInterruptException) { iThrew = true; }
                    if (iThrew != eThrew || iCc != eCc || cpu.Fpc != eFpc)
                        bad.Add($"compare{(signaling ? " and signal" : "")} fpc {fpc:x8} ({a:x},{b:x}): interpreter cc {iCc} fpc {cpu.Fpc:x8} threw={iThrew}, exact cc {eCc} fpc {eFpc:x8} threw={eThrew}");
                }
                be.SetBfpResultCc(f, a);
                if (cpu.Cc != BfpSupport.ResultCc(f, a)) bad.Add($"result cc of {a:x}: {cpu.Cc}, exact {BfpSupport.ResultCc(f, a)}");
                if (bad.Count > 10) break;
            }
        TestContext.Out.WriteLine($"fast answers: {fast}");
        Assert.That(bad, Is.Empty, string.Join("\n", bad));
        Assert.That(fast, Is.GreaterThan(5_000), "the fast path is taken");
    }
}
