namespace S390Jit.Architecture.Fp;

/// <summary>The BFP rounding methods of z/Architecture (FPC modes 0-3 and 7, M3/M4 modes 1 and 3-7).</summary>
public enum BfpRounding : byte
{
    NearestEven,
    TowardZero,
    TowardPositive,
    TowardNegative,
    /// <summary>Round to nearest with ties away from zero (M3/M4 = 1).</summary>
    NearestAway,
    /// <summary>Round to prepare for shorter precision (FPC mode 7, M3/M4 = 3): truncate, then make an inexact result's last bit one.</summary>
    PrepareShorter,
}

/// <summary>
/// One BFP operation's environment: the rounding method going in; coming out, the IEEE conditions the
/// exact result met, independent of the FPC masks (the instruction layer applies masks, flags, traps):
/// <list type="bullet">
/// <item>Invalid / DivideByZero: the operation was invalid or divided a finite non-zero value by zero;</item>
/// <item>Overflow: the result rounded with unbounded exponent exceeds Nmax (the delivered result is
/// the default overflow result, inexact);</item>
/// <item>Tiny: the precise non-zero result is below Nmin (tininess before rounding);</item>
/// <item>Inexact / Incremented: the delivered result differs from the precise one / is larger in magnitude.</item>
/// </list>
/// On overflow and tininess the result rounded to the target precision with unbounded exponent is kept
/// (<see cref="ScaledSig"/>, <see cref="ScaledExp"/>) for the scaled results of trapping overflow/underflow.
/// </summary>
public struct BfpEnv
{
    public BfpRounding Rounding;
    public bool Invalid, DivideByZero, Overflow, Tiny, Inexact, Incremented;
    /// <summary>The unbounded-exponent rounding: sign, significand (target precision), unbiased exponent of its leading bit, inexact, incremented.</summary>
    public bool ScaledSign, ScaledInexact, ScaledIncremented;
    public UInt128 ScaledSig;
    public int ScaledExp;
    /// <summary>Precision (bits) of <see cref="ScaledSig"/>.</summary>
    public int ScaledPrecision;

    public BfpEnv(BfpRounding rounding) { this = default; Rounding = rounding; }

    /// <summary>Untrapped IEEE underflow: tiny and inexact.</summary>
    public readonly bool Underflow => Tiny && Inexact;
    /// <summary>The IEEE conditions met, for the FPC rule (<see cref="IeeeConditions"/>).</summary>
    public readonly IeeeConditions Conditions => new(Invalid, DivideByZero, Overflow, Tiny, Inexact, Incremented, ScaledInexact, ScaledIncremented);

    /// <summary>
    /// The scaled result of a trapping overflow (<paramref name="scale"/> subtracted from the exponent) or
    /// underflow (added), packed in <paramref name="f"/> (the target format, or the source format of LOAD ROUNDED).
    /// </summary>
    public readonly UInt128 Scaled(BinaryFormat f, int scale)
    {
        int e = Overflow ? ScaledExp - scale : ScaledExp + scale;
        return f.PackNormal(ScaledSign, e, ScaledSig << (f.Precision - ScaledPrecision));
    }
}
