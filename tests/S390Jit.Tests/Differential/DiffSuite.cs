using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace S390Jit.Tests.Differential;

/// <summary>
/// A differential suite: a seeded case generator, a golden file of qemu-system-s390x's results (one
/// 16-bit hash per case, recorded with <c>S390JIT_RECORD_DIFF=1</c>), and the model of QEMU 7.2's known
/// deviations from the PoO. <see cref="DiffCheck.Run"/> runs guests/fpdiff under S390Jit's interpreter
/// and JIT, requires both to agree, and requires S390Jit's records — with the deviation model applied
/// where QEMU is known to differ — to hash as QEMU's did.
/// </summary>
public abstract class DiffSuite
{
    /// <summary>Name of the golden file (Differential/Golden/NAME.golden).</summary>
    public abstract string Name { get; }
    public abstract List<DiffCase> Generate();
    /// <summary>Extra qemu-system-s390x arguments (the vector suite runs on <c>-cpu max</c>).</summary>
    public virtual IReadOnlyList<string> QemuArgs => [];

    /// <summary>
    /// For a case where QEMU 7.2 is known not to follow the PoO: what QEMU records (derived from S390Jit's
    /// PoO record and the case) and the deviation's name; null when QEMU follows the PoO.
    /// </summary>
    public virtual (DiffRecord Qemu, string Deviation)? QemuDeviation(DiffCase c, DiffRecord ours) => null;

    /// <summary>
    /// The reference records of a suite whose instructions QEMU does not implement (null: qemu-system-s390x
    /// is the reference). Recorded into the golden like QEMU's.
    /// </summary>
    public virtual List<string>? Reference(List<DiffCase> cases) => null;

    /// <summary>What the goldens were recorded from (for messages).</summary>
    public virtual string ReferenceName => "qemu";
}

/// <summary>Golden files: "DIFFGLD1", SHA-256 of the case list, case count, then one big-endian u16 hash per case.</summary>
public static class DiffGolden
{
    public static string PathOf(string name) => Repo.Path("tests", "S390Jit.Tests", "Differential", "Golden", name + ".golden");

    public static void Write(string name, byte[] caseFile, IReadOnlyList<ushort> hashes)
    {
        var b = new byte[8 + 32 + 4 + 2 * hashes.Count];
        "DIFFGLD1"u8.CopyTo(b);
        SHA256.HashData(caseFile).CopyTo(b, 8);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(40), (uint)hashes.Count);
        for (int k = 0; k < hashes.Count; k++) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(44 + 2 * k), hashes[k]);
        File.WriteAllBytes(PathOf(name), b);
    }

    public static (byte[] CaseSha, ushort[] Hashes) Read(string name)
    {
        var b = File.ReadAllBytes(PathOf(name));
        if (!b.AsSpan(0, 8).SequenceEqual("DIFFGLD1"u8)) throw new InvalidDataException($"{name}.golden: bad magic");
        int n = (int)BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(40));
        var h = new ushort[n];
        for (int k = 0; k < n; k++) h[k] = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(44 + 2 * k));
        return (b[8..40], h);
    }
}

public static class DiffCheck
{
    public static bool Recording => Environment.GetEnvironmentVariable("S390JIT_RECORD_DIFF") == "1";
    private static string QemuText(string name) => Repo.Path("guests", "build", "diff", name + ".qemu.txt");

    /// <summary>The whole check; returns the number of cases per QEMU deviation.</summary>
    public static Dictionary<string, int> Run(DiffSuite suite)
    {
        var cases = suite.Generate();
        var file = DiffCase.File(cases);
        if (Recording)
        {
            var q = suite.Reference(cases);
            if (q == null && DiffRunner.QemuBinary() == null) Assert.Ignore("S390JIT_RECORD_DIFF=1 needs qemu-system-s390x");
            q ??= DiffRunner.RunQemu(file, cases.Count, suite.QemuArgs);
            DiffGolden.Write(suite.Name, file, q.Select(r => DiffRecord.Parse(r).Hash()).ToList());
            Directory.CreateDirectory(Path.GetDirectoryName(QemuText(suite.Name))!);
            File.WriteAllLines(QemuText(suite.Name), q.Select((r, k) => $"i={k} {r}").Prepend(Convert.ToHexString(SHA256.HashData(file))));
        }
        var (sha, golden) = DiffGolden.Read(suite.Name);
        Assert.That(sha, Is.EqualTo(SHA256.HashData(file)), $"the {suite.Name} cases changed: re-record the golden (S390JIT_RECORD_DIFF=1, needs qemu-system-s390x)");
        Assert.That(golden.Length, Is.EqualTo(cases.Count));

        var cpu = System.Diagnostics.Process.GetCurrentProcess();
        var t0 = cpu.TotalProcessorTime;
        var interp = DiffRunner.RunS390Jit(file, cases.Count, "interp", 400_000_000_000, out ulong cycles);
        var t1 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var jit = DiffRunner.RunS390Jit(file, cases.Count, "jit-sync", cycles + 1_000_000, out _); // (the same cycles: a runaway loop stops)
        var t2 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var engines = Enumerable.Range(0, cases.Count).Where(k => interp[k] != jit[k]).Take(10)
            .Select(k => $"case {k}: {cases[k]}\n  interp: {interp[k]}\n  jit:    {jit[k]}").ToList();
        Assert.That(engines, Is.Empty, "interpreter and JIT differ:\n" + string.Join("\n", engines));

        var qemu = LoadQemuText(suite.Name, file);
        var deviations = new Dictionary<string, int>();
        var bad = new List<string>();
        int failures = 0;
        for (int k = 0; k < cases.Count; k++)
        {
            var ours = DiffRecord.Parse(interp[k]);
            var dev = suite.QemuDeviation(cases[k], ours);
            var expect = dev?.Qemu ?? ours;
            if (dev is { } d) deviations[d.Deviation] = deviations.GetValueOrDefault(d.Deviation) + 1;
            if (expect.Hash() == golden[k]) continue;
            failures++;
            if (bad.Count < 25)
                bad.Add($"case {k}: {cases[k]}\n  s390jit: {ours}" + (dev is { } dd ? $"\n  modelled qemu ({dd.Deviation}): {dd.Qemu}" : "") +
                        (qemu != null ? $"\n  qemu:    {qemu[k]}" : ""));
        }
        var t3 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        TestContext.Out.WriteLine($"{suite.Name}: cpu time interpreter {(t1 - t0).TotalSeconds:F1} s, jit {(t2 - t1).TotalSeconds:F1} s, deviation models {(t3 - t2).TotalSeconds:F1} s");
        var summary = new StringBuilder($"{suite.Name}: {cases.Count} cases, {cases.Count - failures} agree with {suite.ReferenceName}");
        foreach (var (name, n) in deviations.OrderBy(x => x.Key)) summary.Append($"; {n} where qemu deviates ({name})");
        TestContext.Out.WriteLine(summary.ToString());
        Assert.That(bad, Is.Empty, $"{failures} cases differ from {suite.ReferenceName}:\n" + string.Join("\n", bad));
        return deviations;
    }

    /// <summary>
    /// Development aid (needs QEMU): runs the suite's cases under QEMU and S390Jit's interpreter and
    /// writes every case where they differ, with the deviation model's verdict, to guests/build/diff/NAME.live.txt.
    /// </summary>
    public static int Live(DiffSuite suite)
    {
        var cases = suite.Generate();
        var file = DiffCase.File(cases);
        var q = suite.Reference(cases);
        if (q == null && DiffRunner.QemuBinary() == null) Assert.Ignore("needs qemu-system-s390x");
        q ??= DiffRunner.RunQemu(file, cases.Count, suite.QemuArgs);
        var ours = DiffRunner.RunS390Jit(file, cases.Count, "interp");
        var sb = new StringBuilder();
        int n = 0;
        for (int k = 0; k < cases.Count; k++)
        {
            var rec = DiffRecord.Parse(ours[k]);
            var dev = suite.QemuDeviation(cases[k], rec);
            var expect = dev?.Qemu ?? rec;
            if (expect.ToString() == DiffRecord.Parse(q[k]).ToString()) continue;
            n++;
            sb.AppendLine($"case {k}: {cases[k]}\n  qemu:    {q[k]}\n  s390jit: {ours[k]}" + (dev is { } d ? $"\n  model ({d.Deviation}): {d.Qemu}" : ""));
        }
        string path = Repo.Path("guests", "build", "diff", suite.Name + ".live.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"{n} of {cases.Count} differ\n" + sb);
        TestContext.Out.WriteLine($"{n} of {cases.Count} differ, see {path}");
        return n;
    }

    /// <summary>QEMU's full records from the last recording on this machine, if they belong to these cases (diagnostics only).</summary>
    private static List<string>? LoadQemuText(string name, byte[] file)
    {
        string path = QemuText(name);
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != Convert.ToHexString(SHA256.HashData(file))) return null;
        return lines.Skip(1).Select(l => l[(l.IndexOf(' ') + 1)..]).ToList();
    }
}
