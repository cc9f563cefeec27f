using System.Reflection.Emit;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Guest registers: a few resident registers (the region's hottest) live in region-wide locals,
/// loaded at entry and stored at exits; every other register lives in the CPU and is cached in the
/// current block: loaded at its first use in the block, written into fresh single-assignment
/// locals, and stored back (when written) on every path that leaves the block. Nothing but the
/// resident registers, the condition code and the counters is live across blocks, so RyuJIT's
/// register allocator sees short intervals (QEMU's discipline for globals).
/// </summary>
public sealed unsafe partial class RegionEmitter
{
    private readonly bool[] _resident;
    private readonly LocalBuilder?[] _cache = new LocalBuilder?[16];
    private readonly bool[] _cacheDirty = new bool[16];

    /// <summary>The local holding register <paramref name="r"/> in this block (loaded from the CPU at first use).</summary>
    private LocalBuilder Cached(int r)
    {
        if (_cache[r] is { } l) return l;
        EmitCpuReg(r);
        l = Pop().Local!;
        _cache[r] = l;
        return l;
    }

    /// <summary>Pushes register <paramref name="r"/> from the CPU.</summary>
    private void EmitCpuReg(int r)
    {
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G);
        if (r != 0) { EmitI4(r * 8); _il.Emit(OpCodes.Add); }
        _il.Emit(OpCodes.Ldind_I8);
    }

    /// <summary>
    /// Registers the current block reads in one instruction only, once (<see cref="InstrFacts.MultiReads"/>): such a
    /// read loads the CPU's register where it is used, with no cache local. The CPU's copy of a register changes
    /// only where the block leaves (stores of written registers) or at helpers, after every use of such a read.
    /// </summary>
    private int _singleReads;
    public int SingleReads { set => _singleReads = LazyRegs ? value : 0; }
    /// <summary>Off by default (S390JIT_LAZY_REGS=1 on): same IL bytes, but RyuJIT took longer on the repeated loads (kernel boot, load 12-15: 67 against 58 us per instruction).</summary>
    internal static readonly bool LazyRegs = Environment.GetEnvironmentVariable("S390JIT_LAZY_REGS") == "1";

    /// <summary>Register <paramref name="r"/> now holds the single-assignment local <paramref name="l"/>.</summary>
    private void SetCached(int r, LocalBuilder l)
    {
        _cache[r] = l;
        if (WriteThroughNow)
        {
            // stored where it is written: no exit of the block stores it again
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G);
            if (r != 0) { EmitI4(r * 8); _il.Emit(OpCodes.Add); }
            _il.Emit(OpCodes.Ldloc, l);
            _il.Emit(OpCodes.Stind_I8);
            _hiClean[r] = true;
            return;
        }
        _cacheDirty[r] = true;
        _flushStub = null;
    }

    /// <summary>
    /// S390JIT_WRITE_THROUGH=0 turns it off (the former rule: the block's written registers are stored where the block is
    /// left, by the flush stubs and at the block's end). Default: outside carried loops, a register that is not resident is stored into the CPU where an
    /// instruction writes it (its low word for a 32-bit write), and stays cached in its local for the block's reads; the
    /// block's exits and flush stubs then store only the condition code and the resident registers' pending low words
    /// (perf/issue14-ilslim.md: less IL in the stubs; a register written twice in a block is stored twice).
    /// </summary>
    internal static bool WriteThrough = Environment.GetEnvironmentVariable("S390JIT_WRITE_THROUGH") != "0";
    private bool WriteThroughNow => WriteThrough && _loop == null;

    // exits of a block with the same written registers share one out-of-line store sequence
    private Label? _flushStub;
    private readonly List<(Label Label, RegState[] Stores, (int Level, CcOp Op, Val Src, Val Dst) Cc)> _flushStubs = new();

    /// <summary>
    /// 32-bit writes are lazy inside a block (S390JIT_LAZY32=0 turns it off): a register written by a 32-bit operation
    /// keeps its new low word in a local of its own (zero-extended) and its high word where it was (the cache local,
    /// the resident local, or the CPU), with no merge per instruction. 32-bit reads take the low word as it is; the
    /// merge is made only where the whole register is needed (a 64-bit read, a high-word write) or stored: a
    /// non-resident register whose high word the CPU still holds is stored as its low word alone (one 32-bit store),
    /// a resident one is merged into its local where the block is left.
    /// </summary>
    internal static readonly bool Lazy32 = Environment.GetEnvironmentVariable("S390JIT_LAZY32") != "0";
    /// <summary>Registers whose low word is pending in <see cref="_lo"/>.</summary>
    private readonly bool[] _pending = new bool[16];
    private readonly Val[] _lo = new Val[16];
    /// <summary>Non-resident registers whose high word the CPU holds (nothing wrote it in this block: 32-bit writes keep it).</summary>
    private readonly bool[] _hiClean = new bool[16];

    /// <summary>What a store of register <c>Reg</c> needs, as of one point of the block (captured for the shared exit stubs).</summary>
    private readonly record struct RegState(int Reg, bool Resident, LocalBuilder? Cache, bool Pending, Val Lo, bool HiClean);

    private RegState StateOf(int r) => new(r, _resident[r], _resident[r] ? null : _cache[r], _pending[r], _lo[r], _hiClean[r]);

    /// <summary>Pushes the whole value of a register in state <paramref name="s"/> (no state change: a merge if its low word is pending).</summary>
    private void PushWhole(in RegState s)
    {
        if (s.Resident) _il.Emit(OpCodes.Ldloc, _regs[s.Reg]);
        else if (s.Cache is { } c) _il.Emit(OpCodes.Ldloc, c);
        else EmitCpuReg(s.Reg);
        if (!s.Pending) return;
        EmitI8(unchecked((long)0xFFFF_FFFF_0000_0000UL));
        _il.Emit(OpCodes.And);
        Push(s.Lo);
        _il.Emit(OpCodes.Or);
    }

    /// <summary>Stores a register in state <paramref name="s"/> where it lives across blocks: the CPU (only the low word when the CPU holds the high one), or the resident local.</summary>
    private void EmitStore(in RegState s)
    {
        if (s.Resident)
        {
            if (!s.Pending) return;
            PushWhole(s);
            _il.Emit(OpCodes.Stloc, _regs[s.Reg]);
            return;
        }
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G);
        if (s.Reg != 0) { EmitI4(s.Reg * 8); _il.Emit(OpCodes.Add); }
        if (s.Pending && s.HiClean)
        {
            Push(s.Lo);
            _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Stind_I4); // little-endian host: the low word is at the register's address
            return;
        }
        PushWhole(s);
        _il.Emit(OpCodes.Stind_I8);
    }

    /// <summary>Whether leaving the block from here stores anything for register <paramref name="r"/>.</summary>
    private bool NeedsStore(int r) => _resident[r] ? _pending[r] : _cacheDirty[r];

    /// <summary>Makes register <paramref name="r"/>'s whole value current on the main path (its pending low word merged).</summary>
    private void Materialize(int r)
    {
        if (!_pending[r]) return;
        var s = StateOf(r);
        PushWhole(s);
        _pending[r] = false;
        _flushStub = null;
        if (_resident[r]) { _il.Emit(OpCodes.Stloc, _regs[r]); BumpRegVersion(r); }
        else _cache[r] = Pop().Local!; // still dirty; the CPU's high word is unchanged (HiClean stays)
    }

    /// <summary>The low word of register <paramref name="r"/>, zero-extended.</summary>
    public Val ReadReg32(int r)
    {
        if (_pending[r]) return _lo[r];
        if (Low32Loads && !_resident[r] && _cache[r] == null)
        {
            // not written in this block: its low word from the CPU, a 32-bit load (kept for the block's other 32-bit reads)
            if (_lowCache[r] is { } lc) return new Val(lc);
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G);
            if (r != 0) { EmitI4(r * 8); _il.Emit(OpCodes.Add); }
            _il.Emit(OpCodes.Ldind_U4);
            _il.Emit(OpCodes.Conv_U8);
            var v = Pop();
            _zext.Add(v.Local!);
            _lowCache[r] = v.Local;
            return v;
        }
        return Trunc32(ReadReg(r));
    }

    /// <summary>
    /// S390JIT_LOW32_LOADS=0 turns it off. Default: a 32-bit read of a register the block has not written or loaded whole
    /// loads its low word alone (<see cref="_lowCache"/>). A 32-bit write of a non-resident register stores its low word
    /// alone (write-through, or at the block's end); the next block's read of the whole register, 8 bytes over a 4-byte
    /// store still in the store buffer, cannot be forwarded and waits for the store to complete; a 4-byte load can be.
    /// </summary>
    internal static bool Low32Loads = Environment.GetEnvironmentVariable("S390JIT_LOW32_LOADS") != "0";
    /// <summary>Per register: a local with its low word as loaded from the CPU in this block (only while it has no cache local and no pending low word).</summary>
    private readonly LocalBuilder?[] _lowCache = new LocalBuilder?[16];

    /// <summary>Leaves for the exit block: through a shared stub that stores the block's written registers, if any.</summary>
    private void BranchToExit() => _il.Emit(OpCodes.Br, ExitTarget());

    /// <summary>Where an exit from here goes: the exit block, or the shared stub that stores the block's written registers first.</summary>
    private Label ExitTarget()
    {
        bool anyDirty = false;
        for (int r = 0; r < 16; r++) anyDirty |= NeedsStore(r);
        if (!anyDirty && _ccDirty == 0) return _exit;
        if (_flushStub is not Label stub)
        {
            stub = _il.DefineLabel();
            int n = 0;
            for (int r = 0; r < 16; r++) if (NeedsStore(r)) n++;
            var stores = new RegState[n];
            n = 0;
            for (int r = 0; r < 16; r++) if (NeedsStore(r)) stores[n++] = StateOf(r);
            _flushStubs.Add((stub, stores, (_ccDirty, _ccPendingOp, _ccPendingSrc, _ccPendingDst)));
            _flushStub = stub;
        }
        return stub;
    }

    /// <summary>
    /// S390JIT_SHARED_FLUSH=0: every flush stub stores all its registers (the former layout). Default: a stub whose register
    /// stores include all of an earlier stub's (same registers, same locals) stores only the others and continues in that
    /// stub's register stores: the stores a block's exits share are emitted once.
    /// </summary>
    internal static bool SharedFlush = Environment.GetEnvironmentVariable("S390JIT_SHARED_FLUSH") != "0";

    /// <summary>The shared store sequences (before the exit block).</summary>
    private void EmitFlushStubs()
    {
        int n = _flushStubs.Count;
        // per stub: the label of its register stores (after its condition-code stores), and the earlier stub it continues in
        var regsLabel = new Label[n];
        for (int k = 0; k < n; k++)
        {
            var (label, stores, cc) = _flushStubs[k];
            _il.MarkLabel(label);
            if (Drop("flush")) { _il.Emit(OpCodes.Br, _exit); continue; }
            EmitCcStores(cc.Level, cc.Op, cc.Src, cc.Dst);
            regsLabel[k] = _il.DefineLabel();
            _il.MarkLabel(regsLabel[k]);
            int parent = SharedFlush ? SharedStores(k) : -1;
            var shared = parent >= 0 ? _flushStubs[parent].Stores : [];
            foreach (var st in stores)
                if (!Contains(shared, st)) EmitStore(st);
            _il.Emit(OpCodes.Br, parent >= 0 ? regsLabel[parent] : _exit);
        }
    }

    private static bool Contains(RegState[] stores, in RegState st)
    {
        foreach (var s in stores) if (SameStore(s, st)) return true;
        return false;
    }

    /// <summary>Whether two register states give the same store (<see cref="EmitStore"/> emits the same IL for both).</summary>
    private static bool SameStore(in RegState a, in RegState b) =>
        a.Reg == b.Reg && a.Resident == b.Resident && ReferenceEquals(a.Cache, b.Cache) && a.Pending == b.Pending
        && (!a.Pending || (a.HiClean == b.HiClean && ReferenceEquals(a.Lo.Local, b.Lo.Local) && a.Lo.Value == b.Lo.Value
                           && ReferenceEquals(a.Lo.Expr, b.Lo.Expr)));

    /// <summary>The earlier stub with the most register stores that are all among stub <paramref name="k"/>'s (same register from
    /// the same local: the value that local holds where stub k is entered), or -1. Its register stores then serve stub k too.</summary>
    private int SharedStores(int k)
    {
        var mine = _flushStubs[k].Stores;
        int best = -1, bestCount = 0;
        for (int j = 0; j < k; j++)
        {
            var theirs = _flushStubs[j].Stores;
            if (theirs.Length <= bestCount || theirs.Length > mine.Length) continue;
            bool subset = true;
            foreach (var st in theirs) if (!Contains(mine, st)) { subset = false; break; }
            if (subset) { best = j; bestCount = theirs.Length; }
        }
        return best;
    }

    private void PushReg(int r)
    {
        if (!_resident[r] && _cache[r] == null && (_singleReads >> r & 1) != 0) EmitCpuReg(r);
        else _il.Emit(OpCodes.Ldloc, _resident[r] ? _regs[r] : Cached(r));
    }

    /// <summary>Stores the value on the IL stack into register <paramref name="r"/>.</summary>
    private void StoreReg(int r)
    {
        if (_pending[r]) { _pending[r] = false; _flushStub = null; }
        if (_resident[r]) { _il.Emit(OpCodes.Stloc, _regs[r]); BumpRegVersion(r); }
        else SetCached(r, Pop().Local!);
    }

    /// <summary>Stores the block's written registers and condition code into the CPU on the path being emitted (the cache stays valid after it).</summary>
    private void FlushCached()
    {
        FlushCc();
        for (int r = 0; r < 16; r++) if (NeedsStore(r)) EmitStore(StateOf(r));
    }

    /// <summary>Forgets the cache (block starts, after helpers, which may change any register).</summary>
    private void ResetCache()
    {
        Array.Clear(_cache);
        Array.Clear(_lowCache);
        Array.Clear(_cacheDirty);
        Array.Clear(_pending);
        Array.Fill(_hiClean, true);
        _low16Of.Clear();
        _ccDirty = 0;
        _flushStub = null;
        ClearHosts(); // (RegionEmitter.Reuse) helpers may change translations and resident registers
        for (int r = 0; r < 16; r++) BumpRegVersion(r);
    }

    /// <summary>A block starts: nothing is cached.</summary>
    public void BeginBlock() { ResetCache(); _loop = null; }

    /// <summary>Leaves the block for another block of the region: store what it wrote (inside a carried loop: carry it).</summary>
    public void JumpToBlock(Label target)
    {
        Edges.Add(target);
        if (_loop != null && _loop.Inner.TryGetValue(target, out var inner))
        {
            FlushCc();
            StoreUncarried(_loop); // (and the resident registers' pending low words)
            CarryTo(_loop);
            _il.Emit(OpCodes.Br, inner);
            return;
        }
        FlushCached();
        _il.Emit(OpCodes.Br, target);
    }

    /// <summary>Falls through into the block placed next (its label follows): <see cref="JumpToBlock"/> without the jump.</summary>
    public void FallInto(Label next)
    {
        if (_loop != null && _loop.Inner.ContainsKey(next)) { JumpToBlock(next); return; }
        Edges.Add(next);
        FlushCached();
    }

    /// <summary>
    /// An innermost loop (blocks without helpers) whose carried non-resident registers (all it uses, or its most used
    /// ones when it uses more than RegionCompiler.MaxCarriedRegisters; the others are loaded and stored per block as
    /// outside loops) stay in locals across its own edges: a block of the loop entered from outside loads them (its outer label), the loop's edges copy
    /// the block's values into the loop's locals and jump past that load (its inner label), and every exit
    /// stores what the loop writes. The loop's blocks then neither load nor store registers per iteration.
    /// </summary>
    public sealed class CarriedLoop
    {
        internal readonly LocalBuilder?[] Head = new LocalBuilder?[16];
        internal readonly bool[] Written = new bool[16];
        /// <summary>Outer label (entry from outside: load) to inner label (entry along the loop's edges), per block of the loop.</summary>
        public readonly Dictionary<Label, Label> Inner = new();
    }

    private CarriedLoop? _loop;

    /// <param name="uses">Registers the loop's blocks read or write (bit mask).</param>
    /// <param name="writes">Registers they write.</param>
    public CarriedLoop NewCarriedLoop(int uses, int writes)
    {
        var loop = new CarriedLoop();
        for (int r = 0; r < 16; r++)
        {
            if ((uses >> r & 1) == 0 || _resident[r]) continue;
            loop.Head[r] = _il.DeclareLocal(typeof(ulong));
            loop.Written[r] = (writes >> r & 1) != 0;
        }
        return loop;
    }

    /// <summary>A block of a carried loop starts (after its outer label): load the loop's registers, then its inner label.</summary>
    public void BeginLoopBlock(CarriedLoop loop, Label inner)
    {
        ResetCache();
        _loop = loop;
        for (int r = 0; r < 16; r++)
        {
            if (loop.Head[r] is not { } h) continue;
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G);
            if (r != 0) { EmitI4(r * 8); _il.Emit(OpCodes.Add); }
            _il.Emit(OpCodes.Ldind_I8);
            _il.Emit(OpCodes.Stloc, h);
        }
        _il.MarkLabel(inner);
        for (int r = 0; r < 16; r++)
        {
            if (loop.Head[r] is not { } h) continue;
            _cache[r] = h;
            // after an edge of the loop the CPU may hold an older value: stored on every exit
            _cacheDirty[r] = loop.Written[r];
            _hiClean[r] = !loop.Written[r];
        }
    }

    /// <summary>Stores the registers the block wrote that the loop does not carry (a loop of more registers than it carries: they live in the CPU across its edges).</summary>
    private void StoreUncarried(CarriedLoop loop)
    {
        for (int r = 0; r < 16; r++)
        {
            if (!NeedsStore(r) || loop.Head[r] != null) continue;
            EmitStore(StateOf(r));
        }
    }

    /// <summary>Copies the block's register values into the loop's locals (a parallel copy: one value may be another register's local).</summary>
    private void CarryTo(CarriedLoop loop)
    {
        var moves = new List<LocalBuilder>();
        for (int r = 0; r < 16; r++)
        {
            if (loop.Head[r] is not { } h || _cache[r] is not { } c || (c == h && !_pending[r])) continue;
            PushWhole(StateOf(r)); // reads only locals made before: the copies stay parallel
            moves.Add(h);
        }
        for (int i = moves.Count - 1; i >= 0; i--) _il.Emit(OpCodes.Stloc, moves[i]);
    }
}
