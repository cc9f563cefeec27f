using System.Diagnostics;
using System.Text;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Tests.Differential;

/// <summary>Runs guests/fpdiff over a case list: under S390Jit (an engine) or under qemu-system-s390x.</summary>
public static class DiffRunner
{
    public static string Guest => Repo.Path("guests", "fpdiff.elf");

    /// <summary>The case records the guest printed, in case order (the "i=" index checked).</summary>
    public static List<string> Parse(string console, int count)
    {
        var records = new List<string>(count);
        foreach (var line in console.Split('\n'))
            foreach (var rec in line.Split(';'))
            {
                if (!rec.StartsWith("i=", StringComparison.Ordinal)) continue;
                int sp = rec.IndexOf(' ');
                int n = int.Parse(rec[2..sp]);
                if (n != records.Count) throw new InvalidDataException($"record {n} where {records.Count} was expected");
                records.Add(rec[(sp + 1)..]);
            }
        if (records.Count != count || !console.Contains($"fpdiff: {count} cases\n") || !console.EndsWith("EXIT: STATUS=1\n", StringComparison.Ordinal))
            throw new InvalidDataException($"the guest printed {records.Count} of {count} records; output ends: {console[Math.Max(0, console.Length - 400)..]}");
        return records;
    }

    /// <summary>Runs the cases under S390Jit ("interp", "jit" or "jit-sync").</summary>
    public static List<string> RunS390Jit(byte[] caseFile, int count, string engine) => RunS390Jit(caseFile, count, engine, 400_000_000_000, out _);

    /// <summary>
    /// Runs the cases under S390Jit, stopping (a failure) after <paramref name="maxCycles"/> guest cycles; <paramref name="cycles"/>
    /// is how many the run took. The JIT's run takes exactly the interpreter's cycles, so its bound can be that count: a
    /// wrongly compiled loop then fails in seconds instead of running for the generous bound of a first run.
    /// </summary>
    public static List<string> RunS390Jit(byte[] caseFile, int count, string engine, ulong maxCycles, out ulong cycles)
    {
        string path = Path.Combine(Path.GetTempPath(), $"fpdiff-{Environment.ProcessId}-{Guid.NewGuid():n}.bin");
        File.WriteAllBytes(path, caseFile);
        try
        {
            var console = new MemoryStream();
            using var m = new Machine(new MachineOptions { Console = console, InitrdPath = path, Engine = engine, MaxCycles = maxCycles });
            m.LoadKernel(ElfImage.Load(Guest));
            var r = m.Run();
            cycles = m.Boot.Cpu.Cycles;
            string text = Encoding.ASCII.GetString(console.ToArray());
            if (m.Engine is S390Jit.Execution.Jit.JitEngine jit)
                TestContext.Out.WriteLine($"fpdiff under {engine}: {jit.Stats.RegionsCompiled} regions compiled, {jit.Stats.CompiledInstructions} instructions run compiled, {jit.Stats.InterpretedInstructions} interpreted");
            if (r.ExitCode != 0) throw new InvalidOperationException($"fpdiff ended with {r.End} under {engine}: {text[Math.Max(0, text.Length - 400)..]}");
            return Parse(text, count);
        }
        finally { File.Delete(path); }
    }

    public static string? QemuBinary()
    {
        string exe = Environment.GetEnvironmentVariable("QEMU") ?? "qemu-system-s390x";
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, exe))) return Path.Combine(dir, exe);
        return File.Exists(exe) ? exe : null;
    }

    /// <summary>Runs the cases under qemu-system-s390x (TCG), as guests/run-qemu.sh does, with the case list as initrd.</summary>
    public static List<string> RunQemu(byte[] caseFile, int count, IReadOnlyList<string>? extraArgs = null)
    {
        string qemu = QemuBinary() ?? throw new InvalidOperationException("qemu-system-s390x not found");
        string path = Path.Combine(Path.GetTempPath(), $"fpdiff-{Environment.ProcessId}-{Guid.NewGuid():n}.bin");
        File.WriteAllBytes(path, caseFile);
        try
        {
            var psi = new ProcessStartInfo(qemu)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            };
            foreach (var a in new[] { "-nodefaults", "-nographic", "-machine", "s390-ccw-virtio,accel=tcg", "-m", "256",
                         "-chardev", "stdio,id=con0", "-device", "sclpconsole,chardev=con0", "-kernel", Guest, "-initrd", path,
                         "-action", "panic=exit-failure" })
                psi.ArgumentList.Add(a);
            foreach (var a in extraArgs ?? []) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            string text = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(600_000)) { p.Kill(); throw new TimeoutException("qemu did not finish"); }
            if (p.ExitCode != 0) throw new InvalidOperationException($"qemu exited with {p.ExitCode}: {err.Result}");
            return Parse(text, count);
        }
        finally { File.Delete(path); }
    }
}
