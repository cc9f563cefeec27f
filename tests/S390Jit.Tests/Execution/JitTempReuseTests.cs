using S390Jit.Architecture.Isa;

namespace S390Jit.Tests.Execution;

/// <summary>
/// The region compiler hands temporaries no later code reads back to a pool (perf/issue14-cc.md) and keeps 32-bit
/// register writes lazy (perf/issue14-deccode.md). A temporary freed after holding a zero-extended one-byte load is
/// taken again by a 32-bit add or subtract whose sum carries (or borrows) out of the low word: the register keeps its
/// high word and gets the 32-bit result, as the interpreter computes. (The emitter also forgets, when it takes a
/// pooled temporary, that the old value was zero-extended; this sequence passes without that rule too: the sum reaches
/// the register as an expression, not as that temporary.)
/// </summary>
public class JitTempReuseTests
{
    private static byte[] E(string m, int r1 = 0, int r2 = 0, int b2 = 0, long d2 = 0, long i2 = 0) =>
        Assembler.Encode(m, r1: r1, r2: r2, b2: b2, d2: d2, i2: i2);

    [TestCase("AR", 0x2_0000_0001UL)]
    [TestCase("ALR", 0x2_0000_0001UL)]
    [TestCase("SR", 0x2_FFFF_FFFDUL)]
    public void A_reused_temporary_forgets_it_held_a_zero_extended_value(string op, ulong expected)
    {
        byte[] prologue = [.. E("LGFI", r1: 4, i2: (long)EngineHarness.Scratch), .. E("LGHI", r1: 9, i2: 40), .. E("LGHI", r1: 7, i2: 5)];
        byte[] body =
        [
            .. E("LLIHF", r1: 2, i2: 2), .. E("IILF", r1: 2, i2: 0xFFFF_FFFF), .. E("LGHI", r1: 3, i2: 2),
            .. E("LLC", r1: 6, b2: 4, d2: 17),   // a one-byte load: a zero-extended temporary, the cache of r6
            .. E("LGR", r1: 6, r2: 7),           // r6 no longer reads it: back to the pool
            .. E(op, r1: 2, r2: 3),              // the 32-bit result (carry or borrow out of the low word) in a pooled temporary
            .. E("STG", r1: 2, b2: 4, d2: 32),
        ];
        var code = EngineHarness.LoopWithTrapCounter(prologue, body, out _);
        using var a = new EngineHarness();
        using var b = new EngineHarness();
        a.Load(code);
        b.Load(code);
        var si = a.Run(EngineHarness.Interpreter());
        var jit = EngineHarness.Jit();
        var sj = b.Run(jit);
        Assert.That(jit.Stats.RegionsCompiled, Is.GreaterThan(0));
        Assert.That(si.G[2], Is.EqualTo(expected), "interpreter: the high word is kept, the low word is the 32-bit result");
        Assert.That(si.Diff(sj), Is.Empty);
    }
}
