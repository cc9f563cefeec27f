using S390Jit.Architecture.Isa;
using S390Jit.Execution.Jit;

namespace S390Jit.Tests.Execution;

/// <summary>The region IL writer writes the bytes ILGenerator would (perf/issue14-emit.md): with
/// <see cref="IlWriter.Check"/> every region is also written by an ILGenerator and compared.</summary>
[NonParallelizable]
public class IlWriterTests
{
    private static byte[] E(string m, int r1 = 0, int r2 = 0, int b2 = 0, long d2 = 0, long i2 = 0) =>
        Assembler.Encode(m, r1: r1, r2: r2, b2: b2, d2: d2, i2: i2);

    [Test]
    public void Regions_written_by_IlWriter_match_ILGenerator_and_run_like_the_interpreter()
    {
        byte[] prologue = [.. E("LGHI", r1: 9, i2: 40), .. E("LGHI", r1: 3, i2: 0), .. E("LGFI", r1: 4, i2: (long)EngineHarness.Scratch)];
        byte[] body =
        [
            .. E("AGHI", r1: 3, i2: 7), .. E("STG", r1: 3, b2: 4, d2: 8), .. E("LG", r1: 5, b2: 4, d2: 8),
            .. E("AGR", r1: 5, r2: 3), .. E("ST", r1: 5, b2: 4, d2: 16), .. E("LLC", r1: 6, b2: 4, d2: 17),
            .. E("SLL", r1: 6, d2: 3), .. E("XR", r1: 6, r2: 5), .. E("STH", r1: 6, b2: 4, d2: 24),
        ];
        var code = EngineHarness.LoopWithTrapCounter(prologue, body, out _);
        using var a = new EngineHarness();
        using var b = new EngineHarness();
        a.Load(code);
        b.Load(code);
        var si = a.Run(EngineHarness.Interpreter());
        bool saved = IlWriter.Check;
        int checkedBefore = IlWriter.Checked, mismatchesBefore = IlWriter.Mismatches;
        CpuSnapshot sj;
        try
        {
            IlWriter.Check = true;
            var jit = EngineHarness.Jit();
            sj = b.Run(jit);
            Assert.That(jit.Stats.RegionsCompiled, Is.GreaterThan(0));
        }
        finally { IlWriter.Check = saved; }
        Assert.That(si.Diff(sj), Is.Empty);
        Assert.That(IlWriter.Checked, Is.GreaterThan(checkedBefore));
        Assert.That(IlWriter.Mismatches, Is.EqualTo(mismatchesBefore));
    }
}
