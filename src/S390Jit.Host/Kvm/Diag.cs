using S390Jit.Architecture.State;

namespace S390Jit.Host.Kvm;

// diag.c: the DIAGNOSE codes KVM handles in the kernel; 0x308 IPL, 0x500 virtio, ... go to user space.
public sealed partial class KvmVcpu
{
    /// <summary>The intercepted DIAGNOSE's function code (base + displacement, bits 48-63).</summary>
    public int DiagnoseCode() => (int)(BaseDisp() & 0xFFFF);

    /// <summary>kvm_s390_handle_diag.</summary>
    private bool HandleDiag()
    {
        if (Cpu.ProblemState) { InjectProgramInterruption(PgmCode.PrivilegedOperation); return true; }
        int code = DiagnoseCode();
        Kvm.Events.Emit(KvmTrace.HandleDiag, Cpu.Cycles, (Cpu.CpuAddress, code));
        switch (code)
        {
            case 0x44: // voluntary time-slice end
            case 0x9C: // directed yield
                return true;
            default:
                return false;
        }
    }
}
