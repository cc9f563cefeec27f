namespace S390Jit.Architecture.State;

public partial class Cpu
{
    /// <summary>
    /// The machine's AP facility as this CPU sees it, or null on a machine without AP instructions
    /// (PQAP, NQAP and DQAP then raise the operation exception). Set by the SIE at entry (the machine's).
    /// </summary>
    public IApFacility? Ap;
}
