namespace S390Jit.Architecture.State;

/// <summary>Lowcore (prefix area) offsets of z/Architecture.</summary>
public static class Lowcore
{
    public const int ExtParam = 0x80, ExtCpuAddr = 0x84, ExtCode = 0x86, SvcIlc = 0x88, SvcCode = 0x8A,
        PgmIlc = 0x8C, PgmCode = 0x8E, DataExcCode = 0x90, MonitorClass = 0x94, PerCode = 0x96, PerAtmid = 0x97,
        PerAddress = 0x98, ExcAccessId = 0xA0, PerAccessId = 0xA1, OpAccessId = 0xA2,
        TransExcId = 0xA8, MonitorCode = 0xB0, Bear = 0x110, SubchannelId = 0xB8, IoIntParm = 0xBC, IoIntWord = 0xC0, Stfl = 0xC8,
        RestartOldPsw = 0x120, ExtOldPsw = 0x130, SvcOldPsw = 0x140, PgmOldPsw = 0x150, McckOldPsw = 0x160, IoOldPsw = 0x170,
        RestartNewPsw = 0x1A0, ExtNewPsw = 0x1B0, SvcNewPsw = 0x1C0, PgmNewPsw = 0x1D0, McckNewPsw = 0x1E0, IoNewPsw = 0x1F0;
}

/// <summary>External interruption codes.</summary>
public static class ExtCode
{
    public const ushort EmergencySignal = 0x1201, ExternalCall = 0x1202, ClockComparator = 0x1004,
        CpuTimer = 0x1005, ServiceSignal = 0x2401, InterruptKey = 0x0040;
}

/// <summary>CR0 external-interruption subclass masks (64-bit CR0).</summary>
public static class Cr0
{
    public const ulong LowAddressProtection = 1UL << 28, AfpRegisters = 1UL << 18, VectorEnablement = 1UL << 17,
        EmergencySignal = 1UL << 14, ExternalCall = 1UL << 13, ClockComparator = 1UL << 11,
        CpuTimer = 1UL << 10, ServiceSignal = 1UL << 9, InterruptKey = 1UL << 7;
    /// <summary>Both bits a vector instruction needs (AFP-register control and vector enablement control).</summary>
    public const ulong VectorControls = AfpRegisters | VectorEnablement;
}

/// <summary>An interruption class whose new PSW is invalid, so that taking it would loop.</summary>
public enum InterruptionLoop : byte { None, Program, External }

public partial class Cpu
{
    /// <summary>Counts of delivered interruptions by class (statistics).</summary>
    public ulong ProgramInterruptions, ExternalInterruptions, IoInterruptions, SvcInterruptions;

    /// <summary>Address of the instruction the PSW designated (EXECUTE itself when a target runs).</summary>
    public ulong IssueAddr;

    /// <summary>The logs' and the profiler's view of this CPU (-d, --profile), or null (the engines then run unobserved).</summary>
    public ICpuObserver? Observer;

    /// <summary>Swaps PSWs through the lowcore: stores the current PSW at <paramref name="oldOffset"/> and loads the new one.</summary>
    public void SwapPsw(int oldOffset, int newOffset, ulong oldAddr)
    {
        WriteReal64((ulong)oldOffset, FullPswMask);
        WriteReal64((ulong)oldOffset + 8, oldAddr);
        ulong m = ReadReal64((ulong)newOffset), a = ReadReal64((ulong)newOffset + 8);
        LoadPsw(m, a);
    }

    /// <summary>Delivers a program interruption for the instruction just attempted.</summary>
    public void DeliverProgramInterruption(ushort code, bool nullify)
    {
        ProgramInterruptions++;
        ulong oldAddr = nullify ? IssueAddr : PswAddr;
        ulong oldMask = FullPswMask;
        WriteReal16(Lowcore.PgmIlc, (ushort)(InstrLength & 6));
        if (code is PgmCode.Data or PgmCode.VectorProcessing)
        {
            WriteReal32(Lowcore.DataExcCode, PendingDxc);
            // with the AFP-register control on, the DXC also goes to byte 2 of the FPC
            if ((Cr[0] & Cr0.AfpRegisters) != 0) Fpc = (Fpc & 0xFFFF_00FFu) | ((uint)PendingDxc << 8);
            PendingDxc = 0;
        }
        bool translation = code is PgmCode.Protection or PgmCode.AletSpecification or PgmCode.SpaceSwitch || PgmCode.Nullifies(code);
        bool teid = PendingTeidValid && code != PgmCode.AletSpecification && translation;
        if (teid) WriteReal64(Lowcore.TransExcId, PendingTeid);
        if (PendingExcAccessIdValid && translation)
            WriteReal8(Lowcore.ExcAccessId, PendingExcAccessId);
        PendingTeidValid = false;
        PendingExcAccessIdValid = false;
        if (code == PgmCode.Monitor)
        {
            WriteReal16(Lowcore.MonitorClass, PendingMonitorClass);
            WriteReal64(Lowcore.MonitorCode, PendingMonitorCode);
        }
        code |= StorePerEvent();
        WriteReal16(Lowcore.PgmCode, code);
        WriteReal64(Lowcore.Bear, Bear);
        SwapPsw(Lowcore.PgmOldPsw, Lowcore.PgmNewPsw, oldAddr);
        Observer?.Interruption(this, new InterruptionRecord(InterruptionClass.Program, code, InstrLength & 6, oldMask, oldAddr,
            FullPswMask, PswAddr, teid ? ReadReal64(Lowcore.TransExcId) : null));
        CheckNewPsw(InterruptionLoop.Program);
    }

    /// <summary>
    /// Under interpretive execution, an interruption whose new PSW is invalid (or has an odd address)
    /// would raise a specification exception at once, and with it the next program interruption, forever:
    /// the SIE intercepts instead (program interruption, ICPT 0x08; external, 0x14) and the host ends the
    /// guest as QEMU on KVM does ("pgmint-loop", "extint-loop"). Without SIE the CPU loops, as architected.
    /// </summary>
    private void CheckNewPsw(InterruptionLoop kind)
    {
        if (Sie == null || (IsValidPsw(FullPswMask, PswAddr) && (PswAddr & 1) == 0)) return;
        PendingLoop = kind;
        HostExitRequest = true;
        RecheckEvents();
    }

    /// <summary>An interruption loaded an invalid new PSW under SIE (see <see cref="CheckNewPsw"/>); the SIE turns it into its interception.</summary>
    public InterruptionLoop PendingLoop;

    /// <summary>Monitor class and code of a MONITOR CALL whose monitor-event interruption is being taken.</summary>
    internal ushort PendingMonitorClass;
    internal ulong PendingMonitorCode;

    public void DeliverSvc(byte code)
    {
        SvcInterruptions++;
        WriteReal16(Lowcore.SvcIlc, (ushort)(InstrLength & 6));
        WriteReal16(Lowcore.SvcCode, code);
        ulong oldMask = FullPswMask, oldAddr = PswAddr;
        SwapPsw(Lowcore.SvcOldPsw, Lowcore.SvcNewPsw, PswAddr);
        Observer?.Interruption(this, new InterruptionRecord(InterruptionClass.SupervisorCall, code, InstrLength & 6, oldMask, oldAddr, FullPswMask, PswAddr));
        // a PER event of the SVC instruction is presented right after the SVC interruption
        if (PerPending != 0) DeliverProgramInterruption(0, nullify: false);
    }

    public void DeliverExternal(ushort code, uint parameter = 0, ushort cpuAddr = 0)
    {
        ExternalInterruptions++;
        WriteReal16(Lowcore.ExtCode, code);
        WriteReal32(Lowcore.ExtParam, parameter);
        WriteReal16(Lowcore.ExtCpuAddr, cpuAddr);
        ulong oldMask = FullPswMask, oldAddr = PswAddr;
        SwapPsw(Lowcore.ExtOldPsw, Lowcore.ExtNewPsw, PswAddr);
        Observer?.Interruption(this, new InterruptionRecord(InterruptionClass.External, code, 0, oldMask, oldAddr, FullPswMask, PswAddr,
            Parameter: parameter, CpuAddr: cpuAddr));
        CheckNewPsw(InterruptionLoop.External);
    }

    public void DeliverIo(uint subchannelId, uint parameter, uint interruptionWord)
    {
        IoInterruptions++;
        WriteReal32(Lowcore.SubchannelId, subchannelId);
        WriteReal32(Lowcore.IoIntParm, parameter);
        WriteReal32(Lowcore.IoIntWord, interruptionWord);
        ulong oldMask = FullPswMask, oldAddr = PswAddr;
        SwapPsw(Lowcore.IoOldPsw, Lowcore.IoNewPsw, PswAddr);
        Observer?.Interruption(this, new InterruptionRecord(InterruptionClass.InputOutput, 0, 0, oldMask, oldAddr, FullPswMask, PswAddr,
            Parameter: parameter, InterruptionWord: interruptionWord, SubchannelId: subchannelId));
    }

    public void DeliverRestart()
    {
        ulong oldMask = FullPswMask, oldAddr = PswAddr;
        SwapPsw(Lowcore.RestartOldPsw, Lowcore.RestartNewPsw, PswAddr);
        Observer?.Interruption(this, new InterruptionRecord(InterruptionClass.Restart, 0, 0, oldMask, oldAddr, FullPswMask, PswAddr));
    }

    public bool ExtEnabled(ulong cr0Subclass) => (PswMask & Psw.Ext) != 0 && (Cr[0] & cr0Subclass) != 0;
    /// <summary>I/O interruptions of <paramref name="isc"/> are enabled: PSW bit 6 and CR6 bit 32+isc.</summary>
    public bool IoEnabled(int isc) => (PswMask & Psw.Io) != 0 && (Cr[6] & (0x8000_0000UL >> isc)) != 0;
    public bool InWait => (PswMask & Psw.Wait) != 0;
    public bool DisabledWait => InWait && (PswMask & (Psw.Io | Psw.Ext | Psw.MCheck)) == 0;

    /// <summary>
    /// Presents a pending, enabled CPU-local timer interruption (clock comparator, then CPU timer).
    /// Returns true if one was delivered.
    /// </summary>
    public bool DeliverPendingTimer()
    {
        if ((PswMask & Psw.Ext) == 0) return false;
        if ((Cr[0] & Cr0.ClockComparator) != 0 && CkcPending) { DeliverExternal(ExtCode.ClockComparator); return true; }
        if ((Cr[0] & Cr0.CpuTimer) != 0 && CpuTimerPending) { DeliverExternal(ExtCode.CpuTimer); return true; }
        return false;
    }

    /// <summary>The earliest cycle at which an enabled CPU-local timer interruption becomes pending.</summary>
    public ulong NextTimerCycle()
    {
        ulong next = ulong.MaxValue;
        if ((PswMask & Psw.Ext) == 0) return next;
        if ((Cr[0] & Cr0.ClockComparator) != 0) next = Math.Min(next, CkcCycle());
        if ((Cr[0] & Cr0.CpuTimer) != 0) next = Math.Min(next, CpuTimerCycle());
        return next;
    }
}
