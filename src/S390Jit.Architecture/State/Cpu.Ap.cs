namespace S390Jit.Architecture.State;

public partial class Cpu
{
    /// <summary>
    /// The machine's AP facility as this CPU sees it, or null on a machine without AP instructions
    /// (PQAP, NQAP and DQAP then raise the operation exception). Set by the host model.
    /// </summary>
    public IApFacility? Ap;
}
