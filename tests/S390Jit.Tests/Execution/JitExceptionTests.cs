using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Execution;

/// <summary>
/// Program exceptions compiled code must raise exactly as the interpreter does (issue 12 item 4,
/// found by fuzzing): both engines run the same code and must end in the same state.
/// </summary>
public class JitExceptionTests
{
    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static (CpuSnapshot Interp, CpuSnapshot Jit) Both(byte[] code, Action<EngineHarness>? setUp = null)
    {
        using var a = new EngineHarness();
        using var b = new EngineHarness();
        foreach (var h in new[] { a, b }) { h.Load(code); setUp?.Invoke(h); }
        var si = a.Run(EngineHarness.Interpreter());
        var sj = b.Run(EngineHarness.Jit());
        if (S390Jit.Execution.Native.ExecutableMemory.Available)
        {
            // the same code in native regions (what they leave to the interpreter raises there)
            using var c = new EngineHarness();
            c.Load(code);
            setUp?.Invoke(c);
            Assert.That(c.Run(EngineHarness.JitNative()).Diff(si), Is.Empty, "native regions vs interpreter");
        }
        return (si, sj);
    }

    [Test]
    public void A_hot_branch_target_at_an_odd_address_raises_the_specification_exception_every_time()
    {
        // a loop branches (BCR 15,r1) to an odd address three times; the program-interruption handler
        // counts in r7 and resumes the loop. The bytes at the odd address would decode as AHI r8,1;
        // BCR 15,r14: code that must never run.
        const int loop = 20, next = 22, brcEnd = 26, handler = 30, back = 34, tgt = 38, end = 46;
        var code = Concat(
            Assembler.Encode("LGHI", r1: 9, i2: 3),
            Assembler.Encode("LARL", r1: 1, ri2: (tgt - 4) / 2),
            Assembler.Encode("LA", r1: 1, b2: 1, d2: 1),
            Assembler.Encode("LARL", r1: 14, ri2: (next - 14) / 2),
            Assembler.Encode("BCR", r1: 15, r2: 1),
            Assembler.Encode("BRCT", r1: 9, ri2: (loop - next) / 2),
            Assembler.Encode("BRC", m1: 15, ri2: (end - brcEnd) / 2),
            Assembler.Encode("AHI", r1: 7, i2: 1),
            Assembler.Encode("BRC", m1: 15, ri2: (next - back) / 2),
            [0x00], Assembler.Encode("AHI", r1: 8, i2: 1), Assembler.Encode("BCR", r1: 15, r2: 14), [0x00]);
        Assert.That(code.Length, Is.EqualTo(end));
        var (i, j) = Both(code, h => h.PutPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA, EngineHarness.Code + handler));
        Assert.That(i.G[7], Is.EqualTo(3UL), "the interpreter raises a specification exception at each of the three branches");
        Assert.That(i.G[8], Is.EqualTo(0UL));
        Assert.That(j.Diff(i), Is.Empty);
    }

    [Test]
    public void A_load_after_SSKE_makes_the_page_fetch_protected_raises_the_protection_exception()
    {
        // a compiled loop loads from the scratch page; on its third pass SSKE gives the page key 3 with
        // fetch protection and SPKA sets PSW key 2: the next load must be a protection exception
        const int loop = 10, brc = 22, skip = 38;
        var code = Concat(
            Assembler.Encode("LGFI", r1: 5, i2: (long)EngineHarness.Scratch),
            Assembler.Encode("LGHI", r1: 9, i2: 4),
            Assembler.Encode("L", r1: 3, b2: 5, d2: 0),
            Assembler.Encode("AHI", r1: 4, i2: 1),
            Assembler.Encode("CHI", r1: 9, i2: 2),
            Assembler.Encode("BRC", m1: 7, ri2: (skip - brc) / 2),
            Assembler.Encode("LGHI", r1: 6, i2: 0x38),
            Assembler.Encode("SSKE", r1: 6, r2: 5),
            Assembler.Encode("SPKA", b2: 0, d2: 0x20),
            Assembler.Encode("BRCT", r1: 9, ri2: (loop - skip) / 2));
        var (i, j) = Both(code);
        Assert.That(i.PgmCode, Is.EqualTo(PgmCode.Protection), "the interpreter raises the protection exception");
        Assert.That(i.G[4], Is.EqualTo(3UL), "three loads succeeded");
        Assert.That(j.Diff(i), Is.Empty);
    }

    [Test]
    public void A_load_right_after_SSKE_in_the_same_block_raises_the_protection_exception()
    {
        // PSW key 2 from the start (the page's key 0 without fetch protection allows fetches); on the
        // loop's third pass SSKE gives the page key 3 with fetch protection and the load after it must fail
        const int loop = 14, brc = 26, skip = 42;
        var code = Concat(
            Assembler.Encode("SPKA", b2: 0, d2: 0x20),
            Assembler.Encode("LGFI", r1: 5, i2: (long)EngineHarness.Scratch),
            Assembler.Encode("LGHI", r1: 9, i2: 4),
            Assembler.Encode("L", r1: 3, b2: 5, d2: 0),
            Assembler.Encode("AHI", r1: 4, i2: 1),
            Assembler.Encode("CHI", r1: 9, i2: 2),
            Assembler.Encode("BRC", m1: 7, ri2: (skip - brc) / 2),
            Assembler.Encode("LGHI", r1: 6, i2: 0x38),
            Assembler.Encode("SSKE", r1: 6, r2: 5),
            Assembler.Encode("L", r1: 3, b2: 5, d2: 0),
            Assembler.Encode("BRCT", r1: 9, ri2: (loop - skip) / 2));
        var (i, j) = Both(code);
        Assert.That(i.PgmCode, Is.EqualTo(PgmCode.Protection), "the interpreter raises the protection exception");
        Assert.That(i.G[4], Is.EqualTo(3UL), "three passes ran");
        Assert.That(j.Diff(i), Is.Empty);
    }
}
