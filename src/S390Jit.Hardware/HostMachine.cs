using S390Jit.Hardware.Aiv;
using S390Jit.Hardware.Ap;
using S390Jit.Hardware.Sie;
using S390Jit.Hardware.Tracing;
using S390Jit.Memory;

namespace S390Jit.Hardware;

/// <summary>
/// The machine the host kernel runs on, one per host memory: its storage and what its processors and
/// firmware do for the host: interpretive execution (<see cref="Sie"/>), the AP adapters
/// (<see cref="ApConfiguration"/>) and the AP firmware its CPUs reach them through, adapter-interruption
/// virtualization (<see cref="Aiv"/>: GISA IPM bits, the GIB alert list, the GAL). The host model reaches
/// it only as real software does: structures in host memory at their origins (state descriptions,
/// CRYCB, GISA, GIB), instructions it issues (SIE, PQAP AQIC/TAPQ/ZAPQ, CHSC set-GIB) and
/// interruptions the machine presents to it. No type of this layer names a host-model type.
/// </summary>
public sealed class HostMachine
{
    /// <param name="ap">The AP adapters of the LPAR (possibly shared with other machines in the process); null: no AP instructions.</param>
    public HostMachine(HostMemory memory, TraceLog? trace = null, ApConfiguration? ap = null)
    {
        Memory = memory;
        Trace = trace ?? new TraceLog();
        ApConfiguration = ap;
        if (ap != null) ApFirmware = new ApFirmware(ap, memory) { Trace = Trace };
        Aiv = new AivFacility(this);
        Sie = new SieFacility(this);
    }

    /// <summary>The host's physical memory.</summary>
    public HostMemory Memory { get; }
    /// <summary>The host's trace buffer: the machine's events and the host model's go here.</summary>
    public TraceLog Trace { get; }
    /// <summary>START INTERPRETIVE EXECUTION on this machine's processors.</summary>
    public SieFacility Sie { get; }
    /// <summary>The AP adapters, domains and queues; null on a machine without AP.</summary>
    public ApConfiguration? ApConfiguration { get; }
    /// <summary>The AP facility as this machine's CPUs see it (PQAP, NQAP, DQAP; the CRYCB under SIE); null without AP.</summary>
    public ApFirmware? ApFirmware { get; }
    /// <summary>Adapter-interruption virtualization: GISA posting, the GIB alert list and the GAL.</summary>
    public AivFacility Aiv { get; }
}
