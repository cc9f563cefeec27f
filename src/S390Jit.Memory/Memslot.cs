namespace S390Jit.Memory;

/// <summary>
/// A KVM-style memory slot: a range of guest absolute storage backed by a host region.
/// Guest absolute address A lives at host physical address <see cref="HostStart"/> + (A - GuestBase).
/// </summary>
public sealed unsafe class Memslot
{
    public Memslot(HostMemory host, ulong guestBase, ulong size, string name)
    {
        Host = host;
        GuestBase = guestBase;
        Size = size;
        Region = host.AllocateSlotRegion(size, name, guestBase);
    }

    public HostMemory Host { get; }
    public HostRegion Region { get; }
    public ulong GuestBase { get; }
    public ulong Size { get; }
    public ulong HostStart => Region.Start;
    public byte* Pointer => Region.Pointer;

    public bool Contains(ulong guestAbsolute, ulong length = 1) =>
        guestAbsolute >= GuestBase && guestAbsolute - GuestBase < Size && length <= Size - (guestAbsolute - GuestBase);

    /// <summary>Host physical address of a guest absolute address (gfn_to_hva-style), or null when outside the slot.</summary>
    public ulong? HostAddress(ulong guestAbsolute) => Contains(guestAbsolute) ? HostStart + (guestAbsolute - GuestBase) : null;

    public Span<byte> Span(ulong guestAbsolute, int length)
    {
        if (!Contains(guestAbsolute, (ulong)length)) throw new HostMemoryException($"guest absolute 0x{guestAbsolute:x}+{length} outside memslot");
        return new Span<byte>(Pointer + (guestAbsolute - GuestBase), length);
    }
}
