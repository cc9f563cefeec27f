using System.Runtime.CompilerServices;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// The out-of-line calls compiled code makes on its rare paths, never inlined: RyuJIT then does not
/// import their bodies (or, for the condition code, the whole rule switch) at every call site of a region.
/// </summary>
public static class SlowPaths
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TryRead(Cpu cpu, ulong addr, int size, out ulong value) => cpu.TryRead(addr, size, out value);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void SetPendingTrap(Cpu cpu) => cpu.SetPendingTrap();

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void SetPendingData(Cpu cpu, int dxc) => cpu.SetPendingData(dxc);

    /// <summary>The condition code of a rule set in another block (0-3).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Cc(CcOp op, ulong src, ulong dst, ulong vr) => CcCompute.Calc(op, src, dst, vr);
}
