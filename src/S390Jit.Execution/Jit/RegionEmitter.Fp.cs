using System.Reflection;
using System.Reflection.Emit;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>Floating-point registers for the simple FP bodies: read and written in the CPU, not cached in IL locals.</summary>
public sealed unsafe partial class RegionEmitter
{
    private static readonly MethodInfo M_ReadFpr = typeof(FpRegs).GetMethod(nameof(FpRegs.ReadFpr))!;
    private static readonly MethodInfo M_WriteFpr = typeof(FpRegs).GetMethod(nameof(FpRegs.WriteFpr))!;
    private static readonly MethodInfo M_AfpOff = typeof(FpRegs).GetMethod(nameof(FpRegs.AfpOff))!;
    private static readonly MethodInfo M_SetPendingData = typeof(Cpu).GetMethod(nameof(Cpu.SetPendingData))!;

    public Val ReadFpr(int r)
    {
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4, r);
        _il.Emit(OpCodes.Call, M_ReadFpr);
        return Pop();
    }

    public void WriteFpr(int r, Val v)
    {
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4, r);
        Push(v);
        _il.Emit(OpCodes.Call, M_WriteFpr);
    }

    /// <summary>Data exception DXC 1 for an AFP register (known at translation) while CR0's AFP-register control is off.</summary>
    public void CheckAfpRegister(int r)
    {
        if ((r & 9) == 0) return;
        var skip = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Call, M_AfpOff);
        _il.Emit(OpCodes.Brfalse, skip);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4, (int)S390Jit.Architecture.Fp.Dxc.AfpRegister);
        _il.Emit(OpCodes.Call, M_SetPendingData);
        ExitProgramInterruption();
        _il.MarkLabel(skip);
    }
}
