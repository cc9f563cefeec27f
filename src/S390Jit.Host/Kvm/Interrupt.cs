using S390Jit.Architecture.State;

namespace S390Jit.Host.Kvm;

/// <summary>
/// Floating interruptions of a VM (arch/s390/kvm/interrupt.c): the service signal for now. They
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
        kvm.Events.Emit("kvm_s390_inject_vm", kvm.Vcpus.Count > 0 ? kvm.Vcpus[0].Cpu.Cycles : 0, $"service signal param 0x{parameter:x8}");
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
            kvm.Events.Emit("kvm_s390_deliver_interrupt", cpu.Cycles, $"vcpu {cpu.CpuAddress}: service signal param 0x{p:x8}");
            return true;
        }
        return false;
    }
}
