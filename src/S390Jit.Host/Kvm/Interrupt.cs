using System.Numerics;
using S390Jit.Architecture.State;
using S390Jit.Hardware.Aiv;

namespace S390Jit.Host.Kvm;

/// <summary>
/// Floating interruptions of a VM (arch/s390/kvm/interrupt.c): the service signal and the adapter
/// interruptions pending in the GISA's IPM (which KVM delivers itself when the SIE has not). They
/// are delivered by KVM before SIE entry into an enabled vcpu; otherwise the vcpu's SIE is asked
/// to exit as soon as the guest enables for them.
/// </summary>
public sealed class FloatingInterrupts(KvmVm kvm)
{
    private bool _servicePending;
    private uint _serviceParam;

    /// <summary>Injects a service-signal external interruption (QEMU: KVM_S390_INT_SERVICE).</summary>
    public void InjectService(uint parameter)
    {
        // like KVM (__inject_service): SCCB addresses are not queued, the latest non-zero one wins; the
        // event-pending bit accumulates (an event-only signal keeps a pending completion's SCCB address)
        uint sccb = (parameter & ~7u) != 0 ? parameter & ~7u : _serviceParam & ~7u;
        _serviceParam = sccb | ((_serviceParam | parameter) & 1);
        _servicePending = true;
        kvm.Events.Emit(KvmTrace.InjectVm, kvm.Vcpus.Count > 0 ? kvm.Vcpus[0].Cpu.Cycles : 0, parameter);
        foreach (var v in kvm.Vcpus) v.Cpu.HostExtRequest |= Cr0.ServiceSignal;
    }

    public bool ServicePending => _servicePending;

    /// <summary>A floating I/O interruption: interruption code (subchannel id, parameter, word) for one ISC.</summary>
    public readonly record struct IoInterruption(uint SubchannelId, uint Parameter, uint Word)
    {
        public int Isc => (int)((Word >> 27) & 7);
    }

    // the floating I/O interruptions (KVM's per-ISC lists, FIFO within an ISC)
    // made by the first injection (List<IoInterruption>'s static constructor is a RyuJIT compile at start-up otherwise)
    private List<IoInterruption>? _io;

    /// <summary>
    /// __inject_io (KVM_S390_INT_IO): queues an I/O interruption for its ISC; every vcpu's SIE exits as
    /// soon as the guest enables for that ISC (PSW I/O bit and the CR6 ISC mask).
    /// </summary>
    public void InjectIo(uint subchannelId, uint parameter, uint word)
    {
        var irq = new IoInterruption(subchannelId, parameter, word);
        (_io ??= new()).Add(irq);
        kvm.Events.Emit(KvmTrace.InjectVm, kvm.Vcpus.Count > 0 ? kvm.Vcpus[0].Cpu.Cycles : 0, word);
        UpdateIoRequest();
    }

    /// <summary>The ISCs with a floating I/O interruption queued (bit 0x80 is ISC 0).</summary>
    public byte IoPendingMask
    {
        get
        {
            byte m = 0;
            if (_io != null) foreach (var i in _io) m |= (byte)(0x80 >> i.Isc);
            return m;
        }
    }

    private void UpdateIoRequest()
    {
        byte want = IoPendingMask;
        foreach (var v in kvm.Vcpus)
        {
            v.Cpu.HostIoRequest = want;
            if (want != 0) v.Cpu.RecheckEvents();
        }
    }

    /// <summary>
    /// kvm_s390_get_io_int: dequeues the first interruption of an ISC in <paramref name="iscMask"/>
    /// (ISC 0 first), or, with a non-zero <paramref name="schid"/>, the one of that subchannel.
    /// </summary>
    public IoInterruption? DequeueIo(byte iscMask, uint schid = 0)
    {
        if (_io == null) return null;
        int best = -1;
        for (int k = 0; k < _io.Count; k++)
        {
            var i = _io[k];
            if (schid != 0 ? i.SubchannelId != schid : (iscMask & (0x80 >> i.Isc)) == 0) continue;
            if (best < 0 || i.Isc < _io[best].Isc) best = k;
        }
        if (best < 0) return null;
        var irq = _io[best];
        _io.RemoveAt(best);
        UpdateIoRequest();
        return irq;
    }

    /// <summary>Delivers what this vcpu is enabled for; returns true if something was delivered.</summary>
    public bool Deliver(KvmVcpu vcpu)
    {
        var cpu = vcpu.Cpu;
        if (_servicePending && cpu.ExtEnabled(Cr0.ServiceSignal))
        {
            uint p = _serviceParam;
            _servicePending = false;
            _serviceParam = 0;
            foreach (var v in kvm.Vcpus) v.Cpu.HostExtRequest &= ~Cr0.ServiceSignal;
            cpu.DeliverExternal(ExtCode.ServiceSignal, p);
            kvm.Events.Emit(KvmTrace.DeliverInterrupt, cpu.Cycles, (cpu.CpuAddress, true, p));
            return true;
        }
        return DeliverIo(vcpu) || DeliverAdapter(vcpu);
    }

    /// <summary>
    /// __deliver_io for the floating list: the first queued interruption of the highest-priority ISC
    /// the vcpu is enabled for (PSW I/O bit, CR6), unless the GISA's IPM holds a higher-priority ISC.
    /// </summary>
    private bool DeliverIo(KvmVcpu vcpu)
    {
        var cpu = vcpu.Cpu;
        if (_io == null || _io.Count == 0 || (cpu.PswMask & Psw.Io) == 0) return false;
        byte enabled = (byte)(cpu.Cr[6] >> 24);
        byte listMask = (byte)(IoPendingMask & enabled);
        if (listMask == 0) return false;
        byte gisaMask = kvm.Gisa is { Destroyed: false } g ? (byte)(g.Ipm & enabled) : (byte)0;
        if (BitOperations.LeadingZeroCount((uint)gisaMask) < BitOperations.LeadingZeroCount((uint)listMask)) return false; // a higher-priority ISC in the GISA goes first
        var irq = DequeueIo(listMask)!.Value;
        cpu.DeliverIo(irq.SubchannelId, irq.Parameter, irq.Word);
        kvm.Events.Emit(KvmTrace.DeliverInterrupt, cpu.Cycles, (cpu.CpuAddress, false, irq.Word));
        return true;
    }

    /// <summary>A floating I/O interruption the vcpu is enabled for is queued.</summary>
    public bool IoDeliverable(Cpu cpu) => (cpu.PswMask & Psw.Io) != 0 && (IoPendingMask & (byte)(cpu.Cr[6] >> 24)) != 0;

    /// <summary>
    /// __deliver_io for the GISA: with no floating I/O interruption queued for an ISC (the model has
    /// none), an IPM bit the vcpu is enabled for (PSW I/O bit, CR6) is test-and-cleared and presented as
    /// an adapter interruption: subchannel id and parameter 0, interruption identification
    /// 0x80000000 | ISC &lt;&lt; 27. ISC 0 has the highest priority.
    /// </summary>
    private bool DeliverAdapter(KvmVcpu vcpu)
    {
        var cpu = vcpu.Cpu;
        if (kvm.Gisa is not { Destroyed: false } g || (cpu.PswMask & Psw.Io) == 0) return false;
        byte deliverable = (byte)(g.Ipm & (byte)(cpu.Cr[6] >> 24));
        for (int isc = 0; isc < 8 && deliverable != 0; isc++)
        {
            if ((deliverable & (0x80 >> isc)) == 0 || !g.TestAndClearIpm(isc)) continue;
            AdapterInterruption.Deliver(cpu, isc);
            kvm.Events.Emit(KvmTrace.DeliverIoAdapter, cpu.Cycles, (cpu.CpuAddress, isc));
            return true;
        }
        return false;
    }

    /// <summary>kvm_s390_clear_float_irqs (VM reset): the service signal and the GISA's IPM are dropped.</summary>
    public void Clear()
    {
        _servicePending = false;
        _serviceParam = 0;
        foreach (var v in kvm.Vcpus) v.Cpu.HostExtRequest &= ~Cr0.ServiceSignal;
        _io?.Clear();
        UpdateIoRequest();
        kvm.Gisa?.ClearIpm();
        kvm.Events.Emit(KvmTrace.ClearFloatIrqs, kvm.Now);
    }
}

// interrupt.c: the vcpu's side: delivery before SIE entry, the enabled wait and the wakeup.
public sealed partial class KvmVcpu
{
    /// <summary>
    /// Delivers what is pending and enabled, in KVM's priority order: an injected program interruption,
    /// the local emergency signals and external call (SIGP), then the floating interruptions.
    /// </summary>
    private void DeliverPending()
    {
        if (_pendingProgram != 0)
        {
            ushort code = _pendingProgram;
            _pendingProgram = 0;
            Cpu.DeliverProgramInterruption(code, nullify: false);
            Kvm.Events.Emit(KvmTrace.DeliverInterrupt, Cpu.Cycles, (Cpu.CpuAddress, false, (uint)code));
        }
        if (!DeliverLocal()) Kvm.Floating.Deliver(this);
    }

    // ---- local interruptions SIGP raises (kvm_s390_local_interrupt) -----------------------------------

    // emergency signals pending, one per sending CPU (the sigp_emerg_pending bitmap); the external call's sender or -1
    private readonly SortedSet<ushort> _emergencyFrom = new(S390Jit.Hardware.NumberOrder.Instance);
    private int _externalCallFrom = -1;

    /// <summary>An external call is pending (SIGP SENSE reports it, a second one is refused).</summary>
    public bool ExternalCallPending => _externalCallFrom >= 0;

    /// <summary>__inject_sigp_emergency: an emergency signal from CPU <paramref name="from"/> (one per sender stays pending).</summary>
    public void InjectEmergency(ushort from)
    {
        _emergencyFrom.Add(from);
        Kvm.Events.Emit(KvmTrace.InjectLocal, Cpu.Cycles, (Cpu.CpuAddress, ExtCode.EmergencySignal, from));
        UpdateLocalRequest();
    }

    /// <summary>__inject_extcall: an external call from CPU <paramref name="from"/>; false (-EBUSY) if one is pending already.</summary>
    public bool InjectExternalCall(ushort from)
    {
        if (ExternalCallPending) return false;
        _externalCallFrom = from;
        Kvm.Events.Emit(KvmTrace.InjectLocal, Cpu.Cycles, (Cpu.CpuAddress, ExtCode.ExternalCall, from));
        UpdateLocalRequest();
        return true;
    }

    /// <summary>kvm_s390_clear_local_irqs (the vcpu resets): pending program interruption, emergency signals and external call dropped.</summary>
    public void ClearLocalInterrupts()
    {
        _pendingProgram = 0;
        _emergencyFrom.Clear();
        _externalCallFrom = -1;
        UpdateLocalRequest();
    }

    /// <summary>The SIE exits as soon as the guest enables for a pending local interruption.</summary>
    private void UpdateLocalRequest()
    {
        ulong want = (_emergencyFrom.Count > 0 ? Cr0.EmergencySignal : 0) | (ExternalCallPending ? Cr0.ExternalCall : 0);
        Cpu.HostExtRequest = (Cpu.HostExtRequest & ~(Cr0.EmergencySignal | Cr0.ExternalCall)) | want;
        if (want != 0) Cpu.RecheckEvents();
    }

    private bool LocalDeliverable => (_emergencyFrom.Count > 0 && Cpu.ExtEnabled(Cr0.EmergencySignal)) || (ExternalCallPending && Cpu.ExtEnabled(Cr0.ExternalCall));

    /// <summary>__deliver_emergency_signal, __deliver_external_call: the lowest sending CPU address first.</summary>
    private bool DeliverLocal()
    {
        ushort code, from;
        if (_emergencyFrom.Count > 0 && Cpu.ExtEnabled(Cr0.EmergencySignal))
        {
            code = ExtCode.EmergencySignal;
            from = _emergencyFrom.Min;
            _emergencyFrom.Remove(from);
        }
        else if (ExternalCallPending && Cpu.ExtEnabled(Cr0.ExternalCall))
        {
            code = ExtCode.ExternalCall;
            from = (ushort)_externalCallFrom;
            _externalCallFrom = -1;
        }
        else return false;
        UpdateLocalRequest();
        Cpu.DeliverExternal(code, 0, from);
        Kvm.Events.Emit(KvmTrace.DeliverLocal, Cpu.Cycles, (Cpu.CpuAddress, code, from));
        return true;
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
        Kvm.WaitHook?.Invoke(this);
        if ((Kvm.Floating.ServicePending && Cpu.ExtEnabled(Cr0.ServiceSignal)) || LocalDeliverable || Kvm.Floating.IoDeliverable(Cpu)) return Woken();
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
