using S390Jit.Architecture.State;

namespace S390Jit.Execution;

/// <summary>
/// Runs guest instructions on a CPU until something needs the layer above: an intercept, a wait
/// state, an interruption request, the end of the run slice. Program interruptions, SVCs and
/// CPU-local timer interruptions are presented inside the engine, at instruction boundaries
/// that are the same for every engine, so runs are deterministic.
/// </summary>
public interface IExecutionEngine
{
    string Name { get; }
    CpuExit Run(Cpu cpu);
}
