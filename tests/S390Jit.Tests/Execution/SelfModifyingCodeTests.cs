using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Execution;

/// <summary>Stores into translated code: the JIT must see the new instructions exactly when the interpreter does.</summary>
public class SelfModifyingCodeTests
{
    private static (CpuSnapshot Interp, CpuSnapshot Jit, long Invalidations) Both(byte[] code)
    {
        using var a = new EngineHarness();
        using var b = new EngineHarness();
        a.Load(code);
        b.Load(code);
        var si = a.Run(EngineHarness.Interpreter());
        var jit = EngineHarness.Jit();
        var sj = b.Run(jit);
        return (si, sj, jit.Stats.Invalidations);
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    [Test]
    public void Store_into_an_immediate_of_a_later_instruction_in_the_same_loop()
    {
        // r9 = 4 iterations; each iteration: AHI r2,<imm> where imm is rewritten by STH to the iteration count
        // layout: 0: LGHI 9,4 | 4: LARL 5,ahi | 10: loop: STH 9,2(5) | 14: AHI 2,0 | 18: BRCT 9,loop
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 4),
            Assembler.Encode("LARL", r1: 5, ri2: (14 - 4) / 2),
            Assembler.Encode("STH", r1: 9, b2: 5, d2: 2),
            Assembler.Encode("AHI", r1: 2, i2: 0),
            Assembler.Encode("BRCT", r1: 9, ri2: -(18 - 10) / 2));
        var (i, j, inv) = Both(code);
        Assert.That(i.G[2], Is.EqualTo(4UL + 3 + 2 + 1), "each AHI adds the value stored just before it");
        Assert.That(j.Diff(i), Is.Empty);
        Assert.That(inv, Is.GreaterThan(0));
    }

    [Test]
    public void Mvc_copies_new_code_over_a_compiled_loop_body()
    {
        // the loop body AHI 3,1 is replaced by AHI 3,100 (copied from a template) on the second iteration
        var template = Assembler.Encode("AHI", r1: 3, i2: 100);
        // 0 LGHI | 4 LARL r5,body | 10 LARL r6,tmpl | 16 LGHI | 20 loop: CHI 9,2 | 24 BRC 7,body
        // 28 MVC 0(4,r5),0(r6) | 34 body: AHI 3,1 | 38 BRCT 9,loop | 42 BRC 15,end | 46 tmpl | 50 end
        const int brc = 24, body = 34, brct = 38, tmpl = 46, end = 50;
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 3),
            Assembler.Encode("LARL", r1: 5, ri2: (body - 4) / 2),
            Assembler.Encode("LARL", r1: 6, ri2: (tmpl - 10) / 2),
            Assembler.Encode("LGHI", r1: 7, i2: 0),
            Assembler.Encode("CHI", r1: 9, i2: 2),
            Assembler.Encode("BRC", m1: 7, ri2: (body - brc) / 2),
            Assembler.Encode("MVC", l1: 3, b1: 5, d1: 0, b2: 6, d2: 0),
            Assembler.Encode("AHI", r1: 3, i2: 1),
            Assembler.Encode("BRCT", r1: 9, ri2: -(brct - 20) / 2),
            Assembler.Encode("BRC", m1: 15, ri2: (end - 42) / 2),
            template);
        var (i, j, _) = Both(code);
        Assert.That(i.G[3], Is.EqualTo(1UL + 100 + 100));
        Assert.That(j.Diff(i), Is.Empty);
    }
}
