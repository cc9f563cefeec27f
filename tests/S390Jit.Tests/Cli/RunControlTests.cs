using System.Diagnostics;
using System.Runtime.InteropServices;
using S390Jit.Tests.Guests;

namespace S390Jit.Tests.Cli;

/// <summary>
/// Run control of the real executable (issue 10 item 6): SIGINT/SIGTERM end a run cleanly with QEMU's
/// "terminating on signal N", the partial --stats and exit 128 + N; --progress reports once a second.
/// </summary>
public class RunControlTests
{
    private static string Executable => Path.Combine(TestContext.CurrentContext.TestDirectory, "s390jit");

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [TestCase(2, 130)]  // Ctrl-C
    [TestCase(15, 143)] // kill
    public void Signal_ends_the_run_with_the_partial_stats_and_exit_128_plus_N(int signal, int exitCode)
    {
        if (!File.Exists(Executable)) Assert.Ignore($"{Executable} not built");
        string guest = new TestGuest().Asm("BRC", m1: 15, ri2: 0).WriteTemp(); // a loop that never ends
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "run", guest, "--progress", "--stats" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            // the first progress line (after a second) shows the run loop is going and the handlers are installed
            string? first = p.StandardError.ReadLine();
            Assert.That(first, Does.Match(@"^s390jit: [\d.]+ M guest instructions, [\d.]+ MIPS, guest time [\d.]+ s, wall \d+ s$"));
            Assert.That(kill(p.Id, signal), Is.EqualTo(0));
            string rest = p.StandardError.ReadToEnd();
            Assert.That(p.WaitForExit(30_000), Is.True, "the run ends");
            Assert.That(p.ExitCode, Is.EqualTo(exitCode), rest);
            Assert.That(rest, Does.Contain($"s390jit: terminating on signal {signal}\n"));
            Assert.That(rest, Does.Contain($"stats: end                 Terminated (exit {exitCode})"));
            Assert.That(rest, Does.Match(@"stats: guest instructions  [1-9]\d*"));
            Assert.That(rest, Does.Contain("stats: host leak check").And.Not.Contain("   at "));
        }
        finally
        {
            if (!p.HasExited) p.Kill();
            File.Delete(guest);
        }
    }
}
