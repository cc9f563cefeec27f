using S390Jit.Architecture.State;

namespace S390Jit.Host.Kvm;

/// <summary>SIGNAL PROCESSOR order codes and status bits (sigp.c, asm/sigp.h).</summary>
public static class Sigp
{
    public const int Sense = 1, ExternalCall = 2, EmergencySignal = 3, Start = 4, Stop = 5, Restart = 6,
        StopAndStoreStatus = 9, InitialCpuReset = 11, CpuReset = 12, SetPrefix = 13, StoreStatusAtAddress = 14,
        SetArchitecture = 18, ConditionalEmergencySignal = 19, SenseRunningStatus = 21;

    /// <summary>Status bits stored in R1 with cc 1.</summary>
    public const uint StatusInvalidOrder = 0x02, StatusStopped = 0x40, StatusExtCallPending = 0x80, StatusInvalidParameter = 0x100,
        StatusIncorrectState = 0x200, StatusNotRunning = 0x400;

    /// <summary>Stores a status in the R1 register (bits 32-63) and sets cc 1.</summary>
    public static void StoreStatus(Cpu c, int r1, uint status)
    {
        c.SetR32(r1, status);
        c.Cc = 1;
    }
}

// sigp.c: the orders KVM handles in the kernel (SENSE, EXTERNAL CALL, EMERGENCY SIGNAL, CONDITIONAL EMERGENCY
// SIGNAL, SENSE RUNNING STATUS, STOP, SET ARCHITECTURE); START, RESTART, the resets, SET PREFIX and the
// store-status orders go to user space (QEMU's user_sigp).
public sealed partial class KvmVcpu
{
    /// <summary>The intercepted SIGP's registers: R1, R3, the order code, the parameter and the addressed CPU.</summary>
    public (int R1, int R3, int Order, ulong Parameter, ulong CpuAddr) DecodeSigp()
    {
        ushort ipa = SieBlock.InterceptIpa;
        int r1 = (ipa >> 4) & 0xF, r3 = ipa & 0xF;
        int order = (int)(BaseDisp() & 0xFF);
        ulong param = (r1 & 1) != 0 ? Cpu.G[r1] : Cpu.G[r1 + 1];
        return (r1, r3, order, param, Cpu.G[r3] & 0xFFFF);
    }

    /// <summary>kvm_s390_handle_sigp.</summary>
    private bool HandleSigp()
    {
        var c = Cpu;
        if (c.ProblemState) { InjectProgramInterruption(PgmCode.PrivilegedOperation); return true; }
        var (r1, _, order, param, addr) = DecodeSigp();
        Kvm.Events.Emit(KvmTrace.HandleSigp, c.Cycles, (c.CpuAddress, order, addr));
        if (order == Sigp.SetArchitecture)
        {
            // z/Architecture is always active: mode 0 (ESA/390) cannot be set
            if ((param & 0xFF) == 0) Sigp.StoreStatus(c, r1, Sigp.StatusInvalidParameter);
            else c.Cc = 0;
            return true;
        }
        var target = Kvm.VcpuByAddress(addr);
        if (target == null) { c.Cc = 3; return true; }
        switch (order)
        {
            case Sigp.Sense:
                {
                    uint status = (target.ExternalCallPending ? Sigp.StatusExtCallPending : 0) | (target.Stopped ? Sigp.StatusStopped : 0);
                    if (status != 0) Sigp.StoreStatus(c, r1, status); else c.Cc = 0;
                    return true;
                }
            case Sigp.ExternalCall:
                if (target.InjectExternalCall(c.CpuAddress)) c.Cc = 0;
                else Sigp.StoreStatus(c, r1, Sigp.StatusExtCallPending);
                return true;
            case Sigp.EmergencySignal:
                target.InjectEmergency(c.CpuAddress);
                c.Cc = 0;
                return true;
            case Sigp.ConditionalEmergencySignal:
                if (ConditionalEmergencyRefused(target, (ushort)param)) Sigp.StoreStatus(c, r1, Sigp.StatusIncorrectState);
                else
                {
                    target.InjectEmergency(c.CpuAddress);
                    c.Cc = 0;
                }
                return true;
            case Sigp.SenseRunningStatus:
                if (target.Stopped || target != this) Sigp.StoreStatus(c, r1, Sigp.StatusNotRunning); else c.Cc = 0;
                return true;
            case Sigp.Stop:
                target.Stopped = true;
                target.Cpu.HostExitRequest = target != this;
                Kvm.Events.Emit(KvmTrace.Stop, c.Cycles, target.Cpu.CpuAddress);
                c.Cc = 0;
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// __sigp_conditional_emergency: the signal is refused (incorrect state) only when the addressed CPU is
    /// stopped, enabled for I/O and external interruptions, and either waiting with instruction address 0
    /// or not waiting with neither its primary nor its secondary ASN equal to <paramref name="asn"/>.
    /// </summary>
    private static bool ConditionalEmergencyRefused(KvmVcpu target, ushort asn)
    {
        var t = target.Cpu;
        const ulong enabled = Psw.Io | Psw.Ext;
        if (!target.Stopped || (t.PswMask & enabled) != enabled) return false;
        if (t.InWait) return t.PswAddr == 0;
        return asn != (ushort)t.Cr[4] && asn != (ushort)t.Cr[3];
    }
}
