using S390Jit.Architecture.State;

namespace S390Jit.Host.Kvm;

// diag.c: the DIAGNOSE codes KVM handles in the kernel; 0x308 IPL, 0x500 virtio, ... go to user space.
public sealed partial class KvmVcpu
{
    /// <summary>The intercepted DIAGNOSE's function code (base + displacement, bits 48-63).</summary>
    public int DiagnoseCode() => (int)(BaseDisp() & 0xFFFF);

    /// <summary>
    /// diag_release_pages (DIAG 0x10): R1 the first page, R3 the last; both page-aligned, start below end + 4K,
    /// and not in the first 8K: else a specification exception. Releasing is the host's business (the guest
    /// may not rely on the contents afterwards); this host keeps the pages as they are.
    /// </summary>
    private void ReleasePages()
    {
        ushort ipa = SieBlock.InterceptIpa;
        ulong start = Cpu.G[(ipa >> 4) & 0xF], end = Cpu.G[ipa & 0xF] + 4096;
        if ((start & 0xFFF) != 0 || (end & 0xFFF) != 0 || start >= end || start < 2 * 4096)
            InjectProgramInterruption(PgmCode.Specification);
    }

    /// <summary>kvm_s390_handle_diag.</summary>
    private bool HandleDiag()
    {
        if (Cpu.ProblemState) { InjectProgramInterruption(PgmCode.PrivilegedOperation); return true; }
        int code = DiagnoseCode();
        Kvm.Events.Emit(KvmTrace.HandleDiag, Cpu.Cycles, (Cpu.CpuAddress, code));
        switch (code)
        {
            case 0x10:
                ReleasePages();
                return true;
            case 0x44: // voluntary time-slice end
            case 0x9C: // directed yield
                return true;
            default:
                return false;
        }
    }
}
