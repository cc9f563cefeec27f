using System.Reflection;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Isa;

/// <summary>Marks a static class whose public static (Cpu, ref Insn) methods are semantic bodies.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SemanticBodiesAttribute : Attribute;

/// <summary>
/// The instruction table, built once from <see cref="Text"/> (parsed at build time): rows, the two-level opcode lookup,
/// and the binding of each row to its one semantic body and (for conditional SIE rows) its intercept check.
/// </summary>
public static unsafe partial class InstructionTable
{
    public static IReadOnlyList<InsnDef> All { get; }
    /// <summary>[first byte][op2] -> row (op2 0 for first bytes without a secondary opcode).</summary>
    internal static readonly InsnDef?[][] Rows2D;

    /// <summary>
    /// The rows of <see cref="Text"/>, parsed at build time (S390Jit.Generators writes <see cref="RowData"/>; a malformed
    /// row is a build error): start-up makes one object per row from fixed-size records, without parsing text.
    /// </summary>
    static InstructionTable()
    {
        ReadOnlySpan<byte> data = RowData;
        var groups = RowGroups();
        var rows = new InsnDef[RowCount];
        Rows2D = new InsnDef?[256][];
        for (int i = 0; i < 256; i++) Rows2D[i] = new InsnDef?[Decoder.Op2Of((byte)i) == Op2Kind.None ? 1 : 256];
        for (int i = 0; i < rows.Length; i++)
        {
            var d = data.Slice(i * RowSize, RowSize);
            byte op1 = d[0], op2 = d[1], digits = d[2];
            int line = U16(d, 26);
            var kind = Decoder.Op2Of(op1);
            bool ok = kind switch { Op2Kind.None => digits == 2, Op2Kind.Nibble => digits == 3, _ => digits == 4 };
            if (!ok) throw new InvalidDataException($"instruction table line {line}: opcode '{OpcodeTextOf(op1, op2, digits)}' does not fit first byte's op2 kind {kind}");
            int body = U16(d, 14), check = U16(d, 16);
            var def = new InsnDef
            {
                Mnemonic = RowStrings.Substring(U16(d, 18), d[20]),
                Op1 = op1, Op2 = kind == Op2Kind.None ? (byte)0 : op2, Format = (Format)d[3], Facility = (short)U16(d, 4),
                Flags = (InsnFlags)((uint)U16(d, 6) | (uint)U16(d, 8) << 16), Sie = (SieAction)d[10], Cycles = U16(d, 12), Group = groups[d[11]],
                SyntaxRef = U16(d, 22) | d[24] << 16, TableLine = line, OpcodeDigits = digits,
                OpcodeMask = kind switch
                {
                    Op2Kind.Byte1 => 0xFFFF_0000_0000_0000UL,
                    Op2Kind.Nibble => 0xFF0F_0000_0000_0000UL,
                    Op2Kind.Byte5 => 0xFF00_0000_00FF_0000UL,
                    _ => 0xFF00_0000_0000_0000UL,
                },
                BodyId = body == 0xFFFF ? -1 : body, CheckId = check == 0xFFFF ? -1 : check, SimpleBody = d[21] != 0,
            };
            var slot = Rows2D[op1];
            int at = slot.Length == 1 ? 0 : op2;
            if (slot[at] != null) throw new InvalidDataException($"duplicate opcode {def.OpcodeText}: {slot[at]!.Mnemonic} and {def.Mnemonic}");
            slot[at] = def;
            rows[i] = def;
        }
        All = rows;
    }

    private static int U16(ReadOnlySpan<byte> d, int offset) => d[offset] | d[offset + 1] << 8;

    /// <summary>The table's operand column of a row (<see cref="InsnDef.SyntaxRef"/>: offset, length &lt;&lt; 16).</summary>
    internal static string SyntaxTextOf(int syntaxRef) => RowStrings.Substring(syntaxRef & 0xFFFF, syntaxRef >> 16);

    /// <summary>The opcode as the table writes it, upper case: 2 hex digits, 3 with an op2 nibble, 4 with an op2 byte.</summary>
    internal static string OpcodeTextOf(byte op1, byte op2, int digits) => digits switch
    {
        3 => $"{op1:X2}{op2:X1}",
        4 => $"{op1:X2}{op2:X2}",
        _ => $"{op1:X2}",
    };

    /// <summary>Rows by mnemonic (case-insensitive), made on first use: a run decodes by opcode only.</summary>
    private static Dictionary<string, InsnDef> s_byMnemonic => LazyMnemonics.Table;

    private static class LazyMnemonics
    {
        internal static readonly Dictionary<string, InsnDef> Table = Build();

        private static Dictionary<string, InsnDef> Build()
        {
            var d = new Dictionary<string, InsnDef>(All.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var r in All)
                if (!d.TryAdd(r.Mnemonic, r)) throw new InvalidDataException($"duplicate mnemonic {r.Mnemonic}");
            return d;
        }
    }

    /// <summary>Extended mnemonics by spelling (jne, br, vfadb, ...): parsed on first use, since only the
    /// disassembler and the assembler need them (start-up of a run does not pay for them).</summary>
    private static Dictionary<string, InsnAlias> s_aliases => LazyAliases.Table;

    private static class LazyAliases
    {
        internal static readonly Dictionary<string, InsnAlias> Table = ParseAliases();
    }

    /// <summary>Parses the alias table now if nothing did yet (sets every row's <see cref="InsnDef.Aliases"/>).</summary>
    internal static void EnsureAliases() => _ = LazyAliases.Table;

    /// <summary>Every extended mnemonic of the table.</summary>
    public static IEnumerable<InsnAlias> Aliases => s_aliases.Values;

    /// <summary>The extended mnemonic spelled <paramref name="mnemonic"/> (case-insensitive), or null.</summary>
    public static InsnAlias? AliasByMnemonic(string mnemonic) => s_aliases.GetValueOrDefault(mnemonic);

    private static Dictionary<string, InsnAlias> ParseAliases()
    {
        var d = new Dictionary<string, InsnAlias>(StringComparer.OrdinalIgnoreCase);
        var byBase = new Dictionary<InsnDef, List<InsnAlias>>();
        int lineNo = 0;
        foreach (var rawLine in AliasText.Split('\n'))
        {
            lineNo++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var c = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (c.Length != 4) throw new InvalidDataException($"alias table line {lineNo}: expected 4 columns: '{line}'");
            var def = ByMnemonic(c[1]) ?? throw new InvalidDataException($"alias table line {lineNo}: unknown row {c[1]}");
            try
            {
                var (mask, value) = InsnAlias.ParseFixed(c[2], def.Format);
                var a = new InsnAlias
                {
                    Mnemonic = c[0], Base = def, FixedMask = mask, FixedValue = value, FixedText = c[2],
                    Syntax = OperandSyntax.Parse(c[3], def.Format, def.Has(InsnFlags.UImm)),
                };
                if (s_byMnemonic.ContainsKey(a.Mnemonic) || !d.TryAdd(a.Mnemonic, a))
                    throw new InvalidDataException($"alias table line {lineNo}: duplicate mnemonic {a.Mnemonic}");
                if (!byBase.TryGetValue(def, out var list)) byBase[def] = list = [];
                list.Add(a);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"alias table line {lineNo}: {e.Message}");
            }
        }
        foreach (var (def, list) in byBase)
            def.Aliases = list.OrderByDescending(a => a.Specificity).ToArray();
        return d;
    }

    public static InsnDef? ByMnemonic(string mnemonic) => s_byMnemonic.GetValueOrDefault(mnemonic);

    /// <summary>A semantic body or SIE check as the generator found it: its class (the generic definition for a
    /// simple body) and its entry point (the interpreter instantiation for a simple body). Made on first use.</summary>
    internal sealed record BoundMethod(string Name, Type DeclaringType, bool Simple, int Id)
    {
        /// <summary>The entry point (taken on first use: see <see cref="BodyEntry"/>).</summary>
        public nint Entry => BodyEntry(Id);
    }

    /// <summary>The reflection object of a bound body or check (the JIT and the tests use it; a run's start-up does not).</summary>
    internal static MethodInfo Resolve(BoundMethod m)
    {
        var t = m.Simple ? m.DeclaringType.MakeGenericType(typeof(Semantics.InterpBackend), typeof(ulong)) : m.DeclaringType;
        var first = m.Simple ? typeof(Semantics.InterpBackend) : typeof(Cpu);
        return t.GetMethod(m.Name, BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly, [first, typeof(Insn).MakeByRefType()])
               ?? throw new InvalidOperationException($"semantic body {m.Name} not found in {t.Name}");
    }

    /// <summary>
    /// All semantic bodies by name found by reflection, the rule the generator applies at build time (the tests
    /// check that both agree); a name may exist once. Helper bodies are public static (Cpu, ref Insn)
    /// methods of [SemanticBodies] classes; simple bodies are public static (B, ref Insn) methods of
    /// generic [SemanticBodies] classes X&lt;B, V&gt;, found through their interpreter instantiation.
    /// </summary>
    internal static Dictionary<string, MethodInfo> FindMethods(Func<MethodInfo, bool> filter)
    {
        var d = new Dictionary<string, MethodInfo>(StringComparer.Ordinal);
        foreach (var declared in typeof(InstructionTable).Assembly.GetTypes())
        {
            if (declared.GetCustomAttribute<SemanticBodiesAttribute>() == null) continue;
            var t = declared.IsGenericTypeDefinition ? declared.MakeGenericType(typeof(Semantics.InterpBackend), typeof(ulong)) : declared;
            var first = declared.IsGenericTypeDefinition ? typeof(Semantics.InterpBackend) : typeof(Cpu);
            foreach (var m in t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var p = m.GetParameters();
                if (p.Length != 2 || p[0].ParameterType != first || p[1].ParameterType != typeof(Insn).MakeByRefType() || !filter(m)) continue;
                if (!d.TryAdd(m.Name, m))
                    throw new InvalidDataException($"two semantic bodies named {m.Name}: {d[m.Name].DeclaringType!.Name} and {t.Name}");
            }
        }
        return d;
    }
}
