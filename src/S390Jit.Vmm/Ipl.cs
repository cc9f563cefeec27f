using System.Buffers.Binary;
using S390Jit.Architecture.State;
using S390Jit.Host.Kvm;

namespace S390Jit.Vmm;

/// <summary>
/// The IPL device as DIAG 308 sees it (QEMU's hw/s390x/ipl.c and handle_diag_308): the IPL parameter
/// block the guest sets and stores, and the resets it requests. Subcodes 0 (modified clear) and 1 (load
/// normal) reset the machine and load the short PSW at absolute 0 on the calling CPU, the guest going on
/// (QEMU ignores -no-reboot for them); subcode 3 (load clear, a re-IPL) ends the run, as a reboot always
/// does here; 5 sets and 6 stores the block, with the return code in R1 + 1.
/// </summary>
public sealed class Ipl(Machine machine)
{
    public const ulong ResetModifiedClear = 0, ResetLoadNormal = 1, LoadClear = 3, Set = 5, Store = 6;
    /// <summary>Return codes in R1 + 1.</summary>
    public const ulong RcOk = 0x0001, RcNoConfiguration = 0x0102, RcInvalid = 0x0402;
    /// <summary>The IPL parameter block's size, and the least lengths of the CCW and FCP blocks.</summary>
    public const int BlockSize = 4096, MinimumCcwLength = 200, MinimumFcpLength = 384;
    public const byte TypeFcp = 0x00, TypeCcw = 0x02;

    private byte[]? _block;

    /// <summary>The IPL parameter block DIAG 308 subcode 5 set (null: none; a -kernel boot has no IPL device).</summary>
    public ReadOnlyMemory<byte>? Block => _block;

    public RunResult? HandleDiag308(KvmVcpu vcpu, int r1, int r3)
    {
        var cpu = vcpu.Cpu;
        if (cpu.ProblemState) throw cpu.Pgm(PgmCode.PrivilegedOperation);
        ulong subcode = cpu.G[r3], address = cpu.G[r1];
        if ((subcode & ~0xFFFFUL) != 0) throw cpu.Pgm(PgmCode.Specification);
        switch (subcode)
        {
            case ResetModifiedClear:
            case ResetLoadNormal:
                machine.ResetAndLoadNormal(vcpu, clear: subcode == ResetModifiedClear);
                return null;
            case LoadClear:
                return new RunResult(RunEnd.Reboot, "guest re-IPL (DIAG 308 load clear): a reboot ends the run", 0);
            case Set:
                {
                    CheckParameter(cpu, r1, address);
                    var mem = machine.Kvm.Memory;
                    uint length = BinaryPrimitives.ReadUInt32BigEndian(mem.Span(address, 4));
                    if (length > BlockSize) { cpu.G[r1 + 1] = RcInvalid; return null; }
                    var block = mem.Span(address, (int)length).ToArray();
                    byte type = length > 12 ? block[12] : (byte)0xFF;
                    bool valid = (type == TypeCcw && length >= MinimumCcwLength) || (type == TypeFcp && length >= MinimumFcpLength);
                    if (!valid) { cpu.G[r1 + 1] = RcInvalid; return null; }
                    _block = block;
                    cpu.G[r1 + 1] = RcOk;
                    return null;
                }
            case Store:
                {
                    CheckParameter(cpu, r1, address);
                    if (_block == null) { cpu.G[r1 + 1] = RcNoConfiguration; return null; }
                    _block.CopyTo(machine.Kvm.Memory.Span(address, _block.Length));
                    machine.Kvm.NotifyGuestMemoryWritten(address, (ulong)_block.Length);
                    cpu.G[r1 + 1] = RcOk;
                    return null;
                }
            default:
                throw cpu.Pgm(PgmCode.Specification);
        }
    }

    /// <summary>diag308_parm_check: R1 even and the block page-aligned (specification), the whole block in storage (addressing).</summary>
    private void CheckParameter(Cpu cpu, int r1, ulong address)
    {
        if ((r1 & 1) != 0 || (address & 0xFFF) != 0) throw cpu.Pgm(PgmCode.Specification);
        if (!machine.Kvm.Memory.Contains(address, BlockSize)) throw cpu.Pgm(PgmCode.Addressing);
    }
}
