using System.Runtime.CompilerServices;

namespace S390Jit.Architecture.State;

/// <summary>Vector-facility exceptions: vector enablement (data exception DXC 0xFE) and vector-processing exceptions.</summary>
public partial class Cpu
{
    /// <summary>DXC of a vector instruction executed while CR0 bit 45 or 46 is zero.</summary>
    public const byte DxcVectorInstruction = 0xFE;

    /// <summary>A vector instruction with the AFP-register or vector-enablement control off: data exception, DXC 0xFE.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public Exception VectorDisabled() => DataException(DxcVectorInstruction);

    /// <summary>
    /// Vector-processing exception (program interruption 0x1B): the VXC (element index in bits 0-3,
    /// IEEE exception code in bits 4-7) is stored like a DXC (lowcore and FPC byte 2).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public Exception VectorProcessingException(int element, int code)
    {
        PendingDxc = (byte)((element << 4) | code);
        return Pgm(PgmCode.VectorProcessing);
    }
}
