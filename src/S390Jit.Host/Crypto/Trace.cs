using S390Jit.Hardware.Ap;
using S390Jit.Hardware.Tracing;

namespace S390Jit.Host.Crypto;

/// <summary>vfio_ap's trace events (drivers/s390/crypto/vfio_ap_*.c): the PQAP hook, irq enable/disable, resets, the mdev life cycle.</summary>
public static class VfioApTrace
{
    public static readonly TraceEvent<(ushort Vcpu, string What)> HandlePqap = new("vfio_ap_handle_pqap",
        "vfio_ap's PQAP(AQIC) hook (spec 5.3)", f => $"vcpu {f.Vcpu}: {f.What}");

    public static readonly TraceEvent<(ushort Vcpu, ushort Apqn, ulong Gr1)> HandlePqapExit = new("vfio_ap_handle_pqap_exit",
        "the hook's result in GR1", f => $"vcpu {f.Vcpu}: apqn {Apqn.Name(f.Apqn)}: gr1 0x{f.Gr1:x16}");

    public static readonly TraceEvent<(string Queue, string Outcome)> IrqEnable = new("vfio_ap_irq_enable",
        "irq-enable (spec 5.4)", f => $"queue {f.Queue}: {f.Outcome}");

    public static readonly TraceEvent<(string Queue, bool Warning, string What)> IrqDisable = new("vfio_ap_irq_disable",
        "irq-disable (spec 5.5)", f => $"{(f.Warning ? "WARNING " : "")}queue {f.Queue}: {f.What}");

    public static readonly TraceEvent<(string Queue, string What)> WaitIrqClear = new("vfio_ap_wait_irqclear",
        "vfio_ap_wait_for_irqclear gave up", f => $"WARNING queue {f.Queue}: {f.What}");

    public static readonly TraceEvent<(string Queue, byte Rc)> ResetQueue = new("vfio_ap_reset_queue",
        "vfio_ap_mdev_reset_queue: ZAPQ failed", f => $"WARNING queue {f.Queue}: zapq rc 0x{f.Rc:x2} ({(f.Rc is 2 or 5 ? "-EBUSY" : "-EIO")})");

    public static readonly TraceEvent<(string Queue, string Why, ulong Gfn, byte Isc)> FreeAqicResources = new("vfio_ap_free_aqic_resources",
        "vfio_ap_free_aqic_resources: the saved pin and GISC released",
        f => $"queue {f.Queue} ({f.Why}): gfn 0x{f.Gfn:x} isc {IscName(f.Isc)} released");

    /// <summary><c>V7</c>: the record is freed without a reset, its pin and GISC leak.</summary>
    public static readonly TraceEvent<(string Queue, bool V7, ulong Pfn, byte Isc)> QueueRemove = new("vfio_ap_queue_remove",
        "a queue device left vfio_ap (spec 5.2 AP queue remove)",
        f => f.V7 ? $"queue {f.Queue}: record freed (v7: no reset, pin 0x{f.Pfn:x} and isc {IscName(f.Isc)} leaked)" : $"queue {f.Queue}: reset, resources released, record freed");

    public static readonly TraceEvent<(Guid Mdev, string What)> MdevOpen = new("vfio_ap_mdev_open", "vfio_ap_mdev_open", f => $"mdev {f.Mdev}: {f.What}");
    public static readonly TraceEvent<(Guid Mdev, string What)> MdevSetKvm = new("vfio_ap_mdev_set_kvm", "the group notifier's SET_KVM", f => $"mdev {f.Mdev}: {f.What}");
    public static readonly TraceEvent<Guid> MdevRelease = new("vfio_ap_mdev_release", "vfio_ap_mdev_release (QEMU closed the device)", m => $"mdev {m}");
    public static readonly TraceEvent<Guid> MdevRemove = new("vfio_ap_mdev_remove", "the mdev was removed (sysfs)", m => $"mdev {m}");
    public static readonly TraceEvent<Guid> MdevReset = new("vfio_ap_mdev_reset", "VFIO_DEVICE_RESET", m => $"mdev {m}");
    public static readonly TraceEvent<(Guid Mdev, string What)> DmaUnmap = new("vfio_ap_dma_unmap", "the IOMMU notifier for a DMA unmap (spec 5.2)", f => $"mdev {f.Mdev}: {f.What}");

    public static string IscName(byte isc) => isc == VfioApQueue.IscInvalid ? "none" : isc.ToString();
}
