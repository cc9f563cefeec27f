using System.Runtime.InteropServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;
using S390Jit.Execution.Jit;

namespace S390Jit.Execution.Native;

/// <summary>
/// Regions compiled natively: a region plan (<see cref="RegionBuilder"/>) translated straight to x86-64 code by the native
/// first tier's emitter (<see cref="NativeEmitter"/> in its region mode), on the vcpu thread, in 1.5-2 µs per guest
/// instruction, instead of IL for RyuJIT on the compiler thread (~40 µs per instruction, and a queue). The code keeps the
/// contract of the IL regions (<see cref="RegionEmitter"/>): entered at any block start through <see cref="Region.Run"/>, it
/// returns <c>code | index &lt;&lt; CodeBits</c>; blocks jump to each other inside the code; events are checked at the same
/// check points against the same bounds (<see cref="RegionCompiler.EventBounds"/>); a block's cycles and instructions are
/// charged at its start and given back by the dispatcher for an exit inside it (<see cref="RegionData.UnchargeCycles"/>);
/// an instruction that cannot complete here (a data-cache miss, a trap, an overflow the interpreter raises) leaves with
/// the state as before it (ExitReexecute) and the interpreter executes it. Guest registers and the condition code live in
/// the CPU, stored when an instruction completes; within a block the emitter keeps values it loaded or made in host
/// registers for the instructions after (<see cref="NativeEmitter.MaxKept"/>).
/// <para>Instructions the emitter does not translate (helpers: privileged, storage-to-storage, interlocked updates...;
/// floating point and vector bodies; page-crossing instructions under DAT) are blocks of their own whose code is an exit:
/// the dispatcher runs the helper pre-decoded (RegionEmitter.ExitHelper) and goes on in the region's entry after it.
/// Constant exits go on in native code into the native region entry the dispatcher linked (per-site links), computed ones
/// into the engine's table of native entries by address (<see cref="TargetSlots"/>), within the dispatcher's chained runs
/// (<see cref="Cpu.JitChainMask"/>) and, under DAT, while instruction fetch still translates the target's page to its frame.</para>
/// <para>Such a region is compact code (<see cref="Region.Compact"/>): its blocks count the instructions they run (its
/// heat), and once that is <see cref="PromoteHeat"/> times its size the dispatcher compiles it again through RyuJIT
/// (registers in host registers across the region, condition codes fused with branches), which takes over its entries; a
/// native region over that limit is not chained into (the dispatcher enters it and sees its heat). Kernel boot
/// (perf/issue14-2026-12-03.md, twelfth session): 543 native regions (28 k instructions, 45 ms) and 191 RyuJIT compiles
/// (12 k instructions, 453 ms) against ~600 RyuJIT compiles (34 k instructions, 1.2-1.3 s) before; the boot's wall time
/// unchanged. Pure native code (never promoted) runs the boot decompressor in 3.0 s against RyuJIT's 1.6 s and the first
/// tier's 4.7 s.</para>
/// </summary>
public static unsafe class NativeRegions
{
    /// <summary>First compiles of hot blocks' regions are native (S390JIT_NATIVE_REGIONS=0: RyuJIT as before; needs the native tier's executable memory).</summary>
    public static bool Enabled = ExecutableMemory.Available && Environment.GetEnvironmentVariable("S390JIT_NATIVE_REGIONS") != "0" &&
        Environment.GetEnvironmentVariable("S390JIT_NATIVE") != "0";

    /// <summary>
    /// S390JIT_NATIVE_PROMOTE=N: a native region is compiled by RyuJIT once it ran N times as many guest instructions as it
    /// has. Boot medians of 5 interleaved runs, against 3.156 s without native regions: 5000 3.180, 10000 3.27, 30000 3.34
    /// (native code is about half RyuJIT's speed on hot loops); 500-2000 no faster than 5000, with more RyuJIT compiles.
    /// </summary>
    public static long PromoteHeat = long.TryParse(Environment.GetEnvironmentVariable("S390JIT_NATIVE_PROMOTE"), out long ph) && ph > 0 ? ph : 5000;

    /// <summary>
    /// What native code knows of a native region (unmanaged, never freed: other regions' links may point at it): whether it is
    /// alive, the instructions its blocks ran (its heat: the dispatcher compiles it through RyuJIT once hot), and under DAT
    /// the page it was compiled for and the host address of the frame it was compiled from.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Head { public long Alive, Heat; public ulong Page; public nint Host; public long Limit; }
    /// <summary>An entry of a native region (one per block): its code (an entry check, then the block), its region, and a GC handle of its <see cref="RegionEntry"/> once an exit site links to it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Entry { public nint Code; public Head* Head; public nint Handle; public ulong Addr, KeyBits, Asce; }
    internal const int OffEntryCode = 0, OffEntryHead = 8, OffEntryAddr = 24, OffEntryKeyBits = 32, OffEntryAsce = 40,
        OffHeadAlive = 0, OffHeadHeat = 8, OffHeadPage = 16, OffHeadHost = 24, OffHeadLimit = 32;

    /// <summary>Slots of an engine's table of native region entries by guest address (direct-mapped on address bits 1-13, the newest wins).</summary>
    public const int TargetSlots = 8192;
    internal static int TargetSlot(ulong addr) => (int)((addr >> 1) & (TargetSlots - 1));

    /// <summary>The dispatcher made <paramref name="en"/> the entry of its key: computed exits of native regions of that key may go on into it.</summary>
    public static void Publish(RegionEntry en, nint[] targets)
    {
        if (!Chain || en.Region.NativeEntries == 0) return;
        var e = (Entry*)en.Region.NativeEntries + en.Block;
        if (e->Handle == 0) e->Handle = GCHandle.ToIntPtr(GCHandle.Alloc(en));
        targets[TargetSlot(en.Key.Address)] = (nint)e;
    }

    /// <summary>
    /// S390JIT_NATIVE_CHAIN=0: native regions always return to the dispatcher at their constant exits (measurement). Default: an
    /// exit site the dispatcher linked to another native region's entry of the same key goes on into it in native code.
    /// </summary>
    public static bool Chain = Environment.GetEnvironmentVariable("S390JIT_NATIVE_CHAIN") != "0";

    /// <summary>The dispatcher linked exit site <paramref name="site"/> of <paramref name="from"/> to <paramref name="to"/>: native code follows the link when both are native regions of one key.</summary>
    public static void Link(Region from, int site, RegionEntry to)
    {
        if (!from.Native || !to.Region.Native || from.NativeLinks == 0 || site >= from.NativeLinkCount || to.Dead ||
            to.Key with { Address = from.Key.Address } != from.Key) return;
        var e = (Entry*)to.Region.NativeEntries + to.Block;
        if (e->Handle == 0) e->Handle = GCHandle.ToIntPtr(GCHandle.Alloc(to));
        ((nint*)from.NativeLinks)[site] = (nint)e;
    }

    /// <summary>The region is dead: links into it are no longer followed, and its entries' handles are freed.</summary>
    public static void Kill(Region r)
    {
        var h = (Head*)r.NativeHead;
        if (h == null || h->Alive == 0) return;
        h->Alive = 0;
        var e = (Entry*)r.NativeEntries;
        for (int i = 0; i < r.Data.BlockStarts.Length; i++)
            if (e[i].Handle != 0) { GCHandle.FromIntPtr(e[i].Handle).Free(); e[i].Handle = 0; }
    }

    /// <summary>The instructions a native region's blocks ran.</summary>
    public static long Heat(Region r) => ((Head*)r.NativeHead)->Heat;

    /// <summary>The region's promotion was requested: native code chains into it again (until then, from its limit on, it returns to the dispatcher, which watches its heat).</summary>
    public static void Promoting(Region r) { if (r.NativeHead != 0) ((Head*)r.NativeHead)->Limit = long.MaxValue; }

    /// <summary>The heat at which a native region of <paramref name="count"/> instructions is compiled through RyuJIT (saturating).</summary>
    public static long PromoteLimit(int count) => PromoteHeat > long.MaxValue / Math.Max(count, 1) ? long.MaxValue : PromoteHeat * count;

    /// <summary>
    /// Benchmarks (perf/S390Jit.Benchmarks): translate, but place no code (executable memory is never freed) and return
    /// null; <see cref="EmittedBytes"/> is the last translation's size.
    /// </summary>
    public static bool EmitOnly;
    public static int EmittedBytes;

    /// <summary>Counters for --stats (process totals): regions compiled natively, their instructions, compile CPU (µs), plans left to RyuJIT.</summary>
    public static long Regions, Instructions, Declined;
    public static double Microseconds;

    [ThreadStatic] private static NativeEmitter? t_emitter;
    /// <summary>S390JIT_NATIVE_REGIONS_WHY=1: each declined plan's first instruction that is not translated (diagnostic).</summary>
    private static readonly bool s_why = Environment.GetEnvironmentVariable("S390JIT_NATIVE_REGIONS_WHY") == "1";
    /// <summary>Rows whose body did not translate in a region once (not tried again).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<InsnDef, bool> s_untranslatable = new();

    /// <summary>
    /// Instructions native code leaves to the interpreter: helpers (checks, privileged, storage-to-storage, interlocked
    /// updates...), bodies the emitter does not translate (floating point, vector), and instructions that cross into the
    /// next page under DAT (fetched anew). Each is a block of its own whose code is a step exit: the dispatcher interprets
    /// it (RegionData.BlockStarts/BlockEnds) and goes on at the region's entry after it.
    /// </summary>
    private static bool Steps(PlanInsn p) => !p.Def.IsSimple || p.CrossPage != null || p.Facts.NeedsVector || s_untranslatable.ContainsKey(p.Def);

    /// <summary>The plan with every instruction <see cref="Steps"/> gives the interpreter in a block of its own (a copy; the plan itself is kept for RyuJIT); null when nothing is left to translate.</summary>
    private static List<PlanBlock>? Split(List<PlanBlock> blocks, out bool[] step)
    {
        var r = new List<PlanBlock>(blocks.Count);
        var st = new List<bool>(blocks.Count);
        int translated = 0;
        foreach (var b in blocks)
        {
            PlanBlock? cur = null;
            for (int i = 0; i < b.Insns.Count; i++)
            {
                var p = b.Insns[i];
                ulong? next = i + 1 < b.Insns.Count ? b.Insns[i + 1].Addr : b.FallThrough;
                if (Steps(p))
                {
                    if (cur != null) { cur.FallThrough = p.Addr; cur = null; }
                    if (s_why) Console.Error.WriteLine($"native-region: {p.Def.Mnemonic} at {p.Addr:x} steps ({(p.Def.IsSimple ? p.CrossPage != null ? "crosses a page" : "not translated" : "helper")})");
                    var h = new PlanBlock { Start = p.Addr, Seed = i == 0 && b.Seed, IndirectTarget = i == 0 && b.IndirectTarget, FallThrough = next };
                    h.Insns.Add(p);
                    r.Add(h); st.Add(true);
                    continue;
                }
                if (cur == null)
                {
                    cur = new PlanBlock { Start = p.Addr, Seed = i == 0 && b.Seed, IndirectTarget = i == 0 && b.IndirectTarget };
                    r.Add(cur); st.Add(false);
                }
                cur.Insns.Add(p);
                cur.FallThrough = next;
                translated++;
            }
        }
        step = st.ToArray();
        for (int i = 0; i < r.Count; i++) r[i].Index = i;
        return translated == 0 ? null : r;
    }

    /// <summary>Compiles the plan natively; null when it cannot be (the caller compiles it through RyuJIT).</summary>
    public static Region? Compile(Cpu cpu, RegionKey key, List<PlanBlock> plan, ulong[] frames, ulong[] generations)
    {
        double start = RegionCompiler.ThreadCpuMicroseconds();
        // (a body found untranslatable while translating: its rows step from then on, and the plan is split again)
        for (int attempt = 0; attempt < 4; attempt++)
        {
            var blocks = Split(plan, out var step);
            if (blocks == null || !NativeBlocks.EnsureStubs(cpu)) break;
            var r = Compile(cpu, key, blocks, step, frames, generations, start, out bool retry);
            if (r != null || !retry) return r;
        }
        Declined++;
        return null;
    }

    private static Region? Compile(Cpu cpu, RegionKey key, List<PlanBlock> blocks, bool[] step, ulong[] frames, ulong[] generations, double start, out bool retry)
    {
        retry = false;
        var e = t_emitter ??= new NativeEmitter();
        int count = 0;
        foreach (var b in blocks) count += b.Insns.Count;
        // (every instruction is at most one exit site, and every block end one more)
        int maxLinks = Chain ? count + blocks.Count + 1 : 0;
        var head = (Head*)NativeMemory.AllocZeroed((nuint)sizeof(Head));
        var links = (nint*)NativeMemory.AllocZeroed((nuint)(Math.Max(maxLinks, 1) * sizeof(nint)));
        var ents = (Entry*)NativeMemory.AllocZeroed((nuint)(blocks.Count * sizeof(Entry)));
        head->Page = key.Address >> 12;
        head->Limit = PromoteLimit(count);
        head->Host = key.Dat ? (nint)(cpu.Mem + (frames[0] << 12)) : 0;
        e.ResetRegion(key.Mode, key.FixedOverflowMask, key.Dat, (nint)links, maxLinks, (nint)(&head->Heat),
            Chain ? NativeDesc.KeyBitsOf(key.Mode, key.FixedOverflowMask, key.Dat) : ulong.MaxValue, key.Asce);
        var a = e.A;
        var data = new RegionData
        {
            Defs = new InsnDef[count], Insns = new Insn[count], Addrs = new ulong[count], Lengths = new int[count],
            UnchargeCycles = new ulong[count], UnchargeCount = new ulong[count],
            BlockStarts = new ulong[blocks.Count], BlockEnds = new ulong[blocks.Count], BlockKinds = new byte[blocks.Count],
        };
        var labels = new int[blocks.Count];
        var index = new Dictionary<ulong, int>(blocks.Count);
        for (int i = 0; i < blocks.Count; i++)
        {
            labels[i] = a.NewLabel();
            index[blocks[i].Start] = i;
            data.BlockStarts[i] = blocks[i].Start;
            var last = blocks[i].Insns[^1];
            data.BlockEnds[i] = last.Addr + (ulong)last.Length;
            data.BlockKinds[i] = (byte)(i == 0 ? 0 : blocks[i].Seed ? 1 : blocks[i].IndirectTarget ? 2 : 3);
        }
        e.RegionLabel = t => index.TryGetValue(t, out int i) ? labels[i] : -1;
        var marks = NativeBlocks.Dumping ? new List<string>() : null;
        var be = new X64Backend(e);
        try
        {
            var bounds = data.EntryBounds = RegionCompiler.EventBounds(blocks, out var check, out var succ);
            // the entries: a check point checks itself; the other blocks' entry checks their bound here
            var entries = new int[blocks.Count];
            for (int i = 0; i < blocks.Count; i++)
            {
                entries[i] = a.NewLabel();
                a.Bind(entries[i]);
                if (!check[i]) e.EventCheck(bounds[i], i);
                a.Jmp(labels[i]);
            }
            int k = 0;
            for (int bi = 0; bi < blocks.Count; bi++)
            {
                var block = blocks[bi];
                a.Bind(labels[bi]);
                e.BeginBlock();
                e.Edges.Clear();
                if (step[bi])
                {
                    // the interpreter runs it (the dispatcher sets the PSW to the block's start)
                    var p = block.Insns[0];
                    if (check[bi]) e.EventCheck(bounds[bi], bi); // (no event is due where a helper exit starts)
                    data.Defs[k] = p.Def; data.Insns[k] = p.Insn; data.Addrs[k] = p.Addr; data.Lengths[k] = p.Length;
                    k++;
                    // (a page-crossing instruction is fetched anew: the interpreter runs its block; a helper runs pre-decoded)
                    e.Return(p.CrossPage != null ? RegionEmitter.ExitStep | bi << RegionEmitter.CodeBits : RegionEmitter.ExitHelper | (k - 1) << RegionEmitter.CodeBits);
                    continue;
                }
                if (check[bi]) e.EventCheck(bounds[bi], bi);
                ulong cycles = 0;
                foreach (var p in block.Insns) cycles += RegionCompiler.Cost(p);
                e.Charge(cycles, (ulong)block.Insns.Count);
                ulong charged = cycles, left = (ulong)block.Insns.Count;
                foreach (var p in block.Insns)
                {
                    data.Defs[k] = p.Def; data.Insns[k] = p.Insn; data.Addrs[k] = p.Addr; data.Lengths[k] = p.Length;
                    data.UnchargeCycles[k] = charged;
                    data.UnchargeCount[k] = left;
                    charged -= RegionCompiler.Cost(p);
                    left--;
                    marks?.Add($"{a.Length:x}:{p.Def.Mnemonic}");
                    e.Begin(k, p.Addr, (p.Addr + (ulong)p.Length) & e.AddrMask);
                    try { SimpleBodies<X64Backend, XVal>.For(p.Def)(be, ref data.Insns[k]); }
                    catch (NativeUnsupportedException)
                    {
                        s_untranslatable[p.Def] = true;
                        if (s_why) Console.Error.WriteLine($"native-region: {p.Def.Mnemonic} at {p.Addr:x} did not translate");
                        throw;
                    }
                    e.Commit();
                    k++;
                }
                if (block.FallThrough is ulong ft)
                {
                    if (!(bi + 1 < blocks.Count && blocks[bi + 1].Start == ft)) e.GoTo(ft);
                    else e.Edges.Add(labels[bi + 1]);
                }
                else e.ExitTo(data.BlockEnds[bi] & e.AddrMask); // (not reached: the last instruction left the block)
                // the bounds hold only for the edges EventBounds followed (or edges into check points)
                foreach (int l in e.Edges)
                {
                    int j = Array.IndexOf(labels, l);
                    if (!check[j] && !succ[bi].Contains(j)) return null;
                }
            }
            e.EmitExits();
            e.EmitChainTail();
            var bytes = a.Finish();
            if (EmitOnly) { EmittedBytes = bytes.Length; return null; }
            byte* code = ExecutableMemory.Place(bytes);
            if (code == null) return null;
            NativeBlocks.Dump($"region {key.Address:x}, {blocks.Count} blocks, {count} insns" + (marks != null ? " marks " + string.Join(",", marks) : ""), (nint)code, bytes);
            for (int i = 0; i < blocks.Count; i++)
            {
                ents[i].Code = (nint)(code + a.LabelOffset(entries[i]));
                ents[i].Head = head;
                ents[i].Addr = blocks[i].Start;
                ents[i].KeyBits = NativeDesc.KeyBitsOf(key.Mode, key.FixedOverflowMask, key.Dat);
                ents[i].Asce = key.Asce;
            }
            head->Alive = 1;
            data.ExitTargets = e.ExitSites.ToArray();
            int sites = data.ExitTargets.Length;
            data.ExitLinks = new RegionEntry?[sites];
            data.ExitMisses = new int[sites];
            Array.Fill(data.ExitMisses, -1);
            data.ExitBlocks = new Interpreter.DecodedBlock?[sites];
            var run = new Code(ents);
            double us = RegionCompiler.ThreadCpuMicroseconds() - start;
            Regions++;
            Instructions += count;
            Microseconds += us;
            return new Region
            {
                Key = key, Data = data, Frames = frames, FrameGenerations = generations, InstructionCount = count,
                Run = run.Run, CompileMicroseconds = us, Compact = true, Native = true,
                NativeHead = (nint)head, NativeEntries = (nint)ents, NativeLinks = (nint)links, NativeLinkCount = maxLinks,
            };
        }
        catch (NativeUnsupportedException) { retry = true; return null; }
        // (anything else a translation runs into leaves the plan to RyuJIT, as the first tier's blocks stay in its loop: a
        // failure here never stops the guest)
        catch (Exception) { return null; }
        finally
        {
            // (a region not made: nothing links to its memory)
            if (head->Alive == 0) { NativeMemory.Free(head); NativeMemory.Free(links); NativeMemory.Free(ents); }
        }
    }

    /// <summary>A native region's entries; its run names the region entry its code chained into last (<see cref="Cpu.JitChained"/>: the result is that region's).</summary>
    private sealed class Code(Entry* entries)
    {
        public int Run(Cpu cpu, int block)
        {
            int r;
            cpu.NativeRegionLast = 0;
            fixed (Regs16* g = &cpu.G) r = ((delegate* unmanaged[SuppressGCTransition]<Regs16*, nint, int>)NativeBlocks.Enter)(g, entries[block].Code);
            if (cpu.NativeRegionLast != 0) cpu.JitChained = GCHandle.FromIntPtr(((Entry*)cpu.NativeRegionLast)->Handle).Target;
            return r;
        }
    }
}
