using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// The key a region is compiled for: PSW address, addressing mode, the fixed-point-overflow mask and the
/// address space instructions are fetched from: with DAT on (<see cref="Dat"/>) the ASCE instruction
/// fetch uses (the home space's, CR13, in the home mode; else the primary space's, CR1; the PoO's rule,
/// also in the secondary and AR modes). A key names virtual code; whether it still is the code compiled
/// is checked against the region's absolute frame when the region is entered (<see cref="Region.DatFrame"/>).
/// </summary>
public readonly record struct RegionKey(ulong Address, int Mode, bool FixedOverflowMask, bool Dat = false, ulong Asce = 0)
{
    public static RegionKey Of(Cpu cpu)
    {
        ulong m = cpu.PswMask;
        if ((m & Psw.Dat) == 0) return new(cpu.PswAddr, cpu.AddressingMode, (m & Psw.FixedOverflowMask) != 0);
        ulong asce = cpu.Asc == Space.Home ? cpu.Cr[13] : cpu.Cr[1];
        return new(cpu.PswAddr, cpu.AddressingMode, (m & Psw.FixedOverflowMask) != 0, true, asce);
    }
}

/// <summary>
/// The comparer the dictionaries keyed by <see cref="RegionKey"/> are given: without one, the first use of
/// <c>EqualityComparer&lt;RegionKey&gt;.Default</c> makes it by reflection and RyuJIT compiles it (four methods at every
/// start-up); this one is in the ReadyToRun image. The lookups it serves sit behind the callers' direct-mapped caches.
/// </summary>
public sealed class RegionKeyComparer : IEqualityComparer<RegionKey>
{
    public static readonly RegionKeyComparer Instance = new();
    public bool Equals(RegionKey x, RegionKey y) => x.Address == y.Address && x.Mode == y.Mode &&
        x.FixedOverflowMask == y.FixedOverflowMask && x.Dat == y.Dat && x.Asce == y.Asce;
    public int GetHashCode(RegionKey k) =>
        (int)(k.Address ^ (k.Address >> 32)) ^ (k.Mode << 24) ^ (k.FixedOverflowMask ? 1 << 30 : 0) ^
        (k.Dat ? (int)(k.Asce ^ (k.Asce >> 32)) * 31 + 1 : 0);
}

/// <summary>One decoded instruction of a region plan.</summary>
public sealed class PlanInsn
{
    public required ulong Addr { get; init; }
    public required InsnDef Def { get; init; }
    public required Insn Insn;
    public InstrFacts Facts { get; set; } = new();
    /// <summary>The instruction missed the TLB often when it ran compiled: its misses stay in compiled code.</summary>
    public bool StayOnMiss { get; set; }
    /// <summary>
    /// Under DAT, an instruction that crosses into the next page: that page's address and the absolute frame it was
    /// decoded from (compiled code runs it only while instruction fetch still translates the page there); null otherwise.
    /// </summary>
    public (ulong Page, ulong Frame)? CrossPage { get; init; }
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
    /// <summary>A target seen leaving an earlier region (not only a return point).</summary>
    public bool Seed { get; set; }
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
    /// <summary>Per block: 0 first block, 1 seed, 2 indirect target (return point), 3 another block (S390JIT_REGION_STATS).</summary>
    public byte[] BlockKinds = [];
    /// <summary>Constant exit targets by site, and the region entry each one was last linked to (chaining).</summary>
    public ulong[] ExitTargets = [];
    public RegionEntry?[] ExitLinks = [];
    /// <summary>
    /// Per constant exit site: the publication epoch (<see cref="Interpreter.BlockCache.PublishEpoch"/>) at which its target
    /// had no entry (-1: none known); entries are added only by publications, so the dispatcher need not look again before the next.
    /// </summary>
    public int[] ExitMisses = [];
    /// <summary>Per constant exit site: the first-tier block its target last ran from (the site has no region entry to link to).</summary>
    public Interpreter.DecodedBlock?[] ExitBlocks = [];
    public ulong[] BlockEnds = [];
    /// <summary>
    /// Per block: the most cycles compiled code entered there can run before it reaches an event check point or an
    /// instruction boundary it does not check (see RegionCompiler.EventBounds). The region's prologue lets the
    /// interpreter run the entry block unless more than this many cycles remain before the next event.
    /// </summary>
    public long[] EntryBounds = [];
    /// <summary>Compact code (<see cref="Region.Compact"/>): the guest instructions it ran so far (the dispatcher compiles it in full once hot).</summary>
    public long Heat;
    /// <summary>Per helper instruction (native regions): the entry execution went on in after it last time (the dispatcher's cache; null until the first helper exit).</summary>
    public RegionEntry?[]? HelperNext;
}

/// <summary>An entry into a compiled region: every block start of a region is one.</summary>
public sealed class RegionEntry
{
    public RegionEntry(Region region, int block, RegionKey key)
    {
        Region = region;
        Block = block;
        Key = key;
        Run = region.Run;
        Links = region.Data.ExitLinks;
        ExitTargets = region.Data.ExitTargets;
        Frame = key.Dat ? region.DatFrame : 0;
        Compact = region.Compact;
        region.Entries.Add(this);
        Dead = region.Dead;
    }

    public Region Region { get; }
    public int Block { get; }
    public RegionKey Key { get; }
    /// <summary>The region's code and exit links, and whether it is dead: copied here so a chained run touches one object.</summary>
    public readonly Func<Cpu, int, int> Run;
    public readonly RegionEntry?[] Links;
    public readonly ulong[] ExitTargets;
    /// <summary>Under DAT, the region's <see cref="Region.DatFrame"/> (0 otherwise).</summary>
    public readonly ulong Frame;
    /// <summary>The region's code is compact (<see cref="Region.Compact"/>): the dispatcher watches its heat.</summary>
    public readonly bool Compact;
    public bool Dead;
    /// <summary>Runs entered here (the dispatcher's and chained ones; for S390JIT_REGION_STATS and the compile policy's measurements).</summary>
    public long Runs;
}

/// <summary>Why a region was compiled.</summary>
public enum CompileReason
{
    /// <summary>A first-tier block reached the hot threshold.</summary>
    Hot,
    /// <summary>A rebuild whose frequent TLB misses stay in compiled code.</summary>
    MissRebuild,
    /// <summary>A rebuild with the targets of its frequent computed exits as blocks.</summary>
    IndirectRebuild,
    /// <summary>A compact region that became hot, compiled again in full.</summary>
    Promote,
}

/// <summary>A compiled region: entry key, the guest frames it was translated from, and its code.</summary>
public sealed class Region
{
    public required RegionKey Key { get; init; }
    public required RegionData Data { get; init; }
    public required ulong[] Frames { get; init; }
    public required int InstructionCount { get; init; }
    /// <summary>
    /// Under DAT (<see cref="RegionKey.Dat"/>): the absolute frame the region's one virtual page was translated
    /// to when it was planned (a region under DAT never leaves the page of its key, so it is the only frame).
    /// An entry is used, and a link followed, only while an instruction fetch from the page still reaches it.
    /// </summary>
    public ulong DatFrame => Frames[0];
    /// <summary>Per frame of <see cref="Frames"/>: the code watch's chunks the region's instructions occupy there.</summary>
    public ulong[] FrameChunks = [];
    /// <summary>Runs the region from the block with the given index.</summary>
    public Func<Cpu, int, int> Run = null!;
    public double CompileMicroseconds;
    /// <summary>The block starts of the plan it was compiled from (a plan cut to fit <see cref="RegionCompiler.MaxIlBytes"/> has more than the region).</summary>
    public ulong[] PlanStarts = [];
    /// <summary>When the compile was requested (Stopwatch timestamp; for the compile latency in --stats).</summary>
    public long RequestedAt;
    /// <summary>Why it was compiled, and when (Stopwatch timestamp) it was published (S390JIT_REGION_STATS).</summary>
    public CompileReason Reason;
    /// <summary>Rebuilds of the key before this one (0: compiled from a hot block).</summary>
    public int Generation;
    public long PublishedAt;
    /// <summary>Part of <see cref="CompileMicroseconds"/> spent emitting IL (the rest is RyuJIT), and the IL size.</summary>
    public double EmitMicroseconds;
    public int IlBytes;
    /// <summary>Compiled as compact code (RegionEmitter.Compact); replaced by a full compile once hot.</summary>
    public bool Compact;
    /// <summary>Compiled natively (<see cref="S390Jit.Execution.Native.NativeRegions"/>; also <see cref="Compact"/>: replaced by RyuJIT's code once hot).</summary>
    public bool Native;
    /// <summary>A native region's unmanaged head, entries and exit-site links (<see cref="S390Jit.Execution.Native.NativeRegions"/>).</summary>
    public nint NativeHead, NativeEntries, NativeLinks;
    public int NativeLinkCount;
    /// <summary>The guest instructions compact code ran (native regions count them in their head).</summary>
    public long Heat => Native ? S390Jit.Execution.Native.NativeRegions.Heat(this) : Data.Heat;
    /// <summary>The <see cref="Heat"/> at which compact code is compiled again in full (the dispatcher checks it at every run; 0: not known yet).</summary>
    public long PromoteAt;
    /// <summary>Generation counters of the frames when the plan was decoded (stale plans are discarded).</summary>
    public required ulong[] FrameGenerations { get; init; }
    /// <summary>The region is discarded (its code stale, or replaced); its entries are marked too.</summary>
    public bool Dead
    {
        get => _dead;
        set
        {
            _dead = value;
            if (value) foreach (var e in Entries) e.Dead = true;
            if (value && NativeHead != 0) S390Jit.Execution.Native.NativeRegions.Kill(this);
        }
    }
    private bool _dead;
    /// <summary>The entries created for this region (<see cref="RegionEntry.Dead"/> follows <see cref="Dead"/>).</summary>
    public readonly List<RegionEntry> Entries = new();
    /// <summary>Targets of computed jumps that left this region (profile for a rebuild that keeps them inside).</summary>
    public Dictionary<ulong, int>? IndirectExits;
    public int IndirectExitCount;
    /// <summary>The entry the last computed exit led to, and the PSW mask then (prediction for the next one; see JitEngine.Successor).</summary>
    public RegionEntry? Predicted;
    public ulong PredictedMask;
    /// <summary>The first-tier block the last computed exit without a region entry ran from.</summary>
    public Interpreter.DecodedBlock? PredictedBlock;
    /// <summary>The region was rebuilt with its indirect targets (or the rebuild is pending): stop profiling it.</summary>
    public bool Rebuilt;
    /// <summary>TLB-miss re-executions by instruction index, and their total (profile for a rebuild whose misses stay compiled).</summary>
    public int[]? Misses;
    public int MissTotal;
    /// <summary>Diagnostics (S390JIT_REGION_PROFILE): runs, instructions and exits of this region.</summary>
    public long ProfRuns, ProfInsns;
    public Dictionary<int, long>? ProfExits;
    public Dictionary<ulong, long>? ProfTargets;
}
