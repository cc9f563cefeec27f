namespace S390Jit.Architecture.State;

/// <summary>
/// The deterministic clock: TOD, CPU timer and clock comparator all derive from the CPU's cycle
/// counter at a configured frequency. TOD bit 51 is one microsecond, so one MHz of CPU frequency
/// corresponds to 4096 TOD units per (frequency) cycles.
/// </summary>
public sealed class CpuClock
{
    /// <summary>TOD value for 2020-01-01 00:00:00 UTC (seconds since 1900 * 4096e6).</summary>
    public const ulong DefaultTodBase = 3786825600UL * 4096_000_000UL;

    public CpuClock(uint mhz = 5200, ulong todBase = DefaultTodBase)
    {
        if (mhz == 0) throw new ArgumentOutOfRangeException(nameof(mhz));
        Mhz = mhz;
        TodBase = todBase;
    }

    public uint Mhz { get; }
    /// <summary>TOD clock value at cycle 0 (the epoch difference of the guest is applied on top).</summary>
    public ulong TodBase { get; set; }

    public ulong TodAt(ulong cycles) => TodBase + WideMath.DivLow(cycles >> 52, cycles << 12, Mhz); // (cycles · 4096 / Mhz) mod 2⁶⁴

    /// <summary>The first cycle at which the TOD clock is greater than <paramref name="tod"/>.</summary>
    public ulong FirstCycleTodAbove(ulong tod)
    {
        if (tod < TodBase) return 0;
        UInt128 k = (UInt128)(tod - TodBase) + 1;
        UInt128 c = (k * Mhz + 4095) / 4096;
        return c > ulong.MaxValue ? ulong.MaxValue : (ulong)c;
    }

    /// <summary>Nanoseconds of guest time for a cycle count.</summary>
    public double Seconds(ulong cycles) => cycles / (Mhz * 1e6);
}

public partial class Cpu
{
    public CpuClock Clock = new();
    /// <summary>Executed cycles (the cycle model's counter; the TOD derives from it).</summary>
    public ulong Cycles;
    /// <summary>Instructions completed (for statistics).</summary>
    public ulong Instructions;
    /// <summary>
    /// The run loop stops for event handling once <see cref="Cycles"/> reaches this value. Owned by the thread
    /// running the CPU: other threads request through <see cref="HostExitRequest"/> (flag only) instead.
    /// </summary>
    public ulong EventCycle;
    /// <summary>
    /// Compiled code's copy of <see cref="EventCycle"/> as read when it entered (or came back from a helper): its
    /// exits compute <see cref="Cycles"/> from this, never from the field again (kept here, not in a host register).
    /// </summary>
    public ulong JitEventBase;
    /// <summary>
    /// The native first tier's state across a call (S390Jit.Execution.Native): the block descriptor whose code returned,
    /// and the instructions its chains may still run before they return to the first tier's loop.
    /// </summary>
    public nint NativeLast;
    public long NativeBudget;
    /// <summary>Regions compiled natively (S390Jit.Execution.Native.NativeRegions): the entry descriptor the code last chained into (0: none).</summary>
    public nint NativeRegionLast;
    /// <summary>The engine's native region entries by guest address (computed exits of native regions look there; 0: none).</summary>
    public nint NativeRegionTargets;
    /// <summary>The native first tier's translated blocks by guest address, of the block cache this CPU runs (its chain stubs look there).</summary>
    public nint NativeTargets;
    /// <summary>
    /// Compiled-code chaining (S390JIT_CHAIN_IN_CODE): a region's constant exit runs the linked region itself (a tail
    /// call) while <see cref="PswMask"/> equals this value; the dispatcher sets it to the mask of its chained runs and
    /// back to all ones (never a PSW mask: bits 24-30 are zero in a valid one) outside them. Each such run stores the
    /// region entry it went to in <see cref="JitChained"/> (the dispatcher's successor bookkeeping continues from it)
    /// and counts in <see cref="JitChains"/>.
    /// </summary>
    public ulong JitChainMask = ulong.MaxValue;
    public object? JitChained;
    public long JitChains;
    /// <summary>End of the current run slice (set by the host).</summary>
    public ulong BudgetEnd = ulong.MaxValue;

    /// <summary>Epoch difference added to the machine TOD (SCK, or the SIE epoch).</summary>
    public ulong TodEpoch;
    public ulong Ckc;
    private long _cpuTimerAtSet;
    private ulong _cpuTimerSetCycle;
    private ulong _lastStck;
    /// <summary>TOD programmable register (low 16 bits used).</summary>
    public uint TodProgrammable;

    public ulong Tod => Clock.TodAt(Cycles) + TodEpoch;

    /// <summary>Store-clock value: TOD with the uniqueness rule of STORE CLOCK applied.</summary>
    public ulong StckValue()
    {
        ulong t = Tod;
        if (t <= _lastStck) t = _lastStck + 1;
        _lastStck = t;
        return t;
    }

    /// <summary>SET CLOCK: the TOD takes <paramref name="value"/> (STCK uniqueness starts over, the clock may go back).</summary>
    public void SetTod(ulong value) { TodEpoch = value - Clock.TodAt(Cycles); _lastStck = 0; RecheckEvents(); }

    public long CpuTimer
    {
        get => _cpuTimerAtSet - (long)(Clock.TodAt(Cycles) - Clock.TodAt(_cpuTimerSetCycle));
        set { _cpuTimerAtSet = value; _cpuTimerSetCycle = Cycles; RecheckEvents(); }
    }

    public void SetClockComparator(ulong v) { Ckc = v; RecheckEvents(); }

    public bool CkcPending => Tod > Ckc;
    public bool CpuTimerPending => CpuTimer < 0;

    /// <summary>First cycle at which the clock comparator condition becomes true (or MaxValue).</summary>
    public ulong CkcCycle()
    {
        if (Ckc < TodEpoch) return 0;
        return Clock.FirstCycleTodAbove(Ckc - TodEpoch);
    }

    /// <summary>First cycle at which the CPU timer becomes negative.</summary>
    public ulong CpuTimerCycle()
    {
        if (_cpuTimerAtSet < 0) return 0;
        ulong target = Clock.TodAt(_cpuTimerSetCycle) + (ulong)_cpuTimerAtSet;
        return Clock.FirstCycleTodAbove(target);
    }

    /// <summary>
    /// Forces the run loop to re-evaluate interruptions and events at the next instruction boundary. Only on
    /// the thread running the CPU (or while it is not running): see <see cref="EventCycle"/>.
    /// </summary>
    public void RecheckEvents() => EventCycle = 0;
}
