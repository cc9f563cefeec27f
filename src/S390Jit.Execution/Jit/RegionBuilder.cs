using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Finds a region from a hot entry: decodes basic blocks, follows constant jump targets near the
/// entry, and stops at what must run in the interpreter (instructions the SIE intercepts, known
/// gaps, facilities not offered, register-pair violations, the lowcore and prefix pages).
/// </summary>
public sealed class RegionBuilder
{
    public const int MaxBlockLength = 64;
    /// <summary>
    /// Size limits of a plan (S390JIT_REGION_MAX=INSNS,BLOCKS overrides them, for measurements). 240/72 since the eighth
    /// session of issue 14 (perf/issue14-2026-12-03.md): kernel boot to /init 3.42 -> 3.34 s (medians of 7, interleaved;
    /// 200/60 and 320/96 no better, 1000/200 compiles for seconds), the CPU-bound guests within noise of 160/48.
    /// </summary>
    public static readonly int MaxInstructions = Limit(0, 240), MaxBlocksPerRegion = Limit(1, 72);

    private static int Limit(int i, int dflt) =>
        Environment.GetEnvironmentVariable("S390JIT_REGION_MAX") is { } v && v.Split(',') is var p && p.Length > i && int.TryParse(p[i], out int n) && n > 0 ? n : dflt;
    public const ulong Window = 0x1000;

    /// <summary>Branches that call: near callees join the region, and the return address becomes an entry.</summary>
    private static readonly HashSet<string> s_calls = ["BRAS", "BRASL", "BAS", "BASR", "BAL", "BALR", "BASSM"];

    private readonly Cpu _cpu;
    private readonly RegionKey _key;
    private readonly ulong _mask;

    private readonly IReadOnlyCollection<ulong> _seeds;

    /// <summary>Addresses of instructions whose TLB misses stay in compiled code (<see cref="PlanInsn.StayOnMiss"/>), or null.</summary>
    public IReadOnlySet<ulong>? StayOnMiss { get; init; }

    /// <summary>
    /// Whether code at an address has run (the first tier entered a block there), or null: every near target joins the
    /// plan. With it, jump targets, fall-throughs and return points that never ran stay out (their paths leave the
    /// region), so lukewarm code is not compiled along with the hot block.
    /// </summary>
    public Func<ulong, bool>? Executed { get; init; }

    /// <summary>The profiler's boundaries (<see cref="JitEngine.SplitBefore"/>), or null.</summary>
    public Func<ulong, InsnDef, ulong, bool>? SplitBefore { get; init; }

    /// <param name="seeds">More entry points to include (targets of computed jumps seen leaving an earlier region).</param>
    public RegionBuilder(Cpu cpu, RegionKey key, IReadOnlyCollection<ulong>? seeds = null)
    {
        _seeds = seeds ?? [];
        _cpu = cpu;
        _key = key;
        _mask = key.Mode == 64 ? ~0UL : key.Mode == 31 ? 0x7FFF_FFFFUL : 0xFF_FFFFUL;
    }

    /// <summary>Under DAT: the absolute frame the key's page translates to now (the region stays inside that page).</summary>
    private ulong _datFrame;
    /// <summary>Under DAT, after <see cref="Build"/>: the frame of the key's page (the plan's instructions are in it, but for the
    /// tail of one crossing into the next page).</summary>
    public ulong DatFrame => _datFrame;

    /// <summary>The absolute address and length of every instruction of the plan (the bytes the code watch must see stores into).</summary>
    private readonly List<(ulong Abs, ulong Length)> _code = new();

    /// <summary>
    /// Decodes the plan; returns null when nothing at the entry can be compiled. <paramref name="frames"/>: the absolute
    /// frames its instructions came from; <paramref name="code"/>: each instruction's absolute address and length.
    /// </summary>
    public List<PlanBlock>? Build(out HashSet<ulong> frames, out List<(ulong Abs, ulong Length)> code)
    {
        frames = new HashSet<ulong>();
        code = _code;
        // an odd instruction address is a specification exception before any fetch: the interpreter raises it
        if ((_key.Address & 1) != 0) return null;
        if (_key.Dat)
        {
            // the page's frame as instruction fetch translates it now; frames the CPU stores into without
            // reporting (the lowcore and prefix area: interruptions) never hold compiled code
            if (!_cpu.TryInstructionFrame(_key.Address, out _datFrame)) return null;
            ulong prefixFrame = _cpu.Prefix >> 12;
            if (_datFrame <= 1 || _datFrame == prefixFrame || _datFrame == prefixFrame + 1) return null;
        }
        var blocks = new SortedDictionary<ulong, PlanBlock>();
        var work = new Queue<ulong>();
        work.Enqueue(_key.Address);
        foreach (var seed in _seeds) if (Near(seed)) work.Enqueue(seed);
        int total = 0;
        while (work.Count > 0 && blocks.Count < MaxBlocksPerRegion && total < MaxInstructions)
        {
            ulong start = work.Dequeue();
            if (blocks.ContainsKey(start) || _inside.Contains(start)) continue;
            var block = DecodeBlock(start, frames, ref total, blocks);
            if (block.Insns.Count == 0) { if (start == _key.Address) return null; continue; }
            blocks[start] = block;
            for (int j = 1; j < block.Insns.Count; j++) _inside.Add(block.Insns[j].Addr);
            var last = block.Insns[^1];
            bool call = s_calls.Contains(last.Def.Mnemonic);
            foreach (var pi in block.Insns)
                foreach (var (t, _) in pi.Facts.Jumps)
                    if (t is ulong target && Near(target) && Ran(target)) work.Enqueue(target);
            if (block.FallThrough is ulong ft && Near(ft) && Ran(ft)) work.Enqueue(ft);
            // the return from a call lands after it: make that an entry of this region too
            if (call) { ulong ret = (last.Addr + (ulong)last.Length) & _mask; if (Near(ret) && Ran(ret)) work.Enqueue(ret); }
        }
        SplitAtTargets(blocks);
        int i = 0;
        foreach (var b in blocks.Values) b.Index = i++;
        // computed jumps search only the blocks they are likely to reach: returns and the profiled targets
        foreach (var seed in _seeds) if (blocks.TryGetValue(seed, out var sb)) sb.IndirectTarget = sb.Seed = true;
        foreach (var b in blocks.Values)
        {
            var last = b.Insns[^1];
            if (s_calls.Contains(last.Def.Mnemonic) && blocks.TryGetValue((last.Addr + (ulong)last.Length) & _mask, out var rb)) rb.IndirectTarget = true;
        }
        return blocks.Values.ToList();
    }

    /// <summary>
    /// A jump (or fall-through, return point, seed) into the middle of a block splits the block there, so the target is a
    /// block start and the jump stays in the region: loop heads after a loop's set-up instructions were decoded inside the
    /// block that runs into them, and jumps back to them left the region.
    /// </summary>
    private void SplitAtTargets(SortedDictionary<ulong, PlanBlock> blocks)
    {
        var targets = new SortedSet<ulong>();
        foreach (var seed in _seeds) targets.Add(seed);
        foreach (var b in blocks.Values)
        {
            foreach (var pi in b.Insns)
                foreach (var (t, _) in pi.Facts.Jumps)
                    if (t is ulong target) targets.Add(target);
            if (b.FallThrough is ulong ft) targets.Add(ft);
            var last = b.Insns[^1];
            if (s_calls.Contains(last.Def.Mnemonic)) targets.Add((last.Addr + (ulong)last.Length) & _mask);
        }
        foreach (var t in targets)
        {
            if (blocks.ContainsKey(t) || !Near(t)) continue;
            foreach (var b in blocks.Values)
            {
                int k = b.Insns.FindIndex(pi => pi.Addr == t);
                if (k <= 0) continue;
                var tail = new PlanBlock { Start = t, FallThrough = b.FallThrough };
                tail.Insns.AddRange(b.Insns.Skip(k));
                b.Insns.RemoveRange(k, b.Insns.Count - k);
                b.FallThrough = t;
                blocks[t] = tail;
                break;
            }
        }
    }

    private bool Ran(ulong addr) => Executed == null || Executed(addr);

    /// <summary>Addresses of the plan's instructions other than its blocks' first (a target there is inside a block).</summary>
    private readonly HashSet<ulong> _inside = new();

    /// <summary>Targets that join the region: near the entry; under DAT only in the entry's page (jumps to other pages leave the region, and the dispatcher checks their translation).</summary>
    private bool Near(ulong target) => (target & 1) == 0 && target >= 0x2000 &&
        (target >= _key.Address ? target - _key.Address < Window : _key.Address - target < Window) &&
        (!_key.Dat || (target >> 12) == (_key.Address >> 12));

    /// <summary>
    /// The absolute address of the next page <paramref name="page2"/> an instruction crosses into, when compiled code may
    /// fetch from it: not the lowcore or a prefix area (stores there are not watched), under DAT its frame as instruction
    /// fetch translates it now.
    /// </summary>
    private bool CrossPage(ulong page2, out ulong abs2)
    {
        abs2 = 0;
        if ((page2 & _mask) != page2 || page2 == 0) return false;
        ulong prefixFrame = _cpu.Prefix >> 12;
        if (_key.Dat)
        {
            if (!_cpu.TryInstructionFrame(page2, out ulong f2) || f2 <= 1 || f2 == prefixFrame || f2 == prefixFrame + 1) return false;
            abs2 = f2 << 12;
            return true;
        }
        if (page2 < 0x2000 || (page2 & ~0x1FFFUL) == _cpu.Prefix) return false;
        abs2 = _cpu.RealToAbsolute(page2);
        return abs2 >> 12 > 1 && abs2 >> 13 != _cpu.Prefix >> 13;
    }

    /// <summary>Whether compiled code may run this row here (otherwise the block stops before it).</summary>
    private bool Compilable(InsnDef def, ref Insn insn)
    {
        if (def.Body == null || def.Sie != SieAction.Interpreted) return false;
        if (def.Facility >= 0 && !_cpu.HasFacility(def.Facility)) return false;
        if (((def.Flags & InsnFlags.EvenR1) != 0 && (insn.R1 & 1) != 0) ||
            ((def.Flags & InsnFlags.EvenR2) != 0 && (insn.R2 & 1) != 0) ||
            ((def.Flags & InsnFlags.EvenR3) != 0 && (insn.R3 & 1) != 0)) return false;
        if (def.IsSimple && def.Has(InsnFlags.Priv)) return false;
        return true;
    }

    private PlanBlock DecodeBlock(ulong start, HashSet<ulong> frames, ref int total, SortedDictionary<ulong, PlanBlock> blocks)
    {
        var block = new PlanBlock { Start = start };
        ulong addr = start;
        while (block.Insns.Count < MaxBlockLength && total < MaxInstructions)
        {
            if (addr != start && blocks.ContainsKey(addr)) break; // runs into a block decoded before: falls through to it
            if (_key.Dat ? (addr >> 12) != (_key.Address >> 12) : addr < 0x2000 || (addr & ~0x1FFFUL) == _cpu.Prefix) break;
            ulong raw;
            int len;
            try { raw = _cpu.Fetch(addr, out len); }
            catch (ProgramInterruptException) { break; }
            // an instruction crossing into the next page (the fetch above translated both): its bytes there are watched too,
            // and under DAT compiled code checks that page's translation before running it (PlanInsn.CrossPage)
            ulong page2 = (addr | Cpu.PageMask) + 1, abs2 = 0;
            bool crosses = ((addr + (ulong)len - 1) >> 12) != (addr >> 12);
            if (crosses && !CrossPage(page2, out abs2)) break;
            var def = Decoder.Lookup(raw);
            if (def == null) break;
            var insn = new Insn { Def = def, Raw = raw, Length = (byte)len };
            Decoder.ExtractFields(ref insn, def);
            if (!Compilable(def, ref insn)) break;
            if (SplitBefore != null && SplitBefore(addr, def, _key.Address)) break;
            var pi = new PlanInsn
            {
                Addr = addr, Def = def, Insn = insn, StayOnMiss = StayOnMiss?.Contains(addr) == true,
                CrossPage = crosses && _key.Dat ? (page2, abs2 >> 12) : null,
            };
            pi.Facts = AnalysisBackend.Analyze(def, ref pi.Insn, addr, len, _key.Mode, _key.FixedOverflowMask);
            ulong abs = _key.Dat ? (_datFrame << 12) | (addr & Cpu.PageMask) : _cpu.RealToAbsolute(addr);
            frames.Add(abs >> 12);
            if (crosses)
            {
                ulong first = page2 - addr;
                _code.Add((abs, first));
                _code.Add((abs2, (ulong)len - first));
                frames.Add(abs2 >> 12);
            }
            else _code.Add((abs, (ulong)len));
            block.Insns.Add(pi);
            total++;
            ulong next = (addr + (ulong)len) & _mask;
            bool endsBlock = !def.IsSimple || def.Has(InsnFlags.Branch) || def.Has(InsnFlags.EndsBlock) || pi.Facts.Jumps.Count > 0;
            if (endsBlock)
            {
                bool unconditional = pi.Facts.Jumps.Any(j => j.Always) ||
                    (!def.IsSimple && (def.Has(InsnFlags.Branch) || def.Has(InsnFlags.EndsBlock)) && !def.Has(InsnFlags.Continues));
                block.FallThrough = unconditional ? null : next;
                return block;
            }
            addr = next;
        }
        block.FallThrough = addr;
        return block;
    }
}
