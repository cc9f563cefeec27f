using S390Jit.Tests.Differential;

namespace S390Jit.Tests.Fp;

/// <summary>
/// 24,000 DFP operations against the reference model (tests/scripts/dfp_reference.py: Python's decimal
/// module under a PoO model of the instruction layer; goldens recorded with S390JIT_RECORD_DIFF=1), under
/// the interpreter and the JIT, which must agree with each other and with the reference.
/// </summary>
[NonParallelizable]
public class DfpDifferentialTests
{
    [Test]
    public void DFP_instructions_agree_with_the_reference_model()
    {
        DiffCheck.Run(new DfpDiffSuite());
    }

    /// <summary>Development aid: in-process runs against the live reference (S390JIT_DFPDIFF_COUNT cases), differences in guests/build/diff/dfp.inproc.txt.</summary>
    [Test, Explicit]
    public void In_process_comparison_with_the_reference()
    {
        int n = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_DFPDIFF_COUNT"), out int c) ? c : 5000;
        var suite = new DfpDiffSuite(n);
        var cases = suite.Generate();
        var reference = suite.Reference(cases)!;
        var sb = new System.Text.StringBuilder();
        int bad = 0;
        var byRow = new Dictionary<string, int>();
        for (int k = 0; k < cases.Count; k++)
        {
            var ours = DiffInProcess.Run(cases[k]).ToString();
            if (ours == DiffRecord.Parse(reference[k]).ToString()) continue;
            bad++;
            byRow[cases[k].Mnemonic] = byRow.GetValueOrDefault(cases[k].Mnemonic) + 1;
            if (bad <= 400) sb.AppendLine($"case {k}: {cases[k]}\n  ref:     {reference[k]}\n  s390jit: {ours}");
        }
        string path = Repo.Path("guests", "build", "diff", "dfp.inproc.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"{bad} of {cases.Count} differ: {string.Join(' ', byRow.OrderByDescending(x => x.Value).Select(x => $"{x.Key}:{x.Value}"))}\n" + sb);
        Assert.That(bad, Is.Zero, $"{bad} of {cases.Count} differ, see {path}");
    }

    /// <summary>Development aid: S390Jit (guest under the interpreter) against the live reference.</summary>
    [Test, Explicit]
    public void Live_comparison_with_the_reference()
    {
        int n = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_DFPDIFF_COUNT"), out int c) ? c : 5000;
        DiffCheck.Live(new DfpDiffSuite(n));
    }
}
