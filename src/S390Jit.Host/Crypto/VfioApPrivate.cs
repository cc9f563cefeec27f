namespace S390Jit.Host.Crypto;

// vfio_ap_private.h

/// <summary>
/// vfio_ap's record of one AP queue device bound to it (struct vfio_ap_queue, spec 5.1): the APQN, the
/// mdev that last intercepted an AQIC for it, and the interruption registration kept for re-enables
/// (spec 5.6): the guest NIB address and its pinned frame (0: none) and the registered guest ISC
/// (0xFF: none).
/// </summary>
public sealed class VfioApQueue
{
    public const byte IscInvalid = 0xFF;

    internal VfioApQueue(ushort apqn) { Apqn = apqn; }
    public ushort Apqn { get; }
    public string Name => Hardware.Ap.Apqn.Name(Apqn);
    public ApMatrixMdev? Mdev { get; internal set; }
    /// <summary>Guest frame of the pinned NIB page (saved_pfn; 0 = none).</summary>
    public ulong SavedPfn { get; internal set; }
    /// <summary>Guest absolute address of the NIB (saved_iova), valid with <see cref="SavedPfn"/>.</summary>
    public ulong SavedNib { get; internal set; }
    /// <summary>Registered guest ISC (saved_isc; 0xFF = none).</summary>
    public byte SavedIsc { get; internal set; } = IscInvalid;
    /// <summary>The record was freed (queue removed): any later use is a use after free.</summary>
    public bool Freed { get; internal set; }
    public override string ToString() => $"vfio_ap_queue {Name} (saved pfn 0x{SavedPfn:x}, isc {(SavedIsc == IscInvalid ? "none" : SavedIsc.ToString())})";
}
