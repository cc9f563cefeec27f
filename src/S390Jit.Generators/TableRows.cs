using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace S390Jit.Generators;

/// <summary>
/// What the row generator reads from the compilation: the instruction table's text (InstructionTable.Text, the one
/// specification) and the values of the enums its columns name. Compared by content, so an edit elsewhere does not
/// regenerate the rows.
/// </summary>
internal sealed class TableInput : System.IEquatable<TableInput>
{
    public string? Text;
    public Location? Where;
    public readonly Dictionary<string, long> Formats = new(System.StringComparer.Ordinal);
    public readonly Dictionary<string, long> Flags = new(System.StringComparer.Ordinal);
    public readonly Dictionary<string, long> Sie = new(System.StringComparer.Ordinal);
    private string _key = "";

    public static TableInput From(Compilation c)
    {
        var t = new TableInput();
        if (c.GetTypeByMetadataName("S390Jit.Architecture.Isa.InstructionTable") is { } table &&
            table.GetMembers("Text").OfType<IFieldSymbol>().FirstOrDefault() is { HasConstantValue: true } text)
        {
            t.Text = text.ConstantValue as string;
            t.Where = text.Locations.FirstOrDefault();
        }
        Enum(c, "S390Jit.Architecture.Isa.Format", t.Formats);
        Enum(c, "S390Jit.Architecture.Isa.InsnFlags", t.Flags);
        Enum(c, "S390Jit.Architecture.Isa.SieAction", t.Sie);
        var k = new StringBuilder(t.Text ?? "");
        foreach (var d in new[] { t.Formats, t.Flags, t.Sie })
            foreach (var kv in d.OrderBy(kv => kv.Key, System.StringComparer.Ordinal)) k.Append('\0').Append(kv.Key).Append('=').Append(kv.Value);
        t._key = k.ToString();
        return t;
    }

    private static void Enum(Compilation c, string name, Dictionary<string, long> into)
    {
        if (c.GetTypeByMetadataName(name) is not { TypeKind: TypeKind.Enum } e) return;
        foreach (var f in e.GetMembers().OfType<IFieldSymbol>())
            if (f.HasConstantValue) into[f.Name] = System.Convert.ToInt64(f.ConstantValue, CultureInfo.InvariantCulture);
    }

    public bool Equals(TableInput? other) => other != null && other._key == _key;
    public override bool Equals(object? obj) => Equals(obj as TableInput);
    public override int GetHashCode() => _key.GetHashCode();
}

/// <summary>
/// The instruction table's rows parsed at build time (the rules the table's comment states), written as one byte
/// array of fixed-size records and one string of mnemonics and operand columns: start-up builds the rows from them
/// without parsing text, without number parsing and without a dictionary of bodies. A malformed row is a build error
/// with the message the run-time parser gave.
/// </summary>
internal static class TableRows
{
    /// <summary>Bytes per row; InstructionTable reads the same layout (see the generated comment).</summary>
    public const int RowSize = 28;
    public const ushort NoBody = 0xFFFF;

    public static readonly DiagnosticDescriptor Malformed = new("S390T001", "Malformed instruction table",
        "{0}", "S390Jit.InstructionTable", DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>A semantic body or check as the body generator found it, with its id (its place in the bound list).</summary>
    public sealed class Body
    {
        public string Name = "";
        public string Class = "";
        public bool Simple;
        public int Id;
    }

    /// <summary>The generated source, or null with the first error in <paramref name="error"/>.</summary>
    public static string? Generate(TableInput input, Dictionary<string, Body> bodies, Dictionary<string, Body> checks, out string? error)
    {
        error = null;
        if (input.Text == null) { error = "InstructionTable.Text not found (a const string)"; return null; }
        var data = new List<byte>();
        var names = new StringBuilder();
        var groups = new List<string>();
        var mnemonics = new HashSet<string>(System.StringComparer.OrdinalIgnoreCase);
        var syntaxTexts = new List<(int Row, string Text)>();
        int lineNo = 0, rows = 0;
        foreach (var rawLine in input.Text.Split('\n'))
        {
            lineNo++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var c = line.Split(new[] { ' ' }, System.StringSplitOptions.RemoveEmptyEntries);
            string at = $"instruction table line {lineNo}";
            if (c.Length != 9) { error = $"{at}: expected 9 columns: '{line}'"; return null; }
            string op = c[0];
            if (op.Length < 2 || op.Length > 4 || !byte.TryParse(op.Substring(0, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte op1))
            { error = $"{at}: bad opcode '{op}'"; return null; }
            byte op2 = 0;
            if (op.Length > 2 && !byte.TryParse(op.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out op2))
            { error = $"{at}: bad opcode '{op}'"; return null; }
            if (!input.Formats.TryGetValue(c[2], out long fmt)) { error = $"{at}: unknown format '{c[2]}'"; return null; }
            int fac = -1;
            if (c[3] != "-" && !int.TryParse(c[3], NumberStyles.None, CultureInfo.InvariantCulture, out fac))
            { error = $"{at}: bad facility '{c[3]}'"; return null; }
            long flags = 0;
            if (c[4] != "-")
                foreach (char ch in c[4])
                {
                    string[]? f = ch switch
                    {
                        'P' => new[] { "Priv" }, 'U' => new[] { "UImm" }, 'B' => new[] { "Branch" }, 'E' => new[] { "EndsBlock" },
                        '1' => new[] { "EvenR1" }, '2' => new[] { "EvenR2" }, '3' => new[] { "EvenR3" }, 'O' => new[] { "Io", "EndsBlock" },
                        'X' => new[] { "Execute", "EndsBlock" }, 'Q' => new[] { "SemiPriv" }, 'H' => new[] { "HostHandled" }, 'V' => new[] { "Vector" },
                        'K' => new[] { "Continues" },
                        _ => null,
                    };
                    if (f == null) { error = $"{at}: unknown flag '{ch}'"; return null; }
                    foreach (var n in f)
                    {
                        if (!input.Flags.TryGetValue(n, out long v)) { error = $"InsnFlags.{n} not found"; return null; }
                        flags |= v;
                    }
                }
            string? sieName = c[5] switch { "I" => "Interpreted", "X" => "Intercept", "C" => "Conditional", _ => null };
            if (sieName == null) { error = $"{at}: unknown SIE action '{c[5]}'"; return null; }
            if (!input.Sie.TryGetValue(sieName, out long sie)) { error = $"SieAction.{sieName} not found"; return null; }
            if (!int.TryParse(c[6], NumberStyles.None, CultureInfo.InvariantCulture, out int cycles) || cycles > 0xFFFF)
            { error = $"{at}: bad cycles '{c[6]}'"; return null; }
            string mnemonic = c[1];
            if (!mnemonics.Add(mnemonic)) { error = $"duplicate mnemonic {mnemonic}"; return null; }
            int group = groups.IndexOf(c[7]);
            if (group < 0) { group = groups.Count; groups.Add(c[7]); }
            if (group > 255) { error = "more than 256 groups"; return null; }
            bodies.TryGetValue(mnemonic, out var body);
            Body? check = null;
            if (sieName == "Conditional" && !checks.TryGetValue("Sie_" + mnemonic, out check))
            { error = $"{at}: conditional SIE row {mnemonic} has no Sie_{mnemonic} check"; return null; }
            if (mnemonic.Length > 255 || c[8].Length > 255) { error = $"{at}: column too long"; return null; }

            int mOffset = names.Length;
            names.Append(mnemonic);
            syntaxTexts.Add((rows, c[8]));
            int start = data.Count;
            data.Add(op1);
            data.Add(op2);
            data.Add((byte)op.Length);
            data.Add((byte)fmt);
            U16(data, (ushort)(short)fac);
            U32(data, (uint)flags);
            data.Add((byte)sie);
            data.Add((byte)group);
            U16(data, (ushort)cycles);
            U16(data, body == null ? NoBody : (ushort)body.Id);
            U16(data, check == null ? NoBody : (ushort)check.Id);
            U16(data, (ushort)mOffset);
            data.Add((byte)mnemonic.Length);
            data.Add((byte)(body is { Simple: true } ? 1 : 0));
            U16(data, 0); // operand column offset, set below
            data.Add((byte)c[8].Length);
            data.Add(0);
            U16(data, (ushort)lineNo);
            if (data.Count - start != RowSize) { error = "row layout"; return null; }
            rows++;
        }
        // the operand columns after all mnemonics (read on first use only)
        foreach (var (row, text) in syntaxTexts)
        {
            int o = names.Length;
            names.Append(text);
            data[row * RowSize + 22] = (byte)o;
            data[row * RowSize + 23] = (byte)(o >> 8);
        }
        if (names.Length > 0xFFFF) { error = "the table's strings exceed 64 KiB"; return null; }

        var sb = new StringBuilder();
        sb.AppendLine("// <auto-generated>S390Jit.Generators.SemanticBodiesGenerator: the rows of InstructionTable.Text</auto-generated>");
        sb.AppendLine("namespace S390Jit.Architecture.Isa;");
        sb.AppendLine();
        sb.AppendLine("public static partial class InstructionTable");
        sb.AppendLine("{");
        sb.AppendLine("    /// <summary>Bytes per row of <see cref=\"RowData\"/>: op1, op2, opcode digits, format, facility (s16), flags (u32),");
        sb.AppendLine("    /// SIE action, group, cycles (u16), body id (u16, FFFF none), check id (u16), mnemonic offset (u16) and length, simple (1),");
        sb.AppendLine("    /// operand column offset (u16) and length, 0, table line (u16); little-endian. Offsets are into <see cref=\"RowStrings\"/>.</summary>");
        sb.Append("    private const int RowSize = ").Append(RowSize).AppendLine(";");
        sb.Append("    private const int RowCount = ").Append(rows).AppendLine(";");
        sb.AppendLine("    /// <summary>The rows of <see cref=\"Text\"/>, parsed at build time.</summary>");
        sb.AppendLine("    private static System.ReadOnlySpan<byte> RowData => new byte[]");
        sb.AppendLine("    {");
        for (int i = 0; i < data.Count; i += RowSize)
        {
            sb.Append("        ");
            for (int j = 0; j < RowSize; j++) sb.Append("0x").Append(data[i + j].ToString("X2", CultureInfo.InvariantCulture)).Append(',');
            sb.AppendLine();
        }
        sb.AppendLine("    };");
        sb.AppendLine("    /// <summary>Every mnemonic, then every operand column, one after the other.</summary>");
        sb.Append("    private const string RowStrings = \"").Append(names.ToString().Replace("\\", "\\\\").Replace("\"", "\\\"")).AppendLine("\";");
        sb.AppendLine("    /// <summary>The group column's values, by index.</summary>");
        sb.Append("    private static string[] RowGroups() => new[] { ");
        foreach (var g in groups) sb.Append('"').Append(g).Append("\", ");
        sb.AppendLine("};");
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static void U16(List<byte> d, ushort v)
    {
        d.Add((byte)v);
        d.Add((byte)(v >> 8));
    }

    private static void U32(List<byte> d, uint v)
    {
        U16(d, (ushort)v);
        U16(d, (ushort)(v >> 16));
    }
}
