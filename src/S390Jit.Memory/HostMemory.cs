using System.Runtime.InteropServices;

namespace S390Jit.Memory;

/// <summary>
/// The machine's host physical memory. It is a sparse set of regions, each one native, zeroed
/// allocation placed at a host physical address: the host kernel area (state descriptions, CRYCB,
/// GISA, GIB, all below 2 GiB as the architecture requires) and one region per guest memslot.
/// Pinning a guest page therefore yields a real host frame, and host-model code that writes
/// "through the pinned frame" writes the very bytes the guest sees.
/// </summary>
public sealed unsafe class HostMemory : IDisposable
{
    /// <summary>Where the host kernel area starts (1 MiB) and how big it is.</summary>
    public const ulong KernelAreaStart = 0x0010_0000, KernelAreaSize = 0x0100_0000;
    /// <summary>Guest memslots are placed from 4 GiB upward so host structures never share frames with them.</summary>
    public const ulong SlotAreaStart = 0x1_0000_0000;

    private readonly List<HostRegion> _regions = new();
    private ulong _nextSlotAddress = SlotAreaStart;
    private ulong _kernelBump;

    public HostMemory()
    {
        KernelArea = AddRegion(KernelAreaStart, KernelAreaSize, "host kernel");
        _kernelBump = KernelAreaStart;
    }

    public HostRegion KernelArea { get; }
    public IReadOnlyList<HostRegion> Regions => _regions;

    /// <summary>Allocates a new region for a guest memslot (size rounded up to 1 MiB) mapping guest absolute <paramref name="guestBase"/> up.</summary>
    public HostRegion AllocateSlotRegion(ulong size, string name, ulong guestBase = 0)
    {
        if (size == 0) throw new ArgumentOutOfRangeException(nameof(size));
        ulong rounded = (size + 0xFFFFF) & ~0xFFFFFUL;
        var r = AddRegion(_nextSlotAddress, rounded, name);
        r.GuestBase = guestBase;
        _nextSlotAddress += rounded + 0x10_0000; // a guard gap between slots
        return r;
    }

    /// <summary>Allocates zeroed, aligned bytes in the host kernel area (below 2 GiB); returns the host physical address.</summary>
    public ulong KernelAlloc(ulong size, ulong align = 8)
    {
        ulong a = (_kernelBump + align - 1) & ~(align - 1);
        if (a + size > KernelAreaStart + KernelAreaSize)
            throw new InvalidOperationException("host kernel area exhausted");
        _kernelBump = a + size;
        return a;
    }

    // ---- what the host kernel's memory management knows about its frames ---------------------------
    // (the model's KASAN: the machine and the host model check these before they touch storage on their own)

    // made by the first free (a hello run frees nothing: List<(ulong, ulong)>'s static constructor is a RyuJIT compile)
    private List<(ulong Start, ulong Size)>? _freed;
    private readonly Dictionary<ulong, int> _pinnedFrames = new();
    private readonly object _mmLock = new();

    /// <summary>Frees a kernel allocation (the bump allocator never hands it out again); later accesses are use after free.</summary>
    public void KernelFree(ulong address, ulong size)
    {
        lock (_mmLock) (_freed ??= new()).Add((address, size));
    }

    /// <summary>Backed and not freed: storage an agent may legitimately use.</summary>
    public bool IsLive(ulong address, ulong length = 1)
    {
        if (!IsBacked(address, length)) return false;
        lock (_mmLock)
            if (_freed != null)
                foreach (var (start, size) in _freed)
                    if (address < start + size && start < address + length) return false;
        return true;
    }

    /// <summary>Takes (+1) or drops (-1) a pin on a host frame (host physical address >> 12), as pin_user_pages / unpin do.</summary>
    public void PinFrame(ulong frame, int delta)
    {
        lock (_mmLock)
        {
            int n = _pinnedFrames.GetValueOrDefault(frame) + delta;
            if (n > 0) _pinnedFrames[frame] = n; else _pinnedFrames.Remove(frame);
        }
    }

    /// <summary>The host frame is pinned (an adapter may store through it).</summary>
    public bool IsFramePinned(ulong frame) { lock (_mmLock) return _pinnedFrames.ContainsKey(frame); }

    /// <summary>The guest absolute address a host address of a memslot region maps, or null.</summary>
    public ulong? GuestAddressOf(ulong address)
    {
        foreach (var r in _regions)
            if (r.GuestBase is ulong g && address >= r.Start && address - r.Start < r.Size) return address - r.Start + g;
        return null;
    }

    /// <summary>
    /// A store into host memory by something other than a CPU's instruction (an adapter's notification
    /// byte, firmware): (host address, length). Execution engines drop what they translated from it.
    /// </summary>
    public event Action<ulong, ulong>? ExternalStore;

    public void NotifyExternalStore(ulong address, ulong length) => ExternalStore?.Invoke(address, length);

    private HostRegion AddRegion(ulong start, ulong size, string name)
    {
        // calloc hands out large blocks as fresh (lazily zeroed) pages: no page is touched before it is used;
        // the region starts at the first page boundary inside the block
        var raw = (byte*)NativeMemory.AllocZeroed((nuint)size + 4096);
        var p = (byte*)(((nuint)raw + 4095) & ~(nuint)4095);
        var r = new HostRegion(start, size, p, raw, name);
        _regions.Add(r);
        return r;
    }

    /// <summary>Host pointer for [address, address+length) in one region, or throws.</summary>
    public byte* Pointer(ulong address, ulong length = 1)
    {
        foreach (var r in _regions)
            if (address >= r.Start && address - r.Start < r.Size && length <= r.Size - (address - r.Start))
                return r.Pointer + (address - r.Start);
        throw new HostMemoryException($"host physical address 0x{address:x} (+{length}) is not backed");
    }

    public bool IsBacked(ulong address, ulong length = 1)
    {
        foreach (var r in _regions)
            if (address >= r.Start && address - r.Start < r.Size && length <= r.Size - (address - r.Start))
                return true;
        return false;
    }

    public byte ReadU8(ulong a) => *Pointer(a);
    public ushort ReadU16(ulong a) => BigEndian.U16(Pointer(a, 2));
    public uint ReadU32(ulong a) => BigEndian.U32(Pointer(a, 4));
    public ulong ReadU64(ulong a) => BigEndian.U64(Pointer(a, 8));
    public void WriteU8(ulong a, byte v) => *Pointer(a) = v;
    public void WriteU16(ulong a, ushort v) => BigEndian.Put16(Pointer(a, 2), v);
    public void WriteU32(ulong a, uint v) => BigEndian.Put32(Pointer(a, 4), v);
    public void WriteU64(ulong a, ulong v) => BigEndian.Put64(Pointer(a, 8), v);
    public Span<byte> Span(ulong a, int length) => new(Pointer(a, (ulong)length), length);

    public void Dispose()
    {
        foreach (var r in _regions) r.Free();
        _regions.Clear();
    }
}

public sealed unsafe class HostRegion
{
    private byte* _block;
    internal HostRegion(ulong start, ulong size, byte* p, byte* block, string name) { Start = start; Size = size; Pointer = p; _block = block; Name = name; }
    public ulong Start { get; }
    public ulong Size { get; }
    public byte* Pointer { get; private set; }
    public string Name { get; }
    /// <summary>The guest absolute address of the region's start when it backs a memslot, else null.</summary>
    public ulong? GuestBase { get; internal set; }
    internal void Free() { if (_block != null) { NativeMemory.Free(_block); _block = null; Pointer = null; } }
}

public sealed class HostMemoryException(string message) : Exception(message);
