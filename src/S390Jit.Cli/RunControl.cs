using System.Runtime.InteropServices;
using S390Jit.Vmm;

namespace S390Jit.Cli;

/// <summary>
/// Run control while a machine runs: SIGINT and SIGTERM end the run at the next time-slice boundary
/// ("terminating on signal N", exit 128 + N; a second signal kills at once), and the progress line
/// (guest instructions, MIPS, guest time once a second on stderr) with --progress, or by itself after
/// three seconds when stderr is a terminal. Reading the counters changes nothing the guest sees.
/// </summary>
internal sealed class RunControl : IDisposable
{
    private readonly Machine _machine;
    private readonly TextWriter _stderr;
    private readonly bool _terminal;
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly Timer? _timer;
    private readonly DateTime _start = DateTime.UtcNow;
    private (ulong Instructions, DateTime At) _last;
    private bool _shown;
    private int _signalled;

    public RunControl(Machine machine, TextWriter stderr, bool progress, bool terminal)
    {
        _machine = machine;
        _stderr = stderr;
        _terminal = terminal;
        foreach (var (signal, number) in new[] { (PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15) })
        {
            try { _signals.Add(PosixSignalRegistration.Create(signal, ctx => OnSignal(ctx, number))); }
            catch (PlatformNotSupportedException) { }
        }
        _last = (0, _start);
        if (progress || terminal)
            _timer = new Timer(_ => Tick(), null, TimeSpan.FromSeconds(progress ? 1 : 3), TimeSpan.FromSeconds(1));
    }

    private void OnSignal(PosixSignalContext ctx, int number)
    {
        // the first signal ends the run cleanly; another one while it ends takes the default action
        if (Interlocked.Exchange(ref _signalled, 1) != 0) return;
        ctx.Cancel = true;
        _machine.RequestStop(number);
    }

    private void Tick()
    {
        var (insns, cycles) = _machine.Progress();
        var now = DateTime.UtcNow;
        double mips = (insns - _last.Instructions) / Math.Max((now - _last.At).TotalSeconds, 1e-3) / 1e6;
        _last = (insns, now);
        string line = $"s390jit: {insns / 1e6:F1} M guest instructions, {mips:F1} MIPS, guest time {_machine.Boot.Cpu.Clock.Seconds(cycles):F6} s, wall {(now - _start).TotalSeconds:F0} s";
        lock (_stderr)
        {
            if (_terminal) _stderr.Write($"\r{line}\u001b[K");
            else _stderr.WriteLine(line);
            _stderr.Flush();
            _shown = true;
        }
    }

    public void Dispose()
    {
        if (_timer != null)
            using (var done = new ManualResetEvent(false)) // wait for a tick that is running
                if (_timer.Dispose(done)) done.WaitOne(1000);
        lock (_stderr)
            if (_shown && _terminal) _stderr.Write("\r\u001b[K");
        foreach (var s in _signals) s.Dispose();
    }
}
