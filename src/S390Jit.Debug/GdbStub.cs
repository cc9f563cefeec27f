using S390Jit.Architecture.State;
using S390Jit.Execution;
using S390Jit.Vmm;

namespace S390Jit.Debug;

/// <summary>A watchpoint: gdb's Z2 (write), Z3 (read), Z4 (access).</summary>
internal sealed record Watch(int Kind, ulong Address, ulong Length)
{
    public string Reason => Kind switch { 2 => "watch", 3 => "rwatch", _ => "awatch" };
}

/// <summary>
/// The machine side of the gdb stub. It sits between the SIE and the machine's engine (it is the engine
/// the SIE runs), and on the run loop (<see cref="IMachineDebugger"/>).
/// <para>
/// Without breakpoints, watchpoints or a step in progress the machine's own engine (JIT or interpreter)
/// runs untouched; otherwise this engine runs the guest one instruction at a time with the interpreter's
/// exact loop (events at the same boundaries, the same semantic bodies), checking breakpoints before and
/// watchpoints after each instruction. Engines agree on every cycle, so a debugged run counts the same
/// cycles as a run without the debugger; a stop only parks the vcpu thread at an instruction boundary.
/// </para>
/// <para>
/// Reverse execution rests on determinism: the run loop takes snapshots every <see cref="Snapshots.Interval"/>
/// cycles at round boundaries; going back restores the newest snapshot before the target and runs forward
/// again. A "point" names an instruction boundary: the sum of every CPU's cycles, which grows at every
/// boundary. To step back, the stretch from the snapshot to the current point is run once to find the
/// last boundary (or breakpoint or watchpoint hit) before it, then run again to stop there.
/// </para>
/// </summary>
public sealed class GdbStub : IExecutionEngine, IMachineDebugger
{
    private enum Mode { Continue, Step, RunTo, Scan }

    private readonly Machine _m;
    private readonly IExecutionEngine _inner;
    private readonly Snapshots _snapshots;
    private readonly ConsoleGate? _console;

    // ---- what the debugger asked for (changed only while the machine is parked) -------------------
    private readonly HashSet<ulong> _breakpoints = new();
    private readonly List<Watch> _watches = new();
    private Mode _mode = Mode.Continue;
    private int _stepCpu = -1;
    private bool _stepDone;
    private volatile bool _breakRequested;
    private bool _parkAtFirstRound;

    // ---- reverse execution ------------------------------------------------------------------------
    private sealed record Hit(ulong Point, int Cpu, string Reason);
    private sealed record Rewind(bool StepBack, int Cpu, ulong Origin);
    private object? _pending;                 // Rewind, or KillRequest, to be done at the next round top
    private volatile bool _rewinding;
    private Rewind? _scan;                    // the reverse operation in progress
    private int _scanFrom;                    // the snapshot the current scan segment started at
    private ulong _scanEnd;
    private Hit? _lastHit;
    private Hit? _runTo;
    private readonly List<(ulong Point, Action Apply)> _edits = new();
    private int _editCursor;

    // ---- the park handshake -----------------------------------------------------------------------
    private readonly SemaphoreSlim _resume = new(0);
    private readonly ManualResetEventSlim _stoppedEvent = new(false);
    private volatile bool _parked;
    private volatile string _stopReply = "S05";
    private volatile RunResult? _ended;

    private sealed class KillRequest;
    private (Cpu? Cpu, ulong Cycles) _unwound;

    public GdbStub(Machine machine, ConsoleGate? console = null, bool startStopped = false)
    {
        _m = machine;
        _inner = machine.Hardware.Sie.Engine;
        _console = console;
        _snapshots = new Snapshots(machine);
        _parkAtFirstRound = startStopped;
        machine.Hardware.Sie.Engine = this;
        machine.Debugger = this;
    }

    public string Name => _inner.Name;
    public Machine Machine => _m;
    public bool Parked => _parked;
    public RunResult? Ended => _ended;
    public string StopReply => _stopReply;
    /// <summary>The CPU (index) the last stop happened on: gdb's current thread.</summary>
    public int StopCpu { get; private set; }
    /// <summary>The point the machine is parked at.</summary>
    public ulong StopPoint { get; private set; }
    internal Snapshots Snapshots => _snapshots;
    public bool Rewinding => _rewinding;
    public int CpuCount => _m.Kvm.Vcpus.Count;
    public Cpu Cpu(int index) => _m.Kvm.Vcpus[index].Cpu;
    /// <summary>Instructions run one at a time by this engine (the cost of breakpoints and stepping).</summary>
    public ulong SteppedInstructions { get; private set; }
    public int Reexecutions { get; private set; }

    private ulong Point()
    {
        ulong s = 0;
        foreach (var v in _m.Kvm.Vcpus) s += v.Cpu.Cycles;
        return s;
    }

    private int IndexOf(Cpu cpu)
    {
        var vs = _m.Kvm.Vcpus;
        for (int i = 0; i < vs.Count; i++) if (vs[i].Cpu == cpu) return i;
        return 0;
    }

    private bool SteppingNeeded => _mode != Mode.Continue || _breakpoints.Count > 0 || _watches.Count > 0 || _editCursor < _edits.Count;

    // ---- IExecutionEngine ---------------------------------------------------------------------------

    public CpuExit Run(Cpu cpu)
    {
        while (true)
        {
            if (_pending != null) return Unwind(cpu);
            if (!SteppingNeeded)
            {
                var x = _inner.Run(cpu);
                if (x == CpuExit.HostRequest && _breakRequested)
                {
                    // Ctrl-C reached the engine: the request was ours, the guest never sees it
                    Park(cpu, StopReplyFor(IndexOf(cpu), "T02", ""), Point());
                    continue;
                }
                return x;
            }
            if (StepLoop(cpu) is { } exit) return exit;
        }
    }

    /// <summary>The interpreter's loop with the debugger's checks; null when the mode changed (the caller re-decides).</summary>
    private CpuExit? StepLoop(Cpu cpu)
    {
        try
        {
            while (true)
            {
                if (cpu.Cycles >= cpu.EventCycle)
                {
                    var e = cpu.ServiceEvents();
                    if (e == CpuExit.HostRequest && _breakRequested) { Park(cpu, StopReplyFor(IndexOf(cpu), "T02", ""), Point()); return null; }
                    if (e != CpuExit.None) return e;
                }
                ulong point = Point();
                if (!BeforeStep(cpu, point)) return _pending != null ? Unwind(cpu) : null;
                if (!SteppingNeeded) return null;
                var x = StepOne(cpu, point);
                if (x == null) return _pending != null ? Unwind(cpu) : null;
                if (x != CpuExit.None) return x;
            }
        }
        catch (ProgramInterruptException p)
        {
            cpu.TakeProgramInterruption(p);
            AfterStep(cpu, _preStepPoint);
            return _pending != null ? Unwind(cpu) : null;
        }
        catch (SieInterceptException)
        {
            return CpuExit.Instruction;
        }
    }

    private ulong _preStepPoint;
    private readonly List<byte[]?> _watchValues = new();
    private ulong _readHit = ulong.MaxValue;

    /// <summary>One instruction; null when a watchpoint parked the machine and the mode changed.</summary>
    private CpuExit? StepOne(Cpu cpu, ulong point)
    {
        _preStepPoint = point;
        _watchValues.Clear();
        foreach (var w in _watches) _watchValues.Add(w.Kind == 3 ? null : ReadAbsoluteOf(cpu, w.Address, w.Length));
        _readHit = ulong.MaxValue;
        if (_mode == Mode.Step && IndexOf(cpu) == _stepCpu) _stepDone = true;
        var x = cpu.Step();
        SteppedInstructions++;
        if (!AfterStep(cpu, point)) return x != CpuExit.None ? x : null;
        return x;
    }

    /// <summary>The watchpoint checks after an instruction (or its program interruption); false when the machine parked.</summary>
    private bool AfterStep(Cpu cpu, ulong prePoint)
    {
        if (_watches.Count == 0 || _mode == Mode.RunTo) return true;
        Watch? hit = null;
        for (int i = 0; i < _watches.Count && hit == null; i++)
        {
            var w = _watches[i];
            if (w.Kind != 3 && i < _watchValues.Count && _watchValues[i] is { } before)
            {
                var now = ReadAbsoluteOf(cpu, w.Address, w.Length);
                if (now != null && !now.AsSpan().SequenceEqual(before)) hit = w;
            }
            if (hit == null && w.Kind != 2 && _readHit != ulong.MaxValue && ReadHits(cpu, w)) hit = w;
        }
        _readHit = ulong.MaxValue;
        if (hit == null) return true;
        string reason = $"{hit.Reason}:{hit.Address:x};";
        if (_mode == Mode.Scan)
        {
            if (prePoint < _scanEnd) _lastHit = new Hit(prePoint, IndexOf(cpu), reason);
            return true;
        }
        Park(cpu, StopReplyFor(IndexOf(cpu), "T05", reason), Point());
        return false;
    }

    private bool ReadHits(Cpu cpu, Watch w)
    {
        if (!cpu.DebugTranslate(w.Address, out ulong abs)) return false;
        // the start of an operand fetch in the watched bytes or in the aligned doubleword holding them
        return _readHit >= (abs & ~7UL) && _readHit < abs + w.Length;
    }

    /// <summary>The checks before an instruction; false when the machine parked and the mode changed.</summary>
    private bool BeforeStep(Cpu cpu, ulong point)
    {
        while (_editCursor < _edits.Count && _edits[_editCursor].Point <= point) _edits[_editCursor++].Apply();
        int idx = IndexOf(cpu);
        switch (_mode)
        {
            case Mode.Scan:
                if (point >= _scanEnd) { EndScanSegment(); return false; }
                if (_scan!.StepBack ? idx == _scan.Cpu : _breakpoints.Contains(cpu.PswAddr)) _lastHit = new Hit(point, idx, "");
                return true;
            case Mode.RunTo:
                if (point < _runTo!.Point) return true;
                _mode = Mode.Continue;
                var reason = _runTo.Reason;
                _runTo = null;
                Park(cpu, StopReplyFor(idx, "T05", reason), point);
                return false;
            case Mode.Step:
                if (idx == _stepCpu && _stepDone) { Park(cpu, StopReplyFor(idx, "T05", ""), point); return false; }
                break;
        }
        if (_breakpoints.Contains(cpu.PswAddr) && !(_mode == Mode.Step && idx == _stepCpu && !_stepDone))
        {
            Park(cpu, StopReplyFor(idx, "T05", "swbreak:;"), point);
            return false;
        }
        if (_breakRequested) { Park(cpu, StopReplyFor(idx, "T02", ""), point); return false; }
        return true;
    }

    private static string StopReplyFor(int cpu, string sig, string reason) => $"{sig}{reason}thread:{cpu + 1:x2};";

    /// <summary>Leaves SIE at once so the run loop reaches its next round (the state is about to be replaced).</summary>
    private CpuExit Unwind(Cpu cpu)
    {
        _rewinding = true;
        _unwound = (cpu, cpu.Cycles);
        cpu.Cycles = Math.Max(cpu.Cycles, cpu.BudgetEnd);
        return CpuExit.Budget;
    }

    // ---- IMachineDebugger -------------------------------------------------------------------------

    public RunResult? AtRound()
    {
        while (true)
        {
            var p = _pending;
            _pending = null;
            _rewinding = false;
            switch (p)
            {
                case KillRequest:
                    if (_unwound.Cpu is { } uc) uc.Cycles = _unwound.Cycles; // the statistics show where gdb killed it
                    return new RunResult(RunEnd.Shutdown, "killed by gdb", 0);
                case Rewind r:
                    _scan = r;
                    StartScan(_snapshots.IndexBefore(r.Origin), r.Origin);
                    continue;
                case ScanBefore sb:
                    StartScan(sb.Index, sb.End);
                    continue;
                case Hit h:
                    // the scan found the stop: run to it again from its snapshot
                    RestoreSnapshot(_snapshots.IndexBefore(h.Point + 1));
                    _mode = Mode.RunTo;
                    _runTo = h;
                    return null;
                case string beginning:
                    RestoreSnapshot(0);
                    _mode = Mode.Continue;
                    Park(_m.Kvm.Vcpus[StopCpu].Cpu, beginning, Point());
                    continue;
            }
            bool interrupted;
            lock (_breakLock)
            {
                // a Ctrl-C (or gdb connecting) that did not reach an engine stops here; its kick is not machine state
                interrupted = _breakRequested;
                if (interrupted) ClearBreak();
                if (_recording && _m.Host.Regions.All(r => r.Size <= int.MaxValue)) _snapshots.MaybeTake(Point(), _console?.GuestBytes ?? 0);
            }
            if (_parkAtFirstRound || interrupted)
            {
                var c = _m.Kvm.Vcpus[StopCpu].Cpu;
                Park(c, StopReplyFor(StopCpu, _parkAtFirstRound ? "T05" : "T02", ""), Point());
                _parkAtFirstRound = false;
                continue;
            }
            return null;
        }
    }

    private void StartScan(int index, ulong end)
    {
        _scanFrom = index;
        _scanEnd = end;
        _lastHit = null;
        RestoreSnapshot(index);
        _mode = Mode.Scan;
    }

    /// <summary>The scan reached its end: go to the hit, or scan the stretch before, or stop at the first snapshot.</summary>
    private void EndScanSegment()
    {
        var scan = _scan!;
        if (_lastHit is { } hit)
        {
            _scan = null;
            _pending = hit;
        }
        else if (_scanFrom > 0)
        {
            _pending = new ScanBefore(_scanFrom - 1, _snapshots.List[_scanFrom].Point);
        }
        else
        {
            _scan = null;
            _pending = StopReplyFor(scan.Cpu, "T05", "replaylog:begin;");
        }
        _mode = Mode.Continue;
    }

    private sealed record ScanBefore(int Index, ulong End);

    private void RestoreSnapshot(int index)
    {
        var s = _snapshots.Restore(index, (abs, len) =>
        {
            if (_inner is Execution.Jit.JitEngine jit) jit.NotifyHostWrite(_m.Boot.Cpu, abs, len);
        });
        foreach (var v in _m.Kvm.Vcpus) { v.Cpu.InvalidateTranslation(); v.Cpu.RecheckEvents(); }
        if (_console != null) _console.GuestBytes = s.ConsoleBytes;
        _editCursor = 0;
        while (_editCursor < _edits.Count && _edits[_editCursor].Point <= s.Point) _editCursor++;
        Reexecutions++;
    }

    // ---- parking ------------------------------------------------------------------------------------

    private readonly object _breakLock = new();

    private void ClearBreak()
    {
        _breakRequested = false;
        foreach (var v in _m.Kvm.Vcpus) v.Cpu.HostExitRequest = false;
    }

    private void Park(Cpu cpu, string reply, ulong point)
    {
        lock (_breakLock)
        {
            ClearBreak();
            StopCpu = IndexOf(cpu);
            StopPoint = point;
            _stopReply = reply;
            _parked = true;
        }
        _stoppedEvent.Set();
        _resume.Wait();
    }

    /// <summary>Waits until the machine parks or the run ends (true) or the timeout passes.</summary>
    public bool WaitStopped(int milliseconds) => _stoppedEvent.Wait(milliseconds);

    /// <summary>Called by the front end when <see cref="Machine.Run"/> returned.</summary>
    public void RunEnded(RunResult result)
    {
        _ended = result;
        _stoppedEvent.Set();
    }

    private void Release()
    {
        _stoppedEvent.Reset();
        _parked = false;
        _resume.Release();
    }

    private volatile bool _recording;

    /// <summary>
    /// Starts the reverse-execution history (gdb connected): from the next round on, snapshots are taken.
    /// Until a debugger connects the stub costs the run nothing but a check per round.
    /// </summary>
    public void Record() => _recording = true;

    /// <summary>Ctrl-C: stop at the next instruction boundary (thread-safe).</summary>
    public void RequestBreak()
    {
        lock (_breakLock)
        {
            if (_parked || _ended != null) return;
            _breakRequested = true;
            // only the flag: EventCycle belongs to the vcpu thread (compiled regions derive the cycle count from
            // it), so the request is seen at the next event boundary, at the latest at the end of the time slice
            foreach (var v in _m.Kvm.Vcpus) v.Cpu.HostExitRequest = true;
        }
    }

    // ---- commands from the server (machine parked) ------------------------------------------------

    public void Continue() { _mode = Mode.Continue; Release(); }

    public void Step(int cpu)
    {
        _mode = Mode.Step;
        _stepCpu = cpu;
        _stepDone = false;
        Release();
    }

    public void Kill() { _pending = new KillRequest(); Release(); }

    public void Detach()
    {
        _breakpoints.Clear();
        _watches.Clear();
        UpdateFetchWatch();
        _mode = Mode.Continue;
        Release();
    }

    /// <summary>bs / bc: false (with the reply to give) when there is nothing before the current point.</summary>
    public bool Reverse(bool stepBack, int cpu, out string? immediateReply)
    {
        immediateReply = null;
        if (_snapshots.IndexBefore(StopPoint) < 0)
        {
            immediateReply = StopReplyFor(cpu, "T05", "replaylog:begin;");
            return false;
        }
        _pending = new Rewind(stepBack, cpu, StopPoint);
        Release();
        return true;
    }

    public void AddBreakpoint(ulong address) => _breakpoints.Add(address);
    public void RemoveBreakpoint(ulong address) => _breakpoints.Remove(address);

    public void AddWatch(int kind, ulong address, ulong length)
    {
        _watches.Add(new Watch(kind, address, length));
        UpdateFetchWatch();
    }

    public bool RemoveWatch(int kind, ulong address, ulong length)
    {
        int i = _watches.FindIndex(w => w.Kind == kind && w.Address == address && w.Length == length);
        if (i >= 0) _watches.RemoveAt(i);
        UpdateFetchWatch();
        return i >= 0;
    }

    private void UpdateFetchWatch()
    {
        bool reads = _watches.Any(w => w.Kind != 2);
        foreach (var v in _m.Kvm.Vcpus)
        {
            var c = v.Cpu;
            c.FetchWatch = reads ? abs => { if (_readHit == ulong.MaxValue) _readHit = abs; } : null;
            c.InvalidateTranslation();
        }
    }

    /// <summary>A change of guest state by the debugger: applied now, and again whenever a re-execution passes this point.</summary>
    public void Edit(Action apply)
    {
        // what was recorded after this point belonged to the future this edit replaces
        while (_edits.Count > 0 && _edits[^1].Point > StopPoint) _edits.RemoveAt(_edits.Count - 1);
        _edits.Add((StopPoint, apply));
        _editCursor = _edits.Count;
        apply();
    }

    // ---- guest storage as gdb addresses it -------------------------------------------------------

    /// <summary>Reads through DAT when it is on (absolute otherwise); null when a byte does not translate.</summary>
    public static unsafe byte[]? ReadAbsoluteOf(Cpu cpu, ulong address, ulong length)
    {
        var b = new byte[length];
        for (ulong i = 0; i < length; i++)
        {
            if (!cpu.DebugTranslate(address + i, out ulong abs)) return null;
            b[i] = cpu.Mem[abs];
        }
        return b;
    }

    /// <summary>Bytes readable from <paramref name="address"/> (stops at the first that does not translate).</summary>
    public static unsafe byte[] ReadMemory(Cpu cpu, ulong address, int length)
    {
        var list = new List<byte>(length);
        for (int i = 0; i < length; i++)
        {
            if (!cpu.DebugTranslate(address + (ulong)i, out ulong abs)) break;
            list.Add(cpu.Mem[abs]);
        }
        return list.ToArray();
    }

    /// <summary>Writes guest storage as the debugger (storage change bits set, translated code dropped).</summary>
    public unsafe bool WriteMemory(Cpu cpu, ulong address, byte[] data)
    {
        var abs = new ulong[data.Length];
        for (int i = 0; i < data.Length; i++)
            if (!cpu.DebugTranslate(address + (ulong)i, out abs[i])) return false;
        Edit(() =>
        {
            for (int i = 0; i < data.Length; i++)
            {
                cpu.Mem[abs[i]] = data[i];
                if (_inner is Execution.Jit.JitEngine jit) jit.NotifyHostWrite(cpu, abs[i], 1);
            }
        });
        return true;
    }

    // ---- monitor ------------------------------------------------------------------------------------

    public string Monitor(string command)
    {
        var parts = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] == "help")
            return "monitor commands:\n  cycles                  cycles and instructions per CPU\n  stats                   the --stats summary so far\n"
                + "  trace host on|off       host-model event trace to stderr\n  engine                  the engine and how the debugger runs it\n"
                + "  snapshots               reverse-execution snapshots and their memory\n  snapshot-interval N     cycles between snapshots\n"
                + "  psw                     the PSW and the instruction address of each CPU\n";
        switch (parts[0])
        {
            case "cycles":
                return string.Concat(_m.Kvm.Vcpus.Select(v => $"cpu {v.Cpu.CpuAddress}: {v.Cpu.Cycles} cycles, {v.Cpu.Instructions} instructions\n"));
            case "stats":
                return _m.Statistics(new RunResult(RunEnd.Stopped, "stopped in gdb", 0));
            case "trace" when parts.Length == 3 && parts[1] == "host" && parts[2] is "on" or "off":
                _m.Events.Sink = parts[2] == "on" ? line => Console.Error.WriteLine(line) : null;
                return $"host trace {parts[2]}\n";
            case "engine":
                return $"engine {_inner.Name}; {(SteppingNeeded ? "one instruction at a time (breakpoints, watchpoints or a step)" : "at full speed")}; "
                    + $"{SteppedInstructions} instructions stepped by the debugger, {Reexecutions} re-executions\n";
            case "snapshots":
                return $"{_snapshots.List.Count} snapshots every {_snapshots.Interval} cycles (max {_snapshots.MaxSnapshots}), "
                    + $"shadow {_snapshots.ShadowBytes >> 10} KiB, diffs {_snapshots.UndoBytes >> 10} KiB\n"
                    + string.Concat(_snapshots.List.Select(s => $"  point {s.Point}: {s.Instructions} instructions, {s.Undo.Count} pages changed since the one before\n"));
            case "snapshot-interval" when parts.Length == 2 && ulong.TryParse(parts[1], out ulong n) && n > 0:
                _snapshots.Interval = n;
                return $"snapshots every {n} cycles\n";
            case "psw":
                return string.Concat(_m.Kvm.Vcpus.Select(v => $"cpu {v.Cpu.CpuAddress}: PSW {v.Cpu.FullPswMask:x16} {v.Cpu.PswAddr:x16}{(v.Stopped ? " (stopped)" : "")}\n"));
            default:
                return $"unknown monitor command '{command}' (monitor help)\n";
        }
    }
}
