using System.Buffers.Binary;
using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Emits the IL of one region: a DynamicMethod <c>int Run(RegionData data, Cpu cpu)</c> that keeps
/// the guest registers, the lazy condition code, the cycle and instruction counters in IL locals,
/// inlines the TLB fast path of every storage access, fuses condition codes with branches when the
/// producer is in the same block, and leaves through one exit block that stores the state back.
/// Return value: exit code (0 continue at PSW, 1 run the block at exit index in the interpreter,
/// 2 program interruption at instruction index, 3 SIE intercept) | index &lt;&lt; 2.
/// <para>One concern a file: this one holds the frame (locals, the instruction being translated,
/// prologue, cycle and instruction accounting, helper calls, epilogue); RegionEmitter.Values,
/// .Storage (TLB fast path), .Cc (condition codes), .Control (jumps, interruptions) and .Exits.</para>
/// </summary>
public sealed unsafe partial class RegionEmitter
{
    /// <summary>... ExitHelper (native regions, <see cref="Native.NativeRegions"/>): the interpreter executes instruction <c>index</c>, which
    /// the native code leaves to it; no event is due at its start.</summary>
    public const int ExitContinue = 0, ExitStep = 1, ExitProgram = 2, ExitIntercept = 3, ExitReexecute = 4, ExitHelper = 5;
    /// <summary>Region results are <c>code | index &lt;&lt; CodeBits</c>.</summary>
    public const int CodeBits = 3, CodeMask = (1 << CodeBits) - 1;

    private static readonly FieldInfo F_ReadTlb = typeof(Cpu).GetField(nameof(Cpu.ReadTlb))!;
    private static readonly FieldInfo F_WriteTlb = typeof(Cpu).GetField(nameof(Cpu.WriteTlb))!;
    private static readonly MethodInfo M_TryRead = typeof(SlowPaths).GetMethod(nameof(SlowPaths.TryRead))!;
    private static readonly MethodInfo M_TryWrite = typeof(CodeWatch).GetMethod(nameof(CodeWatch.TryWrite))!;
    private static readonly MethodInfo M_TryProbe = typeof(CodeWatch).GetMethod(nameof(CodeWatch.TryProbe))!;
    private static readonly FieldInfo F_Bear = typeof(Cpu).GetField(nameof(Cpu.Bear))!;
    private static readonly FieldInfo F_PendingPgmCode = typeof(Cpu).GetField(nameof(Cpu.PendingPgmCode))!;
    private static readonly FieldInfo F_PendingPgmNullify = typeof(Cpu).GetField(nameof(Cpu.PendingPgmNullify))!;
    private static readonly MethodInfo M_SetPendingTrap = typeof(SlowPaths).GetMethod(nameof(SlowPaths.SetPendingTrap))!;
    private static readonly FieldInfo F_G = typeof(Cpu).GetField(nameof(Cpu.G))!;
    private static readonly FieldInfo F_Cycles = typeof(Cpu).GetField(nameof(Cpu.Cycles))!;
    private static readonly FieldInfo F_Instructions = typeof(Cpu).GetField(nameof(Cpu.Instructions))!;
    private static readonly FieldInfo F_EventCycle = typeof(Cpu).GetField(nameof(Cpu.EventCycle))!;
    private static readonly FieldInfo F_JitEventBase = typeof(Cpu).GetField(nameof(Cpu.JitEventBase))!;
    private static readonly FieldInfo F_PswAddr = typeof(Cpu).GetField(nameof(Cpu.PswAddr))!;
    private static readonly FieldInfo F_PswMask = typeof(Cpu).GetField(nameof(Cpu.PswMask))!;
    private static readonly FieldInfo F_CcOp = typeof(Cpu).GetField(nameof(Cpu.CcOp))!;
    private static readonly FieldInfo F_CcSrc = typeof(Cpu).GetField(nameof(Cpu.CcSrc))!;
    private static readonly FieldInfo F_CcDst = typeof(Cpu).GetField(nameof(Cpu.CcDst))!;
    private static readonly FieldInfo F_StorageObserver = typeof(Cpu).GetField(nameof(Cpu.StorageObserver))!;
    private static readonly FieldInfo F_CodeModified = typeof(CodeWatch).GetField(nameof(CodeWatch.CodeModified))!;
    private static readonly FieldInfo F_Defs = typeof(RegionData).GetField(nameof(RegionData.Defs))!;
    private static readonly FieldInfo F_Insns = typeof(RegionData).GetField(nameof(RegionData.Insns))!;
    private static readonly MethodInfo M_ExecuteCompiled = typeof(Cpu).GetMethod(nameof(Cpu.ExecuteCompiled))!;

    private readonly IlWriter _il;
    private readonly LocalBuilder[] _regs = new LocalBuilder[16];
    private readonly LocalBuilder _icnt, _remain, _exitPsw, _exitCode, _helperResult, _slowValue;
    private readonly List<LocalBuilder> _freeTemps = new(), _usedTemps = new();
    private readonly Label _exit;
    private readonly bool[] _loadSet;
    private readonly bool[] _flushSet;

    // static condition-code knowledge inside the current block
    private CcOp? _staticOp;
    private int? _staticCc;

    /// <param name="flushSet">Registers the region writes (stored back at exits and before helpers).</param>
    /// <param name="loadSet">Registers the region reads or writes (loaded into locals).</param>
    /// <param name="resident">Registers held in region-wide locals (the region's hottest); the others live in
    /// the CPU and are cached in a block's locals from their first use to the block's exits (null: none resident).</param>
    public RegionEmitter(IlWriter il, int addressingMode, bool fixedOverflowMask, bool[] flushSet, bool[] loadSet, bool[]? resident = null)
    {
        _resident = resident ?? new bool[16];
        _il = il;
        AddressingMode = addressingMode;
        AddrMask = addressingMode == 64 ? ~0UL : addressingMode == 31 ? 0x7FFF_FFFFUL : 0xFF_FFFFUL;
        FixedOverflowMask = fixedOverflowMask;
        _flushSet = flushSet;
        _loadSet = loadSet;
        for (int r = 0; r < 16; r++) if (_resident[r]) _regs[r] = il.DeclareLocal(typeof(ulong));
        _remain = il.DeclareLocal(typeof(long));
        _icnt = il.DeclareLocal(typeof(ulong));
        _exitPsw = il.DeclareLocal(typeof(ulong));
        _exitCode = il.DeclareLocal(typeof(int));
        _slowValue = il.DeclareLocal(typeof(ulong)); // the only address-exposed local (out argument of the slow path)
        _helperResult = il.DeclareLocal(typeof(int));
        _exit = il.DefineLabel();
    }

    public int AddressingMode { get; }
    public ulong AddrMask { get; }
    public bool FixedOverflowMask { get; }
    /// <summary>The region is keyed with DAT on (RegionKey.Dat).</summary>
    public bool Dat { get; set; }

    /// <summary>PSW mask bits the region's code depends on (addressing mode, fixed-point-overflow mask, DAT, PER), and their values under its key.</summary>
    private const ulong KeyMaskBits = Psw.EA | Psw.BA | Psw.FixedOverflowMask | Psw.Dat | Psw.Per;
    private ulong KeyMaskValue => (AddressingMode == 64 ? Psw.EA | Psw.BA : AddressingMode == 31 ? Psw.BA : 0) |
        (FixedOverflowMask ? Psw.FixedOverflowMask : 0) | (Dat ? Psw.Dat : 0);

    // ---- the instruction being translated --------------------------------------------------
    public ulong CurrentAddr { get; private set; }
    public ulong CurrentNext { get; private set; }
    public int CurrentIndex { get; private set; }
    /// <summary>Resolves a constant jump target to a block label inside the region, or null.</summary>
    public Func<ulong, Label?> BlockLabel { get; set; } = _ => null;
    /// <summary>Block starts a computed jump is compared against before leaving the region (returns, switch tables).</summary>
    public (ulong Addr, Label Label)[] IndirectTargets { get; set; } = [];

    public void BeginInstruction(int index, ulong addr, int length)
    {
        CurrentIndex = index;
        CurrentAddr = addr;
        CurrentNext = (addr + (ulong)length) & AddrMask;
        _dirty = false;
        _planPos++;
    }

    /// <summary>
    /// Before an instruction that crosses into the next page under DAT: unless instruction fetch still translates that page
    /// to the frame the instruction was decoded from, the interpreter executes it (it fetches it anew).
    /// </summary>
    public void FetchGuard(ulong page, ulong frame)
    {
        var ok = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1);
        EmitI8((long)page);
        EmitI8((long)frame);
        _il.Emit(OpCodes.Call, M_InstructionFrameIs);
        _il.Emit(OpCodes.Brtrue, ok);
        EmitExit(ExitReexecute, CurrentIndex);
        _il.MarkLabel(ok);
    }
    private static readonly MethodInfo M_InstructionFrameIs = typeof(Cpu).GetMethod(nameof(Cpu.InstructionFrameIs))!;

    /// <summary>
    /// True once the current instruction has changed guest state (a register, the condition code,
    /// storage). Until then a TLB miss leaves the region and the interpreter executes the
    /// instruction from its start (it fills the TLB): the fast path then has no call on it, so
    /// RyuJIT keeps guest registers in machine registers instead of spilling them around a call.
    /// After a change, re-execution would see half-done state, so the access calls the slow path.
    /// </summary>
    private bool _dirty;

    public void EndInstruction()
    {
        // stores into pages with translated code never happen here: they miss the write TLB, and
        // the interpreter executes the instruction (re-execution, or CodeWatch.TryWrite).
        // Temporaries nothing later reads go back to the pool (PoolTemps): fewer IL locals cost RyuJIT less
        // (perf/issue14-cc.md); S390JIT_POOL_TEMPS=0 gives every value a fresh local, as before.
        if (Drop("temps")) _freeTemps.AddRange(_usedTemps); // (attribution only: reused temps break the single-assignment locals the stubs rely on)
        else if (PoolTemps) ReleaseDeadTemps();
        _usedTemps.Clear();
        ReleaseScratch(_scratchUsed);
        _stable.Clear();
        _mergeLo.Clear();
        _shapes.Clear();
        ForgetProbe();
    }

    /// <summary>
    /// S390JIT_POOL_TEMPS=0: every temporary is a fresh local (the former rule). Default: at the end of an instruction, the
    /// temporaries nothing later reads any more go back to a pool and later instructions store new values into them
    /// (fewer IL locals: fewer DeclareLocal calls, smaller liveness sets in RyuJIT). Still read later, so kept: the block's
    /// register cache, the pending low words of 32-bit writes, the pending condition code's operands, the locals the block's
    /// proven host ranges are keyed on, and values marked by the BFP bodies (never released). A temporary taken from the pool
    /// forgets what was known of its old value (<c>_zext</c>). Flush and way-1 stubs run at their own exit points, before any reuse.
    /// </summary>
    internal static bool PoolTemps = Environment.GetEnvironmentVariable("S390JIT_POOL_TEMPS") != "0";

    /// <summary>
    /// S390JIT_POOL_SCRATCH=0: every TLB entry, probe and host-address local is a fresh local (the former rule). Default: they
    /// are pooled like the temporaries: free again at the end of their instruction (TLB entries, probes: the way-1 compare
    /// runs right after its lookup) or when the block's proven ranges are forgotten (<see cref="KeepHost"/>'s). Fewer IL
    /// locals: RyuJIT's liveness and SSA work grows with them.
    /// </summary>
    internal static bool PoolScratch = Environment.GetEnvironmentVariable("S390JIT_POOL_SCRATCH") != "0";
    private readonly Dictionary<Type, List<LocalBuilder>> _freeScratch = new();
    private readonly List<LocalBuilder> _scratchUsed = new(), _scratchBlock = new();

    private LocalBuilder Scratch(Type type, bool block = false)
    {
        if (!PoolScratch) return _il.DeclareLocal(type);
        LocalBuilder l;
        if (_freeScratch.TryGetValue(type, out var free) && free.Count > 0) { l = free[^1]; free.RemoveAt(free.Count - 1); }
        else l = _il.DeclareLocal(type);
        (block ? _scratchBlock : _scratchUsed).Add(l);
        return l;
    }

    private void ReleaseScratch(List<LocalBuilder> used)
    {
        foreach (var l in used)
        {
            if (!_freeScratch.TryGetValue(l.LocalType, out var free)) _freeScratch[l.LocalType] = free = new();
            free.Add(l);
        }
        used.Clear();
    }

    /// <summary>Forgets the block's proven host ranges (their locals go back to the pool).</summary>
    private void ClearHosts()
    {
        _hosts.Clear();
        ReleaseScratch(_scratchBlock);
    }

    /// <summary>Temporaries of earlier instructions still read (held back from the pool until they are not).</summary>
    private readonly List<LocalBuilder> _heldTemps = new();
    private readonly HashSet<LocalBuilder> _live = new(ReferenceEqualityComparer.Instance);

    private void ReleaseDeadTemps()
    {
        _live.Clear();
        for (int r = 0; r < 16; r++)
        {
            if (_cache[r] is { } c) _live.Add(c);
            if (_lowCache[r] is { } lc) _live.Add(lc);
            if (_pending[r]) MarkLive(_lo[r]); // (a pending low word is read where the register is merged or stored)
        }
        if (_ccDirty != 0) { MarkLive(_ccPendingSrc); MarkLive(_ccPendingDst); }
        foreach (var l in _bfpOrdered) _live.Add(l);
        // a kept 16-bit mapping keeps its load's local; the others are forgotten (their low word may be taken again)
        if (_low16Of.Count > 0)
        {
            List<LocalBuilder>? dead = null;
            foreach (var (lo, src) in _low16Of) { if (_live.Contains(lo)) _live.Add(src); else (dead ??= new()).Add(lo); }
            if (dead != null) foreach (var lo in dead) _low16Of.Remove(lo);
        }
        _heldTemps.AddRange(_usedTemps);
        int keep = 0;
        for (int i = 0; i < _heldTemps.Count; i++)
        {
            var t = _heldTemps[i];
            if (_live.Contains(t) || HostKeyed(t)) _heldTemps[keep++] = t;
            else _freeTemps.Add(t);
        }
        _heldTemps.RemoveRange(keep, _heldTemps.Count - keep);
    }

    private void MarkLive(Val v)
    {
        if (v.Local is { } l) _live.Add(l);
        else if (v.Expr is { } e) { MarkLive(e.A); MarkLive(e.B); }
    }

    /// <summary>Whether a proven host range of the block is keyed on local <paramref name="t"/> (RegKey: a cache local's index).</summary>
    private bool HostKeyed(LocalBuilder t)
    {
        long key = 2L << 60 | (uint)t.LocalIndex;
        foreach (var h in _hosts) if (h.BaseX == key || h.BaseB == key) return true;
        return false;
    }

    /// <summary>Forgets the static condition code (block starts, helper calls).</summary>
    public void ForgetCc() { _staticOp = null; _staticCc = null; }

    // ---- frame: prologue, per-instruction accounting, helper calls, epilogue -------------------
    public void Prologue()
    {
        if (Compact) { EmitI8(0L); _il.Emit(OpCodes.Stloc, _icnt); } // (compact methods have no localsinit: RegionCompiler.CompactMinOpts)
        LoadRegisters();
        LoadCcAndCounters();
    }

    private void LoadRegisters()
    {
        for (int r = 0; r < 16; r++)
        {
            if (!_loadSet[r] || !_resident[r]) continue; // registers the region never touches stay in the CPU; the others are cached per block
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G); // no long-lived byref local: one register more for guest values
            if (r != 0) { EmitI4(r * 8); _il.Emit(OpCodes.Add); }
            _il.Emit(OpCodes.Ldind_I8);
            _il.Emit(OpCodes.Stloc, _regs[r]);
        }
    }

    private void StoreRegisters()
    {
        for (int r = 0; r < 16; r++)
        {
            if (!_flushSet[r] || !_resident[r]) continue;
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G); // no long-lived byref local: one register more for guest values
            if (r != 0) { EmitI4(r * 8); _il.Emit(OpCodes.Add); }
            _il.Emit(OpCodes.Ldloc, _regs[r]);
            _il.Emit(OpCodes.Stind_I8);
        }
    }

    /// <summary>Loads the counters (the condition code stays in the CPU until a block sets it: see <see cref="FlushCc"/>).</summary>
    private void LoadCcAndCounters()
    {
        // remain = EventCycle - Cycles: one local serves the event checks and the cycle count. The
        // EventCycle read here is kept (Cpu.JitEventBase, in memory: no host register held for the exits):
        // the exits compute Cycles from it, never from the field again, so the count stays exact whatever
        // writes the field meanwhile.
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_EventCycle);
        _il.Emit(OpCodes.Stfld, F_JitEventBase);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_JitEventBase);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_Cycles);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stloc, _remain);
    }

    /// <summary>Stores the counters (a condition code set in the block is stored on the way, by <see cref="FlushCached"/> or the flush stubs).</summary>
    private void StoreCcAndCounters()
    {
        if (Compact) AddHeat(_icnt);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_JitEventBase);
        _il.Emit(OpCodes.Ldloc, _remain);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stfld, F_Cycles);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_Instructions);
        _il.Emit(OpCodes.Ldloc, _icnt);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stfld, F_Instructions);
        EmitI8(0L);
        _il.Emit(OpCodes.Stloc, _icnt);
    }

    private static readonly FieldInfo F_EntryBounds = typeof(RegionData).GetField(nameof(RegionData.EntryBounds))!;

    /// <summary>
    /// Region entry (after the prologue): if an event may become due before the entry block's path reaches its next check
    /// point (<see cref="RegionData.EntryBounds"/>), let the interpreter run the entry block.
    /// </summary>
    public Label EntryEventCheck()
    {
        var run = _il.DefineLabel();
        var step = _il.DefineLabel();
        if (EntryChecksInline)
            _il.Emit(OpCodes.Br, run); // each entry's own check (EntryCheck), after the switch: here only the step exit they share
        else
        {
            _il.Emit(OpCodes.Ldloc, _remain);
            _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, F_EntryBounds); _il.Emit(OpCodes.Ldarg_2); _il.Emit(OpCodes.Ldelem_I8);
            _il.Emit(OpCodes.Bgt, run);
        }
        _il.MarkLabel(step);
        _il.Emit(OpCodes.Ldarg_2); EmitI4(CodeBits); _il.Emit(OpCodes.Shl); EmitI4(ExitStep); _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, _exitCode);
        _il.Emit(OpCodes.Br, _exit);
        _il.MarkLabel(run);
        return step;
    }

    /// <summary>
    /// S390JIT_ENTRY_CHECKS=array: the region's entry compares the remaining cycles with its entry block's bound read from
    /// <see cref="RegionData.EntryBounds"/> before the entry switch (the former rule: two dependent loads and a bounds check
    /// on every region entry, ~1.5 % of the decompressor's samples). Default: the switch goes to a per-entry stub that
    /// compares with the bound as a constant (<see cref="EntryCheck"/>), or straight to an entry block that is a check point
    /// (its own check is the same).
    /// </summary>
    internal static readonly bool EntryChecksInline = Environment.GetEnvironmentVariable("S390JIT_ENTRY_CHECKS") != "array";

    /// <summary>An entry's check (after the switch): if an event may become due within <paramref name="bound"/> cycles, the step exit; else the block.</summary>
    public void EntryCheck(Label block, Label step, long bound)
    {
        _il.Emit(OpCodes.Ldloc, _remain);
        EmitI8(bound);
        _il.Emit(OpCodes.Bgt, block);
        _il.Emit(OpCodes.Br, step);
    }

    /// <summary>Block labels the current block jumps or falls to (checked against the event bounds).</summary>
    public List<Label> Edges { get; } = new();

    /// <summary>A check point: if an event may become due before the next check point (<paramref name="bound"/> cycles), let the interpreter run the block.</summary>
    public void EventCheck(ulong blockAddr, int blockIndex, ulong bound)
    {
        if (Drop("evcheck")) return;
        var run = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _remain);
        EmitI8((long)bound);
        _il.Emit(OpCodes.Bgt, run);
        ExitStepBlock(blockAddr, blockIndex);
        _il.MarkLabel(run);
    }

    /// <summary>
    /// Charges the base cost and count of the block's simple instructions at its entry; exits inside
    /// the block give back what was charged for instructions that did not run (the dispatcher for
    /// program interruptions and stores into translated code). The count lives in the CPU.
    /// </summary>
    public void Charge(ulong cycles, ulong count)
    {
        if (count == 0 || Drop("charge")) return;
        _il.Emit(OpCodes.Ldloc, _remain);
        EmitI8((long)cycles);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stloc, _remain);
        AddInstructions((long)count);
    }

    /// <summary>The instruction count is a local (a memory counter would chain every loop iteration through store forwarding).</summary>
    private void AddInstructions(long n)
    {
        _il.Emit(OpCodes.Ldloc, _icnt);
        EmitI8(n);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _icnt);
    }


    /// <summary>
    /// A helper instruction: store the state, run it through the interpreter's checks and body,
    /// reload the state. Exceptions it throws leave compiled code with the state already stored.
    /// </summary>
    public void CallHelper(int index, InsnDef def, ulong addr, int length)
    {
        _calledHelper = true;
        FlushCached();
        ResetCache();
        StoreRegisters();
        StoreCcAndCounters();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, F_Defs); EmitI4(index); _il.Emit(OpCodes.Ldelem_Ref);
        _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, F_Insns); EmitI4(index); _il.Emit(OpCodes.Ldelema, typeof(Insn));
        EmitI8((long)addr);
        EmitI4(length);
        _il.Emit(OpCodes.Call, M_ExecuteCompiled);
        var cont = _il.DefineLabel();
        var res = _helperResult;
        _il.Emit(OpCodes.Stloc, res);
        LoadRegisters();
        LoadCcAndCounters();
        ForgetCc();
        _il.Emit(OpCodes.Ldloc, res);
        _il.Emit(OpCodes.Brfalse, cont);
        EmitExit(ExitIntercept, index); // the helper set the PSW
        _il.MarkLabel(cont);
        if ((def.Has(InsnFlags.Branch) || def.Has(InsnFlags.EndsBlock)) && !def.Has(InsnFlags.Continues))
        {
            EmitExit(ExitContinue, 0); // the helper set the PSW
        }
        else if (def.Has(InsnFlags.Continues))
        {
            // (execute-type, system-mask and clock rows) the region goes on into the next block, a check point (the helper may
            // have made an event due), unless the helper branched or changed a PSW mask bit the region's code depends on
            // (addressing mode, fixed-point-overflow mask, DAT, PER; a changed space or key changed the translation, below)
            var leave = _il.DefineLabel();
            var go = _il.DefineLabel();
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_PswAddr);
            EmitI8((long)((addr + (ulong)length) & AddrMask));
            _il.Emit(OpCodes.Bne_Un, leave);
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_PswMask);
            EmitI8((long)KeyMaskBits);
            _il.Emit(OpCodes.And);
            EmitI8((long)KeyMaskValue);
            _il.Emit(OpCodes.Bne_Un, leave);
            _il.Emit(OpCodes.Ldarg_1);
            _il.Emit(OpCodes.Ldfld, F_StorageObserver);
            _il.Emit(OpCodes.Castclass, typeof(CodeWatch));
            _il.Emit(OpCodes.Ldfld, F_CodeModified);
            _il.Emit(OpCodes.Brtrue, leave);
            // an event the helper made due (an interruption it enabled): the dispatcher services it at this boundary
            _il.Emit(OpCodes.Ldloc, _remain);
            EmitI8(0);
            _il.Emit(OpCodes.Bgt, go);
            _il.MarkLabel(leave);
            EmitExit(ExitContinue, 0); // the helper set the PSW
            _il.MarkLabel(go);
        }
        else if (!Drop("codemod"))
        {
            var go = _il.DefineLabel();
            _il.Emit(OpCodes.Ldarg_1);
            _il.Emit(OpCodes.Ldfld, F_StorageObserver);
            _il.Emit(OpCodes.Castclass, typeof(CodeWatch));
            _il.Emit(OpCodes.Ldfld, F_CodeModified);
            _il.Emit(OpCodes.Brfalse, go);
            ExitTo((addr + (ulong)length) & AddrMask);
            _il.MarkLabel(go);
        }
    }

    /// <summary>Measurement switch (S390JIT_COMPILE_AB=exitpsw): the former exit block that stores the PSW local on every exit (never assigned on most: a region-wide live local).</summary>
    internal static bool StoreExitPsw;

    /// <summary>IL bytes of the epilogue's parts: miss stubs, way-1 stubs, flush stubs (compile profile).</summary>
    internal string EpilogueParts { get; private set; } = "";

    public void Epilogue()
    {
        int a = _il.ILOffset;
        EmitMissStubs();
        int b = _il.ILOffset;
        EmitWay1Stubs();
        int c = _il.ILOffset;
        EmitFlushStubs();
        if (CompileProfile.Enabled) EpilogueParts = $"{b - a} {c - b} {_il.ILOffset - c}";
        _il.MarkLabel(_exit);
        StoreRegisters();
        StoreCcAndCounters();
        // the PSW is not stored here: computed jumps store it on their way, and the dispatcher sets it for the other exits
        if (StoreExitPsw) { _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, _exitPsw); _il.Emit(OpCodes.Stfld, F_PswAddr); }
        if (ChainInCode && !_calledHelper && ExitSites.Count > 1) EmitChain();
        _il.Emit(OpCodes.Ldloc, _exitCode);
        _il.Emit(OpCodes.Ret);
    }

    /// <summary>S390JIT_CHAIN_IN_CODE=0: constant exits always return to the dispatcher (measurement switch).</summary>
    internal static readonly bool ChainInCodeOn = Environment.GetEnvironmentVariable("S390JIT_CHAIN_IN_CODE") != "0";
    /// <summary>The region may run its constant exits' linked regions itself (set by the compiler: regions without DAT).</summary>
    public bool ChainInCode { get; set; }
    private bool _calledHelper;

    private static readonly FieldInfo F_ExitLinks = typeof(RegionData).GetField(nameof(RegionData.ExitLinks))!;
    private static readonly FieldInfo F_EntryDead = typeof(RegionEntry).GetField(nameof(RegionEntry.Dead))!;
    private static readonly FieldInfo F_EntryRun = typeof(RegionEntry).GetField(nameof(RegionEntry.Run))!;
    private static readonly FieldInfo F_EntryRuns = typeof(RegionEntry).GetField(nameof(RegionEntry.Runs))!;
    private static readonly MethodInfo M_EntryBlock = typeof(RegionEntry).GetProperty(nameof(RegionEntry.Block))!.GetGetMethod()!;
    private static readonly FieldInfo F_JitChainMask = typeof(Cpu).GetField(nameof(Cpu.JitChainMask))!;
    private static readonly FieldInfo F_JitChained = typeof(Cpu).GetField(nameof(Cpu.JitChained))!;
    private static readonly FieldInfo F_JitChains = typeof(Cpu).GetField(nameof(Cpu.JitChains))!;
    private static readonly MethodInfo M_RunInvoke = typeof(Func<Cpu, int, int>).GetMethod("Invoke")!;

    /// <summary>
    /// After the exit's stores (the state is the one the dispatcher would see): a constant exit whose site is linked
    /// to a live entry runs that entry itself, as a tail call, when the dispatcher's chained runs would (the PSW mask
    /// is theirs, <see cref="Cpu.JitChainMask"/>, so no mode, key or PER change; no event due). A region without DAT
    /// and without helpers changes neither the mask nor translation state, and its links are entries of its own key's
    /// mode. The entry run goes to <see cref="Cpu.JitChained"/>: the dispatcher continues from it (its exit sites).
    /// </summary>
    private void EmitChain()
    {
        var ret = _il.DefineLabel();
        var link = _il.DeclareLocal(typeof(RegionEntry));
        _il.Emit(OpCodes.Ldloc, _exitCode); EmitI4(CodeMask); _il.Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, ret); // ExitContinue is 0
        _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, F_ExitLinks);
        _il.Emit(OpCodes.Ldloc, _exitCode); EmitI4(CodeBits); _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Ldelem_Ref); // (site 0, a computed exit, is never linked)
        _il.Emit(OpCodes.Stloc, link);
        _il.Emit(OpCodes.Ldloc, link); _il.Emit(OpCodes.Brfalse, ret);
        _il.Emit(OpCodes.Ldloc, link); _il.Emit(OpCodes.Ldfld, F_EntryDead); _il.Emit(OpCodes.Brtrue, ret);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_PswMask);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_JitChainMask);
        _il.Emit(OpCodes.Bne_Un, ret);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_Cycles);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_EventCycle);
        _il.Emit(OpCodes.Bge_Un, ret);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, link); _il.Emit(OpCodes.Stfld, F_JitChained);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_JitChains);
        _il.Emit(OpCodes.Ldc_I4_1); _il.Emit(OpCodes.Conv_I8); _il.Emit(OpCodes.Add); _il.Emit(OpCodes.Stfld, F_JitChains);
        _il.Emit(OpCodes.Ldloc, link); _il.Emit(OpCodes.Ldloc, link); _il.Emit(OpCodes.Ldfld, F_EntryRuns);
        _il.Emit(OpCodes.Ldc_I4_1); _il.Emit(OpCodes.Conv_I8); _il.Emit(OpCodes.Add); _il.Emit(OpCodes.Stfld, F_EntryRuns); // (S390JIT_REGION_STATS)
        _il.Emit(OpCodes.Ldloc, link); _il.Emit(OpCodes.Ldfld, F_EntryRun);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldloc, link); _il.Emit(OpCodes.Call, M_EntryBlock);
        _il.Emit(OpCodes.Tailcall);
        _il.Emit(OpCodes.Callvirt, M_RunInvoke);
        _il.Emit(OpCodes.Ret);
        _il.MarkLabel(ret);
    }
}
