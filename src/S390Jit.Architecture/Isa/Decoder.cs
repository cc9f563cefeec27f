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

    // op2 = (raw >> shift) & mask, per first byte (mask 0 when the first byte has no secondary opcode)
    private static readonly byte[] s_op2Shift = new byte[256];
    private static readonly byte[] s_op2Mask = new byte[256];

    /// <summary>One field of a format, ready for extraction: where it is, how to read it, where it goes in <see cref="Insn"/>.</summary>
    private readonly struct Extractor(byte pos, byte width, FieldKind kind, byte rxbShift, ushort offset, bool isLong)
    {
        public readonly byte Pos = pos, Width = width, RxbShift = rxbShift;
        public readonly FieldKind Kind = kind;
        public readonly ushort Offset = offset;
        public readonly bool IsLong = isLong;
    }

    private static readonly Extractor[][] s_extractors;

    static Decoder()
    {
        for (int i = 0; i < 256; i++)
        {
            (s_op2Shift[i], s_op2Mask[i]) = Op2Of((byte)i) switch
            {
                Op2Kind.Byte1 => ((byte)48, (byte)0xFF),
                Op2Kind.Nibble => ((byte)48, (byte)0x0F),
                Op2Kind.Byte5 => ((byte)16, (byte)0xFF),
                _ => ((byte)0, (byte)0),
            };
        }
        s_extractors = new Extractor[Formats.Count][];
        for (int f = 0; f < Formats.Count; f++)
        {
            var fields = Formats.Fields((Format)f);
            var extractors = new Extractor[fields.Length];
            for (int i = 0; i < fields.Length; i++)
            {
                var fs = fields[i];
                var (offset, isLong) = FieldOffset(fs.Field);
                byte rxb = fs.Kind == FieldKind.Vector ? (byte)(63 - Formats.RxbBit(fs.Position)) : (byte)0;
                extractors[i] = new Extractor(fs.Position, fs.Width, fs.Kind, rxb, offset, isLong);
            }
            s_extractors[f] = extractors;
        }
    }

    /// <summary>Byte offset of a field's slot in <see cref="Insn"/> and whether the slot is a long.</summary>
    private static (ushort Offset, bool IsLong) FieldOffset(Field f)
    {
        Insn i = default;
        ushort Of(ref byte x) => (ushort)Unsafe.ByteOffset(ref Unsafe.As<Insn, byte>(ref i), ref x);
        ushort OfL(ref long x) => (ushort)Unsafe.ByteOffset(ref Unsafe.As<Insn, byte>(ref i), ref Unsafe.As<long, byte>(ref x));
        return f switch
        {
            Field.R1 => (Of(ref i.R1), false), Field.R2 => (Of(ref i.R2), false), Field.R3 => (Of(ref i.R3), false),
            Field.X2 => (Of(ref i.X2), false), Field.B1 => (Of(ref i.B1), false), Field.B2 => (Of(ref i.B2), false),
            Field.B3 => (Of(ref i.B3), false), Field.B4 => (Of(ref i.B4), false),
            Field.D1 => (OfL(ref i.D1), true), Field.D2 => (OfL(ref i.D2), true), Field.D3 => (OfL(ref i.D3), true),
            Field.D4 => (OfL(ref i.D4), true),
            Field.I1 => (OfL(ref i.I1), true), Field.I2 => (OfL(ref i.I2), true), Field.I3 => (OfL(ref i.I3), true),
            Field.I4 => (OfL(ref i.I4), true), Field.I5 => (OfL(ref i.I5), true),
            Field.M1 => (Of(ref i.M1), false), Field.M3 => (Of(ref i.M3), false), Field.M4 => (Of(ref i.M4), false),
            Field.M5 => (Of(ref i.M5), false), Field.M6 => (Of(ref i.M6), false),
            Field.L1 => (Of(ref i.L1), false), Field.L2 => (Of(ref i.L2), false),
            Field.RI2 => (OfL(ref i.RI2), true), Field.RI3 => (OfL(ref i.RI3), true), Field.RI4 => (OfL(ref i.RI4), true),
            Field.V1 => (Of(ref i.V1), false), Field.V2 => (Of(ref i.V2), false), Field.V3 => (Of(ref i.V3), false),
            Field.V4 => (Of(ref i.V4), false),
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };
    }

    /// <summary>Secondary opcode of a left-aligned instruction (0 when the first byte has none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Op2(ulong raw)
    {
        uint b = (uint)(raw >> 56);
        return (byte)((raw >> s_op2Shift[b]) & s_op2Mask[b]);
    }

    /// <summary>The table row of a left-aligned instruction, or null for an invalid opcode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InsnDef? Lookup(ulong raw)
    {
        uint b = (uint)(raw >> 56);
        return InstructionTable.Rows2D[b][(int)((raw >> s_op2Shift[b]) & s_op2Mask[b])];
    }

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

    /// <summary>
    /// The one generic field extraction: every field of the format, by PoO bit position, stored into
    /// its slot of <paramref name="insn"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ExtractFields(ref Insn insn, InsnDef def)
    {
        ulong raw = insn.Raw;
        bool unsignedImm = (def.Flags & InsnFlags.UImm) != 0;
        ref byte slots = ref Unsafe.As<Insn, byte>(ref insn);
        foreach (ref readonly var e in s_extractors[(int)def.Format].AsSpan())
        {
            ulong x = raw << e.Pos;
            long v;
            if (e.Kind <= FieldKind.Signed)
                v = e.Kind == FieldKind.Signed ? (long)x >> (64 - e.Width) : (long)(x >> (64 - e.Width));
            else if (e.Kind == FieldKind.Immediate)
                v = unsignedImm ? (long)(x >> (64 - e.Width)) : (long)x >> (64 - e.Width);
            else if (e.Kind == FieldKind.Vector)
                v = (long)((x >> 60) | (((raw >> e.RxbShift) & 1) << 4));
            else // long displacement: DL (12 bits) then DH (8 bits, signed, the high part)
                v = ((long)(sbyte)(byte)(x >> 44) << 12) | (long)(x >> 52);
            if (e.IsLong) Unsafe.As<byte, long>(ref Unsafe.AddByteOffset(ref slots, e.Offset)) = v;
            else Unsafe.AddByteOffset(ref slots, e.Offset) = (byte)v;
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
