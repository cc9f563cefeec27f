using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;

namespace S390Jit.Architecture.State;

/// <summary>
/// Entry points compiled code uses: storage slow paths that report a program interruption by
/// return value instead of throwing (compiled code keeps guest registers in IL locals, and a
/// throw would lose them), and the helper-instruction call that runs the same checks and body
/// as the interpreter.
/// </summary>
public unsafe partial class Cpu
{
    /// <summary>Program interruption recorded by a Try* slow path or a compiled raise.</summary>
    public ushort PendingPgmCode;
    public bool PendingPgmNullify;
    /// <summary>Set when a store hit a page holding translated code (the running region must stop).</summary>
    public bool CodeModified;

    private bool Record(ProgramInterruptException e)
    {
        PendingPgmCode = e.Code;
        PendingPgmNullify = e.Nullify;
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool TryRead(ulong addr, int size, out ulong value)
    {
        try
        {
            value = size switch { 1 => ReadU8(addr), 2 => ReadU16(addr), 4 => ReadU32(addr), _ => ReadU64(addr) };
            return true;
        }
        catch (ProgramInterruptException e) { value = 0; return Record(e); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool TryWrite(ulong addr, int size, ulong value)
    {
        try
        {
            switch (size)
            {
                case 1: WriteU8(addr, (byte)value); break;
                case 2: WriteU16(addr, (ushort)value); break;
                case 4: WriteU32(addr, (uint)value); break;
                default: WriteU64(addr, value); break;
            }
            return true;
        }
        catch (ProgramInterruptException e) { return Record(e); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool TryProbe(ulong addr, int len, bool write)
    {
        if (write && ReexecuteIfCode(addr, len)) return false;
        try { CheckAccess(addr, (ulong)len, write); return true; }
        catch (ProgramInterruptException e) { return Record(e); }
    }

    /// <summary>Pending code meaning "a store of compiled code would change translated code: run the instruction again in the interpreter".</summary>
    public const ushort PendingReexecute = 0xFFFF;

    /// <summary>
    /// Compiled stores: a store into a page holding translated code is not done; the page's
    /// translations are dropped and the instruction is handed to the interpreter, so the next
    /// instruction executed is always the current one (precise self-modifying code).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool TryWriteCompiled(ulong addr, int size, ulong value)
    {
        if (ReexecuteIfCode(addr, size)) return false;
        return TryWrite(addr, size, value);
    }

    private bool ReexecuteIfCode(ulong addr, int len)
    {
        bool hit = false;
        foreach (ulong a in new[] { addr, (addr + (ulong)len - 1) & AddrMask })
        {
            if ((PswMask & Psw.Dat) != 0) break;
            ulong abs = RealToAbsolute(a);
            if (abs >= MemSize) continue;
            ulong frame = abs >> 12;
            if ((WatchedFrames[frame >> 6] & (1UL << (int)(frame & 63))) == 0) continue;
            OnWatchedPageWrite?.Invoke(frame << 12);
            hit = true;
        }
        if (!hit) return false;
        PendingPgmCode = PendingReexecute;
        return true;
    }

    /// <summary>A data exception with DXC 0xFF (compare and trap) raised by compiled code.</summary>
    public void SetPendingTrap() { PendingDxc = 0xFF; PendingPgmCode = PgmCode.Data; PendingPgmNullify = false; }

    /// <summary>A data exception with the given DXC raised by compiled code (e.g. DXC 1, AFP register with the control off).</summary>
    public void SetPendingData(int dxc) { PendingDxc = (byte)dxc; PendingPgmCode = PgmCode.Data; PendingPgmNullify = false; }

    /// <summary>Delivers the program interruption compiled code recorded.</summary>
    public void TakePendingProgramInterruption()
    {
        PgmException.Code = PendingPgmCode;
        PgmException.Nullify = PendingPgmNullify;
        TakeProgramInterruption(PgmException);
    }

    /// <summary>Runs a helper instruction from compiled code with the interpreter's checks (facility, SIE, privilege, registers).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public CpuExit ExecuteCompiled(InsnDef def, ref Insn insn, ulong addr, int length)
    {
        IssueAddr = addr;
        InstrAddr = addr;
        InstrLength = length;
        PswAddr = (addr + (ulong)length) & AddrMask;
        return Execute(def, ref insn);
    }
}
