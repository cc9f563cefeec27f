using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Execution.Jit;

namespace S390Jit.Execution.Interpreter;

/// <summary>
/// One instruction of a decoded block: the decoded <see cref="Insn"/> (its table row, whose one
/// semantic body the interpreter instantiation runs, and every operand field), its address and the
/// address after it.
/// </summary>
public unsafe struct DecodedInsn
{
    public Insn Insn;
    public ulong Addr;
    public ulong Next;
    /// <summary>
    /// The row's simple body as instantiated for the interpreter (<see cref="InsnDef.ExecSimple"/>), cached when
    /// every check <see cref="Architecture.State.Cpu.Execute"/> makes before it is known to pass whatever the
    /// state (facility installed, interpreted under the SIE, not privileged, register pairs even, not a vector
    /// row); null: the instruction goes through <see cref="Architecture.State.Cpu.Execute"/>.
    /// </summary>
    public delegate*<InterpBackend, ref Insn, void> Body;
    /// <summary>The row's base cycles (<see cref="InsnDef.Cycles"/>).</summary>
    public ulong Cycles;
}

/// <summary>
/// A straight-line run of instructions decoded once from one 4 KiB absolute frame: it ends at an
/// instruction that may change the instruction address or the PSW (branches, block-ending and I/O
/// rows, EXECUTE), after one that crosses into the next page, and at <see cref="BlockCache.MaxInstructions"/>.
/// It is valid while the frame's generation is the one it was decoded at and the logical page still
/// translates to the same frame (checked on every entry against the instruction-fetch cache; for an instruction
/// crossing into the next page, that page and its frame too).
/// </summary>
public sealed unsafe class DecodedBlock
{
    public required RegionKey Key { get; init; }
    public required DecodedInsn[] Insns { get; init; }
    /// <summary>Host address of the frame the block was decoded from (what the fetch cache maps its page to).</summary>
    public required byte* Host { get; init; }
    public required ulong Frame { get; init; }
    public required ulong Generation { get; init; }
    /// <summary>
    /// When the last instruction crosses into the next page: the host address of that page's frame (what the fetch
    /// cache must map the next page to), its frame and generation; null when the block stays in its page.
    /// </summary>
    public byte* Host2 { get; init; }
    public ulong Frame2 { get; init; }
    public ulong Generation2 { get; init; }
    /// <summary>The address after the last instruction (where execution falls through).</summary>
    public required ulong End { get; init; }
    /// <summary>Execution may go on in the next block without the engine's loop: the last instruction is a simple body (a plain branch or none).</summary>
    public required bool Chains { get; init; }
    /// <summary>Entries counted towards the optimising tier (<see cref="BlockCache.HotThreshold"/>).</summary>
    public int Heat;
    /// <summary>
    /// The <see cref="BlockCache.PublishEpoch"/> at which the engine last found no compiled code for this hot block
    /// (its compile pending), and that compile's heat counter (null: none known).
    /// </summary>
    public int NoCodeEpoch = -1;
    public HotCounter? Waiting;
    /// <summary>The last block execution continued in after this one (a one-entry successor cache, per exit kind).</summary>
    public DecodedBlock? Taken, FallThrough;
}
