using System.Globalization;

namespace S390Jit.Vmm;

/// <summary>Configuration of one machine (what QEMU's command line describes).</summary>
public sealed class MachineOptions
{
    public const ulong DefaultMemory = 128UL << 20;

    public ulong MemoryBytes { get; set; } = DefaultMemory;
    public int Cpus { get; set; } = 1;
    /// <summary>CPU addresses of further CPUs (QEMU's -device TYPE-s390x-cpu,core-id=N), created after the -smp ones, stopped.</summary>
    /// (Made on first use: List&lt;ushort&gt;'s static constructor is compiled by RyuJIT, ~0.2 ms a plain run need not pay.)
    public List<ushort> ExtraCpuAddresses => _extraCpuAddresses ??= new();
    private List<ushort>? _extraCpuAddresses;
    /// <summary><see cref="ExtraCpuAddresses"/> without making the list (empty when there is none).</summary>
    internal ReadOnlySpan<ushort> ExtraCpuAddressesSpan => _extraCpuAddresses is { } l ? System.Runtime.InteropServices.CollectionsMarshal.AsSpan(l) : default;
    /// <summary>Kernel command line, placed at 0x10480 as qemu-system-s390x does.</summary>
    public string? Append { get; set; }
    public string? InitrdPath { get; set; }
    /// <summary>CPU frequency of the cycle model in MHz (TOD, CPU timer and clock comparator derive from it).</summary>
    public uint CpuMhz { get; set; } = 5200;
    /// <summary>Stop the run (exit 3) when a CPU reaches this many cycles.</summary>
    public ulong MaxCycles { get; set; } = ulong.MaxValue;
    /// <summary>Execution engine: jit (interprets cold code, compiles hot regions) or interp.</summary>
    public string Engine { get; set; } = "jit";
    /// <summary>
    /// The engine built ahead, on another thread, for <see cref="Engine"/> (the CLI's loading thread builds it while this one
    /// builds the machine): called once by the machine; null (or a null result) and the machine creates its own.
    /// </summary>
    public Func<Execution.IExecutionEngine?>? EngineFactory { get; set; }
    /// <summary>--verify-jit: check every compiled region run against the interpreter (slow).</summary>
    public bool VerifyJit { get; set; }
    /// <summary>--profile: attribute cycles to guest functions and call stacks (<see cref="Diagnostics.Profiler"/>); under --engine interp also counts instructions per mnemonic.</summary>
    public bool Profile { get; set; }
    /// <summary>Symbols for the profile and the logs (--symbols System.map); null: the kernel ELF's own.</summary>
    public Loader.SymbolTable? Symbols { get; set; }
    /// <summary>-d: the QEMU-style log items, and where they go (-D FILE; default stderr).</summary>
    public Diagnostics.LogItems Log { get; set; }
    public TextWriter? LogWriter { get; set; }
    /// <summary>--trace-out: record the host trace as a Chrome / Perfetto timeline.</summary>
    public bool Timeline { get; set; }
    /// <summary>Facilities switched on or off from the default CPU model (-cpu FEATURE=on|off), by STFLE bit.</summary>
    public Dictionary<int, bool> Facilities { get; } = new();
    /// <summary>Where the guest's console output goes.</summary>
    public Stream Console { get; set; } = StandardStream.Output;
    /// <summary>
    /// The console's input (QEMU's stdio chardev), or null for none: lines given to the guest at its waits,
    /// see <see cref="Sclp.OfferInput"/>.
    /// </summary>
    public ConsoleInput? ConsoleInput { get; set; }
    /// <summary>Receives one line per host-model event (--trace host), or null.</summary>
    public Action<string>? HostTrace { get; set; }
    /// <summary>AP crypto: host AP bus, CPU-model features and the vfio-ap matrix; null = a host without AP.</summary>
    public ApOptions? Ap { get; set; }
    /// <summary>Literal v7/upstream behaviours of the AQIC path (all off: the model), see <see cref="Host.HostQuirks"/>.</summary>
    public Host.HostQuirks Quirks { get; set; } = Host.HostQuirks.None;
    /// <summary>The host machine has adapter-interruption virtualization (a GISA per VM, the GIB).</summary>
    public bool HostAiv { get; set; } = true;
    /// <summary>The host has facility 65 (AQIC).</summary>
    public bool HostFacility65 { get; set; } = true;
    /// <summary>The machine supports GISA format 1 (else format 0).</summary>
    public bool HostGisaFormat1 { get; set; } = true;
    /// <summary>
    /// Life-cycle events the VMM (QEMU, the host administrator) performs while the guest runs, each when
    /// the boot CPU reaches its cycle (--ap-event): see <see cref="ApLifecycleEvent"/>.
    /// </summary>
    public List<ApLifecycleEvent> ApEvents { get; } = new();
    /// <summary>-device virtio-net-ccw[,devno=fe.S.DDDD]: virtio-ccw devices on the channel subsystem, in order.</summary>
    public List<VirtioCcwDevice> VirtioCcw { get; } = new();
    /// <summary>-device diag288: the DIAG 288 watchdog device exists.</summary>
    public bool Diag288 { get; set; }
    /// <summary>What the watchdog's expiry does (-watchdog-action, -action watchdog=).</summary>
    public WatchdogAction WatchdogAction { get; set; } = WatchdogAction.Reset;
    /// <summary>-uuid: the VM's UUID (STSI 3.2.2).</summary>
    public Guid Uuid { get; set; }
    /// <summary>Cycles a vcpu runs before the scheduler turns to the next one.</summary>
    public ulong TimeSliceCycles { get; set; } = 2_000_000;

    /// <summary>
    /// A decimal number of ASCII digits only, as <c>ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, ..)</c>
    /// reads it (false when empty, any other character, or above ulong.MaxValue), without the culture data a plain run
    /// otherwise never loads (~3 ms of CPU at start-up, perf/startup.md).
    /// </summary>
    public static bool TryParseDigits(ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        if (s.IsEmpty) return false;
        foreach (char c in s)
        {
            uint d = (uint)(c - '0');
            if (d > 9 || value > (ulong.MaxValue - d) / 10) { value = 0; return false; }
            value = value * 10 + d;
        }
        return true;
    }

    /// <summary>Parses a memory size: a number with an optional K/M/G/T suffix; a bare number means MiB (as QEMU's -m).</summary>
    public static ulong ParseSize(string text)
    {
        var t = text.Trim();
        if (t.Length == 0) throw new FormatException("empty memory size");
        ulong mul = 1UL << 20;
        char last = char.ToUpperInvariant(t[^1]);
        if (last is 'K' or 'M' or 'G' or 'T' or 'B')
        {
            mul = last switch { 'K' => 1UL << 10, 'M' => 1UL << 20, 'G' => 1UL << 30, 'T' => 1UL << 40, _ => 1 };
            t = t[..^1];
        }
        if (!TryParseDigits(t, out ulong n) || n == 0)
            throw new FormatException($"invalid memory size '{text}' (expected e.g. 128M, 1G)");
        ulong bytes = checked(n * mul);
        return bytes;
    }
}

/// <summary>
/// One scheduled VMM action on the AP set-up: <c>reset</c> (system reset: floating interruptions and
/// VFIO_DEVICE_RESET), <c>release</c> / <c>open</c> (QEMU closes / opens the vfio-ap device),
/// <c>set-kvm-null</c>, <c>unbind=APQN</c> / <c>bind=APQN</c> (the queue device leaves / joins vfio_ap),
/// <c>dma-unmap=ADDR+LEN</c> / <c>dma-map=ADDR+LEN</c> (hex, a guest RAM range of the VFIO container).
/// </summary>
public sealed record ApLifecycleEvent(ulong Cycle, string Action, ulong Address = 0, ulong Length = 0, ushort Apqn = 0)
{
    public static readonly string[] Actions = ["reset", "release", "open", "set-kvm-null", "unbind=APQN", "bind=APQN", "dma-unmap=ADDR+LEN", "dma-map=ADDR+LEN"];

    /// <summary>Parses CYCLE:ACTION; throws FormatException with a one-line reason.</summary>
    public static ApLifecycleEvent Parse(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0 || !ulong.TryParse(text[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out ulong cycle))
            throw new FormatException($"malformed AP event '{text}' (expected CYCLE:ACTION, e.g. 500000:reset)");
        string a = text[(colon + 1)..];
        int eq = a.IndexOf('=');
        string name = eq < 0 ? a : a[..eq], arg = eq < 0 ? "" : a[(eq + 1)..];
        switch (name)
        {
            case "reset" or "release" or "open" or "set-kvm-null" when eq < 0:
                return new ApLifecycleEvent(cycle, name);
            case "unbind" or "bind" when Hardware.Ap.Apqn.TryParse(arg, out ushort apqn):
                return new ApLifecycleEvent(cycle, name, Apqn: apqn);
            case "dma-unmap" or "dma-map":
                {
                    var parts = arg.Split('+');
                    if (parts.Length == 2 && TryHex(parts[0], out ulong addr) && TryHex(parts[1], out ulong len) && len > 0)
                        return new ApLifecycleEvent(cycle, name, addr, len);
                    break;
                }
        }
        throw new FormatException($"unknown AP event action '{a}' (available: {string.Join(", ", Actions)})");
    }

    private static bool TryHex(string s, out ulong v)
    {
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        return ulong.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v);
    }
}

/// <summary>
/// A virtio-ccw device: its virtio device id (1 network) and its bus id (cssid fe, subchannel set,
/// device number), or null for the first free device number in set 0.
/// </summary>
public sealed record VirtioCcwDevice(byte VirtioId, (byte Cssid, byte Ssid, ushort Devno)? Busid)
{
    public const byte Network = 1;

    /// <summary>Parses a QEMU devno: cssid.ssid.devno in hexadecimal (fe.0.0001); false if malformed.</summary>
    public static bool TryParseDevno(string text, out (byte Cssid, byte Ssid, ushort Devno) busid)
    {
        busid = default;
        var parts = text.Split('.');
        if (parts.Length != 3) return false;
        if (!byte.TryParse(parts[0], System.Globalization.NumberStyles.HexNumber, null, out byte c)) return false;
        if (!byte.TryParse(parts[1], System.Globalization.NumberStyles.HexNumber, null, out byte ss) || ss > 3) return false;
        if (parts[2].Length != 4 || !ushort.TryParse(parts[2], System.Globalization.NumberStyles.HexNumber, null, out ushort d)) return false;
        busid = (c, ss, d);
        return true;
    }
}
