using S390Jit.Architecture.State;

namespace S390Jit.Execution.Interpreter;

/// <summary>The interpreter: fetch, table decode, the row's checks and its one semantic body.</summary>
public sealed class Interpreter : IExecutionEngine
{
    public string Name => "interp";

    /// <summary>When set, counts executed instructions per table row (profiling).</summary>
    public Dictionary<S390Jit.Architecture.Isa.InsnDef, ulong>? Histogram { get; set; }

    private void Count(Cpu cpu)
    {
        try
        {
            if (S390Jit.Architecture.Isa.Decoder.Lookup(cpu.Fetch(cpu.PswAddr, out _)) is { } def)
                Histogram![def] = Histogram.GetValueOrDefault(def) + 1;
        }
        catch (ProgramInterruptException) { } // the step reports it
    }

    public CpuExit Run(Cpu cpu)
    {
        if (cpu.Observer is { } observer && (observer.WantsBlocks || observer.WantsInstructions)) return RunObserved(cpu, observer);
        while (true)
        {
            try
            {
                while (true)
                {
                    if (cpu.Cycles >= cpu.EventCycle)
                    {
                        var e = cpu.ServiceEvents();
                        if (e != CpuExit.None) return e;
                    }
                    if (Histogram != null) Count(cpu);
                    var x = cpu.Step();
                    if (x != CpuExit.None) return x;
                }
            }
            catch (ProgramInterruptException p)
            {
                cpu.TakeProgramInterruption(p);
            }
            catch (SieInterceptException)
            {
                return CpuExit.Instruction;
            }
        }
    }

    /// <summary>The same loop reporting block entries (after a taken branch, a PSW change, an interruption) and instructions to the observer (-d, --profile).</summary>
    private CpuExit RunObserved(Cpu cpu, ICpuObserver observer)
    {
        bool blockStart = true, each = observer.WantsInstructions;
        while (true)
        {
            try
            {
                while (true)
                {
                    if (cpu.Cycles >= cpu.EventCycle)
                    {
                        ulong before = cpu.PswAddr;
                        var e = cpu.ServiceEvents();
                        if (e != CpuExit.None) return e;
                        if (cpu.PswAddr != before) blockStart = true;
                    }
                    if (Histogram != null) Count(cpu);
                    ulong addr = cpu.PswAddr, mask = cpu.PswMask;
                    if (blockStart) observer.BlockEntry(cpu, compiled: false);
                    blockStart = false;
                    var x = cpu.Step();
                    if (each) observer.Executed(cpu, addr, compiled: false);
                    if (cpu.PswAddr != ((addr + (ulong)cpu.InstrLength) & cpu.AddrMask) || cpu.PswMask != mask) blockStart = true;
                    if (x != CpuExit.None) return x;
                }
            }
            catch (ProgramInterruptException p)
            {
                cpu.TakeProgramInterruption(p);
                blockStart = true;
            }
            catch (SieInterceptException)
            {
                return CpuExit.Instruction;
            }
        }
    }
}
