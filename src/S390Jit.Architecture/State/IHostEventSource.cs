namespace S390Jit.Architecture.State;

/// <summary>
/// Events the machine outside the CPU schedules in the CPU's cycle count (the AP firmware noticing a
/// completed reply, the host's GISA kicker timer): the CPU calls <see cref="Service"/> at the first
/// instruction boundary where <see cref="Cpu.Cycles"/> reaches <see cref="Cpu.HostEventCycle"/>, in
/// <see cref="Cpu.ServiceEvents"/>, so every execution engine sees the event at the same boundary.
/// The host model implements it (S390Jit.Host.Kvm); the Architecture layer only knows the interface.
/// </summary>
public interface IHostEventSource
{
    /// <summary>
    /// Runs what is due at the CPU's current cycle and stores the next due cycle in
    /// <see cref="Cpu.HostEventCycle"/> (MaxValue: nothing scheduled).
    /// </summary>
    void Service(Cpu cpu);
}
