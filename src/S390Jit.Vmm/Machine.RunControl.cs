namespace S390Jit.Vmm;

/// <summary>
/// A debugger attached to the run loop (the gdb stub). <see cref="AtRound"/> runs at the top of every
/// scheduling round, every CPU outside SIE: the debugger may take or restore a snapshot there, or end
/// the run. While <see cref="Rewinding"/> the round in progress is abandoned (the state is about to be restored).
/// </summary>
public interface IMachineDebugger
{
    RunResult? AtRound();
    bool Rewinding { get; }
}

/// <summary>Ending a run from outside (SIGINT/SIGTERM) and what a progress display reads while it runs.</summary>
public sealed partial class Machine
{
    private volatile int _stopSignal;

    /// <summary>The attached debugger, or null (no cost to the run loop beyond a null check per round).</summary>
    public IMachineDebugger? Debugger { get; set; }

    /// <summary>The configuration this machine was built from.</summary>
    public MachineOptions Options => _opt;

    /// <summary>
    /// Asks the run loop to end at the next time-slice boundary (thread-safe; e.g. from a signal handler):
    /// <see cref="Run"/> returns <see cref="RunEnd.Terminated"/>, "terminating on signal N", exit 128 + N.
    /// </summary>
    public void RequestStop(int signal) => _stopSignal = signal;

    private RunResult? StopRequested() =>
        _stopSignal is var n and not 0 ? new RunResult(RunEnd.Terminated, $"terminating on signal {n}", 128 + n) : null;

    /// <summary>Guest instructions so far on all CPUs and the furthest CPU's cycle count (racy reads: for progress displays).</summary>
    public (ulong Instructions, ulong Cycles) Progress()
    {
        ulong insns = 0, cycles = 0;
        foreach (var v in Kvm.Vcpus.ToArray()) { insns += v.Cpu.Instructions; cycles = Math.Max(cycles, v.Cpu.Cycles); }
        return (insns, cycles);
    }
}
