using System.Reflection;
using System.Reflection.Emit;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>Control flow: jumps inside the region or out of it (computed targets searched among the block starts), fixed-point overflow, traps and raised program exceptions.</summary>
public sealed unsafe partial class RegionEmitter
{
    public void JumpIf(Val cond, Val target)
    {
        if (cond.IsConst && cond.Value == 0) return;
        bool always = cond.IsConst;
        ulong? t = target.IsConst ? target.Value & AddrMask : null;
        var skip = _il.DefineLabel();
        if (!always) BranchIfFalse(cond, skip);
        // a successful branch sets the breaking-event-address register (stored at program interruptions)
        if (!Drop("bear")) { _il.Emit(OpCodes.Ldarg_1); EmitI8((long)CurrentAddr); _il.Emit(OpCodes.Stfld, F_Bear); }
        if (t is ulong tc && BlockLabel(tc) is Label inRegion)
        {
            JumpToBlock(inRegion);
        }
        else if (t is ulong tc2) ExitTo(tc2);
        else
        {
            Push(target);
            if (AddrMask != ~0UL) { EmitI8((long)AddrMask); _il.Emit(OpCodes.And); }
            _il.Emit(OpCodes.Stloc, _exitPsw);
            // a computed target that is a block of this region stays inside: binary search over the block starts
            FlushCached();
            var targets = LikelyTargets();
            foreach (var it in targets) Edges.Add(it.Label);
            if (_loop is { } loop)
            {
                // blocks of the current carried loop are entered past their load (stored above for the others)
                CarryTo(loop);
                var moved = new (ulong Addr, Label Label)[targets.Length];
                for (int i = 0; i < targets.Length; i++)
                    moved[i] = (targets[i].Addr, loop.Inner.TryGetValue(targets[i].Label, out var inner) ? inner : targets[i].Label);
                targets = moved;
            }
            EmitTargetSearch(targets, 0, targets.Length);
            // the only exit that stores the PSW (the others' is the dispatcher's or a helper's): the exit local is not live elsewhere
            if (!StoreExitPsw) { _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, _exitPsw); _il.Emit(OpCodes.Stfld, F_PswAddr); }
            EmitExitFlushed(ExitContinue, 0);
        }
        _il.MarkLabel(skip);
    }

    /// <summary>Seeds among <see cref="IndirectTargets"/> (targets seen leaving an earlier region).</summary>
    public HashSet<ulong> Seeds { get; set; } = [];
    /// <summary>The region's calls: callee entry (null when computed) and return point.</summary>
    public (ulong? Entry, ulong Return)[] CallSites { get; set; } = [];

    /// <summary>
    /// The block starts a computed jump at the current instruction is compared against: the seeds, and the
    /// return points of the calls into the function the jump is in (the nearest call target at or below it;
    /// functions are contiguous) or whose callee is computed. Other return points belong to other functions'
    /// returns: comparing against them costs compile time, and a return that does reach one leaves the region
    /// and re-enters it through the dispatcher.
    /// </summary>
    private (ulong Addr, Label Label)[] LikelyTargets()
    {
        ulong? fn = null;
        foreach (var (entry, _) in CallSites)
            if (entry is ulong en && en <= CurrentAddr && (fn is not ulong f || en > f)) fn = en;
        if (fn == null) return IndirectTargets;
        var keep = new HashSet<ulong>(Seeds);
        foreach (var (entry, ret) in CallSites) if (entry == null || entry == fn) keep.Add(ret);
        int n = 0;
        foreach (var t in IndirectTargets) if (keep.Contains(t.Addr)) n++;
        var kept = new (ulong Addr, Label Label)[n];
        n = 0;
        foreach (var t in IndirectTargets) if (keep.Contains(t.Addr)) kept[n++] = t;
        return kept;
    }

    private void EmitTargetSearch((ulong Addr, Label Label)[] t, int lo, int hi)
    {
        if (hi - lo <= 3)
        {
            for (int i = lo; i < hi; i++)
            {
                _il.Emit(OpCodes.Ldloc, _exitPsw);
                EmitI8((long)t[i].Addr);
                _il.Emit(OpCodes.Beq, t[i].Label);
            }
            return;
        }
        int mid = (lo + hi) / 2;
        var upper = _il.DefineLabel();
        var notFound = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _exitPsw);
        EmitI8((long)t[mid].Addr);
        _il.Emit(OpCodes.Bge_Un, upper);
        EmitTargetSearch(t, lo, mid);
        _il.Emit(OpCodes.Br, notFound);
        _il.MarkLabel(upper);
        EmitTargetSearch(t, mid, hi);
        _il.MarkLabel(notFound);
    }

    public void FixedOverflowIf(Val cond)
    {
        if (!FixedOverflowMask) return; // the region is keyed by the PSW program mask
        if (cond.IsConst && cond.Value == 0) return;
        var skip = _il.DefineLabel();
        BranchIfFalse(cond, skip);
        SetPending(PgmCode.FixedPointOverflow);
        ExitProgramInterruption();
        _il.MarkLabel(skip);
    }

    public void TrapIf(Val cond)
    {
        if (cond.IsConst && cond.Value == 0) return;
        var skip = _il.DefineLabel();
        BranchIfFalse(cond, skip);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Call, M_SetPendingTrap);
        ExitProgramInterruption();
        _il.MarkLabel(skip);
    }

    public void Raise(ushort code)
    {
        SetPending(code);
        ExitProgramInterruption();
    }

    private void SetPending(ushort code)
    {
        _il.Emit(OpCodes.Ldarg_1);
        EmitI4(code);
        _il.Emit(OpCodes.Stfld, F_PendingPgmCode);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stfld, F_PendingPgmNullify);
    }
}
