using System.Reflection;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Isa;

[Flags]
public enum InsnFlags : uint
{
    None = 0,
    /// <summary>Privileged: privileged-operation exception in the problem state.</summary>
    Priv = 1 << 0,
    /// <summary>Immediate fields are unsigned (logical instructions).</summary>
    UImm = 1 << 1,
    /// <summary>May change the instruction address (branches).</summary>
    Branch = 1 << 2,
    /// <summary>Changes PSW, mode, prefix, control registers or timers: a translated block must end here.</summary>
    EndsBlock = 1 << 3,
    /// <summary>R1 must designate an even register (even/odd pair), else specification exception.</summary>
    EvenR1 = 1 << 4,
    /// <summary>R2 must be even.</summary>
    EvenR2 = 1 << 5,
    /// <summary>R3 must be even.</summary>
    EvenR3 = 1 << 6,
    /// <summary>I/O instruction (ends blocks; never compiled).</summary>
    Io = 1 << 7,
    /// <summary>Sets the condition code.</summary>
    SetsCc = 1 << 8,
    /// <summary>Reads the condition code (branch on condition, LOC, IPM...).</summary>
    ReadsCc = 1 << 9,
    /// <summary>An execute-type instruction (EX, EXRL): its target may not be another one.</summary>
    Execute = 1 << 10,
    /// <summary>Semiprivileged: allowed in the problem state subject to authority checks (PSW key mask, extraction authority).</summary>
    SemiPriv = 1 << 11,
    /// <summary>Intercepted under SIE and handled by the host model (KVM or the VMM) instead of a semantic body.</summary>
    HostHandled = 1 << 12,
    /// <summary>Vector instruction: data exception DXC 0xFE unless CR0 bits 45 (AFP) and 46 (vector enablement) are one.</summary>
    Vector = 1 << 13,
    /// <summary>
    /// Ends a translated block (<see cref="EndsBlock"/>), but translated code may go on into the next block when it ran
    /// without branching, changing the translation or the code, or changing a PSW mask bit other than the I/O and external
    /// interruption masks (an interruption it enables is due at the next boundary, which is then an event check point):
    /// the execute-type, system-mask and clock rows the kernel runs hundreds of thousands of times per boot.
    /// </summary>
    Continues = 1 << 14,
}

/// <summary>What the SIE does when a guest executes the instruction.</summary>
public enum SieAction : byte
{
    /// <summary>Interpreted by the SIE: the guest never leaves interpretive execution.</summary>
    Interpreted,
    /// <summary>Always intercepted with ICPTCODE 0x04 (instruction) and IPA/IPB.</summary>
    Intercept,
    /// <summary>Intercepted or interpreted depending on a per-row check (e.g. PQAP under ECA.APIE).</summary>
    Conditional,
}

/// <summary>
/// One row of the instruction table: the single specification of an instruction that the decoder,
/// the disassembler, the interpreter, the JIT, facility and privilege checks, SIE intercept
/// behaviour and the cycle model all read.
/// </summary>
public sealed unsafe class InsnDef
{
    public required string Mnemonic { get; init; }
    public required byte Op1 { get; init; }
    /// <summary>Secondary opcode (meaningful when the first byte has one; see <see cref="Decoder"/>).</summary>
    public required byte Op2 { get; init; }
    public required Format Format { get; init; }
    /// <summary>STFLE facility bit gating the instruction, or -1 when always installed.</summary>
    public required int Facility { get; init; }
    public required InsnFlags Flags { get; init; }
    public required SieAction Sie { get; init; }
    /// <summary>Base cost in cycles charged by the cycle model (bodies may add variable costs).</summary>
    public required int Cycles { get; init; }
    /// <summary>PoO chapter the instruction belongs to, for the coverage report.</summary>
    public required string Group { get; init; }

    /// <summary>The one semantic body, or null when the row is a known gap (operation exception at run time).
    /// Its reflection object is looked up on first use (the JIT, the tests); <see cref="Implemented"/> needs none.</summary>
    public MethodInfo? Body => BoundBody == null ? null : _body ??= InstructionTable.Resolve(BoundBody);
    /// <summary>For <see cref="SieAction.Conditional"/>: returns true when the SIE intercepts this execution.</summary>
    public MethodInfo? SieCheck => BoundSieCheck == null ? null : _sieCheck ??= InstructionTable.Resolve(BoundSieCheck);
    private MethodInfo? _body, _sieCheck;
    /// <summary>The row's body and check as ids of the generated binding (-1: none), and whether the body is simple.</summary>
    internal int BodyId { get; init; } = -1;
    internal int CheckId { get; init; } = -1;
    internal bool SimpleBody { get; init; }
    internal InstructionTable.BoundMethod? BoundBody =>
        BodyId < 0 ? null : _boundBody ??= new InstructionTable.BoundMethod(Mnemonic, InstructionTable.BodyClass(BodyId), SimpleBody, BodyId);
    internal InstructionTable.BoundMethod? BoundSieCheck =>
        CheckId < 0 ? null : _boundCheck ??= new InstructionTable.BoundMethod("Sie_" + Mnemonic, InstructionTable.BodyClass(CheckId), false, CheckId);
    private InstructionTable.BoundMethod? _boundBody, _boundCheck;

    /// <summary>Entry of a helper body (Cpu, ref Insn); null for simple instructions and gaps.</summary>
    public delegate*<Cpu, ref Insn, void> Exec
    {
        get
        {
            if (!_bound) Bind();
            return _exec;
        }
    }
    public delegate*<Cpu, ref Insn, bool> SieCheckFn
    {
        get
        {
            if (!_bound) Bind();
            return _sieCheckFn;
        }
    }
    private delegate*<Cpu, ref Insn, void> _exec;
    private delegate*<Cpu, ref Insn, bool> _sieCheckFn;
    private delegate*<Semantics.InterpBackend, ref Insn, void> _execSimple;
    private volatile bool _bound;

    /// <summary>
    /// Takes the entry points now (what the row's first execution would do): start-up binds the rows of the kernel's
    /// first code on another thread while the machine is built (<c>RunCommand</c>). Idempotent, any thread.
    /// </summary>
    public void Prepare()
    {
        if (!_bound) Bind();
    }

    /// <summary>
    /// The entry points, taken on the row's first use: a run touches a few dozen of the table's ~1,300 bodies, and
    /// taking each entry point is a ReadyToRun fixup (perf/startup.md). Any thread may bind; all write the same values.
    /// </summary>
    private void Bind()
    {
        if (BodyId >= 0)
        {
            if (SimpleBody) _execSimple = (delegate*<Semantics.InterpBackend, ref Insn, void>)InstructionTable.BodyEntry(BodyId);
            else _exec = (delegate*<Cpu, ref Insn, void>)InstructionTable.BodyEntry(BodyId);
        }
        if (CheckId >= 0) _sieCheckFn = (delegate*<Cpu, ref Insn, bool>)InstructionTable.BodyEntry(CheckId);
        _bound = true;
    }

    /// <summary>
    /// For simple instructions: the generic body class (Semantics.X&lt;B, V&gt;) whose method named after
    /// the mnemonic is the body; the interpreter runs its <see cref="Semantics.InterpBackend"/>
    /// instantiation through <see cref="ExecSimple"/>, the JIT instantiates it with its IL backend.
    /// </summary>
    public Type? SimpleBodyClass => SimpleBody ? InstructionTable.BodyClass(BodyId) : null;
    public delegate*<Semantics.InterpBackend, ref Insn, void> ExecSimple
    {
        get
        {
            if (!_bound) Bind();
            return _execSimple;
        }
    }
    public bool IsSimple => SimpleBody;

    public int Length => Formats.Length(Format);
    public bool Implemented => BodyId >= 0;
    public bool Has(InsnFlags f) => (Flags & f) != 0;
    /// <summary>Opcode as written in the PoO: 2 hex digits, 4 (with op2 byte) or 3 (with op2 nibble).</summary>
    public string OpcodeText => _opcodeText ??= InstructionTable.OpcodeTextOf(Op1, Op2, OpcodeDigits);
    private string? _opcodeText;
    /// <summary>Hex digits of the table's opcode column (2, 3 or 4).</summary>
    internal byte OpcodeDigits { get; init; }

    /// <summary>Operand syntax as objdump prints it (the table's operand column), parsed on first use: only the
    /// disassembler, the assembler and the tests read it, so a run's start-up does not parse 1,250 of them.</summary>
    public OperandSyntax Syntax => Volatile.Read(ref _syntax) ?? ParseSyntax();
    private OperandSyntax? _syntax;
    /// <summary>The table's operand column and its line (for the message of a malformed one).</summary>
    internal string SyntaxText => InstructionTable.SyntaxTextOf(SyntaxRef);
    /// <summary>Where <see cref="SyntaxText"/> is in the generated strings (offset, length &lt;&lt; 16).</summary>
    internal int SyntaxRef { get; init; }
    internal int TableLine { get; init; }

    /// <summary>Parses the operand column and sets <see cref="ZeroMask"/> (any thread; the result is the same).</summary>
    private OperandSyntax ParseSyntax()
    {
        OperandSyntax syntax;
        try { syntax = OperandSyntax.Parse(SyntaxText, Format, Has(InsnFlags.UImm)); }
        catch (FormatException e)
        {
            throw new InvalidDataException($"instruction table line {TableLine}: operands '{SyntaxText}': {e.Message}");
        }
        ulong all = OperandSyntax.BitMask(0, Length * 8);
        ulong rxb = Format.ToString().StartsWith('V') ? OperandSyntax.BitMask(36, 4) : 0;
        _zeroMask = all & ~OpcodeMask & ~syntax.FieldBits & ~syntax.IgnoredBits & ~rxb;
        Volatile.Write(ref _syntax, syntax);
        return syntax;
    }
    /// <summary>Extended mnemonics of this row, most specific first (see <see cref="InsnAlias"/>); the alias
    /// table is parsed on first use (a run that disassembles nothing never needs it).</summary>
    public IReadOnlyList<InsnAlias> Aliases
    {
        get { InstructionTable.EnsureAliases(); return _aliases; }
        internal set => _aliases = value;
    }
    private IReadOnlyList<InsnAlias> _aliases = [];
    /// <summary>Left-aligned mask of the opcode bits (first byte and secondary opcode).</summary>
    public ulong OpcodeMask { get; internal init; }
    /// <summary>Left-aligned mask of bits that must be zero for the disassembler to show this row (objdump's rule).</summary>
    public ulong ZeroMask
    {
        get { _ = Syntax; return _zeroMask; }
    }
    private ulong _zeroMask;
    /// <summary>The spelling of a left-aligned instance of this row: the most specific matching alias, else the row.</summary>
    public (string Mnemonic, OperandSyntax Syntax) SpellingOf(ulong raw)
    {
        foreach (var a in Aliases)
            if (a.Matches(raw)) return (a.Mnemonic, a.Syntax);
        return (Mnemonic, Syntax);
    }
    /// <summary>The PoO privilege class: privileged, semiprivileged (Q flag) or unprivileged.</summary>
    public string PrivilegeClass => Has(InsnFlags.Priv) ? "privileged" : Has(InsnFlags.SemiPriv) ? "semiprivileged" : "unprivileged";
    public override string ToString() => $"{Mnemonic} ({OpcodeText}, {Format})";
}
