using System.Security.Cryptography;
using S390Jit.Execution.Jit;
using S390Jit.Execution.Native;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Tests.Guests;

/// <summary>
/// Holds what every bundled guest does, exactly: the SHA-256 of its console output, its guest
/// instruction count and its cycle count, under the interpreter and the JIT (guests/baseline.txt); the JIT's
/// first tier alone (engine tier1, nothing compiled) must give the JIT's line, and so must compact code (jit-compact: every
/// region compiled compact; jit-promote: compact regions compiled again in full at once), and the first tier with every block
/// translated to native code at its first entry (tier1-native; jit-native: under the JIT) or none (tier1-managed).
/// A change that is meant to keep behaviour (a restructuring) must leave every line as it is; a
/// change that is meant to alter the cycle model or a guest re-records the file with
/// <c>S390JIT_RECORD_BASELINE=1 dotnet test --filter GuestBaselineTests</c> and says why in its commit.
/// </summary>
[NonParallelizable]
public class GuestBaselineTests
{
    /// <summary>Guest name, options (append text, AP queues) and a label for the line.</summary>
    private static readonly (string Label, string Guest, string? Append, ushort[] Ap)[] Runs =
    [
        ("hello", "hello", null, []),
        ("hello.append", "hello", "hello world", []),
        ("sieve", "sieve", null, []),
        ("crc32", "crc32", null, []),
        ("sha256", "sha256", null, []),
        ("qsort", "qsort", null, []),
        ("fib", "fib", null, []),
        ("strings", "strings", null, []),
        ("bytecode", "bytecode", null, []),
        ("insns", "insns", null, []),
        ("sys", "sys", null, []),
        ("dat", "dat", null, []),
        ("datx", "datx", null, []),
        ("skey", "skey", null, []),
        ("per", "per", null, []),
        ("clock", "clock", null, []),
        ("ap", "ap", "apqn=0504,0505", [0x0504, 0x0505]),
        ("aqic", "aqic", "apqn=0504", [0x0504]),
        ("aqic.halted", "aqic", "apqn=0504 mode=halted", [0x0504]),
        ("fpdiff", "fpdiff", null, []),
        ("fpex", "fpex", null, []),
        ("fpex.poo", "fpex", "poo", []),
        ("nbody", "nbody", null, []),
    ];

    private static string BaselinePath => Repo.Path("guests", "baseline.txt");

    private static string Measure(string label, string guest, string? append, ushort[] ap, string engine)
    {
        var console = new MemoryStream();
        ApOptions? apo = null;
        if (ap.Length > 0) { apo = new ApOptions(); apo.Queues.AddRange(ap); }
        // jit-compact: every region compiled compact and never in full; jit-promote: compact first, in full after one
        // instruction run per instruction (RegionCompiler.CompactMode, PromoteHeat)
        var (mode, heat) = (RegionCompiler.CompactMode, RegionCompiler.PromoteHeat);
        var (native, after, alone) = (NativeBlocks.Enabled, NativeBlocks.After, NativeBlocks.AfterAlone);
        var (regions, nativeHeat) = (NativeRegions.Enabled, NativeRegions.PromoteHeat);
        if (engine is "jit-compact" or "jit-promote")
        {
            (RegionCompiler.CompactMode, RegionCompiler.PromoteHeat) = engine == "jit-compact" ? ("all", heat) : ("1", 1);
            NativeRegions.Enabled = false; // (compact IL for the hot blocks' regions)
            engine = "jit-sync";
        }
        // jit-ryujit: every region through RyuJIT; jit-native-regions: hot blocks' regions native and never promoted;
        // jit-native-promote: native first, RyuJIT after one instruction run per instruction
        if (engine is "jit-ryujit" or "jit-native-regions" or "jit-native-promote")
        {
            NativeRegions.Enabled = engine != "jit-ryujit" && ExecutableMemory.Available;
            NativeRegions.PromoteHeat = engine == "jit-native-regions" ? long.MaxValue / 1024 : 1;
            engine = "jit-sync";
        }
        // tier1-native: every block translated to native code at its first entry; tier1-managed: none (the first tier's own loop)
        if (engine is "tier1-native" or "tier1-managed" or "jit-native")
        {
            (NativeBlocks.Enabled, NativeBlocks.After, NativeBlocks.AfterAlone) = (engine != "tier1-managed" && ExecutableMemory.Available, 1, 1);
            engine = engine == "jit-native" ? "jit-sync" : "tier1";
        }
        using var m = new Machine(new MachineOptions { Console = console, Append = append, MaxCycles = 20_000_000_000, Ap = apo, Engine = engine });
        m.LoadKernel(ElfImage.Load(Repo.Path("guests", guest + ".elf")));
        RunResult r;
        try { r = m.Run(); }
        finally
        {
            (RegionCompiler.CompactMode, RegionCompiler.PromoteHeat) = (mode, heat);
            (NativeBlocks.Enabled, NativeBlocks.After, NativeBlocks.AfterAlone) = (native, after, alone);
            (NativeRegions.Enabled, NativeRegions.PromoteHeat) = (regions, nativeHeat);
        }
        string hash = Convert.ToHexString(SHA256.HashData(console.ToArray())).ToLowerInvariant();
        return $"{label} {(engine == "interp" ? "interp" : "jit")} end={r.End} instructions={m.Boot.Cpu.Instructions} cycles={m.Boot.Cpu.Cycles} output={hash}";
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var (label, guest, append, ap) in Runs)
            foreach (var engine in new[] { "interp", "jit-sync", "tier1", "tier1-native", "tier1-managed", "jit-native", "jit-compact", "jit-promote",
                                           "jit-ryujit", "jit-native-regions", "jit-native-promote" })
                yield return new TestCaseData(label, guest, append, ap, engine).SetName($"Guest_behaviour_is_unchanged({label},{engine switch { "interp" => "interp", "jit-sync" => "jit", _ => engine }})");
    }

    /// <summary>
    /// Plans cut to fit <see cref="RegionCompiler.MaxIlBytes"/> (here every plan of more than a few instructions is cut,
    /// again and again): the guests behave exactly as with whole plans, and their blocks still get compiled.
    /// </summary>
    [TestCase("sieve", "sieve")]
    [TestCase("qsort", "qsort")]
    [TestCase("insns", "insns")]
    public void Plans_cut_to_fit_the_IL_limit_keep_behaviour(string label, string guest)
    {
        int limit = RegionCompiler.MaxIlBytes, cut = RegionCompiler.PlansCut;
        RegionCompiler.MaxIlBytes = 1500;
        string line;
        try { line = Measure(label, guest, null, [], "jit-sync"); }
        finally { RegionCompiler.MaxIlBytes = limit; }
        Assert.That(RegionCompiler.PlansCut, Is.GreaterThan(cut), "no plan was cut: the limit did not apply");
        Assert.That(line, Is.EqualTo(File.ReadAllLines(BaselinePath).Single(l => l.StartsWith(label + " jit ", StringComparison.Ordinal))));
    }

    [TestCaseSource(nameof(Cases))]
    public void Guest_behaviour_is_unchanged(string label, string guest, string? append, ushort[] ap, string engine)
    {
        string line = Measure(label, guest, append, ap, engine);
        string key = line[..(line.IndexOf(" end=", StringComparison.Ordinal))];
        if (Environment.GetEnvironmentVariable("S390JIT_RECORD_BASELINE") == "1")
        {
            lock (typeof(GuestBaselineTests))
            {
                var lines = File.Exists(BaselinePath) ? File.ReadAllLines(BaselinePath).Where(l => !l.StartsWith(key + " ", StringComparison.Ordinal)).ToList() : [];
                lines.Add(line);
                File.WriteAllLines(BaselinePath, lines.OrderBy(l => l, StringComparer.Ordinal));
            }
            Assert.Pass(line);
        }
        var want = File.ReadAllLines(BaselinePath).SingleOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal));
        Assert.That(want, Is.Not.Null, $"guests/baseline.txt has no line for '{key}' (record it, see the class comment)");
        Assert.That(line, Is.EqualTo(want));
    }
}
