using System.Runtime.CompilerServices;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// What every BFP instruction (scalar here, vector BFP for the vector facility) shares: rounding methods
/// from the FPC and from M fields, and the IEEE-exception actions of the PoO applied to the conditions
/// an operation of <see cref="Bfp"/> met: invalid operation and division by zero either trap with
/// suppression (mask on: DXC 0x80 / 0x40, nothing stored) or set their flag; overflow and underflow with
/// their mask on complete with the scaled result (exponent adjusted by the scale factor) and trap with
/// DXC 0x2x / 0x1x telling whether the scaled result is exact, truncated or incremented; untrapped
/// overflow, underflow (tiny and inexact) and inexact set flags, or, with the inexact mask on, trap with
/// completion (DXC 0x08 truncated / 0x0C incremented).
/// </summary>
public static class BfpSupport
{
    /// <summary>The FPC's BFP rounding mode (0-3, 7; an FPC can never hold 4-6).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BfpRounding FpcRounding(uint fpc) => (fpc & 7) switch
    {
        0 => BfpRounding.NearestEven,
        1 => BfpRounding.TowardZero,
        2 => BfpRounding.TowardPositive,
        3 => BfpRounding.TowardNegative,
        _ => BfpRounding.PrepareShorter,
    };

    public static BfpEnv Env(Cpu c) => new(FpcRounding(c.Fpc));

    /// <summary>
    /// A rounding-method field (M3 of conversions and LOAD ROUNDED / LOAD FP INTEGER, M4 of DIVIDE TO
    /// INTEGER): 0 the FPC mode, 1 nearest with ties away, 3 prepare for shorter precision, 4 nearest
    /// even, 5 toward 0, 6 toward +inf, 7 toward -inf; 2 and 8-15 are specification exceptions, and so is
    /// 3 without the floating-point-extension facility.
    /// </summary>
    public static BfpRounding Rounding(Cpu c, int m)
    {
        bool fpe = c.HasFacility(Fac.FpExtension);
        return m switch
        {
            0 => FpcRounding(c.Fpc),
            1 => BfpRounding.NearestAway,
            3 when fpe => BfpRounding.PrepareShorter,
            4 => BfpRounding.NearestEven,
            5 => BfpRounding.TowardZero,
            6 => BfpRounding.TowardPositive,
            7 => BfpRounding.TowardNegative,
            _ => throw c.Pgm(PgmCode.Specification),
        };
    }

    /// <summary>M3 of an instruction whose M3 field came with the floating-point-extension facility (ignored without it).</summary>
    public static int FpeM3(Cpu c, ref Insn i) => c.HasFacility(Fac.FpExtension) ? i.M3 : 0;
    /// <summary>The inexact-suppression control (M4 bit 1) of instructions that have it with the floating-point-extension facility.</summary>
    public static bool Xxc(Cpu c, ref Insn i) => c.HasFacility(Fac.FpExtension) && (i.M4 & 4) != 0;

    /// <summary>
    /// Applies the FPC masks to the conditions of one operation. Throws (suppression) for a trapping
    /// invalid operation or division by zero; otherwise sets the flags of untrapped conditions, replaces
    /// <paramref name="result"/> by the scaled result of a trapping overflow/underflow (packed in
    /// <paramref name="scaledFormat"/> with <paramref name="scale"/>, by default the result format and
    /// its arithmetic scale factor), and returns the DXC of a completion trap (0: none), to be raised
    /// with <see cref="Trap"/> after the result and condition code are stored.
    /// </summary>
    public static byte Ieee(Cpu c, ref BfpEnv env, BinaryFormat f, ref UInt128 result, bool xxc = false,
        BinaryFormat? scaledFormat = null, int scale = 0)
    {
        byte dxc = IeeeExceptions.Apply(c, env.Conditions, xxc, out bool scaled);
        if (scaled) result = env.Scaled(scaledFormat ?? f, scaledFormat != null ? scale : f.TrapScale);
        return dxc;
    }

    /// <summary>Raises the completion trap <see cref="Ieee"/> returned, if any.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Trap(Cpu c, byte dxc) => IeeeExceptions.Trap(c, dxc);

    /// <summary>Condition code of a BFP result: 0 zero, 1 less than zero, 2 greater than zero, 3 NaN.</summary>
    public static int ResultCc(BinaryFormat f, UInt128 v) => f.IsNaN(v) ? 3 : f.IsZero(v) ? 0 : f.Sign(v) ? 1 : 2;
}
