using System.Globalization;
using System.Text;

namespace S390Jit.Architecture.Isa;

/// <summary>How one operand field is printed (binutils' operand classes).</summary>
public enum PrintKind : byte { Gpr, Fpr, Vr, Ar, Cr, Unsigned, Signed, PcRel, Length }

/// <summary>Where an operand field sits in an address operand D(X,B): omission rules depend on it.</summary>
public enum OperandRole : byte { Plain, Displacement, Index, Base }

/// <summary>One printed field of an operand syntax.</summary>
public readonly record struct SyntaxItem(FieldSpec Spec, PrintKind Print, OperandRole Role, uint PrintMask, bool OpensGroup);

/// <summary>
/// The operand syntax of a row or an extended mnemonic, as data: the fields in the order objdump prints
/// them, each with its print class, its role in an address operand, and an optional mask of printed
/// bits; how many trailing operands may be omitted when zero; the bits that are neither opcode nor
/// operand but that objdump does not require to be zero.
/// <para>
/// Text form (the table's operand column): operands separated by commas, an address operand as
/// <c>D2(X2,B2)</c>. A name is a field of the row's format; register fields print as %r, or as %f, %a,
/// %c when spelled F1, A1, C1 (the field R1); V fields as %v; RI fields as absolute targets; L fields
/// as length+1; other fields as numbers, signed or unsigned as the field decodes unless suffixed
/// <c>s</c>/<c>u</c>; <c>#R1</c> prints a register field as a number. <c>&amp;N</c> prints only the
/// bits N of the field. A trailing <c>?</c> (<c>??</c>) lets objdump omit the last (two) operands
/// when zero. <c>!a-b,c</c> lists instruction bits objdump ignores.
/// </para>
/// </summary>
public sealed class OperandSyntax
{
    public required string Text { get; init; }
    public required SyntaxItem[] Items { get; init; }
    /// <summary>0, or 1/2: binutils' OPTPARM/OPTPARM2 (trailing zero operands omitted).</summary>
    public required byte Optional { get; init; }
    /// <summary>Left-aligned mask of the instruction bits the printed fields cover.</summary>
    public required ulong FieldBits { get; init; }
    /// <summary>Left-aligned mask of bits objdump neither prints nor checks.</summary>
    public required ulong IgnoredBits { get; init; }
    /// <summary>Written with a leading <c>*</c>: binutils 2.40 does not know the instruction (objdump shows .long).</summary>
    public bool NotInBinutils { get; init; }

    public static ulong BitMask(int pos, int width) => width == 0 ? 0 : (ulong.MaxValue >> pos) & ~(ulong.MaxValue >> (pos + width));

    /// <summary>Left-aligned mask of the bits of a format field (a vector field includes its RXB bit).</summary>
    public static ulong FieldMask(FieldSpec fs) =>
        BitMask(fs.Position, fs.Width) | (fs.Kind == FieldKind.Vector ? BitMask(Formats.RxbBit(fs.Position), 1) : 0);

    public static FieldSpec FindField(Format format, string name)
    {
        foreach (var fs in Formats.Fields(format))
            if (fs.Field.ToString() == name) return fs;
        throw new FormatException($"format {format} has no field {name}");
    }

    public static OperandSyntax Parse(string text, Format format, bool unsignedImm)
    {
        string body = text;
        bool unknown = body.StartsWith('*');
        if (unknown) body = body[1..];
        ulong ignored = 0;
        int bang = body.IndexOf('!');
        if (bang >= 0)
        {
            foreach (var r in body[(bang + 1)..].Split(','))
            {
                var ab = r.Split('-');
                int a = int.Parse(ab[0], CultureInfo.InvariantCulture), b = ab.Length > 1 ? int.Parse(ab[1], CultureInfo.InvariantCulture) : a;
                ignored |= BitMask(a, b - a + 1);
            }
            body = body[..bang];
        }
        byte optional = 0;
        while (body.EndsWith('?')) { optional++; body = body[..^1]; }
        var items = new List<SyntaxItem>();
        ulong bits = 0;
        if (body != "-" && body.Length > 0)
        {
            foreach (var operand in SplitTop(body))
            {
                int open = operand.IndexOf('(');
                if (open < 0)
                {
                    items.Add(Item(operand, OperandRole.Plain, false));
                    continue;
                }
                if (!operand.EndsWith(')')) throw new FormatException($"bad operand '{operand}'");
                items.Add(Item(operand[..open], OperandRole.Displacement, false));
                var inner = operand[(open + 1)..^1].Split(',');
                for (int k = 0; k < inner.Length; k++)
                {
                    var role = k == inner.Length - 1 ? OperandRole.Base : inner[k][0] is 'X' or 'V' ? OperandRole.Index : OperandRole.Plain;
                    items.Add(Item(inner[k], role, k == 0));
                }
            }
        }
        foreach (var it in items) bits |= FieldMask(it.Spec);
        return new OperandSyntax
        {
            Text = text, Items = items.ToArray(), Optional = optional, FieldBits = bits, IgnoredBits = ignored, NotInBinutils = unknown,
        };

        SyntaxItem Item(string token, OperandRole role, bool opens)
        {
            string t = token;
            uint mask = uint.MaxValue;
            int amp = t.IndexOf('&');
            if (amp >= 0)
            {
                mask = uint.Parse(t[(amp + 1)..], CultureInfo.InvariantCulture);
                t = t[..amp];
            }
            char? sign = null;
            if (t.EndsWith('s') || t.EndsWith('u')) { sign = t[^1]; t = t[..^1]; }
            bool asNumber = t.StartsWith('#');
            if (asNumber) t = t[1..];
            PrintKind kind;
            string field = t;
            switch (t[0])
            {
                case 'F': kind = PrintKind.Fpr; field = "R" + t[1..]; break;
                case 'A': kind = PrintKind.Ar; field = "R" + t[1..]; break;
                case 'C': kind = PrintKind.Cr; field = "R" + t[1..]; break;
                case 'V': kind = PrintKind.Vr; break;
                case 'L': kind = PrintKind.Length; break;
                case 'R' when t.StartsWith("RI"): kind = PrintKind.PcRel; break;
                case 'R' or 'X' or 'B': kind = PrintKind.Gpr; break;
                default: kind = PrintKind.Unsigned; break;
            }
            var fs = FindField(format, field);
            if (asNumber) kind = PrintKind.Unsigned;
            if (kind == PrintKind.Unsigned)
            {
                bool signed = fs.Kind is FieldKind.Signed or FieldKind.LongDisplacement || (fs.Kind == FieldKind.Immediate && !unsignedImm);
                if (sign == 's') signed = true;
                if (sign == 'u') signed = false;
                if (signed) kind = PrintKind.Signed;
            }
            return new SyntaxItem(fs, kind, role, mask, opens);
        }
    }

    private static List<string> SplitTop(string s)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')') depth--;
            else if (s[i] == ',' && depth == 0) { parts.Add(s[start..i]); start = i + 1; }
        }
        parts.Add(s[start..]);
        return parts;
    }

    /// <summary>The value of a field as binutils extracts it for printing.</summary>
    public static long Value(ulong raw, in SyntaxItem it)
    {
        var fs = it.Spec;
        ulong u = (raw << fs.Position) >> (64 - fs.Width);
        switch (fs.Kind)
        {
            case FieldKind.LongDisplacement:
                return ((long)(sbyte)(byte)(raw >> (64 - fs.Position - 20)) << 12) | (long)((raw << fs.Position) >> 52);
            case FieldKind.Vector:
                return (long)(u | (((raw >> (63 - Formats.RxbBit(fs.Position))) & 1) << 4));
        }
        switch (it.Print)
        {
            case PrintKind.Signed or PrintKind.PcRel:
                return (long)(raw << fs.Position) >> (64 - fs.Width);
            case PrintKind.Length:
                return (long)u + 1;
            case PrintKind.Unsigned:
                return (long)(u & it.PrintMask);
            default:
                return (long)u;
        }
    }

    /// <summary>
    /// Appends the operands of the instruction at <paramref name="address"/>, as objdump 2.40 prints them.
    /// Relative targets print as 0x-prefixed addresses, or through <paramref name="target"/> (objdump
    /// prints them without 0x and with a &lt;symbol+offset&gt; when the file has symbols).
    /// </summary>
    public void Format(StringBuilder sb, ulong raw, ulong address, Func<ulong, string>? target = null)
    {
        char sep = '\0';
        var items = Items;
        int last = items.Length - 1;
        for (int i = 0; i < items.Length; i++)
        {
            ref readonly var it = ref items[i];
            long v = Value(raw, in it);
            if (it.Role == OperandRole.Index && v == 0) continue;
            if (it.Role == OperandRole.Base && v == 0 && sep == '(') { sep = ','; continue; }
            if (Optional != 0 && v == 0 && i == last) break;
            if (Optional == 2 && v == 0 && i == last - 1 && Value(raw, in items[last]) == 0) break;
            if (sep != '\0') sb.Append(sep);
            switch (it.Print)
            {
                case PrintKind.Gpr: sb.Append("%r").Append(v); break;
                case PrintKind.Fpr: sb.Append("%f").Append(v); break;
                case PrintKind.Vr: sb.Append("%v").Append(v); break;
                case PrintKind.Ar: sb.Append("%a").Append(v); break;
                case PrintKind.Cr: sb.Append("%c").Append(v); break;
                case PrintKind.PcRel:
                    ulong t = address + (ulong)(v * 2);
                    if (target != null) sb.Append(target(t));
                    else sb.Append("0x").Append(t.ToString("x", CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(v); break;
            }
            sep = it.Role switch { OperandRole.Displacement => '(', _ => ',' };
            if (it.Role == OperandRole.Base) sb.Append(')');
        }
    }
}

/// <summary>
/// An extended mnemonic objdump prints for a row when some fields have fixed values (jne = BRC with
/// M1=7, br = BCR 15,R2, vfadb = VFA with M4=3 and M5=0): a disassembly and assembly spelling, not a row.
/// </summary>
public sealed class InsnAlias
{
    public required string Mnemonic { get; init; }
    public required InsnDef Base { get; init; }
    /// <summary>Left-aligned mask and value of the fixed bits.</summary>
    public required ulong FixedMask { get; init; }
    public required ulong FixedValue { get; init; }
    /// <summary>The fixed fields as written in the table, e.g. "M1=7" or "M5&amp;3=2,M4=0".</summary>
    public required string FixedText { get; init; }
    public required OperandSyntax Syntax { get; init; }
    /// <summary>Number of fixed bits: among matching spellings the most specific wins (objdump's rule).</summary>
    public int Specificity => System.Numerics.BitOperations.PopCount(FixedMask);
    public bool Matches(ulong raw) => (raw & FixedMask) == FixedValue;
    public override string ToString() => $"{Mnemonic} ({Base.Mnemonic} {FixedText})";

    /// <summary>Parses "M5&amp;3=2,M4=0" against a format into a left-aligned mask and value.</summary>
    public static (ulong Mask, ulong Value) ParseFixed(string text, Format format)
    {
        ulong mask = 0, value = 0;
        if (text == "-") return (0, 0);
        foreach (var part in text.Split(','))
        {
            int eq = part.IndexOf('=');
            string lhs = part[..eq];
            long v = long.Parse(part[(eq + 1)..], CultureInfo.InvariantCulture);
            uint sub = uint.MaxValue;
            int amp = lhs.IndexOf('&');
            if (amp >= 0) { sub = uint.Parse(lhs[(amp + 1)..], CultureInfo.InvariantCulture); lhs = lhs[..amp]; }
            var fs = OperandSyntax.FindField(format, lhs);
            int width = fs.Kind == FieldKind.Vector ? 5 : fs.Width;
            ulong fieldMask = (width >= 64 ? ulong.MaxValue : (1UL << width) - 1) & sub;
            if (((ulong)v & ~fieldMask) != 0) throw new FormatException($"fixed value {part} does not fit");
            for (int bit = 0; bit < width; bit++)
            {
                if ((fieldMask & (1UL << bit)) == 0) continue;
                // bit 4 of a vector field is its RXB bit; other bits count from the field's right end
                int pos = fs.Kind == FieldKind.Vector && bit == 4 ? Formats.RxbBit(fs.Position) : fs.Position + fs.Width - 1 - bit;
                ulong m = 1UL << (63 - pos);
                mask |= m;
                if (((ulong)v & (1UL << bit)) != 0) value |= m;
            }
        }
        return (mask, value);
    }
}
