using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution.Jit;

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

    /// <summary>Places instructions at offsets from <see cref="EngineHarness.Code"/> (zero bytes between them).</summary>
    private static byte[] Layout(params (int Offset, byte[] Bytes)[] parts)
    {
        var code = new byte[parts.Max(p => p.Offset + p.Bytes.Length)];
        foreach (var (off, b) in parts) b.CopyTo(code, off);
        return code;
    }

    private sealed record Outcome(string Engine, CpuSnapshot Snap, JitEngine? Jit);

    /// <summary>Runs code under the interpreter, the first tier alone, the JIT and the JIT verified in lockstep.</summary>
    private static Outcome[] AllEngines(byte[] code)
    {
        Outcome One(string name, Func<S390Jit.Execution.IExecutionEngine> make)
        {
            using var h = new EngineHarness();
            h.Load(code);
            var e = make();
            return new Outcome(name, h.Run(e), e as JitEngine);
        }
        return
        [
            One("interpreter", EngineHarness.Interpreter),
            One("tier1", () => new JitEngine(new JitOptions { Background = false, HotThreshold = int.MaxValue })),
            One("jit", () => new JitEngine(new JitOptions { Background = false, HotThreshold = 1, MissRebuildThreshold = 64 })),
            One("verify-jit", () => new JitEngine(new JitOptions { Background = false, HotThreshold = 1, MissRebuildThreshold = 64, Verify = true })),
            // (the two above compile natively first where the native tier exists; these through RyuJIT only)
            One("jit-ryujit", () => new JitEngine(new JitOptions { Background = false, HotThreshold = 1, MissRebuildThreshold = 64, NativeRegions = false })),
            One("verify-jit-ryujit", () => new JitEngine(new JitOptions { Background = false, HotThreshold = 1, MissRebuildThreshold = 64, Verify = true, NativeRegions = false })),
        ];
    }

    private static void AssertSame(Outcome[] r)
    {
        foreach (var o in r.Skip(1)) Assert.That(o.Snap.Diff(r[0].Snap), Is.Empty, $"{o.Engine} vs interpreter");
    }

    // Code and data share the harness's code frame: chunk 5 (offsets 0x140-0x17F) holds only data, the
    // loops sit in chunk 6 (0x180-) and the set-up before them in chunk 0.

    [Test]
    public void A_hot_loop_storing_into_data_beside_its_code_stays_compiled()
    {
        // 0 LGHI 9,3000 | 4 LARL 5,data | 10 BRC 15,loop | 0x180 loop: ST 9,0(5) | STG 9,56(5) (the data chunk's last
        // bytes, next to the loop's first) | AHI 2,1 | BRCT 9,loop | L 3,0(5) | LG 4,56(5)
        const int data = 0x140, loop = 0x180;
        var code = Layout(
            (0, Assembler.Encode("LGHI", r1: 9, i2: 3000)),
            (4, Assembler.Encode("LARL", r1: 5, ri2: (data - 4) / 2)),
            (10, Assembler.Encode("BRC", m1: 15, ri2: (loop - 10) / 2)),
            (loop, Assembler.Encode("ST", r1: 9, b2: 5, d2: 0)),
            (loop + 4, Assembler.Encode("STG", r1: 9, b2: 5, d2: 0x3F - 7)),
            (loop + 10, Assembler.Encode("AHI", r1: 2, i2: 1)),
            (loop + 14, Assembler.Encode("BRCT", r1: 9, ri2: -14 / 2)),
            (loop + 18, Assembler.Encode("L", r1: 3, b2: 5, d2: 0)),
            (loop + 22, Assembler.Encode("LG", r1: 4, b2: 5, d2: 0x3F - 7)));
        var r = AllEngines(code);
        Assert.That(r[0].Snap.G[2], Is.EqualTo(3000UL));
        Assert.That(r[0].Snap.G[3], Is.EqualTo(1UL), "the last value stored");
        Assert.That(r[0].Snap.G[4], Is.EqualTo(1UL));
        AssertSame(r);
        foreach (var o in r.Skip(1))
        {
            Assert.That(o.Jit!.Stats.Invalidations, Is.Zero, $"{o.Engine}: no region invalidated");
            Assert.That(o.Jit.Stats.RegionsDiscarded, Is.Zero, $"{o.Engine}: no region discarded");
            Assert.That(o.Jit.FirstTier.BlocksDecoded, Is.LessThan(10), $"{o.Engine}: blocks decoded once");
        }
        var jit = r[2].Jit!.Stats;
        Assert.That(jit.CompiledInstructions, Is.GreaterThan(jit.InterpretedInstructions * 10), "the loop ran compiled");
    }

    [Test]
    public void Patching_code_in_one_chunk_keeps_the_translations_of_the_others()
    {
        // 0 LGHI 9,500 | 4 LARL 5,0x282 (the AHI's immediate in chunk 10) | 10 LARL 6,0x280 | 16 BRC 15,loop
        // 0x180 loop (chunk 6): BASR 14,6 (a computed call: the callee is no block of this region) | STH 9,0(5) | BRCT 9,loop
        //   | BRC 15,end
        // 0x280 (chunk 10): AHI 3,<patched> | BCR 15,14
        // every iteration rewrites the callee's immediate: the callee's translations go each time, the loop's stay
        const int loop = 0x180, callee = 0x280, end = 0x2C0;
        var code = Layout(
            (0, Assembler.Encode("LGHI", r1: 9, i2: 500)),
            (4, Assembler.Encode("LARL", r1: 5, ri2: (callee + 2 - 4) / 2)),
            (10, Assembler.Encode("LARL", r1: 6, ri2: (callee - 10) / 2)),
            (16, Assembler.Encode("BRC", m1: 15, ri2: (loop - 16) / 2)),
            (loop, Assembler.Encode("BASR", r1: 14, r2: 6)),
            (loop + 2, Assembler.Encode("STH", r1: 9, b2: 5, d2: 0)),
            (loop + 6, Assembler.Encode("BRCT", r1: 9, ri2: -6 / 2)),
            (loop + 10, Assembler.Encode("BRC", m1: 15, ri2: (end - loop - 10) / 2)),
            (callee, Assembler.Encode("AHI", r1: 3, i2: 0)),
            (callee + 4, Assembler.Encode("BCR", r1: 15, r2: 14)),
            (end, Assembler.Encode("LGR", r1: 4, r2: 3)));
        var r = AllEngines(code);
        Assert.That(r[0].Snap.G[3], Is.EqualTo(500UL * 501 / 2 - 1), "each call adds the value stored in the previous iteration");
        AssertSame(r);
        var jit = r[2].Jit!.Stats;
        Assert.That(jit.Invalidations, Is.GreaterThan(100), "the callee's regions were invalidated");
        Assert.That(jit.Invalidations, Is.LessThan(520), "the loop's region was not (one invalidation per iteration at most)");
        Assert.That(jit.CompiledInstructions, Is.GreaterThan(1000), "the loop ran compiled");
    }

    [Test]
    public void A_store_into_the_second_page_of_a_compiled_page_crossing_instruction_is_seen()
    {
        // a loop whose AHI crosses from one page into the next (its immediate at 0x1000 from the code's start); every
        // iteration stores the count into that immediate: compiled code holding the crossing AHI must see each store
        // 0 LGHI 9,300 | 4 LARL 5,0x1000 | 10 BRC 15,loop | 0xFF6 loop: STH 9,0(5) | 0xFFA BRC 15,0xFFE (a block start)
        //   | 0xFFE AHI 2,0 (crosses) | 0x1002 BRCT 9,loop
        const int loop = 0xFF6, ahi = 0xFFE;
        var code = Layout(
            (0, Assembler.Encode("LGHI", r1: 9, i2: 300)),
            (4, Assembler.Encode("LARL", r1: 5, ri2: (0x1000 - 4) / 2)),
            (10, Assembler.Encode("BRC", m1: 15, ri2: (loop - 10) / 2)),
            (loop, Assembler.Encode("STH", r1: 9, b2: 5, d2: 0)),
            (loop + 4, Assembler.Encode("BRC", m1: 15, ri2: 2)),
            (ahi, Assembler.Encode("AHI", r1: 2, i2: 0)),
            (ahi + 4, Assembler.Encode("BRCT", r1: 9, ri2: -(ahi + 4 - loop) / 2)));
        var r = AllEngines(code);
        Assert.That(r[0].Snap.G[2], Is.EqualTo(300UL * 301 / 2), "each AHI adds the count stored just before it");
        AssertSame(r);
    }

    [Test]
    public void A_store_straddling_a_chunk_boundary_into_code_is_seen_by_the_next_instruction()
    {
        // ST writes 4 bytes at 0x17E: two of the data chunk, then the first halfword of the AHI at 0x180 (chunk 6),
        // alternating it between AHI 2,1 and AHI 3,1
        // 0 LGHI 9,100 | 4 LARL 5,0x17E | 10 LLILF 6,0xA72A | 16 BRC 15,loop
        // 0x180 loop: AHI 2,1 | XILF 6,0x10 | ST 6,0(5) | BRCT 9,loop | ST 2,0x40(5) (data again)
        const int loop = 0x180, target = 0x17E;
        var code = Layout(
            (0, Assembler.Encode("LGHI", r1: 9, i2: 100)),
            (4, Assembler.Encode("LARL", r1: 5, ri2: (target - 4) / 2)),
            (10, Assembler.Encode("LLILF", r1: 6, i2: 0xA72A)),
            (16, Assembler.Encode("BRC", m1: 15, ri2: (loop - 16) / 2)),
            (loop, Assembler.Encode("AHI", r1: 2, i2: 1)),
            (loop + 4, Assembler.Encode("XILF", r1: 6, i2: 0x10)),
            (loop + 10, Assembler.Encode("ST", r1: 6, b2: 5, d2: 0)),
            (loop + 14, Assembler.Encode("BRCT", r1: 9, ri2: -14 / 2)));
        Assert.That(code[loop], Is.EqualTo(0xA7));
        Assert.That(code[loop + 1], Is.EqualTo(0x2A), "AHI 2,i2's first halfword");
        var r = AllEngines(code);
        Assert.That(r[0].Snap.G[2], Is.EqualTo(50UL), "AHI 2,1 on odd iterations");
        Assert.That(r[0].Snap.G[3], Is.EqualTo(50UL), "AHI 3,1 on even ones");
        AssertSame(r);
        Assert.That(r[2].Jit!.Stats.Invalidations, Is.GreaterThan(0));
        Assert.That(r[1].Jit!.FirstTier.BlocksDecoded, Is.GreaterThan(50), "the first tier decoded the block again after each store");
    }

    [Test]
    public void Stores_into_data_and_into_code_of_one_frame_in_one_loop()
    {
        // each iteration stores into the data chunk, then rewrites the immediate of the AHI that follows
        // 0 LGHI 9,200 | 4 LARL 5,0x140 | 10 LARL 7,ahi | 16 BRC 15,loop
        // 0x180 loop: ST 9,0(5) | STH 9,2(7) | ahi: AHI 2,0 | BRCT 9,loop | L 3,0(5)
        const int data = 0x140, loop = 0x180, ahi = loop + 8;
        var code = Layout(
            (0, Assembler.Encode("LGHI", r1: 9, i2: 200)),
            (4, Assembler.Encode("LARL", r1: 5, ri2: (data - 4) / 2)),
            (10, Assembler.Encode("LARL", r1: 7, ri2: (ahi - 10) / 2)),
            (16, Assembler.Encode("BRC", m1: 15, ri2: (loop - 16) / 2)),
            (loop, Assembler.Encode("ST", r1: 9, b2: 5, d2: 0)),
            (loop + 4, Assembler.Encode("STH", r1: 9, b2: 7, d2: 2)),
            (ahi, Assembler.Encode("AHI", r1: 2, i2: 0)),
            (ahi + 4, Assembler.Encode("BRCT", r1: 9, ri2: -(ahi + 4 - loop) / 2)),
            (ahi + 8, Assembler.Encode("L", r1: 3, b2: 5, d2: 0)));
        var r = AllEngines(code);
        Assert.That(r[0].Snap.G[2], Is.EqualTo(200UL * 201 / 2), "each AHI adds the value stored just before it");
        Assert.That(r[0].Snap.G[3], Is.EqualTo(1UL));
        AssertSame(r);
        Assert.That(r[2].Jit!.Stats.Invalidations, Is.GreaterThan(0));
    }
}
