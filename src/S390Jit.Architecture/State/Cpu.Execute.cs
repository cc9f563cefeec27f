using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;
using S390Jit.Memory;

namespace S390Jit.Architecture.State;

/// <summary>Why a CPU stopped running guest code.</summary>
public enum CpuExit : byte
{
    None,
    /// <summary>The SIE intercepted an instruction (ICPTCODE 0x04; the SIE recorded IPA/IPB).</summary>
    Instruction,
    /// <summary>The PSW has the wait bit set and no interruption could be presented.</summary>
    Wait,
    /// <summary>An interruption the host asked for is now enabled (external / I/O request).</summary>
    InterruptRequest,
    /// <summary>The run slice ended (cycle budget reached).</summary>
    Budget,
    /// <summary>The host asked the CPU to leave interpretive execution (stop, kick).</summary>
    HostRequest,
}

public unsafe partial class Cpu
{
    /// <summary>The interpretive execution the CPU runs a guest under (set by the SIE at entry), or null.</summary>
    public IInterpretiveExecution? Sie;
    /// <summary>CR0 subclass bits of external interruptions the host wants to present (SIE exits once enabled).</summary>
    public ulong HostExtRequest;
    /// <summary>ISC bits (0x80 >> isc) of I/O interruptions the host wants to present.</summary>
    public byte HostIoRequest;
    /// <summary>
    /// Makes this CPU leave the run loop at its next event boundary (<see cref="ServiceEvents"/>). Volatile: another
    /// thread may set it (the debugger's break), but only the flag, never <see cref="EventCycle"/>: the request
    /// is then seen at the next boundary the CPU reaches by itself, at the latest the end of its budget.
    /// </summary>
    public volatile bool HostExitRequest;
    /// <summary>The machine's scheduled events (AP reply notifications, host timers), or null.</summary>
    public IHostEventSource? HostEventSource;
    /// <summary>
    /// The cycle at which <see cref="HostEventSource"/> wants to run next (MaxValue: none). Whoever
    /// lowers it while the CPU runs also lowers <see cref="EventCycle"/> (or calls <see cref="RecheckEvents"/>).
    /// </summary>
    public ulong HostEventCycle = ulong.MaxValue;

    /// <summary>Fetches, decodes and executes one instruction. Program interruptions are thrown.</summary>
    public CpuExit Step()
    {
        ulong addr = PswAddr;
        IssueAddr = addr;
        InstrAddr = addr;
        // an odd instruction address is recognised before the fetch: ILC 0, the PSW unchanged
        InstrLength = 0;
        if ((addr & 1) != 0) throw Pgm(PgmCode.Specification);
        // access exceptions of the fetch itself: ILC 2; suppressing ones point past that halfword
        InstrLength = 2;
        PswAddr = (addr + 2) & AddrMask;
        ulong raw = Fetch(addr, out int len);
        InstrLength = len;
        PswAddr = (addr + (ulong)len) & AddrMask;
        if ((PswMask & Psw.Per) != 0) PerInstructionFetch(addr);
        var def = Decoder.Lookup(raw) ?? throw Pgm(PgmCode.Operation);
        Insn insn = default;
        insn.Def = def;
        insn.Raw = raw;
        insn.Length = (byte)len;
        Decoder.ExtractFields(ref insn, def);
        if (_arOpCount != 0 || (PswMask & (Psw.Dat | Psw.AscMask)) == (Psw.Dat | (1UL << 46))) NoteArOperands(def, ref insn);
        return Execute(def, ref insn);
    }

    /// <summary>The checks every instruction gets from its table row, then its one semantic body.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CpuExit Execute(InsnDef def, ref Insn insn)
    {
        if (def.Facility >= 0 && !HasFacility(def.Facility)) throw Pgm(PgmCode.Operation);
        if (def.Sie != SieAction.Interpreted && Sie != null && Sie.Intercepts(this, def, ref insn)) return CpuExit.Instruction;
        if (!def.Implemented) throw Pgm(PgmCode.Operation);
        if ((def.Flags & InsnFlags.Priv) != 0 && (PswMask & Psw.Problem) != 0) throw Pgm(PgmCode.PrivilegedOperation);
        if ((def.Flags & (InsnFlags.EvenR1 | InsnFlags.EvenR2 | InsnFlags.EvenR3)) != 0) CheckEvenRegisters(def, ref insn);
        if ((def.Flags & InsnFlags.Vector) != 0 && (Cr[0] & Cr0.VectorControls) != Cr0.VectorControls) throw VectorDisabled();
        if (def.ExecSimple != null) def.ExecSimple(new Semantics.InterpBackend(this), ref insn);
        else def.Exec(this, ref insn);
        Cycles += (ulong)def.Cycles;
        Instructions++;
        return CpuExit.None;
    }

    private void CheckEvenRegisters(InsnDef def, ref Insn insn)
    {
        if (((def.Flags & InsnFlags.EvenR1) != 0 && (insn.R1 & 1) != 0) ||
            ((def.Flags & InsnFlags.EvenR2) != 0 && (insn.R2 & 1) != 0) ||
            ((def.Flags & InsnFlags.EvenR3) != 0 && (insn.R3 & 1) != 0))
            throw Pgm(PgmCode.Specification);
    }

    /// <summary>
    /// The instruction at a logical address for the logs and the profiler (left-aligned), or null when it
    /// cannot be fetched: no exception, no translation-exception state left behind, no cycles.
    /// </summary>
    public ulong? PeekInstruction(ulong addr, out int len)
    {
        var (teid, teidValid, accessId, accessIdValid) = (PendingTeid, PendingTeidValid, PendingExcAccessId, PendingExcAccessIdValid);
        ulong cycles = Cycles;
        len = 0;
        if ((addr & 1) != 0) return null;
        try { return Fetch(addr & AddrMask, out len); }
        catch (ProgramInterruptException) { len = 0; return null; }
        finally
        {
            (PendingTeid, PendingTeidValid, PendingExcAccessId, PendingExcAccessIdValid) = (teid, teidValid, accessId, accessIdValid);
            Cycles = cycles;
        }
    }

    /// <summary>Reads the instruction at a logical address, left-aligned; its length from the first byte.</summary>
    public ulong Fetch(ulong addr, out int len)
    {
        ref var e = ref ExecTlb[(int)((addr >> 12) & (ExecTlbEntries - 1))];
        byte* p = e.Tag == addr >> 12 && (addr & PageMask) <= 4096 - 6 ? e.At(addr) : null;
        ulong raw;
        if (p != null)
        {
            byte b0 = *p;
            len = Formats.LengthFromFirstByte(b0);
            raw = len switch
            {
                2 => (ulong)BigEndian.U16(p) << 48,
                4 => (ulong)BigEndian.U32(p) << 32,
                _ => ((ulong)BigEndian.U32(p) << 32) | ((ulong)BigEndian.U16(p + 4) << 16),
            };
            return raw;
        }
        byte* first = Access(addr, AccessKind.Instr);
        len = Formats.LengthFromFirstByte(*first);
        raw = (ulong)*first << 56;
        ulong last = (addr + (ulong)len - 1) & AddrMask;
        // an instruction crossing into the next page: that page must be executable too
        byte* second = (last >> 12) != (addr >> 12) ? Access(last & ~PageMask, AccessKind.Instr) : null;
        for (int i = 1; i < len; i++)
        {
            ulong a = (addr + (ulong)i) & AddrMask;
            byte b = (a >> 12) == (addr >> 12) ? first[a - addr] : second[a & PageMask];
            raw |= (ulong)b << (56 - 8 * i);
        }
        return raw;
    }

    /// <summary>
    /// Runs the event checks due at an instruction boundary: CPU-local timer interruptions and the
    /// interruptions the SIE presents itself (<see cref="IInterpretiveExecution"/>), host interruption requests, wait state, the run budget, host exit requests.
    /// Returns <see cref="CpuExit.None"/> to keep running and recomputes the next event cycle.
    /// </summary>
    public CpuExit ServiceEvents()
    {
        // a PER event of the instruction just completed is presented before anything else
        if (PerPending != 0) throw Pgm(0);
        if (_remoteClearPending) ApplyRemoteClears();
        if (HostExitRequest) { HostExitRequest = false; EventCycle = 0; return CpuExit.HostRequest; }
        if (Cycles >= HostEventCycle && HostEventSource != null) HostEventSource.Service(this);
        if (!DeliverPendingTimer()) Sie?.PresentInterruption(this);
        if (HostExtRequest != 0 && (PswMask & Psw.Ext) != 0 && (Cr[0] & HostExtRequest) != 0) { EventCycle = 0; return CpuExit.InterruptRequest; }
        if (HostIoRequest != 0 && (PswMask & Psw.Io) != 0 && (((uint)(Cr[6] >> 24)) & HostIoRequest) != 0) { EventCycle = 0; return CpuExit.InterruptRequest; }
        if ((PswMask & Psw.Wait) != 0) { EventCycle = 0; return CpuExit.Wait; }
        if (Cycles >= BudgetEnd) { EventCycle = 0; return CpuExit.Budget; }
        EventCycle = Math.Min(Math.Min(BudgetEnd, NextTimerCycle()), HostEventCycle);
        // another interruption of the SIE's the CPU is still enabled for: present it at the next boundary
        if (Sie != null && Sie.InterruptionDeliverable(this)) EventCycle = 0;
        return CpuExit.None;
    }

    /// <summary>Completes a program interruption reported by a semantic body: charges it and swaps PSWs.</summary>
    public void TakeProgramInterruption(ProgramInterruptException e)
    {
        Cycles += ProgramInterruptionCycles;
        DeliverProgramInterruption(e.Code, e.Nullify);
    }

    public const ulong ProgramInterruptionCycles = 30;
}
