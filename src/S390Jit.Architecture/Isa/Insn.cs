namespace S390Jit.Architecture.Isa;

/// <summary>
/// A decoded instruction: its table row and every field its format has, extracted generically.
/// Immediates and displacements are sign- or zero-extended already; relative immediates (RI2..RI4)
/// are in halfwords, as encoded.
/// </summary>
public struct Insn
{
    public InsnDef Def;
    /// <summary>The instruction bytes left-aligned in 64 bits (byte 0 in bits 0-7).</summary>
    public ulong Raw;
    public byte Length;
    public byte R1, R2, R3, X2, B1, B2, B3, B4, M1, M3, M4, M5, L1, L2;
    public long D1, D2, D3, D4;
    public long I1, I2, I3, I4, I5;
    public long RI2, RI3, RI4;
    /// <summary>Vector registers 0-31 (the field's four bits extended by its RXB bit) and the sixth mask.</summary>
    public byte V1, V2, V3, V4, M6;

    /// <summary>First halfword (IPA) and the next four bytes (IPB) as SIE reports them on an intercept.</summary>
    public readonly ushort Ipa => (ushort)(Raw >> 48);
    public readonly uint Ipb => (uint)(Raw >> 16);
}
