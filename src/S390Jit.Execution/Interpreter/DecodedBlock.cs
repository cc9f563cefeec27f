using System.Runtime.InteropServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Execution.Jit;

namespace S390Jit.Execution.Interpreter;

/// <summary>
/// One instruction of a decoded block: the decoded <see cref="Insn"/> (its table row, whose one
/// semantic body the interpreter instantiation runs, and every operand field), its address and the
/// address after it.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
public unsafe struct DecodedInsn
{
    // what the first tier reads for every instruction comes first, in one cache line with the start of Insn
    /// <summary>
    /// The row's simple body as instantiated for the interpreter (<see cref="InsnDef.ExecSimple"/>), cached when
    /// every check <see cref="Architecture.State.Cpu.Execute"/> makes before it is known to pass whatever the
    /// state (facility installed, interpreted under the SIE, not privileged, register pairs even, not a vector
    /// row); null: the instruction goes through <see cref="Architecture.State.Cpu.Execute"/>.
    /// </summary>
    [FieldOffset(0)] public delegate*<InterpBackend, ref Insn, void> Body;
    [FieldOffset(8)] public ulong Addr;
    [FieldOffset(16)] public ulong Next;
    /// <summary>
    /// The block execution last continued in after this instruction branched (a one-entry successor cache per exit;
    /// for the last instruction, the taken exit: falling through is <see cref="DecodedBlock.FallThrough"/>).
    /// </summary>
    [FieldOffset(24)] public DecodedBlock? Taken;
    /// <summary>The row's base cycles (<see cref="InsnDef.Cycles"/>).</summary>
    [FieldOffset(32)] public uint Cycles;
    /// <summary>The instruction's length in bytes (<see cref="Insn.Length"/>, for the ILC).</summary>
    [FieldOffset(36)] public ushort Length;
    /// <summary>The instruction's index in its block.</summary>
    [FieldOffset(38)] public ushort Index;
    [FieldOffset(40)] public Insn Insn;
}

/// <summary>
/// A run of instructions decoded once from one 4 KiB absolute frame, entered at its first: it ends at a branch
/// (with S390JIT_FT_SUPER=1 only at an unconditional one: a taken conditional branch inside leaves the block there),
/// at a row that may change the PSW (block-ending and I/O rows, EXECUTE), after one that crosses into the next page, and at
/// <see cref="BlockCache.MaxInstructions"/>. It is valid until a store into its bytes marks it <see cref="Stale"/>,
/// while the logical page still translates to the same frame (checked on entry against the instruction-fetch cache;
/// for an instruction crossing into the next page, that page and its frame too).
/// </summary>
public sealed unsafe class DecodedBlock
{
    public required RegionKey Key { get; init; }
    public required DecodedInsn[] Insns { get; init; }
    /// <summary>Host address of the frame the block was decoded from (what the fetch cache maps its page to).</summary>
    public required byte* Host { get; init; }
    public required ulong Frame { get; init; }
    /// <summary>A store reached the block's bytes (or every block was dropped): it must not run again.</summary>
    public bool Stale;
    /// <summary>The highest instruction index a run of the block reached (for <see cref="BlockCache.Entered"/>).</summary>
    public int Reached;
    /// <summary>
    /// When the last instruction crosses into the next page: the host address of that page's frame (what the fetch
    /// cache must map the next page to), its frame and generation; null when the block stays in its page.
    /// </summary>
    public byte* Host2 { get; init; }
    public ulong Frame2 { get; init; }
    /// <summary>The address after the last instruction (where execution falls through).</summary>
    public required ulong End { get; init; }
    /// <summary>Execution may go on in the next block without the engine's loop: the last instruction is a simple body (a plain branch or none).</summary>
    public required bool Chains { get; init; }
    /// <summary>
    /// An upper bound of the cycles the block's instructions add (base cycles plus the at most 16 that an SS body with an
    /// 8-bit length charges for its bytes), when every instruction has a simple body and none charges more (not the long
    /// moves and searches, not EXECUTE); ulong.MaxValue otherwise. A run that starts with more cycles than this before the
    /// next event cannot reach an event at any of its instruction boundaries (<see cref="BlockCache"/>'s fast loop).
    /// </summary>
    public ulong FastCycles = ulong.MaxValue;
    /// <summary>
    /// Heat counted towards the optimising tier (<see cref="BlockCache.HotThreshold"/>): <see cref="HeatStep"/> per entry.
    /// </summary>
    public int Heat;
    /// <summary>
    /// What one entry adds to <see cref="Heat"/>: the block's first-tier cost in entries of a typical kernel block (about
    /// 6 instructions: ~20 ns per block and ~10 ns per instruction), at least 1. A long straight-line block (unrolled
    /// crypto rounds: 64 instructions) is as hot after 1/8 of the entries (perf/issue14-kinit.md).
    /// </summary>
    public int HeatStep = 1;
    /// <summary>
    /// The <see cref="BlockCache.PublishEpoch"/> at which the engine last found no compiled code for this hot block
    /// (its compile pending), and that compile's heat counter (null: none known).
    /// </summary>
    public int NoCodeEpoch = -1;
    public HotCounter? Waiting;
    /// <summary>
    /// The compiled region entry the engine found for this hot block, and the <see cref="BlockCache.PublishEpoch"/> it was
    /// found at: a chain that ends here enters it without a lookup while the epoch holds and the entry is alive (the block
    /// being valid means its page still translates to the frame the entry was found for).
    /// </summary>
    public RegionEntry? Entry;
    public int EntryEpoch = -1;
    /// <summary>The last block execution continued in after falling through this one (taken exits: <see cref="DecodedInsn.Taken"/>).</summary>
    public DecodedBlock? FallThrough;
    /// <summary>
    /// The block's native code (<see cref="S390Jit.Execution.Native.NativeBlocks"/>), or 0; it runs the first <see cref="NativeCycles"/>.Length - 1
    /// instructions at most. <see cref="NativeCycles"/>[k]: the cycles of the first k.
    /// </summary>
    public nint Native;
    public ulong[]? NativeCycles;
    /// <summary>The block's <see cref="S390Jit.Execution.Native.NativeDesc"/> (unmanaged), or 0: what native chains read of it.</summary>
    public nint Desc;
    /// <summary>The block is on the cache's list of waiting blocks native chains may enter until the next publication.</summary>
    public bool WaitCredited;
    /// <summary>Entries left before the block is translated (0: translated or never; set by the first tier when it decodes the block).</summary>
    public int NativeCountdown;
}
