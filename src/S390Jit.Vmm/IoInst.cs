using S390Jit.Architecture.State;
using S390Jit.Host.Kvm;

namespace S390Jit.Vmm;

/// <summary>
/// The channel-subsystem instructions KVM leaves to user space (QEMU's target/s390x/ioinst.c): operands
/// are checked as QEMU does (a subchannel-identification word without the one bit, or with a CSS id but
/// no M bit, is an operand exception; a misaligned SCHIB/ORB/IRB/CRW operand a specification exception;
/// access exceptions come before condition code 3), then the channel subsystem (<see cref="ChannelSubsystem"/>)
/// gives the condition code. TPI never arrives here: KVM handles it. SAL and SCHM leave the condition
/// code unchanged; STCPS is suppressed (does nothing) and SIGA sets cc 3, as in QEMU.
/// </summary>
internal static class IoInst
{
    public static void Handle(Machine m, KvmVcpu vcpu, byte op2)
    {
        var cpu = vcpu.Cpu;
        if (cpu.ProblemState) throw cpu.Pgm(PgmCode.PrivilegedOperation);
        var css = m.Css;
        switch (op2)
        {
            case 0x30: cpu.Cc = Simple(cpu, css, css.Clear); return;   // CSCH
            case 0x31: cpu.Cc = Simple(cpu, css, css.Halt); return;    // HSCH
            case 0x38: cpu.Cc = Simple(cpu, css, css.Resume); return;  // RSCH
            case 0x76: cpu.Cc = Simple(cpu, css, css.Cancel); return;  // XSCH
            case 0x32: Modify(vcpu, css); return;                       // MSCH
            case 0x33: Start(vcpu, css); return;                        // SSCH
            case 0x34: Store(vcpu, css); return;                        // STSCH
            case 0x35: Test(m, vcpu, css); return;                      // TSCH
            case 0x39: StoreCrw(vcpu, css); return;                     // STCRW
            case 0x36: cpu.Cc = 0; return;                              // TPI: KVM has handled it
            case 0x37:                                                  // SAL
                if ((cpu.G[1] & 0x8000_0000UL) != 0 || (cpu.G[1] & 0xFFFF) != 0) throw cpu.Pgm(PgmCode.Operand);
                return;
            case 0x3B:                                                  // RCHP
                {
                    ulong r1 = cpu.G[1];
                    if ((r1 & 0xFF00_FF00UL) != 0) throw cpu.Pgm(PgmCode.Operand);
                    byte cssid = (byte)(r1 >> 16);
                    if (cssid != 0 && !(css.MultipleCssExtended && cssid == ChannelSubsystem.VirtualCssid)) throw cpu.Pgm(PgmCode.Operand);
                    cpu.Cc = css.ResetChannelPath((byte)r1);
                    return;
                }
            case 0x3C:                                                  // SCHM
                {
                    ulong r1 = cpu.G[1], r2 = cpu.G[2];
                    if ((r1 & 0x0FFF_FFFCUL) != 0) throw cpu.Pgm(PgmCode.Operand);
                    bool update = (r1 & 2) != 0;
                    if (update && (r2 & 0x1F) != 0) throw cpu.Pgm(PgmCode.Operand);
                    css.SetMeasurement(update, update ? r2 : 0);
                    return;
                }
            case 0x5F:                                                  // CHSC
                Chsc.Handle(cpu, css, vcpu.RreRegs().R1);
                return;
            case 0x3A:                                                  // STCPS: QEMU does not provide it; suppressed
                return;
            case 0x74:                                                  // SIGA: not provided, subchannel not operational
                cpu.Cc = 3;
                return;
            default:
                throw cpu.Pgm(PgmCode.Operation);
        }
    }

    private static Subchannel? FindOrOperand(Cpu cpu, ChannelSubsystem css, out bool m, out byte cssid, out byte ssid, out ushort schid)
    {
        if (!ChannelSubsystem.DecodeSchid((uint)cpu.G[1], out m, out cssid, out ssid, out schid)) throw cpu.Pgm(PgmCode.Operand);
        return css.Find(m, cssid, ssid, schid);
    }

    private static int Simple(Cpu cpu, ChannelSubsystem css, Func<Subchannel, int> function) =>
        FindOrOperand(cpu, css, out _, out _, out _, out _) is { } s ? function(s) : 3;

    private static byte[] ReadOperand(Cpu cpu, ulong a, int length)
    {
        cpu.CheckAccess(a, (ulong)length, false);
        var b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = cpu.ReadU8(a + (ulong)i);
        return b;
    }

    private static void WriteOperand(Cpu cpu, ulong a, ReadOnlySpan<byte> b)
    {
        cpu.CheckAccess(a, (ulong)b.Length, true);
        for (int i = 0; i < b.Length; i++) cpu.WriteU8(a + (ulong)i, b[i]);
    }

    private static ulong AlignedOperand(KvmVcpu vcpu)
    {
        ulong a = vcpu.BaseDisp();
        if ((a & 3) != 0) throw vcpu.Cpu.Pgm(PgmCode.Specification);
        return a;
    }

    private static void Modify(KvmVcpu vcpu, ChannelSubsystem css)
    {
        var cpu = vcpu.Cpu;
        ulong a = AlignedOperand(vcpu);
        var schib = ReadOperand(cpu, a, Subchannel.SchibLength);
        if (!ChannelSubsystem.DecodeSchid((uint)cpu.G[1], out bool m, out byte cssid, out byte ssid, out ushort schid) || !ChannelSubsystem.SchibValid(schib))
            throw cpu.Pgm(PgmCode.Operand);
        cpu.Cc = css.Find(m, cssid, ssid, schid) is { } s ? css.Modify(s, schib) : 3;
    }

    private static void Start(KvmVcpu vcpu, ChannelSubsystem css)
    {
        var cpu = vcpu.Cpu;
        ulong a = AlignedOperand(vcpu);
        var orb = ReadOperand(cpu, a, 12);
        if (!ChannelSubsystem.DecodeSchid((uint)cpu.G[1], out bool m, out byte cssid, out byte ssid, out ushort schid) || !ChannelSubsystem.OrbValid(orb))
            throw cpu.Pgm(PgmCode.Operand);
        cpu.Cc = css.Find(m, cssid, ssid, schid) is { } s ? css.Start(s, orb) : 3;
    }

    private static void Store(KvmVcpu vcpu, ChannelSubsystem css)
    {
        var cpu = vcpu.Cpu;
        ulong a = AlignedOperand(vcpu);
        if (!ChannelSubsystem.DecodeSchid((uint)cpu.G[1], out bool m, out byte cssid, out byte ssid, out ushort schid))
        {
            cpu.CheckAccess(a, Subchannel.SchibLength, true); // access exceptions come before the operand exception
            throw cpu.Pgm(PgmCode.Operand);
        }
        byte[]? schib = css.Find(m, cssid, ssid, schid) is { } s ? s.Schib()
            : css.IsFinal(m, cssid, ssid, schid) ? null : new byte[Subchannel.SchibLength];
        if (schib == null)
        {
            cpu.CheckAccess(a, Subchannel.SchibLength, true);
            cpu.Cc = 3;
            return;
        }
        WriteOperand(cpu, a, schib);
        cpu.Cc = 0;
    }

    private static void Test(Machine m, KvmVcpu vcpu, ChannelSubsystem css)
    {
        var cpu = vcpu.Cpu;
        var dequeued = vcpu.TschDequeued;
        try
        {
            var s = FindOrOperand(cpu, css, out _, out _, out _, out _);
            ulong a = AlignedOperand(vcpu);
            if (s == null)
            {
                cpu.CheckAccess(a, 64, true);
                cpu.Cc = 3;
                return;
            }
            var (irb, cc) = css.TestIrb(s);
            WriteOperand(cpu, a, irb);
            css.TestClear(s);
            cpu.Cc = cc;
        }
        catch (ProgramInterruptException)
        {
            // the instruction did not complete: the I/O interruption KVM dequeued is made pending again
            if (dequeued is { } d) m.Kvm.Floating.InjectIo(d.SubchannelId, d.Parameter, d.Word);
            throw;
        }
    }

    private static void StoreCrw(KvmVcpu vcpu, ChannelSubsystem css)
    {
        var cpu = vcpu.Cpu;
        ulong a = AlignedOperand(vcpu);
        var (crw, cc) = css.StoreCrw();
        try
        {
            cpu.CheckAccess(a, 4, true);
            cpu.WriteU32(a, crw);
        }
        catch (ProgramInterruptException)
        {
            if (cc == 0) css.UndoStoreCrw(crw);
            throw;
        }
        cpu.Cc = cc;
    }
}
