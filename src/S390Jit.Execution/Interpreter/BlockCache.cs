using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;
using S390Jit.Execution.Jit;

namespace S390Jit.Execution.Interpreter;

/// <summary>What the optimising tier is told about interpreted code (the JIT engine's heat policy).</summary>
public interface IHotBlockSink
{
    /// <summary>
    /// The block at <paramref name="key"/> reached the hot threshold and has no compiled code: compile it (or not).
    /// </summary>
    HotBlockAction BlockHot(Cpu cpu, RegionKey key, out HotCounter? waiting);
}

/// <summary>
/// A pending compile's heat: first-tier entries of a hot block while its region is being compiled (written by the
/// vcpu thread; the compiler thread reads it to pick the hottest job first).
/// </summary>
public class HotCounter
{
    public long Heat;
}

/// <summary>What the first tier does with a hot block after <see cref="IHotBlockSink.BlockHot"/>.</summary>
public enum HotBlockAction
{
    /// <summary>
    /// Run it interpreted (its compile is pending): chains run on through it until the next publication, counting the
    /// entries into the waiting compile's heat; then the engine's loop looks it up again.
    /// </summary>
    Interpret,
    /// <summary>Compiled code for the key exists now: return to the engine's loop without running anything.</summary>
    Dispatch,
    /// <summary>The key can never be compiled: run it interpreted and stop counting it.</summary>
    Never,
}

/// <summary>
/// The first tier: a pre-decoded, threaded interpreter. Instructions are fetched and decoded once into
/// <see cref="DecodedBlock"/>s kept by <see cref="RegionKey"/>; running a block is, per instruction, the
/// interpreter's own step without fetch and decode: the same PSW, instruction address and length set
/// before the row's checks and its one semantic body (<see cref="Cpu.Execute"/>, the interpreter
/// instantiation), the same cycles and count, the event check at every instruction boundary, program
/// interruptions thrown from the same state. Blocks follow one another through one-entry successor
/// caches without going back to the caller until a block is hot (the optimising tier may have code for it),
/// an instruction that changes control state ends, or a few thousand instructions ran.
/// <para>Self-modifying code: a block's frame is in the code watch; a store there (by any CPU, or the host)
/// bumps the frame's generation, stops the running block after the storing instruction, and makes every
/// block of the frame decode again. Translation: a block is entered only when the instruction-fetch cache
/// maps its page to the frame it was decoded from (so DAT, prefixing and address-space switches need no
/// logic here); on a miss the interpreter's <see cref="Cpu.Step"/> runs one instruction, which fills the cache.</para>
/// </summary>
public sealed unsafe class BlockCache
{
    public const int MaxInstructions = 64;
    /// <summary>Instructions one call runs through chained blocks before returning to the engine's loop.</summary>
    public const int ChainBudget = 4096;
    private const int MaxBlocks = 1 << 16;
    /// <summary>
    /// S390JIT_FT_SUPER=1: blocks run on through conditional branches (a taken one leaves the block there). Off by default:
    /// on the kernel boot it halves first-tier blocks but adds ~20 % region runs and ~10 % vcpu CPU in the DAT phase
    /// (perf/issue14-ftdat.md).
    /// </summary>
    private static readonly bool s_superblocks = Environment.GetEnvironmentVariable("S390JIT_FT_SUPER") == "1";

    private readonly CodeWatch _watch;
    private readonly List<Cpu> _cpus = [];
    private readonly Dictionary<RegionKey, DecodedBlock> _blocks = new(RegionKeyComparer.Instance);
    private readonly DecodedBlock?[] _fast = new DecodedBlock?[4096];
    /// <summary>The blocks decoded from each absolute frame (a store into the frame's code makes them stale).</summary>
    private readonly Dictionary<ulong, List<DecodedBlock>> _byFrame = new();
    /// <summary>
    /// Addresses after a conditional branch inside a block (where execution falls through without entering a block):
    /// the block and the branch's index, for <see cref="Entered"/>.
    /// </summary>
    private readonly Dictionary<RegionKey, (DecodedBlock Block, int Index)> _inner = new(RegionKeyComparer.Instance);
    /// <summary>Indexes of the conditional branches inside the block being decoded.</summary>
    private readonly List<int> _innerScratch = new();
    private ulong[] _facilities = [];
    /// <summary>
    /// The entry of a block start at which it is decoded (S390JIT_FT_DECODE_AFTER, default 2): before that the stepper runs
    /// it (<see cref="StepLine"/>). Decoding a kernel block costs ~4 us, stepping its ~5 instructions ~0.2 us with the
    /// engine's round trip, and kernel init runs ~19 k of its ~43 k blocks once (perf/issue14-ft2.md). Only under the
    /// JIT's production policy (<see cref="HotThreshold"/> of 1000 or more, not the first tier alone): low thresholds
    /// (tests) and <c>--engine tier1</c> decode at the first entry.
    /// </summary>
    private static readonly int s_decodeAfter = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_FT_DECODE_AFTER"), out int n) && n >= 1 ? n : 2;
    /// <summary>Entries of block starts not decoded yet (direct-mapped by address; a conflict starts the count again).</summary>
    private readonly (ulong Address, int Count)[] _sightings = new (ulong, int)[1 << 14];
    /// <summary><see cref="Find"/>'s answer for a block start seen fewer than <see cref="s_decodeAfter"/> times: step it.</summary>
    private static readonly DecodedBlock s_notYet = new()
    {
        Key = default, Insns = [], Host = null, Frame = 0, End = 0, Chains = false, Stale = true,
    };
    /// <summary>The instructions of the block being decoded (copied out once the block is known to be usable).</summary>
    private readonly DecodedInsn[] _scratch = new DecodedInsn[MaxInstructions];

    public BlockCache(CodeWatch watch) => _watch = watch;

    /// <summary>Block entries before <see cref="IHotBlockSink.BlockHot"/> is asked (int.MaxValue: never).</summary>
    public int HotThreshold { get; set; } = 40;
    /// <summary>
    /// Guest instructions a CPU runs before blocks are translated to native code (the JIT's warm-up: the first translation
    /// costs ~5 ms of first-use work, as much as the hello guest's whole run; 0 for the first tier alone).
    /// </summary>
    public ulong NativeFrom { get; set; }

    /// <summary>
    /// Counts publications of compiled code (the engine bumps it whenever entries may have been added): a hot block whose
    /// lookup found no compiled code at this epoch needs no new lookup until it changes.
    /// </summary>
    public int PublishEpoch;

    /// <summary>Counters for --stats and the measurements.</summary>
    public long BlocksDecoded, FetchMisses, FetchRefills, Flushes;
    /// <summary>Diagnostics (S390JIT_PHASES): calls of <see cref="Run"/>, blocks run, successor-cache misses, re-decodes of stale blocks, chain ends by reason.</summary>
    public long Calls, BlocksRun, SuccessorMisses, StaleDecodes, EndHot, EndNoChain, EndStop, EndBudget, EndNoBlock;

    /// <summary>
    /// The block a chain of <see cref="Run"/> ended before because it is hot (the PSW is at its start; the chain's key with its
    /// address is its key, and it is valid in the current translation): the engine takes it (and clears it) to enter its region.
    /// </summary>
    public DecodedBlock? HotBlock;

    /// <summary>The block a call of <see cref="Run"/> looked up to start from (null: none, or the caller's cached one); the caller clears it.</summary>
    public DecodedBlock? Started;

    /// <summary>A CPU whose write cache must forget frames that become code (every vcpu of a VM).</summary>
    public void Attach(Cpu cpu)
    {
        if (!_cpus.Contains(cpu)) _cpus.Add(cpu);
        cpu.NativeTargets = (nint)Unsafe.AsPointer(ref _nativeTargets[0]);
    }

    /// <summary>
    /// This cache's translated blocks by guest address (<see cref="Native.NativeBlocks.TargetSlots"/> slots), pinned: the CPUs' chain
    /// stubs read it (<see cref="Cpu.NativeTargets"/>).
    /// </summary>
    private readonly nint[] _nativeTargets = GC.AllocateArray<nint>(Native.NativeBlocks.TargetSlots, pinned: true);

    /// <summary>
    /// Absolute frame <paramref name="frame"/> is newly watched (holds code): every attached CPU's write cache forgets
    /// it, so stores there take the slow path, which reports them.
    /// </summary>
    public void ForgetWrites(ulong frame)
    {
        // (through Cpu: code of this assembly reading Cpu's TLB arrays is refused by ReadyToRun, perf/startup.md)
        foreach (var c in _cpus) c.ForgetWriteFrame(c.Mem + (frame << 12));
    }

    /// <summary>
    /// Whether code at <paramref name="key"/> has run in this tier: a block there was entered since it was decoded, or
    /// execution fell through a conditional branch inside a block to it.
    /// </summary>
    public bool Entered(RegionKey key) =>
        (_blocks.TryGetValue(key, out var b) && (b.Heat != 0 || (b.Desc != 0 && ((Native.NativeDesc*)b.Desc)->Chained != 0))) || (_inner.TryGetValue(key, out var i) && i.Block.Reached > i.Index);

    /// <summary>
    /// A watched frame was stored into at the chunks of <paramref name="chunks"/>: its blocks with bytes there are stale
    /// (S390JIT_FRAME_INVALIDATE=1: every block of the frame). Returns the chunks the frame's remaining blocks hold.
    /// </summary>
    public ulong FrameWritten(ulong frame, ulong chunks)
    {
        if (!_byFrame.TryGetValue(frame, out var list)) return 0;
        if (s_wholeFrame) chunks = ~0UL;
        ulong left = 0;
        int keep = 0;
        for (int i = 0; i < list.Count; i++)
        {
            var b = list[i];
            ulong mine = Chunks(b, frame);
            if (b.Stale || (mine & chunks) != 0) { MarkStale(b); continue; }
            left |= mine;
            list[keep++] = b;
        }
        list.RemoveRange(keep, list.Count - keep);
        if (keep == 0) _byFrame.Remove(frame);
        return left;
    }

    /// <summary>S390JIT_FRAME_INVALIDATE=1: a store into any code of a frame drops all its translations (measurement switch).</summary>
    internal static readonly bool s_wholeFrame = Environment.GetEnvironmentVariable("S390JIT_FRAME_INVALIDATE") == "1";

    /// <summary>The code watch's chunks of <paramref name="frame"/> that block <paramref name="b"/>'s bytes occupy.</summary>
    private static ulong Chunks(DecodedBlock b, ulong frame)
    {
        ulong start = b.Key.Address, end = b.End, pageEnd = (start | Cpu.PageMask) + 1;
        if (frame == b.Frame) return CodeWatch.Chunks((b.Frame << 12) | (start & Cpu.PageMask), (end > pageEnd || end < start ? pageEnd : end) - start);
        return b.Host2 != null && frame == b.Frame2 ? CodeWatch.Chunks(b.Frame2 << 12, end - pageEnd) : ~0UL;
    }

    /// <summary>The code watch was cleared: every block is stale.</summary>
    public void Clear()
    {
        foreach (var list in _byFrame.Values)
            foreach (var b in list) MarkStale(b);
        _byFrame.Clear();
        _blocks.Clear();
        _inner.Clear();
        Array.Clear(_fast);
        Array.Clear(_nativeTargets);
        Flushes++;
    }

    /// <summary>
    /// Runs blocks from the current PSW (whose key is <paramref name="key"/>) until control state changes,
    /// a hot block is reached (when <paramref name="sink"/> is given), an event exit, or the chain budget.
    /// Without a usable block (a page not in the fetch cache, lowcore, an undecodable instruction) it steps one
    /// instruction with <see cref="Cpu.Step"/>.
    /// </summary>
    public CpuExit Run(Cpu cpu, RegionKey key, IHotBlockSink? sink)
    {
        return Run(cpu, key, sink, null);
    }

    /// <summary>
    /// <see cref="Run(Cpu, RegionKey, IHotBlockSink?)"/> starting from <paramref name="cached"/> (the caller's block for this
    /// start, e.g. a region exit's) while it is the key's and valid, without a lookup; otherwise from the block
    /// <see cref="Find"/> gives, left in <see cref="Started"/> for the caller to cache.
    /// </summary>
    public CpuExit Run(Cpu cpu, RegionKey key, IHotBlockSink? sink, DecodedBlock? cached)
    {
        if (HotThreshold == int.MaxValue) sink = null;
        // the cached bodies assumed the facility list they were decoded under (the SIE loads the guest's at entry)
        if (!cpu.Facilities.AsSpan().SequenceEqual(_facilities))
        {
            Clear();
            _facilities = (ulong[])cpu.Facilities.Clone();
        }
        Calls++;
        var b = cached;
        if (b == null || b.Key != key || !Valid(cpu, b))
        {
            b = Find(cpu, key, true);
            if (b == s_notYet) { Started = null; return StepLine(cpu, cpu.PswMask); }
            Started = b;
        }
        if (b == null)
        {
            FetchMisses++;
            if (cpu.Cycles >= cpu.EventCycle)
            {
                ulong before = cpu.PswAddr;
                var e = cpu.ServiceEvents();
                if (e != CpuExit.None || cpu.PswAddr != before) return e;
            }
            // the fetch cache may just not hold the page (or the next one, for an instruction crossing into it): translate
            // them as the instruction fetch would (no exception state is left behind; the stepper raises any exception)
            if (Refill(cpu, key.Address))
            {
                FetchRefills++;
                Started = b = Find(cpu, key);
            }
            if (b == null) return cpu.Step();
        }
        if (b.Desc != 0) FoldChained(b);
        if (sink != null && b.Heat >= 0)
        {
            // the T-th entry (T = HotThreshold) asks the optimising tier, as does every later one while the key has
            // no compiled code (the engine found none before calling)
            if (b.Heat < HotThreshold) b.Heat = (int)Math.Min(HotThreshold, (long)b.Heat + b.HeatStep);
            if (b.Heat >= HotThreshold)
                switch (sink.BlockHot(cpu, key, out var waiting))
                {
                    case HotBlockAction.Dispatch: return CpuExit.None;
                    case HotBlockAction.Never: b.Heat = int.MinValue; break;
                    // the engine found no compiled code for the key (before calling), and none was published since
                    default: b.NoCodeEpoch = PublishEpoch; b.Waiting = waiting; break;
                }
            // (a compile may have dropped the translation caches or every block)
            if (!Valid(cpu, b)) return CpuExit.None;
        }
        var watch = _watch;
        int budget = ChainBudget;
        ulong mask = cpu.PswMask;
        bool native = cpu.Instructions >= NativeFrom;
        while (true)
        {
            watch.CodeModified = false;
            var x = Execute(cpu, ref b, watch, mask, ref budget, out int at, native);
            var insns = b.Insns;
            BlocksRun++;
            if (x != Continue) { if (x == Stop) EndStop++; return x == Stop ? CpuExit.None : x; }
            if (at > b.Reached) b.Reached = at;
            // continue in the next block: only after a plain branch (or falling through), with the PSW mask unchanged
            // (a branch inside the block is a simple body: a taken one left it here)
            bool last = at == insns.Length - 1;
            if (last && !b.Chains) { EndNoChain++; return CpuExit.None; }
            budget -= at + 1;
            if (budget <= 0) { EndBudget++; return CpuExit.None; }
            ulong next = cpu.PswAddr;
            bool fell = last && next == b.End;
            ref var exit = ref insns[at];
            var s = fell ? b.FallThrough : exit.Taken;
            // a successor in the block's page and frame needs no translation check: the page was checked when the chain
            // entered it, and any translation change since stopped the chain (CodeModified)
            if (s == null || s.Key.Address != next || (s.Host == b.Host && s.Key.Address >> 12 == b.Key.Address >> 12 && s.Host2 == null ? s.Stale : !Valid(cpu, s)))
            {
                SuccessorMisses++;
                s = Find(cpu, key with { Address = next }, true);
                if (s == s_notYet) { EndNoBlock++; return StepLine(cpu, mask); }
                // a page the fetch cache lost (a conflict): translate it as the fetch of the next instruction will (no
                // event is due at this boundary, so that fetch comes next)
                if (s == null && cpu.Cycles < cpu.EventCycle && Refill(cpu, next))
                {
                    FetchRefills++;
                    s = Find(cpu, key with { Address = next });
                }
                if (s == null) { EndNoBlock++; return CpuExit.None; }
                if (fell) b.FallThrough = s; else exit.Taken = s;
            }
            if (s.Desc != 0)
            {
                FoldChained(s);
                if (b.Desc != 0 && last) Link(b, s, fell, sink);
            }
            if (s.Heat >= 0 && sink != null)
            {
                // its T-th entry (or a later one, while hot) goes through the engine's loop, unless the loop found no
                // compiled code for it and nothing was published since (its compile is pending)
                if ((long)s.Heat + s.HeatStep >= HotThreshold)
                {
                    if (s.NoCodeEpoch != PublishEpoch) { EndHot++; HotBlock = s; return CpuExit.None; }
                    if (s.Waiting != null) s.Waiting.Heat++;
                }
                else s.Heat += s.HeatStep;
            }
            b = s;
        }
    }

    /// <summary>The entries native chains made into <paramref name="s"/> since the last time, added to its heat.</summary>
    private static void FoldChained(DecodedBlock s)
    {
        var d = (Native.NativeDesc*)s.Desc;
        long c = d->Chained;
        if (c == 0) return;
        d->Chained = 0;
        if (s.Heat >= 0) s.Heat = (int)Math.Min(int.MaxValue, s.Heat + c * s.HeatStep);
    }

    /// <summary>
    /// Lets the native code of <paramref name="b"/> go on in <paramref name="s"/> (its successor after falling through or
    /// branching) without this loop, while instruction fetch maps the successor's page to its frame (the code checks that as
    /// <see cref="Valid"/> does; blocks whose last instruction crosses into the next page are not linked), for as many
    /// entries as leave <paramref name="s"/> short of the hot threshold (its heat is counted when this loop sees it again).
    /// </summary>
    private void Link(DecodedBlock b, DecodedBlock s, bool fell, IHotBlockSink? sink)
    {
        if (s.Host2 != null || b.Host2 != null || s.Stale) return;
        var bd = (Native.NativeDesc*)b.Desc;
        var sd = (Native.NativeDesc*)s.Desc;
        if (fell) bd->LinkFall = s.Desc; else bd->LinkTaken = s.Desc;
        if (sink == null || s.Heat < 0) sd->Credit = long.MaxValue / 2;
        else if ((long)s.Heat + s.HeatStep >= HotThreshold && s.NoCodeEpoch == PublishEpoch && s.Waiting != null)
        {
            // hot, its compile queued: chains may enter it until the next publication (then they stop before it again and
            // the engine's loop looks for its region)
            sd->Credit = long.MaxValue / 2;
            if (!s.WaitCredited) { s.WaitCredited = true; _waitCredited.Add(s); } // (once: links repeat until the publication)
        }
        else sd->Credit = Math.Max(0, ((long)HotThreshold - s.Heat) / s.HeatStep - 2);
    }

    private readonly List<DecodedBlock> _waitCredited = new();

    /// <summary>Compiled code was published (or a request dropped): the engine looks for code again, and chains stop before the blocks that were waiting.</summary>
    public void NewEpoch()
    {
        PublishEpoch++;
        foreach (var s in _waitCredited) { ((Native.NativeDesc*)s.Desc)->Credit = 0; s.WaitCredited = false; }
        _waitCredited.Clear();
    }

    /// <summary>Marks a block stale (and its native descriptor, so that no chain enters it).</summary>
    private static void MarkStale(DecodedBlock b)
    {
        b.Stale = true;
        if (b.Desc != 0) ((Native.NativeDesc*)b.Desc)->Alive = 0;
    }

    /// <summary>
    /// Steps instructions with the interpreter's <see cref="Cpu.Step"/> (a block start not decoded yet) until control leaves
    /// the straight line (a taken branch: the next block start), the PSW mask changes, the code is modified, an exit, or
    /// <see cref="MaxInstructions"/>; events are serviced at every boundary as in the engine's stepping loop.
    /// </summary>
    private CpuExit StepLine(Cpu cpu, ulong mask)
    {
        var watch = _watch;
        for (int i = 0; i < MaxInstructions; i++)
        {
            if (cpu.Cycles >= cpu.EventCycle)
            {
                ulong before = cpu.PswAddr;
                var e = cpu.ServiceEvents();
                if (e != CpuExit.None || cpu.PswAddr != before || cpu.PswMask != mask) return e;
            }
            ulong a = cpu.PswAddr;
            watch.CodeModified = false;
            var x = cpu.Step();
            if (x != CpuExit.None) return x;
            if (cpu.PswAddr != ((a + (ulong)cpu.InstrLength) & cpu.AddrMask) || cpu.PswMask != mask || watch.CodeModified) break;
        }
        return CpuExit.None;
    }

    // Execute's results besides a CpuExit of an instruction: the block ran to its end (or its last instruction
    // branched), or it stopped early and the caller's loop continues at the current PSW
    private const CpuExit Continue = (CpuExit)0xFE, Stop = (CpuExit)0xFF, Taken = (CpuExit)0xFD;

    /// <summary>
    /// Runs the instructions of one block (the threaded part: per instruction the step without fetch and decode);
    /// on <see cref="Continue"/>, <paramref name="at"/> is the index of the last instruction run (the block's last, or
    /// a branch that was taken).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static CpuExit Execute(Cpu cpu, ref DecodedBlock b, CodeWatch watch, ulong mask, ref int budget, out int at, bool native)
    {
        var insns = b.Insns;
        // no event is due at any boundary of this run (the cycles it can add stay below the next event) and no PER event
        // can be recognised in it: the loop without the event check
        ulong cycles = cpu.Cycles, ev = cpu.EventCycle;
        if (cycles < ev && ev - cycles > b.FastCycles && (cpu.PswMask & Psw.Per) == 0)
        {
            int start = 0;
            if (native && (b.Native != 0 || (b.NativeCountdown > 0 && --b.NativeCountdown == 0 && Native.NativeBlocks.Compile(cpu, b))))
            {
                // the native code runs the block's first instructions (all, or up to one it leaves to this loop), and may
                // go on in the blocks this loop linked after it (NativeDesc): it accounts those itself, and says which
                // block it returned from (Cpu.NativeLast); this loop accounts that block's instructions
                int nr;
                cpu.NativeBudget = budget;
                fixed (Regs16* g = &cpu.G) nr = ((delegate* unmanaged[SuppressGCTransition]<Regs16*, nint, int>)Native.NativeBlocks.Enter)(g, b.Native);
                if (cpu.NativeLast != b.Desc)
                {
                    b = (DecodedBlock)GCHandle.FromIntPtr(((Native.NativeDesc*)cpu.NativeLast)->Handle).Target!;
                    insns = b.Insns;
                    Native.NativeBlocks.Ran += budget - cpu.NativeBudget;
                    budget = (int)cpu.NativeBudget;
                }
                int k = nr & 0xFFFF;
                Native.NativeBlocks.Calls++;
                Native.NativeBlocks.Ran += k;
                if (k > 0)
                {
                    ref var last = ref insns[k - 1];
                    cpu.Cycles += b.NativeCycles![k];
                    cpu.Instructions += (ulong)k;
                    cpu.IssueAddr = last.Addr;
                    cpu.InstrAddr = last.Addr;
                    cpu.InstrLength = last.Length;
                    if ((nr & Native.NativeEmitter.TakenBit) != 0 || k == insns.Length)
                    {
                        if ((nr & Native.NativeEmitter.TakenBit) == 0) cpu.PswAddr = last.Next;
                        at = k - 1;
                        return Continue;
                    }
                    cpu.PswAddr = last.Next;
                }
                start = k;
            }
            int f = Fast(cpu, insns, start, watch);
            at = f >> 8;
            return (CpuExit)(byte)f;
        }
        ref var first = ref MemoryMarshal.GetArrayDataReference(insns);
        int r = Loop(cpu, ref first, ref Unsafe.Add(ref first, insns.Length), watch, mask);
        at = r >> 8;
        return (CpuExit)(byte)r;
    }

    /// <summary>
    /// <see cref="Execute"/>'s loop: the result is the CpuExit in bits 0-7 and, for <see cref="Continue"/>, the index of
    /// the last instruction run above them. Only cpu, watch, mask, d and end are live across the body's call (they fit
    /// the callee-saved registers); the rare paths (an event due, an instruction with checks) are out of line.
    /// <para>(Inlined into the chain's loop, it measured no faster on the kernel boot: the chain's own state then competes
    /// for the registers.)</para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Loop(Cpu cpu, ref DecodedInsn d, ref DecodedInsn end, CodeWatch watch, ulong mask)
    {
        do
        {
            var body = d.Body;
            if (cpu.Cycles >= cpu.EventCycle || body == null)
            {
                var x = Slow(cpu, ref d, watch, mask);
                if (x != Continue) return x == Taken ? (int)Continue | (d.Index << 8) : (int)x;
            }
            else
            {
                int r = Simple(cpu, ref d, watch, body);
                if (r != GoOn) return r;
            }
            d = ref Unsafe.Add(ref d, 1);
        }
        while (Unsafe.IsAddressLessThan(ref d, ref end));
        return (int)Continue | (Unsafe.Add(ref d, -1).Index << 8);
    }

    /// <summary>
    /// <see cref="Loop"/> for a block of simple bodies that no event can interrupt (<see cref="DecodedBlock.FastCycles"/>):
    /// no event check and no check for a body; the same PSW, instruction address, length, cycles and count per instruction.
    /// (Counting the instructions once per run needs an exception filter for a program interruption's exact count: its try
    /// region cost the loop a register, measured slower.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Fast(Cpu cpu, DecodedInsn[] insns, int start, CodeWatch watch)
    {
        ref var first = ref MemoryMarshal.GetArrayDataReference(insns);
        ref var d = ref Unsafe.Add(ref first, start);
        ref var end = ref Unsafe.Add(ref first, insns.Length);
        do
        {
            int r = Simple(cpu, ref d, watch, d.Body);
            if (r != GoOn) return r;
            d = ref Unsafe.Add(ref d, 1);
        }
        while (Unsafe.IsAddressLessThan(ref d, ref end));
        return (int)Continue | (Unsafe.Add(ref d, -1).Index << 8);
    }

    /// <summary><see cref="Simple"/>'s answer when the block goes on with its next instruction.</summary>
    private const int GoOn = -1;

    /// <summary>
    /// One simple instruction of <see cref="Loop"/> or <see cref="Fast"/>: the PSW, instruction address and length set, the
    /// body run, cycles and the count added. <see cref="GoOn"/>, or the block's packed result (a branch left the
    /// block's straight line, or the code was modified).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Simple(Cpu cpu, ref DecodedInsn d, CodeWatch watch, delegate*<InterpBackend, ref Insn, void> body)
    {
        ulong addr = d.Addr;
        cpu.IssueAddr = addr;
        cpu.InstrAddr = addr;
        cpu.InstrLength = d.Length;
        cpu.PswAddr = d.Next;
        // simple bodies change neither the PSW mask nor, except branches (the last of a block), the address
        body(new InterpBackend(cpu), ref d.Insn);
        cpu.Cycles += d.Cycles;
        cpu.Instructions++;
        if (watch.CodeModified) return (int)Stop;
        if (cpu.PswAddr != d.Next) return (int)Continue | (d.Index << 8);
        return GoOn;
    }

    /// <summary>
    /// One instruction of <see cref="Execute"/> off its fast path: the event check due at its boundary, then the
    /// instruction (through <see cref="Cpu.Execute"/> when it has checks). <see cref="Continue"/>: go on with the next
    /// instruction of the block; anything else ends the block (<see cref="Stop"/>: at the current PSW).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static CpuExit Slow(Cpu cpu, ref DecodedInsn d, CodeWatch watch, ulong mask)
    {
        if (cpu.Cycles >= cpu.EventCycle)
        {
            var e = cpu.ServiceEvents();
            if (e != CpuExit.None) return e;
            // an interruption was taken: continue at its new PSW (or the translation changed: check the page again)
            if (cpu.PswAddr != d.Addr || cpu.PswMask != mask || watch.CodeModified) return Stop;
        }
        cpu.IssueAddr = d.Addr;
        cpu.InstrAddr = d.Addr;
        cpu.InstrLength = d.Length;
        cpu.PswAddr = d.Next;
        var body = d.Body;
        if (body != null)
        {
            body(new InterpBackend(cpu), ref d.Insn);
            cpu.Cycles += d.Cycles;
            cpu.Instructions++;
            // a simple body that branched is the last of its block: its successor is the caller's (Continue there)
            if (watch.CodeModified) return Stop;
            return cpu.PswAddr != d.Next ? Taken : Continue;
        }
        var x = cpu.Execute(d.Insn.Def, ref d.Insn);
        if (x != CpuExit.None) return x;
        if (cpu.PswAddr != d.Next || watch.CodeModified || ((cpu.PswMask ^ mask) & ~InterruptMasks) != 0) return Stop;
        return Continue;
    }

    /// <summary>
    /// The I/O and external interruption masks: a chain goes on across a change of them alone (STNSM/STOSM around a
    /// critical section), as the interpreter's stepping would: no key, mode or translation depends on them, and an
    /// interruption they enable is due at the next boundary, where the chain checks events as the stepper does.
    /// </summary>
    private const ulong InterruptMasks = Psw.Io | Psw.Ext;

    /// <summary>
    /// Fills the fetch cache for the instruction at <paramref name="addr"/> (its page, and the next one when it crosses
    /// into it) as its fetch would; false when nothing was missing or a translation would raise an exception.
    /// </summary>
    private static bool Refill(Cpu cpu, ulong addr)
    {
        if ((addr & 1) != 0) return false;
        ref var e = ref cpu.ExecTlb[(int)((addr >> 12) & (Cpu.ExecTlbEntries - 1))];
        bool filled = false;
        if (e.Tag != addr >> 12)
        {
            if (!cpu.TryInstructionFrame(addr, out _) || e.Tag != addr >> 12) return false;
            filled = true;
        }
        ulong next = (addr | Cpu.PageMask) + 1;
        if (addr + (ulong)Formats.LengthFromFirstByte(e.Host[addr & Cpu.PageMask]) <= next) return filled;
        if ((next & cpu.AddrMask) != next || next == 0) return false;
        ref var e2 = ref cpu.ExecTlb[(int)((next >> 12) & (Cpu.ExecTlbEntries - 1))];
        if (e2.Tag == next >> 12) return filled;
        return cpu.TryInstructionFrame(next, out _) && e2.Tag == next >> 12 && e.Tag == addr >> 12;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Valid(Cpu cpu, DecodedBlock b)
    {
        ulong addr = b.Key.Address;
        ref var e = ref cpu.ExecTlb[(int)((addr >> 12) & (Cpu.ExecTlbEntries - 1))];
        return !b.Stale && e.Tag == addr >> 12 && e.Host == b.Host && (b.Host2 == null || Valid2(cpu, b));
    }

    /// <summary>The second page of a block whose last instruction crosses into it: still the frame it was decoded from.</summary>
    private static bool Valid2(Cpu cpu, DecodedBlock b)
    {
        ulong page = (b.Key.Address >> 12) + 1;
        ref var e = ref cpu.ExecTlb[(int)(page & (Cpu.ExecTlbEntries - 1))];
        return e.Tag == page && e.Host == b.Host2;
    }

    private bool InPrefixArea(Cpu cpu, ulong frame)
    {
        if (frame >> 1 == cpu.Prefix >> 13) return true;
        foreach (var c in _cpus) if (frame >> 1 == c.Prefix >> 13) return true;
        return false;
    }

    /// <summary>
    /// Whether every check <see cref="Cpu.Execute"/> makes before the body passes for this instruction in any
    /// state of this CPU (its facility list is fixed while blocks live: see <see cref="Run"/>).
    /// </summary>
    private static bool AlwaysPasses(Cpu cpu, InsnDef def, ref Insn insn) =>
        def.ExecSimple != null && (def.Facility < 0 || cpu.HasFacility(def.Facility)) && def.Sie == SieAction.Interpreted &&
        (def.Flags & (InsnFlags.Priv | InsnFlags.Vector)) == 0 &&
        !((def.Flags & InsnFlags.EvenR1) != 0 && (insn.R1 & 1) != 0) &&
        !((def.Flags & InsnFlags.EvenR2) != 0 && (insn.R2 & 1) != 0) &&
        !((def.Flags & InsnFlags.EvenR3) != 0 && (insn.R3 & 1) != 0);

    /// <summary>
    /// The valid block at <paramref name="key"/>, decoded now if needed; null when none can be used. With
    /// <paramref name="gate"/> (under the JIT's production policy), a block start never decoded before is decoded only at
    /// its <see cref="s_decodeAfter"/>-th entry: before that the answer is <see cref="s_notYet"/> (step it).
    /// </summary>
    private DecodedBlock? Find(Cpu cpu, RegionKey key, bool gate = false)
    {
        int slot = (int)((key.Address >> 1) & (ulong)(_fast.Length - 1));
        var b = _fast[slot];
        if (b == null || b.Key != key)
        {
            if (_blocks.TryGetValue(key, out b)) _fast[slot] = b;
            else
            {
                b = null;
                if (gate && s_decodeAfter > 1 && HotThreshold >= 1000 && HotThreshold != int.MaxValue)
                {
                    ref var seen = ref _sightings[(int)(((key.Address >> 1) * 0x9E37_79B9_7F4A_7C15UL) >> 50)];
                    if (seen.Address != key.Address) { seen = (key.Address, 1); return s_notYet; }
                    if (++seen.Count < s_decodeAfter) return s_notYet;
                    seen = (ulong.MaxValue, 0);
                }
            }
        }
        if (b != null && Valid(cpu, b))
        {
            if (b.Desc != 0) ((Native.NativeDesc*)b.Desc)->Alive = 1; // (after a fetch-cache conflict made it look invalid)
            return b;
        }
        // replaced (or its page not in the fetch cache now): chains stop entering it until it is found valid again
        if (b != null) { StaleDecodes++; if (b.Desc != 0) ((Native.NativeDesc*)b.Desc)->Alive = 0; }
        b = Decode(cpu, key);
        if (b == null) return null;
        if (_blocks.Count >= MaxBlocks) Clear();
        _blocks[key] = b;
        _fast[slot] = b;
        return b;
    }

    private DecodedBlock? Decode(Cpu cpu, RegionKey key)
    {
        ulong addr = key.Address;
        if ((addr & 1) != 0) return null;
        ref var e = ref cpu.ExecTlb[(int)((addr >> 12) & (Cpu.ExecTlbEntries - 1))];
        if (e.Tag != addr >> 12) return null;
        byte* host = e.Host;
        ulong frame = (ulong)(host - cpu.Mem) >> 12;
        // the lowcore and every CPU's prefix area change without stores the watch sees (interruptions)
        if (frame <= 1 || InPrefixArea(cpu, frame)) return null;
        if (frame >= (ulong)_watch.FrameCount) return null;
        var list = _scratch;
        var inner = _innerScratch;
        inner.Clear();
        int n = 0;
        ulong a = addr, pageEnd = (addr | Cpu.PageMask) + 1;
        ulong addrMask = key.Mode == 64 ? ~0UL : key.Mode == 31 ? 0x7FFF_FFFFUL : 0xFF_FFFFUL;
        // an instruction crossing into the next page ends the block; that page's frame is then checked on entry too
        byte* host2 = null;
        ulong frame2 = 0;
        while (n < MaxInstructions)
        {
            byte* p = host + (a & Cpu.PageMask);
            int len = Formats.LengthFromFirstByte(*p);
            ulong raw = (ulong)*p << 56;
            if (a + (ulong)len > pageEnd)
            {
                // only when the fetch cache holds the next page (else the stepper's fetch translates it)
                if ((pageEnd & addrMask) != pageEnd || pageEnd == 0) break;
                ref var e2 = ref cpu.ExecTlb[(int)((pageEnd >> 12) & (Cpu.ExecTlbEntries - 1))];
                if (e2.Tag != pageEnd >> 12) break;
                frame2 = (ulong)(e2.Host - cpu.Mem) >> 12;
                if (frame2 <= 1 || InPrefixArea(cpu, frame2) || frame2 >= (ulong)_watch.FrameCount) break;
                host2 = e2.Host;
                for (int k = 1; k < len; k++)
                {
                    ulong o = a + (ulong)k;
                    raw |= (ulong)(o < pageEnd ? p[k] : host2[o - pageEnd]) << (56 - 8 * k);
                }
            }
            else
                for (int k = 1; k < len; k++) raw |= (ulong)p[k] << (56 - 8 * k);
            var def = Decoder.Lookup(raw);
            if (def == null) { host2 = null; break; }
            var d = new DecodedInsn { Addr = a, Next = (a + (ulong)len) & addrMask };
            d.Insn.Def = def;
            d.Insn.Raw = raw;
            d.Insn.Length = (byte)len;
            Decoder.ExtractFields(ref d.Insn, def);
            d.Cycles = (uint)def.Cycles;
            d.Length = (ushort)len;
            d.Index = (ushort)n;
            if (AlwaysPasses(cpu, def, ref d.Insn)) d.Body = def.ExecSimple;
            list[n++] = d;
            if (host2 != null) break;
            if ((def.Flags & (InsnFlags.EndsBlock | InsnFlags.Io | InsnFlags.Execute)) != 0 || def.Sie != SieAction.Interpreted) break;
            // a conditional branch with a simple body: a taken one leaves the block there, else it runs on
            if ((def.Flags & InsnFlags.Branch) != 0)
            {
                if (!s_superblocks || d.Body == null || !Conditional(def, ref d.Insn)) break;
                inner.Add(n - 1);
            }
            a = d.Next;
            if (a >= pageEnd || a < addr) break;
        }
        if (n == 0) return null;
        ref var lastInsn = ref list[n - 1];
        // stores into the block's bytes must now invalidate it (a frame newly watched: stores into it must now take the
        // slow path, which reports them)
        ulong end = lastInsn.Addr + (ulong)lastInsn.Insn.Length;
        if (_watch.Watch((ulong)(host - cpu.Mem) + (addr & Cpu.PageMask), Math.Min(end, pageEnd) - addr)) ForgetWrites(frame);
        if (host2 != null && _watch.Watch(frame2 << 12, end - pageEnd)) ForgetWrites(frame2);
        BlocksDecoded++;
        // the fast loop's bound (DecodedBlock.FastCycles): simple bodies only; the SS bodies charge at most 256 bytes >> 4
        ulong fast = 0;
        for (int k = 0; k < n && fast != ulong.MaxValue; k++)
        {
            var def = list[k].Insn.Def;
            fast = list[k].Body == null || (def.Flags & InsnFlags.Execute) != 0 || ChargesLong(def.Mnemonic)
                ? ulong.MaxValue : fast + list[k].Cycles + 16;
        }
        var lastDef = lastInsn.Insn.Def;
        var block = new DecodedBlock
        {
            Key = key, Insns = list.AsSpan(0, n).ToArray(), Host = host, Frame = frame, End = lastInsn.Next,
            Host2 = host2, Frame2 = frame2,
            Chains = (lastDef.IsSimple && (lastDef.Flags & (InsnFlags.EndsBlock | InsnFlags.Io | InsnFlags.Execute)) == 0) ||
                     (lastDef.Sie == SieAction.Interpreted && lastDef.Has(InsnFlags.Continues)),
            FastCycles = fast,
            HeatStep = Math.Max(1, (n + 2) / 8),
            NativeCountdown = !Native.NativeBlocks.Enabled || fast == ulong.MaxValue ? 0
                : HotThreshold == int.MaxValue ? Native.NativeBlocks.AfterAlone : Native.NativeBlocks.After,
        };
        AddToFrame(frame, block);
        if (host2 != null) AddToFrame(frame2, block);
        foreach (int i in inner) _inner[key with { Address = block.Insns[i].Next }] = (block, i);
        return block;
    }

    /// <summary>
    /// Rows whose bodies charge cycles for more than 256 bytes (the long moves, compares and searches: Storage's Charge of
    /// their lengths); every other charging body (MVC, CLC, XC/NC/OC, MVN/MVZ, TR, TRT, MVCRL) charges at most 16.
    /// </summary>
    private static bool ChargesLong(string mnemonic) => mnemonic is "MVCL" or "MVCLE" or "MVCLU" or "CLCL" or "CLCLE" or "CLCLU"
        or "CLST" or "MVST" or "SRST" or "SRSTU" or "CUSE" or "TRE" or "TROO" or "TROT" or "TRTO" or "TRTT" or "CKSM";

    private void AddToFrame(ulong frame, DecodedBlock b)
    {
        if (!_byFrame.TryGetValue(frame, out var list)) _byFrame[frame] = list = new List<DecodedBlock>();
        list.Add(b);
    }

    /// <summary>
    /// A branch that may or may not be taken (the block runs on after it when it is not): branch on condition with a
    /// mask other than 0 and 15 (BCR and BCTR with R2 = 0 do not branch), on count, on index, compare and branch.
    /// Unconditional branches (calls, jumps, returns) end the block.
    /// </summary>
    private static bool Conditional(InsnDef def, ref Insn insn)
    {
        switch (def.Mnemonic)
        {
            case "BRC": case "BRCL": case "BC": case "BIC": return insn.M1 is not 0 and not 15;
            case "BCR": return insn.M1 is not 0 and not 15 && insn.R2 != 0;
            case "BCTR": case "BCTGR": return insn.R2 != 0;
            case "BCT": case "BCTG": case "BRCT": case "BRCTG": case "BRCTH":
            case "BXH": case "BXLE": case "BXHG": case "BXLEG": case "BRXH": case "BRXLE": case "BRXHG": case "BRXLG":
                return true;
            case "CGRJ": case "CLGRJ": case "CRJ": case "CLRJ": case "CGIJ": case "CLGIJ": case "CIJ": case "CLIJ":
            case "CGRB": case "CLGRB": case "CRB": case "CLRB": case "CGIB": case "CLGIB": case "CIB": case "CLIB":
                return (insn.M3 & 14) is not 0 and not 14;
            default: return false;
        }
    }
}
