using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution;
using S390Jit.Tests.Execution;

namespace S390Jit.Tests.Architecture;

/// <summary>
/// Exceptions of code that is already compiled (issue 12 item 4, found by fuzzing): the JIT must raise what
/// the interpreter raises, with the same old PSW, however hot the code is.
/// </summary>
public class HotCodeExceptionTests
{
    private static byte[] A(string m, int r1 = 0, int r2 = 0, int r3 = 0, int b2 = 0, long d2 = 0, long i2 = 0, long ri2 = 0) =>
        Assembler.Encode(m, r1: r1, r2: r2, r3: r3, b2: b2, d2: d2, i2: i2, ri2: ri2);

    private static (CpuSnapshot Snap, ulong OldPsw) Run(IExecutionEngine engine, byte[] code)
    {
        using var h = new EngineHarness();
        h.Load(code);
        var snap = h.Run(engine);
        ulong old = 0;
        for (int i = 0; i < 8; i++) old = (old << 8) | h.Mem((ulong)Lowcore.PgmOldPsw + 8 + (ulong)i, 1)[0];
        return (snap, old);
    }

    [Test]
    public void Sske_making_the_running_page_fetch_protected_stops_compiled_code_at_the_next_fetch()
    {
        var code = new List<byte>();
        code.AddRange(A("SPKA", d2: 0x20));                  // PSW key 2
        code.AddRange(A("LGHI", r1: 3, i2: 200));
        code.AddRange(A("BRCT", r1: 3, ri2: 0));             // a hot loop: compiled
        code.AddRange(A("LGHI", r1: 1, i2: 0x38));           // key 3, fetch-protected
        code.AddRange(A("LLILF", r1: 5, i2: (long)EngineHarness.Code));
        code.AddRange(A("SSKE", r1: 1, r2: 5));
        ulong next = EngineHarness.Code + (ulong)code.Count;
        code.AddRange(A("LGHI", r1: 13, i2: 0x77));          // its fetch is a protection exception
        var results = new[] { EngineHarness.Interpreter(), EngineHarness.Jit() }.Select(e => (e.Name, Run(e, code.ToArray()))).ToList();
        foreach (var (name, (snap, old)) in results)
        {
            Assert.That(snap.PgmCode, Is.EqualTo(PgmCode.Protection), name);
            // suppressed; the instruction was never fetched, so its length is unknown and the ILC is 1 (2 bytes), as QEMU's ILEN_UNKNOWN
            Assert.That(old, Is.EqualTo(next + 2), $"{name}: the old PSW is the unfetched instruction's address plus 2");
            Assert.That(snap.G[13], Is.Zero, $"{name}: it did not run");
        }
        Assert.That(results[1].Item2.Snap.Diff(results[0].Item2.Snap), Is.Empty, "interpreter and JIT agree");
    }

    [Test]
    public void A_hot_branch_to_an_odd_address_is_a_specification_exception_every_time()
    {
        // the same branch runs 50 times; its handler (the program-check wait) ends the run the first time under both engines
        var code = new List<byte>();
        code.AddRange(A("LGHI", r1: 3, i2: 50));
        code.AddRange(A("LARL", r1: 1, ri2: 0));
        code.AddRange(A("AGHI", r1: 1, i2: 1));              // the LARL's own address + 1: odd
        code.AddRange(A("BCR", r1: 15, r2: 1));
        var results = new[] { EngineHarness.Interpreter(), EngineHarness.Jit() }.Select(e => (e.Name, Run(e, code.ToArray()))).ToList();
        foreach (var (name, (snap, old)) in results)
        {
            Assert.That(snap.PgmCode, Is.EqualTo(PgmCode.Specification), name);
            Assert.That(old, Is.EqualTo(EngineHarness.Code + 4 + 1), $"{name}: the old PSW holds the odd address");
        }
        Assert.That(results[1].Item2.Snap.Diff(results[0].Item2.Snap), Is.Empty, "interpreter and JIT agree");
    }
}
