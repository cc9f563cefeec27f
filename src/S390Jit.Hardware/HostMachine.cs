using S390Jit.Hardware.Sie;
using S390Jit.Hardware.Tracing;
using S390Jit.Memory;

namespace S390Jit.Hardware;

/// <summary>
/// The machine the host kernel runs on, one per host memory: its storage and what its processors and
/// firmware do for the host: interpretive execution (<see cref="Sie"/>). The host model reaches it only
/// as real software does: structures in host memory at their origins (state descriptions, CRYCB,
/// GISA, GIB), instructions it issues (SIE, PQAP) and interruptions the machine presents to it.
/// </summary>
public sealed class HostMachine
{
    public HostMachine(HostMemory memory, TraceLog? trace = null)
    {
        Memory = memory;
        Trace = trace ?? new TraceLog();
        Sie = new SieFacility(this);
    }

    /// <summary>The host's physical memory.</summary>
    public HostMemory Memory { get; }
    /// <summary>The host's trace buffer: the machine's events and the host model's go here.</summary>
    public TraceLog Trace { get; }
    /// <summary>START INTERPRETIVE EXECUTION on this machine's processors.</summary>
    public SieFacility Sie { get; }
}
