namespace S390Jit.Architecture.Fp;

/// <summary>
/// The floating-point-control (FPC) register (PoO "Floating-Point-Control Register"): byte 0 holds the
/// IEEE exception masks, byte 1 the IEEE flags, byte 2 the data-exception code (DXC), byte 3 the DFP
/// rounding mode (bits 25-27) and the BFP rounding mode (bits 29-31). Bit numbers are the PoO's
/// (bit 0 = 0x80000000).
/// </summary>
public static class Fpc
{
    /// <summary>IEEE exception bits as they appear in the mask byte (shift left 24) and flag byte (shift left 16).</summary>
    public const byte Invalid = 0x80, DivideByZero = 0x40, Overflow = 0x20, Underflow = 0x10, Inexact = 0x08, Quantum = 0x04;

    public const uint MaskShift = 24, FlagShift = 16, DxcShift = 8;
    public const uint Masks = 0xFF00_0000, Flags = 0x00FF_0000, DxcField = 0x0000_FF00;
    /// <summary>Bits that must be zero in a valid FPC: 6-7, 14-15, 24, 28.</summary>
    public const uint Reserved = 0x0303_0088;
    public const uint BfpRoundingMask = 0x7, DfpRoundingMask = 0x70;

    /// <summary>
    /// A value may be loaded into the FPC (LFPC, SFPC, SFASR, LFAS): no reserved bit set and a valid
    /// BFP rounding mode (0-3, and 7 with the floating-point-extension facility).
    /// </summary>
    public static bool IsValid(uint fpc, bool fpExtension)
    {
        if ((fpc & Reserved) != 0) return false;
        uint rm = fpc & BfpRoundingMask;
        return rm <= 3 || (rm == 7 && fpExtension);
    }

    public static byte MaskByte(uint fpc) => (byte)(fpc >> (int)MaskShift);
    public static byte FlagByte(uint fpc) => (byte)(fpc >> (int)FlagShift);
}

/// <summary>Data-exception codes (PoO "Data-Exception Code (DXC)") used by the floating-point instructions.</summary>
public static class Dxc
{
    /// <summary>An FP instruction named an additional FPR (not 0, 2, 4, 6) while CR0 bit 45 (AFP-register control) is zero.</summary>
    public const byte AfpRegister = 0x01;
    /// <summary>A BFP instruction (or FPC instruction) while the AFP-register control is zero.</summary>
    public const byte BfpInstruction = 0x02;
    /// <summary>A DFP instruction while the AFP-register control is zero.</summary>
    public const byte DfpInstruction = 0x03;
    public const byte IeeeInexactTruncated = 0x08, IeeeInexactIncremented = 0x0C;
    public const byte IeeeUnderflowExact = 0x10, IeeeUnderflowTruncated = 0x18, IeeeUnderflowIncremented = 0x1C;
    public const byte IeeeOverflowExact = 0x20, IeeeOverflowTruncated = 0x28, IeeeOverflowIncremented = 0x2C;
    public const byte IeeeDivideByZero = 0x40, IeeeInvalid = 0x80;
    /// <summary>Added to an IEEE DXC when the exception was simulated (SET FPC AND SIGNAL).</summary>
    public const byte Simulated = 0x03;
}
