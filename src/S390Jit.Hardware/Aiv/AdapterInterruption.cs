using S390Jit.Architecture.State;

namespace S390Jit.Hardware.Aiv;

/// <summary>
/// An I/O adapter interruption as the guest sees it (spec 6.5): subchannel id and I/O interruption
/// parameter 0, interruption identification 0x80000000 | ISC &lt;&lt; 27 (bit 0: adapter interruption,
/// bits 2-4: the ISC). Presented by the SIE from the GISA, or by KVM before SIE entry.
/// </summary>
public static class AdapterInterruption
{
    public static uint Id(int isc) => 0x8000_0000u | ((uint)isc << 27);

    public static void Deliver(Cpu cpu, int isc) => cpu.DeliverIo(0, 0, Id(isc));
}
