using System.Reflection;
using System.Reflection.Emit;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>Condition codes: the pending rule kept in locals, the static knowledge of it inside a block, branches on it through <see cref="CcRules"/>.</summary>
public sealed unsafe partial class RegionEmitter
{
    private static readonly Dictionary<string, int>? s_ccStats = InitCcStats();
    private static Dictionary<string, int>? InitCcStats()
    {
        if (Environment.GetEnvironmentVariable("S390JIT_CC_STATS") != "1") return null;
        var d = new Dictionary<string, int>();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { lock (d) foreach (var kv in d.OrderByDescending(x => x.Value)) Console.Error.WriteLine($"ccstats: {kv.Key} {kv.Value}"); };
        return d;
    }
    private static readonly MethodInfo M_CcCalc = typeof(SlowPaths).GetMethod(nameof(SlowPaths.Cc))!;

    /// <summary>
    /// The condition code lives in the CPU; a block that sets it keeps the pending rule at translation time
    /// (the rule and its operand values, which cost no IL until used) and stores it only on the paths that
    /// leave the block (exits, jumps to other blocks, helpers): a rule overwritten before any of them costs
    /// nothing. 0 nothing set in this block, 1 a constant (rule and value), 2 a rule with its operands.
    /// </summary>
    private int _ccDirty;
    private CcOp _ccPendingOp;
    private Val _ccPendingSrc, _ccPendingDst;

    private void MarkCcDirty(int level, CcOp op, Val src, Val dst)
    {
        src = Detach(src); dst = Detach(dst); // (kept past the instruction)
        _ccDirty = level;
        _ccPendingOp = op;
        _ccPendingSrc = src;
        _ccPendingDst = dst;
        _flushStub = null; // stubs made before store another rule
    }

    /// <summary>Stores the block's condition code into the CPU on the path being emitted (the pending rule stays known after it).</summary>
    private void FlushCc() => EmitCcStores(_ccDirty, _ccPendingOp, _ccPendingSrc, _ccPendingDst);

    private void EmitCcStores(int level, CcOp op, Val src, Val dst)
    {
        if (level == 0) return;
        _il.Emit(OpCodes.Ldarg_1); EmitI4((int)op); _il.Emit(OpCodes.Stfld, F_CcOp);
        if (level == 2) { _il.Emit(OpCodes.Ldarg_1); Push(src); _il.Emit(OpCodes.Stfld, F_CcSrc); }
        _il.Emit(OpCodes.Ldarg_1); Push(dst); _il.Emit(OpCodes.Stfld, F_CcDst);
    }

    public void SetCc(CcOp op, Val src, Val dst, Val vr)
    {
        if (op == CcOp.Const && dst.IsConst) { SetCcConst((int)dst.Value); return; }
        _dirty = true;
        MarkCcDirty(op == CcOp.Const ? 1 : 2, op, src, dst);
        _staticOp = op;
        _staticCc = null;
    }

    public void SetCcConst(int cc)
    {
        _dirty = true;
        MarkCcDirty(1, CcOp.Const, default, new Val((ulong)cc));
        _staticOp = CcOp.Const;
        _staticCc = cc;
    }

    public Val CcMatches(int mask)
    {
        mask &= 15;
        if (mask == 0) return new Val(0);
        if (mask == 15) return new Val(1);
        if (_staticCc is int known) return new Val((mask & (8 >> known)) != 0 ? 1UL : 0);
        // the rule known at translation: inline (comparisons fuse with the branch); else call the one CcCompute
        if (_staticOp is CcOp op)
        {
            if (s_ccStats != null) lock (s_ccStats) { var k = $"{op} {mask}"; s_ccStats[k] = s_ccStats.GetValueOrDefault(k) + 1; }
            return CcRules.Matches(new IlBackend(this), op, mask, _ccPendingSrc, _ccPendingDst);
        }
        if (s_ccStats != null) lock (s_ccStats) { var k = $"unknown {mask}"; s_ccStats[k] = s_ccStats.GetValueOrDefault(k) + 1; }
        Val cc = CallCc();
        // (mask >> (3 - cc)) & 1
        return Binary(OpCodes.And, Binary(OpCodes.Shr_Un, new Val((ulong)mask), Binary(OpCodes.Sub, new Val(3), cc), shift: true), new Val(1));
    }

    /// <summary>The condition code when no rule is known at translation: nothing set it in this block, so it is the CPU's.</summary>
    private Val CallCc()
    {
        if (_ccDirty != 0) throw new InvalidOperationException("condition code set in the block but not known");
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_CcOp);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_CcSrc);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_CcDst);
        EmitI8(0L);
        _il.Emit(OpCodes.Call, M_CcCalc);
        _il.Emit(OpCodes.Conv_U8);
        return Pop();
    }
}
