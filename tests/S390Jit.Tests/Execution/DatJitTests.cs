using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution.Jit;

namespace S390Jit.Tests.Execution;

/// <summary>
/// Compiled code under DAT: regions are keyed by the virtual address and the fetch ASCE and run only while
/// their page still translates to the frame they were compiled from; TLB misses stay in compiled code; stores
/// into code through another virtual page of its frame are seen at once. Interpreter, JIT and the JIT verified
/// against the interpreter in lockstep must agree on every register, the PSW, cycles and storage.
/// </summary>
public class DatJitTests
{
    // one segment table (segments 0-511), segment 0 identity-mapped, segment 1 (VA 1 MiB-2 MiB) mapped per test
    private const ulong SegmentTable = 0x80000, PageTable0 = 0x84000, PageTable1 = 0x84800, Segment1 = 0x100000;
    private const ulong FrameA = 0x50000, FrameB = 0x53000, FrameC = 0x56000;

    private static void Put64(EngineHarness h, ulong a, ulong v)
    {
        var m = h.Mem(a, 8);
        for (int i = 0; i < 8; i++) m[i] = (byte)(v >> (56 - 8 * i));
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>The tables; <paramref name="map"/>: (page index in segment 1, frame).</summary>
    private static void Tables(EngineHarness h, params (int Page, ulong Frame)[] map)
    {
        for (ulong s = 0; s < 512; s++) Put64(h, SegmentTable + s * 8, TableEntry.Invalid);
        Put64(h, SegmentTable, PageTable0);
        Put64(h, SegmentTable + 8, PageTable1);
        for (ulong p = 0; p < 256; p++)
        {
            Put64(h, PageTable0 + p * 8, p << 12);
            Put64(h, PageTable1 + p * 8, TableEntry.PageInvalid);
        }
        foreach (var (page, frame) in map) Put64(h, PageTable1 + (ulong)page * 8, frame);
        h.Cpu.Cr[1] = SegmentTable; // segment-table designation, length 512 entries
    }

    private sealed record Outcome(CpuSnapshot Snap, ulong Teid, JitStats? Stats);

    /// <summary>Runs the same setup under the interpreter, the JIT and the verifying JIT.</summary>
    private static (Outcome Interp, Outcome Jit, Outcome Verified) All(Action<EngineHarness> setup)
    {
        Outcome One(Func<S390Jit.Execution.IExecutionEngine> engine)
        {
            using var h = new EngineHarness();
            setup(h);
            var e = engine();
            var snap = h.Run(e, mask: Psw.Dat);
            var teid = h.Mem(Lowcore.TransExcId, 8);
            ulong t = 0;
            for (int i = 0; i < 8; i++) t = (t << 8) | teid[i];
            return new Outcome(snap, t, (e as JitEngine)?.Stats);
        }
        var i = One(EngineHarness.Interpreter);
        TestContext.Out.WriteLine($"interpreter: psw {i.Snap.PswAddr:x} pgm {i.Snap.PgmCode:x} teid {i.Teid:x} r2 {i.Snap.G[2]} instructions {i.Snap.Instructions}");
        return (i,
                One(() => new JitEngine(new JitOptions { Background = false, HotThreshold = 1, MissRebuildThreshold = 64 })),
                // (the first compiles natively where the native tier exists; the verified one through RyuJIT)
                One(() => new JitEngine(new JitOptions { Background = false, HotThreshold = 1, MissRebuildThreshold = 64, Verify = true, NativeRegions = false })));
    }

    private static void AssertSame((Outcome Interp, Outcome Jit, Outcome Verified) r, bool verifies = true)
    {
        Assert.That(r.Jit.Snap.Diff(r.Interp.Snap), Is.Empty, "jit vs interpreter");
        Assert.That(r.Verified.Snap.Diff(r.Interp.Snap), Is.Empty, "verified jit vs interpreter");
        Assert.That(r.Jit.Teid, Is.EqualTo(r.Interp.Teid), "TEID");
        Assert.That(r.Jit.Stats!.CompiledInstructions, Is.GreaterThan(0), "code under DAT ran compiled");
        if (verifies) Assert.That(r.Verified.Stats!.Verified, Is.GreaterThan(0), "region runs were verified");
    }

    /// <summary>The callee of the remapping tests: adds <paramref name="add"/> to r2 50 times, returns through r14.</summary>
    private static byte[] AddLoop(int add) => Concat(
        Assembler.Encode("LGHI", r1: 3, i2: 50),
        Assembler.Encode("AGHI", r1: 2, i2: add),
        Assembler.Encode("BRCT", r1: 3, ri2: -2),
        Assembler.Encode("BCR", r1: 15, r2: 14));

    [Test]
    public void Remapping_a_code_page_with_IPTE_runs_the_new_frame_code()
    {
        // frame A: loop adding 1, frame B: loop adding 1000, both at VA 1 MiB; the caller alternates the page's
        // frame with IPTE + a new page-table entry between calls
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 6),                 // 0
            Assembler.Encode("LLILF", r1: 4, i2: (long)PageTable1), // 4   the page-table entry of VA 1 MiB
            Assembler.Encode("LLILF", r1: 5, i2: (long)Segment1),   // 10
            Assembler.Encode("LLILF", r1: 6, i2: (long)FrameA),     // 16
            Assembler.Encode("LLILF", r1: 8, i2: (long)(FrameA ^ FrameB)), // 22
            Assembler.Encode("LLILF", r1: 10, i2: (long)PageTable1),// 28
            Assembler.Encode("BASR", r1: 14, r2: 5),                // 34 outer
            Assembler.Encode("IPTE", r1: 10, r2: 5),                // 36
            Assembler.Encode("XGR", r1: 6, r2: 8),                  // 40
            Assembler.Encode("STG", r1: 6, b2: 4, d2: 0),           // 44
            Assembler.Encode("BRCT", r1: 9, ri2: (34 - 50) / 2));   // 50
        var r = All(h =>
        {
            Tables(h, (0, FrameA));
            AddLoop(1).CopyTo(h.Mem(FrameA, 14));
            AddLoop(1000).CopyTo(h.Mem(FrameB, 14));
            h.Load(code);
        });
        Assert.That(r.Interp.Snap.G[2], Is.EqualTo(3UL * 50 + 3UL * 50 * 1000));
        AssertSame(r);
        Assert.That(r.Jit.Stats!.DatRemaps, Is.GreaterThan(0), "entries of the old frame were dropped");
    }

    [Test]
    public void A_chained_link_into_a_remapped_page_is_not_followed()
    {
        // the caller calls the callee at VA 1 MiB twice per iteration, once through a computed exit (BASR: the region's
        // predicted entry) and once through a constant one (BRASL: the exit site's link), then remaps the page (frame A:
        // immediate 1, frame B: 1000) with IPTE + a new page-table entry; the IPTE leaves the region, so the next run,
        // which links to the callee, changes no translation itself: the link must still check the callee page's frame
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 6),                 // 0
            Assembler.Encode("LLILF", r1: 4, i2: (long)PageTable1), // 4   the page-table entry of VA 1 MiB
            Assembler.Encode("LLILF", r1: 5, i2: (long)Segment1),   // 10
            Assembler.Encode("LLILF", r1: 6, i2: (long)FrameA),     // 16
            Assembler.Encode("LLILF", r1: 8, i2: (long)(FrameA ^ FrameB)), // 22
            Assembler.Encode("LLILF", r1: 10, i2: (long)PageTable1),// 28
            Assembler.Encode("BASR", r1: 14, r2: 5),                // 34 outer
            Assembler.Encode("BRASL", r1: 14, ri2: (long)(Segment1 - (EngineHarness.Code + 36)) / 2), // 36
            Assembler.Encode("IPTE", r1: 10, r2: 5),                // 42
            Assembler.Encode("XGR", r1: 6, r2: 8),                  // 46
            Assembler.Encode("STG", r1: 6, b2: 4, d2: 0),           // 50
            Assembler.Encode("BRCT", r1: 9, ri2: (34 - 56) / 2));   // 56
        var r = All(h =>
        {
            Tables(h, (0, FrameA));
            AddLoop(1).CopyTo(h.Mem(FrameA, 14));
            AddLoop(1000).CopyTo(h.Mem(FrameB, 14));
            h.Load(code);
        });
        Assert.That(r.Interp.Snap.G[2], Is.EqualTo(3UL * 2 * 50 + 3UL * 2 * 50 * 1000));
        AssertSame(r);
        Assert.That(r.Jit.Stats!.ChainedRuns, Is.GreaterThan(0), "regions were chained");
    }

    [Test]
    public void An_instruction_crossing_into_a_remapped_page_runs_the_new_frame_bytes()
    {
        // a loop whose AGHI crosses from VA 1 MiB + 4 KiB - 2 (frame A) into the next page, whose frame (B: immediate 1,
        // C: immediate 1000) the caller alternates with IPTE + a new page-table entry between calls: the first tier's
        // block of the crossing instruction and the compiled code that runs it (RegionEmitter.FetchGuard) must check the
        // second page's frame too
        const ulong entry = Segment1 + 0xFFA;
        var aghi = Assembler.Encode("AGHI", r1: 2, i2: 1);
        var page0 = Concat(Assembler.Encode("LGHI", r1: 3, i2: 50), aghi[..2]);   // FFA, AGHI at FFE
        static byte[] Page1(int add) => Concat(
            Assembler.Encode("AGHI", r1: 2, i2: add)[2..],                        // 1000: the AGHI's immediate
            Assembler.Encode("BRCT", r1: 3, ri2: -2),                             // 1002 -> FFE
            Assembler.Encode("BCR", r1: 15, r2: 14));                             // 1006
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 6),                      // 0
            Assembler.Encode("LLILF", r1: 4, i2: (long)PageTable1 + 8),  // 4   the page-table entry of VA 1 MiB + 4 KiB
            Assembler.Encode("LLILF", r1: 5, i2: (long)entry),           // 10
            Assembler.Encode("LLILF", r1: 6, i2: (long)FrameB),          // 16
            Assembler.Encode("LLILF", r1: 8, i2: (long)(FrameB ^ FrameC)), // 22
            Assembler.Encode("LLILF", r1: 10, i2: (long)PageTable1),     // 28
            Assembler.Encode("LLILF", r1: 11, i2: (long)Segment1 + 0x1000), // 34
            Assembler.Encode("BASR", r1: 14, r2: 5),                     // 40 outer
            Assembler.Encode("IPTE", r1: 10, r2: 11),                    // 42
            Assembler.Encode("XGR", r1: 6, r2: 8),                       // 46
            Assembler.Encode("STG", r1: 6, b2: 4, d2: 0),                // 50
            Assembler.Encode("BRCT", r1: 9, ri2: (40 - 56) / 2));        // 56
        var r = All(h =>
        {
            Tables(h, (0, FrameA), (1, FrameB));
            page0.CopyTo(h.Mem(FrameA + 0xFFA, page0.Length));
            Page1(1).CopyTo(h.Mem(FrameB, 8));
            Page1(1000).CopyTo(h.Mem(FrameC, 8));
            h.Load(code);
        });
        Assert.That(r.Interp.Snap.G[2], Is.EqualTo(3UL * 50 + 3UL * 50 * 1000));
        AssertSame(r);
    }

    [Test]
    public void A_store_into_code_through_an_alias_page_is_seen_by_the_next_instruction()
    {
        // frame C at VA 1 MiB + 16 KiB and again at + 20 KiB; the loop rewrites the immediate of its AHI through the second page
        const ulong va = Segment1 + 0x4000, alias = Segment1 + 0x5000;
        var callee = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 4),                       // 0
            Assembler.Encode("LLILF", r1: 5, i2: (long)(alias + 14)),      // 4
            Assembler.Encode("STH", r1: 9, b2: 5, d2: 2),                  // 10 loop
            Assembler.Encode("AHI", r1: 2, i2: 0),                         // 14
            Assembler.Encode("BRCT", r1: 9, ri2: (10 - 18) / 2),           // 18
            Assembler.Encode("BCR", r1: 15, r2: 14));                      // 22
        var code = Concat(
            Assembler.Encode("LGHI", r1: 7, i2: 3),
            Assembler.Encode("LLILF", r1: 6, i2: (long)va),
            Assembler.Encode("BASR", r1: 14, r2: 6),                       // 10
            Assembler.Encode("BRCT", r1: 7, ri2: -1));                     // 12 (3 calls: the code rewrites itself each time)
        var r = All(h =>
        {
            Tables(h, (4, FrameC), (5, FrameC));
            callee.CopyTo(h.Mem(FrameC, callee.Length));
            h.Load(code);
        });
        // each AHI adds the value stored just before it: 4+3+2+1 per call
        Assert.That(r.Interp.Snap.G[2], Is.EqualTo(30UL));
        AssertSame(r);
        Assert.That(r.Jit.Stats!.Invalidations, Is.GreaterThan(0));
    }

    [Test]
    public void Stores_into_data_beside_code_through_an_alias_page_keep_the_code()
    {
        // frame C at VA 1 MiB + 16 KiB and again at + 20 KiB; the loop stores into its own frame's data (offset 0x800)
        // through the second page: no translation of the frame is dropped
        const ulong va = Segment1 + 0x4000, alias = Segment1 + 0x5000;
        var callee = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 500),                     // 0
            Assembler.Encode("LLILF", r1: 5, i2: (long)(alias + 0x800)),   // 4
            Assembler.Encode("ST", r1: 9, b2: 5, d2: 0),                   // 10 loop
            Assembler.Encode("AHI", r1: 2, i2: 1),                         // 14
            Assembler.Encode("BRCT", r1: 9, ri2: (10 - 18) / 2),           // 18
            Assembler.Encode("L", r1: 3, b2: 5, d2: 0),                    // 22
            Assembler.Encode("BCR", r1: 15, r2: 14));                      // 26
        var code = Concat(
            Assembler.Encode("LGHI", r1: 7, i2: 3),
            Assembler.Encode("LLILF", r1: 6, i2: (long)va),
            Assembler.Encode("BASR", r1: 14, r2: 6),                       // 10
            Assembler.Encode("BRCT", r1: 7, ri2: -1));                     // 12
        var r = All(h =>
        {
            Tables(h, (4, FrameC), (5, FrameC));
            callee.CopyTo(h.Mem(FrameC, callee.Length));
            h.Load(code);
        });
        Assert.That(r.Interp.Snap.G[2], Is.EqualTo(1500UL));
        Assert.That(r.Interp.Snap.G[3], Is.EqualTo(1UL));
        AssertSame(r);
        Assert.That(r.Jit.Stats!.Invalidations, Is.Zero);
        Assert.That(r.Jit.Stats!.RegionsDiscarded, Is.Zero);
    }

    [Test]
    public void Frequent_tlb_misses_under_DAT_stay_in_compiled_code()
    {
        // two virtual pages of one frame whose cache entries collide: every access of the loop misses
        const ulong aliasOfScratch = Segment1 + EngineHarness.Scratch;
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 2000),                        // 0
            Assembler.Encode("LLILF", r1: 5, i2: (long)EngineHarness.Scratch), // 4
            Assembler.Encode("LLILF", r1: 6, i2: (long)aliasOfScratch),        // 10
            Assembler.Encode("LG", r1: 7, b2: 5, d2: 0),                      // 16 loop
            Assembler.Encode("AGHI", r1: 7, i2: 3),                           // 22
            Assembler.Encode("STG", r1: 7, b2: 6, d2: 8),                     // 26
            Assembler.Encode("LG", r1: 8, b2: 6, d2: 8),                      // 32
            Assembler.Encode("AGR", r1: 2, r2: 8),                            // 38
            Assembler.Encode("STG", r1: 9, b2: 5, d2: 0),                     // 42
            Assembler.Encode("BRCT", r1: 9, ri2: (16 - 48) / 2));             // 48
        var r = All(h =>
        {
            Tables(h, ((int)(EngineHarness.Scratch >> 12), EngineHarness.Scratch));
            h.Load(code);
        });
        AssertSame(r);
        // 8000 misses: the first ones re-execute in the interpreter (each region that runs the loop counts its own),
        // then the region is rebuilt and its misses stay compiled
        Assert.That(r.Jit.Stats!.Reexecutions, Is.LessThan(8000 / 8), "misses left compiled code");
        Assert.That(r.Jit.Stats!.CompiledInstructions, Is.GreaterThan(2000 * 6 / 2));
    }

    [Test]
    public void A_page_translation_exception_in_compiled_code_is_the_interpreters()
    {
        // reads successive pages of segment 1; the ninth page is invalid: page-translation exception, nullified, TEID
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 100),
            Assembler.Encode("LLILF", r1: 5, i2: (long)(Segment1 + 0xA0000)),
            Assembler.Encode("LG", r1: 7, b2: 5, d2: 8),                      // 10 loop
            Assembler.Encode("AGR", r1: 2, r2: 7),                            // 16
            Assembler.Encode("AGHI", r1: 5, i2: 4096),                        // 20
            Assembler.Encode("BRCT", r1: 9, ri2: (10 - 24) / 2));             // 24
        var r = All(h =>
        {
            Tables(h, Enumerable.Range(0, 8).Select(i => (0xA0 + i, 0x60000UL + (ulong)i * 4096)).ToArray());
            for (int i = 0; i < 8; i++) Put64(h, 0x60008 + (ulong)i * 4096, (ulong)i + 1);
            h.Load(code);
        });
        Assert.That(r.Interp.Snap.PgmCode, Is.EqualTo(PgmCode.PageTranslation));
        Assert.That(r.Interp.Snap.G[2], Is.EqualTo(36UL));
        Assert.That(r.Interp.Teid & ~0xFFFUL, Is.EqualTo(Segment1 + 0xA8000));
        AssertSame(r, verifies: false); // (one region run, ended by the exception)
    }
}
