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
public sealed unsafe partial class KvmVcpu
{
    /// <summary>Modelled costs: an intercept handled in KVM, and an exit to user space and back.</summary>
    public const ulong KernelInterceptCycles = 600, UserExitCycles = 3000;

    private ushort _pendingProgram;
    // kvm_s390_vcpu_block / PROG_IN_SIE: SIE entry waits while blocked; a blocker kicks a vcpu in SIE out
    private int _inSie, _sieBlocked;
    private long _kicks;

    internal KvmVcpu(KvmVm kvm, ushort cpuAddress)
    {
        Kvm = kvm;
        Cpu = new Cpu(cpuAddress);
        Cpu.AttachStorage(kvm.Memory.Pointer, kvm.Memory.Size);
        Cpu.Facilities = new ulong[KvmVm.FacListDoublewords];
        Cpu.CpuId = (0xFFUL << 56) | ((ulong)(0x10000 + cpuAddress) << 32) | ((ulong)kvm.Model.CpuType << 16) | 0x8000;
        SieBlock = new StateDescription(kvm.Host, kvm.Host.KernelAlloc(StateDescription.Size, 512));
        SieBlock.FacilityList = (uint)kvm.FacListAddress;
        SieBlock.ExecutionControlA = 0;
        Cpu.HostEventSource = kvm;
    }

    public KvmVm Kvm { get; }
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

    /// <summary>
    /// KVM_S390_NORMAL_RESET / KVM_S390_INITIAL_RESET / KVM_S390_CLEAR_RESET: the CPU reset of that kind, the
    /// local interruptions dropped; after an initial or clear reset the breaking-event address is 1, as KVM
    /// sets it. User space controls the CPU state (QEMU stops the vcpu itself).
    /// </summary>
    public void Reset(CpuResetKind kind)
    {
        Cpu.Reset(kind);
        if (kind != CpuResetKind.Cpu) Cpu.Bear = 1;
        ClearLocalInterrupts();
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
                        if (HandleInstructionIntercept()) continue;
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
    /// running in SIE (on another thread) is waited for. Thread-safe. The kick touches nothing of the
    /// CPU: a write from this thread to its event state could land while a compiled region runs (whose exits
    /// derive the cycle count from it), and an early SIE exit would cost the guest the re-entry cycles, at a
    /// moment set by host timing. The vcpu leaves SIE by itself instead, at its next interception or at the
    /// end of its run budget (the time slice), so its cycle count stays that of an unrequested run.
    /// </summary>
    public void BlockSie()
    {
        Interlocked.Increment(ref _sieBlocked);
        if (Volatile.Read(ref _inSie) == 0) return;
        Interlocked.Increment(ref _kicks);
        while (Volatile.Read(ref _inSie) != 0) Thread.Yield();
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
        // (TryGetValue called here, not through GetValueOrDefault's interface call: ReadyToRun has this one)
        InterceptCounts.TryGetValue(key, out ulong n);
        InterceptCounts[key] = n + 1;
    }

    private static string OpcodeName(ushort ipa)
    {
        byte op1 = (byte)(ipa >> 8);
        ulong raw = (ulong)ipa << 48;
        var def = Architecture.Isa.Decoder.Lookup(raw);
        return def != null ? def.Mnemonic : $"{op1:x2}";
    }

    /// <summary>Base + displacement of an S/RS-format intercepted instruction (kvm_s390_get_base_disp_s).</summary>
    public ulong BaseDisp()
    {
        uint ipb = SieBlock.InterceptIpb;
        int b2 = (int)(ipb >> 28);
        ulong d2 = (ipb >> 16) & 0xFFF;
        return ((b2 != 0 ? Cpu.G[b2] : 0) + d2) & Cpu.AddrMask;
    }

    /// <summary>R1/R2 of an RRE-format intercepted instruction (from IPB).</summary>
    public (int R1, int R2) RreRegs()
    {
        uint ipb = SieBlock.InterceptIpb;
        return ((int)((ipb >> 20) & 0xF), (int)((ipb >> 16) & 0xF));
    }
}
