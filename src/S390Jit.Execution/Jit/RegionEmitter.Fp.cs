using System.Reflection;
using System.Reflection.Emit;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Binary floating point: the fast path of <see cref="IBackend{V}.Bfp"/> (a call of <see cref="BfpHost"/>,
/// no spill of the region's state), and the interpreter for everything else. A BFP operation comes before its
/// instruction changes anything, so when the fast path cannot prove its result (rounding mode, special
/// or extreme operands and results, an inexact result with the inexact mask on) the region leaves with
/// "re-execute" and the interpreter runs the instruction's body on the exact core, traps included.
/// </summary>
public sealed unsafe partial class RegionEmitter
{
    /// <summary>Values the fast path produced: normal and finite or an exact zero, never a NaN.</summary>
    private readonly HashSet<LocalBuilder> _bfpOrdered = new();

    private static readonly FieldInfo F_V = typeof(Cpu).GetField(nameof(Cpu.V))!;
    private static readonly FieldInfo F_Cr = typeof(Cpu).GetField(nameof(Cpu.Cr))!;

    /// <summary>Pushes the address of FPR r (bits 0-63 of VR r: doubleword 2r of <see cref="Cpu.V"/>), as <see cref="Cpu.Fpr"/>.</summary>
    private void PushFprAddress(int r)
    {
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldflda, F_V);
        if (r != 0) { _il.Emit(OpCodes.Ldc_I4, 16 * r); _il.Emit(OpCodes.Add); }
    }

    /// <summary>Pushes CR0's AFP-register control (non-zero when on), as <see cref="FpRegs.Afp"/>.</summary>
    private void PushAfpOn()
    {
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldflda, F_Cr);
        _il.Emit(OpCodes.Ldind_I8);
        _il.Emit(OpCodes.Ldc_I8, (long)Cr0.AfpRegisters);
        _il.Emit(OpCodes.And);
    }

    private static MethodInfo HostMethod(string name) =>
        typeof(BfpHost).GetMethod(name) ?? throw new InvalidOperationException($"no BfpHost.{name}");

    /// <summary>The current block checked CR0's AFP-register control at its entry: its instructions need no check of their own.</summary>
    private bool _afpChecked;

    /// <summary>
    /// Block entry (after the event check, before the block's cycles are charged): when an instruction of
    /// the block checks CR0's AFP-register control, check it once here; when it is off, the interpreter
    /// runs the block and raises the data exception (DXC 1 or 2) at the instruction that meets it. CR0
    /// cannot change inside a block: a control-register load is never a simple instruction (privileged),
    /// and a helper instruction ends its block.
    /// </summary>
    public void AfpCheck(bool needed, ulong blockAddr, int blockIndex)
    {
        _afpChecked = needed;
        if (!needed) return;
        var on = _il.DefineLabel();
        PushAfpOn();
        _il.Emit(OpCodes.Brtrue, on);
        ExitStepBlock(blockAddr, blockIndex);
        _il.MarkLabel(on);
    }

    /// <summary>Data exception DXC 2 while CR0's AFP-register control is off (every BFP instruction).</summary>
    public void CheckBfpControl()
    {
        if (_afpChecked) return;
        var skip = _il.DefineLabel();
        PushAfpOn();
        _il.Emit(OpCodes.Brtrue, skip);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4, (int)Dxc.BfpInstruction);
        _il.Emit(OpCodes.Call, M_SetPendingData);
        ExitProgramInterruption();
        _il.MarkLabel(skip);
    }

    /// <summary>Leaves for the interpreter when <paramref name="v"/> is <paramref name="slow"/>; the instruction has changed nothing yet.</summary>
    private void ReexecuteIfEqual(LocalBuilder v, ulong slow)
    {
        if (_dirty) throw new InvalidOperationException("a BFP operation after its instruction changed state cannot fall back to the interpreter");
        var ok = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, v);
        _il.Emit(OpCodes.Ldc_I8, (long)slow);
        _il.Emit(OpCodes.Bne_Un, ok);
        EmitExit(ExitReexecute, CurrentIndex);
        _il.MarkLabel(ok);
    }

    public Val Bfp(BfpOp op, BinaryFormat f, Val a, Val b, Val c)
    {
        string suffix = f.Width == 64 ? "D" : f.Width == 32 ? "E" : throw new InvalidOperationException("extended BFP is a helper");
        var m = HostMethod(op + suffix);
        _il.Emit(OpCodes.Ldarg_1);
        switch (op)
        {
            case BfpOp.Sqrt or BfpOp.LoadTest: Push(b); break;
            case BfpOp.MulAdd or BfpOp.MulSub: Push(a); Push(b); Push(c); break;
            default: Push(a); Push(b); break;
        }
        _il.Emit(OpCodes.Call, m);
        var r = Pop();
        ReexecuteIfEqual(r.Local!, BfpHost.Slow);
        if (op != BfpOp.LoadTest) _bfpOrdered.Add(r.Local!);
        _dirty = true; // the FPC's inexact flag may have been set
        return r;
    }

    /// <summary>COMPARE: ordered operands compare as signed keys (the condition-code rule fuses with a branch on it); a NaN goes to the interpreter.</summary>
    public void BfpCompare(BinaryFormat f, Val a, Val b)
    {
        var key = HostMethod(f.Width == 64 ? nameof(BfpHost.CompareKeyD) : nameof(BfpHost.CompareKeyE));
        Push(a);
        _il.Emit(OpCodes.Call, key);
        Val ka = Pop();
        ReexecuteIfEqual(ka.Local!, 0x8000_0000_0000_0000UL);
        Push(b);
        _il.Emit(OpCodes.Call, key);
        Val kb = Pop();
        ReexecuteIfEqual(kb.Local!, 0x8000_0000_0000_0000UL);
        SetCc(CcOp.CompareSigned64, ka, kb, new Val(0));
    }

    public void SetBfpResultCc(BinaryFormat f, Val v)
    {
        bool wide = f.Width == 64;
        if (!v.IsConst && _bfpOrdered.Contains(v.Local!))
        {
            // never a NaN: the sign rule of the compare key (sign-magnitude as two's complement, both
            // zeros 0; BfpHost.CompareKeyD/E) is the BFP rule, and it fuses with a branch on it
            Val mag = Binary(OpCodes.And, v, new Val(wide ? 0x7FFF_FFFF_FFFF_FFFFUL : 0x7FFF_FFFFUL));
            Val sgn = Binary(OpCodes.Shr, wide ? v : Convert(v, OpCodes.Conv_I4), new Val(63), shift: true);
            SetCc(CcOp.Sign64, Binary(OpCodes.Sub, Binary(OpCodes.Xor, mag, sgn), sgn), new Val(0), new Val(0));
            return;
        }
        var m = HostMethod(wide ? nameof(BfpHost.ResultCcD) : nameof(BfpHost.ResultCcE));
        Val cc = CallUnary(m, v, x => wide ? BfpHost.ResultCcD(x) : BfpHost.ResultCcE(x));
        SetCc(CcOp.Const, new Val(0), cc, new Val(0));
    }
}
