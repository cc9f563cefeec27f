using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;
using S390Jit.Memory;

namespace S390Jit.Architecture.State;

/// <summary>Why a CPU stopped running guest code.</summary>
public enum CpuExit : byte
{
    None,
    /// <summary>The SIE intercepted an instruction (ICPTCODE 0x04; IPA/IPB in <see cref="Cpu.InterceptIpa"/>).</summary>
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

/// <summary>SIE controls the guest CPU runs under (copied from the state description at SIE entry).</summary>
public sealed class SieControls
{
    /// <summary>Execution-control A (ECA): AIV = 0x00200000, APIE = 0x00000008.</summary>
    public uint Eca;
    public uint Ictl;
    public uint Crycbd;
    /// <summary>GISA designation (origin | format).</summary>
    public uint Gd;
    /// <summary>
    /// Host pointer to the GISA the SIE presents adapter interruptions from (set at SIE entry when
    /// ECA.AIV is on and GD designates a GISA; 0 otherwise).
    /// </summary>
    public nint Gisa;
    public const uint EcaAiv = 0x0020_0000, EcaApie = 0x0000_0008;
}

public unsafe partial class Cpu
{
    /// <summary>Non-null while the CPU runs a guest under the SIE.</summary>
    public SieControls? Sie;
    public ushort InterceptIpa;
    public uint InterceptIpb;
    /// <summary>The intercepted instruction was the target of an EXECUTE (KVM's icptstatus bit).</summary>
    public bool InterceptViaExecute;
    /// <summary>CR0 subclass bits of external interruptions the host wants to present (SIE exits once enabled).</summary>
    public ulong HostExtRequest;
    /// <summary>ISC bits (0x80 >> isc) of I/O interruptions the host wants to present.</summary>
    public byte HostIoRequest;
    /// <summary>Set by other threads/CPUs to make this CPU leave the run loop at the next boundary.</summary>
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
        if (def.Sie != SieAction.Interpreted && Sie != null && (def.Sie == SieAction.Intercept || def.SieCheckFn(this, ref insn)))
        {
            InterceptIpa = insn.Ipa;
            InterceptIpb = insn.Ipb;
            InterceptViaExecute = IssueAddr != InstrAddr;
            return CpuExit.Instruction;
        }
        if (def.Body == null) throw Pgm(PgmCode.Operation);
        if ((def.Flags & InsnFlags.Priv) != 0 && (PswMask & Psw.Problem) != 0) throw Pgm(PgmCode.PrivilegedOperation);
        if ((def.Flags & (InsnFlags.EvenR1 | InsnFlags.EvenR2 | InsnFlags.EvenR3)) != 0) CheckEvenRegisters(def, ref insn);
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

    /// <summary>Reads the instruction at a logical address, left-aligned; its length from the first byte.</summary>
    public ulong Fetch(ulong addr, out int len)
    {
        ref var e = ref ExecTlb[(int)((addr >> 12) & (TlbEntries - 1))];
        byte* p = e.Tag == addr >> 12 && (addr & PageMask) <= 4096 - 6 ? e.Host + (addr & PageMask) : null;
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
    /// Runs the event checks due at an instruction boundary: CPU-local timer interruptions (the SIE
    /// presents them itself), host interruption requests, wait state, the run budget, host exit requests.
    /// Returns <see cref="CpuExit.None"/> to keep running and recomputes the next event cycle.
    /// </summary>
    public CpuExit ServiceEvents()
    {
        // a PER event of the instruction just completed is presented before anything else
        if (PerPending != 0) throw Pgm(0);
        if (_remoteClearPending) ApplyRemoteClears();
        if (HostExitRequest) { HostExitRequest = false; EventCycle = 0; return CpuExit.HostRequest; }
        if (Cycles >= HostEventCycle && HostEventSource != null) HostEventSource.Service(this);
        if (DeliverPendingTimer()) { }
        else if (Sie is { Gisa: not 0 } && DeliverGisaInterruption()) { }
        if (HostExtRequest != 0 && (PswMask & Psw.Ext) != 0 && (Cr[0] & HostExtRequest) != 0) { EventCycle = 0; return CpuExit.InterruptRequest; }
        if (HostIoRequest != 0 && (PswMask & Psw.Io) != 0 && (((uint)(Cr[6] >> 24)) & HostIoRequest) != 0) { EventCycle = 0; return CpuExit.InterruptRequest; }
        if ((PswMask & Psw.Wait) != 0) { EventCycle = 0; return CpuExit.Wait; }
        if (Cycles >= BudgetEnd) { EventCycle = 0; return CpuExit.Budget; }
        EventCycle = Math.Min(Math.Min(BudgetEnd, NextTimerCycle()), HostEventCycle);
        // another GISA interruption the CPU is still enabled for: present it at the next boundary
        if (Sie is { Gisa: not 0 } && GisaDeliverable() != 0) EventCycle = 0;
        return CpuExit.None;
    }

    /// <summary>The GISA's IPM bits this CPU is enabled for now (PSW I/O bit and CR6 ISC mask).</summary>
    private byte GisaDeliverable()
    {
        if ((PswMask & Psw.Io) == 0) return 0;
        ulong w = BigEndian.U64((byte*)Sie!.Gisa);
        return (byte)((w >> 24) & (Cr[6] >> 24) & 0xFF);
    }

    /// <summary>
    /// The SIE's adapter-interruption virtualization (ECA.AIV with a GISA): presents the highest-priority
    /// pending ISC of the GISA's IPM the guest is enabled for as an I/O adapter interruption
    /// (interruption identification 0x80000000 | ISC &lt;&lt; 27, subchannel id and parameter 0),
    /// clearing the IPM bit atomically (the first doubleword of the GISA: next-alert, IPM, IAM).
    /// </summary>
    private bool DeliverGisaInterruption()
    {
        var p = (long*)Sie!.Gisa;
        while (true)
        {
            long raw = Volatile.Read(ref *p);
            ulong w = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((ulong)raw);
            uint pending = (uint)((w >> 24) & 0xFF) & (uint)((Cr[6] >> 24) & 0xFF);
            if ((PswMask & Psw.Io) == 0 || pending == 0) return false;
            int isc = System.Numerics.BitOperations.LeadingZeroCount(pending) - 24;
            ulong nw = w & ~((0x80UL >> isc) << 24);
            long nraw = (long)System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(nw);
            if (Interlocked.CompareExchange(ref *p, nraw, raw) != raw) continue;
            DeliverIo(0, 0, 0x8000_0000u | ((uint)isc << 27));
            HostEventSource?.AdapterInterruptionPresented(this, isc);
            return true;
        }
    }

    /// <summary>Completes a program interruption reported by a semantic body: charges it and swaps PSWs.</summary>
    public void TakeProgramInterruption(ProgramInterruptException e)
    {
        Cycles += ProgramInterruptionCycles;
        DeliverProgramInterruption(e.Code, e.Nullify);
    }

    public const ulong ProgramInterruptionCycles = 30;
}
