using S390Jit.Architecture.State;
using S390Jit.Hardware.Sie;

namespace S390Jit.Host.Kvm;

/// <summary>Why KVM_RUN returned to user space.</summary>
public enum KvmExitReason
{
    /// <summary>An SIE intercept KVM does not handle in the kernel (KVM_EXIT_S390_SIEIC).</summary>
    SieIntercept,
    /// <summary>The vcpu is stopped.</summary>
    Stopped,
    /// <summary>The run slice ended (the host scheduler's turn).</summary>
    Preempted,
    /// <summary>The vcpu is in an enabled wait with nothing to wake it before <see cref="KvmRun.WakeCycle"/>.</summary>
    Idle,
}

/// <summary>The shared kvm_run area: the exit reason and the SIE intercept data.</summary>
public struct KvmRun
{
    public KvmExitReason Reason;
    public byte IcptCode;
    public ushort Ipa;
    public uint Ipb;
    public ulong WakeCycle;
}

/// <summary>
/// One KVM vcpu: the CPU state (its register save area), its SIE block in host memory, and the
/// KVM_RUN loop: deliver pending interruptions, enter SIE, handle what the kernel handles, and
/// return to user space for the rest.
/// </summary>
public sealed unsafe class KvmVcpu
{
    /// <summary>Modelled costs: an intercept handled in KVM, and an exit to user space and back.</summary>
    public const ulong KernelInterceptCycles = 600, UserExitCycles = 3000;

    private ushort _pendingProgram;
    // kvm_s390_vcpu_block / PROG_IN_SIE: SIE entry waits while blocked; a blocker kicks a vcpu in SIE out
    private int _inSie, _sieBlocked;
    private long _kicks;

    internal KvmVcpu(Kvm kvm, ushort cpuAddress)
    {
        Kvm = kvm;
        Cpu = new Cpu(cpuAddress);
        Cpu.AttachStorage(kvm.Memory.Pointer, kvm.Memory.Size);
        Cpu.Facilities = new ulong[Kvm.FacListDoublewords];
        Cpu.CpuId = (0xFFUL << 56) | ((ulong)(0x10000 + cpuAddress) << 32) | ((ulong)kvm.Model.CpuType << 16) | 0x8000;
        SieBlock = new StateDescription(kvm.Host, kvm.Host.KernelAlloc(StateDescription.Size, 512));
        SieBlock.FacilityList = (uint)kvm.FacListAddress;
        SieBlock.ExecutionControlA = 0;
        Cpu.HostEventSource = kvm;
    }

    public Kvm Kvm { get; }
    public Cpu Cpu { get; }
    public StateDescription SieBlock { get; }
    public bool Stopped { get; set; } = true;
    /// <summary>Intercepts seen, by "code" or "code/ipa-opcode" (statistics).</summary>
    public Dictionary<string, ulong> InterceptCounts { get; } = new();

    /// <summary>Queues a program interruption for delivery before the next SIE entry (kvm_s390_inject_program_int).</summary>
    public void InjectProgramInterruption(ushort code)
    {
        _pendingProgram = code;
        Kvm.Events.Emit(KvmTrace.InjectVcpu, Cpu.Cycles, (Cpu.CpuAddress, code));
    }

    /// <summary>KVM_RUN: runs until something needs user space, or <paramref name="budgetEnd"/> cycles.</summary>
    public KvmRun Run(ulong budgetEnd)
    {
        while (true)
        {
            if (Stopped) return new KvmRun { Reason = KvmExitReason.Stopped };
            DeliverPending();
            if (Cpu.Cycles >= budgetEnd) return new KvmRun { Reason = KvmExitReason.Preempted };
            Cpu.BudgetEnd = budgetEnd;
            EnterSie();
            // the machine's scheduled host work (AP reply notifications, the kicker) as an event of the run
            Cpu.HostEventCycle = Kvm.NextHostEventCycle();
            byte code;
            try { code = Kvm.Machine.Sie.Run(Cpu, SieBlock); }
            finally { Interlocked.Exchange(ref _inSie, 0); }
            switch (code)
            {
                case InterceptCode.None:
                    if (Cpu.Cycles >= budgetEnd) return new KvmRun { Reason = KvmExitReason.Preempted };
                    continue;
                case InterceptCode.ExternalRequest:
                case InterceptCode.IoRequest:
                    Count(code, 0);
                    continue;
                case InterceptCode.WaitState:
                    {
                        Count(code, 0);
                        if (Cpu.DisabledWait) return UserExit(code);
                        var idle = HandleWait(budgetEnd);
                        if (idle is { } r) return r;
                        continue;
                    }
                case InterceptCode.Instruction:
                    {
                        ushort ipa = SieBlock.InterceptIpa;
                        Count(code, ipa);
                        Kvm.Events.Emit(KvmTrace.SieExit, Cpu.Cycles, (Cpu.CpuAddress, ipa, SieBlock.InterceptIpb));
                        Cpu.Cycles += KernelInterceptCycles;
                        if (Intercept.HandleInstruction(this)) continue;
                        return UserExit(code);
                    }
                default:
                    Count(code, 0);
                    return UserExit(code);
            }
        }
    }

    /// <summary>Marks the vcpu in SIE, waiting first while another thread has it blocked (kvm_s390_vcpu_block).</summary>
    private void EnterSie()
    {
        while (true)
        {
            Interlocked.Exchange(ref _inSie, 1);
            if (Volatile.Read(ref _sieBlocked) == 0) return;
            Interlocked.Exchange(ref _inSie, 0);
            while (Volatile.Read(ref _sieBlocked) != 0) Thread.Yield();
        }
    }

    /// <summary>
    /// kvm_s390_vcpu_block + kick: keeps the vcpu out of SIE until <see cref="UnblockSie"/>; a vcpu
    /// running in SIE (on another thread) is asked to exit and waited for.
    /// </summary>
    public void BlockSie()
    {
        Interlocked.Increment(ref _sieBlocked);
        if (Volatile.Read(ref _inSie) == 0) return;
        Interlocked.Increment(ref _kicks);
        // the request is repeated until the vcpu is out: its own event bookkeeping may overwrite one
        while (Volatile.Read(ref _inSie) != 0)
        {
            Cpu.HostExitRequest = true;
            Cpu.RecheckEvents();
            Thread.Yield();
        }
    }

    public void UnblockSie() => Interlocked.Decrement(ref _sieBlocked);

    /// <summary>The vcpu is executing in SIE right now.</summary>
    public bool InSie => Volatile.Read(ref _inSie) != 0;
    /// <summary>How often the vcpu was kicked out of SIE by <see cref="BlockSie"/>.</summary>
    public long Kicks => Interlocked.Read(ref _kicks);

    private KvmRun UserExit(byte code)
    {
        Cpu.Cycles += UserExitCycles;
        return new KvmRun { Reason = KvmExitReason.SieIntercept, IcptCode = code, Ipa = SieBlock.InterceptIpa, Ipb = SieBlock.InterceptIpb };
    }

    private void Count(byte code, ushort ipa)
    {
        string key = code == InterceptCode.Instruction ? $"0x04 {OpcodeName(ipa)}" : $"0x{code:x2} {InterceptCode.Name(code)}";
        InterceptCounts[key] = InterceptCounts.GetValueOrDefault(key) + 1;
    }

    private static string OpcodeName(ushort ipa)
    {
        byte op1 = (byte)(ipa >> 8);
        ulong raw = (ulong)ipa << 48;
        var def = Architecture.Isa.Decoder.Lookup(raw);
        return def != null ? def.Mnemonic : $"{op1:x2}";
    }

    /// <summary>Delivers injected program interruptions and floating interruptions the vcpu is enabled for.</summary>
    private void DeliverPending()
    {
        if (_pendingProgram != 0)
        {
            ushort code = _pendingProgram;
            _pendingProgram = 0;
            Cpu.DeliverProgramInterruption(code, nullify: false);
            Kvm.Events.Emit(KvmTrace.DeliverInterrupt, Cpu.Cycles, (Cpu.CpuAddress, false, (uint)code));
        }
        Kvm.Floating.Deliver(this);
    }

    // ---- idle and wakeup (kvm.arch.idle_mask, gisa_int.kicked_mask) -----------------------------------

    private volatile bool _idle, _kicked, _kickPending;

    /// <summary>The vcpu sleeps in an enabled wait (KVM's idle mask): what the GISA kicker looks for.</summary>
    public bool IsIdle => _idle;
    /// <summary>Kicked by the GISA kicker and not yet running again.</summary>
    public bool KickPending => _kickPending;

    /// <summary>kvm_s390_vcpu_wakeup: ends the vcpu's wait at its next turn.</summary>
    public void Wakeup()
    {
        _kickPending = true;
        _kicked = true;
    }

    private KvmRun? Woken()
    {
        _idle = false;
        _kicked = false;
        _kickPending = false;
        return null;
    }

    /// <summary>
    /// kvm_s390_handle_wait: sleeps (skips guest time) until an interruption can be presented: a timer,
    /// a wakeup by the GISA kicker, or host work (an AP reply notification, the kicker timer) that is
    /// due and is run here, in the waiting vcpu's time. Before sleeping, pending GISA interruptions the
    /// vcpu is enabled for end the wait (IPM ∧ alert mask ∧ CR6; the IAM is restored when nothing of the
    /// alert mask is pending). Unlike KVM the PSW I/O bit is required too, so a vcpu disabled for I/O
    /// cannot spin on an IPM bit it cannot take.
    /// </summary>
    private KvmRun? HandleWait(ulong budgetEnd)
    {
        if (Kvm.Floating.ServicePending && Cpu.ExtEnabled(Cr0.ServiceSignal)) return Woken();
        if (!_idle && Kvm.Gisa != null)
            Kvm.Events.Emit(KvmTrace.HandleWait, Cpu.Cycles, (Cpu.CpuAddress, (Cpu.PswMask & Psw.Io) != 0, (byte)(Cpu.Cr[6] >> 24)));
        _idle = true;
        while (true)
        {
            if (_kicked)
            {
                Kvm.Events.Emit(KvmTrace.VcpuWakeup, Cpu.Cycles, Cpu.CpuAddress);
                return Woken();
            }
            if (Kvm.Gisa is { Destroyed: false } g)
            {
                byte pending = g.GetIpmOrRestoreIam();
                if ((Cpu.PswMask & Psw.Io) != 0 && (pending & (byte)(Cpu.Cr[6] >> 24)) != 0) return Woken();
            }
            ulong timer = Cpu.NextTimerCycle();
            ulong host = Kvm.NextHostEventCycle();
            // a kicker that can never wake anyone is no reason to wait for it: a guest waiting disabled for its
            // pending ISCs with nothing else to come is hung (as on KVM), and the machine reports the deadlock
            if (timer == ulong.MaxValue && host != ulong.MaxValue && Kvm.KickerIsFutile()) host = ulong.MaxValue;
            ulong wake = Math.Min(timer, host);
            if (wake == ulong.MaxValue) return new KvmRun { Reason = KvmExitReason.Idle, WakeCycle = ulong.MaxValue };
            if (wake > Cpu.Cycles)
            {
                ulong until = Math.Min(wake, budgetEnd);
                Cpu.Cycles = until;
                if (until < wake) return new KvmRun { Reason = KvmExitReason.Idle, WakeCycle = wake };
            }
            if (Cpu.Cycles >= host)
            {
                Kvm.ServiceHostEvents(this);
                continue;
            }
            return Woken();
        }
    }
}
