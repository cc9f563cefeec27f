using System.Diagnostics;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>Turns a region plan into one DynamicMethod and forces its native compilation.</summary>
public static class RegionCompiler
{
    private static readonly bool s_identity = Environment.GetEnvironmentVariable("S390JIT_IDENTITY") != "0"; // measurement override

    /// <summary>
    /// Measurement aid: S390JIT_COMPILE_AB=evcheck|exitpsw|entries|resident|carried compiles every region twice, with the named
    /// switch off and on (alternating order), and writes "ab key insns il-off il-on jit-us-off jit-us-on" to the
    /// compile profile: paired RyuJIT times under the same load. The region runs the "off" (default) code.
    /// </summary>
    private static readonly string? s_ab = Environment.GetEnvironmentVariable("S390JIT_COMPILE_AB");
    private static int s_abCount;
    private static (int MaxResident, bool CarryLoops)? s_abSaved;

    private static void SetAb(bool on)
    {
        switch (s_ab)
        {
            case "evcheck": CheckEveryBlock = on; break;
            case "exitpsw": RegionEmitter.StoreExitPsw = on; break;
            case "entries": s_entries = on ? "seeds" : null; break;
            case "resident": MaxResident = on ? 0 : s_abSaved!.Value.MaxResident; break;
            case "carried": CarryLoops = !on && s_abSaved!.Value.CarryLoops; break;
            case "sharedflush": RegionEmitter.SharedFlush = !on; break;
            case "pooltemps": RegionEmitter.PoolTemps = !on; break;
            case "cc": RegionEmitter.PoolTemps = RegionEmitter.SharedFlush = !on; break; // both (perf/issue14-cc.md)
            case "way1select": RegionEmitter.Way1Select = on; break; // perf/issue14-ilslim.md
            case "lazyaddr": RegionEmitter.LazyAddr = !on; break;
            case "slimtlb": RegionEmitter.SlimTlb = !on; break;
            case "pagelocal": RegionEmitter.PageLocal = on; break;
            case "writethrough": RegionEmitter.WriteThrough = !on; break;
            case "poolscratch": RegionEmitter.PoolScratch = !on; break;
            case "resdirect": RegionEmitter.ResidentDirect = !on; break;
            case "addrexpr": RegionEmitter.AddrExpr = on ? 3 : 0; break;
            case "ilslim": // all of this branch's switches
                RegionEmitter.LazyAddr = RegionEmitter.SlimTlb = RegionEmitter.ResidentDirect = RegionEmitter.PoolScratch = RegionEmitter.WriteThrough = RegionEmitter.ShortConst = !on;
                break;
            default:
                // drop:PART — the "on" code leaves PART out (attribution of RyuJIT's time only: that code never runs)
                if (s_ab != null && s_ab.StartsWith("drop:")) RegionEmitter.AbDrop = on ? s_ab[5..] : null;
                break;
        }
    }

    /// <summary>
    /// S390JIT_COMPACT: which regions are compiled compact first (<see cref="RegionEmitter.Compact"/>: storage accesses as
    /// helper calls, no resident registers, carried loops or chaining in code, RyuJIT without optimisation; the code adds
    /// the instructions it ran to RegionData.Heat) and compiled again in full once hot (<see cref="PromoteHeat"/>).
    /// 0 (default): none, every region in full; dat: the regions of hot blocks under DAT (the best measured setting:
    /// kernel boot compile figure -34 %, compile CPU -28 %, but vcpu time +8 %: perf/issue14-compact.md); 1: every hot
    /// block's region; all: every compile, rebuilds too, never promoted (tests: the guests in compact code).
    /// </summary>
    public static string CompactMode = Environment.GetEnvironmentVariable("S390JIT_COMPACT") ?? "0";
    /// <summary>Whether a compile for <paramref name="reason"/> is compact.</summary>
    public static bool CompactFor(CompileReason reason, RegionKey key) => CompactMode == "all" ||
        (reason == CompileReason.Hot && (CompactMode == "1" || (CompactMode == "dat" && key.Dat)));
    /// <summary>S390JIT_COMPACT_MINOPTS=0: compact regions are optimised by RyuJIT as full ones (measurement).</summary>
    public static bool CompactMinOpts = Environment.GetEnvironmentVariable("S390JIT_COMPACT_MINOPTS") != "0";
    /// <summary>More locals than RyuJIT optimises (its retail limit DEFAULT_MIN_OPTS_LV_NUM_COUNT is 2000, arguments and locals counted).</summary>
    private const int MinOptsLocals = 2001;
    /// <summary>Whether compact regions are compiled again in full once hot (not with S390JIT_COMPACT=all).</summary>
    public static bool Promotes => CompactMode != "all";
    /// <summary>
    /// S390JIT_PROMOTE_HEAT=N: a compact region is compiled in full once it ran N times as many guest instructions as it has
    /// (RegionData.Heat: the instructions its code counted; a full compile costs about the same for every instruction of the
    /// region, and what it gains is per instruction run).
    /// </summary>
    public static long PromoteHeat = long.TryParse(Environment.GetEnvironmentVariable("S390JIT_PROMOTE_HEAT"), out long ph) ? ph : 30000;

    public static Region Compile(RegionKey key, List<PlanBlock> blocks, ulong[] frames, ulong[] generations, bool compact = false)
    {
        if (s_ab != null && CompileProfile.Enabled)
        {
            s_abSaved ??= (MaxResident, CarryLoops);
            bool onFirst = (s_abCount++ & 1) != 0;
            var r = new (double Jit, int Il)[2];
            Region? keep = null;
            foreach (bool on in onFirst ? new[] { true, false } : new[] { false, true })
            {
                SetAb(on);
                var x = CompileOnce(key, blocks, frames, generations, s_ab == "compact" ? on : compact)!;
                r[on ? 1 : 0] = (x.CompileMicroseconds - x.EmitMicroseconds, x.IlBytes);
                if (!on) keep = x;
            }
            SetAb(false);
            CompileProfile.Line($"ab {key.Address:x} {keep!.InstructionCount} {r[0].Il} {r[1].Il} {r[0].Jit:F0} {r[1].Jit:F0}");
            return keep;
        }
        // a method RyuJIT would compile without optimisation (too much IL: its MinOpts limits on IL instructions and local
        // references) runs about twice as slow as the optimised code of fewer blocks: the plan is cut around its key until
        // the IL fits (a rebuild seeded with many computed-jump targets reached 40 KB of IL for 240 instructions)
        while (true)
        {
            var r = CompileOnce(key, blocks, frames, generations, compact, blocks.Count > 1 ? MaxIlBytes : int.MaxValue);
            if (r != null) return r;
            int ki = Math.Max(0, blocks.FindIndex(b => b.Start == key.Address));
            int keep = Math.Max(1, blocks.Count / 2), from = Math.Clamp(ki - keep / 4, 0, blocks.Count - keep);
            blocks = blocks.GetRange(from, keep);
            for (int i = 0; i < blocks.Count; i++) blocks[i].Index = i;
            Interlocked.Increment(ref s_cut);
        }
    }

    /// <summary>
    /// IL bytes a region's method may have (S390JIT_MAX_IL): beyond RyuJIT's MinOpts thresholds (20 000 IL instructions,
    /// 8 000 local references) the whole method is compiled without optimisation.
    /// </summary>
    public static int MaxIlBytes = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_MAX_IL"), out int mil) && mil > 0 ? mil : 24000;
    private static int s_cut;
    /// <summary>Plans cut in half because their IL exceeded <see cref="MaxIlBytes"/>.</summary>
    public static int PlansCut => s_cut;

    private static Region? CompileOnce(RegionKey key, List<PlanBlock> blocks, ulong[] frames, ulong[] generations, bool compact, int maxIl = int.MaxValue)
    {
        double start = ThreadCpuMicroseconds();
        int gc0 = CompileProfile.Enabled ? GC.CollectionCount(0) : 0, gc2 = CompileProfile.Enabled ? GC.CollectionCount(2) : 0;
        long alloc0 = CompileProfile.Enabled ? GC.GetAllocatedBytesForCurrentThread() : 0;
        // plain loops over arrays: the compiler thread's own code must be precompiled (ReadyToRun), and LINQ over
        // value types is instantiated, jitted at Tier0 and re-jitted at run time (perf/issue14-ilcost.md)
        int count = 0;
        foreach (var b in blocks) count += b.Insns.Count;
        var defs = new InsnDef[count];
        var insnArr = new Insn[count];
        var addrs = new ulong[count];
        var lengths = new int[count];
        var blockStarts = new ulong[blocks.Count];
        var blockEnds = new ulong[blocks.Count];
        int writes = 0, uses = 0, k = 0;
        for (int bi = 0; bi < blocks.Count; bi++)
        {
            var b = blocks[bi];
            blockStarts[bi] = b.Start;
            var bl = b.Insns;
            for (int j = 0; j < bl.Count; j++)
            {
                var p = bl[j];
                defs[k] = p.Def; insnArr[k] = p.Insn; addrs[k] = p.Addr; lengths[k] = p.Length;
                // the analysis pass found the registers the region writes (only those are stored back) and
                // uses (only those are loaded): the region is translated once
                writes |= p.Facts.Writes; uses |= p.Facts.Reads | p.Facts.Writes;
                k++;
            }
            var last = bl[^1];
            blockEnds[bi] = last.Addr + (ulong)last.Length;
        }
        var data = new RegionData
        {
            Defs = defs, Insns = insnArr, Addrs = addrs, Lengths = lengths,
            UnchargeCycles = new ulong[count],
            UnchargeCount = new ulong[count],
            BlockStarts = blockStarts,
            BlockEnds = blockEnds,
            BlockKinds = new byte[blocks.Count],
        };
        for (int bi = 0; bi < blocks.Count; bi++)
            data.BlockKinds[bi] = (byte)(bi == 0 ? 0 : blocks[bi].Seed ? 1 : blocks[bi].IndirectTarget ? 2 : 3);
        var written = new bool[16];
        var used = new bool[16];
        for (int r = 0; r < 16; r++) { written[r] = (writes >> r & 1) != 0; used[r] = (uses >> r & 1) != 0; }
        var carried = compact ? [] : CarriedLoops(blocks);
        var resident = compact ? new bool[16] : Resident(blocks, carried);
        var method = Emit(key, blocks, data, written, used, resident, carried, compact, out var sites, out int ilBytes, out int locals, out var shape);
        if (ilBytes > maxIl) return null;
        data.ExitTargets = sites.ToArray();
        data.ExitLinks = new RegionEntry?[sites.Count];
        data.ExitMisses = new int[sites.Count];
        data.ExitBlocks = new Interpreter.DecodedBlock?[sites.Count];
        Array.Fill(data.ExitMisses, -1);
        double emitted = ThreadCpuMicroseconds();
        long alloc1 = CompileProfile.Enabled ? GC.GetAllocatedBytesForCurrentThread() : 0;
        if (CompileProfile.Enabled && emitted - start > 3000)
            CompileProfile.Line($"slow-emit {key.Address:x} {(key.Dat ? "dat" : "real")} {emitted - start:F0} us, GCs during it: gen0+ {GC.CollectionCount(0) - gc0}, gen2 {GC.CollectionCount(2) - gc2}");
        var run = (Func<Cpu, int, int>)method.CreateDelegate(typeof(Func<Cpu, int, int>), data);
        RuntimeHelpers.PrepareDelegate(run);
        double end = ThreadCpuMicroseconds();
        if (CompileProfile.Enabled) CompileProfile.Line($"alloc {key.Address:x} {count} {alloc1 - alloc0} {GC.GetAllocatedBytesForCurrentThread() - alloc1}");
        CompileProfile.Region(key, blocks.Count, count, sites.Count, ilBytes, locals, emitted - start, end - emitted);
        // (read after the timing: the reflection over the generator is not part of the emission)
        if (shape is { } sh) CompileProfile.ShapeLine(key, count, ilBytes, locals, s_ilShape, sh.Entries, sh.FlushStubs, sh.Way1Stubs, sites.Count, emitted - start, end - emitted);
        return new Region
        {
            Key = key, Data = data, Frames = frames, FrameGenerations = generations, InstructionCount = count,
            Run = run, CompileMicroseconds = end - start, EmitMicroseconds = emitted - start, IlBytes = ilBytes, Compact = compact,
        };
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec { public long Seconds, Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern unsafe int ClockGettime(int clock, Timespec* t); // blittable: no marshalling stub for RyuJIT to compile

    /// <summary>
    /// CPU time of the calling thread (Linux), so the compile cost reported does not count the time
    /// the compiler thread waited for a core; elsewhere wall time.
    /// </summary>
    public static unsafe double ThreadCpuMicroseconds()
    {
        const int ClockThreadCpuTimeId = 3;
        Timespec t;
        if (OperatingSystem.IsLinux() && ClockGettime(ClockThreadCpuTimeId, &t) == 0) return t.Seconds * 1e6 + t.Nanoseconds / 1e3;
        return Stopwatch.GetTimestamp() * 1e6 / Stopwatch.Frequency;
    }

    /// <summary>Cycles a simple instruction charges: the row's base cost and what its body adds for its operands.</summary>
    internal static ulong Cost(PlanInsn p) => (ulong)p.Def.Cycles + p.Facts.ExtraCycles;

    /// <summary>
    /// Registers kept in region-wide locals: at most this many (S390JIT_RESIDENT=N), the most used inside loops. 5 since
    /// perf/issue14-decomp2.md (decompressor phase +2-4 % against 4, 11 sequential pairs; qsort −9 %, sha256/sieve/crc32
    /// −1-3 % user time, boot even; 6 was slower).
    /// </summary>
    public static int MaxResident = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_RESIDENT"), out int n) ? n : 5;
    /// <summary>Weight of a use inside a carried (innermost) loop against one in another loop.</summary>
    public static int CarriedWeight = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_CARRIED_WEIGHT"), out int w) ? w : 8;

    /// <summary>
    /// The registers worth keeping in region-wide locals: those instructions inside the region's loops
    /// (a block between the target and the source of a backward jump within the region) use most, at
    /// least twice. The others are cached per block (loaded at first use, stored at the block's exits).
    /// </summary>
    /// <summary>
    /// Carried loops (see <see cref="RegionEmitter.CarriedLoop"/>), loops of at most <see cref="MaxCarriedRegisters"/>
    /// registers; S390JIT_CARRIED_LOOPS=0 turns them off (perf/issue14-hotloops.md: without the register limit
    /// sha256 lost 35 %; with it sieve gains ~15 % user CPU and the others are even).
    /// </summary>
    public static bool CarryLoops = Environment.GetEnvironmentVariable("S390JIT_CARRIED_LOOPS") != "0";
    /// <summary>At most this many registers (resident ones included) used in a carried loop.</summary>
    public static int MaxCarriedRegisters = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_CARRIED_MAX"), out int m) ? m : 8;

    /// <summary>
    /// A loop using more than <see cref="MaxCarriedRegisters"/> registers is carried with only its most used ones
    /// (<see cref="CarriedSet"/>), the others loaded and stored per block; S390JIT_PARTIAL_CARRY=0: such a loop is
    /// not carried at all (the former rule).
    /// </summary>
    public static bool PartialCarry = Environment.GetEnvironmentVariable("S390JIT_PARTIAL_CARRY") != "0";

    /// <summary>
    /// The registers a carried loop [first, last] keeps in locals across its edges: all it uses when they are at most
    /// <see cref="MaxCarriedRegisters"/> (resident ones included), else the resident ones it uses and the heaviest others up
    /// to that limit. A register's weight is what carrying it saves per pass: one load in every block that reads it
    /// and one store in every block that writes it (ties: more instructions using it, then the lower register).
    /// </summary>
    /// <summary>At most this many registers (resident ones included) carried in a loop that uses more than <see cref="MaxCarriedRegisters"/>.</summary>
    public static int MaxPartialCarried = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_PARTIAL_MAX"), out int pm) ? pm : 4;

    internal static int CarriedSet(List<PlanBlock> blocks, int first, int last, bool[] resident)
    {
        int uses = 0;
        var weight = new int[16];
        var count = new int[16];
        for (int i = first; i <= last; i++)
        {
            int reads = 0, writes = 0;
            foreach (var p in blocks[i].Insns)
            {
                reads |= p.Facts.Reads; writes |= p.Facts.Writes;
                int u = p.Facts.Reads | p.Facts.Writes;
                for (int r = 0; r < 16; r++) if ((u >> r & 1) != 0) count[r]++;
            }
            uses |= reads | writes;
            for (int r = 0; r < 16; r++) weight[r] += (reads >> r & 1) + (writes >> r & 1);
        }
        if (System.Numerics.BitOperations.PopCount((uint)uses) <= MaxCarriedRegisters) return uses;
        int set = 0, n = 0;
        for (int r = 0; r < 16; r++) if ((uses >> r & 1) != 0 && resident[r]) { set |= 1 << r; n++; }
        for (; n < MaxPartialCarried; n++)
        {
            int best = -1;
            for (int r = 0; r < 16; r++)
            {
                if ((uses >> r & 1) == 0 || (set >> r & 1) != 0) continue;
                if (best < 0 || weight[r] > weight[best] || (weight[r] == weight[best] && count[r] > count[best])) best = r;
            }
            if (best < 0) break;
            set |= 1 << best;
        }
        return set;
    }

    /// <summary>
    /// Innermost loops whose registers stay in locals across their edges: block index ranges [First, Last]
    /// closed by a jump from the last block back to the first, none overlapping another, shortest first,
    /// with only simple instructions (a helper may change any register).
    /// </summary>
    internal static List<(int First, int Last)> CarriedLoops(List<PlanBlock> blocks)
    {
        var chosen = new List<(int First, int Last)>();
        if (!CarryLoops) return chosen;
        var index = new Dictionary<ulong, int>();
        for (int i = 0; i < blocks.Count; i++) index[blocks[i].Start] = i;
        var backEdges = new List<(int First, int Last)>();
        for (int i = 0; i < blocks.Count; i++)
            foreach (var (t, _) in blocks[i].Insns[^1].Facts.Jumps)
                if (t is ulong target && index.TryGetValue(target, out int j) && j <= i) backEdges.Add((j, i));
        // a loop using more registers than the host can keep in its own (with the temps of its instructions) is
        // not carried: RyuJIT would spill the loop's locals to its stack frame, which costs more than the
        // per-block loads and stores through the CPU (sha256's rounds use 13 registers)
        bool Simple(int first, int last)
        {
            int uses = 0;
            for (int i = first; i <= last; i++)
                foreach (var p in blocks[i].Insns)
                {
                    if (!p.Def.IsSimple) return false;
                    uses |= p.Facts.Reads | p.Facts.Writes;
                }
            return PartialCarry || System.Numerics.BitOperations.PopCount((uint)uses) <= MaxCarriedRegisters;
        }
        // per loop head, all its back edges as one loop (a dispatch loop's cases all jump back to its head)
        // when that is possible, else each back edge's own range (heads in order of their first back edge)
        var candidates = new List<(int First, int Last)>();
        var headDone = new bool[blocks.Count];
        for (int e = 0; e < backEdges.Count; e++)
        {
            int head = backEdges[e].First;
            if (headDone[head]) continue;
            headDone[head] = true;
            int last = backEdges[e].Last;
            for (int f = e + 1; f < backEdges.Count; f++) if (backEdges[f].First == head && backEdges[f].Last > last) last = backEdges[f].Last;
            if (Simple(head, last)) { candidates.Add((head, last)); continue; }
            for (int f = e; f < backEdges.Count; f++)
                if (backEdges[f].First == head && !candidates.Contains(backEdges[f])) candidates.Add(backEdges[f]);
        }
        // shortest first (a stable sort: equal lengths keep their order)
        var order = new int[candidates.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        for (int i = 1; i < order.Length; i++)
        {
            int x = order[i], j = i - 1;
            int len = candidates[x].Last - candidates[x].First;
            while (j >= 0 && candidates[order[j]].Last - candidates[order[j]].First > len) { order[j + 1] = order[j]; j--; }
            order[j + 1] = x;
        }
        var taken = new bool[blocks.Count];
        foreach (int o in order)
        {
            var c = candidates[o];
            bool ok = Simple(c.First, c.Last);
            for (int i = c.First; i <= c.Last && ok; i++) ok = !taken[i];
            if (!ok) continue;
            for (int i = c.First; i <= c.Last; i++) taken[i] = true;
            chosen.Add(c);
        }
        return chosen;
    }

    internal static bool[] Resident(List<PlanBlock> blocks) => Resident(blocks, []);

    internal static bool[] Resident(List<PlanBlock> blocks, List<(int First, int Last)> carried)
    {
        var resident = new bool[16];
        if (MaxResident <= 0) return resident;
        var starts = new HashSet<ulong>();
        foreach (var b in blocks) starts.Add(b.Start);
        var loops = new List<(ulong From, ulong To)>();
        foreach (var b in blocks)
        {
            var last = b.Insns[^1];
            foreach (var (t, _) in last.Facts.Jumps)
                if (t is ulong target && starts.Contains(target) && target <= last.Addr) loops.Add((target, last.Addr));
        }
        if (loops.Count == 0) return resident;
        var weight = new int[16];
        var inCarried = new bool[blocks.Count];
        foreach (var (first, last) in carried) for (int i = first; i <= last; i++) inCarried[i] = true;
        for (int bi = 0; bi < blocks.Count; bi++)
        {
            var b = blocks[bi];
            bool inLoop = false;
            foreach (var l in loops) if (b.Start >= l.From && b.Start <= l.To) { inLoop = true; break; }
            if (!inLoop) continue;
            // innermost loops (carried) weigh most: their registers not made resident are carried in the loop's own locals
            int w = inCarried[bi] ? CarriedWeight : 1;
            foreach (var p in b.Insns)
            {
                int use = p.Facts.Reads | p.Facts.Writes;
                for (int r = 0; r < 16; r++) if ((use >> r & 1) != 0) weight[r] += w;
            }
        }
        // the MaxResident heaviest (at least 2), ties to the lower register
        for (int n = 0; n < MaxResident; n++)
        {
            int best = -1;
            for (int r = 0; r < 16; r++)
                if (!resident[r] && weight[r] >= 2 && (best < 0 || weight[r] > weight[best])) best = r;
            if (best < 0) break;
            resident[best] = true;
        }
        return resident;
    }

    private static unsafe DynamicMethod Emit(RegionKey key, List<PlanBlock> blocks, RegionData data, bool[] flushSet, bool[] loadSet, bool[] resident,
        List<(int First, int Last)> carried, bool compact, out List<ulong> exitSites, out int ilBytes, out int locals,
        out (int Entries, int FlushStubs, int Way1Stubs)? shape)
    {
        string name = $"blk_{key.Address:x}_{key.Mode}";
        var dm = new DynamicMethod(name, typeof(int), [typeof(RegionData), typeof(Cpu), typeof(int)], typeof(RegionEmitter).Module, skipVisibility: true);
        var il = IlWriter.For(dm);
        var e = new RegionEmitter(il, key.Mode, key.FixedOverflowMask, flushSet, loadSet, resident);
        e.Dat = key.Dat;
        e.IdentityRegion = !key.Dat && s_identity;
        // (compact code returns to the dispatcher at every exit: the dispatcher sees its runs, RegionData.Heat)
        e.ChainInCode = !key.Dat && RegionEmitter.ChainInCodeOn && !compact;
        e.Compact = compact;
        var labels = new Dictionary<ulong, Label>(blocks.Count);
        var blockLabels = new Label[blocks.Count];
        var seeds = new HashSet<ulong>();
        int nIndirect = 0;
        for (int i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            labels.Add(b.Start, blockLabels[i] = il.DefineLabel());
            if (b.IndirectTarget) nIndirect++;
            if (b.Seed) seeds.Add(b.Start);
        }
        e.BlockLabel = a => labels.TryGetValue(a, out var l) ? l : null;
        // the indirect targets in address order (insertion sort: block starts are distinct)
        var indirect = new (ulong Addr, Label Label)[nIndirect];
        nIndirect = 0;
        for (int i = 0; i < blocks.Count; i++)
        {
            if (!blocks[i].IndirectTarget) continue;
            int j = nIndirect++;
            while (j > 0 && indirect[j - 1].Addr > blocks[i].Start) { indirect[j] = indirect[j - 1]; j--; }
            indirect[j] = (blocks[i].Start, blockLabels[i]);
        }
        e.IndirectTargets = indirect;
        e.Seeds = seeds;
        e.CallSites = CallSites(blocks, e.AddrMask);
        // carried loops: each block of one has an inner label the loop's own edges jump to
        var loopOf = new RegionEmitter.CarriedLoop?[blocks.Count];
        var inner = new Label[blocks.Count];
        foreach (var (first, last) in carried)
        {
            int uses = 0, writes = 0;
            for (int i = first; i <= last; i++)
                foreach (var p in blocks[i].Insns) { uses |= p.Facts.Reads | p.Facts.Writes; writes |= p.Facts.Writes; }
            var loop = e.NewCarriedLoop(uses & CarriedSet(blocks, first, last, resident), writes);
            for (int i = first; i <= last; i++)
            {
                loopOf[i] = loop;
                inner[i] = il.DefineLabel();
                loop.Inner[labels[blocks[i].Start]] = inner[i];
            }
        }
        int ilHead = 0, ilTail = 0, ilInsns = 0;
        var marks = CompileProfile.Dumping ? new List<(int, string)>() : null;
        e.Prologue();
        // events: one check at entry against the entry block's bound, then only at the check points (see EventBounds)
        data.EntryBounds = EventBounds(blocks, out var checkPoint, out var succ);
        var blockOf = new Dictionary<Label, int>();
        for (int i = 0; i < blocks.Count; i++) blockOf[labels[blocks[i].Start]] = i;
        var stepEntry = e.EntryEventCheck();
        // every block start is an entry: the third argument selects it
        il.Emit(OpCodes.Ldarg_2);
        var entries = new Label[blocks.Count];
        var entryChecks = new List<int>();
        for (int i = 0; i < blocks.Count; i++)
        {
            entries[i] = Entry(blocks, i) ? blockLabels[i] : stepEntry;
            // (RegionEmitter.EntryChecksInline) an entry block that is not a check point gets a stub with its bound
            if (RegionEmitter.EntryChecksInline && Entry(blocks, i) && !checkPoint[i]) { entries[i] = il.DefineLabel(); entryChecks.Add(i); }
        }
        il.Emit(OpCodes.Switch, entries);
        il.Emit(OpCodes.Br, entries[0]);
        foreach (int i in entryChecks) { il.MarkLabel(entries[i]); e.EntryCheck(blockLabels[i], stepEntry, data.EntryBounds[i]); }
        int index = 0;
        int ilPrologue = il.ILOffset;
        for (int bi = 0; bi < blocks.Count; bi++)
        {
            var block = blocks[bi];
            int ilBlock = il.ILOffset;
            marks?.Add((ilBlock, $"block {block.Start:x}"));
            il.MarkLabel(labels[block.Start]);
            if (loopOf[bi] is { } loop) e.BeginLoopBlock(loop, inner[bi]);
            else e.BeginBlock();
            e.ForgetCc();
            e.BlockPlan = block.Insns; // (look-ahead of the block's storage accesses, RegionEmitter.Reuse)
            if (checkPoint[bi]) e.EventCheck(block.Start, block.Index, (ulong)data.EntryBounds[bi]);
            e.Edges.Clear();
            bool vector = false, afp = false;
            int once = 0, more = 0;
            ulong blockCycles = 0, blockCount = 0;
            foreach (var p in block.Insns)
            {
                vector |= p.Facts.NeedsVector;
                afp |= p.Facts.NeedsAfp;
                more |= (once & p.Facts.Reads) | p.Facts.MultiReads; once |= p.Facts.Reads;
                if (p.Def.IsSimple) { blockCycles += Cost(p); blockCount++; }
            }
            e.AfpCheck(!vector && afp, block.Start, block.Index);
            e.VectorCheck(vector, block.Start, block.Index);
            e.SingleReads = once & ~more;
            e.Charge(blockCycles, blockCount);
            ulong chargedCycles = blockCycles, chargedCount = blockCount;
            int ilBody = il.ILOffset;
            ilHead += ilBody - ilBlock;
            foreach (var pi in block.Insns)
            {
                int ilStart = il.ILOffset;
                marks?.Add((ilStart, $"{pi.Addr:x} {pi.Def.Mnemonic}"));
                e.BeginInstruction(index, pi.Addr, pi.Length);
                if (pi.CrossPage is var (page2, frame2)) e.FetchGuard(page2, frame2);
                e.StayOnMiss = pi.StayOnMiss;
                e.IdentityInsn = pi.Insn.X2 != 0 && pi.Insn.B2 != 0;
                if (pi.Def.IsSimple)
                {
                    chargedCycles -= Cost(pi);
                    chargedCount--;
                    data.UnchargeCycles[index] = chargedCycles + Cost(pi);
                    data.UnchargeCount[index] = chargedCount + 1;
                    SimpleBodies<IlBackend, Val>.For(pi.Def)(new IlBackend(e), ref data.Insns[index]);
                }
                else e.CallHelper(index, pi.Def, pi.Addr, pi.Length);
                e.EndInstruction();
                if (CompileProfile.Enabled) CompileProfile.Insn(pi.Def.Mnemonic, il.ILOffset - ilStart, pi.Def.IsSimple);
                index++;
            }
            int ilEnd = il.ILOffset;
            marks?.Add((ilEnd, "tail"));
            ilInsns += ilEnd - ilBody;
            if (block.FallThrough is ulong ft)
            {
                if (bi + 1 < blocks.Count && blocks[bi + 1].Start == ft) e.FallInto(labels[ft]);
                else if (labels.TryGetValue(ft, out var next)) e.JumpToBlock(next);
                else e.ExitTo(ft);
            }
            else e.ExitTo(block.Insns[^1].Addr + (ulong)block.Insns[^1].Length); // not reached: the last instruction left the block
            ilTail += il.ILOffset - ilEnd;
            // the bounds hold only if every edge the emitter made is one EventBounds followed or ends at a check point
            foreach (var target in e.Edges)
                if (!checkPoint[blockOf[target]] && !succ[bi].Contains(blockOf[target]))
                {
                    CompileProfile.Line($"error region {key.Address:x}: edge {block.Start:x} -> {blocks[blockOf[target]].Start:x} not in the event bounds");
                    throw new InvalidOperationException($"region {key.Address:x}: edge from block {block.Start:x} to {blocks[blockOf[target]].Start:x} not known to the event bounds");
                }
        }
        int ilBodyEnd = il.ILOffset;
        marks?.Add((ilBodyEnd, "epilogue (miss, way-1, flush stubs, exit)"));
        e.Epilogue();
        exitSites = e.ExitSites;
        if (CompileProfile.Enabled)
            CompileProfile.Line($"parts {key.Address:x} {index} {ilPrologue} {ilHead} {ilInsns} {ilTail} {e.EpilogueParts} {il.ILOffset - ilBodyEnd}");
        ilBytes = il.ILOffset;
        if (compact && CompactMinOpts)
        {
            // RyuJIT compiles a method with more than 2000 locals without optimization (its retail MinOpts limit,
            // DEFAULT_MIN_OPTS_LV_NUM_COUNT): the unused locals below get frame slots, not initialised (no localsinit)
            dm.InitLocals = false;
            il.PadLocals = MinOptsLocals;
        }
        il.Bake();
        il.PadLocals = 0;
        if (marks != null) CompileProfile.Dump(key, il, marks); // (branch offsets resolved)
        locals = 0;
        shape = null;
        if (CompileProfile.Enabled)
        {
            locals = il.LocalCount;
            int nEntries = 0;
            for (int i = 0; i < blocks.Count; i++) if (Entry(blocks, i)) nEntries++;
            shape = (nEntries, e.FlushStubCount, e.Way1StubCount);
            s_ilShape = CompileProfile.Shape(il);
        }
        return dm;
    }

    [ThreadStatic] private static (int, int, int, int, int, int, int) s_ilShape;

    private static string? s_entries = Environment.GetEnvironmentVariable("S390JIT_ENTRIES");
    /// <summary>Whether block <paramref name="i"/> is a target of the entry switch (else entering there is a step exit). Measurement switch S390JIT_ENTRIES=first|seeds.</summary>
    private static bool Entry(List<PlanBlock> blocks, int i) => s_entries switch
    {
        "first" => i == 0,
        "seeds" => i == 0 || blocks[i].Seed || blocks[i].IndirectTarget,
        _ => true,
    };

    /// <summary>S390JIT_EVENT_CHECKS=blocks: an event check at every block start (the former scheme; measurement switch).</summary>
    internal static bool CheckEveryBlock = Environment.GetEnvironmentVariable("S390JIT_EVENT_CHECKS") == "blocks";

    /// <summary>
    /// Where compiled code checks for due events, and against how many cycles. The check points are the targets of
    /// backward edges (every cycle of the region's graph has one, so no loop runs unchecked) and the blocks after a
    /// helper (its cost and its effect on the event time are not static); the region's entry checks too (prologue).
    /// A check point's bound is the most cycles any path from it may consume before an instruction boundary that is
    /// not checked again: the boundaries inside the blocks up to the next check point or region exit. When fewer
    /// cycles remain before the event, the region leaves with a step exit and the interpreter runs the block with
    /// its per-instruction checks: events are taken at the same boundaries and cycles as in the interpreter.
    /// <para>Returns the bound of every block (the entry check uses it); <paramref name="check"/> marks check points,
    /// <paramref name="succ"/> the in-region successors (a computed jump may reach every indirect target).</para>
    /// </summary>
    internal static long[] EventBounds(List<PlanBlock> blocks, out bool[] check, out List<int>[] succ)
    {
        int n = blocks.Count;
        var index = new Dictionary<ulong, int>();
        for (int i = 0; i < n; i++) index[blocks[i].Start] = i;
        var indirect = new List<int>();
        for (int i = 0; i < n; i++) if (blocks[i].IndirectTarget) indirect.Add(i);
        succ = new List<int>[n];
        check = new bool[n];
        for (int i = 0; i < n; i++)
        {
            var s = succ[i] = new List<int>();
            var last = blocks[i].Insns[^1];
            foreach (var (t, _) in last.Facts.Jumps)
            {
                if (t is ulong target) { if (index.TryGetValue(target, out int j)) s.Add(j); }
                else s.AddRange(indirect);
            }
            if (blocks[i].FallThrough is ulong ft && index.TryGetValue(ft, out int f)) s.Add(f);
            foreach (int j in s)
                if (j <= i || !last.Def.IsSimple || CheckEveryBlock) check[j] = true;
        }
        if (CheckEveryBlock) Array.Fill(check, true);
        // the remaining edges (into blocks that are not check points) go forward: one pass from the last block
        var bound = new long[n];
        for (int i = n - 1; i >= 0; i--)
        {
            var insns = blocks[i].Insns;
            long before = 0, all = 0;
            for (int k = 0; k < insns.Count; k++)
            {
                long c = insns[k].Def.IsSimple ? (long)Cost(insns[k]) : 0;
                if (k < insns.Count - 1) before += c; // boundaries inside the block: before its last instruction
                all += c;
            }
            long b = before;
            foreach (int j in succ[i])
            {
                if (check[j]) continue;
                if (j <= i) throw new InvalidOperationException("event bounds: a backward edge into a block without a check");
                b = Math.Max(b, all + bound[j]);
            }
            bound[i] = b;
        }
        return bound;
    }

    /// <summary>The region's calls: callee entry (null when computed) and return point.</summary>
    private static (ulong? Entry, ulong Return)[] CallSites(List<PlanBlock> blocks, ulong mask)
    {
        var sites = new List<(ulong?, ulong)>();
        foreach (var b in blocks)
        {
            var last = b.Insns[^1];
            ulong ret = (last.Addr + (ulong)last.Length) & mask;
            switch (last.Def.Mnemonic)
            {
                case "BRAS" or "BRASL": sites.Add((((last.Addr + (ulong)(last.Insn.RI2 * 2)) & mask), ret)); break;
                case "BAS" or "BASR" or "BAL" or "BALR" or "BASSM": sites.Add((null, ret)); break;
            }
        }
        return sites.ToArray();
    }
}
