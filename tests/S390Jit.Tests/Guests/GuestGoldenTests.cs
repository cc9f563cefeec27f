using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Tests.Guests;

/// <summary>
/// Every bundled guest's console output is byte-identical to what qemu-system-s390x printed for it
/// (guests/golden, recorded by guests/record-goldens.sh), so CI needs no QEMU.
/// </summary>
public class GuestGoldenTests
{
    public static IEnumerable<TestCaseData> Goldens()
    {
        foreach (var golden in Directory.GetFiles(Repo.Path("guests", "golden"), "*.out").OrderBy(p => p, StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(golden);
            string guest = name.Split('.')[0];
            string? append = name.EndsWith(".append", StringComparison.Ordinal) ? "hello world" : null;
            yield return new TestCaseData(guest, append, golden).SetName($"Guest_output_matches_qemu({name})");
        }
    }

    internal static (RunResult Result, byte[] Output, Machine Machine) RunGuest(string guest, string? append, Action<MachineOptions>? configure = null)
    {
        var console = new MemoryStream();
        var opt = new MachineOptions { Console = console, Append = append, MaxCycles = 20_000_000_000 };
        configure?.Invoke(opt);
        var m = new Machine(opt);
        m.LoadKernel(ElfImage.Load(Repo.Path("guests", guest + ".elf")));
        var r = m.Run();
        return (r, console.ToArray(), m);
    }

    [TestCaseSource(nameof(Goldens))]
    public void Guest_output_matches_qemu(string guest, string? append, string golden)
    {
        var (r, output, m) = RunGuest(guest, append);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            var want = File.ReadAllBytes(golden);
            if (!output.AsSpan().SequenceEqual(want))
                Assert.Fail($"console output differs from {golden}:\n--- qemu\n{System.Text.Encoding.ASCII.GetString(want)}\n--- s390jit\n{System.Text.Encoding.ASCII.GetString(output)}");
        }
    }

    public static IEnumerable<string> AllGuests() => Goldens().Select(t => (string)t.Arguments[0]!).Distinct();

    [TestCaseSource(nameof(AllGuests))]
    public void Interpreter_and_jit_agree_on_output_and_cycles(string guest)
    {
        var (ri, oi, mi) = RunGuest(guest, null, o => o.Engine = "interp");
        var (rj, oj, mj) = RunGuest(guest, null, o => o.Engine = "jit-sync");
        using (mi) using (mj)
        {
            Assert.That((ri.End, rj.End), Is.EqualTo((RunEnd.Stopped, RunEnd.Stopped)));
            Assert.That(oj, Is.EqualTo(oi), "console output");
            Assert.That(mj.Boot.Cpu.Cycles, Is.EqualTo(mi.Boot.Cpu.Cycles), "cycles");
            Assert.That(mj.Boot.Cpu.Instructions, Is.EqualTo(mi.Boot.Cpu.Instructions), "instructions");
            var stats = ((S390Jit.Execution.Jit.JitEngine)mj.Engine).Stats;
            Assert.That(stats.CompiledInstructions, Is.GreaterThan(0));
            TestContext.Out.WriteLine($"{guest}: {mi.Boot.Cpu.Instructions} instructions, {mi.Boot.Cpu.Cycles} cycles; jit ran {stats.CompiledInstructions} compiled in {stats.RegionsCompiled} regions");
        }
    }

    [TestCase("insns")]
    [TestCase("sys")]
    [TestCase("strings")]
    public void Verify_jit_mode_checks_every_region_run_against_the_interpreter(string guest)
    {
        var (r, o, m) = RunGuest(guest, null, opt => { opt.Engine = "jit-sync"; opt.VerifyJit = true; });
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(((S390Jit.Execution.Jit.JitEngine)m.Engine).Stats.Verified, Is.GreaterThan(100));
        }
    }

    [TestCase("hello")]
    [TestCase("sys")]
    [TestCase("crc32")]
    public void Two_runs_have_the_same_cycle_count(string guest)
    {
        var (r1, o1, m1) = RunGuest(guest, null);
        var (r2, o2, m2) = RunGuest(guest, null);
        using (m1) using (m2)
        {
            Assert.That(r1.End, Is.EqualTo(RunEnd.Stopped));
            Assert.That(o2, Is.EqualTo(o1));
            Assert.That(m2.Boot.Cpu.Cycles, Is.EqualTo(m1.Boot.Cpu.Cycles));
            Assert.That(m2.Boot.Cpu.Instructions, Is.EqualTo(m1.Boot.Cpu.Instructions));
            TestContext.Out.WriteLine($"{guest}: {m1.Boot.Cpu.Instructions} instructions, {m1.Boot.Cpu.Cycles} cycles");
        }
    }
}
