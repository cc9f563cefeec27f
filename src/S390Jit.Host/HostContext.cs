namespace S390Jit.Host;

/// <summary>
/// The context a host-kernel path runs in: the vcpu thread it runs on (whose cycle counter it
/// charges and stamps events with) or, for work user space starts (QEMU closing a device, sysfs),
/// a clock of its own that starts at the VM's current time. Sleeps (msleep in vfio_ap) are virtual
/// delays charged to that clock.
/// </summary>
public sealed class HostContext
{
    private ulong _clock;

    public HostContext(Architecture.State.Cpu cpu, HostEvents events)
    {
        Cpu = cpu;
        Events = events;
        Mhz = cpu.Clock.Mhz;
    }

    public HostContext(ulong now, HostEvents events, uint mhz = 5200, Action<ulong>? clockChanged = null)
    {
        _clock = now;
        Events = events;
        Mhz = mhz;
        _clockChanged = clockChanged;
    }

    private readonly Action<ulong>? _clockChanged;

    /// <summary>The vcpu this path runs on, or null (user space / sysfs).</summary>
    public Architecture.State.Cpu? Cpu { get; }
    public HostEvents Events { get; }
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

    public void Emit(string name, string detail = "", ulong pathCycles = 0) => Events.Emit(name, Now, detail, pathCycles);
}
