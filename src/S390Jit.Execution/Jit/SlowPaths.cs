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

    // Loads and stores of compact code (RegionEmitter.Compact), one per size: the access cache's hit path here instead of
    // inline, then the slow path (translation, under DAT too; a store into translated code is left to the interpreter);
    // false when the access raised a program interruption (recorded in the CPU) or is to be re-executed.

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Read1(Cpu cpu, ulong addr, out ulong value)
    {
        byte* p = cpu.ReadSpan(addr, 1);
        if (p == null) return cpu.TryRead(addr, 1, out value);
        value = *p;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Read2(Cpu cpu, ulong addr, out ulong value)
    {
        byte* p = cpu.ReadSpan(addr, 2);
        if (p == null) return cpu.TryRead(addr, 2, out value);
        value = BigEndian.U16(p);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Read4(Cpu cpu, ulong addr, out ulong value)
    {
        byte* p = cpu.ReadSpan(addr, 4);
        if (p == null) return cpu.TryRead(addr, 4, out value);
        value = BigEndian.U32(p);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Read8(Cpu cpu, ulong addr, out ulong value)
    {
        byte* p = cpu.ReadSpan(addr, 8);
        if (p == null) return cpu.TryRead(addr, 8, out value);
        value = BigEndian.U64(p);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Write1(Cpu cpu, ulong addr, ulong value)
    {
        byte* p = cpu.WriteSpan(addr, 1);
        if (p == null) return CodeWatch.TryWrite(cpu, addr, 1, value);
        *p = (byte)value;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Write2(Cpu cpu, ulong addr, ulong value)
    {
        byte* p = cpu.WriteSpan(addr, 2);
        if (p == null) return CodeWatch.TryWrite(cpu, addr, 2, value);
        BigEndian.Put16(p, (ushort)value);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Write4(Cpu cpu, ulong addr, ulong value)
    {
        byte* p = cpu.WriteSpan(addr, 4);
        if (p == null) return CodeWatch.TryWrite(cpu, addr, 4, value);
        BigEndian.Put32(p, (uint)value);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe bool Write8(Cpu cpu, ulong addr, ulong value)
    {
        byte* p = cpu.WriteSpan(addr, 8);
        if (p == null) return CodeWatch.TryWrite(cpu, addr, 8, value);
        BigEndian.Put64(p, value);
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
