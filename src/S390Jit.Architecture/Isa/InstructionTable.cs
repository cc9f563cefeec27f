using System.Globalization;
using System.Reflection;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Isa;

/// <summary>Marks a static class whose public static (Cpu, ref Insn) methods are semantic bodies.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SemanticBodiesAttribute : Attribute;

/// <summary>
/// The instruction table, built once from <see cref="Text"/>: rows, the two-level opcode lookup, and the
/// binding of each row to its one semantic body and (for conditional SIE rows) its intercept check.
/// </summary>
public static unsafe partial class InstructionTable
{
    public static IReadOnlyList<InsnDef> All { get; }
    /// <summary>[first byte][op2] -> row (op2 0 for first bytes without a secondary opcode).</summary>
    internal static readonly InsnDef?[][] Rows2D;
    private static readonly Dictionary<string, InsnDef> s_byMnemonic;

    static InstructionTable()
    {
        var binder = new BodyBinder();
        AddBodies(binder); // generated at build time (S390Jit.Generators): no reflection at start-up
        var bodies = binder.Bodies;
        var checks = binder.Checks;
        var rows = new List<InsnDef>();
        int lineNo = 0;
        foreach (var rawLine in Text.Split('\n'))
        {
            lineNo++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var c = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (c.Length != 9) throw new InvalidDataException($"instruction table line {lineNo}: expected 9 columns: '{line}'");
            rows.Add(ParseRow(c, lineNo, bodies, checks));
        }
        All = rows;
        Rows2D = new InsnDef?[256][];
        for (int i = 0; i < 256; i++) Rows2D[i] = new InsnDef?[Decoder.Op2Of((byte)i) == Op2Kind.None ? 1 : 256];
        s_byMnemonic = new Dictionary<string, InsnDef>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in rows)
        {
            var slot = Rows2D[r.Op1];
            int op2 = slot.Length == 1 ? 0 : r.Op2;
            if (slot[op2] != null) throw new InvalidDataException($"duplicate opcode {r.OpcodeText}: {slot[op2]!.Mnemonic} and {r.Mnemonic}");
            slot[op2] = r;
            if (!s_byMnemonic.TryAdd(r.Mnemonic, r)) throw new InvalidDataException($"duplicate mnemonic {r.Mnemonic}");
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
    /// simple body) and its entry point (the interpreter instantiation for a simple body).</summary>
    internal sealed record BoundMethod(string Name, Type DeclaringType, bool Simple, int Id)
    {
        /// <summary>The entry point (taken on first use: see <see cref="BodyEntry"/>).</summary>
        public nint Entry => BodyEntry(Id);
    }

    /// <summary>Collects the generated list; a name may exist once, as with <see cref="FindMethods"/>.</summary>
    internal sealed class BodyBinder
    {
        public readonly Dictionary<string, BoundMethod> Bodies = new(StringComparer.Ordinal);
        public readonly Dictionary<string, BoundMethod> Checks = new(StringComparer.Ordinal);

        public void Simple(string name, Type genericClass, int id) => Add(Bodies, new BoundMethod(name, genericClass, true, id));
        public void Helper(string name, Type declaring, int id) => Add(Bodies, new BoundMethod(name, declaring, false, id));
        public void Check(string name, Type declaring, int id) => Add(Checks, new BoundMethod(name, declaring, false, id));

        private static void Add(Dictionary<string, BoundMethod> d, BoundMethod m)
        {
            if (!d.TryAdd(m.Name, m))
                throw new InvalidDataException($"two semantic bodies named {m.Name}: {d[m.Name].DeclaringType.Name} and {m.DeclaringType.Name}");
        }
    }

    /// <summary>The reflection object of a bound body or check (the JIT and the tests use it; a run's start-up does not).</summary>
    internal static MethodInfo Resolve(BoundMethod m)
    {
        var t = m.Simple ? m.DeclaringType.MakeGenericType(typeof(Semantics.InterpBackend), typeof(ulong)) : m.DeclaringType;
        var first = m.Simple ? typeof(Semantics.InterpBackend) : typeof(Cpu);
        return t.GetMethod(m.Name, BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly, [first, typeof(Insn).MakeByRefType()])
               ?? throw new InvalidOperationException($"semantic body {m.Name} not found in {t.Name}");
    }

    private static InsnDef ParseRow(string[] c, int lineNo, Dictionary<string, BoundMethod> bodies, Dictionary<string, BoundMethod> checks)
    {
        string op = c[0];
        byte op1 = byte.Parse(op[..2], NumberStyles.HexNumber);
        byte op2 = op.Length switch
        {
            2 => 0,
            3 => byte.Parse(op[2..], NumberStyles.HexNumber),
            4 => byte.Parse(op[2..], NumberStyles.HexNumber),
            _ => throw new InvalidDataException($"instruction table line {lineNo}: bad opcode '{op}'"),
        };
        var kind = Decoder.Op2Of(op1);
        bool ok = kind switch { Op2Kind.None => op.Length == 2, Op2Kind.Nibble => op.Length == 3, _ => op.Length == 4 };
        if (!ok) throw new InvalidDataException($"instruction table line {lineNo}: opcode '{op}' does not fit first byte's op2 kind {kind}");
        if (!TryParseFormat(c[2], out var fmt)) throw new InvalidDataException($"instruction table line {lineNo}: unknown format '{c[2]}'");
        int fac = c[3] == "-" ? Fac.None : int.Parse(c[3], CultureInfo.InvariantCulture);
        var flags = InsnFlags.None;
        if (c[4] != "-")
            foreach (char ch in c[4])
                flags |= ch switch
                {
                    'P' => InsnFlags.Priv, 'U' => InsnFlags.UImm, 'B' => InsnFlags.Branch, 'E' => InsnFlags.EndsBlock,
                    '1' => InsnFlags.EvenR1, '2' => InsnFlags.EvenR2, '3' => InsnFlags.EvenR3, 'O' => InsnFlags.Io | InsnFlags.EndsBlock,
                    'X' => InsnFlags.Execute | InsnFlags.EndsBlock,
                    'Q' => InsnFlags.SemiPriv,
                    'H' => InsnFlags.HostHandled,
                    'V' => InsnFlags.Vector,
                    _ => throw new InvalidDataException($"instruction table line {lineNo}: unknown flag '{ch}'"),
                };
        var sie = c[5] switch
        {
            "I" => SieAction.Interpreted, "X" => SieAction.Intercept, "C" => SieAction.Conditional,
            _ => throw new InvalidDataException($"instruction table line {lineNo}: unknown SIE action '{c[5]}'"),
        };
        var def = new InsnDef
        {
            Mnemonic = c[1], Op1 = op1, Op2 = op2, Format = fmt, Facility = fac, Flags = flags, Sie = sie,
            Cycles = int.Parse(c[6], CultureInfo.InvariantCulture), Group = c[7],
            SyntaxText = c[8], TableLine = lineNo,
        };
        def.OpcodeText = op.ToUpperInvariant();
        ulong opMask = kind switch
        {
            Op2Kind.Byte1 => 0xFFFF_0000_0000_0000UL,
            Op2Kind.Nibble => 0xFF0F_0000_0000_0000UL,
            Op2Kind.Byte5 => 0xFF00_0000_00FF_0000UL,
            _ => 0xFF00_0000_0000_0000UL,
        };
        def.OpcodeMask = opMask;
        if (bodies.TryGetValue(def.Mnemonic, out var body))
        {
            def.BoundBody = body;
            if (body.Simple) def.SimpleBodyClass = body.DeclaringType;
        }
        if (sie == SieAction.Conditional)
        {
            if (!checks.TryGetValue("Sie_" + def.Mnemonic, out var check))
                throw new InvalidDataException($"instruction table line {lineNo}: conditional SIE row {def.Mnemonic} has no Sie_{def.Mnemonic} check");
            def.BoundSieCheck = check;
        }
        return def;
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
