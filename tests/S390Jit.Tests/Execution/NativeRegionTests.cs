using S390Jit.Architecture.Isa;
using S390Jit.Execution.Native;

namespace S390Jit.Tests.Execution;

/// <summary>
/// Regions compiled natively (<see cref="NativeRegions"/>): translated accesses crossing a page (left to the interpreter),
/// the helpers they leave to it (MVC with overlapping operands, XC, IPM), and calls and returns (chained exits, computed
/// exits) give the interpreter's state, and the mechanisms are the ones that ran.
/// </summary>
public class NativeRegionTests
{
    private static byte[] E(string m, int r1 = 0, int r2 = 0, int b1 = 0, long d1 = 0, int b2 = 0, long d2 = 0, int l1 = 0, long i2 = 0, long ri2 = 0, int m1 = 0) =>
        Assembler.Encode(m, r1: r1, r2: r2, b1: b1, d1: d1, b2: b2, d2: d2, l1: l1, i2: i2, ri2: ri2, m1: m1);

    [SetUp]
    public void NativeCode()
    {
        if (!ExecutableMemory.Available) Assert.Ignore("native code needs Linux on x86-64");
    }

    private static (CpuSnapshot Interp, CpuSnapshot Native, S390Jit.Execution.Jit.JitStats Stats) Both(byte[] prologue, byte[] body) =>
        Both(EngineHarness.LoopWithTrapCounter(prologue, body, out _));

    /// <summary>Runs <paramref name="code"/> (scratch storage seeded alike) under the interpreter and with native regions: the same state.</summary>
    private static (CpuSnapshot Interp, CpuSnapshot Native, S390Jit.Execution.Jit.JitStats Stats) Both(byte[] code)
    {
        using var a = new EngineHarness();
        using var b = new EngineHarness();
        a.Load(code);
        b.Load(code);
        var seed = new Random(7);
        var scratch = new byte[EngineHarness.ScratchSize];
        seed.NextBytes(scratch);
        scratch.CopyTo(a.Mem(EngineHarness.Scratch, scratch.Length));
        scratch.CopyTo(b.Mem(EngineHarness.Scratch, scratch.Length));
        var si = a.Run(EngineHarness.Interpreter());
        var jit = EngineHarness.JitNative();
        var sn = b.Run(jit);
        Assert.That(sn.Diff(si), Is.Empty, "native regions vs interpreter");
        return (si, sn, jit.Stats);
    }

    [Test]
    public void Helpers_and_page_crossings_are_the_interpreters()
    {
        // r4: scratch; r5: scratch + 0xff0 (operands of 32 bytes there cross into the next page)
        byte[] prologue = [.. E("LGHI", r1: 9, i2: 30), .. E("LGFI", r1: 4, i2: (long)EngineHarness.Scratch),
            .. E("LGFI", r1: 5, i2: (long)EngineHarness.Scratch + 0xff0)];
        byte[] body =
        [
            .. E("AHI", r1: 3, i2: 1), .. E("STC", r1: 3, b2: 4, d2: 0x100),
            .. E("MVC", b1: 4, d1: 0x101, l1: 62, b2: 4, d2: 0x100),   // destination inside the source: the byte propagates
            .. E("MVC", b1: 4, d1: 0x200, l1: 99, b2: 4, d2: 0x180),   // destination after the source, overlapping
            .. E("MVC", b1: 4, d1: 0x300, l1: 255, b2: 4, d2: 0x340),  // destination before the source, overlapping
            .. E("MVC", b1: 5, d1: 0x8, l1: 31, b2: 4, d2: 0x10),      // destination crosses a page: the interpreter's
            .. E("XC", b1: 4, d1: 0x400, l1: 40, b2: 4, d2: 0x400),    // clear: cc 0
            .. E("LG", r1: 6, b2: 4, d2: 0x200), .. E("AGR", r1: 7, r2: 6),
            .. E("LG", r1: 10, b2: 5, d2: 0xc),                        // a translated load across the page
            .. E("XC", b1: 5, d1: 0x4, l1: 31, b2: 5, d2: 0x4),        // a clear across the page: the interpreter's
            .. E("XC", b1: 4, d1: 0x500, l1: 7, b2: 4, d2: 0x508),     // a general XC: a helper
            .. E("IPM", r1: 8),
        ];
        var (_, _, stats) = Both(prologue, body);
        Assert.That(stats.NativeRegions, Is.GreaterThan(0));
        Assert.That(stats.HelperExits, Is.GreaterThan(0), "MVC, XC and IPM are left to the interpreter");
        Assert.That(stats.Reexecutions, Is.GreaterThan(0), "a load across a page leaves native code");
    }

    [Test]
    public void Calls_and_returns_between_native_regions_are_the_interpreters()
    {
        // a loop calls a function 500 times through BRASL and returns through BR r14 (a computed exit)
        const int fn = 64;
        byte[] prologue = [.. E("LGHI", r1: 9, i2: 500), .. E("LGHI", r1: 3, i2: 0)];
        int call = prologue.Length;
        byte[] body = [.. E("BRASL", r1: 14, ri2: (fn - call) / 2), .. E("AHI", r1: 3, i2: 2)];
        var code = EngineHarness.LoopWithTrapCounter(prologue, body, out _);
        byte[] f = [.. E("AHI", r1: 3, i2: 5), .. E("SLL", r1: 3, d2: 1), .. E("BCR", m1: 15, r2: 14)];
        // the loop's end jumps past the function to the harness's final LPSWE
        var padded = new byte[fn + f.Length];
        code.CopyTo(padded, 0);
        E("BRC", m1: 15, ri2: (padded.Length - code.Length) / 2).CopyTo(padded, code.Length);
        f.CopyTo(padded, fn);
        var (_, _, stats) = Both(padded);
        Assert.That(stats.NativeRegions, Is.GreaterThan(0));
    }
}
