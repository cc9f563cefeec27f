using S390Jit.Hardware;
using S390Jit.Hardware.Tracing;

namespace S390Jit.Host;

/// <summary>
/// The context a host-kernel path runs in: the vcpu thread it runs on (whose cycle counter it
/// charges and stamps events with) or, for work user space starts (QEMU closing a device, sysfs),
/// a clock of its own that starts at the VM's current time. Sleeps (msleep in vfio_ap) are virtual
/// delays charged to that clock. Machine work the path starts (a host-issued PQAP) runs in it too.
/// </summary>
public sealed class HostContext : IMachineContext
{
    private ulong _clock;

    public HostContext(Architecture.State.Cpu cpu, TraceLog trace)
    {
        Cpu = cpu;
        Trace = trace;
        Mhz = cpu.Clock.Mhz;
    }

    public HostContext(ulong now, TraceLog trace, uint mhz = 5200, Action<ulong>? clockChanged = null)
    {
        _clock = now;
        Trace = trace;
        Mhz = mhz;
        _clockChanged = clockChanged;
    }

    private readonly Action<ulong>? _clockChanged;

    /// <summary>The vcpu this path runs on, or null (user space / sysfs).</summary>
    public Architecture.State.Cpu? Cpu { get; }
    public TraceLog Trace { get; }
    public uint Mhz { get; }
    public ulong Now => Cpu?.Cycles ?? _clock;

    public void Charge(ulong cycles)
    {
        if (Cpu != null) Cpu.Cycles += cycles;
        else
        {
            _clock += cycles;
            _clockChanged?.Invoke(_clock);
        }
    }

    /// <summary>msleep: a virtual delay of <paramref name="ms"/> milliseconds.</summary>
    public void SleepMs(ulong ms) => Charge(ms * 1000 * Mhz);
}
