using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution.Jit;

namespace S390Jit.Tests.Execution;

/// <summary>
/// The analysis pass the region planner reads: an unconditional branch must be known as taken always (else a
/// plan follows its fall-through and regions grow to the cap: bytecode ran at half speed when AVal's
/// constant constructor was shadowed by an int one), and storage operands off X + B + D are recorded.
/// </summary>
public class AnalysisBackendTests
{
    private static InstrFacts Analyze(ulong raw, int length)
    {
        var def = Decoder.Lookup(raw) ?? throw new AssertionException($"no row for {raw:x}");
        var insn = new Insn { Def = def, Raw = raw, Length = (byte)length };
        Decoder.ExtractFields(ref insn, def);
        return AnalysisBackend.Analyze(def, ref insn, 0x1000, length, 64, false);
    }

    [Test]
    public void Unconditional_relative_branch_is_taken_always()
    {
        var f = Analyze(0xA7F4FFB8UL << 32, 4); // j -0x90 (BRC 15)
        Assert.That(f.Jumps, Has.Count.EqualTo(1));
        Assert.That(f.Jumps[0].Always, Is.True);
        Assert.That(f.Jumps[0].Target, Is.EqualTo(0x1000UL - 0x90));
    }

    [Test]
    public void Never_taken_branch_has_no_jump_and_conditional_one_is_not_always()
    {
        Assert.That(Analyze(0xA7040010UL << 32, 4).Jumps, Is.Empty);          // BRC 0
        var f = Analyze(0xA7840010UL << 32, 4);                                // BRC 8 (je)
        Assert.That(f.Jumps, Has.Count.EqualTo(1));
        Assert.That(f.Jumps[0].Always, Is.False);
    }

    [Test]
    public void Load_records_its_operand()
    {
        var f = Analyze(0x5825C000UL << 32, 4); // l %r2,0(%r5,%r12)
        Assert.That(f.Operands, Is.EqualTo(new[] { ((byte)5, (byte)12, 0L, 4, false) }));
    }
}
