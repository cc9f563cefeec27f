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
    /// <summary>The completion trap (DXC) a BFP operation of a simple body left for its BfpTrap (0: none; the interpreter's backend only).</summary>
    public byte BfpTrapDxc;

    private bool Record(ProgramInterruptException e)
    {
        PendingPgmCode = e.Code;
        PendingPgmNullify = e.Nullify;
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool TryRead(ulong addr, int size, out ulong value)
    {
        if (TlbStats.On) { TlbStats.SlowReads++; if (ReadPtr(addr, size) != null) TlbStats.SlowReadHits++; }
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
        if (TlbStats.On) { TlbStats.SlowWrites++; if (WritePtr(addr, size) != null) TlbStats.SlowWriteHits++; }
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
        if (TlbStats.On) TlbStats.SlowProbes++;
        try { CheckAccess(addr, (ulong)len, write); return true; }
        catch (ProgramInterruptException e) { return Record(e); }
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

    /// <summary>
    /// Runs a helper instruction from compiled code with the interpreter's checks (facility, SIE, privilege, registers).
    /// <para>AggressiveOptimization (also on BranchHelpers.ExecuteAt and JitEngine.Linked): compiled by RyuJIT at the first
    /// call, not run as ReadyToRun code. Kernel init keeps calling methods for the first time, which keeps restarting the
    /// runtime's call-counting delay, so these first used there stayed in ReadyToRun code (indirection stubs, no inlining of
    /// Cpu.InstructionFrameIs) through most of the initcalls: 12.4 % of the vcpu's samples there were ReadyToRun code and
    /// its stubs, 9 % with the three (boot wall time unchanged within noise; start-up unchanged).</para>
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public CpuExit ExecuteCompiled(InsnDef def, ref Insn insn, ulong addr, int length)
    {
        IssueAddr = addr;
        InstrAddr = addr;
        InstrLength = length;
        PswAddr = (addr + (ulong)length) & AddrMask;
        return Execute(def, ref insn);
    }
}
