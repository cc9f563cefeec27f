using S390Jit.Architecture.State;
using S390Jit.Host.Kvm;

namespace S390Jit.Vmm;

/// <summary>
/// Instruction intercepts handled in user space (QEMU's target/s390x/kvm.c handle_instruction):
/// SERVC to the SCLP, DIAG codes (Diag.cs), the SIGP orders KVM leaves to user space (Sigp.cs), and
/// the channel-subsystem instructions (IoInst.cs). Anything else gets an operation
/// exception. Returns how the run ends when the instruction ends it (a re-IPL), else null.
/// </summary>
internal static class UserSpace
{
    public static RunResult? HandleInstruction(Machine m, KvmVcpu vcpu, ushort ipa, uint ipb)
    {
        var cpu = vcpu.Cpu;
        byte op1 = (byte)(ipa >> 8), op2 = (byte)ipa;
        m.Events.Emit(VmmTrace.HandleInstruction, cpu.Cycles, (cpu.CpuAddress, ipa, ipb));
        switch (op1)
        {
            case 0xB2 when op2 == 0x20:
                {
                    var (r1, r2) = vcpu.RreRegs();
                    cpu.Cc = m.Sclp.ServiceCall(cpu, cpu.G[r2] & 0xFFFF_FFFFUL, (uint)cpu.G[r1]);
                    return null;
                }
            case 0xB2 when op2 is >= 0x30 and <= 0x3C or 0x74 or 0x76 or 0x5F:
                IoInst.Handle(m, vcpu, op2);
                return null;
            case 0x83:
                return Diag.Handle(m, vcpu);
            case 0xAE:
                UserSigp.Handle(m, vcpu);
                return null;
            default:
                throw cpu.Pgm(PgmCode.Operation);
        }
    }
}
