using System.Diagnostics;
using S390Jit.Loader;
using S390Jit.Tests.Guests;

namespace S390Jit.Tests.Cli;

/// <summary>What start-up does differently in the real process (perf/startup.md) leaves the run's result as it was.</summary>
public class StartupTests
{
    private static string Executable => Path.Combine(TestContext.CurrentContext.TestDirectory, "s390jit");

    /// <summary>
    /// The executable leaves an unobserved machine's teardown to the process's end (Machine.Abandon); with --stats (the
    /// leak report) it tears the machine down. Both print the same guest output and end with the same exit code.
    /// </summary>
    [TestCase("hello.elf")]
    [TestCase("sieve.elf")]
    public void A_plain_run_prints_and_exits_as_a_run_that_tears_the_machine_down(string guest)
    {
        if (!File.Exists(Executable)) Assert.Ignore($"{Executable} not built");
        string path = Repo.Path("guests", guest);
        var plain = RunExecutable("run", path);
        var torn = RunExecutable("run", path, "--stats");
        Assert.That(torn.Err, Does.Contain("stats: host leak check"));
        string tornErr = string.Concat(torn.Err.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("stats:", StringComparison.Ordinal)).Select(l => l + "\n"));
        Assert.That((plain.Code, plain.Out, plain.Err), Is.EqualTo((torn.Code, torn.Out, tornErr)));
        Assert.That(plain.Out, Is.Not.Empty);
    }

    private static (int Code, string Out, string Err) RunExecutable(params string[] args)
    {
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(120_000), Is.True, "the run ends");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Binding the rows of a kernel's first code (decoding from the entry point to the end of its segment, data
    /// taken for code) fails on none of the guests nor on a one-instruction test guest.</summary>
    [Test]
    public void Entry_code_is_prepared_from_any_image()
    {
        foreach (var elf in Directory.GetFiles(Repo.Path("guests"), "*.elf"))
            Assert.DoesNotThrow(() => S390Jit.Cli.RunCommand.KernelLoad.PrepareEntryCode(KernelImage.Load(elf)), elf);
        string odd = new TestGuest().Asm("BRC", m1: 15, ri2: 0).WriteTemp();
        try
        {
            var image = KernelImage.Load(odd);
            Assert.DoesNotThrow(() => S390Jit.Cli.RunCommand.KernelLoad.PrepareEntryCode(image));
        }
        finally { File.Delete(odd); }
    }
}
