using System.Reflection;
using System.Reflection.Emit;
using System.Text;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Measurement aid: with S390JIT_COMPILE_PROFILE=file, the compiler thread appends one line per region
/// ("region key blocks insns exits il-bytes locals emit-us jit-us"), one IL shape line per region
/// ("shape key insns il-bytes locals labels marked-labels branch-operands branches calls ldloc stloc entries
/// flush-stubs way1-stubs emit-us jit-us", see <see cref="Shape"/>) and one per guest instruction
/// ("insn mnemonic il-bytes simple|helper") to the file, for perf/issue14-compile.md and perf/issue14-cc.md.
/// </summary>
public static class CompileProfile
{
    private static readonly StreamWriter? s_out = Open();
    public static bool Enabled => s_out != null;

    private static StreamWriter? Open()
    {
        var path = Environment.GetEnvironmentVariable("S390JIT_COMPILE_PROFILE");
        if (string.IsNullOrEmpty(path)) return null;
        var w = new StreamWriter(path, append: false, Encoding.ASCII) { AutoFlush = true };
        return w;
    }

    public static void Insn(string mnemonic, int ilBytes, bool simple)
    {
        lock (s_out!) s_out.WriteLine($"insn {mnemonic} {ilBytes} {(simple ? "simple" : "helper")}");
    }

    public static void Line(string line)
    {
        if (s_out == null) return;
        lock (s_out) s_out.WriteLine(line);
    }

    public static void Region(RegionKey key, int blocks, int insns, int exits, int ilBytes, int locals, double emitUs, double jitUs)
    {
        if (s_out == null) return;
        lock (s_out) s_out.WriteLine($"region {key.Address:x} {blocks} {insns} {exits} {ilBytes} {locals} {emitUs:F0} {jitUs:F0}");
    }

    // ---- the IL's shape, read from the region's IL writer ----
    private const BindingFlags Priv = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
    private static FieldInfo? Field(Type? t, string name)
    {
        for (; t != null; t = t.BaseType) if (t.GetField(name, Priv) is { } f) return f;
        return null;
    }

    private static readonly Dictionary<short, OpCode> s_ops = Ops();
    private static Dictionary<short, OpCode> Ops()
    {
        var d = new Dictionary<short, OpCode>();
        foreach (var f in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
            if (f.GetValue(null) is OpCode op) d[op.Value] = op;
        return d;
    }

    /// <summary>Counts of what RyuJIT imports: labels defined and marked (IL basic block starts), branch operands
    /// (a switch has one per target), branch instructions, calls, local loads and stores; -1 when the generator's
    /// fields are not found.</summary>
    public static (int Labels, int Marked, int Fixups, int Branches, int Calls, int Ldloc, int Stloc) Shape(IlWriter il)
    {
        var code = il.Code.ToArray();
        int length = code.Length;
        int labels = il.LabelCount;
        var marked = new HashSet<int>(il.MarkedPositions());
        int fixups = il.FixupCount;
        int branches = 0, calls = 0, ldloc = 0, stloc = 0;
        for (int pc = 0; pc < length;)
        {
            short v = code[pc];
            if (v == 0xFE) { v = unchecked((short)(0xFE00 | code[pc + 1])); pc += 2; } else pc++;
            if (!s_ops.TryGetValue(v, out var op)) return (labels, marked.Count, fixups, -1, -1, -1, -1);
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: pc += 1; break;
                case OperandType.InlineVar: pc += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: pc += 8; break;
                case OperandType.InlineSwitch: pc += 4 + 4 * BitConverter.ToInt32(code, pc); break;
                default: pc += 4; break;
            }
            if (op.FlowControl == FlowControl.Cond_Branch || op.FlowControl == FlowControl.Branch) branches++;
            else if (op.FlowControl == FlowControl.Call) calls++;
            string n = op.Name!;
            if (n.StartsWith("ldloc")) ldloc++;
            else if (n.StartsWith("stloc")) stloc++;
        }
        return (labels, marked.Count, fixups, branches, calls, ldloc, stloc);
    }

    /// <summary>S390JIT_IL_DUMP=file: the IL of every region, one op a line, guest instructions marked (measurement aid).</summary>
    private static readonly StreamWriter? s_dump = Environment.GetEnvironmentVariable("S390JIT_IL_DUMP") is { Length: > 0 } d
        ? new StreamWriter(d, append: false, Encoding.ASCII) : null;
    public static bool Dumping => s_dump != null;

    public static void Dump(RegionKey key, IlWriter il, List<(int Offset, string Text)> marks)
    {
        if (s_dump == null) return;
        var code = il.Code.ToArray();
        var names = il.TokenNames();
        var marked = new HashSet<int>(il.MarkedPositions());
        var sb = new StringBuilder();
        sb.Append($"region {key.Address:x} {code.Length}\n");
        int mi = 0;
        for (int pc = 0; pc < code.Length;)
        {
            while (mi < marks.Count && marks[mi].Offset <= pc) sb.Append("  ; ").Append(marks[mi++].Text).Append('\n');
            int at = pc;
            short v = code[pc];
            if (v == 0xFE) { v = unchecked((short)(0xFE00 | code[pc + 1])); pc += 2; } else pc++;
            if (!s_ops.TryGetValue(v, out var op)) { sb.Append($"{at:x4} ??\n"); break; }
            string arg = "";
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget: arg = $"L{pc + 1 + (sbyte)code[pc]:x4}"; pc += 1; break;
                case OperandType.ShortInlineI or OperandType.ShortInlineVar: arg = ((sbyte)code[pc]).ToString(); pc += 1; break;
                case OperandType.InlineVar: arg = BitConverter.ToInt16(code, pc).ToString(); pc += 2; break;
                case OperandType.InlineI8: arg = BitConverter.ToInt64(code, pc).ToString("x"); pc += 8; break;
                case OperandType.InlineR: pc += 8; break;
                case OperandType.InlineBrTarget: arg = $"L{pc + 4 + BitConverter.ToInt32(code, pc):x4}"; pc += 4; break;
                case OperandType.InlineSwitch: { int n = BitConverter.ToInt32(code, pc); arg = $"({n})"; pc += 4 + 4 * n; break; }
                case OperandType.InlineI: arg = BitConverter.ToInt32(code, pc).ToString(); pc += 4; break;
                default: { int t = BitConverter.ToInt32(code, pc); arg = names.TryGetValue(t, out var nm) ? nm : t.ToString("x"); pc += 4; break; }
            }
            sb.Append(marked.Contains(at) ? $"L{at:x4}:" : "      ").Append(' ').Append(op.Name).Append(' ').Append(arg).Append('\n');
        }
        lock (s_dump) s_dump.Write(sb.ToString());
        s_dump.Flush();
    }

    public static void ShapeLine(RegionKey key, int insns, int ilBytes, int locals, (int Labels, int Marked, int Fixups, int Branches, int Calls, int Ldloc, int Stloc) s,
        int entries, int flushStubs, int way1Stubs, int exits, double emitUs, double jitUs)
    {
        if (s_out == null) return;
        lock (s_out) s_out.WriteLine($"shape {key.Address:x} {insns} {ilBytes} {locals} {s.Labels} {s.Marked} {s.Fixups} {s.Branches} {s.Calls} {s.Ldloc} {s.Stloc} {entries} {flushStubs} {way1Stubs} {exits} {emitUs:F0} {jitUs:F0}");
    }
}
