using S390Jit.Hardware.Ap;
using S390Jit.Host.Crypto;

namespace S390Jit.Vmm;

/// <summary>
/// The AP (crypto) configuration of a machine: what --ap, --ap-type, -cpu ...,ap=... and
/// -device vfio-ap,sysfsdev=... describe. Without it (MachineOptions.Ap null) the host has no AP
/// instructions and every AP instruction of the guest ends in an operation exception.
/// </summary>
public sealed class ApOptions
{
    /// <summary>
    /// Queues passed through (--ap APID.APQI). As vfio_ap's assign_adapter/assign_domain do, the
    /// VMM assigns their adapters and domains to the machine's matrix mdev, so the guest gets
    /// APM x AQM (every domain on every adapter named); the domains are also control domains.
    /// </summary>
    public List<ushort> Queues { get; } = new();
    /// <summary>Adapter type of a host bus the VMM builds (--ap-type).</summary>
    public ApDeviceType Type { get; set; } = ApDeviceType.Cex7;
    public int QueueDepth { get; set; } = 8;

    /// <summary>CPU feature "ap": AP instructions interpreted (ECA.APIE); off = QEMU's ap=off, every AP instruction intercepts.</summary>
    public bool CpuAp { get; set; } = true;
    /// <summary>CPU feature "apqci": facility 12 (QCI).</summary>
    public bool Apqci { get; set; } = true;
    /// <summary>CPU feature "apft": facility 15 (TAPQ T bit).</summary>
    public bool Apft { get; set; } = true;
    /// <summary>CPU feature "apqi": facility 65 (AQIC); KVM offers it only when the host has AIV (a GISA).</summary>
    public bool Apqi { get; set; } = true;
    /// <summary>CPU feature "msa3": facility 76, which makes KVM use a format-1 or format-2 CRYCB (format 0 without it).</summary>
    public bool Msa3 { get; set; } = true;

    /// <summary>The mdev UUID (the sysfsdev= path of -device vfio-ap); null: the VMM names it.</summary>
    public Guid? MdevUuid { get; set; }
    /// <summary>
    /// A host AP bus shared with other machines in this process (the queues must exist on it); null:
    /// the VMM builds a host bus for this machine with one adapter of <see cref="Type"/> per APID and
    /// every APQI as usage and control domain.
    /// </summary>
    public ApBus? HostBus { get; set; }
    /// <summary>APXA on a host bus the VMM builds.</summary>
    public bool HostApxa { get; set; } = true;
}
