namespace S390Jit.Architecture.Fp;

/// <summary>The IEEE conditions one BFP or DFP operation met, independent of the FPC (<see cref="BfpEnv"/>, <see cref="DfpEnv"/>).</summary>
public interface IIeeeConditions
{
    bool Invalid { get; }
    bool DivideByZero { get; }
    bool Overflow { get; }
    /// <summary>The result was tiny (before rounding for BFP, as the PoO defines it per format).</summary>
    bool Tiny { get; }
    bool Inexact { get; }
    /// <summary>The rounded result's magnitude was incremented.</summary>
    bool Incremented { get; }
    /// <summary>The scaled result of a trapping overflow/underflow was inexact / incremented.</summary>
    bool ScaledInexact { get; }
    bool ScaledIncremented { get; }
}
