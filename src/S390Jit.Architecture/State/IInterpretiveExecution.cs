using S390Jit.Architecture.Isa;

namespace S390Jit.Architecture.State;

/// <summary>
/// The interpretive execution (SIE) a guest CPU runs under, as far as the CPU's own instruction
/// execution needs it: the one hook <see cref="Cpu.Execute"/> calls for a row whose SIE action is not
/// "interpreted", the ECA bit the table's conditional checks read, and the interruptions the SIE
/// presents itself at an instruction boundary. The machine layer implements it
/// (S390Jit.Hardware.Sie.SieControls, loaded from the state description at SIE entry); the
/// Architecture knows nothing of state descriptions, GISAs or intercept codes.
/// </summary>
public interface IInterpretiveExecution
{
    /// <summary>ECA.APIE: PQAP (except AQIC), NQAP and DQAP are interpreted (the table's conditional checks ask).</summary>
    bool ApInterpretation { get; }

    /// <summary>
    /// Decides whether this execution of a row whose SIE action is intercept or conditional is intercepted
    /// (from the row: always, or its check function) and, if so, records the interception (IPA, IPB).
    /// </summary>
    bool Intercepts(Cpu cpu, InsnDef def, ref Insn insn);

    /// <summary>Presents one interruption the SIE delivers itself (GISA adapter interruptions) if the CPU is enabled for it.</summary>
    bool PresentInterruption(Cpu cpu);

    /// <summary>Such an interruption is pending and the CPU is enabled for it now (it is presented at the next boundary).</summary>
    bool InterruptionDeliverable(Cpu cpu);
}
