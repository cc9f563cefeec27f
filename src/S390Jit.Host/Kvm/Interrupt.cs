using S390Jit.Architecture.State;
using S390Jit.Hardware.Aiv;

namespace S390Jit.Host.Kvm;

/// <summary>
/// Floating interruptions of a VM (arch/s390/kvm/interrupt.c): the service signal and the adapter
/// interruptions pending in the GISA's IPM (which KVM delivers itself when the SIE has not). They
/// are delivered by KVM before SIE entry into an enabled vcpu; otherwise the vcpu's SIE is asked
/// to exit as soon as the guest enables for them.
/// </summary>
public sealed class FloatingInterrupts(Kvm kvm)
{
    private bool _servicePending;
    private uint _serviceParam;

    /// <summary>Injects a service-signal external interruption (QEMU: KVM_S390_INT_SERVICE).</summary>
    public void InjectService(uint parameter)
    {
        // like KVM: SCCB addresses are not queued, the latest wins; the event-pending bit accumulates
        _serviceParam = (parameter & ~3u) | ((_serviceParam | parameter) & 1);
        _servicePending = true;
        kvm.Events.Emit(KvmTrace.InjectVm, kvm.Vcpus.Count > 0 ? kvm.Vcpus[0].Cpu.Cycles : 0, parameter);
        foreach (var v in kvm.Vcpus) v.Cpu.HostExtRequest |= Cr0.ServiceSignal;
    }

    public bool ServicePending => _servicePending;

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
        return DeliverAdapter(vcpu);
    }

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
        kvm.Gisa?.ClearIpm();
        kvm.Events.Emit(KvmTrace.ClearFloatIrqs, kvm.Now);
    }
}
