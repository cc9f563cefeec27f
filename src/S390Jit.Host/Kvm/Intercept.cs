using S390Jit.Architecture.State;

namespace S390Jit.Host.Kvm;

/// <summary>
/// Instruction intercepts KVM handles in the kernel (arch/s390/kvm/intercept.c, priv.c, sigp.c,
/// diag.c): dispatch on the first opcode byte of IPA, then on the second. Returns false when the
/// intercept goes to user space (the VMM), as KVM returns -EOPNOTSUPP.
/// </summary>
public static class Intercept
{
    public static bool HandleInstruction(KvmVcpu vcpu)
    {
        ushort ipa = vcpu.SieBlock.InterceptIpa;
        try
        {
            return (ipa >> 8) switch
            {
                0x83 => Diag.Handle(vcpu),
                0xAE => Sigp.Handle(vcpu),
                0xB2 => HandleB2(vcpu, (byte)ipa),
                _ => false,
            };
        }
        catch (ProgramInterruptException e)
        {
            // a guest access in a handler raised an exception: inject it, as KVM does
            vcpu.InjectProgramInterruption(e.Code);
            return true;
        }
    }

    private static bool HandleB2(KvmVcpu vcpu, byte op2) => op2 switch
    {
        0x02 => Priv.HandleStidp(vcpu),
        0x04 => Priv.HandleSck(vcpu),
        0x7D => Priv.HandleStsi(vcpu),
        0xAF => KvmCrypto.HandlePqap(vcpu),
        0xB1 => Priv.HandleStfl(vcpu),
        _ => false,
    };

    /// <summary>Base + displacement of an S/RS-format intercepted instruction (kvm_s390_get_base_disp_s).</summary>
    public static ulong BaseDisp(KvmVcpu vcpu)
    {
        uint ipb = vcpu.SieBlock.InterceptIpb;
        int b2 = (int)(ipb >> 28);
        ulong d2 = (ipb >> 16) & 0xFFF;
        return ((b2 != 0 ? vcpu.Cpu.G[b2] : 0) + d2) & vcpu.Cpu.AddrMask;
    }

    /// <summary>R1/R2 of an RRE-format intercepted instruction (from IPB).</summary>
    public static (int R1, int R2) RreRegs(KvmVcpu vcpu)
    {
        uint ipb = vcpu.SieBlock.InterceptIpb;
        return ((int)((ipb >> 20) & 0xF), (int)((ipb >> 16) & 0xF));
    }
}

/// <summary>Privileged-instruction handlers (priv.c).</summary>
public static class Priv
{
    private static bool ProblemState(KvmVcpu v)
    {
        if (!v.Cpu.ProblemState) return false;
        v.InjectProgramInterruption(PgmCode.PrivilegedOperation);
        return true;
    }

    public static bool HandleStidp(KvmVcpu v)
    {
        if (ProblemState(v)) return true;
        ulong a = Intercept.BaseDisp(v);
        if ((a & 7) != 0) { v.InjectProgramInterruption(PgmCode.Specification); return true; }
        v.Cpu.WriteU64(a, v.Cpu.CpuId);
        return true;
    }

    public static bool HandleSck(KvmVcpu v)
    {
        if (ProblemState(v)) return true;
        ulong a = Intercept.BaseDisp(v);
        if ((a & 7) != 0) { v.InjectProgramInterruption(PgmCode.Specification); return true; }
        ulong tod = v.Cpu.ReadU64(a);
        foreach (var other in v.Kvm.Vcpus) other.Cpu.SetTod(tod);
        v.Cpu.Cc = 0;
        return true;
    }

    public static bool HandleStfl(KvmVcpu v)
    {
        if (ProblemState(v)) return true;
        uint first = (uint)(v.Kvm.Host.ReadU64(v.Kvm.FacListAddress) >> 32);
        v.Cpu.WriteReal32(Lowcore.Stfl, first);
        return true;
    }

    /// <summary>STORE SYSTEM INFORMATION with a KVM-guest identity (3.2.2 names "KVM/Linux").</summary>
    public static bool HandleStsi(KvmVcpu v)
    {
        var c = v.Cpu;
        if (ProblemState(v)) return true;
        int fc = (int)((c.G[0] >> 28) & 0xF);
        int sel1 = (int)(c.G[0] & 0xFF), sel2 = (int)(c.G[1] & 0xFFFF);
        if ((c.G[0] & 0x0FFF_FF00UL) != 0 || (c.G[1] & 0xFFFF_0000UL) != 0) { v.InjectProgramInterruption(PgmCode.Specification); return true; }
        if (fc > 3) { c.Cc = 3; return true; }
        if (fc == 0) { c.G[0] = (c.G[0] & ~0xF000_0000UL) | (3UL << 28); c.Cc = 0; return true; }
        ulong a = Intercept.BaseDisp(v);
        if ((a & 0xFFF) != 0) { v.InjectProgramInterruption(PgmCode.Specification); return true; }
        var page = new byte[4096];
        if (!Sysib.Fill(v, fc, sel1, sel2, page)) { c.Cc = 3; return true; }
        c.CheckAccess(a, 4096, true);
        for (int i = 0; i < 4096; i++) c.WriteU8(a + (ulong)i, page[i]);
        c.Cc = 0;
        return true;
    }
}

/// <summary>The system-information blocks STSI stores.</summary>
internal static class Sysib
{
    public static bool Fill(KvmVcpu v, int fc, int sel1, int sel2, Span<byte> p)
    {
        int cpus = v.Kvm.Vcpus.Count;
        switch ((fc, sel1, sel2))
        {
            case (1, 1, 1):
                Ebcdic.Encode("IBM", p.Slice(32, 16));
                Ebcdic.Encode(v.Kvm.Model.CpuType.ToString("X4"), p.Slice(48, 4));
                Ebcdic.Encode("A01", p.Slice(64, 16));
                Ebcdic.Encode("00000000000S390J", p.Slice(80, 16));
                Ebcdic.Encode("02", p.Slice(96, 4));
                Ebcdic.Encode("S390JIT", p.Slice(100, 16));
                return true;
            case (1, 2, 1):
            case (2, 2, 1):
                Ebcdic.Encode("00000000000S390J", p.Slice(80, 16));
                Ebcdic.Encode("02", p.Slice(96, 4));
                p[102] = (byte)(v.Cpu.CpuAddress >> 8); p[103] = (byte)v.Cpu.CpuAddress;
                return true;
            case (1, 2, 2):
                Put32(p, 20, 1000);
                Put16(p, 28, cpus); Put16(p, 30, cpus);
                return true;
            case (2, 2, 2):
                Put16(p, 32, 1);
                Put16(p, 36, cpus); Put16(p, 38, cpus);
                Ebcdic.Encode("S390JIT", p.Slice(44, 8));
                Put32(p, 52, 1000);
                return true;
            case (3, 2, 2):
                p[31] = 1; // one level of virtual machines: the KVM guest
                Put16(p, 36, cpus); Put16(p, 38, cpus); Put16(p, 40, 0); Put16(p, 42, 248 - cpus);
                Ebcdic.Encode(v.Kvm.Name, p.Slice(44, 8));
                Put32(p, 52, 1000);
                Ebcdic.Encode("KVM/Linux", p.Slice(56, 16));
                return true;
            default:
                return false;
        }
    }

    private static void Put16(Span<byte> p, int o, int v) { p[o] = (byte)(v >> 8); p[o + 1] = (byte)v; }
    private static void Put32(Span<byte> p, int o, uint v) { p[o] = (byte)(v >> 24); p[o + 1] = (byte)(v >> 16); p[o + 2] = (byte)(v >> 8); p[o + 3] = (byte)v; }
}

/// <summary>SIGNAL PROCESSOR orders KVM handles in the kernel (sigp.c); the rest goes to user space.</summary>
public static class Sigp
{
    public const int Sense = 1, ExternalCall = 2, EmergencySignal = 3, Start = 4, Stop = 5, Restart = 6,
        StopAndStoreStatus = 9, InitialCpuReset = 11, CpuReset = 12, SetPrefix = 13, StoreStatusAtAddress = 14,
        SetArchitecture = 18, ConditionalEmergencySignal = 19, SenseRunningStatus = 21;

    /// <summary>Status bits stored in R1 with cc 1.</summary>
    public const uint StatusStopped = 0x40, StatusInvalidOrder = 0x02, StatusInvalidParameter = 0x100, StatusNotRunning = 0x400;

    public static (int R1, int R3, int Order, ulong Parameter, ulong CpuAddr) Decode(KvmVcpu v)
    {
        ushort ipa = v.SieBlock.InterceptIpa;
        int r1 = (ipa >> 4) & 0xF, r3 = ipa & 0xF;
        int order = (int)(Intercept.BaseDisp(v) & 0xFF);
        ulong param = (r1 & 1) != 0 ? v.Cpu.G[r1] : v.Cpu.G[r1 + 1];
        return (r1, r3, order, param, v.Cpu.G[r3] & 0xFFFF);
    }

    public static bool Handle(KvmVcpu v)
    {
        var c = v.Cpu;
        if (c.ProblemState) { v.InjectProgramInterruption(PgmCode.PrivilegedOperation); return true; }
        var (r1, _, order, param, addr) = Decode(v);
        v.Kvm.Events.Emit(KvmTrace.HandleSigp, c.Cycles, (c.CpuAddress, order, addr));
        if (order == SetArchitecture)
        {
            // z/Architecture is always active: mode 0 (ESA/390) cannot be set
            if ((param & 0xFF) == 0) { StoreStatus(c, r1, StatusInvalidParameter); }
            else c.Cc = 0;
            return true;
        }
        var target = v.Kvm.VcpuByAddress(addr);
        if (target == null) { c.Cc = 3; return true; }
        switch (order)
        {
            case Sense:
                if (target.Stopped) StoreStatus(c, r1, StatusStopped); else c.Cc = 0;
                return true;
            case SenseRunningStatus:
                if (target.Stopped || target != v) StoreStatus(c, r1, StatusNotRunning); else c.Cc = 0;
                return true;
            case Stop:
                target.Stopped = true;
                target.Cpu.HostExitRequest = target != v;
                v.Kvm.Events.Emit(KvmTrace.Stop, c.Cycles, target.Cpu.CpuAddress);
                c.Cc = 0;
                return true;
            default:
                return false; // START, RESTART, resets, prefix, store status: user space
        }
    }

    public static void StoreStatus(Cpu c, int r1, uint status)
    {
        c.SetR32(r1, status);
        c.Cc = 1;
    }
}

/// <summary>DIAGNOSE codes KVM handles in the kernel (diag.c).</summary>
public static class Diag
{
    public static int Code(KvmVcpu v) => (int)(Intercept.BaseDisp(v) & 0xFFFF);

    public static bool Handle(KvmVcpu v)
    {
        if (v.Cpu.ProblemState) { v.InjectProgramInterruption(PgmCode.PrivilegedOperation); return true; }
        int code = Code(v);
        v.Kvm.Events.Emit(KvmTrace.HandleDiag, v.Cpu.Cycles, (v.Cpu.CpuAddress, code));
        switch (code)
        {
            case 0x44: // voluntary time-slice end
            case 0x9C: // directed yield
                return true;
            default:
                return false; // 0x308 IPL, 0x500 virtio, ... user space
        }
    }
}
