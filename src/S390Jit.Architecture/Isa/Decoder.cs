using System.Runtime.CompilerServices;

namespace S390Jit.Architecture.Isa;

/// <summary>Where the secondary opcode of an instruction lives, as implied by its first byte.</summary>
public enum Op2Kind : byte { None, Byte1, Nibble, Byte5 }

/// <summary>
/// The table-driven decoder: first byte -> (op2 position) -> row; then one generic field extraction
/// from the format's field list. There is no per-instruction decoding code.
/// </summary>
public static class Decoder
{
    public static Op2Kind Op2Of(byte op1) => op1 switch
    {
        0x01 or 0xA6 or 0xAA or 0xB2 or 0xB3 or 0xB9 or 0xE5 => Op2Kind.Byte1,
        0xA5 or 0xA7 or 0xC0 or 0xC2 or 0xC4 or 0xC6 or 0xC8 or 0xCC => Op2Kind.Nibble,
        0xE3 or 0xE6 or 0xE7 or 0xEB or 0xEC or 0xED => Op2Kind.Byte5,
        _ => Op2Kind.None,
    };

    private static readonly Op2Kind[] s_op2Kind = BuildOp2Kinds();
    private static Op2Kind[] BuildOp2Kinds()
    {
        var k = new Op2Kind[256];
        for (int i = 0; i < 256; i++) k[i] = Op2Of((byte)i);
        return k;
    }

    /// <summary>Secondary opcode of a left-aligned instruction (0 when the first byte has none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Op2(ulong raw) => s_op2Kind[raw >> 56] switch
    {
        Op2Kind.Byte1 => (byte)(raw >> 48),
        Op2Kind.Nibble => (byte)((raw >> 48) & 0xF),
        Op2Kind.Byte5 => (byte)(raw >> 16),
        _ => 0,
    };

    /// <summary>The table row of a left-aligned instruction, or null for an invalid opcode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InsnDef? Lookup(ulong raw) => InstructionTable.Rows2D[raw >> 56][Op2(raw)];

    /// <summary>Decodes a left-aligned instruction. Returns false for an invalid opcode.</summary>
    public static bool Decode(ulong raw, out Insn insn)
    {
        insn = default;
        var def = Lookup(raw);
        if (def == null) return false;
        insn.Def = def;
        insn.Raw = raw;
        insn.Length = (byte)def.Length;
        ExtractFields(ref insn, def);
        return true;
    }

    /// <summary>The one generic field extraction: every field of the format, by PoO bit position.</summary>
    public static void ExtractFields(ref Insn insn, InsnDef def)
    {
        ulong raw = insn.Raw;
        bool unsignedImm = (def.Flags & InsnFlags.UImm) != 0;
        foreach (var fs in Formats.Fields(def.Format))
        {
            long v;
            switch (fs.Kind)
            {
                case FieldKind.LongDisplacement:
                    {
                        long dl = (long)((raw << fs.Position) >> 52);
                        long dh = (long)(sbyte)(byte)((raw << (fs.Position + 12)) >> 56);
                        v = (dh << 12) | dl;
                        break;
                    }
                case FieldKind.Signed:
                    v = (long)(raw << fs.Position) >> (64 - fs.Width);
                    break;
                case FieldKind.Immediate:
                    v = unsignedImm ? (long)((raw << fs.Position) >> (64 - fs.Width)) : (long)(raw << fs.Position) >> (64 - fs.Width);
                    break;
                default:
                    v = (long)((raw << fs.Position) >> (64 - fs.Width));
                    break;
            }
            Set(ref insn, fs.Field, v);
        }
    }

    private static void Set(ref Insn i, Field f, long v)
    {
        switch (f)
        {
            case Field.R1: i.R1 = (byte)v; break;
            case Field.R2: i.R2 = (byte)v; break;
            case Field.R3: i.R3 = (byte)v; break;
            case Field.X2: i.X2 = (byte)v; break;
            case Field.B1: i.B1 = (byte)v; break;
            case Field.B2: i.B2 = (byte)v; break;
            case Field.B3: i.B3 = (byte)v; break;
            case Field.B4: i.B4 = (byte)v; break;
            case Field.D1: i.D1 = v; break;
            case Field.D2: i.D2 = v; break;
            case Field.D3: i.D3 = v; break;
            case Field.D4: i.D4 = v; break;
            case Field.I1: i.I1 = v; break;
            case Field.I2: i.I2 = v; break;
            case Field.I3: i.I3 = v; break;
            case Field.I4: i.I4 = v; break;
            case Field.I5: i.I5 = v; break;
            case Field.M1: i.M1 = (byte)v; break;
            case Field.M3: i.M3 = (byte)v; break;
            case Field.M4: i.M4 = (byte)v; break;
            case Field.M5: i.M5 = (byte)v; break;
            case Field.L1: i.L1 = (byte)v; break;
            case Field.L2: i.L2 = (byte)v; break;
            case Field.RI2: i.RI2 = v; break;
            case Field.RI3: i.RI3 = v; break;
            case Field.RI4: i.RI4 = v; break;
        }
    }

    /// <summary>Reads an instruction's bytes into the left-aligned form.</summary>
    public static ulong LeftAlign(ReadOnlySpan<byte> bytes)
    {
        ulong raw = 0;
        int n = Math.Min(bytes.Length, 6);
        for (int i = 0; i < n; i++) raw |= (ulong)bytes[i] << (56 - 8 * i);
        return raw;
    }
}
