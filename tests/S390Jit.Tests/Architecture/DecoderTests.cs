using S390Jit.Architecture.Isa;

namespace S390Jit.Tests.Architecture;

public class DecoderTests
{
    private static long RandomField(Random rng, FieldSpec fs, bool unsignedImm)
    {
        int w = fs.Kind == FieldKind.LongDisplacement ? 20 : fs.Kind == FieldKind.Vector ? 5 : fs.Width;
        bool signed = fs.Kind is FieldKind.Signed or FieldKind.LongDisplacement || (fs.Kind == FieldKind.Immediate && !unsignedImm);
        // boundary values half of the time
        long v = rng.Next(4) switch
        {
            0 => 0,
            1 => signed ? -(1L << (w - 1)) : (1L << w) - 1,
            2 => signed ? (1L << (w - 1)) - 1 : 1,
            _ => signed ? rng.NextInt64(-(1L << (w - 1)), 1L << (w - 1)) : rng.NextInt64(0, 1L << w),
        };
        return v;
    }

    [Test]
    public void Format_count_is_the_enum_and_every_format_has_fields()
    {
        Assert.That(Formats.Count, Is.EqualTo(Enum.GetValues<Format>().Length), "Formats.Count names the last Format member");
        foreach (var f in Enum.GetValues<Format>()) Assert.DoesNotThrow(() => _ = Formats.Fields(f).Length, f.ToString());
    }

    [Test]
    public void Every_row_round_trips_through_encoder_and_decoder([Values(1, 2, 3)] int seed)
    {
        var rng = new Random(seed);
        foreach (var def in InstructionTable.All)
        {
            for (int n = 0; n < 20; n++)
            {
                var want = new Dictionary<Field, long>();
                foreach (var fs in Formats.Fields(def.Format)) want[fs.Field] = RandomField(rng, fs, def.Has(InsnFlags.UImm));
                ulong raw = Assembler.EncodeRaw(def, f => want.GetValueOrDefault(f));
                Assert.That(Decoder.Decode(raw, out var insn), Is.True, def.ToString());
                Assert.That(insn.Def, Is.SameAs(def));
                foreach (var (f, v) in want)
                    Assert.That(Get(insn, f), Is.EqualTo(v), $"{def} field {f}");
            }
        }
    }

    private static long Get(Insn i, Field f) => f switch
    {
        Field.R1 => i.R1, Field.R2 => i.R2, Field.R3 => i.R3, Field.X2 => i.X2, Field.B1 => i.B1, Field.B2 => i.B2, Field.B3 => i.B3,
        Field.B4 => i.B4, Field.D1 => i.D1, Field.D2 => i.D2, Field.D3 => i.D3, Field.D4 => i.D4, Field.I1 => i.I1, Field.I2 => i.I2,
        Field.I3 => i.I3, Field.I4 => i.I4, Field.I5 => i.I5, Field.M1 => i.M1, Field.M3 => i.M3, Field.M4 => i.M4, Field.M5 => i.M5,
        Field.L1 => i.L1, Field.L2 => i.L2, Field.RI2 => i.RI2, Field.RI3 => i.RI3, Field.RI4 => i.RI4,
        Field.V1 => i.V1, Field.V2 => i.V2, Field.V3 => i.V3, Field.V4 => i.V4, Field.M6 => i.M6, _ => throw new ArgumentException(f.ToString()),
    };

    [Test]
    public void Opcodes_not_in_the_table_decode_as_invalid()
    {
        var known = InstructionTable.All.Select(r => (r.Op1, Decoder.Op2Of(r.Op1) == Op2Kind.None ? (byte)0 : r.Op2)).ToHashSet();
        int invalid = 0;
        for (int op1 = 0; op1 < 256; op1++)
        {
            var kind = Decoder.Op2Of((byte)op1);
            int op2Count = kind switch { Op2Kind.None => 1, Op2Kind.Nibble => 16, _ => 256 };
            for (int op2 = 0; op2 < op2Count; op2++)
            {
                ulong raw = (ulong)op1 << 56;
                if (kind == Op2Kind.Byte1) raw |= (ulong)op2 << 48;
                else if (kind == Op2Kind.Nibble) raw |= (ulong)op2 << 48;
                else if (kind == Op2Kind.Byte5) raw |= (ulong)op2 << 16;
                bool isKnown = known.Contains(((byte)op1, (byte)op2));
                Assert.That(Decoder.Lookup(raw) != null, Is.EqualTo(isKnown), $"{op1:x2}/{op2:x2}");
                if (!isKnown) invalid++;
            }
        }
        Assert.That(invalid, Is.GreaterThan(1000));
    }

    [Test]
    public void Random_bytes_never_throw([Values(7, 8)] int seed)
    {
        var rng = new Random(seed);
        var buf = new byte[6];
        int valid = 0;
        for (int n = 0; n < 200_000; n++)
        {
            rng.NextBytes(buf);
            if (Decoder.Decode(Decoder.LeftAlign(buf), out var insn))
            {
                valid++;
                Assert.That(insn.Length, Is.EqualTo(Formats.LengthFromFirstByte(buf[0])));
            }
        }
        Assert.That(valid, Is.GreaterThan(0));
    }

    [Test]
    public void Long_displacement_is_signed_20_bits()
    {
        // LG %r1,-8(%r2,%r3) = e3 12 3f f8 ff 04
        Assert.That(Decoder.Decode(Decoder.LeftAlign([0xe3, 0x12, 0x3f, 0xf8, 0xff, 0x04]), out var i), Is.True);
        Assert.That(i.Def.Mnemonic, Is.EqualTo("LG"));
        Assert.That((i.R1, i.X2, i.B2, i.D2), Is.EqualTo((1, 2, 3, -8L)));
    }

    [Test]
    public void Immediate_signedness_follows_the_row()
    {
        Assert.That(Decoder.Decode(Decoder.LeftAlign(Assembler.Encode("AHI", r1: 1, i2: -1)), out var a), Is.True);
        Assert.That(a.I2, Is.EqualTo(-1));
        Assert.That(Decoder.Decode(Decoder.LeftAlign(Assembler.Encode("TMLL", r1: 1, i2: 0xFFFF)), out var t), Is.True);
        Assert.That(t.I2, Is.EqualTo(0xFFFF));
    }
}
