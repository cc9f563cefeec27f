namespace S390Jit.Architecture.Isa;

/// <summary>Instruction formats, spelled as in the Principles of Operation.</summary>
public enum Format : byte
{
    E, I, IE, MII,
    RR, RRD, RRE, RRF_a, RRF_b, RRF_c, RRF_d, RRF_e, RRS,
    RI_a, RI_b, RI_c,
    RIE_a, RIE_b, RIE_c, RIE_d, RIE_e, RIE_f, RIE_g,
    RIL_a, RIL_b, RIL_c, RIS,
    RS_a, RS_b, RSI, RSL_a, RSL_b, RSY_a, RSY_b,
    RX_a, RX_b, RXE, RXF, RXY_a, RXY_b,
    S, SI, SIL, SIY, SMI,
    SS_a, SS_b, SS_c, SS_d, SS_e, SS_f, SSE, SSF,
    VRI_a, VRI_b, VRI_c, VRI_d, VRI_e, VRI_f, VRI_g, VRI_h, VRI_i,
    VRR_a, VRR_b, VRR_c, VRR_d, VRR_e, VRR_f, VRR_g, VRR_h, VRR_i, VRR_j, VRR_k,
    VRS_a, VRS_b, VRS_c, VRS_d, VRV, VRX, VSI,
}

/// <summary>Named instruction fields (PoO names). Relative immediates are RI2..RI4.</summary>
public enum Field : byte
{
    R1, R2, R3, X2, B1, B2, B3, B4, D1, D2, D3, D4,
    I1, I2, I3, I4, I5, M1, M3, M4, M5, L1, L2, RI2, RI3, RI4,
    V1, V2, V3, V4, M6,
}

/// <summary>
/// How a field is read: unsigned, signed (two's complement), a 20-bit DL/DH displacement, an immediate
/// (signedness from the row), or a vector register (4 bits plus its RXB bit: bit 36 for the field at
/// bit 8, 37 for 12, 38 for 16, 39 for 32).
/// </summary>
public enum FieldKind : byte { Unsigned, Signed, LongDisplacement, Immediate, Vector }

/// <summary>
/// One field of a format: its PoO bit position in the instruction (bit 0 = leftmost bit of the
/// first halfword) and width. <see cref="FieldKind.Immediate"/> fields are signed or unsigned
/// according to the instruction row (most are signed; logical instructions take them unsigned).
/// </summary>
public readonly record struct FieldSpec(Field Field, byte Position, byte Width, FieldKind Kind);

public static class Formats
{
    /// <summary>Instruction length in bytes from the first opcode byte's two high bits (00: 2, 01/10: 4, 11: 6).</summary>
    public static int LengthFromFirstByte(byte op) => (op >> 6) switch { 0 => 2, 1 or 2 => 4, _ => 6 };

    private static FieldSpec R(Field f, int pos) => new(f, (byte)pos, 4, FieldKind.Unsigned);
    private static FieldSpec U(Field f, int pos, int w) => new(f, (byte)pos, (byte)w, FieldKind.Unsigned);
    private static FieldSpec S(Field f, int pos, int w) => new(f, (byte)pos, (byte)w, FieldKind.Signed);
    private static FieldSpec Imm(Field f, int pos, int w) => new(f, (byte)pos, (byte)w, FieldKind.Immediate);
    private static FieldSpec DL(Field f, int pos) => new(f, (byte)pos, 20, FieldKind.LongDisplacement);
    private static FieldSpec D(Field f, int pos) => new(f, (byte)pos, 12, FieldKind.Unsigned);
    private static FieldSpec V(Field f, int pos) => new(f, (byte)pos, 4, FieldKind.Vector);

    /// <summary>The RXB bit (PoO bit number) that extends a vector register field at bit <paramref name="pos"/>.</summary>
    public static int RxbBit(int pos) => pos switch { 8 => 36, 12 => 37, 16 => 38, _ => 39 };

    private static readonly FieldSpec[][] s_fields = Build();

    /// <summary>How many formats there are (<see cref="Format.VSI"/> is the last member; a test checks it against the enum).
    /// A constant, not <c>Enum.GetValues</c>: that is reflection at every start (perf/startup.md).</summary>
    public const int Count = (int)Format.VSI + 1;

    public static ReadOnlySpan<FieldSpec> Fields(Format f) => s_fields[(int)f];

    /// <summary>Length of every instruction of this format.</summary>
    public static int Length(Format f) => f switch
    {
        Format.E or Format.I or Format.RR => 2,
        Format.IE or Format.RRD or Format.RRE or Format.RRF_a or Format.RRF_b or Format.RRF_c or Format.RRF_d or Format.RRF_e
            or Format.RI_a or Format.RI_b or Format.RI_c or Format.RS_a or Format.RS_b or Format.RSI or Format.RX_a or Format.RX_b
            or Format.S or Format.SI => 4,
        _ => 6,
    };

    private static FieldSpec[][] Build()
    {
        var t = new FieldSpec[Count][];
        void F(Format f, params FieldSpec[] fs) => t[(int)f] = fs;
        t[(int)Format.E] = new FieldSpec[0]; // (not Array.Empty: its FieldSpec instantiation is compiled by RyuJIT)
        F(Format.I, U(Field.I1, 8, 8));
        F(Format.IE, U(Field.I1, 24, 4), U(Field.I2, 28, 4));
        F(Format.MII, R(Field.M1, 8), S(Field.RI2, 12, 12), S(Field.RI3, 24, 24));
        F(Format.RR, R(Field.R1, 8), R(Field.R2, 12));
        F(Format.RRD, R(Field.R1, 16), R(Field.R3, 24), R(Field.R2, 28));
        F(Format.RRE, R(Field.R1, 24), R(Field.R2, 28));
        F(Format.RRF_a, R(Field.R3, 16), R(Field.M4, 20), R(Field.R1, 24), R(Field.R2, 28));
        F(Format.RRF_b, R(Field.R3, 16), R(Field.M4, 20), R(Field.R1, 24), R(Field.R2, 28));
        F(Format.RRF_c, R(Field.M3, 16), R(Field.R1, 24), R(Field.R2, 28));
        F(Format.RRF_d, R(Field.M4, 20), R(Field.R1, 24), R(Field.R2, 28));
        F(Format.RRF_e, R(Field.M3, 16), R(Field.M4, 20), R(Field.R1, 24), R(Field.R2, 28));
        F(Format.RRS, R(Field.R1, 8), R(Field.R2, 12), R(Field.B4, 16), D(Field.D4, 20), R(Field.M3, 32));
        F(Format.RI_a, R(Field.R1, 8), Imm(Field.I2, 16, 16));
        F(Format.RI_b, R(Field.R1, 8), S(Field.RI2, 16, 16));
        F(Format.RI_c, R(Field.M1, 8), S(Field.RI2, 16, 16));
        F(Format.RIE_a, R(Field.R1, 8), Imm(Field.I2, 16, 16), R(Field.M3, 32));
        F(Format.RIE_b, R(Field.R1, 8), R(Field.R2, 12), S(Field.RI4, 16, 16), R(Field.M3, 32));
        F(Format.RIE_c, R(Field.R1, 8), R(Field.M3, 12), S(Field.RI4, 16, 16), Imm(Field.I2, 32, 8));
        F(Format.RIE_d, R(Field.R1, 8), R(Field.R3, 12), Imm(Field.I2, 16, 16));
        F(Format.RIE_e, R(Field.R1, 8), R(Field.R3, 12), S(Field.RI2, 16, 16));
        F(Format.RIE_f, R(Field.R1, 8), R(Field.R2, 12), U(Field.I3, 16, 8), U(Field.I4, 24, 8), U(Field.I5, 32, 8));
        F(Format.RIE_g, R(Field.R1, 8), R(Field.M3, 12), Imm(Field.I2, 16, 16));
        F(Format.RIL_a, R(Field.R1, 8), Imm(Field.I2, 16, 32));
        F(Format.RIL_b, R(Field.R1, 8), S(Field.RI2, 16, 32));
        F(Format.RIL_c, R(Field.M1, 8), S(Field.RI2, 16, 32));
        F(Format.RIS, R(Field.R1, 8), R(Field.M3, 12), R(Field.B4, 16), D(Field.D4, 20), Imm(Field.I2, 32, 8));
        F(Format.RS_a, R(Field.R1, 8), R(Field.R3, 12), R(Field.B2, 16), D(Field.D2, 20));
        F(Format.RS_b, R(Field.R1, 8), R(Field.M3, 12), R(Field.B2, 16), D(Field.D2, 20));
        F(Format.RSI, R(Field.R1, 8), R(Field.R3, 12), S(Field.RI2, 16, 16));
        F(Format.RSL_a, R(Field.L1, 8), R(Field.B1, 16), D(Field.D1, 20));
        F(Format.RSL_b, U(Field.L2, 8, 8), R(Field.B2, 16), D(Field.D2, 20), R(Field.R1, 32), R(Field.M3, 36));
        F(Format.RSY_a, R(Field.R1, 8), R(Field.R3, 12), R(Field.B2, 16), DL(Field.D2, 20));
        F(Format.RSY_b, R(Field.R1, 8), R(Field.M3, 12), R(Field.B2, 16), DL(Field.D2, 20));
        F(Format.RX_a, R(Field.R1, 8), R(Field.X2, 12), R(Field.B2, 16), D(Field.D2, 20));
        F(Format.RX_b, R(Field.M1, 8), R(Field.X2, 12), R(Field.B2, 16), D(Field.D2, 20));
        F(Format.RXE, R(Field.R1, 8), R(Field.X2, 12), R(Field.B2, 16), D(Field.D2, 20), R(Field.M3, 32));
        F(Format.RXF, R(Field.R3, 8), R(Field.X2, 12), R(Field.B2, 16), D(Field.D2, 20), R(Field.R1, 32));
        F(Format.RXY_a, R(Field.R1, 8), R(Field.X2, 12), R(Field.B2, 16), DL(Field.D2, 20));
        F(Format.RXY_b, R(Field.M1, 8), R(Field.X2, 12), R(Field.B2, 16), DL(Field.D2, 20));
        F(Format.S, R(Field.B2, 16), D(Field.D2, 20));
        F(Format.SI, U(Field.I2, 8, 8), R(Field.B1, 16), D(Field.D1, 20));
        F(Format.SIL, R(Field.B1, 16), D(Field.D1, 20), Imm(Field.I2, 32, 16));
        F(Format.SIY, Imm(Field.I2, 8, 8), R(Field.B1, 16), DL(Field.D1, 20));
        F(Format.SMI, R(Field.M1, 8), R(Field.B3, 16), D(Field.D3, 20), S(Field.RI2, 32, 16));
        F(Format.SS_a, U(Field.L1, 8, 8), R(Field.B1, 16), D(Field.D1, 20), R(Field.B2, 32), D(Field.D2, 36));
        F(Format.SS_b, R(Field.L1, 8), R(Field.L2, 12), R(Field.B1, 16), D(Field.D1, 20), R(Field.B2, 32), D(Field.D2, 36));
        F(Format.SS_c, R(Field.L1, 8), R(Field.I3, 12), R(Field.B1, 16), D(Field.D1, 20), R(Field.B2, 32), D(Field.D2, 36));
        F(Format.SS_d, R(Field.R1, 8), R(Field.R3, 12), R(Field.B1, 16), D(Field.D1, 20), R(Field.B2, 32), D(Field.D2, 36));
        F(Format.SS_e, R(Field.R1, 8), R(Field.R3, 12), R(Field.B2, 16), D(Field.D2, 20), R(Field.B4, 32), D(Field.D4, 36));
        F(Format.SS_f, U(Field.L2, 8, 8), R(Field.B1, 16), D(Field.D1, 20), R(Field.B2, 32), D(Field.D2, 36));
        F(Format.SSE, R(Field.B1, 16), D(Field.D1, 20), R(Field.B2, 32), D(Field.D2, 36));
        F(Format.SSF, R(Field.R3, 8), R(Field.B1, 16), D(Field.D1, 20), R(Field.B2, 32), D(Field.D2, 36));
        F(Format.VRI_a, V(Field.V1, 8), Imm(Field.I2, 16, 16), R(Field.M3, 32));
        F(Format.VRI_b, V(Field.V1, 8), U(Field.I2, 16, 8), U(Field.I3, 24, 8), R(Field.M4, 32));
        F(Format.VRI_c, V(Field.V1, 8), V(Field.V3, 12), Imm(Field.I2, 16, 16), R(Field.M4, 32));
        F(Format.VRI_d, V(Field.V1, 8), V(Field.V2, 12), V(Field.V3, 16), U(Field.I4, 24, 8), R(Field.M5, 32));
        F(Format.VRI_e, V(Field.V1, 8), V(Field.V2, 12), U(Field.I3, 16, 12), R(Field.M5, 28), R(Field.M4, 32));
        F(Format.VRI_f, V(Field.V1, 8), V(Field.V2, 12), V(Field.V3, 16), R(Field.M5, 24), U(Field.I4, 28, 8));
        F(Format.VRI_g, V(Field.V1, 8), V(Field.V2, 12), U(Field.I4, 16, 8), R(Field.M5, 24), U(Field.I3, 28, 8));
        F(Format.VRI_h, V(Field.V1, 8), Imm(Field.I2, 16, 16), R(Field.I3, 32));
        F(Format.VRI_i, V(Field.V1, 8), R(Field.R2, 12), R(Field.M4, 24), U(Field.I3, 28, 8));
        F(Format.VRR_a, V(Field.V1, 8), V(Field.V2, 12), R(Field.M5, 24), R(Field.M4, 28), R(Field.M3, 32));
        F(Format.VRR_b, V(Field.V1, 8), V(Field.V2, 12), V(Field.V3, 16), R(Field.M5, 24), R(Field.M4, 32));
        F(Format.VRR_c, V(Field.V1, 8), V(Field.V2, 12), V(Field.V3, 16), R(Field.M6, 24), R(Field.M5, 28), R(Field.M4, 32));
        F(Format.VRR_d, V(Field.V1, 8), V(Field.V2, 12), V(Field.V3, 16), R(Field.M5, 20), R(Field.M6, 24), V(Field.V4, 32));
        F(Format.VRR_e, V(Field.V1, 8), V(Field.V2, 12), V(Field.V3, 16), R(Field.M6, 20), R(Field.M5, 28), V(Field.V4, 32));
        F(Format.VRR_f, V(Field.V1, 8), R(Field.R2, 12), R(Field.R3, 16));
        F(Format.VRR_g, V(Field.V1, 12));
        F(Format.VRR_h, V(Field.V1, 12), V(Field.V2, 16), R(Field.M3, 24));
        F(Format.VRR_i, R(Field.R1, 8), V(Field.V2, 12), R(Field.M3, 24), R(Field.M4, 28));
        F(Format.VRR_j, V(Field.V1, 8), V(Field.V2, 12), V(Field.V3, 16), R(Field.M4, 24));
        F(Format.VRR_k, V(Field.V1, 8), V(Field.V2, 12), R(Field.M3, 24));
        F(Format.VRS_a, V(Field.V1, 8), V(Field.V3, 12), R(Field.B2, 16), D(Field.D2, 20), R(Field.M4, 32));
        F(Format.VRS_b, V(Field.V1, 8), R(Field.R3, 12), R(Field.B2, 16), D(Field.D2, 20), R(Field.M4, 32));
        F(Format.VRS_c, R(Field.R1, 8), V(Field.V3, 12), R(Field.B2, 16), D(Field.D2, 20), R(Field.M4, 32));
        F(Format.VRS_d, R(Field.R3, 12), R(Field.B2, 16), D(Field.D2, 20), V(Field.V1, 32));
        F(Format.VRV, V(Field.V1, 8), V(Field.V2, 12), R(Field.B2, 16), D(Field.D2, 20), R(Field.M3, 32));
        F(Format.VRX, V(Field.V1, 8), R(Field.X2, 12), R(Field.B2, 16), D(Field.D2, 20), R(Field.M3, 32));
        F(Format.VSI, U(Field.I3, 8, 8), R(Field.B2, 16), D(Field.D2, 20), V(Field.V1, 32));
        return t;
    }
}
