using S390Jit.Tests.Differential;

namespace S390Jit.Tests.Vector;

/// <summary>
/// 60,000 vector operations against qemu-system-s390x -cpu max (goldens recorded with S390JIT_RECORD_DIFF=1),
/// under the interpreter and the JIT; where QEMU 7.2 does not follow the PoO, <see cref="VectorDiffSuite"/>
/// models what QEMU does and S390Jit keeps the PoO result.
/// </summary>
[NonParallelizable]
public class VectorDifferentialTests
{
    [Test]
    public void Vector_instructions_agree_with_qemu()
    {
        DiffCheck.Run(new VectorDiffSuite());
    }

    [Test]
    public void Every_vector_row_QEMU_implements_is_in_the_forms()
    {
        var rows = VectorDiffSuite.Forms().Select(f => f.Def.Mnemonic).ToHashSet();
        var missing = S390Jit.Architecture.Isa.InstructionTable.All
            .Where(r => r.Group == "vector" && !rows.Contains(r.Mnemonic)).Select(r => r.Mnemonic).ToList();
        Assert.That(missing, Is.Empty);
    }

    /// <summary>Development aid: S390Jit against a live QEMU (S390JIT_VECDIFF_COUNT cases), differences in guests/build/diff.</summary>
    [Test, Explicit]
    public void Live_comparison_with_qemu()
    {
        int n = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_VECDIFF_COUNT"), out int c) ? c : 5000;
        DiffCheck.Live(new VectorDiffSuite(n));
    }
}
