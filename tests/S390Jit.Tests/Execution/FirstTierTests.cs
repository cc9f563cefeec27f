using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution.Jit;

namespace S390Jit.Tests.Execution;

/// <summary>
/// The JIT engine's first tier (pre-decoded blocks, <see cref="S390Jit.Execution.Interpreter.BlockCache"/>) against
/// the reference stepper: stores into the running block, event boundaries inside blocks, program interruptions in
/// the middle of a block, EXECUTE, instructions across a page boundary; alone (nothing compiled) and feeding the JIT.
/// </summary>
public class FirstTierTests
{
    private static JitEngine FirstTierOnly() => new(new JitOptions { Background = false, HotThreshold = int.MaxValue });

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Runs the code under the interpreter, the first tier alone and the JIT (threshold 3); all must agree.</summary>
    private static (CpuSnapshot Interp, CpuSnapshot Tier1, JitEngine Engine) All(byte[] code)
    {
        using var a = new EngineHarness();
        using var b = new EngineHarness();
        using var c = new EngineHarness();
        a.Load(code); b.Load(code); c.Load(code);
        var si = a.Run(EngineHarness.Interpreter());
        var t1 = FirstTierOnly();
        var st = b.Run(t1);
        var sj = c.Run(new JitEngine(new JitOptions { Background = false, HotThreshold = 3 }));
        Assert.That(st.Diff(si), Is.Empty, "first tier against the interpreter");
        Assert.That(sj.Diff(si), Is.Empty, "first tier feeding the JIT against the interpreter");
        Assert.That(Lowcore(b), Is.EqualTo(Lowcore(a)), "program old PSW and interruption code");
        return (si, st, t1);
    }

    private static byte[] Lowcore(EngineHarness h) => h.Mem(0x80, 0x200 - 0x80).ToArray();

    [Test]
    public void Store_into_the_next_instruction_of_the_running_block_is_seen()
    {
        // loop: STH r9 into the immediate of the AHI right after it (same block): each AHI adds the new value
        // 0 LGHI 9,5 | 4 LARL 5,ahi | 10 loop: STH 9,2(5) | 14 ahi: AHI 2,0 | 18 AHI 3,1 | 22 BRCT 9,loop
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 5),
            Assembler.Encode("LARL", r1: 5, ri2: (14 - 4) / 2),
            Assembler.Encode("STH", r1: 9, b2: 5, d2: 2),
            Assembler.Encode("AHI", r1: 2, i2: 0),
            Assembler.Encode("AHI", r1: 3, i2: 1),
            Assembler.Encode("BRCT", r1: 9, ri2: -(22 - 10) / 2));
        var (i, _, t1) = All(code);
        Assert.That(i.G[2], Is.EqualTo(5UL + 4 + 3 + 2 + 1));
        Assert.That(t1.FirstTier.BlocksDecoded, Is.GreaterThan(5), "the modified block is decoded again each time");
    }

    [Test]
    public void Mvc_over_the_rest_of_the_running_block_is_seen()
    {
        // on the second iteration MVC copies AHI 3,100 over the AHI 3,1 that follows it in the same block
        // 0 LGHI 9,3 | 4 LARL 5,body | 10 LARL 6,tmpl | 16 loop: CHI 9,2 | 20 BRC 7,skip(+6) | 24 MVC 0(4,5),0(6)
        // 30 skip: LR 7,7 | 32 body: AHI 3,1 | 36 BRCT 9,loop | 40 BRC 15,end | 44 tmpl | 48 end
        const int body = 32, tmpl = 44, end = 48;
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 3),
            Assembler.Encode("LARL", r1: 5, ri2: (body - 4) / 2),
            Assembler.Encode("LARL", r1: 6, ri2: (tmpl - 10) / 2),
            Assembler.Encode("CHI", r1: 9, i2: 2),
            Assembler.Encode("BRC", m1: 7, ri2: (30 - 20) / 2),
            Assembler.Encode("MVC", l1: 3, b1: 5, d1: 0, b2: 6, d2: 0),
            Assembler.Encode("LR", r1: 7, r2: 7),
            Assembler.Encode("AHI", r1: 3, i2: 1),
            Assembler.Encode("BRCT", r1: 9, ri2: -(36 - 16) / 2),
            Assembler.Encode("BRC", m1: 15, ri2: (end - 40) / 2),
            Assembler.Encode("AHI", r1: 3, i2: 100));
        var (i, _, _) = All(code);
        Assert.That(i.G[3], Is.EqualTo(1UL + 100 + 100));
    }

    [Test]
    public void A_program_interruption_in_the_middle_of_a_block_is_precise()
    {
        // the third LG of the loop addresses past the end of storage (1 MiB): addressing exception, mid-block
        // 0 LGFI 5,0x40000 | 6 LGHI 9,10 | 10 loop: AHI 4,1 | 14 LG 3,0(5) | 20 AGFI 5,0x80000 | 26 AHI 6,1 | 30 BRCT 9,loop
        var code = Concat(
            Assembler.Encode("LGFI", r1: 5, i2: 0x40000),
            Assembler.Encode("LGHI", r1: 9, i2: 10),
            Assembler.Encode("AHI", r1: 4, i2: 1),
            Assembler.Encode("LG", r1: 3, b2: 5, d2: 0),
            Assembler.Encode("AGFI", r1: 5, i2: 0x80000),
            Assembler.Encode("AHI", r1: 6, i2: 1),
            Assembler.Encode("BRCT", r1: 9, ri2: -(30 - 10) / 2));
        var (i, t, _) = All(code);
        Assert.That(i.PgmCode, Is.EqualTo(PgmCode.Addressing));
        Assert.That((i.G[4], i.G[6]), Is.EqualTo((3UL, 2UL)), "the exception stopped the third iteration at the LG");
        Assert.That(t.Instructions, Is.EqualTo(i.Instructions));
    }

    [Test]
    public void Execute_in_a_block_runs_its_target()
    {
        // EX 9,target: the target AHI 2,0 with the low byte of r9 ORed into its second byte (r1/r3 field: AHI r(0|r9&0xF0)...)
        // 0 LGHI 9,4 | 4 LARL 5,target | 10 loop: LGHI 8,0x20 | 14 EX 8,0(5) | 18 AHI 3,1 | 22 BRCT 9,loop | 26 BRC 15,end | 30 target: AHI 0,7 | 34 end
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 4),
            Assembler.Encode("LARL", r1: 5, ri2: (30 - 4) / 2),
            Assembler.Encode("LGHI", r1: 8, i2: 0x20),
            Assembler.Encode("EX", r1: 8, b2: 5, d2: 0),
            Assembler.Encode("AHI", r1: 3, i2: 1),
            Assembler.Encode("BRCT", r1: 9, ri2: -(22 - 10) / 2),
            Assembler.Encode("BRC", m1: 15, ri2: (34 - 26) / 2),
            Assembler.Encode("AHI", r1: 0, i2: 7));
        var (i, _, _) = All(code);
        Assert.That((i.G[2], i.G[3]), Is.EqualTo((28UL, 4UL)));
    }

    [Test]
    public void An_instruction_across_a_page_boundary_runs_in_the_stepper()
    {
        // a loop of LR 7,7 up to 0x10ffe, where a 6-byte IILF crosses into the next page
        var parts = new List<byte[]> { Assembler.Encode("LGHI", r1: 9, i2: 3) };
        int off = 4;
        while (off < 0xFFE) { parts.Add(Assembler.Encode("LR", r1: 7, r2: 7)); off += 2; }
        parts.Add(Assembler.Encode("IILF", r1: 2, i2: 0x12345678));
        parts.Add(Assembler.Encode("AHI", r1: 3, i2: 1));
        off += 6 + 4;
        parts.Add(Assembler.Encode("BRCT", r1: 9, ri2: -(off - 4) / 2));
        var (i, _, _) = All(Concat(parts.ToArray()));
        Assert.That((i.G[2], i.G[3]), Is.EqualTo((0x12345678UL, 3UL)));
    }

    [Test]
    public void Run_slices_end_at_the_same_instruction_boundaries_inside_blocks()
    {
        // a loop of long blocks; the run budget ends every few cycles, mostly in the middle of a block: after every
        // slice both engines must stand at the same instruction with the same cycles
        var parts = new List<byte[]> { Assembler.Encode("LGHI", r1: 9, i2: 200) };
        for (int k = 0; k < 12; k++) parts.Add(Assembler.Encode("AHI", r1: 2 + k % 4, i2: k + 1));
        parts.Add(Assembler.Encode("BRCT", r1: 9, ri2: -(12 * 4) / 2));
        var code = Concat(parts.ToArray());
        using var a = new EngineHarness();
        using var b = new EngineHarness();
        a.Load(code); b.Load(code);
        var interp = EngineHarness.Interpreter();
        var t1 = FirstTierOnly();
        a.Cpu.LoadPsw(Psw.EA | Psw.BA, EngineHarness.Code);
        b.Cpu.LoadPsw(Psw.EA | Psw.BA, EngineHarness.Code);
        int[] steps = [7, 3, 11, 5, 13, 2, 17];
        for (int s = 0; s < 2000; s++)
        {
            ulong slice = (ulong)steps[s % steps.Length];
            a.Cpu.BudgetEnd = a.Cpu.Cycles + slice;
            b.Cpu.BudgetEnd = b.Cpu.Cycles + slice;
            a.Cpu.RecheckEvents();
            b.Cpu.RecheckEvents();
            var ea = interp.Run(a.Cpu);
            var eb = t1.Run(b.Cpu);
            Assert.That((eb, b.Cpu.PswAddr, b.Cpu.Cycles, b.Cpu.Instructions), Is.EqualTo((ea, a.Cpu.PswAddr, a.Cpu.Cycles, a.Cpu.Instructions)), $"slice {s}");
            if (ea == CpuExit.Wait) break;
        }
        Assert.That(a.Cpu.PswAddr, Is.EqualTo(EngineHarness.DoneWait));
        Assert.That(t1.FirstTier.BlocksDecoded, Is.LessThan(200), "blocks are reused across slices");
    }
}
