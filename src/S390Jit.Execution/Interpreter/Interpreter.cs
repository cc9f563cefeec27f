using S390Jit.Architecture.State;

namespace S390Jit.Execution.Interpreter;

/// <summary>The interpreter: fetch, table decode, the row's checks and its one semantic body.</summary>
public sealed class Interpreter : IExecutionEngine
{
    public string Name => "interp";

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
