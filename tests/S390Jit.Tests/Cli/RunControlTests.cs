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

    /// <summary>Whether this process ignores the signal (SigIgn in /proc/self/status); a child starts with it ignored too.</summary>
    private static bool InheritedIgnored(int signal)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return false;
        string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line != null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) >> (signal - 1) & 1) != 0;
    }

    [TestCase(2, 130)]  // Ctrl-C
    [TestCase(15, 143)] // kill
    public void Signal_ends_the_run_with_the_partial_stats_and_exit_128_plus_N(int signal, int exitCode)
    {
        if (!File.Exists(Executable)) Assert.Ignore($"{Executable} not built");
        if (InheritedIgnored(signal))
            Assert.Ignore($"signal {signal} is ignored by this test process (a non-interactive shell started it in the background) and a child inherits that");
        string guest = new TestGuest().Asm("BRC", m1: 15, ri2: 0).WriteTemp(); // a loop that never ends
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "run", guest, "--progress", "--stats" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            // the first progress line (after a second) shows the run loop is going and the handlers are installed
            var firstLine = p.StandardError.ReadLineAsync();
            Assert.That(firstLine.Wait(60_000), Is.True, "a progress line within a minute");
            string? first = firstLine.Result;
            Assert.That(first, Does.Match(@"^s390jit: [\d.]+ M guest instructions, [\d.]+ MIPS, guest time [\d.]+ s, wall \d+ s$"));
            Assert.That(kill(p.Id, signal), Is.EqualTo(0));
            var read = p.StandardError.ReadToEndAsync();
            Assert.That(p.WaitForExit(60_000), Is.True, "the run ends");
            string rest = read.Result;
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
