using System.Collections.Concurrent;
using S390Jit.Architecture.State;
using S390Jit.Execution.Interpreter;

namespace S390Jit.Execution.Jit;

/// <summary>Compiled code and the interpreter disagreed in --verify-jit mode.</summary>
public sealed class JitVerificationException(string message) : Exception(message);

/// <summary>Options of the JIT engine.</summary>
public sealed class JitOptions
{
    /// <summary>Entries of a first-tier block before its region is compiled (see <see cref="DefaultHotThreshold"/>).</summary>
    public int HotThreshold { get; init; } = DefaultHotThreshold;
    /// <summary>
    /// The default hot threshold, chosen from measurements (perf/issue14-tiers.md; 5000 → 2500 in perf/issue14-ktier.md:
    /// kernel init under DAT −10-15 % vcpu with the same process CPU; 1500 and 1000 cost more compile CPU for no less vcpu).
    /// S390JIT_HOT_THRESHOLD overrides it (Machine.HotThresholdOverride).
    /// </summary>
    public const int DefaultHotThreshold = 2500;
    /// <summary>Compile on a background thread (false: compile synchronously, e.g. for tests).</summary>
    public bool Background { get; init; } = true;
    /// <summary>Regions kept before the whole cache is dropped (generation flush).</summary>
    public int MaxRegions { get; init; } = 8192;
    /// <summary>
    /// Lockstep verification: after every region run that ends normally, undo it, run the same
    /// number of instructions in the interpreter and compare registers, PSW, cc, cycles and every
    /// byte either engine stored; a difference stops the run with <see cref="JitVerificationException"/>.
    /// </summary>
    public bool Verify { get; init; }
    /// <summary>
    /// TLB-miss re-executions of one region before it is rebuilt with the instructions that missed calling the slow
    /// path in compiled code (a rebuild costs about as much as a few thousand re-executions).
    /// </summary>
    public int MissRebuildThreshold { get; init; } = 2048;
    /// <summary>
    /// A hot block's first region is compiled natively (<see cref="Native.NativeRegions"/>; RyuJIT compiles it again once hot):
    /// default <see cref="Native.NativeRegions.Enabled"/> (S390JIT_NATIVE_REGIONS=0 clears it); false: every region through RyuJIT.
    /// </summary>
    public bool NativeRegions { get; init; } = Native.NativeRegions.Enabled;
    /// <summary>
    /// Guest instructions a CPU runs in the first tier before any block counts as hot (0: from the start). The first
    /// region compile costs tens of milliseconds of CPU (Reflection.Emit and RyuJIT used for the first time, the compiler
    /// thread), more than a short guest runs in all; see <see cref="DefaultWarmupInstructions"/>.
    /// </summary>
    public long WarmupInstructions { get; init; }
    /// <summary>
    /// The engine's default warm-up (the CLI's jit engine): 256 Ki instructions, a few milliseconds in the first tier, so a guest that ends sooner (the hello
    /// guest: 50,000) compiles nothing (perf/startup.md) and a longer one loses little. 1 Mi cost nbody ~0.1 s of its
    /// 0.7 s (medians of 7: 0.70 s without warm-up, 0.76 s with 256 Ki, 0.85 s with 1 Mi; perf/issue14-2026-12-03.md).
    /// </summary>
    public const long DefaultWarmupInstructions = 1 << 18;
}

/// <summary>Counters for --stats.</summary>
public sealed class JitStats
{
    public long RegionsCompiled, RegionsDiscarded, Invalidations, CacheFlushes, CompiledInstructions, InterpretedInstructions;
    public double CompileMicroseconds, EmitMicroseconds;
    public long GuestInstructionsCompiled, IlBytes;
    public long RegionRuns, StepExits, ProgramExits, Reexecutions, Verified;
    /// <summary>Instructions native regions left to the interpreter (RegionEmitter.ExitHelper).</summary>
    public long HelperExits;
    /// <summary>Region runs entered straight from the previous region's exit, without a dispatcher round (chaining).</summary>
    public long ChainedRuns;
    /// <summary>Compile requests dropped as stale before they were compiled (S390JIT_STALE_MS).</summary>
    public long CompilesDropped;
    /// <summary>Entries dropped under DAT because their page no longer translates to the frame they were compiled from.</summary>
    public long DatRemaps;
    /// <summary>Wall time from a compile's request to its region's publication, summed over published regions (µs).</summary>
    public double CompileLatencyMicroseconds;
    /// <summary>Compiles requested and not yet published (or discarded): the background queue and the one being compiled.</summary>
    public int CompilesPending;
    /// <summary>The compact compiles among the published ones (RegionCompiler.CompactFor): regions, guest instructions, compile CPU, IL.</summary>
    public long CompactRegions, CompactInstructions, CompactIlBytes;
    public double CompactMicroseconds;
    /// <summary>The native compiles among the published ones (<see cref="Native.NativeRegions"/>; in the totals above too): regions, guest instructions, compile CPU.</summary>
    public long NativeRegions, NativeInstructions;
    public double NativeMicroseconds;
}

/// <summary>
/// The JIT engine: interprets cold code, counts block executions, compiles hot regions (loops kept
/// inside one DynamicMethod) on a background thread, publishes them atomically, and runs them with
/// the same instruction boundaries, interruptions and cycle counts as the interpreter. Stores into
/// pages holding translated code drop that page's regions and stop watching it.
/// </summary>
public sealed class JitEngine : IExecutionEngine, IDisposable, IHotBlockSink
{
    private readonly JitOptions _opt;
    private readonly Dictionary<RegionKey, RegionEntry> _entries = new(RegionKeyComparer.Instance);
    private int _regionCount;
    private readonly BlockCache _blocks;
    /// <summary>Block starts of plans being compiled, with their compile job (first-tier entries while it waits make it hotter).</summary>
    private readonly Dictionary<RegionKey, CompileJob> _pending = new(RegionKeyComparer.Instance);
    private readonly Dictionary<ulong, List<Region>> _byFrame = new();
    private readonly ConcurrentQueue<Region> _published = new();
    /// <summary>Set by the compiler thread after it queues a region for publication (cheaper to poll than the queue).</summary>
    private volatile bool _publishReady;
    /// <summary>Compiles waiting for the compiler thread (guarded by itself): the hottest goes first (<see cref="NextJob"/>).</summary>
    private readonly List<CompileJob> _queue = new();
    private bool _closed;

    /// <summary>
    /// A compile request. <see cref="Heat"/> counts first-tier entries of its hot block while it waits (written by the vcpu
    /// thread only); the compiler thread turns it into a decaying score, so code hot now goes before code that was.
    /// </summary>
    private sealed class CompileJob(Func<Region?> work, RegionKey key, ulong[] starts, CompileReason reason, long requested) : HotCounter
    {
        public readonly Func<Region?> Work = work;
        /// <summary>The plan's key and block starts (the <see cref="_pending"/> entries a dropped job leaves).</summary>
        public readonly RegionKey Key = key;
        public readonly ulong[] Starts = starts;
        public readonly CompileReason Reason = reason;
        public long Seen;
        public double Score;
        /// <summary>When its heat last grew (or it was requested), as the compiler thread saw it (Stopwatch timestamp).</summary>
        public long LastHeatAt = requested;
    }
    /// <summary>Jobs the compiler thread dropped as stale (no first-tier entries for a while): the vcpu thread forgets them at <see cref="Publish"/>.</summary>
    private readonly ConcurrentQueue<CompileJob> _dropped = new();
    /// <summary>The compiler thread, started with the first background compile.</summary>
    private Thread? _compiler;
    /// <summary>Some CPU ran <see cref="JitOptions.WarmupInstructions"/>: first-tier blocks count their entries from now on.</summary>
    private bool _warm;
    private ulong[] _frameGeneration = [];
    private readonly CodeWatch _watch;
    /// <summary>Last entry found per hash of the address: 8192 slots cover 16 KB of code without aliasing (a boot decompressor's 12 KB).</summary>
    private readonly RegionEntry?[] _fast = new RegionEntry?[FastSlots];
    /// <summary>Entries of native regions by guest address (<see cref="Native.NativeRegions.Publish"/>), pinned: native regions' computed exits look there.</summary>
    private readonly nint[] _nativeTargets = GC.AllocateArray<nint>(Native.NativeRegions.TargetSlots, pinned: true);
    private const int FastSlots = 8192;
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int FastSlot(ulong address) => (int)(((address >> 1) ^ (address >> 14)) & (FastSlots - 1));
    /// <summary>
    /// Per <see cref="_fast"/> slot: a key <see cref="Lookup"/> found no entry for (default: none; no key has mode 0).
    /// Entries are added only by <see cref="Publish"/>, which forgets the slots of the keys it adds entries for (and their
    /// <see cref="_fast"/> slots: an entry there may be one a rebuild replaced), so both caches outlive publications of other
    /// keys (the kernel's initcalls publish a region every ~2 ms, and clearing both at each cost a dictionary lookup per
    /// region exit after it).
    /// </summary>
    private readonly RegionKey[] _misses = new RegionKey[FastSlots];

    public JitEngine(JitOptions? options = null)
    {
        _opt = options ?? new JitOptions();
        _watch = new CodeWatch(InvalidateFrame);
        _blocks = new BlockCache(_watch) { HotThreshold = _opt.HotThreshold, NativeFrom = _opt.HotThreshold == int.MaxValue ? 0 : (ulong)Math.Max(0, _opt.WarmupInstructions) };
        _warm = _opt.WarmupInstructions <= 0;
    }

    public string Name => "jit";
    public JitStats Stats { get; } = new();
    /// <summary>The first tier: pre-decoded blocks for code without compiled regions.</summary>
    public BlockCache FirstTier => _blocks;

    /// <summary>Makes a CPU's stores into watched frames reach this engine (every vcpu of a VM shares the one watch).</summary>
    public void Attach(Cpu cpu)
    {
        Cover(cpu);
        _blocks.Attach(cpu);
        cpu.StorageObserver = _watch;
        cpu.NativeRegionTargets = System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(_nativeTargets, 0);
    }

    /// <summary>The watch and the frame generations cover the CPU's storage (attached before or after <see cref="Attach"/>).</summary>
    private void Cover(Cpu cpu)
    {
        _watch.Cover(cpu.MemSize);
        if (_frameGeneration.Length < _watch.FrameCount) Array.Resize(ref _frameGeneration, _watch.FrameCount);
    }

    /// <summary>Host-side writes into guest storage (DMA-like): drop translations whose instructions' bytes they overwrite.</summary>
    public void NotifyHostWrite(Cpu cpu, ulong abs, ulong length)
    {
        if (length == 0) return;
        ulong end = abs + length;
        for (ulong a = abs; a < end; a = (a | Cpu.PageMask) + 1)
            if (_watch.Watches(a >> 12)) _watch.Stored(a, Math.Min(end - a, 4096 - (a & Cpu.PageMask)));
    }

    /// <summary>
    /// A store reached translated code in <paramref name="frame"/> at the code watch's chunks <paramref name="chunks"/>:
    /// the first-tier blocks and regions with bytes there are dropped, the others stay (and the frame stays watched for
    /// their bytes only). Plans being compiled from the frame are dropped at publication (its generation).
    /// </summary>
    private void InvalidateFrame(ulong frame, ulong chunks)
    {
        if (BlockCache.s_wholeFrame) chunks = ~0UL;
        if (frame < (ulong)_frameGeneration.Length) _frameGeneration[frame]++;
        ulong left = _blocks.FrameWritten(frame, chunks);
        _watch.CodeModified = true;
        _watch.CodeStored = true;
        if (_byFrame.TryGetValue(frame, out var list))
        {
            int keep = 0;
            bool dropped = false;
            for (int i = 0; i < list.Count; i++)
            {
                var r = list[i];
                if (r.Dead) continue;
                ulong mine = r.FrameChunks.Length == r.Frames.Length ? r.FrameChunks[Array.IndexOf(r.Frames, frame)] : ~0UL;
                if ((mine & chunks) == 0) { left |= mine; list[keep++] = r; continue; }
                Kill(r);
                dropped = true;
            }
            list.RemoveRange(keep, list.Count - keep);
            if (keep == 0) _byFrame.Remove(frame);
            if (dropped) Array.Clear(_fast);
        }
        _watch.Rewatch(frame, left);
    }

    /// <summary>A region whose code was stored into: dead, its entries gone.</summary>
    private void Kill(Region r)
    {
        r.Dead = true;
        foreach (var start in r.Data.BlockStarts)
        {
            var k = r.Key with { Address = start };
            if (_entries.TryGetValue(k, out var en) && en.Region == r) _entries.Remove(k);
        }
        _regionCount--;
        Stats.Invalidations++;
    }

    public CpuExit Run(Cpu cpu)
    {
        if (cpu.StorageObserver != _watch) Attach(cpu);
        RegionEntry? next = null;
        // next came from a first-tier block's cached entry (no key or frame check needed); the PSW's key was just looked up
        // at a region exit and had no entry (the first tier runs it without another lookup)
        bool trusted = false, noEntry = false;
        // with noEntry after a region exit: the region and its exit site (site 0: computed), whose cached first-tier block
        // (RegionData.ExitBlocks, Region.PredictedBlock) the first tier starts from without a lookup while it is still the key's
        Region? exitRegion = null;
        int exitSite = 0;
        while (true)
        {
            try
            {
                while (true)
                {
                    if (cpu.Cycles >= cpu.EventCycle)
                    {
                        var e = cpu.ServiceEvents();
                        if (e != CpuExit.None) return e;
                        next = null; // an interruption may have been taken: the successor found at the exit is not the PSW's
                        noEntry = false;
                    }
                    if (_publishReady) { Publish(cpu); noEntry = false; }
                    // PER and the access-register mode run in the interpreter (PER events, operand spaces by access register)
                    ulong psw = cpu.PswMask;
                    if ((psw & Psw.Per) != 0 || (psw & (Psw.Dat | Psw.AscMask)) == (Psw.Dat | (1UL << 46))) { next = null; noEntry = trusted = false; var z = Interpret(cpu, cpu.PswAddr, ulong.MaxValue); if (z != CpuExit.None) return z; continue; }
                    RegionKey key = default;
                    var entry = next;
                    next = null;
                    // under DAT a link is followed only while it is the entry a lookup would give: same key, same frame
                    if (entry != null && !trusted && !entry.Dead && (entry.Key.Dat || (psw & Psw.Dat) != 0))
                    {
                        key = RegionKey.Of(cpu);
                        if (entry.Key != key || !cpu.InstructionFrameIs(key.Address, entry.Frame)) entry = null;
                    }
                    trusted = false;
                    if (entry == null || entry.Dead || entry.Key.Address != cpu.PswAddr)
                    {
                        key = RegionKey.Of(cpu);
                        entry = noEntry ? null : Lookup(cpu, key);
                    }
                    var fromExit = noEntry ? exitRegion : null;
                    noEntry = false;
                    exitRegion = null;
                    if (entry != null)
                    {
                        var region = entry.Region;
                        ulong before = cpu.Instructions;
                        var observer = cpu.Observer;
                        int r;
                        if (observer == null && !_opt.Verify && s_trace == null && !s_profileRegions)
                        {
                            // chained runs: a region that leaves for a region entry runs it at once, without the
                            // round above, while nothing that round looks at can have changed: no event due, nothing to publish,
                            // the same PSW mask (so the same key mode, no PER), and under DAT the same space and frame (Follows)
                            var cur = entry;
                            ulong mask = psw;
                            long runs = 0;
                            cpu.JitChainMask = ChainAb.Mask(cpu, mask); // (compiled code chains while the mask is this one: RegionEmitter.EmitChain)
                            while (true)
                            {
                                _watch.CodeModified = false;
                                r = RunRegion(cur, cpu);
                                cur.Runs++;
                                if (cur.Compact) WatchCompact(cpu, cur.Region);
                                runs++;
                                if (cpu.JitChained is RegionEntry chained) { cur = chained; cpu.JitChained = null; }
                                if ((r & RegionEmitter.CodeMask) == RegionEmitter.ExitHelper && cpu.Cycles < cpu.EventCycle)
                                {
                                    // a native region's helper (no event is due at its start): run it here and go on in the
                                    // region entry after it while nothing the round above looks at changed
                                    var hd = cur.Region.Data;
                                    int hi = r >> RegionEmitter.CodeBits;
                                    Stats.HelperExits++;
                                    _watch.CodeModified = false;
                                    var hx = cpu.ExecuteCompiled(hd.Defs[hi], ref hd.Insns[hi], hd.Addrs[hi], hd.Lengths[hi]);
                                    if (hx != CpuExit.None) { r = RegionEmitter.ExitIntercept; break; }
                                    r = RegionEmitter.ExitContinue; // (site 0: the PSW is the helper's)
                                    RegionEntry? after = null;
                                    if (cpu.PswMask == mask && !_watch.CodeModified && cpu.Cycles < cpu.EventCycle && !_publishReady)
                                    {
                                        // the entry the helper's site went on in last time, while it is alive, the PSW's and
                                        // (under DAT) linked as an exit's successor is; else a lookup
                                        var hn = hd.HelperNext ??= new RegionEntry?[hd.Addrs.Length];
                                        after = hn[hi];
                                        if (after == null || after.Dead || after.Key.Address != cpu.PswAddr || (after.Key.Dat && !Linked(cpu, cur, after)))
                                            hn[hi] = after = Lookup(cpu, cur.Key with { Address = cpu.PswAddr });
                                    }
                                    if (after == null) { exitRegion = null; break; }
                                    cur = after;
                                    continue;
                                }
                                if ((r & RegionEmitter.CodeMask) != RegionEmitter.ExitContinue) break;
                                int site = r >> RegionEmitter.CodeBits;
                                var succ = site != 0 ? cur.Links[site] : null;
                                if (succ == null || succ.Dead) succ = Successor(cpu, cur.Region, site);
                                if (succ == null || cpu.Cycles >= cpu.EventCycle || _publishReady || cpu.PswMask != mask ||
                                    (succ.Key.Dat && !(!_watch.CodeModified ? Linked(cpu, cur, succ) : Follows(cpu, succ))))
                                {
                                    next = succ;
                                    // (Successor looked the PSW's key up: with the mask unchanged, the first tier runs it next)
                                    noEntry = succ == null && cpu.PswMask == mask;
                                    exitRegion = cur.Region;
                                    exitSite = site;
                                    break;
                                }
                                cur = succ;
                            }
                            cpu.JitChainMask = ulong.MaxValue;
                            region = cur.Region;
                            runs += cpu.JitChains; cpu.JitChains = 0;
                            Stats.RegionRuns += runs;
                            Stats.ChainedRuns += runs - 1;
                            Stats.CompiledInstructions += (long)(cpu.Instructions - before);
                            if ((r & RegionEmitter.CodeMask) == RegionEmitter.ExitContinue) continue;
                        }
                        else
                        {
                            _watch.CodeModified = false;
                            ulong entryAddr = cpu.PswAddr;
                            observer?.BlockEntry(cpu, compiled: true);
                            r = _opt.Verify ? RunVerified(cpu, entry) : RunRegion(entry, cpu);
                            entry.Runs++;
                            if (entry.Compact) WatchCompact(cpu, region);
                            observer?.Executed(cpu, entryAddr, compiled: true);
                            Stats.RegionRuns++;
                            if (s_trace != null) TraceRun(region, entryAddr, r, cpu.PswAddr);
                            Stats.CompiledInstructions += (long)(cpu.Instructions - before);
                            if (s_profileRegions) ProfileRegion(cpu, region, r, before);
                        }
                        int code = r & RegionEmitter.CodeMask, idx = r >> RegionEmitter.CodeBits;
                        switch (code)
                        {
                            case RegionEmitter.ExitContinue:
                                next = Successor(cpu, region, idx);
                                continue;
                            case RegionEmitter.ExitStep:
                                {
                                    Stats.StepExits++;
                                    var x = Interpret(cpu, region.Data.BlockStarts[idx], region.Data.BlockEnds[idx]);
                                    if (x != CpuExit.None) return x;
                                    continue;
                                }
                            case RegionEmitter.ExitHelper:
                                {
                                    // (outside chained runs: the interpreter, from the helper's address)
                                    Stats.HelperExits++;
                                    var d = region.Data;
                                    var x = Interpret(cpu, d.Addrs[idx], d.Addrs[idx] + (ulong)d.Lengths[idx]);
                                    if (x != CpuExit.None) return x;
                                    continue;
                                }
                            case RegionEmitter.ExitProgram:
                                {
                                    var d = region.Data;
                                    Uncharge(cpu, d, idx);
                                    if (_watch.ReexecutePending)
                                    {
                                        _watch.ReexecutePending = false;
                                        // a store into translated code: the interpreter runs the instruction
                                        var x = Reexecute(cpu, d, idx);
                                        if (x != CpuExit.None) return x;
                                        continue;
                                    }
                                    cpu.IssueAddr = cpu.InstrAddr = d.Addrs[idx];
                                    cpu.InstrLength = d.Lengths[idx];
                                    cpu.PswAddr = (d.Addrs[idx] + (ulong)d.Lengths[idx]) & cpu.AddrMask;
                                    cpu.TakePendingProgramInterruption();
                                    continue;
                                }
                            case RegionEmitter.ExitReexecute:
                                {
                                    // a TLB miss before the instruction changed anything: the
                                    // interpreter executes it (and fills the TLB)
                                    Uncharge(cpu, region.Data, idx);
                                    Stats.Reexecutions++;
                                    var x = Reexecute(cpu, region.Data, idx);
                                    if (x != CpuExit.None) return x;
                                    ProfileMiss(cpu, region, idx);
                                    continue;
                                }
                            default:
                                return CpuExit.Instruction;
                        }
                    }
                    if (key.Address != cpu.PswAddr) key = RegionKey.Of(cpu);
                    var y = Interpret(cpu, key, this, fromExit == null ? null : exitSite != 0 ? fromExit.Data.ExitBlocks[exitSite] : fromExit.PredictedBlock);
                    if (_blocks.Started is { } started)
                    {
                        _blocks.Started = null;
                        if (fromExit != null && exitSite != 0) fromExit.Data.ExitBlocks[exitSite] = started;
                        else if (fromExit != null) fromExit.PredictedBlock = started;
                    }
                    if (y != CpuExit.None) return y;
                    // the chain stopped before a hot block: enter its region (the entry it holds, or the one a lookup finds).
                    // The chain ran under the key it started with but the address (the same PSW mask; loading a control
                    // register ends it), and the block is valid now: its key is the PSW's when it is that key (a successor
                    // cache may hold a block decoded under another key: the engine's loop looks that one up)
                    var hot = _blocks.HotBlock;
                    _blocks.HotBlock = null;
                    if (hot != null && hot.Key == key with { Address = hot.Key.Address })
                    {
                        var en = hot.Entry;
                        int epoch = _blocks.PublishEpoch;
                        if (en == null || en.Dead || hot.EntryEpoch != epoch)
                        {
                            hot.Entry = en = Lookup(cpu, hot.Key);
                            hot.EntryEpoch = epoch;
                        }
                        if (en != null) { next = en; trusted = true; }
                        else noEntry = true;
                    }
                }
            }
            catch (ProgramInterruptException p)
            {
                cpu.JitChainMask = ulong.MaxValue; cpu.JitChained = null;
                trusted = noEntry = false;
                _blocks.HotBlock = _blocks.Started = null;
                cpu.TakeProgramInterruption(p);
            }
            catch (SieInterceptException)
            {
                cpu.JitChainMask = ulong.MaxValue; cpu.JitChained = null;
                return CpuExit.Instruction;
            }
        }
    }

    /// <summary>S390JIT_REGION_PROFILE=N: count runs, instructions and exits per region; <see cref="RegionProfile"/> lists the top N.</summary>
    private static readonly bool s_profileRegions = Environment.GetEnvironmentVariable("S390JIT_REGION_PROFILE") is { Length: > 0 };
    private readonly List<Region> _profiled = new();
    /// <summary>S390JIT_DUMP_PLAN=ADDR,...: print the plans of regions keyed at these addresses (hex).</summary>
    private static readonly HashSet<ulong>? s_dumpPlan = Environment.GetEnvironmentVariable("S390JIT_DUMP_PLAN") is { Length: > 0 } v
        ? v.Split(',').Select(x => Convert.ToUInt64(x, 16)).ToHashSet() : null;

    private void ProfileRegion(Cpu cpu, Region region, int r, ulong before)
    {
        if (region.ProfExits == null) { region.ProfExits = new(); region.ProfTargets = new(); _profiled.Add(region); }
        region.ProfRuns++;
        region.ProfInsns += (long)(cpu.Instructions - before);
        region.ProfExits[r] = region.ProfExits.GetValueOrDefault(r) + 1;
        if (r == RegionEmitter.ExitContinue) region.ProfTargets![cpu.PswAddr] = region.ProfTargets.GetValueOrDefault(cpu.PswAddr) + 1;
    }

    /// <summary>The S390JIT_REGION_PROFILE report: the regions run most often, with their exits (code/site: count) and computed-jump targets.</summary>
    public string RegionProfile(int top)
    {
        var sb = new System.Text.StringBuilder();
        long all = _profiled.Sum(x => x.ProfRuns);
        foreach (var g in _profiled.OrderByDescending(x => x.ProfRuns).Take(top))
        {
            var d = g.Data;
            string exits = string.Join(" ", g.ProfExits!.OrderByDescending(kv => kv.Value).Take(6).Select(kv =>
            {
                int code = kv.Key & RegionEmitter.CodeMask, idx = kv.Key >> RegionEmitter.CodeBits;
                string what = code switch
                {
                    RegionEmitter.ExitContinue => idx == 0 ? "jump" : $"to:{d.ExitTargets[idx]:x}",
                    RegionEmitter.ExitStep => $"step:{d.BlockStarts[idx]:x}",
                    RegionEmitter.ExitReexecute => $"miss:{d.Addrs[idx]:x}:{d.Defs[idx].Mnemonic}",
                    RegionEmitter.ExitHelper => $"helper:{d.Addrs[idx]:x}:{d.Defs[idx].Mnemonic}",
                    RegionEmitter.ExitProgram => $"pgm:{d.Addrs[idx]:x}",
                    _ => $"code{code}",
                };
                return $"{what}={kv.Value}";
            }));
            string targets = string.Join(" ", g.ProfTargets!.OrderByDescending(kv => kv.Value).Take(4).Select(kv => $"{kv.Key:x}={kv.Value}"));
            sb.AppendLine($"region {g.Key.Address:x}{(g.Key.Dat ? " dat" : "")}{(g.Dead ? " dead" : "")}{(g.Rebuilt ? " rebuilt" : "")} ({g.Reason} gen {g.Generation}): {g.InstructionCount} insns, {d.BlockStarts.Length} blocks, runs {g.ProfRuns} ({100.0 * g.ProfRuns / Math.Max(all, 1):F1}%), {(double)g.ProfInsns / Math.Max(g.ProfRuns, 1):F1} insns/run; exits {exits}; jump targets {targets}");
        }
        return sb.ToString();
    }

    /// <summary>Gives back what the region charged for instruction <paramref name="idx"/> and the rest of its block, which did not run.</summary>
    private void Uncharge(Cpu cpu, RegionData d, int idx)
    {
        cpu.Cycles -= d.UnchargeCycles[idx];
        cpu.Instructions -= d.UnchargeCount[idx];
        Stats.CompiledInstructions -= (long)d.UnchargeCount[idx];
    }

    /// <summary>Runs compiled code; the PSW of a constant exit or a step exit is the site's or the block's (compiled code does not store it).</summary>
    private static int RunRegion(RegionEntry entry, Cpu cpu)
    {
        int r = entry.Run(cpu, entry.Block);
        if (cpu.JitChained is RegionEntry chained) entry = chained; // the exit is the last chained region's
        int code = r & RegionEmitter.CodeMask, idx = r >> RegionEmitter.CodeBits;
        if (code == RegionEmitter.ExitContinue) { if (idx != 0) cpu.PswAddr = entry.ExitTargets[idx]; }
        else if (code == RegionEmitter.ExitStep) cpu.PswAddr = entry.Region.Data.BlockStarts[idx];
        else if (code == RegionEmitter.ExitHelper) cpu.PswAddr = entry.Region.Data.Addrs[idx];
        return r;
    }

    /// <summary>The interpreter executes instruction <paramref name="idx"/> of a region from its start.</summary>
    private CpuExit Reexecute(Cpu cpu, RegionData d, int idx)
    {
        cpu.PswAddr = d.Addrs[idx];
        return Interpret(cpu, d.Addrs[idx], d.Addrs[idx] + (ulong)d.Lengths[idx]);
    }

    /// <summary>Runs a region, then checks it against the interpreter from the same starting state.</summary>
    private int RunVerified(Cpu cpu, RegionEntry entry)
    {
        var s0 = cpu.Capture();
        cpu.WriteJournal ??= new List<(ulong, ulong)>();
        cpu.WriteJournal.Clear();
        cpu.InvalidateTranslation();
        _watch.CodeModified = false; // (dropping the caches is no translation change the region must stop for)
        _watch.CodeStored = false;
        int r = RunRegion(entry, cpu);
        if ((r & RegionEmitter.CodeMask) != RegionEmitter.ExitContinue || _watch.CodeStored)
        {
            cpu.WriteJournal.Clear();
            return r;
        }
        var s1 = cpu.Capture();
        var written = cpu.WriteJournal.Select(j => j.Abs).Distinct().ToList();
        var jitBytes = written.ToDictionary(a => a, cpu.PeekAbsolute64);
        cpu.UndoJournal();
        cpu.Restore(s0);
        ulong n = s1.Instructions - s0.Instructions;
        string? fault = null;
        try
        {
            // EXECUTE counts itself and its target, so step until the instruction count matches
            while (cpu.Instructions < s1.Instructions)
                if (cpu.Step() != CpuExit.None) { fault = "SIE intercept in the interpreter"; break; }
        }
        catch (ProgramInterruptException e) { fault = $"program interruption 0x{e.Code:x} in the interpreter"; }
        var s2 = cpu.Capture();
        string diff = fault ?? s1.Diff(s2);
        foreach (var a in written.Concat(cpu.WriteJournal.Select(j => j.Abs)).Distinct())
        {
            ulong mine = jitBytes.TryGetValue(a, out var v) ? v : cpu.PeekAbsolute64(a);
            if (!jitBytes.ContainsKey(a)) { diff += $"{(diff.Length > 0 ? ", " : "")}interpreter stored at 0x{a:x}, compiled code did not"; break; }
            if (mine != cpu.PeekAbsolute64(a)) { diff += $"{(diff.Length > 0 ? ", " : "")}storage at 0x{a:x}: jit {mine:x16}, interpreter {cpu.PeekAbsolute64(a):x16}"; break; }
        }
        cpu.WriteJournal.Clear();
        Stats.Verified++;
        if (diff.Length > 0)
            throw new JitVerificationException($"JIT verification failed after region {entry.Region.Key.Address:x} (entered at {s0.PswAddr:x}, {n} instructions): {diff} (jit/interpreter)");
        return r;
    }

    /// <summary>
    /// The entry a region's ExitContinue leads to, or null: a constant exit site (<paramref name="idx"/> &gt; 0) keeps the entry it
    /// was last linked to; a computed one (site 0) predicts the region's last target (valid while the PSW mask, and so the key's
    /// mode, is the one it was predicted under). Entries of dead regions are looked up again. Under DAT the caller still checks
    /// the key's space and frame (<see cref="Follows"/>).
    /// </summary>
    private RegionEntry? Successor(Cpu cpu, Region region, int idx)
    {
        var d = region.Data;
        if (idx != 0)
        {
            var link = d.ExitLinks[idx];
            if (link == null || link.Dead)
            {
                // a target without an entry has none until the next publication (the only place entries are added)
                int epoch = _blocks.PublishEpoch;
                if (link == null && d.ExitMisses[idx] == epoch) return null;
                d.ExitLinks[idx] = link = Lookup(cpu, region.Key.Dat ? RegionKey.Of(cpu) : region.Key with { Address = d.ExitTargets[idx] });
                if (link == null) d.ExitMisses[idx] = epoch;
                else if (region.Native) Native.NativeRegions.Link(region, idx, link);
            }
            return link;
        }
        // (not under --profile: a rebuild could take a return into the region, past the profiler)
        if (!region.Rebuilt && SplitBefore == null && (region.Key.Dat ? s_indirectRebuild == 1 : s_indirectRebuild != 0)) ProfileIndirectExit(cpu, region);
        var p = region.Predicted;
        if (p != null && p.Key.Address == cpu.PswAddr && region.PredictedMask == cpu.PswMask && !p.Dead) return p;
        p = Lookup(cpu, RegionKey.Of(cpu));
        if (p != null) { region.Predicted = p; region.PredictedMask = cpu.PswMask; }
        return p;
    }

    /// <summary>
    /// An exit of <paramref name="cur"/> to <paramref name="succ"/> (a constant exit's link, or a computed exit's predicted entry,
    /// whose address is the PSW's) with the PSW mask unchanged and no translation change in the run
    /// (<see cref="CodeWatch.CodeModified"/>: loading a control register that changes the translation context drops the access
    /// caches, which reports one) reaches the key
    /// <paramref name="cur"/> was entered with but the address: <see cref="Follows"/>'s key comparison reduces to comparing the
    /// two keys' space, mode and overflow mask (no <see cref="RegionKey.Of"/>). An entry of the same page, compiled from the
    /// frame <paramref name="cur"/>'s was (which the page still translates to), needs no frame check; one of another page has
    /// its frame checked against the fetch cache as in <see cref="Follows"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // (see Cpu.ExecuteCompiled)
    private static bool Linked(Cpu cpu, RegionEntry cur, RegionEntry succ)
    {
        if (!(cur.Key.Dat && cur.Key.Asce == succ.Key.Asce && cur.Key.Mode == succ.Key.Mode && cur.Key.FixedOverflowMask == succ.Key.FixedOverflowMask))
            return Follows(cpu, succ);
        return (((cur.Key.Address ^ succ.Key.Address) >> 12) == 0 && cur.Frame == succ.Frame) || cpu.InstructionFrameIs(succ.Key.Address, succ.Frame);
    }

    /// <summary>Under DAT an entry is followed only while it is the one a lookup would give: same key (space), same frame.</summary>
    private static bool Follows(Cpu cpu, RegionEntry e) =>
        e.Key == RegionKey.Of(cpu) && cpu.InstructionFrameIs(e.Key.Address, e.Frame);

    private RegionEntry? Lookup(Cpu cpu, RegionKey key)
    {
        int slot = FastSlot(key.Address);
        var f = _fast[slot];
        if (f == null || f.Key != key || f.Dead)
        {
            // keys without an entry are remembered until a publication adds one for them (the only place entries are added)
            if (_misses[slot] == key) return null;
            if (!_entries.TryGetValue(key, out f))
            {
                _misses[slot] = key;
                return null;
            }
            if (f.Dead)
            {
                // a retired region's key a rebuild left out: the first tier runs it again (and compiles it again once hot)
                _entries.Remove(key);
                _misses[slot] = key;
                return null;
            }
            _fast[slot] = f;
        }
        // under DAT the key names virtual code: it is this region's only while the page still translates
        // to the frame the region was compiled from (QEMU's discipline: virtual PC, then physical page)
        if (key.Dat && !cpu.InstructionFrameIs(key.Address, f.Frame))
        {
            // remapped: the entry goes (a region for the new frame can be compiled); the region lives on for its other entries
            _entries.Remove(key);
            _fast[slot] = null;
            Stats.DatRemaps++;
            return null;
        }
        return f;
    }

    /// <summary>
    /// Interprets from the current PSW until a taken branch or PSW change, or until it leaves
    /// [start, end) (a block handed back by compiled code), checking events at every boundary.
    /// </summary>
    private CpuExit Interpret(Cpu cpu, ulong start, ulong end)
    {
        if (end == ulong.MaxValue) return Interpret(cpu, RegionKey.Of(cpu), null);
        return Step(cpu, start, end);
    }

    /// <summary>
    /// The first tier (<see cref="BlockCache"/>): pre-decoded blocks from the current PSW; hot ones are offered to
    /// <paramref name="sink"/>. Observed runs (-d, --profile), PER and the access-register mode step instead.
    /// </summary>
    private CpuExit Interpret(Cpu cpu, RegionKey key, IHotBlockSink? sink)
    {
        return Interpret(cpu, key, sink, null);
    }

    /// <summary>
    /// <see cref="Interpret(Cpu, RegionKey, IHotBlockSink?)"/> starting from <paramref name="cached"/> (a region exit's block)
    /// while it is the key's and valid, else from the block a lookup finds (<see cref="BlockCache.Started"/>).
    /// </summary>
    private CpuExit Interpret(Cpu cpu, RegionKey key, IHotBlockSink? sink, DecodedBlock? cached)
    {
        if ((cpu.Observer is { } observer && (observer.WantsBlocks || observer.WantsInstructions)) ||
            (cpu.PswMask & Psw.Per) != 0 || (cpu.PswMask & (Psw.Dat | Psw.AscMask)) == (Psw.Dat | (1UL << 46)))
            return Step(cpu, cpu.PswAddr, ulong.MaxValue);
        ulong before = cpu.Instructions;
        // during the warm-up nothing is hot: blocks neither count entries nor stop their chains for the engine's loop
        if (!_warm && sink != null && !(_warm = cpu.Instructions >= (ulong)_opt.WarmupInstructions)) sink = null;
        try { return _blocks.Run(cpu, key, sink, cached); }
        finally { Stats.InterpretedInstructions += (long)(cpu.Instructions - before); }
    }

    /// <summary>
    /// Steps from the current PSW until a taken branch or PSW change, or until it leaves
    /// [start, end) (a block handed back by compiled code), checking events at every boundary.
    /// </summary>
    private CpuExit Step(Cpu cpu, ulong start, ulong end)
    {
        if (cpu.Observer is { } observer && (observer.WantsBlocks || observer.WantsInstructions)) return InterpretObserved(cpu, start, end, observer);
        for (int n = 0; n < 256; n++)
        {
            if (cpu.Cycles >= cpu.EventCycle)
            {
                var e = cpu.ServiceEvents();
                if (e != CpuExit.None) return e;
            }
            ulong addr = cpu.PswAddr;
            if (end != ulong.MaxValue && (addr < start || addr >= end)) return CpuExit.None;
            ulong mask = cpu.PswMask;
            var x = cpu.Step();
            Stats.InterpretedInstructions++;
            if (x != CpuExit.None) return x;
            if (cpu.PswAddr != ((addr + (ulong)cpu.InstrLength) & cpu.AddrMask) || cpu.PswMask != mask) return CpuExit.None;
        }
        return CpuExit.None;
    }

    /// <summary><see cref="Interpret"/> reporting the block entry and each instruction to the observer (-d, --profile).</summary>
    private CpuExit InterpretObserved(Cpu cpu, ulong start, ulong end, ICpuObserver observer)
    {
        bool each = observer.WantsInstructions, blockStart = true;
        for (int n = 0; n < 256; n++)
        {
            if (cpu.Cycles >= cpu.EventCycle)
            {
                ulong before = cpu.PswAddr;
                var e = cpu.ServiceEvents();
                if (e != CpuExit.None) return e;
                if (cpu.PswAddr != before) blockStart = true; // an interruption: a block starts at its new PSW
            }
            ulong addr = cpu.PswAddr;
            if (end != ulong.MaxValue && (addr < start || addr >= end)) return CpuExit.None;
            ulong mask = cpu.PswMask;
            if (blockStart) observer.BlockEntry(cpu, compiled: false);
            blockStart = false;
            var x = cpu.Step();
            Stats.InterpretedInstructions++;
            if (each) observer.Executed(cpu, addr, compiled: false);
            if (x != CpuExit.None) return x;
            if (cpu.PswAddr != ((addr + (ulong)cpu.InstrLength) & cpu.AddrMask) || cpu.PswMask != mask) return CpuExit.None;
        }
        return CpuExit.None;
    }

    /// <summary>
    /// The profiler's boundaries (--profile): instructions before which a region's block must end, given the
    /// instruction's address, its row and the region's entry; they run in the interpreter, where each one is
    /// reported. With it set, regions are not rebuilt around their computed jumps, so those always leave the
    /// region. Cycles do not change: only where regions end does.
    /// </summary>
    public Func<ulong, Architecture.Isa.InsnDef, ulong, bool>? SplitBefore { get; set; }

    /// <summary>A first-tier block reached the hot threshold and has no compiled code: compile its region (once).</summary>
    HotBlockAction IHotBlockSink.BlockHot(Cpu cpu, RegionKey key, out HotCounter? waiting)
    {
        if (_pending.TryGetValue(key, out var job)) { job.Heat++; waiting = job; return HotBlockAction.Interpret; }
        waiting = null;
        if (!Compile(cpu, key, null, CompileReason.Hot)) return HotBlockAction.Never;
        if (Lookup(cpu, key) != null) return HotBlockAction.Dispatch; // compiled synchronously: run it
        waiting = _pending.GetValueOrDefault(key);
        return HotBlockAction.Interpret;
    }

    /// <summary>Plans a region on the vcpu thread and compiles it (in the background when configured).</summary>
    private bool Compile(Cpu cpu, RegionKey key, IReadOnlyCollection<ulong>? seeds, CompileReason reason, int generation = 0)
    {
        // under DAT a plan is decoded through the current translation: only for the space it is keyed by
        if (key.Dat && RegionKey.Of(cpu) with { Address = key.Address } != key) return false;
        if (_regionCount >= _opt.MaxRegions) Flush(cpu);
        // under DAT (the kernel: much lukewarm code next to hot code) a plan takes only the paths the first tier ran
        var builder = new RegionBuilder(cpu, key, seeds)
        {
            SplitBefore = SplitBefore, StayOnMiss = _stayOnMiss,
            Executed = key.Dat && s_executedOnly ? a => _blocks.Entered(key with { Address = a }) : null,
        };
        var plan = builder.Build(out var frames, out var code);
        if (plan == null) return false;
        if (s_dumpPlan != null && s_dumpPlan.Contains(key.Address))
            Console.Error.WriteLine($"plan {key.Address:x}{(seeds != null ? " (rebuild)" : "")}: " + string.Join(" | ", plan.Select(b => $"{b.Start:x}[{b.Insns.Count}]{(b.FallThrough is ulong ft ? $"->{ft:x}" : "")}{(b.IndirectTarget ? "*" : "")}")));
        // (under DAT the key page's frame first: Region.DatFrame; a page-crossing instruction adds the next page's)
        var frameArr = key.Dat ? frames.OrderBy(f => f != builder.DatFrame).ToArray() : frames.ToArray();
        // watch the instructions' bytes now: stores into them from here on invalidate the plan (generation check at publish)
        Cover(cpu);
        // a frame newly watched: stores into it must take the slow path from now on (which reports them), so every
        // CPU's write cache forgets it; the other access caches stay (dropping them all cost a refill per compile)
        foreach (var (abs, len) in code)
            if (_watch.Watch(abs, len)) _blocks.ForgetWrites(abs >> 12);
        var gens = frameArr.Select(f => f < (ulong)_frameGeneration.Length ? _frameGeneration[f] : 0).ToArray();
        var chunks = new ulong[frameArr.Length];
        foreach (var (abs, len) in code) chunks[Array.IndexOf(frameArr, abs >> 12)] |= CodeWatch.Chunks(abs, len);
        long requested = System.Diagnostics.Stopwatch.GetTimestamp();
        var planStarts = plan.Select(b => b.Start).ToArray();
        // a hot block's first region: native code at once when the plan translates (RyuJIT's compile follows once it is hot)
        if (reason == CompileReason.Hot && _opt.NativeRegions &&
            Native.NativeRegions.Compile(cpu, key, plan, frameArr, gens) is { } nr)
        {
            nr.RequestedAt = requested; nr.Reason = reason; nr.Generation = generation; nr.FrameChunks = chunks; nr.PlanStarts = planStarts;
            Interlocked.Increment(ref Stats.CompilesPending);
            _published.Enqueue(nr);
            Publish(cpu);
            return true;
        }
        Func<Region?> job = () =>
        {
            try
            {
                var r = RegionCompiler.Compile(key, plan, frameArr, gens, RegionCompiler.CompactFor(reason, key));
                r.RequestedAt = requested; r.Reason = reason; r.Generation = generation; r.FrameChunks = chunks; r.PlanStarts = planStarts;
                return r;
            }
            catch (Exception) { return null; }
        };
        Interlocked.Increment(ref Stats.CompilesPending);
        var cj = new CompileJob(job, key, planStarts, reason, requested);
        foreach (var b in plan) _pending[key with { Address = b.Start }] = cj;
        if (_opt.Background)
            lock (_queue)
            {
                if (_compiler == null && !_closed)
                {
                    _compiler = new Thread(CompileLoop) { IsBackground = true, Name = "s390jit-compiler" };
                    _compiler.Start();
                }
                _queue.Add(cj);
                Monitor.Pulse(_queue);
            }
        else if (job() is { } r) { _published.Enqueue(r); Publish(cpu); }
        else
        {
            foreach (var b in plan) _pending.Remove(key with { Address = b.Start });
            Stats.CompilesPending--;
        }
        return true;
    }

    /// <summary>Computed jumps leaving a region in the same area are counted; once frequent, the region is
    /// rebuilt with their targets as blocks, so dispatch loops and returns stay inside one method.</summary>
    private void ProfileIndirectExit(Cpu cpu, Region region)
    {
        ulong target = cpu.PswAddr;
        ulong entry = region.Key.Address;
        if ((target >= entry ? target - entry : entry - target) >= RegionBuilder.Window) return;
        var d = region.IndirectExits ??= new Dictionary<ulong, int>();
        d[target] = d.GetValueOrDefault(target) + 1;
        if (++region.IndirectExitCount < RebuildAfter(2000, region)) return;
        region.Rebuilt = true;
        if (s_tracePromote) Console.Error.WriteLine($"indirect-rebuild {region.Key.Address:x} {(region.Native ? "native" : "")} at {cpu.Instructions}");
        var seeds = d.Where(kv => kv.Value * 200 >= region.IndirectExitCount).Select(kv => kv.Key)
                     .Concat(region.Data.BlockStarts).Distinct().ToArray();
        Compile(cpu, region.Key, seeds, CompileReason.IndirectRebuild, region.Generation + 1);
    }

    /// <summary>
    /// Which regions are rebuilt around their frequent computed exits: not those under DAT by default (the kernel: mostly
    /// returns to many callers; 88 of 99 such rebuilds in a boot, ~300 ms of compile CPU for no measurable gain, now that
    /// computed exits chain to a predicted successor; perf/issue14-sched.md). S390JIT_INDIRECT_REBUILD=0: none, =1: all.
    /// </summary>
    private static readonly int s_indirectRebuild = EnvInt("S390JIT_INDIRECT_REBUILD", 2);

    /// <summary>S390JIT_DAT_ALL_PATHS=1: plans under DAT take every near path, run or not (as plans in real mode do).</summary>
    private static readonly bool s_executedOnly = Environment.GetEnvironmentVariable("S390JIT_DAT_ALL_PATHS") != "1";

    /// <summary>Instructions whose TLB misses stay in compiled code once their region is rebuilt (by virtual address).</summary>
    private readonly HashSet<ulong> _stayOnMiss = new();

    /// <summary>
    /// Events (TLB-miss re-executions, computed exits) a region of the given rebuild generation sees before it is rebuilt:
    /// <paramref name="first"/> for a first build, doubling with every rebuild of the key (S390JIT_REBUILD_BACKOFF=0: always
    /// <paramref name="first"/>). A rebuild recompiles the whole region; so what rebuilds cost stays a bounded share of what
    /// the events cost, where code that keeps finding new misses or targets was rebuilt again and again (a boot decompressor's
    /// regions 2-3 times).
    /// </summary>
    private static int RebuildAfter(int first, Region region) => s_rebuildBackoff ? first << Math.Min(region.Generation, 10) : first;
    private static readonly bool s_rebuildBackoff = Environment.GetEnvironmentVariable("S390JIT_REBUILD_BACKOFF") != "0";

    /// <summary>
    /// Which instructions' misses a rebuild keeps in compiled code: 0 (the default) every instruction of the region, N those
    /// with at least 1/N of its misses (S390JIT_MISS_SHARE=N, measurement). Code that walks pages misses in many places:
    /// with 1/8 a boot decompressor's regions were rebuilt again and again for the next instructions (up to 43 times),
    /// and re-executed twice as often (106 k against 54 k misses in the decompressor; perf/issue14-sched.md).
    /// </summary>
    private static readonly int s_missShare = EnvInt("S390JIT_MISS_SHARE", 0);

    /// <summary>
    /// S390JIT_REAL_MISS_ALL=1: a real-mode region's miss rebuild keeps every instruction's misses in compiled code, as under
    /// DAT. Default: only the instructions that missed (a boot decompressor: the output stores, the match and input reads).
    /// Every such instruction's miss path calls the slow path, and RyuJIT keeps the values live across those calls on the
    /// stack: with all of them, the decompressor's rebuilt regions had ~20 % of their host instructions' operands on the
    /// stack and twice the code (perf/issue14-decomp2.md); the re-executions stay as few (16 k per phase).
    /// </summary>
    private static readonly bool s_realMissAll = Environment.GetEnvironmentVariable("S390JIT_REAL_MISS_ALL") == "1";

    /// <summary>
    /// TLB-miss re-executions are counted per region; once frequent, the region is rebuilt with its instructions (<see cref="s_missShare"/>)
    /// calling the slow path on a miss instead (code that walks many pages, the kernel under DAT): a miss then costs a
    /// translation, not a region exit and an interpreted instruction. Regions that rarely miss keep the cheaper code.
    /// </summary>
    private void ProfileMiss(Cpu cpu, Region region, int idx)
    {
        if (region.Rebuilt || SplitBefore != null) return;
        var m = region.Misses ??= new int[region.Data.Addrs.Length];
        m[idx]++;
        if (++region.MissTotal < RebuildAfter(_opt.MissRebuildThreshold, region)) return;
        // in real mode only the instructions that missed (S390JIT_REAL_MISS_ALL=1: every one, as under DAT)
        bool missedOnly = !region.Key.Dat && !s_realMissAll;
        for (int i = 0; i < m.Length; i++)
            if (missedOnly ? m[i] > 0 : s_missShare == 0 || (m[i] > 0 && (long)m[i] * s_missShare >= region.MissTotal)) _stayOnMiss.Add(region.Data.Addrs[i]);
        region.MissTotal = 0;
        Array.Clear(m);
        region.Rebuilt = true; // (before the compile: a synchronous one publishes at once, taking over the entries)
        if (s_tracePromote) Console.Error.WriteLine($"miss-rebuild {region.Key.Address:x} {(region.Native ? "native" : "")} at {cpu.Instructions}");
        if (!Compile(cpu, region.Key, region.Data.BlockStarts, CompileReason.MissRebuild, region.Generation + 1)) region.Rebuilt = false;
    }


    /// <summary>
    /// A compact region (RegionCompiler.CompactFor: the first compile of a hot block's region) that ran hot
    /// (RegionData.Heat: the guest instructions it ran, against RegionCompiler.PromoteHeat per instruction of the region) is compiled again in full, taking over its entries.
    /// </summary>
    private void WatchCompact(Cpu cpu, Region region)
    {
        if (region.Rebuilt) return;
        long at = region.PromoteAt;
        if (at == 0) region.PromoteAt = at = region.Native ? Native.NativeRegions.PromoteLimit(region.InstructionCount) : RegionCompiler.PromoteHeat * region.InstructionCount;
        if (region.Heat < at || SplitBefore != null || !RegionCompiler.Promotes) return;
        region.Rebuilt = true; // (before the compile: a synchronous one publishes at once, taking over the entries)
        if (region.Native) Native.NativeRegions.Promoting(region);
        if (s_tracePromote) Console.Error.WriteLine($"promote {region.Key.Address:x} {(region.Native ? "native" : "compact")} insns {region.InstructionCount} heat {region.Heat} at {cpu.Instructions}");
        // (the plan of a first compile, from the key alone: seeds would make every block a target of the computed jumps' compares)
        if (!Compile(cpu, region.Key, null, CompileReason.Promote, region.Generation)) region.Rebuilt = false;
    }

    /// <summary>A compact region compiled again in full is retired even where the new plan left some of its blocks out (they
    /// run in the first tier again): its entries and the links to them must not keep the compact code running.
    /// <para>A native region any rebuild takes entries of is retired too: native code follows its links and table entries
    /// while it is alive, whoever owns the keys now, and it would keep running there (never promoted: it is being rebuilt).</para></summary>
    private static bool Promoted(Region r, Region old) => (r.Reason == CompileReason.Promote && old.Compact) || old.Native;

    /// <summary>S390JIT_TRACE_PROMOTE=1: promotions, rebuild requests and publications on stderr (diagnostic).</summary>
    private static readonly bool s_tracePromote = Environment.GetEnvironmentVariable("S390JIT_TRACE_PROMOTE") == "1";

    private void CountCompact(Region r)
    {
        Stats.CompactRegions++;
        Stats.CompactInstructions += r.InstructionCount;
        Stats.CompactMicroseconds += r.CompileMicroseconds;
        Stats.CompactIlBytes += r.IlBytes;
    }

    private void CompileLoop()
    {
        while (NextJob() is { } job)
        {
            var r = job.Work();
            if (r != null) { _published.Enqueue(r); _publishReady = true; }
            else Interlocked.Decrement(ref Stats.CompilesPending);
        }
    }

    /// <summary>Publishes compiled regions on the vcpu thread, dropping those whose frames changed meanwhile.</summary>
    private void Publish(Cpu cpu)
    {
        _publishReady = false; // (before draining: a region queued after the drain sets it again)
        while (_dropped.TryDequeue(out var dj))
        {
            // a stale request: its hot block asks again when it runs again (lookups and first-tier chains look again)
            _blocks.NewEpoch();
            Interlocked.Decrement(ref Stats.CompilesPending);
            Stats.CompilesDropped++;
            foreach (var a in dj.Starts)
                if (_pending.TryGetValue(dj.Key with { Address = a }, out var pj) && pj == dj) _pending.Remove(dj.Key with { Address = a });
        }
        while (_published.TryDequeue(out var r))
        {
            // entries may be added (and a discarded plan's blocks may be compiled again): lookups that found none must look again
            _blocks.NewEpoch();
            Interlocked.Decrement(ref Stats.CompilesPending);
            Stats.CompileLatencyMicroseconds += System.Diagnostics.Stopwatch.GetElapsedTime(r.RequestedAt).TotalMicroseconds;
            foreach (var start in r.PlanStarts.Length > 0 ? r.PlanStarts : r.Data.BlockStarts) _pending.Remove(r.Key with { Address = start });
            bool stale = false;
            for (int i = 0; i < r.Frames.Length; i++)
            {
                ulong f = r.Frames[i];
                ulong g = f < (ulong)_frameGeneration.Length ? _frameGeneration[f] : 0;
                bool watched = _watch.Watches(f);
                if (g != r.FrameGenerations[i] || !watched) { stale = true; break; }
            }
            if (stale) { Stats.RegionsDiscarded++; if (s_tracePromote) Console.Error.WriteLine($"discarded {r.Key.Address:x} {r.Reason}"); continue; }
            if (s_tracePromote) Console.Error.WriteLine($"publish {r.Key.Address:x} {r.Reason} {(r.Native ? "native" : "")}");
            var replaced = new HashSet<Region>();
            for (int b = 0; b < r.Data.BlockStarts.Length; b++)
            {
                var k = r.Key with { Address = r.Data.BlockStarts[b] };
                // a rebuild (seeded with indirect targets) takes over; otherwise the first region keeps its entries
                bool rebuild = _entries.TryGetValue(k, out var old) && !old.Region.Dead && old.Region.Rebuilt;
                // under DAT the newest plan was decoded from the page's current frame: it replaces one of another frame
                bool remapped = old != null && k.Dat && old.Region.DatFrame != r.DatFrame;
                if (old == null || old.Region.Dead || rebuild || remapped)
                {
                    var en = _entries[k] = new RegionEntry(r, b, k);
                    if (r.Native) Native.NativeRegions.Publish(en, _nativeTargets);
                    // the lookup caches' slot of the key: an entry (or the absence of one) it remembers is not the key's now
                    int slot = FastSlot(k.Address);
                    _fast[slot] = null;
                    _misses[slot] = default;
                }
                if (rebuild) replaced.Add(old!.Region);
            }
            _regionCount++;
            // a region whose every entry a rebuild took over is retired (links to it re-resolve)
            foreach (var old in replaced)
                if (Promoted(r, old) || old.Data.BlockStarts.All(a => _entries.TryGetValue(old.Key with { Address = a }, out var en) && en.Region != old))
                {
                    old.Dead = true;
                    _regionCount--;
                }
            foreach (var f in r.Frames)
            {
                if (!_byFrame.TryGetValue(f, out var list)) _byFrame[f] = list = new List<Region>();
                list.Add(r);
            }
            Stats.RegionsCompiled++;
            if (s_regionStats) { r.PublishedAt = System.Diagnostics.Stopwatch.GetTimestamp(); lock (s_published) s_published.Add(r); }
            Stats.CompileMicroseconds += r.CompileMicroseconds;
            Stats.EmitMicroseconds += r.EmitMicroseconds;
            Stats.IlBytes += r.IlBytes;
            Stats.GuestInstructionsCompiled += r.InstructionCount;
            if (r.Native) { Stats.NativeRegions++; Stats.NativeInstructions += r.InstructionCount; Stats.NativeMicroseconds += r.CompileMicroseconds; }
            else if (r.Compact) CountCompact(r);
        }
    }

    /// <summary>Drops every region (a generation flush when the cache is full).</summary>
    private void Flush(Cpu cpu)
    {
        // plans still compiling are stale too: the watch forgets their instructions' bytes
        for (int i = 0; i < _frameGeneration.Length; i++) _frameGeneration[i]++;
        foreach (var en in _entries.Values) en.Region.Dead = true;
        _entries.Clear();
        _regionCount = 0;
        _byFrame.Clear();
        Array.Clear(_fast);
        _watch.Clear();
        _blocks.Clear();
        Stats.CacheFlushes++;
    }

    // S390JIT_REGION_TRACE=1: counts region runs by (region, entry, exit code and index, next PSW); printed at exit (diagnostic)
    private static readonly Dictionary<(ulong, ulong, int, ulong), long>? s_trace = Environment.GetEnvironmentVariable("S390JIT_REGION_TRACE") == "1" ? InitTrace() : null;
    private static Dictionary<(ulong, ulong, int, ulong), long> InitTrace()
    {
        var d = new Dictionary<(ulong, ulong, int, ulong), long>();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var g in d.GroupBy(kv => (kv.Key.Item3 & RegionEmitter.CodeMask, (kv.Key.Item3 >> RegionEmitter.CodeBits) == 0, (kv.Key.Item4 >> 12) == (kv.Key.Item1 >> 12))))
                Console.Error.WriteLine($"trace: exit code {g.Key.Item1}, {(g.Key.Item2 ? "computed" : "constant")}, {(g.Key.Item3 ? "same page" : "other page")}: {g.Sum(kv => kv.Value)} runs, {g.Count()} sites");
            foreach (var kv in d.OrderByDescending(kv => kv.Value).Take(40))
                Console.Error.WriteLine($"trace: region {kv.Key.Item1:x} entered at {kv.Key.Item2:x} exit {kv.Key.Item3 & RegionEmitter.CodeMask}/{kv.Key.Item3 >> RegionEmitter.CodeBits} to {kv.Key.Item4:x}: {kv.Value}");
        };
        return d;
    }
    private static void TraceRun(Region region, ulong entry, int r, ulong next)
    {
        var k = (region.Key.Address, entry, r, next);
        lock (s_trace!) s_trace[k] = s_trace.GetValueOrDefault(k) + 1;
    }

    /// <summary>
    /// The compiler thread's next job: the one with the highest score, where a job's score halves at every pick and
    /// grows by the first-tier entries since the last (ties: the oldest). Null once disposed.
    /// </summary>
    private CompileJob? NextJob()
    {
        lock (_queue)
        {
            while (true)
            {
                while (_queue.Count == 0 && !_closed) Monitor.Wait(_queue);
                if (_queue.Count == 0) return null;
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                for (int i = _queue.Count - 1; i >= 0; i--)
                {
                    var j = _queue[i];
                    long heat = Volatile.Read(ref j.Heat);
                    long fresh = heat - j.Seen;
                    j.Score = j.Score / 2 + fresh;
                    j.Seen = heat;
                    if (fresh > 0) j.LastHeatAt = now;
                    // a request whose hot block has not run in the first tier for a while is dropped (asked again if it runs
                    // again); rebuilds run compiled meanwhile, so they count no heat and stay
                    else if (s_staleTicks > 0 && j.Reason == CompileReason.Hot && now - j.LastHeatAt > s_staleTicks)
                    {
                        _queue.RemoveAt(i);
                        _dropped.Enqueue(j);
                        _publishReady = true;
                    }
                }
                if (_queue.Count == 0) continue;
                int best = 0;
                for (int i = 1; i < _queue.Count; i++)
                    if (First(_queue[i], _queue[best])) best = i;
                var next = _queue[best];
                _queue.RemoveAt(best);
                return next;
            }
        }
    }

    /// <summary>
    /// Whether job <paramref name="a"/> goes before <paramref name="b"/>: the hotter one, but a compact region's full compile
    /// (<see cref="CompileReason.Promote"/>) first (its blocks run compiled, so it counts no first-tier heat, and its compact
    /// code runs meanwhile: hot code, slower than the full code).
    /// </summary>
    private static bool First(CompileJob a, CompileJob b) =>
        (a.Reason == CompileReason.Promote) != (b.Reason == CompileReason.Promote) ? a.Reason == CompileReason.Promote : a.Score > b.Score;

    /// <summary>
    /// S390JIT_STALE_MS=N: compile requests whose hot block ran no first-tier entry for N ms are dropped (0: never).
    /// </summary>
    private static readonly long s_staleTicks = (long)(EnvInt("S390JIT_STALE_MS", 0) * (System.Diagnostics.Stopwatch.Frequency / 1000.0));
    private static int EnvInt(string name, int dflt) => int.TryParse(Environment.GetEnvironmentVariable(name), out int v) ? v : dflt;

    /// <summary>S390JIT_REGION_STATS=1: at exit, published regions by why they were compiled and how often they ran (diagnostic).</summary>
    private static readonly bool s_regionStats = Environment.GetEnvironmentVariable("S390JIT_REGION_STATS") == "1";
    private static readonly List<Region> s_published = InitRegionStats();
    private static List<Region> InitRegionStats()
    {
        var list = new List<Region>();
        if (!s_regionStats) return list;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (list)
            {
                (long Lo, long Hi)[] buckets = [(0, 0), (1, 9_999), (10_000, 99_999), (100_000, long.MaxValue)];
                {
                    // entries (block starts) used at run time: the dispatcher's and chained runs per entry
                    var es = list.SelectMany(r => r.Entries).ToList();
                    Console.Error.WriteLine($"regionstats: entries {es.Count}, run {es.Count(e => e.Runs > 0)}, run >= 100: {es.Count(e => e.Runs >= 100)}, " +
                        $"first blocks {es.Count(e => e.Block == 0)} (run {es.Count(e => e.Block == 0 && e.Runs > 0)}); runs {es.Sum(e => e.Runs)}, at first blocks {es.Where(e => e.Block == 0).Sum(e => e.Runs)}");
                    foreach (var k in es.GroupBy(e => e.Block < e.Region.Data.BlockKinds.Length ? e.Region.Data.BlockKinds[e.Block] : 9).OrderBy(k => k.Key))
                        Console.Error.WriteLine($"regionstats: entry kind {k.Key}: {k.Count()} entries, run {k.Count(e => e.Runs > 0)}, run >= 100: {k.Count(e => e.Runs >= 100)}, runs {k.Sum(e => e.Runs)}");
                }
                foreach (var g in list.GroupBy(r => r.Generation).OrderBy(g => g.Key))
                    Console.Error.WriteLine($"regionstats: generation {g.Key}: {g.Count()} regions, compile {g.Sum(r => r.CompileMicroseconds) / 1000:F0} ms, dead {g.Count(r => r.Dead)}");
                foreach (var g in list.GroupBy(r => r.Reason).OrderBy(g => g.Key))
                {
                    Console.Error.WriteLine($"regionstats: {g.Key}: {g.Count()} regions, {g.Sum(r => r.InstructionCount)} insns, compile {g.Sum(r => r.CompileMicroseconds) / 1000:F0} ms, " +
                        $"latency avg {g.Average(r => System.Diagnostics.Stopwatch.GetElapsedTime(r.RequestedAt, r.PublishedAt).TotalMilliseconds):F1} ms");
                    foreach (var (lo, hi) in buckets)
                    {
                        var sel = g.Where(r => r.Entries.Sum(e => e.Runs) is var n && n >= lo && n <= hi).ToList();
                        Console.Error.WriteLine($"regionstats:   runs {lo,6}-{(hi == long.MaxValue ? "" : hi.ToString()),-6} {sel.Count,4} regions, " +
                            $"{sel.Sum(r => r.InstructionCount),6} insns, compile {sel.Sum(r => r.CompileMicroseconds) / 1000,6:F0} ms, dead {sel.Count(r => r.Dead)}, dat {sel.Count(r => r.Key.Dat)}");
                    }
                }
            }
        };
        return list;
    }

    public void Dispose()
    {
        lock (_queue) { _closed = true; Monitor.PulseAll(_queue); }
    }
}
