using S390Jit.Tests.Differential;

namespace S390Jit.Tests.Fp;

/// <summary>
/// 100,000 FP operations against qemu-system-s390x (goldens recorded with S390JIT_RECORD_DIFF=1), under
/// the interpreter and the JIT; where QEMU 7.2 does not follow the PoO, <see cref="FpDiffSuite"/> models
/// what QEMU does and S390Jit keeps the PoO result.
/// </summary>
[NonParallelizable]
public class FpDifferentialTests
{
    [Test]
    public void FP_and_BFP_instructions_agree_with_qemu()
    {
        DiffCheck.Run(new FpDiffSuite());
    }

    /// <summary>Development aid: S390Jit against a live QEMU (S390JIT_FPDIFF_COUNT cases), differences in guests/build/diff.</summary>
    [Test, Explicit]
    public void Live_comparison_with_qemu()
    {
        int n = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_FPDIFF_COUNT"), out int c) ? c : 5000;
        DiffCheck.Live(new FpDiffSuite(n));
    }

    /// <summary>Development aid: writes S390JIT_FPDIFF_COUNT cases to guests/build/diff/fp.cases (an initrd for guests/fpdiff.elf).</summary>
    [Test, Explicit]
    public void Write_case_file()
    {
        int n = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_FPDIFF_COUNT"), out int c) ? c : 5000;
        var cases = new FpDiffSuite(n).Generate();
        Directory.CreateDirectory(Repo.Path("guests", "build", "diff"));
        File.WriteAllBytes(Repo.Path("guests", "build", "diff", "fp.cases"), DiffCase.File(cases));
        File.WriteAllLines(Repo.Path("guests", "build", "diff", "fp.cases.txt"), cases.Select((x, k) => $"{k}: {x}"));
    }
}
