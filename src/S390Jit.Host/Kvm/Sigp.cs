using S390Jit.Architecture.State;

namespace S390Jit.Host.Kvm;

/// <summary>SIGNAL PROCESSOR order codes and status bits (sigp.c, asm/sigp.h).</summary>
public static class Sigp
{
    public const int Sense = 1, ExternalCall = 2, EmergencySignal = 3, Start = 4, Stop = 5, Restart = 6,
        StopAndStoreStatus = 9, InitialCpuReset = 11, CpuReset = 12, SetPrefix = 13, StoreStatusAtAddress = 14,
        SetArchitecture = 18, ConditionalEmergencySignal = 19, SenseRunningStatus = 21;

    /// <summary>Status bits stored in R1 with cc 1.</summary>
    public const uint StatusStopped = 0x40, StatusInvalidOrder = 0x02, StatusInvalidParameter = 0x100, StatusNotRunning = 0x400;

    /// <summary>Stores a status in the R1 register (bits 32-63) and sets cc 1.</summary>
    public static void StoreStatus(Cpu c, int r1, uint status)
    {
        c.SetR32(r1, status);
        c.Cc = 1;
    }
}

// sigp.c: the orders KVM handles in the kernel; START, RESTART, resets, prefix and store status go to user space.
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
                if (target.Stopped) Sigp.StoreStatus(c, r1, Sigp.StatusStopped); else c.Cc = 0;
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
}
