using System.Reflection.Emit;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Vector registers for simple vector bodies (<see cref="S390Jit.Architecture.Semantics.IBackend{V}.VD"/>): the
/// doublewords of <see cref="Cpu.V"/> read and written in place, and the vector-enablement check once per block.
/// </summary>
public sealed unsafe partial class RegionEmitter
{
    /// <summary>Pushes the address of doubleword d of VR v (doubleword 2v + d of <see cref="Cpu.V"/>).</summary>
    private void PushVdAddress(int v, int d)
    {
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldflda, F_V);
        int off = 8 * (2 * v + d);
        if (off != 0) { _il.Emit(OpCodes.Ldc_I4, off); _il.Emit(OpCodes.Add); }
    }

    public Val ReadVd(int v, int d)
    {
        PushVdAddress(v, d);
        _il.Emit(OpCodes.Ldind_I8);
        return Pop();
    }

    public void WriteVd(int v, int d, Val x)
    {
        _dirty = true;
        PushVdAddress(v, d);
        Push(x);
        _il.Emit(OpCodes.Stind_I8);
    }

    /// <summary>
    /// Block entry, after <see cref="AfpCheck"/>: when the block holds a vector instruction, CR0's AFP-register
    /// and vector-enablement controls must both be on; otherwise the interpreter runs the block and raises the
    /// data exception (DXC 0xFE) at the first vector instruction, as <see cref="Cpu.Execute"/> does. With both
    /// on, no AFP-register check of the block's FP instructions can fail either. CR0 cannot change inside a block.
    /// </summary>
    public void VectorCheck(bool needed, ulong blockAddr, int blockIndex)
    {
        if (!needed) return;
        var on = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldflda, F_Cr);
        _il.Emit(OpCodes.Ldind_I8);
        _il.Emit(OpCodes.Ldc_I8, (long)Cr0.VectorControls);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I8, (long)Cr0.VectorControls);
        _il.Emit(OpCodes.Beq, on);
        ExitStepBlock(blockAddr, blockIndex);
        _il.MarkLabel(on);
        _afpChecked = true;
    }
}
