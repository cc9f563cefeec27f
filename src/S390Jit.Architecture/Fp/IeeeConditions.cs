namespace S390Jit.Architecture.Fp;

/// <summary>
/// The IEEE conditions one BFP or DFP operation met, independent of the FPC (from <see cref="BfpEnv"/> or
/// <see cref="DfpEnv"/>): <paramref name="Tiny"/> as the PoO defines tininess per format;
/// <paramref name="Incremented"/> the rounded result's magnitude was incremented; <paramref name="ScaledInexact"/> and
/// <paramref name="ScaledIncremented"/> describe the scaled result of a trapping overflow or underflow.
/// </summary>
public readonly record struct IeeeConditions(bool Invalid, bool DivideByZero, bool Overflow, bool Tiny, bool Inexact, bool Incremented,
    bool ScaledInexact, bool ScaledIncremented);
