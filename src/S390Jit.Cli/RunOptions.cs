using System.CommandLine;
using System.CommandLine.Parsing;

namespace S390Jit.Cli;

/// <summary>
/// The options of "run", each also accepted in its qemu-system-s390x spelling. Options that take one value
/// may be given more than once: the last one wins, as in QEMU. Numbers are parsed by RunCommand, so a bad
/// one is a plain sentence, not a .NET type name.
/// </summary>
internal sealed class RunOptions
{
    private readonly Argument<string?> _kernelArg = new("kernel") { Description = "kernel to boot: an s390x ELF or an s390 Linux boot image (vmlinuz)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string[]> _kernel = Single("-kernel", "kernel to boot (qemu spelling)");
    private readonly Option<string[]> _memory = Single("--memory", "guest memory, e.g. 128M, 1G (a bare number is MiB; default 128M)", "-m");
    private readonly Option<string[]> _append = Single("--append", "kernel command line (placed at 0x10480)", "-append");
    private readonly Option<string[]> _initrd = Single("--initrd", "initial ramdisk (at 0x800000, or 1 MiB above a larger kernel)", "-initrd");
    private readonly Option<string[]> _smp = Single("--smp", "CPUs: N[,maxcpus=M][,sockets=..,cores=..,threads=..] (default 1)", "-smp");
    private readonly Option<string[]> _maxCycles = Single("--max-cycles", "stop with exit code 3 after this many cycles");
    private readonly Option<bool> _stats = new("--stats") { Description = "at the end (or on SIGINT/SIGTERM) print instructions, cycles, intercepts and wall time to stderr; --stats=json prints one JSON object" };
    private readonly Option<string[]> _statsFormat = Single("--stats-format", "text or json (--stats=json)", hidden: true);
    private readonly Option<bool> _progress = new("--progress") { Description = "print guest instructions, MIPS and guest time once a second on stderr (automatic on a terminal after 3 s)" };
    private readonly Option<string[]> _mhz = Single("--cpu-mhz", "CPU frequency of the cycle model (TOD and timers derive from it; default 5200)");
    private readonly Option<string[]> _engine = Single("--engine", "execution engine: jit (default), interp (the reference stepper) or tier1 (the JIT's first tier alone: pre-decoded blocks, nothing compiled)");
    private readonly Option<bool> _verifyJit = new("--verify-jit") { Description = "lockstep mode: check every compiled region run against the interpreter (slow)" };
    private readonly Option<string[]> _trace = Single("--trace", "trace categories: host (one line per host-model event, to stderr)");
    // ---- logs, profiles and timelines (issue 10) ----
    private readonly Option<string[]> _log = Single("-d", "QEMU-style logs: ITEM[,ITEM...] of int, in_asm, exec, cpu, unimp, guest_errors (-d help lists them)");
    private readonly Option<string[]> _logFile = Single("-D", "write the -d logs to FILE instead of stderr");
    private readonly Option<bool> _profile = new("--profile") { Description = "attribute cycles to guest functions with call stacks; prints the top table to stderr at the end (with --engine interp, --stats also counts mnemonics)" };
    private readonly Option<string[]> _profileOut = Single("--profile-out", "write the profile as folded stacks (flamegraph.pl, speedscope) to FILE (implies --profile)");
    private readonly Option<string[]> _symbols = Single("--symbols", "symbols for --profile and -d: an ELF file or a System.map (default: the kernel ELF's own)");
    private readonly Option<string[]> _traceOut = Single("--trace-out", "write the host trace as Chrome / Perfetto trace-event JSON to FILE (guest time; tracks per vcpu, AP queue, GIB)");
    private readonly Option<bool> _nographic = new("-nographic") { Description = "accepted (the console is always stdio)" };
    private readonly Option<bool> _nodefaults = new("-nodefaults") { Description = "accepted" };
    private readonly Option<string[]> _machine = Single("-machine", "s390-ccw-virtio[,accel=..] or accel=.. alone", "-M");
    private readonly Option<string[]> _name = Single("-name", "VM name (STSI 3.2.2), NAME or guest=NAME[,...]");
    private readonly Option<string[]> _chardev = Single("-chardev", "stdio,id=ID");
    private readonly Option<string[]> _device = Single("-device", "sclpconsole,chardev=ID | sclplmconsole,chardev=ID | vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/UUID | virtio-net-ccw[,devno=fe.0.DDDD]");
    private readonly Option<string[]> _ap = Single("--ap", "pass AP queue APID.APQI (hex, e.g. 05.0004) through to the guest; repeatable or comma-separated");
    private readonly Option<string[]> _apType = Single("--ap-type", "adapter type of the host AP bus: cex5, cex6, cex7 (default) or cex8, accelerator mode");
    private readonly Option<bool> _apOff = new("--ap-off") { Description = "CPU model without AP instructions (QEMU ap=off): every AP instruction intercepts and fails" };
    private readonly Option<string[]> _cpu = Single("--cpu", "CPU model host|max|qemu|z16[,FEATURE=on|off] (QEMU feature names; on only for what S390Jit implements)", "-cpu");
    private readonly Option<string[]> _quirk = Single("--quirk", "literal v7/upstream behaviour of the AQIC path (repeatable or comma-separated): " + string.Join(", ", Host.HostQuirks.ByName.Keys));
    private readonly Option<string[]> _apEvent = Single("--ap-event", "VMM life-cycle action at a boot-CPU cycle, CYCLE:ACTION (repeatable or comma-separated): reset, release, open, set-kvm-null, unbind=APQN, bind=APQN, dma-unmap=ADDR+LEN, dma-map=ADDR+LEN (hex)");
    private readonly GdbOptions _gdb = new();
    private readonly Option<string[]> _host = Single("--host", "host machine features: aiv=on|off (GISA/GIB), fac65=on|off (AQIC), gisaf=on|off (GISA format 1)");

    /// <summary>QEMU options accepted and ignored, and QEMU options refused as unsupported (hidden).</summary>
    /// (Plain arrays and loops here and in Bind: LINQ over value tuples is code RyuJIT compiles at every start.)
    private readonly Option[] _ignored = IgnoredOptions();
    private readonly Option[] _unsupported = UnsupportedOptions();

    private static Option[] IgnoredOptions()
    {
        var list = new Option[QemuCompat.Ignored.Length];
        for (int i = 0; i < list.Length; i++)
        {
            var (name, takesValue, help) = QemuCompat.Ignored[i];
            list[i] = takesValue ? Single(name, help) : new Option<bool>(name) { Description = help };
        }
        return list;
    }

    private static Option[] UnsupportedOptions()
    {
        var list = new List<Option>(QemuCompat.UnsupportedFlags.Length + QemuCompat.UnsupportedWithValue.Length);
        foreach (var n in QemuCompat.UnsupportedFlags) list.Add(new Option<bool>(n) { Hidden = true });
        foreach (var n in QemuCompat.UnsupportedWithValue) list.Add(Single(n, "", hidden: true));
        return list.ToArray();
    }

    /// <summary>An option taking one value per occurrence; Bind takes the last one or all of them.</summary>
    private static Option<string[]> Single(string name, string description, string? alias = null, bool hidden = false)
    {
        var o = alias == null ? new Option<string[]>(name) : new Option<string[]>(name, alias);
        o.Description = description;
        o.Hidden = hidden;
        o.Arity = ArgumentArity.OneOrMore;
        o.AllowMultipleArgumentsPerToken = false;
        return o;
    }

    public void AddTo(Command cmd, bool withKernelArgument)
    {
        if (withKernelArgument) cmd.Arguments.Add(_kernelArg);
        foreach (var o in new Option[] { _kernel, _memory, _append, _initrd, _smp, _maxCycles, _stats, _statsFormat, _progress, _mhz, _engine, _verifyJit,
                     _trace, _log, _logFile, _profile, _profileOut, _symbols, _traceOut, _nographic, _nodefaults, _machine, _name, _chardev, _device, _ap, _apType, _apOff, _cpu, _quirk, _host, _apEvent })
            cmd.Options.Add(o);
        foreach (var o in _gdb.All) cmd.Options.Add(o);
        foreach (var o in _ignored) cmd.Options.Add(o);
        foreach (var o in _unsupported) cmd.Options.Add(o);
    }

    /// <summary>Every spelling of a QEMU option this command knows (single dash), for "--kernel" = "-kernel" as in QEMU.</summary>
    public static void AddSingleDashNames(Command cmd, HashSet<string> names)
    {
        foreach (var o in cmd.Options)
        {
            if (IsSingleDash(o.Name)) names.Add(o.Name);
            foreach (var a in o.Aliases)
                if (IsSingleDash(a)) names.Add(a);
        }
    }

    private static bool IsSingleDash(string n) => n.Length > 2 && n[0] == '-' && n[1] != '-';

    public RunSettings Bind(ParseResult pr)
    {
        string? Last(Option<string[]> o) => pr.GetValue(o) is { Length: > 0 } v ? v[^1] : null;
        string? kernelArg = pr.GetValue(_kernelArg), kernelOpt = Last(_kernel);
        return new RunSettings
        {
            Kernel = kernelArg ?? kernelOpt,
            KernelBoth = kernelArg != null && kernelOpt != null,
            Memory = Last(_memory) ?? "128M",
            Append = Last(_append),
            Initrd = Last(_initrd),
            Smp = Last(_smp) ?? "1",
            MaxCycles = Last(_maxCycles),
            Stats = pr.GetValue(_stats) || Last(_statsFormat) != null,
            StatsFormat = Last(_statsFormat) ?? "text",
            Progress = pr.GetValue(_progress),
            CpuMhz = Last(_mhz) ?? "5200",
            Engine = Last(_engine) ?? "jit",
            VerifyJit = pr.GetValue(_verifyJit),
            Trace = pr.GetValue(_trace) ?? [],
            Log = pr.GetValue(_log) ?? [],
            LogFile = Last(_logFile),
            Profile = pr.GetValue(_profile) || Last(_profileOut) != null,
            ProfileOut = Last(_profileOut),
            Symbols = Last(_symbols),
            TraceOut = Last(_traceOut),
            Machine = Last(_machine),
            Name = Last(_name),
            Chardevs = pr.GetValue(_chardev) ?? [],
            Devices = pr.GetValue(_device) ?? [],
            Ap = pr.GetValue(_ap) ?? [],
            ApType = Last(_apType),
            ApOff = pr.GetValue(_apOff),
            Cpu = Last(_cpu),
            Quirks = pr.GetValue(_quirk) ?? [],
            Host = Last(_host),
            ApEvents = pr.GetValue(_apEvent) ?? [],
            Gdb = _gdb.Bind(pr),
            Ignored = Given(pr, _ignored, o => (o.Name, o is Option<string[]> s ? Last(s) : null)),
            Unsupported = Array.Find(_unsupported, o => pr.GetResult(o) is { Implicit: false })?.Name,
        };
    }

    private static List<(string Option, string? Value)> Given(ParseResult pr, Option[] options, Func<Option, (string, string?)> value)
    {
        var list = new List<(string Option, string? Value)>();
        foreach (var o in options)
            if (pr.GetResult(o) is { Implicit: false }) list.Add(value(o));
        return list;
    }
}

internal sealed class RunSettings
{
    public string? Kernel;
    public bool KernelBoth;
    public string Memory = "128M";
    public string? Append;
    public string? Initrd;
    public string Smp = "1";
    public string? MaxCycles;
    public bool Stats;
    public string StatsFormat = "text";
    public bool Progress;
    public string CpuMhz = "5200";
    public string Engine = "jit";
    public bool VerifyJit;
    public string[] Trace = [];
    public string[] Log = [];
    public string? LogFile;
    public bool Profile;
    public string? ProfileOut;
    public string? Symbols;
    public string? TraceOut;
    public string? Machine;
    public string? Name;
    public string[] Chardevs = [];
    public string[] Devices = [];
    public string[] Ap = [];
    public string? ApType;
    public bool ApOff;
    public string? Cpu;
    public string[] Quirks = [];
    public string? Host;
    public string[] ApEvents = [];
    public GdbSettings? Gdb;
    public List<(string Option, string? Value)> Ignored = [];
    public string? Unsupported;
}
