namespace S390Jit.Architecture.State;

/// <summary>The classes of interruptions (PoO chapter 6).</summary>
public enum InterruptionClass : byte { Program, SupervisorCall, External, InputOutput, Restart, MachineCheck }

/// <summary>One interruption as it was taken: the PSW swap and what the lowcore received.</summary>
public readonly record struct InterruptionRecord(
    InterruptionClass Class, ushort Code, int Ilc, ulong OldMask, ulong OldAddr, ulong NewMask, ulong NewAddr,
    ulong? Teid = null, uint Parameter = 0, ushort CpuAddr = 0, uint InterruptionWord = 0, uint SubchannelId = 0);

/// <summary>
/// Watches a CPU for the logs and the profiler (-d, --profile): interruptions as they are taken, and the
/// block entries and executed instructions the engines report. The engines look at <see cref="Cpu.Observer"/>
/// once per run or region dispatch, so a CPU without an observer runs exactly as before. An observer never
/// changes guest state or cycles.
/// </summary>
public interface ICpuObserver
{
    /// <summary>An interruption was taken (after the PSW swap: the CPU's PSW is the new one).</summary>
    void Interruption(Cpu cpu, in InterruptionRecord record);

    /// <summary>Execution (re)starts at the current PSW: a block about to be interpreted or a compiled region entered.</summary>
    void BlockEntry(Cpu cpu, bool compiled);

    /// <summary>
    /// Instructions completed: one interpreted instruction at <paramref name="addr"/> (<paramref name="compiled"/> false),
    /// or a compiled region entered at <paramref name="addr"/> (true). The PSW is the one after them.
    /// </summary>
    void Executed(Cpu cpu, ulong addr, bool compiled);

    /// <summary>Whether <see cref="Executed"/> is wanted for every interpreted instruction (the profiler) or only block entries matter (logs).</summary>
    bool WantsInstructions { get; }

    /// <summary>Whether <see cref="BlockEntry"/> is wanted; an observer wanting neither sees interruptions only and the engines run at full speed.</summary>
    bool WantsBlocks { get; }
}
