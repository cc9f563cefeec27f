using System.Globalization;

namespace S390Jit.Vmm;

/// <summary>Configuration of one machine (what QEMU's command line describes).</summary>
public sealed class MachineOptions
{
    public const ulong DefaultMemory = 128UL << 20;

    public ulong MemoryBytes { get; set; } = DefaultMemory;
    public int Cpus { get; set; } = 1;
    /// <summary>Kernel command line, placed at 0x10480 as qemu-system-s390x does.</summary>
    public string? Append { get; set; }
    public string? InitrdPath { get; set; }
    /// <summary>CPU frequency of the cycle model in MHz (TOD, CPU timer and clock comparator derive from it).</summary>
    public uint CpuMhz { get; set; } = 5200;
    /// <summary>Stop the run (exit 3) when a CPU reaches this many cycles.</summary>
    public ulong MaxCycles { get; set; } = ulong.MaxValue;
    /// <summary>Execution engine: jit (interprets cold code, compiles hot regions) or interp.</summary>
    public string Engine { get; set; } = "jit";
    /// <summary>--verify-jit: check every compiled region run against the interpreter (slow).</summary>
    public bool VerifyJit { get; set; }
    /// <summary>--profile: run in the interpreter and report executed instructions per mnemonic.</summary>
    public bool Profile { get; set; }
    /// <summary>Where the guest's console output goes.</summary>
    public Stream Console { get; set; } = System.Console.OpenStandardOutput();
    /// <summary>Receives one line per host-model event (--trace host), or null.</summary>
    public Action<string>? HostTrace { get; set; }
    /// <summary>AP crypto: host AP bus, CPU-model features and the vfio-ap matrix; null = a host without AP.</summary>
    public ApOptions? Ap { get; set; }
    /// <summary>Cycles a vcpu runs before the scheduler turns to the next one.</summary>
    public ulong TimeSliceCycles { get; set; } = 2_000_000;

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
        if (!ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) || n == 0)
            throw new FormatException($"invalid memory size '{text}' (expected e.g. 128M, 1G)");
        ulong bytes = checked(n * mul);
        return bytes;
    }
}
