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
}
