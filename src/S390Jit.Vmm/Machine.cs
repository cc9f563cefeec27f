using System.Diagnostics;
using System.Text;
using S390Jit.Architecture.State;
using S390Jit.Execution;
using S390Jit.Hardware;
using S390Jit.Host;
using S390Jit.Host.Kvm;
using S390Jit.Loader;
using S390Jit.Memory;
using S390Jit.Hardware.Sie;
using S390Jit.Hardware.Tracing;

namespace S390Jit.Vmm;

/// <summary>How a run ended, and the exit code the CLI uses for it.</summary>
public enum RunEnd
{
    /// <summary>All CPUs stopped (SIGP STOP): exit 0.</summary>
    Stopped = 0,
    /// <summary>A CPU loaded a disabled-wait PSW: exit 1.</summary>
    DisabledWait = 1,
    /// <summary>Every CPU waits for an interruption that can never come: exit 1.</summary>
    Deadlock = 5,
    /// <summary>--max-cycles reached: exit 3.</summary>
    MaxCycles = 3,
    /// <summary>An internal fault of the emulator: exit 4.</summary>
    InternalError = 4,
    /// <summary>SIGINT or SIGTERM (<see cref="Machine.RequestStop"/>): exit 128 + the signal number.</summary>
    Terminated = 6,
    /// <summary>The guest asked for a re-IPL (DIAG 308), or the watchdog reset it: exit 0, as QEMU with -no-reboot.</summary>
    Reboot = 7,
    /// <summary>The watchdog's shutdown, poweroff or pause action: exit 0.</summary>
    Shutdown = 8,
    /// <summary>The guest panicked as QEMU on KVM reports it: an interruption loop (an invalid program or external new PSW): exit 1.</summary>
    GuestPanicked = 9,
}

public sealed record RunResult(RunEnd End, string Message, int ExitCode);

/// <summary>
/// The VMM (the QEMU role): builds the machine (host memory, KVM VM, vcpus, SCLP), loads the
/// kernel with qemu-system-s390x's -kernel protocol, runs the vcpus and handles the exits KVM
/// passes up: SCLP, DIAG, SIGP orders, I/O instructions, disabled wait.
/// </summary>
public sealed partial class Machine : IDisposable
{
    private readonly MachineOptions _opt;
    private readonly Stopwatch _wall = new();

    /// <summary>Where machine creation reports its steps (the CLI's S390JIT_STARTUP_TRACE), or null.</summary>
    public static Action<string>? StartupMark { get; set; }

    public Machine(MachineOptions options)
    {
        _opt = options;
        if (options.Cpus < 1 || options.Cpus > 248) throw new ArgumentException($"invalid CPU count {options.Cpus} (1-248)");
        if (options.MemoryBytes < (1UL << 20) || options.MemoryBytes > (64UL << 30))
            throw new ArgumentException($"memory size {options.MemoryBytes >> 20} MiB out of range (1 MiB - 64 GiB)");
        var hostAp = options.Ap is { } ap ? VfioApDevice.HostBus(ap) : null;
        Host = new HostMemory();
        Events = new TraceLog { Sink = options.HostTrace };
        StartupMark?.Invoke("  host memory and trace log");
        var model = new CpuModel();
        foreach (var (bit, on) in options.Facilities)
            if (on) model.Facilities.Add(bit); else model.Facilities.Remove(bit);
        if (options.Ap != null) VfioApDevice.ConfigureCpuModel(model, options.Ap);
        var config = new KvmHostConfig { Aiv = options.HostAiv, Facility65 = options.HostFacility65, GisaFormat1 = options.HostGisaFormat1, Quirks = options.Quirks };
        StartupMark?.Invoke("  CPU model");
        Hardware = new HostMachine(Host, Events, hostAp?.Hardware);
        StartupMark?.Invoke("  host machine (SIE, AIV)");
        Kvm = new KvmVm(Hardware, options.MemoryBytes, model, config);
        StartupMark?.Invoke("  KVM VM");
        if (hostAp != null && options.Ap?.HostBus == null)
        {
            hostAp.VfioAp.Quirks = options.Quirks;
            hostAp.VfioAp.Events = Events;
        }
        // all vcpus share one engine (and with the JIT one code cache and one map of watched frames)
        Engine = options.EngineFactory?.Invoke() ?? CreateEngine(options.Engine, options.VerifyJit);
        StartupMark?.Invoke("  execution engine");
        if (options.Profile && Engine is Execution.Interpreter.Interpreter interp) interp.Histogram = new();
        Hardware.Sie.Engine = Engine;
        if (options.Log != Diagnostics.LogItems.None) Log = new Diagnostics.GuestLog(options.Log, options.LogWriter ?? System.Console.Error);
        if (options.Profile)
        {
            Profiler = new Diagnostics.Profiler(options.Symbols ?? SymbolTable.Empty);
            if (Engine is Execution.Jit.JitEngine jit) jit.SplitBefore = Profiler.SplitBefore;
            Hardware.Sie.Engine = new Diagnostics.ProfilingEngine(Engine, Profiler);
            Events.Listener += Profiler.OnTraceEvent;
        }
        if (options.Timeline)
        {
            Timeline = new Diagnostics.TraceTimeline(options.CpuMhz);
            Events.Listener += Timeline.OnTraceEvent;
        }
        if (Engine is Execution.Jit.JitEngine jitEngine)
            Kvm.GuestMemoryWritten += (address, length) => jitEngine.NotifyHostWrite(Kvm.Vcpus[0].Cpu, address, length);
        // (plain loops: LINQ over ushort here cost ~25 methods RyuJIT compiled at every start, perf/startup.md)
        // (an array: List<ushort>'s static constructor is a RyuJIT compile)
        var extra = options.ExtraCpuAddressesSpan;
        var addresses = new ushort[options.Cpus + extra.Length];
        for (int i = 0; i < options.Cpus; i++) addresses[i] = (ushort)i;
        extra.CopyTo(addresses.AsSpan(options.Cpus));
        if (addresses.Length > 248 || !Distinct(addresses))
            throw new ArgumentException("CPU addresses must be distinct, at most 248 CPUs");
        foreach (ushort address in addresses)
        {
            var v = Kvm.CreateVcpu(address);
            v.Cpu.Clock = new CpuClock(options.CpuMhz);
            if (Engine is Execution.Jit.JitEngine jit) jit.Attach(v.Cpu); // stores of every vcpu reach the one code watch
            v.Cpu.Observer = Observer();
        }
        StartupMark?.Invoke("  vcpus");
        Sclp = new Sclp(Kvm, options.Console) { Input = options.ConsoleInput };
        if (options.ConsoleInput != null) Kvm.WaitHook = _ => Sclp.OfferInput();
        if (Log?.Has(Diagnostics.LogItems.GuestErrors) == true) Sclp.GuestError = Log.GuestError;
        Kvm.Uuid = options.Uuid;
        Ipl = new Ipl(this);
        if (options.Diag288) Watchdog = new Diag288Watchdog(options.WatchdogAction, options.CpuMhz);
        Css = new ChannelSubsystem(Kvm);
        foreach (var d in options.VirtioCcw)
            if (Css.AddVirtioCcw(d.VirtioId, d.Busid) is { } error) { Dispose(); throw new ArgumentException($"virtio-ccw device: {error}"); }
        if (options.Ap != null)
        {
            try { VfioAp = VfioApDevice.Attach(Kvm, options.Ap, hostAp!); }
            catch { Dispose(); throw; }
        }
    }

    private static bool Distinct(ushort[] addresses)
    {
        var seen = new bool[ushort.MaxValue + 1];
        foreach (ushort a in addresses)
        {
            if (seen[a]) return false;
            seen[a] = true;
        }
        return true;
    }

    /// <summary>The AP crypto set-up (vfio_ap matrix mdev opened for this VM), or null without AP.</summary>
    public VfioApDevice? VfioAp { get; }

    /// <summary>The -d logs, or null.</summary>
    public Diagnostics.GuestLog? Log { get; }
    /// <summary>The --profile profiler, or null.</summary>
    public Diagnostics.Profiler? Profiler { get; }
    /// <summary>The --trace-out timeline, or null.</summary>
    public Diagnostics.TraceTimeline? Timeline { get; }

    /// <summary>What watches each CPU: the logs that need the engines' reports (int, unimp, blocks) and the profiler.</summary>
    private ICpuObserver? Observer()
    {
        var log = Log != null && (Log.Items & ~Diagnostics.LogItems.GuestErrors) != 0 ? Log : null;
        if (log != null && Profiler != null) return new Diagnostics.ObserverPair(log, Profiler);
        return (ICpuObserver?)log ?? Profiler;
    }

    /// <summary>S390JIT_HOT_THRESHOLD: the JIT's hot threshold for measurements of the tier policy (perf/issue14-tiers.md).</summary>
    private static int? HotThresholdOverride =>
        int.TryParse(Environment.GetEnvironmentVariable("S390JIT_HOT_THRESHOLD"), out int t) && t > 0 ? t : null;

    /// <summary>S390JIT_JIT_WARMUP: guest instructions before the JIT's first tier counts hot blocks (0: none), for measurements.</summary>
    private static long? WarmupOverride =>
        long.TryParse(Environment.GetEnvironmentVariable("S390JIT_JIT_WARMUP"), out long w) && w >= 0 ? w : null;

    public static IExecutionEngine CreateEngine(string name, bool verify = false) => name switch
    {
        "interp" => new Execution.Interpreter.Interpreter(),
        "jit" => new Execution.Jit.JitEngine(new Execution.Jit.JitOptions
        {
            Verify = verify, Background = !verify, HotThreshold = HotThresholdOverride ?? Execution.Jit.JitOptions.DefaultHotThreshold,
            WarmupInstructions = WarmupOverride ?? Execution.Jit.JitOptions.DefaultWarmupInstructions,
        }),
        "jit-sync" => new Execution.Jit.JitEngine(new Execution.Jit.JitOptions { Background = false, HotThreshold = 2, Verify = verify }),
        // the JIT engine's first tier alone: the pre-decoded threaded interpreter, nothing compiled
        "tier1" => new Execution.Jit.JitEngine(new Execution.Jit.JitOptions { Background = false, HotThreshold = int.MaxValue }),
        _ => throw new ArgumentException($"unknown engine '{name}' (available: jit, interp, tier1)"),
    };

    /// <summary>The execution engine every vcpu of this machine runs on.</summary>
    public IExecutionEngine Engine { get; }

    public HostMemory Host { get; }
    /// <summary>The machine the host model runs on (SIE, AP hardware, adapter-interruption virtualization).</summary>
    public HostMachine Hardware { get; }
    /// <summary>The host's trace buffer (--trace host, the --stats counters).</summary>
    public TraceLog Events { get; }
    public KvmVm Kvm { get; }
    public Sclp Sclp { get; }
    /// <summary>The channel subsystem (subchannels of the -device virtio-*-ccw devices).</summary>
    public ChannelSubsystem Css { get; }
    /// <summary>The IPL device DIAG 308 talks to.</summary>
    public Ipl Ipl { get; }
    /// <summary>The DIAG 288 watchdog (-device diag288), or null.</summary>
    public Diag288Watchdog? Watchdog { get; }
    public KernelImage? Kernel { get; private set; }
    public TimeSpan WallTime => _wall.Elapsed;
    public KvmVcpu Boot => Kvm.Vcpus[0];

    /// <summary>Runs until all CPUs stop, a disabled wait, --max-cycles, or an internal error.</summary>
    public RunResult Run()
    {
        _wall.Start();
        try { return RunLoop(); }
        catch (NotSupportedException e) { return Internal(e.Message); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (Environment.GetEnvironmentVariable("S390JIT_STACK") == "1") Console.Error.WriteLine(e);
            return Internal($"{e.GetType().Name}: {e.Message}");
        }
        finally { _wall.Stop(); }
    }

    private RunResult Internal(string what)
    {
        var c = CurrentCpu ?? Boot.Cpu;
        return new RunResult(RunEnd.InternalError, $"internal error: {what} (guest PSW {c.FullPswMask:x16} {c.PswAddr:x16})", 4);
    }

    private Cpu? CurrentCpu;

    private int _nextApEvent;

    /// <summary>Performs the scheduled VMM actions whose cycle the boot CPU has reached; returns the next one's cycle.</summary>
    private ulong RunApEvents()
    {
        var events = _opt.ApEvents;
        while (_nextApEvent < events.Count && events[_nextApEvent].Cycle <= Boot.Cpu.Cycles)
        {
            var e = events[_nextApEvent++];
            var dev = VfioAp;
            Events.Emit(VmmTrace.ApEvent, Boot.Cpu.Cycles, (e, null));
            try
            {
                switch (e.Action)
                {
                    case "reset": SystemReset(); break;
                    case "release": dev?.Release(); break;
                    case "open": dev?.Open(); break;
                    case "set-kvm-null": dev?.SetKvmNull(); break;
                    case "unbind": dev?.UnbindQueue(e.Apqn); break;
                    case "bind": dev?.BindQueue(e.Apqn); break;
                    case "dma-unmap": dev?.DmaUnmap(e.Address, e.Length); break;
                    case "dma-map": dev?.DmaMap(e.Address, e.Length); break;
                }
            }
            catch (S390Jit.Host.Crypto.ApException ex) { Events.Emit(VmmTrace.ApEvent, Boot.Cpu.Cycles, (e, ex.Message)); }
        }
        return _nextApEvent < events.Count ? events[_nextApEvent].Cycle : ulong.MaxValue;
    }

    private RunResult RunLoop()
    {
        _opt.ApEvents.Sort((a, b) => a.Cycle.CompareTo(b.Cycle));
        while (true)
        {
            if (StopRequested() is { } stop) return stop;
            if (Debugger?.AtRound() is { } debugEnd) return debugEnd;
            if (WatchdogExpired() is { } expired) return expired;
            ulong nextApEvent = Math.Min(RunApEvents(), Watchdog?.ExpiryCycle ?? ulong.MaxValue);
            bool anyRunning = false, anyProgress = false;
            foreach (var vcpu in Kvm.Vcpus)
            {
                if (vcpu.Stopped) continue;
                anyRunning = true;
                CurrentCpu = vcpu.Cpu;
                ulong budget = Math.Min(Math.Min(SaturatingAdd(vcpu.Cpu.Cycles, _opt.TimeSliceCycles), _opt.MaxCycles), Math.Max(nextApEvent, vcpu.Cpu.Cycles + 1));
                var run = vcpu.Run(budget);
                if (Debugger is { Rewinding: true }) { anyProgress = true; break; }
                switch (run.Reason)
                {
                    case KvmExitReason.SieIntercept:
                        if (HandleUserExit(vcpu, run) is { } end) return end;
                        anyProgress = true;
                        break;
                    case KvmExitReason.Stopped:
                        anyProgress = true;
                        break;
                    case KvmExitReason.Preempted:
                        anyProgress = true;
                        break;
                    case KvmExitReason.Idle:
                        if (run.WakeCycle != ulong.MaxValue) anyProgress = true;
                        break;
                }
                if (vcpu.Cpu.Cycles >= _opt.MaxCycles)
                    return new RunResult(RunEnd.MaxCycles, $"--max-cycles {_opt.MaxCycles} reached (guest PSW {vcpu.Cpu.FullPswMask:x16} {vcpu.Cpu.PswAddr:x16})", 3);
            }
            if (!anyRunning) return new RunResult(RunEnd.Stopped, "all CPUs stopped", 0);
            if (!anyProgress && Watchdog?.ExpiryCycle is { } expiry && expiry != ulong.MaxValue)
            {
                // every CPU waits: guest time passes until the watchdog expires
                foreach (var v in Kvm.Vcpus) if (!v.Stopped) v.Cpu.Cycles = Math.Max(v.Cpu.Cycles, expiry);
                continue;
            }
            if (!anyProgress)
            {
                var c = Kvm.Vcpus.First(v => !v.Stopped).Cpu;
                return new RunResult(RunEnd.Deadlock, $"enabled wait with no interruption source, PSW {c.FullPswMask:x16} {c.PswAddr:x16}", 1);
            }
        }
    }

    private static ulong SaturatingAdd(ulong a, ulong b) => a > ulong.MaxValue - b ? ulong.MaxValue : a + b;

    /// <summary>What QEMU's kvm_arch_handle_exit does with an SIE intercept KVM passed up.</summary>
    private RunResult? HandleUserExit(KvmVcpu vcpu, KvmRun run)
    {
        var cpu = vcpu.Cpu;
        switch (run.IcptCode)
        {
            case InterceptCode.WaitState:
                if (cpu.DisabledWait)
                    return new RunResult(RunEnd.DisabledWait, $"disabled wait, PSW {cpu.FullPswMask:x16} {cpu.PswAddr:x16}", 1);
                return null;
            case InterceptCode.Instruction:
                try
                {
                    return UserSpace.HandleInstruction(this, vcpu, run.Ipa, run.Ipb);
                }
                catch (ProgramInterruptException e)
                {
                    vcpu.InjectProgramInterruption(e.Code);
                }
                return null;
            case InterceptCode.ProgramInterruption:
            case InterceptCode.ExternalInterruption:
                {
                    // QEMU's unmanageable_intercept: the CPU is halted and the guest reported panicked
                    bool pgm = run.IcptCode == InterceptCode.ProgramInterruption;
                    ulong at = pgm ? (ulong)Lowcore.PgmNewPsw : Lowcore.ExtNewPsw;
                    vcpu.Stopped = true;
                    return new RunResult(RunEnd.GuestPanicked,
                        $"guest panicked: {(pgm ? "program" : "external")}-interruption loop ({(pgm ? "pgmint" : "extint")}-loop): the {(pgm ? "program" : "external")} new PSW " +
                        $"{cpu.ReadReal64(at):x16} {cpu.ReadReal64(at + 8):x16} is invalid (CPU {cpu.CpuAddress})", 1);
                }
            default:
                return new RunResult(RunEnd.InternalError, $"internal error: unexpected SIE intercept {InterceptCode.Name(run.IcptCode)} (guest PSW {cpu.FullPswMask:x16} {cpu.PswAddr:x16})", 4);
        }
    }

    /// <summary>A one-block summary of the run for --stats.</summary>
    public string Statistics(RunResult result) => RunStatistics.Of(this, result).ToText();

    /// <summary>The --stats line of the end-of-run leak check.</summary>
    public static string LeakLine(HostLeakReport l) => $"stats: host leak check     {VmmTrace.HostLeakCheck.Format(l)}";

    // ---- the VM's end ------------------------------------------------------------------------------------

    /// <summary>What the host model still held after <see cref="Teardown"/> (null before).</summary>
    public HostLeakReport? Leaks { get; private set; }

    /// <summary>
    /// The end of the VM as QEMU ends it: the vfio-ap device is released and its mdev removed, then the
    /// VMM drops its KVM reference (the last one destroys the VM and its GISA). Returns what is left.
    /// </summary>
    public HostLeakReport Teardown()
    {
        if (Leaks is { } done) return done;
        VfioAp?.Dispose();
        if (!_vmmReferenceDropped) DestroyVm();
        var l = Leaks = LeakCheck();
        Events.Emit(VmmTrace.HostLeakCheck, Kvm.UserContext().Now, l);
        return l;
    }

    private bool _vmmReferenceDropped;

    /// <summary>The VMM drops its handle on the VM (kvm_put_kvm); the VM lives on while an mdev holds a reference.</summary>
    public void DestroyVm()
    {
        if (_vmmReferenceDropped) return;
        _vmmReferenceDropped = true;
        Kvm.Put(Kvm.UserContext(), "VMM");
    }

    /// <summary>Pinned pages, GISC references and KVM references the host model holds now.</summary>
    public HostLeakReport LeakCheck() => new(
        Kvm.Iommu.PinnedPages,
        Kvm.Destroyed ? Kvm.GiscReferencesAtDestroy : Kvm.Gisa?.TotalReferences ?? 0,
        Kvm.References,
        Kvm.UseAfterFreeCount);

    /// <summary>
    /// The DIAG 288 watchdog's expiry once guest time (the furthest CPU's) reached it: the run ends (reset,
    /// shutdown, poweroff, pause), CPU 0 takes a restart interruption (inject-nmi), or nothing happens.
    /// </summary>
    private RunResult? WatchdogExpired()
    {
        if (Watchdog is not { } w || Kvm.Now < w.ExpiryCycle) return null;
        var action = w.Expire();
        Events.Emit(VmmTrace.WatchdogExpired, Kvm.Now, action);
        switch (action)
        {
            case WatchdogAction.Reset:
                return new RunResult(RunEnd.Reboot, "watchdog (DIAG 288) expired: guest reset, a reboot ends the run", 0);
            case WatchdogAction.Shutdown or WatchdogAction.Poweroff or WatchdogAction.Pause:
                return new RunResult(RunEnd.Shutdown, $"watchdog (DIAG 288) expired: {action.ToString().ToLowerInvariant()}", 0);
            case WatchdogAction.InjectNmi:
                // s390_nmi: a restart interruption on CPU 0, started if it was stopped
                Boot.Stopped = false;
                Boot.Cpu.DeliverRestart();
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// s390_machine_reset for DIAG 308 subcodes 0 and 1: a clear reset of every CPU (modified clear) or a
    /// CPU reset of the others and an initial CPU reset of the caller (load normal); the subsystem reset;
    /// then the caller loads the short PSW at absolute 0, as an IPL does (bit 12 must be one in it: without
    /// it the PSW is invalid and the caller takes the specification exception at once).
    /// </summary>
    internal void ResetAndLoadNormal(KvmVcpu caller, bool clear)
    {
        foreach (var v in Kvm.Vcpus)
        {
            if (v == caller && !clear) continue;
            v.Reset(clear ? CpuResetKind.Clear : CpuResetKind.Cpu);
            v.Stopped = true;
            if (v != caller) v.Cpu.HostExitRequest = true;
        }
        SystemReset();
        if (!clear) caller.Reset(CpuResetKind.Initial);
        ulong shortPsw = Host.ReadU64(Kvm.Memory.HostStart);
        var c = caller.Cpu;
        caller.Stopped = false;
        if (!c.LoadPsw((shortPsw & 0xFFFF_FFFF_8000_0000UL) ^ (1UL << 51), shortPsw & 0x7FFF_FFFFUL))
        {
            c.InstrLength = 0;
            c.IssueAddr = c.PswAddr;
            c.DeliverProgramInterruption(PgmCode.Specification, nullify: true);
        }
    }

    /// <summary>A system reset as QEMU does it: floating interruptions (and the GISA's IPM) cleared, VFIO_DEVICE_RESET.</summary>
    public void SystemReset()
    {
        Kvm.Floating.Clear();
        VfioAp?.Mdev?.Reset();
    }

    /// <summary>
    /// Whether nothing outside the machine sees what it does from now on: no host trace sink or listener, no guest
    /// log, profiler or timeline. Then a process about to end may <see cref="Abandon"/> it.
    /// </summary>
    public bool Unobserved => Events.Sink == null && Events.Listener == null && Log == null && Profiler == null && Timeline == null;

    private bool _abandoned;

    /// <summary>
    /// The process ends right after this: <see cref="Dispose"/> does nothing (no teardown, no leak check, the host
    /// memory left to the kernel). Only for an <see cref="Unobserved"/> machine, whose teardown nobody would see.
    /// </summary>
    public void Abandon() => _abandoned = true;

    public void Dispose()
    {
        if (_abandoned) return;
        try { Teardown(); } catch (Exception) { /* a broken model must not keep the host memory alive */ }
        (Engine as IDisposable)?.Dispose();
        Host.Dispose();
    }
}

/// <summary>The host model's end-of-run leak check.</summary>
public sealed record HostLeakReport(int PinnedPages, int GiscReferences, int KvmReferences, ulong UseAfterFree)
{
    public bool Clean => PinnedPages == 0 && GiscReferences == 0 && KvmReferences == 0 && UseAfterFree == 0;
}
