namespace S390Jit.Architecture.State;

/// <summary>
/// Events scheduled in the CPU's cycle count from outside the CPU (the AP firmware noticing a completed
/// reply, the host's GISA kicker timer): the CPU calls <see cref="Service"/> at the first instruction
/// boundary where <see cref="Cpu.Cycles"/> reaches <see cref="Cpu.HostEventCycle"/>, in
/// <see cref="Cpu.ServiceEvents"/>, so every execution engine sees the event at the same boundary.
/// KVM implements it (S390Jit.Host.Kvm.KvmVm: the machine's notifications for the VM's GISA, then its
/// own GAL handling and kicker); the Architecture layer only knows the interface.
/// </summary>
public interface IHostEventSource
{
    /// <summary>
    /// Runs what is due at the CPU's current cycle and stores the next due cycle in
    /// <see cref="Cpu.HostEventCycle"/> (MaxValue: nothing scheduled).
    /// </summary>
    void Service(Cpu cpu);
}
