using System.Runtime.CompilerServices;
using S390Jit.Architecture.State;
using S390Jit.Memory;

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

    /// <summary>
    /// A load of compact code (RegionEmitter.Compact) of <paramref name="size"/> bytes (1, 2, 4 or 8): the access cache's hit
    /// path here instead of inline, then the slow path (translation, under DAT too); false when the access raised a program
    /// interruption (recorded in the CPU).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Read(Cpu cpu, ulong addr, int size, out ulong value)
    {
        byte* p = cpu.ReadSpan(addr, (ulong)size);
        if (p == null) return cpu.TryRead(addr, size, out value);
        value = size switch { 1 => *p, 2 => BigEndian.U16(p), 4 => BigEndian.U32(p), _ => BigEndian.U64(p) };
        return true;
    }

    /// <summary>
    /// A store of compact code of <paramref name="size"/> bytes: as <see cref="Read"/>; false also when the store would change
    /// translated code (the interpreter re-executes the instruction).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Write(Cpu cpu, ulong addr, int size, ulong value)
    {
        byte* p = cpu.WriteSpan(addr, (ulong)size);
        if (p == null) return CodeWatch.TryWrite(cpu, addr, size, value);
        switch (size)
        {
            case 1: *p = (byte)value; break;
            case 2: BigEndian.Put16(p, (ushort)value); break;
            case 4: BigEndian.Put32(p, (uint)value); break;
            default: BigEndian.Put64(p, value); break;
        }
        return true;
    }

    /// <summary>An access check of compact code (multiple-register operands): a cache hit for the whole operand proves it, else <see cref="CodeWatch.TryProbe"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Probe(Cpu cpu, ulong addr, int len, bool write) =>
        (write ? cpu.WriteSpan(addr, (ulong)len) : cpu.ReadSpan(addr, (ulong)len)) != null || CodeWatch.TryProbe(cpu, addr, len, write);

    /// <summary>
    /// The access check of a multiple-register operand in compact code, made before the instruction changed anything: the
    /// host address of the operand when it lies in one page the access cache holds (filled here on a miss), so the
    /// instruction's accesses need no call each; else 0, with a program interruption recorded or, for a store into translated
    /// code, an operand across pages or one the cache does not take, the instruction left to the interpreter (re-executed).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe nint ProbeHost(Cpu cpu, ulong addr, int len, bool write)
    {
        byte* p = write ? cpu.WriteSpan(addr, (ulong)len) : cpu.ReadSpan(addr, (ulong)len);
        if (p != null) return (nint)p;
        if (!CodeWatch.TryProbe(cpu, addr, len, write)) return 0;
        p = write ? cpu.WriteSpan(addr, (ulong)len) : cpu.ReadSpan(addr, (ulong)len);
        if (p == null) ((CodeWatch)cpu.StorageObserver!).ReexecutePending = true;
        return (nint)p;
    }

    /// <summary>The condition code of a rule set in another block (0-3).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Cc(CcOp op, ulong src, ulong dst, ulong vr) => CcCompute.Calc(op, src, dst, vr);
}
