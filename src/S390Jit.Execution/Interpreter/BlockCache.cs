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
    HotBlockAction BlockHot(Cpu cpu, RegionKey key);
}

/// <summary>What the first tier does with a hot block after <see cref="IHotBlockSink.BlockHot"/>.</summary>
public enum HotBlockAction
{
    /// <summary>Run it interpreted (its compile is pending); ask again at its next entry.</summary>
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

    private readonly CodeWatch _watch;
    private readonly List<Cpu> _cpus = [];
    private readonly Dictionary<RegionKey, DecodedBlock> _blocks = new();
    private readonly DecodedBlock?[] _fast = new DecodedBlock?[4096];
    private ulong[] _gen = [];
    private ulong[] _facilities = [];

    public BlockCache(CodeWatch watch) => _watch = watch;

    /// <summary>Block entries before <see cref="IHotBlockSink.BlockHot"/> is asked (int.MaxValue: never).</summary>
    public int HotThreshold { get; set; } = 40;

    /// <summary>Counters for --stats and the measurements.</summary>
    public long BlocksDecoded, FetchMisses, Flushes;

    /// <summary>A CPU whose write cache must forget frames that become code (every vcpu of a VM).</summary>
    public void Attach(Cpu cpu)
    {
        if (!_cpus.Contains(cpu)) _cpus.Add(cpu);
    }

    /// <summary>A watched frame was stored into: its blocks are stale.</summary>
    public void FrameWritten(ulong frame)
    {
        if (frame < (ulong)_gen.Length) _gen[frame]++;
    }

    /// <summary>The code watch was cleared: every block is stale.</summary>
    public void Clear()
    {
        _blocks.Clear();
        Array.Clear(_fast);
        for (int i = 0; i < _gen.Length; i++) _gen[i]++;
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
        if (HotThreshold == int.MaxValue) sink = null;
        // the cached bodies assumed the facility list they were decoded under (the SIE loads the guest's at entry)
        if (!cpu.Facilities.AsSpan().SequenceEqual(_facilities))
        {
            Clear();
            _facilities = (ulong[])cpu.Facilities.Clone();
        }
        var b = Find(cpu, key);
        if (b == null)
        {
            FetchMisses++;
            if (cpu.Cycles >= cpu.EventCycle)
            {
                ulong before = cpu.PswAddr;
                var e = cpu.ServiceEvents();
                if (e != CpuExit.None || cpu.PswAddr != before) return e;
            }
            return cpu.Step();
        }
        if (sink != null && b.Heat >= 0)
        {
            // the T-th entry (T = HotThreshold) asks the optimising tier, as does every later one while the key has
            // no compiled code (the engine found none before calling)
            if (b.Heat < HotThreshold) b.Heat++;
            if (b.Heat >= HotThreshold)
                switch (sink.BlockHot(cpu, key))
                {
                    case HotBlockAction.Dispatch: return CpuExit.None;
                    case HotBlockAction.Never: b.Heat = int.MinValue; break;
                }
            // (a compile may have dropped the translation caches or every block)
            if (!Valid(cpu, b)) return CpuExit.None;
        }
        var watch = _watch;
        int budget = ChainBudget;
        ulong mask = cpu.PswMask;
        while (true)
        {
            watch.CodeModified = false;
            var insns = b.Insns;
            var x = Execute(cpu, insns, watch, mask);
            if (x != Continue) return x == Stop ? CpuExit.None : x;
            // continue in the next block: only after a plain branch (or falling through), with the PSW mask unchanged
            if (!b.Chains) return CpuExit.None;
            budget -= insns.Length;
            if (budget <= 0) return CpuExit.None;
            ulong next = cpu.PswAddr;
            bool fell = next == b.End;
            var s = fell ? b.FallThrough : b.Taken;
            if (s == null || s.Key.Address != next || !Valid(cpu, s))
            {
                s = Find(cpu, key with { Address = next });
                if (s == null) return CpuExit.None;
                if (fell) b.FallThrough = s; else b.Taken = s;
            }
            if (s.Heat >= 0 && sink != null)
            {
                // its T-th entry (or a later one, while hot) goes through the engine's loop
                if (s.Heat + 1 >= HotThreshold) return CpuExit.None;
                s.Heat++;
            }
            b = s;
        }
    }

    // Execute's results besides a CpuExit of an instruction: the block ran to its end (or its last instruction
    // branched), or it stopped early and the caller's loop continues at the current PSW
    private const CpuExit Continue = (CpuExit)0xFE, Stop = (CpuExit)0xFF;

    /// <summary>Runs the instructions of one block (the threaded part: per instruction the step without fetch and decode).</summary>
    private static CpuExit Execute(Cpu cpu, DecodedInsn[] insns, CodeWatch watch, ulong mask)
    {
        ref var d = ref MemoryMarshal.GetArrayDataReference(insns);
        ref var end = ref Unsafe.Add(ref d, insns.Length);
        do
        {
            if (cpu.Cycles >= cpu.EventCycle)
            {
                var e = cpu.ServiceEvents();
                if (e != CpuExit.None) return e;
                // an interruption was taken: continue at its new PSW
                if (cpu.PswAddr != d.Addr || cpu.PswMask != mask) return Stop;
            }
            cpu.IssueAddr = d.Addr;
            cpu.InstrAddr = d.Addr;
            cpu.InstrLength = d.Insn.Length;
            cpu.PswAddr = d.Next;
            if (d.Body != null)
            {
                // simple bodies change neither the PSW mask nor, except branches (the last of a block), the address
                d.Body(new InterpBackend(cpu), ref d.Insn);
                cpu.Cycles += d.Cycles;
                cpu.Instructions++;
                if (watch.CodeModified) return Stop;
                if (cpu.PswAddr != d.Next) return Continue;
            }
            else
            {
                var x = cpu.Execute(d.Insn.Def, ref d.Insn);
                if (x != CpuExit.None) return x;
                if (cpu.PswAddr != d.Next || watch.CodeModified || cpu.PswMask != mask) return Stop;
            }
            d = ref Unsafe.Add(ref d, 1);
        }
        while (Unsafe.IsAddressLessThan(ref d, ref end));
        return Continue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Valid(Cpu cpu, DecodedBlock b)
    {
        ulong addr = b.Key.Address;
        ref var e = ref cpu.ExecTlb[(int)((addr >> 12) & (Cpu.TlbEntries - 1))];
        return e.Tag == addr >> 12 && e.Frame == b.Host && _gen[b.Frame] == b.Generation;
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

    /// <summary>The valid block at <paramref name="key"/>, decoded now if needed; null when none can be used.</summary>
    private DecodedBlock? Find(Cpu cpu, RegionKey key)
    {
        int slot = (int)((key.Address >> 1) & (ulong)(_fast.Length - 1));
        var b = _fast[slot];
        if (b == null || b.Key != key)
        {
            if (!_blocks.TryGetValue(key, out b)) b = null;
            else _fast[slot] = b;
        }
        if (b != null && Valid(cpu, b)) return b;
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
        ref var e = ref cpu.ExecTlb[(int)((addr >> 12) & (Cpu.TlbEntries - 1))];
        if (e.Tag != addr >> 12) return null;
        byte* host = e.Frame;
        ulong frame = (ulong)(host - cpu.Mem) >> 12;
        // the lowcore and every CPU's prefix area change without stores the watch sees (interruptions)
        if (frame <= 1 || InPrefixArea(cpu, frame)) return null;
        if (frame >= (ulong)_watch.FrameCount) return null;
        if (frame >= (ulong)_gen.Length) Array.Resize(ref _gen, _watch.FrameCount);
        var list = new List<DecodedInsn>(8);
        ulong a = addr, pageEnd = (addr | Cpu.PageMask) + 1;
        ulong addrMask = key.Mode == 64 ? ~0UL : key.Mode == 31 ? 0x7FFF_FFFFUL : 0xFF_FFFFUL;
        while (list.Count < MaxInstructions)
        {
            byte* p = host + (a & Cpu.PageMask);
            int len = Formats.LengthFromFirstByte(*p);
            if (a + (ulong)len > pageEnd) break;
            ulong raw = (ulong)*p << 56;
            for (int k = 1; k < len; k++) raw |= (ulong)p[k] << (56 - 8 * k);
            var def = Decoder.Lookup(raw);
            if (def == null) break;
            var d = new DecodedInsn { Addr = a, Next = (a + (ulong)len) & addrMask };
            d.Insn.Def = def;
            d.Insn.Raw = raw;
            d.Insn.Length = (byte)len;
            Decoder.ExtractFields(ref d.Insn, def);
            d.Cycles = (ulong)def.Cycles;
            if (AlwaysPasses(cpu, def, ref d.Insn)) d.Body = def.ExecSimple;
            list.Add(d);
            if ((def.Flags & (InsnFlags.Branch | InsnFlags.EndsBlock | InsnFlags.Io | InsnFlags.Execute)) != 0 || def.Sie != SieAction.Interpreted) break;
            a = d.Next;
            if (a >= pageEnd || a < addr) break;
        }
        if (list.Count == 0) return null;
        // stores into the block's bytes must now invalidate it
        if (_watch.Watch((ulong)(host - cpu.Mem) + (addr & Cpu.PageMask), list[^1].Addr + (ulong)list[^1].Insn.Length - addr))
        {
            // a frame newly watched: stores into it must now take the slow path, which reports them
            foreach (var c in _cpus)
                for (int i = 0; i < Cpu.TlbEntries; i++)
                    if (c.WriteTlb[i].Frame == host) c.WriteTlb[i].Tag = ulong.MaxValue;
        }
        BlocksDecoded++;
        var lastDef = list[^1].Insn.Def;
        return new DecodedBlock
        {
            Key = key, Insns = list.ToArray(), Host = host, Frame = frame, Generation = _gen[frame], End = list[^1].Next,
            Chains = lastDef.IsSimple && (lastDef.Flags & (InsnFlags.EndsBlock | InsnFlags.Io | InsnFlags.Execute)) == 0,
        };
    }
}
