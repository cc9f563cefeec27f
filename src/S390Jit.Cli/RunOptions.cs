using System.CommandLine;
using System.CommandLine.Parsing;

namespace S390Jit.Cli;

/// <summary>The options of "run", each also accepted in its qemu-system-s390x spelling.</summary>
internal sealed class RunOptions
{
    private readonly Argument<string?> _kernelArg = new("kernel") { Description = "s390x ELF kernel to boot", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string?> _kernel = new("-kernel") { Description = "kernel to boot (qemu spelling)" };
    private readonly Option<string> _memory = new("--memory", "-m") { Description = "guest memory, e.g. 128M, 1G (a bare number is MiB)", DefaultValueFactory = _ => "128M" };
    private readonly Option<string?> _append = new("--append", "-append") { Description = "kernel command line (placed at 0x10480)" };
    private readonly Option<string?> _initrd = new("--initrd", "-initrd") { Description = "initial ramdisk (loaded at 0x800000)" };
    private readonly Option<string> _smp = new("--smp", "-smp") { Description = "number of CPUs (N or cpus=N)", DefaultValueFactory = _ => "1" };
    private readonly Option<ulong?> _maxCycles = new("--max-cycles") { Description = "stop with exit code 3 after this many cycles" };
    private readonly Option<bool> _stats = new("--stats") { Description = "print instructions, cycles, intercepts and wall time to stderr at the end" };
    private readonly Option<uint> _mhz = new("--cpu-mhz") { Description = "CPU frequency of the cycle model (TOD and timers derive from it)", DefaultValueFactory = _ => 5200 };
    private readonly Option<string> _engine = new("--engine") { Description = "execution engine: jit (default) or interp", DefaultValueFactory = _ => "jit" };
    private readonly Option<bool> _verifyJit = new("--verify-jit") { Description = "lockstep mode: check every compiled region run against the interpreter (slow)" };
    private readonly Option<bool> _profile = new("--profile") { Description = "run in the interpreter and report (with --stats) executed instructions per mnemonic" };
    private readonly Option<string[]> _trace = new("--trace") { Description = "trace categories: host (one line per host-model event, to stderr)", AllowMultipleArgumentsPerToken = false };
    private readonly Option<bool> _nographic = new("-nographic") { Description = "accepted for qemu compatibility (the console is always stdio)" };
    private readonly Option<bool> _nodefaults = new("-nodefaults") { Description = "accepted for qemu compatibility" };
    private readonly Option<string?> _machine = new("-machine", "-M") { Description = "machine type: s390-ccw-virtio[,accel=...]" };
    private readonly Option<string[]> _chardev = new("-chardev") { Description = "stdio,id=ID (qemu compatibility)" };
    private readonly Option<string[]> _device = new("-device") { Description = "sclpconsole,chardev=ID | sclplmconsole,chardev=ID | vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/UUID (qemu compatibility)" };
    private readonly Option<string[]> _ap = new("--ap") { Description = "pass AP queue APID.APQI (hex, e.g. 05.0004) through to the guest; repeatable or comma-separated", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string?> _apType = new("--ap-type") { Description = "adapter type of the host AP bus: cex5, cex6, cex7 (default) or cex8, accelerator mode" };
    private readonly Option<bool> _apOff = new("--ap-off") { Description = "CPU model without AP instructions (QEMU ap=off): every AP instruction intercepts and fails" };
    private readonly Option<string?> _cpu = new("--cpu", "-cpu") { Description = "CPU model [host|max|z16][,ap=on|off][,apqci=..][,apft=..][,apqi=..][,msa3=..]" };
    private readonly Option<string[]> _quirk = new("--quirk") { Description = "literal v7/upstream behaviour of the AQIC path (repeatable or comma-separated): " + string.Join(", ", Host.HostQuirks.ByName.Keys), AllowMultipleArgumentsPerToken = false };
    private readonly Option<string[]> _apEvent = new("--ap-event") { Description = "VMM life-cycle action at a boot-CPU cycle, CYCLE:ACTION (repeatable or comma-separated): reset, release, open, set-kvm-null, unbind=APQN, bind=APQN, dma-unmap=ADDR+LEN, dma-map=ADDR+LEN (hex)", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string?> _host = new("--host") { Description = "host machine features: aiv=on|off (GISA/GIB), fac65=on|off (AQIC), gisaf=on|off (GISA format 1)" };

    public void AddTo(Command cmd, bool withKernelArgument)
    {
        if (withKernelArgument) cmd.Arguments.Add(_kernelArg);
        foreach (var o in new Option[] { _kernel, _memory, _append, _initrd, _smp, _maxCycles, _stats, _mhz, _engine, _verifyJit, _profile, _trace,
                     _nographic, _nodefaults, _machine, _chardev, _device, _ap, _apType, _apOff, _cpu, _quirk, _host, _apEvent })
            cmd.Options.Add(o);
    }

    public RunSettings Bind(ParseResult pr)
    {
        string? kernel = pr.GetValue(_kernelArg) ?? pr.GetValue(_kernel);
        return new RunSettings
        {
            Kernel = kernel,
            KernelBoth = pr.GetValue(_kernelArg) != null && pr.GetValue(_kernel) != null,
            Memory = pr.GetValue(_memory)!,
            Append = pr.GetValue(_append),
            Initrd = pr.GetValue(_initrd),
            Smp = pr.GetValue(_smp)!,
            MaxCycles = pr.GetValue(_maxCycles),
            Stats = pr.GetValue(_stats),
            CpuMhz = pr.GetValue(_mhz),
            Engine = pr.GetValue(_engine)!,
            VerifyJit = pr.GetValue(_verifyJit),
            Profile = pr.GetValue(_profile),
            Trace = pr.GetValue(_trace) ?? [],
            Machine = pr.GetValue(_machine),
            Chardevs = pr.GetValue(_chardev) ?? [],
            Devices = pr.GetValue(_device) ?? [],
            Ap = pr.GetValue(_ap) ?? [],
            ApType = pr.GetValue(_apType),
            ApOff = pr.GetValue(_apOff),
            Cpu = pr.GetValue(_cpu),
            Quirks = pr.GetValue(_quirk) ?? [],
            Host = pr.GetValue(_host),
            ApEvents = pr.GetValue(_apEvent) ?? [],
        };
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
    public ulong? MaxCycles;
    public bool Stats;
    public uint CpuMhz;
    public string Engine = "jit";
    public bool VerifyJit;
    public bool Profile;
    public string[] Trace = [];
    public string? Machine;
    public string[] Chardevs = [];
    public string[] Devices = [];
    public string[] Ap = [];
    public string? ApType;
    public bool ApOff;
    public string? Cpu;
    public string[] Quirks = [];
    public string? Host;
    public string[] ApEvents = [];
}
