using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>The key a region is compiled for: PSW address, addressing mode and the fixed-point-overflow mask.</summary>
public readonly record struct RegionKey(ulong Address, int Mode, bool FixedOverflowMask)
{
    public static RegionKey Of(Cpu cpu) => new(cpu.PswAddr, cpu.AddressingMode, (cpu.PswMask & Psw.FixedOverflowMask) != 0);
}

/// <summary>One decoded instruction of a region plan.</summary>
public sealed class PlanInsn
{
    public required ulong Addr { get; init; }
    public required InsnDef Def { get; init; }
    public required Insn Insn;
    public InstrFacts Facts { get; set; } = new();
    public int Length => Insn.Length;
}

/// <summary>A basic block of a plan: straight-line instructions, then a fall-through address (or none).</summary>
public sealed class PlanBlock
{
    public required ulong Start { get; init; }
    public List<PlanInsn> Insns { get; } = new();
    /// <summary>Address execution continues at after the last instruction when it does not jump, or null.</summary>
    public ulong? FallThrough { get; set; }
    public int Index { get; set; }
    /// <summary>A computed jump may land here: a return point after a call, or a seed (a target seen leaving an earlier region).</summary>
    public bool IndirectTarget { get; set; }
}

/// <summary>Data a compiled region needs at run time (the closed-over first argument of its method).</summary>
public sealed class RegionData
{
    public InsnDef[] Defs = [];
    public Insn[] Insns = [];
    public ulong[] Addrs = [];
    public int[] Lengths = [];
    /// <summary>For a program interruption at instruction i: cycles and count charged at block entry that did not run.</summary>
    public ulong[] UnchargeCycles = [];
    public ulong[] UnchargeCount = [];
    public ulong[] BlockStarts = [];
    /// <summary>Constant exit targets by site, and the region entry each one was last linked to (chaining).</summary>
    public ulong[] ExitTargets = [];
    public RegionEntry?[] ExitLinks = [];
    public ulong[] BlockEnds = [];
}

/// <summary>An entry into a compiled region: every block start of a region is one.</summary>
public sealed class RegionEntry(Region region, int block, RegionKey key)
{
    public Region Region { get; } = region;
    public int Block { get; } = block;
    public RegionKey Key { get; } = key;
}

/// <summary>A compiled region: entry key, the guest frames it was translated from, and its code.</summary>
public sealed class Region
{
    public required RegionKey Key { get; init; }
    public required RegionData Data { get; init; }
    public required ulong[] Frames { get; init; }
    public required int InstructionCount { get; init; }
    /// <summary>Runs the region from the block with the given index.</summary>
    public Func<Cpu, int, int> Run = null!;
    public double CompileMicroseconds;
    /// <summary>Generation counters of the frames when the plan was decoded (stale plans are discarded).</summary>
    public required ulong[] FrameGenerations { get; init; }
    public bool Dead;
    /// <summary>Targets of computed jumps that left this region (profile for a rebuild that keeps them inside).</summary>
    public Dictionary<ulong, int>? IndirectExits;
    public int IndirectExitCount;
    /// <summary>The region was rebuilt with its indirect targets (or the rebuild is pending): stop profiling it.</summary>
    public bool Rebuilt;
}
