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
    private readonly Timer? _phases;
    private JitPhase _lastPhase;
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
        // S390JIT_PHASES=MS: a line of engine counters every MS ms of wall time (where a run's time goes, phase by phase)
        if (int.TryParse(Environment.GetEnvironmentVariable("S390JIT_PHASES"), out int ms) && ms > 0)
        {
            _lastPhase = new JitPhase(0, 0, 0, 0, 0, 0, 0, 0, TimeSpan.Zero);
            _phases = new Timer(_ => PhaseTick(), null, TimeSpan.FromMilliseconds(ms), TimeSpan.FromMilliseconds(ms));
        }
    }

    private long _lastDecoded, _lastFetchMisses;
    private long[] _lastFt = new long[9];
    private int _lastGc0;
    /// <summary>CPU time of the thread that started the run (the first vcpu), from /proc; zero where it cannot be read.</summary>
    private static TimeSpan MainThreadCpu()
    {
        try
        {
            var f = File.ReadAllText($"/proc/self/task/{Environment.ProcessId}/stat");
            var parts = f[(f.LastIndexOf(')') + 2)..].Split(' ');
            return TimeSpan.FromSeconds((long.Parse(parts[11]) + long.Parse(parts[12])) / 100.0);
        }
        catch (Exception) { return TimeSpan.Zero; }
    }
    private TimeSpan _lastVcpu;

    private readonly record struct JitPhase(ulong Instructions, long Compiled, long Interpreted, long Runs, long Reexecutions, long Regions,
        double CompileMs, double LatencyMs, TimeSpan Cpu);

    /// <summary>One S390JIT_PHASES line: deltas since the last one (racy reads of the engine's counters: diagnostics only).</summary>
    private void PhaseTick()
    {
        var (insns, cycles) = _machine.Progress();
        var cpu = _machine.Boot.Cpu;
        var now = new JitPhase(insns, 0, 0, 0, 0, 0, 0, 0, System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime);
        string jit = "";
        if (_machine.Engine is S390Jit.Execution.Jit.JitEngine { Stats: var j } ft)
        {
            now = now with { Compiled = j.CompiledInstructions, Interpreted = j.InterpretedInstructions, Runs = j.RegionRuns, Reexecutions = j.Reexecutions,
                Regions = j.RegionsCompiled, CompileMs = j.CompileMicroseconds / 1000, LatencyMs = j.CompileLatencyMicroseconds / 1000 };
            var p = _lastPhase;
            long regions = now.Regions - p.Regions;
            var t = ft.FirstTier;
            jit = $" decoded {t.BlocksDecoded - _lastDecoded,6}, fetch misses {t.FetchMisses - _lastFetchMisses,6}, gc0 {GC.CollectionCount(0) - _lastGc0,3}," +
                  $" compiled {(now.Compiled - p.Compiled) / 1e6,7:F1} M, interpreted {(now.Interpreted - p.Interpreted) / 1e6,6:F1} M, runs {(now.Runs - p.Runs) / 1e3,6:F0} k," +
                  $" reexec {now.Reexecutions - p.Reexecutions,6}, regions +{regions,3} ({now.CompileMs - p.CompileMs,5:F0} ms compile CPU," +
                  $" latency {(regions > 0 ? (now.LatencyMs - p.LatencyMs) / regions : 0),5:F0} ms), queue {j.CompilesPending,3}";
            long[] ft1 = [t.Calls, t.BlocksRun, t.SuccessorMisses, t.StaleDecodes, t.EndHot, t.EndNoChain, t.EndStop, t.EndBudget, t.EndNoBlock];
            jit += $", ft calls {(ft1[0] - _lastFt[0]) / 1e3:F0} k blocks {(ft1[1] - _lastFt[1]) / 1e3:F0} k succ-miss {(ft1[2] - _lastFt[2]) / 1e3:F0} k stale {ft1[3] - _lastFt[3]}" +
                   $" ends hot/nochain/stop/budget/noblock {(ft1[4] - _lastFt[4]) / 1e3:F0}/{(ft1[5] - _lastFt[5]) / 1e3:F0}/{(ft1[6] - _lastFt[6]) / 1e3:F0}/{(ft1[7] - _lastFt[7]) / 1e3:F0}/{(ft1[8] - _lastFt[8]) / 1e3:F0} k";
            _lastFt = ft1;
        }
        var vcpu = MainThreadCpu();
        string line = $"phase: {(DateTime.UtcNow - _start).TotalSeconds,6:F2} s, insns {now.Instructions / 1e6,7:F1} M (+{(now.Instructions - _lastPhase.Instructions) / 1e6,6:F1} M), cycles {cycles / 1e6:F1} M," +
                      $" process CPU +{(now.Cpu - _lastPhase.Cpu).TotalMilliseconds,4:F0} ms, vcpu +{(vcpu - _lastVcpu).TotalMilliseconds,4:F0} ms, {((cpu.PswMask & S390Jit.Architecture.State.Psw.Dat) != 0 ? "DAT" : "real")} {cpu.PswAddr:x8},{jit}";
        _lastPhase = now;
        _lastVcpu = vcpu;
        if (_machine.Engine is S390Jit.Execution.Jit.JitEngine ft2) { _lastDecoded = ft2.FirstTier.BlocksDecoded; _lastFetchMisses = ft2.FirstTier.FetchMisses; }
        _lastGc0 = GC.CollectionCount(0);
        lock (_stderr) { _stderr.WriteLine(line); _stderr.Flush(); }
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
        _phases?.Dispose();
        if (_timer != null)
            using (var done = new ManualResetEvent(false)) // wait for a tick that is running
                if (_timer.Dispose(done)) done.WaitOne(1000);
        lock (_stderr)
            if (_shown && _terminal) _stderr.Write("\r\u001b[K");
        foreach (var s in _signals) s.Dispose();
    }
}
