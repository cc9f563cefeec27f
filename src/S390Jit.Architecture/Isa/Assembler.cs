namespace S390Jit.Architecture.Isa;

/// <summary>
/// Encodes instructions from the same table and format field lists the decoder reads:
/// mnemonic + PoO field values -> bytes. Used by tests to write instruction sequences in C#.
/// </summary>
public static class Assembler
{
    /// <summary>Encodes one instruction; every field of its format takes the named value (0 when not given).</summary>
    /// <remarks>
    /// The mnemonic may be an extended mnemonic (jne, br, vfadb...): its fixed fields are set and the
    /// named values of those fields are ignored. L fields take the encoded value (length - 1).
    /// </remarks>
    public static byte[] Encode(string mnemonic,
        int r1 = 0, int r2 = 0, int r3 = 0, int x2 = 0, int b1 = 0, int b2 = 0, int b3 = 0, int b4 = 0,
        long d1 = 0, long d2 = 0, long d3 = 0, long d4 = 0, long i1 = 0, long i2 = 0, long i3 = 0, long i4 = 0, long i5 = 0,
        int m1 = 0, int m3 = 0, int m4 = 0, int m5 = 0, int l1 = 0, int l2 = 0, long ri2 = 0, long ri3 = 0, long ri4 = 0,
        int v1 = 0, int v2 = 0, int v3 = 0, int v4 = 0, int m6 = 0)
    {
        var alias = InstructionTable.ByMnemonic(mnemonic) == null ? InstructionTable.AliasByMnemonic(mnemonic) : null;
        var def = alias?.Base ?? InstructionTable.ByMnemonic(mnemonic) ?? throw new ArgumentException($"unknown mnemonic '{mnemonic}'");
        long Value(Field f) => f switch
        {
            Field.R1 => r1, Field.R2 => r2, Field.R3 => r3, Field.X2 => x2, Field.B1 => b1, Field.B2 => b2, Field.B3 => b3, Field.B4 => b4,
            Field.D1 => d1, Field.D2 => d2, Field.D3 => d3, Field.D4 => d4, Field.I1 => i1, Field.I2 => i2, Field.I3 => i3, Field.I4 => i4,
            Field.I5 => i5, Field.M1 => m1, Field.M3 => m3, Field.M4 => m4, Field.M5 => m5, Field.L1 => l1, Field.L2 => l2,
            Field.RI2 => ri2, Field.RI3 => ri3, Field.RI4 => ri4, Field.V1 => v1, Field.V2 => v2, Field.V3 => v3, Field.V4 => v4,
            Field.M6 => m6, _ => 0,
        };
        ulong raw = alias == null ? EncodeRaw(def, Value) : EncodeAlias(alias, Value);
        return ToBytes(raw, def.Length);
    }

    /// <summary>Encodes an extended mnemonic: the fixed bits of the alias, the other fields from the function.</summary>
    public static ulong EncodeAlias(InsnAlias alias, Func<Field, long> value)
    {
        // fields the alias fixes are encoded as zero and then overwritten with the fixed bits
        var def = alias.Base;
        ulong raw = EncodeRaw(def, f =>
        {
            foreach (var fs in Formats.Fields(def.Format))
                if (fs.Field == f && (OperandSyntax.FieldMask(fs) & alias.FixedMask) != 0)
                {
                    long v = value(f);
                    // keep the bits the alias does not fix
                    ulong keep = ~alias.FixedMask & OperandSyntax.FieldMask(fs);
                    return keep == 0 ? 0 : v;
                }
            return value(f);
        });
        return (raw & ~alias.FixedMask) | alias.FixedValue;
    }

    /// <summary>Encodes a row with field values from a function; throws when a value does not fit its field.</summary>
    public static ulong EncodeRaw(InsnDef def, Func<Field, long> value)
    {
        ulong raw = (ulong)def.Op1 << 56;
        switch (Decoder.Op2Of(def.Op1))
        {
            case Op2Kind.Byte1: raw |= (ulong)def.Op2 << 48; break;
            case Op2Kind.Nibble: raw |= (ulong)(def.Op2 & 0xF) << 48; break;
            case Op2Kind.Byte5: raw |= (ulong)def.Op2 << 16; break;
        }
        bool unsignedImm = def.Has(InsnFlags.UImm);
        foreach (var fs in Formats.Fields(def.Format))
        {
            long v = value(fs.Field);
            ulong bits;
            switch (fs.Kind)
            {
                case FieldKind.LongDisplacement:
                    if (v < -(1L << 19) || v >= 1L << 19) throw new ArgumentException($"{def.Mnemonic}: {fs.Field}={v} does not fit 20 signed bits");
                    ulong dl = (ulong)v & 0xFFF, dh = ((ulong)v >> 12) & 0xFF;
                    raw |= dl << (64 - fs.Position - 12);
                    raw |= dh << (64 - fs.Position - 20);
                    continue;
                case FieldKind.Signed:
                    bits = CheckSigned(def, fs, v);
                    break;
                case FieldKind.Immediate:
                    bits = unsignedImm ? CheckUnsigned(def, fs, v) : CheckSigned(def, fs, v);
                    break;
                case FieldKind.Vector:
                    if (v < 0 || v > 31) throw new ArgumentException($"{def.Mnemonic}: {fs.Field}={v} is not a vector register 0-31");
                    raw |= ((ulong)v & 0xF) << (64 - fs.Position - 4);
                    raw |= ((ulong)v >> 4) << (63 - Formats.RxbBit(fs.Position));
                    continue;
                default:
                    bits = CheckUnsigned(def, fs, v);
                    break;
            }
            raw |= bits << (64 - fs.Position - fs.Width);
        }
        return raw;
    }

    private static ulong CheckUnsigned(InsnDef def, FieldSpec fs, long v)
    {
        if (v < 0 || (ulong)v >= 1UL << fs.Width) throw new ArgumentException($"{def.Mnemonic}: {fs.Field}={v} does not fit {fs.Width} unsigned bits");
        return (ulong)v;
    }

    private static ulong CheckSigned(InsnDef def, FieldSpec fs, long v)
    {
        long min = -(1L << (fs.Width - 1)), max = (1L << (fs.Width - 1)) - 1;
        if (v < min || v > max) throw new ArgumentException($"{def.Mnemonic}: {fs.Field}={v} does not fit {fs.Width} signed bits");
        return (ulong)v & ((1UL << fs.Width) - 1);
    }

    public static byte[] ToBytes(ulong raw, int length)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte)(raw >> (56 - 8 * i));
        return b;
    }
}
