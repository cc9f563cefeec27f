using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Hardware.Sie;
using ApInstructions = S390Jit.Architecture.Semantics.Crypto;

namespace S390Jit.Host.Kvm;

// priv.c: privileged instructions KVM handles in the kernel.
public sealed partial class KvmVcpu
{
    /// <summary>Modelled cost of KVM's own part of handle_pqap (decode, checks, hook dispatch).</summary>
    public const ulong PqapInterceptCycles = 300;

    /// <summary>kvm_s390_handle_b2: the B2xx instructions KVM handles; the rest go to user space.</summary>
    private bool HandleB2(byte op2) => op2 switch
    {
        0x02 => HandleStidp(),
        0x04 => HandleSck(),
        0x2C => HandleTestBlock(),
        0x7D => HandleStsi(),
        0xAF => HandlePqap(),
        0xB1 => HandleStfl(),
        >= 0x30 and <= 0x3C or 0x5F or 0x76 => HandleIoInst(op2),
        _ => false,
    };

    /// <summary>
    /// The floating I/O interruption TEST SUBCHANNEL dequeued for its subchannel before going to user
    /// space (KVM_EXIT_S390_TSCH's dequeued/subchannel fields), or null.
    /// </summary>
    public FloatingInterrupts.IoInterruption? TschDequeued { get; private set; }

    /// <summary>
    /// handle_io_inst (with the CSS support capability QEMU enables): privileged; TPI is handled here,
    /// TSCH dequeues its subchannel's pending I/O interruption here, everything else goes to user space.
    /// </summary>
    private bool HandleIoInst(byte op2)
    {
        if (InjectIfProblemState()) return true;
        if (op2 == 0x36) return HandleTpi();
        if (op2 == 0x35)
        {
            uint schid = (uint)Cpu.G[1];
            TschDequeued = schid != 0 ? Kvm.Floating.DequeueIo(0, schid) : null;
        }
        return false;
    }

    /// <summary>
    /// handle_tpi: dequeues the first I/O interruption of an ISC enabled in CR6 (cc 0 if none). A
    /// non-zero word-aligned operand address receives the two-word code (subchannel id, parameter),
    /// address 0 the three-word code at lowcore 0xB8; cc 1. On an access exception the interruption
    /// is queued again.
    /// </summary>
    private bool HandleTpi()
    {
        var irq = Kvm.Floating.DequeueIo((byte)(Cpu.Cr[6] >> 24));
        if (irq is not { } i) { Cpu.Cc = 0; return true; }
        ulong a = BaseDisp();
        try
        {
            if ((a & 3) != 0) throw Cpu.Pgm(PgmCode.Specification);
            if (a != 0)
            {
                Cpu.CheckAccess(a, 8, true);
                Cpu.WriteU32(a, i.SubchannelId);
                Cpu.WriteU32(a + 4, i.Parameter);
            }
            else
            {
                Cpu.WriteReal32(Lowcore.SubchannelId, i.SubchannelId);
                Cpu.WriteReal32(Lowcore.IoIntParm, i.Parameter);
                Cpu.WriteReal32(Lowcore.IoIntWord, i.Word);
            }
        }
        catch (ProgramInterruptException)
        {
            Kvm.Floating.InjectIo(i.SubchannelId, i.Parameter, i.Word);
            throw;
        }
        Cpu.Cc = 1;
        return true;
    }

    /// <summary>Problem state: a privileged-operation exception is injected (true).</summary>
    private bool InjectIfProblemState()
    {
        if (!Cpu.ProblemState) return false;
        InjectProgramInterruption(PgmCode.PrivilegedOperation);
        return true;
    }

    private bool HandleStidp()
    {
        if (InjectIfProblemState()) return true;
        ulong a = BaseDisp();
        if ((a & 7) != 0) { InjectProgramInterruption(PgmCode.Specification); return true; }
        Cpu.WriteU64(a, Cpu.CpuId);
        return true;
    }

    private bool HandleSck()
    {
        if (InjectIfProblemState()) return true;
        ulong a = BaseDisp();
        if ((a & 7) != 0) { InjectProgramInterruption(PgmCode.Specification); return true; }
        ulong tod = Cpu.ReadU64(a);
        foreach (var other in Kvm.Vcpus) other.Cpu.SetTod(tod);
        Cpu.Cc = 0;
        return true;
    }

    /// <summary>
    /// handle_test_block: TEST BLOCK clears the 4K block at the real address in R2 (low-address protection and
    /// addressing checked, storage keys not), reports it usable (cc 0) and zeroes GR0.
    /// </summary>
    private bool HandleTestBlock()
    {
        if (InjectIfProblemState()) return true;
        var (_, r2) = RreRegs();
        ulong real = Cpu.G[r2] & Cpu.AddrMask & ~0xFFFUL;
        Cpu.CheckRealStore(real);
        ulong abs = Cpu.RealToAbsolute(real);
        Kvm.Memory.Span(abs, 4096).Clear();
        Kvm.NotifyGuestMemoryWritten(abs, 4096);
        Cpu.Cc = 0;
        Cpu.G[0] = 0;
        return true;
    }

    private bool HandleStfl()
    {
        if (InjectIfProblemState()) return true;
        uint first = (uint)(Kvm.Host.ReadU64(Kvm.FacListAddress) >> 32);
        Cpu.WriteReal32(Lowcore.Stfl, first);
        return true;
    }

    /// <summary>
    /// handle_stsi: STORE SYSTEM INFORMATION for a KVM guest (configuration level 3). The blocks agree with
    /// the CPU model and with each other: the machine type is STIDP's, the sequence code and plant are the
    /// same in 1.1.1, 1.2.1 and 2.2.1, and every level counts the same CPUs (configured = total, none
    /// reserved or standby). 3.2.2 is what KVM stores with QEMU's user_stsi additions (insert_stsi_3_2_2):
    /// the -name (EBCDIC, and UTF-8 as the extended name) and the -uuid.
    /// </summary>
    private bool HandleStsi()
    {
        var c = Cpu;
        if (InjectIfProblemState()) return true;
        int fc = (int)((c.G[0] >> 28) & 0xF);
        int sel1 = (int)(c.G[0] & 0xFF), sel2 = (int)(c.G[1] & 0xFFFF);
        if (fc > 3) { c.Cc = 3; return true; }
        if ((c.G[0] & 0x0FFF_FF00UL) != 0 || (c.G[1] & 0xFFFF_0000UL) != 0) { InjectProgramInterruption(PgmCode.Specification); return true; }
        if (fc == 0) { c.G[0] = (c.G[0] & ~0xF000_0000UL) | (3UL << 28); c.Cc = 0; return true; }
        ulong a = BaseDisp();
        if ((a & 0xFFF) != 0) { InjectProgramInterruption(PgmCode.Specification); return true; }
        var page = new byte[4096];
        if (!FillSysib(fc, sel1, sel2, page)) { c.Cc = 3; return true; }
        c.CheckAccess(a, 4096, true);
        for (int i = 0; i < 4096; i++) c.WriteU8(a + (ulong)i, page[i]);
        c.Cc = 0;
        return true;
    }

    /// <summary>The sequence code and plant of the machine in 1.1.1, 1.2.1 and 2.2.1.</summary>
    public const string StsiSequence = "00000000000S390J", StsiPlant = "02";

    /// <summary>The system-information blocks STSI stores (Linux's struct sysinfo_* layouts).</summary>
    private bool FillSysib(int fc, int sel1, int sel2, Span<byte> p)
    {
        int cpus = Kvm.Vcpus.Count;
        switch ((fc, sel1, sel2))
        {
            case (1, 1, 1):
                Ebcdic.Encode("IBM", p.Slice(32, 16));
                Ebcdic.Encode(Kvm.Model.CpuType.ToString("X4"), p.Slice(48, 4));
                Ebcdic.Encode("A01", p.Slice(64, 16));
                Ebcdic.Encode(StsiSequence, p.Slice(80, 16));
                Ebcdic.Encode(StsiPlant, p.Slice(96, 4));
                Ebcdic.Encode("S390JIT", p.Slice(100, 16));
                return true;
            case (1, 2, 1):
            case (2, 2, 1):
                Ebcdic.Encode(StsiSequence, p.Slice(80, 16));
                Ebcdic.Encode(StsiPlant, p.Slice(96, 4));
                if (fc == 2) Put16(p, 100, Cpu.CpuAddress); // the logical CPU id
                Put16(p, 102, Cpu.CpuAddress);
                return true;
            case (1, 2, 2):
                Put32(p, 32, 1000); // capability
                Put16(p, 36, cpus); Put16(p, 38, cpus); // total, configured (no standby, none reserved)
                return true;
            case (2, 2, 2):
                Put16(p, 32, 1); // LPAR number
                Put16(p, 36, cpus); Put16(p, 38, cpus);
                Ebcdic.Encode("S390JIT", p.Slice(44, 8));
                Put32(p, 52, 1000);
                return true;
            case (3, 2, 2):
                p[31] = 1; // one level of virtual machines: the KVM guest
                Put16(p, 36, cpus); Put16(p, 38, cpus); Put16(p, 40, 0); Put16(p, 42, 0);
                Ebcdic.Encode(Kvm.Name, p.Slice(44, 8));
                Put32(p, 52, 1000);
                Ebcdic.Encode("KVM/Linux", p.Slice(56, 16));
                p[75] = 2; // the extended name is UTF-8
                Kvm.Uuid.TryWriteBytes(p.Slice(80, 16), bigEndian: true, out _);
                var ext = System.Text.Encoding.UTF8.GetBytes(Kvm.Name);
                ext.AsSpan(0, Math.Min(ext.Length, 255)).CopyTo(p.Slice(2048, 256));
                return true;
            default:
                return false;
        }

        static void Put16(Span<byte> p, int o, int v) { p[o] = (byte)(v >> 8); p[o + 1] = (byte)v; }
        static void Put32(Span<byte> p, int o, uint v) { p[o] = (byte)(v >> 24); p[o + 1] = (byte)(v >> 16); p[o + 2] = (byte)(v >> 8); p[o + 3] = (byte)v; }
    }

    /// <summary>
    /// handle_pqap, the B2AF intercept, in the decision order of spec 4.2: the host without AP, ECA.APIE
    /// off and a function other than AQIC are "not supported" (false: user space presents the operation
    /// exception); problem state is a privileged-operation exception; reserved GR0 bits 41-47, the T bit
    /// without facility 15, an APQN beyond 63.15 without a format-2 CRYCB and facility 65 not offered are
    /// specification exceptions (suppressing: GR1/GR2 untouched, no hook call). Then the hook, called with
    /// the hook lock read-held and a reference on its owner module (owner unavailable: not supported); on
    /// its return 0 the condition code is 3 if GR1 has a non-zero response code, else 0 (v7: unchanged).
    /// Without a hook the status is RC 0x01 with cc 3, GR1 written as spec 4.4 says.
    /// </summary>
    public bool HandlePqap()
    {
        var crypto = Kvm.Crypto;
        var c = Cpu;
        var ev = Kvm.Events;
        ulong start = c.Cycles;
        ulong r0 = c.G[0];
        int fc = (int)((r0 >> 24) & 0xFF);
        c.Cycles += PqapInterceptCycles;
        Interlocked.Increment(ref crypto.InterceptedPqap[fc]);
        ev.Emit(KvmTrace.HandlePqap, c.Cycles, (c.CpuAddress, fc, (ushort)r0, r0, c.G[1], c.G[2]));
        bool Exit(bool handled, string what)
        {
            ev.Emit(KvmTrace.HandlePqapExit, c.Cycles, (c.CpuAddress, what), c.Cycles - start);
            return handled;
        }
        bool Inject(ushort code, string why)
        {
            InjectProgramInterruption(code);
            return Exit(true, $"{why}: program interruption 0x{code:x4}");
        }
        if (!crypto.HostAp) return Exit(false, "no AP instructions on the host: not supported");
        if ((SieBlock.ExecutionControlA & StateDescription.EcaApie) == 0) return Exit(false, "ECA.APIE off: not supported");
        if (fc != ApInstructions.Aqic)
        {
            if (Kvm.Quirks.V7PqapWarning && crypto.WarnOnce()) ev.Emit(KvmTrace.PqapWarning, c.Cycles, fc);
            return Exit(false, $"fc {fc} is not AQIC: not supported");
        }
        if (c.ProblemState) return Inject(PgmCode.PrivilegedOperation, "problem state");
        if ((r0 & ApInstructions.AqicReserved) != 0) return Inject(PgmCode.Specification, "reserved GR0 bits 41-47");
        if (!Kvm.TestFacility(Fac.ApFt) && (r0 & ApInstructions.PqapT) != 0) return Inject(PgmCode.Specification, "T bit without facility 15");
        if ((crypto.Crycbd & 2) == 0 && (r0 & ApInstructions.NonApxaBits) != 0) return Inject(PgmCode.Specification, "APQN beyond 63.15 without APXA");
        if (!Kvm.TestFacility(Fac.ApQueueInterruptControl)) return Inject(PgmCode.Specification, "facility 65 not offered");

        crypto.EnterHookRead();
        try
        {
            if (crypto.HookLocked is ({ } hook, var owner))
            {
                if (owner != null && !owner.TryGet()) return Exit(false, $"hook owner {owner.Name} unavailable: not supported");
                int rc;
                ev.Emit(KvmTrace.PqapHookCall, c.Cycles, (c.CpuAddress, hook.ToString()!));
                try { rc = hook.HandlePqap(this); }
                finally { owner?.Put(); }
                if (rc != 0) return Exit(false, $"hook returned {rc}: not supported");
                if ((c.G[1] & 0x00FF_0000) != 0) c.Cc = 3;
                else if (!Kvm.Quirks.V7CcUnchanged) c.Cc = 0;
                return Exit(true, $"hook returned 0: gr1 0x{c.G[1]:x16} cc {c.Cc}");
            }
            // no hook: RC 0x01 (no queue); literally the 4-byte status lands in the first word of GR1
            const uint status = 0x0001_0000;
            if (Kvm.Quirks.NoHookGr1Intended) c.G[1] = status;
            else c.G[1] = ((ulong)status << 32) | (c.G[1] & 0xFFFF_FFFFUL);
            c.Cc = 3;
            return Exit(true, $"no hook: gr1 0x{c.G[1]:x16} cc 3");
        }
        finally { crypto.ExitHookRead(); }
    }
}
