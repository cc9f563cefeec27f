using System.Buffers.Binary;
using S390Jit.Architecture.State;
using S390Jit.Host.Kvm;
using Order = S390Jit.Host.Kvm.Sigp;

namespace S390Jit.Vmm;

/// <summary>
/// The SIGNAL PROCESSOR orders KVM passes to user space (QEMU's target/s390x/sigp.c with user_sigp):
/// START, RESTART, STOP AND STORE STATUS, SET PREFIX, STORE STATUS AT ADDRESS, CPU RESET and INITIAL
/// CPU RESET. Every reset stops the addressed CPU. Other orders store the invalid-order status.
/// </summary>
internal static class UserSigp
{
    /// <summary>Where STOP AND STORE STATUS stores (absolute; the lowcore's save areas at 0x1200-0x13FF).</summary>
    public const ulong DefaultStatusAddress = 0x1200;
    /// <summary>The architectural-mode id byte STOP AND STORE STATUS sets (absolute 163: 1 = z/Architecture).</summary>
    public const ulong ArchModeIdAddress = 163;
    public const int StatusAreaSize = 512, LowcoreSize = 8192;

    public static void Handle(Machine m, KvmVcpu vcpu)
    {
        var cpu = vcpu.Cpu;
        if (cpu.ProblemState) throw cpu.Pgm(PgmCode.PrivilegedOperation);
        var (r1, _, order, param, addr) = vcpu.DecodeSigp();
        var target = m.Kvm.VcpuByAddress(addr);
        if (target == null)
        {
            m.Log?.GuestError($"sigp: order 0x{order:x2} from cpu {cpu.CpuAddress} to cpu address {addr}: no such CPU (cc 3)");
            cpu.Cc = 3;
            return;
        }
        var t = target.Cpu;
        switch (order)
        {
            case Order.Start:
                cpu.Cc = 0;
                target.Stopped = false;
                return;
            case Order.Restart:
                // a stopped CPU starts with the restart interruption; an operating one takes it now
                cpu.Cc = 0;
                target.Stopped = false;
                t.DeliverRestart();
                return;
            case Order.StopAndStoreStatus:
                // the order completes (cc 0) before the status is stored: a CPU storing its own status stores that PSW
                cpu.Cc = 0;
                Stop(target, vcpu);
                StoreStatus(m, t, DefaultStatusAddress, archModeId: true);
                return;
            case Order.StoreStatusAtAddress:
                {
                    ulong at = param & 0x7FFF_FE00UL;
                    if (!target.Stopped) { Refuse(m, cpu, r1, order, addr, Order.StatusIncorrectState, "the target CPU is not stopped"); return; }
                    if (!m.Kvm.Memory.Contains(at, StatusAreaSize)) { Refuse(m, cpu, r1, order, addr, Order.StatusInvalidParameter, $"status area 0x{at:x} outside guest memory"); return; }
                    cpu.Cc = 0;
                    StoreStatus(m, t, at, archModeId: false);
                    return;
                }
            case Order.SetPrefix:
                {
                    uint prefix = (uint)(param & 0x7FFF_E000UL);
                    if (!m.Kvm.Memory.Contains(prefix, LowcoreSize)) { Refuse(m, cpu, r1, order, addr, Order.StatusInvalidParameter, $"prefix 0x{prefix:x} outside guest memory"); return; }
                    if (!target.Stopped) { Refuse(m, cpu, r1, order, addr, Order.StatusIncorrectState, "the target CPU is not stopped"); return; }
                    cpu.Cc = 0;
                    t.Prefix = prefix;
                    t.PurgeTlb();
                    return;
                }
            case Order.InitialCpuReset:
            case Order.CpuReset:
                cpu.Cc = 0;
                target.Reset(order == Order.InitialCpuReset ? CpuResetKind.Initial : CpuResetKind.Cpu);
                Stop(target, vcpu);
                return;
            default:
                Refuse(m, cpu, r1, order, addr, Order.StatusInvalidOrder, "invalid order");
                return;
        }
    }

    /// <summary>Stores the status of a refused order (cc 1) and tells -d guest_errors why.</summary>
    private static void Refuse(Machine m, Cpu cpu, int r1, int order, ulong addr, uint status, string why)
    {
        m.Log?.GuestError($"sigp: order 0x{order:x2} from cpu {cpu.CpuAddress} to cpu {addr}: {why} (status 0x{status:x8})");
        Order.StoreStatus(cpu, r1, status);
    }

    /// <summary>Puts <paramref name="target"/> in the stopped state; another CPU leaves SIE at its next boundary.</summary>
    private static void Stop(KvmVcpu target, KvmVcpu by)
    {
        target.Stopped = true;
        if (target != by) target.Cpu.HostExitRequest = true;
    }

    /// <summary>
    /// s390_store_status: the CPU's registers into the 512-byte save area at absolute <paramref name="at"/>:
    /// FPRs +0x00, GRs +0x80, PSW +0x100, prefix +0x118, FPC +0x11C, TOD programmable register +0x124,
    /// CPU timer +0x128, clock comparator bits 0-55 +0x131, ARs +0x140, CRs +0x180.
    /// </summary>
    public static void StoreStatus(Machine m, Cpu c, ulong at, bool archModeId)
    {
        var mem = m.Kvm.Memory;
        if (archModeId)
        {
            mem.Span(ArchModeIdAddress, 1)[0] = 1;
            m.Kvm.NotifyGuestMemoryWritten(ArchModeIdAddress, 1);
        }
        var s = mem.Span(at, StatusAreaSize);
        for (int i = 0; i < 16; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(s[(i * 8)..], c.Fpr(i));
            BinaryPrimitives.WriteUInt64BigEndian(s[(0x80 + i * 8)..], c.G[i]);
            BinaryPrimitives.WriteUInt32BigEndian(s[(0x140 + i * 4)..], c.A[i]);
            BinaryPrimitives.WriteUInt64BigEndian(s[(0x180 + i * 8)..], c.Cr[i]);
        }
        BinaryPrimitives.WriteUInt64BigEndian(s[0x100..], c.FullPswMask);
        BinaryPrimitives.WriteUInt64BigEndian(s[0x108..], c.PswAddr);
        BinaryPrimitives.WriteUInt32BigEndian(s[0x118..], c.Prefix);
        BinaryPrimitives.WriteUInt32BigEndian(s[0x11C..], c.Fpc);
        BinaryPrimitives.WriteUInt32BigEndian(s[0x124..], c.TodProgrammable);
        BinaryPrimitives.WriteUInt64BigEndian(s[0x128..], (ulong)c.CpuTimer);
        BinaryPrimitives.WriteUInt64BigEndian(s[0x130..], c.Ckc >> 8);
        m.Kvm.NotifyGuestMemoryWritten(at, StatusAreaSize);
    }
}
