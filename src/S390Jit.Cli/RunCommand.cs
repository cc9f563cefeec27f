using System.Globalization;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Cli;

/// <summary>"s390jit run": validates the configuration, builds the machine, boots and reports.</summary>
internal static class RunCommand
{
    /// <summary>A configuration error: one line, exit code 2.</summary>
    private sealed class UsageException(string message) : Exception(message);

    public static int Execute(RunSettings s, TextWriter stdout, TextWriter stderr)
    {
        bool terminal = ReferenceEquals(stderr, Program.StdErr) && Vmm.StandardStream.IsTerminal(2);
        stderr = TextWriter.Synchronized(stderr); // the progress line and host traces come from other threads
        if (AnyLogItemIsHelp(s.Log))
        {
            stdout.Write(Vmm.Diagnostics.GuestLog.Help());
            return 0;
        }
        MachineOptions opt;
        using var outputs = new Outputs();
        // the kernel is read, the instruction table and the execution engine built on a second thread while this one
        // parses the options and builds the machine (one after the other under S390JIT_STARTUP_TRACE=1, so that each
        // phase's figures are its own; and not with --trace host, whose lines from building the machine must not come
        // before a bad kernel's error). Started with the memory size as given: when it is malformed the options' error
        // ends the run before the kernel's result is looked at.
        bool serial = StartupTrace.Enabled && !StartupTrace.Deferred;
        KernelLoad? early = s.Kernel != null && s.Unsupported == null && s.Trace.Length == 0 && !serial
            ? new KernelLoad(s.Kernel, TryMemory(s.Memory), background: true, s.Engine, s.VerifyJit) : null;
        try
        {
            if (s.Unsupported is { } u) throw new UsageException(QemuCompat.UnsupportedMessage(u));
            opt = BuildOptions(s, stderr);
            // the console reads the process's stdin (QEMU's -nographic stdio), not when run in-process by tests
            if (ReferenceEquals(stdout, Program.StdOut)) opt.ConsoleInput = ConsoleInput.Stdin();
            BuildDiagnostics(s, opt, outputs);
            if (s.Kernel == null) throw new UsageException("no kernel given (s390jit run KERNEL, or -kernel KERNEL)");
            if (s.KernelBoth) throw new UsageException("kernel given twice (argument and -kernel)");
            if (s.Gdb?.Check(out _, out _) is { } gdbError) throw new UsageException(gdbError);
        }
        catch (UsageException e) { stderr.WriteLine($"s390jit: error: {e.Message}"); return 2; }
        StartupTrace.Mark("options built");
        var load = early is { } e0 && e0.Memory == opt.MemoryBytes && opt.HostTrace == null
            ? e0 : new KernelLoad(s.Kernel, opt.MemoryBytes, background: false, s.Engine, s.VerifyJit);
        opt.EngineFactory = load.Engine;
        if (StartupTrace.Deferred) Machine.StartupMark = StartupTrace.Mark;
        if (serial && load.Error == null)
        {
            StartupTrace.Mark("kernel loaded");
            KernelImage.Load(s.Kernel, opt.MemoryBytes); // what a second load costs: the rest of the first was code loading
            StartupTrace.Mark("kernel loaded again (trace only)");
            System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(Architecture.Isa.Decoder).TypeHandle);
            StartupTrace.Mark("  decoder built (trace only: else part of the table's line)");
            KernelLoad.BuildTable();
            StartupTrace.Mark("instruction table built");
            if (load.Join() is { } image) KernelLoad.PrepareEntryCode(image);
            StartupTrace.Mark("  kernel's entry code prepared (trace only: else on the second thread, while the machine is built)");
            Machine.StartupMark = StartupTrace.Mark;
        }
        var gdb = s.Gdb != null ? GdbSession.Begin(s.Gdb, opt) : null;
        // (a bad kernel is reported first, as when it was loaded before the machine was built)
        string? machineError = null;
        using var machine = load.Error == null ? CreateMachine(opt, out machineError) : null;
        var kernel = load.Join();
        if (kernel == null)
        {
            stderr.WriteLine($"s390jit: could not load kernel '{s.Kernel}': {load.Error!.Message}");
            return 2;
        }
        if (machine == null)
        {
            stderr.WriteLine(machineError);
            return 2;
        }
        if (gdb != null && !gdb.Attach(machine, stderr)) return 2;
        using var gdbServer = gdb;
        StartupTrace.Mark("machine created");
        if (s.Name != null) machine.Kvm.Name = VmName(s.Name);
        RunResult result;
        using (var control = new RunControl(machine, stderr, s.Progress, terminal))
        {
            try { machine.LoadKernel(kernel); }
            catch (ArgumentException e)
            {
                stderr.WriteLine($"s390jit: {Program.OneLine(e.Message)}");
                return 2;
            }
            StartupTrace.Mark("kernel placed");
            result = machine.Run();
            StartupTrace.Mark("run ended");
            gdb?.RunEnded(result);
        }
        stdout.Flush();
        machine.Log?.Flush();
        if (result.End != RunEnd.Stopped) stderr.WriteLine($"s390jit: {result.Message}");
        WriteDiagnostics(machine, outputs, stderr);
        StartupTrace.Mark("  output flushed");
        // the run's statistics; then QEMU's exit: the vfio-ap device is released, the VM destroyed, and the
        // host model reports what it still holds
        var stats = s.Stats ? RunStatistics.Of(machine, result) : null;
        if (int.TryParse(Environment.GetEnvironmentVariable("S390JIT_REGION_PROFILE"), out int topRegions)) WriteRegionProfile(machine, topRegions, stderr);
        // the process ends now: when nothing would see the VM's destruction (no --stats with its leak report, no host
        // trace, log, timeline or profile, no gdb, not run in-process by tests), it is not modelled and the host memory is
        // left to the kernel, as QEMU leaves its own at exit (~2-3 ms of CPU, mostly first-use costs; perf/startup.md)
        if (stats == null && gdb == null && !StartupTrace.Enabled && ReferenceEquals(stdout, Program.StdOut) && machine.Unobserved)
        {
            machine.Abandon();
            return result.ExitCode;
        }
        var leaks = machine.Teardown();
        StartupTrace.Mark("teardown done");
        if (stats != null)
        {
            stats = stats with { Leaks = leaks };
            stderr.Write(s.StatsFormat == "json" ? stats.ToJson() + Environment.NewLine : stats.ToText());
        }
        return result.ExitCode;
    }

    /// <summary>Whether some -d list names "help".</summary>
    private static bool AnyLogItemIsHelp(string[] lists)
    {
        foreach (var l in lists)
            if (Array.IndexOf(l.Split(','), "help") >= 0) return true;
        return false;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void WriteRegionProfile(Machine machine, int topRegions, TextWriter stderr)
    {
        if (machine.Engine is S390Jit.Execution.Jit.JitEngine profiled) stderr.Write(profiled.RegionProfile(topRegions));
    }

    /// <summary>The files of -D, --profile-out and --trace-out, opened before the run (so a bad path fails at once).</summary>
    private sealed class Outputs : IDisposable
    {
        public StreamWriter? Log, Profile, Timeline;
        public void Dispose()
        {
            foreach (var w in new[] { Log, Profile, Timeline }) try { w?.Dispose(); } catch (IOException) { }
        }
    }

    private static StreamWriter Create(string path, string option)
    {
        try { return new StreamWriter(path, false, new System.Text.UTF8Encoding(false), 1 << 16); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"{option} {path}: cannot write the file ({Program.IoProblem(e)})");
        }
    }

    /// <summary>-d / -D, --profile / --profile-out / --symbols, --trace-out.</summary>
    private static void BuildDiagnostics(RunSettings s, MachineOptions opt, Outputs outputs)
    {
        foreach (var spec in s.Log)
        {
            opt.Log |= Vmm.Diagnostics.GuestLog.Parse(spec, out string? error);
            if (error != null) throw new UsageException(error);
        }
        if (s.LogFile != null)
        {
            if (opt.Log == Vmm.Diagnostics.LogItems.None) throw new UsageException("-D needs -d ITEM[,ITEM...] (-d help lists them)");
            opt.LogWriter = outputs.Log = Create(s.LogFile, "-D");
        }
        if (s.Symbols != null)
        {
            if (!File.Exists(s.Symbols)) throw new UsageException($"--symbols {s.Symbols}: no such file");
            opt.Symbols = LoadSymbols(s.Symbols);
        }
        if (s.ProfileOut != null) outputs.Profile = Create(s.ProfileOut, "--profile-out");
        if (s.TraceOut != null)
        {
            outputs.Timeline = Create(s.TraceOut, "--trace-out");
            opt.Timeline = true;
        }
    }

    /// <summary>--symbols: an ELF's symbol table, or a System.map.</summary>
    private static Loader.SymbolTable LoadSymbols(string path)
    {
        try
        {
            var head = new byte[4];
            using (var f = File.OpenRead(path)) f.ReadExactly(head.AsSpan(0, (int)Math.Min(4, f.Length)));
            if (head is [0x7F, (byte)'E', (byte)'L', (byte)'F']) return ElfImage.Load(path).Symbols;
            var table = Loader.SymbolTable.FromSystemMap(File.ReadLines(path), out string? error);
            if (error != null) throw new UsageException($"--symbols {path}: not an ELF file or a System.map ({error})");
            return table;
        }
        catch (ImageFormatException e) { throw new UsageException($"--symbols {path}: {e.Message}"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--symbols {path}: {Program.OneLine(e.Message)}"); }
    }

    /// <summary>After the run: the profile's top table (stderr) and folded stacks, the timeline.</summary>
    private static void WriteDiagnostics(Machine machine, Outputs outputs, TextWriter stderr)
    {
        try
        {
            if (machine.Profiler is { } p)
            {
                p.Finish();
                stderr.Write(p.Report());
                if (outputs.Profile is { } w) { w.Write(p.Folded()); w.Flush(); }
            }
            if (machine.Timeline is { } t && outputs.Timeline is { } tw) { t.Write(tw); tw.Flush(); }
            outputs.Log?.Flush();
        }
        catch (IOException e) { stderr.WriteLine($"s390jit: error writing the diagnostics: {Program.OneLine(e.Message)}"); }
    }

    /// <summary>QEMU's -name: "NAME[,process=..][,debug-threads=..]" or "guest=NAME,...".</summary>
    private static string VmName(string name)
    {
        foreach (var p in name.Split(','))
            if (p.StartsWith("guest=", StringComparison.Ordinal)) return p[6..];
        return name.Split(',')[0];
    }

    /// <summary>The machine, or null and the error line (exit code 2).</summary>
    private static Machine? CreateMachine(MachineOptions opt, out string? error)
    {
        error = null;
        try { return new Machine(opt); }
        catch (ArgumentException e) { error = $"s390jit: error: {Program.OneLine(e.Message)}"; }
        catch (OutOfMemoryException)
        {
            error = $"s390jit: error: cannot allocate {KernelImage.FormatSize(opt.MemoryBytes)} of guest memory: more than this host can give (-m)";
        }
        return null;
    }

    /// <summary>
    /// Reads the kernel image and builds the instruction table, on a thread of its own or at once. Any other failure
    /// than a bad image is rethrown where <see cref="Join"/> is called.
    /// </summary>
    internal sealed class KernelLoad
    {
        private readonly string _path;
        private readonly Thread? _thread;
        private readonly string _engineName;
        private readonly bool _verify;
        private S390Jit.Execution.IExecutionEngine? _engine;
        private KernelImage? _image;
        private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _crash;

        /// <summary>Why the image cannot be loaded (known at once when loaded at once, else after <see cref="Join"/>).</summary>
        public ImageFormatException? Error { get; private set; }

        public KernelLoad(string path, ulong memory, bool background, string engine, bool verify)
        {
            _path = path;
            Memory = memory;
            _engineName = engine;
            _verify = verify;
            if (!background) { Load(); return; }
            _thread = new Thread(() =>
            {
                try
                {
                    Load();
                    BuildTable();
                    if (_image != null) // (an engine name the options refuse, or any other failure here: the machine makes its own)
                        try { _engine = Machine.CreateEngine(_engineName, _verify); } catch (Exception) { }
                }
                finally { lock (_doneLock) { _done = true; Monitor.PulseAll(_doneLock); } }
                StartupTrace.Mark("  (second thread: kernel read, table and engine built)");
                // then, while this thread would idle and the machine is built and started: the instruction rows of the
                // kernel's first code bound (their body entry points are ReadyToRun fixups the first tier would otherwise
                // take one by one at their first execution, ~20 µs each; nothing the guest sees depends on it)
                if (_image != null) try { PrepareEntryCode(_image); } catch (Exception) { }
            }) { IsBackground = true, Name = "s390jit-load" };
            _thread.Start();
        }

        private readonly object _doneLock = new();
        private bool _done;

        /// <summary>Waits for the thread's image, table and engine (not for its <see cref="PrepareEntryCode"/>).</summary>
        private void WaitBuilt()
        {
            if (_thread == null) return;
            lock (_doneLock) while (!_done) Monitor.Wait(_doneLock);
        }

        /// <summary>How much of the kernel's code, from its entry point on, <see cref="PrepareEntryCode"/> decodes.</summary>
        internal const int PreparedBytes = 16 << 10;

        /// <summary>
        /// Decodes the image's bytes from its entry point on (up to <see cref="PreparedBytes"/>, in the segment holding it)
        /// and binds each valid instruction's table row (<see cref="Architecture.Isa.InsnDef.Prepare"/>). Data taken for
        /// instructions binds a row for nothing; nothing else is done with what is decoded.
        /// </summary>
        internal static void PrepareEntryCode(KernelImage image)
        {
            ulong entry = image.Entry;
            foreach (var seg in image.Segments)
            {
                ulong start = entry - seg.VirtAddr < seg.FileSize ? seg.VirtAddr : entry - seg.PhysAddr < seg.FileSize ? seg.PhysAddr : ulong.MaxValue;
                if (start == ulong.MaxValue) continue;
                var code = seg.Data.Span;
                int at = (int)(entry - start), end = (int)Math.Min((ulong)code.Length, (ulong)at + PreparedBytes);
                while (at + 2 <= end)
                {
                    int length = Architecture.Isa.Formats.LengthFromFirstByte(code[at]);
                    if (at + length > end) break;
                    ulong raw = 0;
                    for (int i = 0; i < length; i++) raw |= (ulong)code[at + i] << (56 - 8 * i);
                    Architecture.Isa.Decoder.Lookup(raw)?.Prepare();
                    at += length;
                }
                return;
            }
        }

        /// <summary>The guest memory size the image was checked against.</summary>
        public ulong Memory { get; }

        /// <summary>The execution engine built on the thread (waiting for it), or null: <see cref="MachineOptions.EngineFactory"/>.</summary>
        public S390Jit.Execution.IExecutionEngine? Engine()
        {
            WaitBuilt();
            return _engine;
        }

        private void Load()
        {
            try { _image = KernelImage.Load(_path, Memory); }
            catch (ImageFormatException e) { Error = e; }
            catch (Exception e) { _crash = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e); }
        }

        /// <summary>The table's static constructor (a failure there shows again, as a TypeInitializationException, where it is used).</summary>
        public static void BuildTable()
        {
            try { System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(Architecture.Isa.InstructionTable).TypeHandle); }
            catch (TypeInitializationException) { }
        }

        /// <summary>The image, or null with <see cref="Error"/> set.</summary>
        public KernelImage? Join()
        {
            WaitBuilt();
            _crash?.Throw();
            return _image;
        }
    }

    /// <summary>-m's size as <see cref="ParseMemory"/> reads it, or ulong.MaxValue when it cannot (the options then fail).</summary>
    private static ulong TryMemory(string text)
    {
        try { return ParseMemory(text); }
        catch (UsageException) { return ulong.MaxValue; }
    }

    private static MachineOptions BuildOptions(RunSettings s, TextWriter stderr)
    {
        var opt = new MachineOptions { MemoryBytes = ParseMemory(s.Memory) };
        opt.Append = s.Append;
        opt.InitrdPath = s.Initrd;
        opt.Cpus = QemuCompat.ParseSmp(s.Smp, out string? smpError, out int maxCpus);
        if (smpError != null) throw new UsageException(smpError);
        if (s.MaxCycles is { } mc)
            opt.MaxCycles = ulong.TryParse(mc, NumberStyles.None, CultureInfo.InvariantCulture, out ulong cycles) && cycles > 0
                ? cycles : throw new UsageException($"--max-cycles {mc}: expected a positive number of cycles");
        opt.CpuMhz = MachineOptions.TryParseDigits(s.CpuMhz, out ulong mhz) && mhz is > 0 and <= uint.MaxValue
            ? (uint)mhz : throw new UsageException($"--cpu-mhz {s.CpuMhz}: expected a positive number of MHz");
        if (s.Engine is not ("jit" or "interp" or "jit-sync" or "tier1")) throw new UsageException($"unknown engine '{s.Engine}' (available: jit, interp, tier1)");
        opt.Engine = s.Engine;
        if (s.VerifyJit && s.Engine is "interp" or "tier1") throw new UsageException("--verify-jit needs the jit engine");
        opt.VerifyJit = s.VerifyJit;
        opt.Profile = s.Profile;
        if (s.StatsFormat is not ("text" or "json")) throw new UsageException($"--stats={s.StatsFormat}: expected --stats or --stats=json");
        foreach (var (option, value) in s.Ignored)
        {
            if (QemuCompat.CheckIgnored(option, value) is { } error) throw new UsageException(error);
            // the options of the watchdog and STSI 3.2.2 the machine uses
            switch (option)
            {
                case "-watchdog-action":
                    opt.WatchdogAction = QemuCompat.WatchdogAction(value!);
                    break;
                case "-action":
                    foreach (var p in value!.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (!p.StartsWith("watchdog=", StringComparison.Ordinal)) continue;
                        string a = p["watchdog=".Length..];
                        if (!QemuCompat.IsWatchdogAction(a))
                            throw new UsageException($"-action {value}: watchdog={a}: expected reset, shutdown, poweroff, inject-nmi, pause, debug or none");
                        opt.WatchdogAction = QemuCompat.WatchdogAction(a);
                    }
                    break;
                case "-uuid":
                    opt.Uuid = Guid.ParseExact(value!, "D");
                    break;
            }
        }
        // (plain loops here and below: LINQ's iterators are type loads a plain run need not pay, perf/startup.md)
        foreach (var list in s.Trace)
            foreach (var t in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (t == "host") opt.HostTrace = line => stderr.WriteLine(line);
                else throw new UsageException($"unknown trace category '{t}' (available: host)");
            }
        if (s.Machine != null) CheckMachine(s.Machine);
        var chardevIds = new HashSet<string>();
        foreach (var c in s.Chardevs)
        {
            var kv = ParseDeviceSpec(c, out string backend);
            if (backend != "stdio") throw new UsageException($"unsupported chardev backend '{backend}' (only stdio)");
            if (!kv.TryGetValue("id", out var id)) throw new UsageException($"-chardev {c}: missing id=");
            chardevIds.Add(id);
        }
        Guid? vfioAp = null;
        foreach (var d in s.Devices)
        {
            var kv = ParseDeviceSpec(d, out string driver);
            switch (driver)
            {
                case "sclpconsole":
                case "sclplmconsole":
                    if (kv.TryGetValue("chardev", out var cd) && !chardevIds.Contains(cd))
                        throw new UsageException($"-device {d}: chardev '{cd}' not defined by -chardev");
                    break;
                case "vfio-ap":
                    if (vfioAp != null) throw new UsageException("only one vfio-ap device is supported");
                    if (!kv.TryGetValue("sysfsdev", out var dev)) throw new UsageException($"-device {d}: missing sysfsdev=");
                    if (!Host.Crypto.VfioAp.TryParseSysfsdev(dev, out var uuid))
                        throw new UsageException($"-device {d}: sysfsdev must be {Host.Crypto.VfioAp.MatrixDevicePath}/UUID");
                    vfioAp = uuid;
                    break;
                case "virtio-net-ccw":
                    {
                        (byte, byte, ushort)? busid = null;
                        if (kv.TryGetValue("devno", out var devno))
                        {
                            if (!VirtioCcwDevice.TryParseDevno(devno, out var b))
                                throw new UsageException($"-device {d}: devno must be fe.S.DDDD (hexadecimal, S 0-3), e.g. fe.0.0001");
                            if (b.Cssid != ChannelSubsystem.VirtualCssid)
                                throw new UsageException($"-device {d}: virtual devices must use cssid fe");
                            if (opt.VirtioCcw.Any(v => v.Busid == b))
                                throw new UsageException($"-device {d}: device number {devno} is already in use");
                            busid = b;
                        }
                        opt.VirtioCcw.Add(new VirtioCcwDevice(VirtioCcwDevice.Network, busid));
                        break;
                    }
                case "diag288":
                    if (opt.Diag288) throw new UsageException("only one diag288 device is supported");
                    opt.Diag288 = true;
                    break;
                case var cpuType when cpuType.EndsWith("-s390x-cpu", StringComparison.Ordinal) || cpuType == "s390x-cpu":
                    opt.ExtraCpuAddresses.Add(CpuDevice(d, kv, opt, maxCpus));
                    break;
                default:
                    throw new UsageException($"unsupported device '{driver}' (supported: sclpconsole, sclplmconsole, vfio-ap, virtio-net-ccw, diag288, TYPE-s390x-cpu)");
            }
        }
        opt.Ap = BuildAp(s, vfioAp, opt);
        var quirks = Host.HostQuirks.None;
        foreach (var list in s.Quirks)
            foreach (var q in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!Host.HostQuirks.ByName.TryGetValue(q.Trim(), out var set))
                    throw new UsageException($"unknown quirk '{q}' (available: {string.Join(", ", Host.HostQuirks.ByName.Keys)})");
                quirks = set(quirks);
            }
        opt.Quirks = quirks;
        foreach (var list in s.ApEvents)
            foreach (var e in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                try { opt.ApEvents.Add(ApLifecycleEvent.Parse(e.Trim())); }
                catch (FormatException ex) { throw new UsageException(ex.Message); }
            }
        if (opt.ApEvents.Count > 0 && opt.Ap == null) throw new UsageException("--ap-event needs an AP configuration (--ap)");
        if (s.Host != null)
            foreach (var p in s.Host.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = p.IndexOf('=');
                string name = eq < 0 ? p : p[..eq], value = eq < 0 ? "on" : p[(eq + 1)..];
                bool on = value switch
                {
                    "on" or "true" => true,
                    "off" or "false" => false,
                    _ => throw new UsageException($"--host {name}: expected on or off, got '{value}'"),
                };
                switch (name)
                {
                    case "aiv": opt.HostAiv = on; break;
                    case "fac65": opt.HostFacility65 = on; break;
                    case "gisaf": opt.HostGisaFormat1 = on; break;
                    default: throw new UsageException($"unknown host feature '{name}' (aiv, fac65, gisaf)");
                }
            }
        return opt;
    }

    /// <summary>
    /// AP crypto: --ap queues, --ap-type, --ap-off, -cpu features and -device vfio-ap (whose sysfsdev
    /// names the mdev; its queues come from --ap). Null when nothing asks for AP: a host without AP.
    /// </summary>
    private static ApOptions? BuildAp(RunSettings s, Guid? vfioAp, MachineOptions opt)
    {
        var features = new Dictionary<string, bool>();
        if (s.Cpu != null)
        {
            var parts = s.Cpu.Split(',');
            if (parts[0] is not ("host" or "max" or "qemu" or "z13" or "z14" or "z15" or "z16"))
                throw new UsageException($"unsupported CPU model '{parts[0]}' (host, max, qemu, z13-z16)");
            foreach (var p in parts.Skip(1))
            {
                int eq = p.IndexOf('=');
                string name = eq < 0 ? p.TrimStart('+', '-') : p[..eq];
                string value = eq < 0 ? (p.StartsWith('-') ? "off" : "on") : p[(eq + 1)..];
                bool on = value switch
                {
                    "on" or "true" => true,
                    "off" or "false" => false,
                    _ => throw new UsageException($"CPU feature {name}: expected on or off, got '{value}'"),
                };
                if (QemuCompat.ApFeatures.Contains(name)) features[name] = on;
                else SetFacility(opt, name, on);
            }
        }
        if (s.ApOff) features["ap"] = false;
        // (made by the first queue: List<ushort>'s static constructor is a RyuJIT compile a run without --ap need not pay)
        List<ushort>? queues = null;
        foreach (var a in s.Ap)
            foreach (var token in a.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!Hardware.Ap.Apqn.TryParse(token, out ushort q))
                    throw new UsageException($"malformed APQN '{token}' (expected APID.APQI in hex, each 00-ff, e.g. 05.0004)");
                queues ??= new List<ushort>();
                if (queues.Contains(q)) throw new UsageException($"AP queue {Hardware.Ap.Apqn.Name(q)} assigned twice");
                queues.Add(q);
            }
        var type = Hardware.Ap.ApDeviceType.Cex7;
        if (s.ApType != null)
        {
            if (!Hardware.Ap.Apqn.TryParseType(s.ApType, out type))
                throw new UsageException($"unsupported AP type '{s.ApType}' (cex5, cex6, cex7, cex8: accelerator mode)");
            if (queues == null) throw new UsageException("--ap-type needs --ap queues");
        }
        if (queues == null && vfioAp == null && features.Count == 0) return null;
        bool ap = features.GetValueOrDefault("ap", true);
        foreach (var f in new[] { "apqci", "apft", "apqi" })
            if (!ap && features.GetValueOrDefault(f)) throw new UsageException($"CPU feature {f} requires ap");
        var o = new ApOptions
        {
            Type = type,
            CpuAp = ap,
            Apqci = features.GetValueOrDefault("apqci", true),
            Apft = features.GetValueOrDefault("apft", true),
            Apqi = features.GetValueOrDefault("apqi", ap),
            Msa3 = features.GetValueOrDefault("msa3", true),
            MdevUuid = vfioAp,
        };
        if (queues != null) o.Queues.AddRange(queues);
        return o;
    }

    /// <summary>
    /// A CPU given with -device TYPE-s390x-cpu,core-id=N (QEMU's cold plug, as kvm-unit-tests' firq runs it):
    /// one more CPU, stopped, with CPU address N, which must be below -smp's maxcpus and not taken.
    /// </summary>
    private static ushort CpuDevice(string spec, Dictionary<string, string> kv, MachineOptions opt, int maxCpus)
    {
        if (!kv.TryGetValue("core-id", out var idText))
            throw new UsageException($"-device {spec}: core-id= is required (the CPU address)");
        if (!ushort.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out ushort id))
            throw new UsageException($"-device {spec}: core-id '{idText}' is not a number");
        if (id >= maxCpus)
            throw new UsageException($"-device {spec}: core-id {id} must be below maxcpus ({maxCpus}); give -smp N,maxcpus=M");
        if (id < opt.Cpus || opt.ExtraCpuAddresses.Contains(id))
            throw new UsageException($"-device {spec}: core-id {id} is already in use");
        foreach (var key in kv.Keys)
            if (key is not ("core-id" or "id"))
                throw new UsageException($"-device {spec}: unsupported property '{key}' (core-id, id)");
        return id;
    }

    private static Dictionary<string, string> ParseDeviceSpec(string spec, out string head)
    {
        var parts = spec.Split(',');
        head = parts[0];
        var kv = new Dictionary<string, string>();
        foreach (var p in parts.Skip(1))
        {
            int eq = p.IndexOf('=');
            if (eq <= 0) throw new UsageException($"malformed option '{spec}' (expected key=value after '{head}')");
            kv[p[..eq]] = p[(eq + 1)..];
        }
        return kv;
    }

    /// <summary>-cpu FEATURE=on|off for a QEMU facility feature: on only when S390Jit implements the facility.</summary>
    private static void SetFacility(MachineOptions opt, string name, bool on)
    {
        if (!QemuCompat.FacilityFeatures.TryGetValue(name, out int bit))
        {
            if (QemuCompat.OtherFeatures.Contains(name)) throw new UsageException($"CPU feature '{name}' is not modelled by S390Jit");
            var near = QemuCompat.DidYouMean(name, QemuCompat.FacilityFeatures.Keys.Concat(QemuCompat.ApFeatures));
            throw new UsageException($"unknown CPU feature '{name}'{(near != null ? $" (did you mean '{near}'?)" : "")}");
        }
        bool implemented = Host.Kvm.CpuModel.DefaultFacilities.Contains(bit);
        if (on && !implemented) throw new UsageException($"CPU feature '{name}' (facility {bit}) is not implemented by S390Jit");
        opt.Facilities[bit] = on;
    }

    /// <summary>QEMU's -m: "[size=]SIZE" (a bare number is MiB); memory hotplug (slots, maxmem) is not supported.</summary>
    private static ulong ParseMemory(string text)
    {
        var parts = text.Split(',');
        if (parts.Length > 1)
        {
            string p = parts[1];
            throw new UsageException(p.StartsWith("slots=", StringComparison.Ordinal) || p.StartsWith("maxmem=", StringComparison.Ordinal)
                ? $"-m {text}: memory hotplug (slots, maxmem) is not supported" : $"-m {text}: unknown parameter '{p}'");
        }
        string size = parts[0].StartsWith("size=", StringComparison.Ordinal) ? parts[0][5..] : parts[0];
        try { return MachineOptions.ParseSize(size); }
        catch (FormatException e) { throw new UsageException(e.Message); }
        catch (OverflowException) { throw new UsageException($"memory size '{size}' is too large (at most 64G)"); }
    }

    /// <summary>-machine [TYPE][,PROP=VALUE...]: the s390-ccw-virtio type (any version) or properties alone.</summary>
    private static void CheckMachine(string machine)
    {
        var parts = machine.Split(',');
        string type = parts[0].Contains('=') ? "" : parts[0].StartsWith("type=", StringComparison.Ordinal) ? parts[0][5..] : parts[0];
        if (type.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(type, @"^s390-ccw-virtio(-\d+\.\d+)?$"))
            throw new UsageException($"unsupported machine '{type}' (only s390-ccw-virtio)");
        foreach (var p in parts.Skip(type.Length > 0 ? 1 : 0))
        {
            int eq = p.IndexOf('=');
            string key = eq < 0 ? p : p[..eq], value = eq < 0 ? "" : p[(eq + 1)..];
            if (key == "accel" && value.Split(':').Any(a => a is not ("tcg" or "kvm")))
                throw new UsageException($"-machine {machine}: accel={value} is not supported: guests run under S390Jit's modelled KVM (use accel=kvm or accel=tcg)");
            if (key is not ("accel" or "dump-guest-core" or "mem-merge" or "graphics" or "usb" or "suppress-vmdesc" or "type"))
                throw new UsageException($"unsupported machine property '{p}'");
        }
    }
}
