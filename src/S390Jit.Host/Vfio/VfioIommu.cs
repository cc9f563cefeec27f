using S390Jit.Hardware;
using S390Jit.Memory;

namespace S390Jit.Host.Vfio;

/// <summary>A vendor driver's IOMMU notifier for DMA unmaps (VFIO_IOMMU_NOTIFY_DMA_UNMAP).</summary>
public interface IDmaUnmapListener
{
    void DmaUnmap(ulong iova, ulong length, HostContext ctx);
}

/// <summary>
/// The VFIO container of one VM with its type1 IOMMU, as vfio_ap uses it: QEMU maps guest RAM for DMA
/// with IOVA = guest absolute address (VFIO_IOMMU_MAP_DMA over the memslot), and a mediated-device
/// driver pins guest pages through it (vfio_pin_pages: IOVA frame in, host frame out, one reference
/// per call) and unpins them (vfio_unpin_pages). Pins are reference-counted per page; a page stays
/// pinned while its count is above zero. An unmap (VFIO_IOMMU_UNMAP_DMA) first tells the registered
/// notifiers (vendor drivers must unpin what lies in the range), then removes the mapping; pinning
/// an unmapped IOVA fails with -EINVAL.
/// </summary>
public sealed class VfioIommu
{
    /// <summary>Modelled cost of pinning or unpinning one page (page-table walk, refcount, accounting).</summary>
    public const ulong PinCycles = 400, UnpinCycles = 250;

    private readonly Memslot _slot;
    private readonly List<(ulong Iova, ulong Size)> _mapped = new();
    private readonly SortedDictionary<ulong, int> _pins = new(S390Jit.Hardware.NumberOrder.Instance);
    private readonly List<IDmaUnmapListener> _notifiers = new();
    private readonly object _lock = new();

    public VfioIommu(Memslot slot)
    {
        _slot = slot;
        _mapped.Add((slot.GuestBase, slot.Size));
    }

    /// <summary>Test hook: the next notifier registration fails (-ENOMEM-like), as vfio_register_notifier can.</summary>
    public bool FailNextNotifierRegistration { get; set; }
    /// <summary>Unpins of pages that were not pinned (the kernel WARNs; the model counts them).</summary>
    public ulong BadUnpins { get; private set; }

    /// <summary>Pages pinned now, with their reference counts (guest frame -> count).</summary>
    public IReadOnlyDictionary<ulong, int> Pins { get { lock (_lock) return new SortedDictionary<ulong, int>(_pins, S390Jit.Hardware.NumberOrder.Instance); } }
    public int PinnedPages { get { lock (_lock) return _pins.Count; } }
    public int PinCount(ulong gfn) { lock (_lock) return _pins.GetValueOrDefault(gfn); }

    public bool IsMapped(ulong iova)
    {
        lock (_lock) return _mapped.Any(m => iova >= m.Iova && iova - m.Iova < m.Size);
    }

    /// <summary>Whether the host frame (host physical address >> 12) backs a pinned guest page.</summary>
    public bool IsPinnedHostFrame(ulong hfn)
    {
        ulong host = hfn << 12;
        if (host < _slot.HostStart || host - _slot.HostStart >= _slot.Size) return false;
        lock (_lock) return _pins.ContainsKey((host - _slot.HostStart + _slot.GuestBase) >> 12);
    }

    /// <summary>vfio_pin_pages for one page: returns the host frame, or a negative errno.</summary>
    public long Pin(ulong gfn, HostContext ctx)
    {
        ctx.Charge(PinCycles);
        ulong iova = gfn << 12;
        long result;
        int count = 0;
        lock (_lock)
        {
            if (!_mapped.Any(m => iova >= m.Iova && iova - m.Iova < m.Size) || _slot.HostAddress(iova) is not ulong host) result = -Errno.EINVAL;
            else
            {
                count = _pins.GetValueOrDefault(gfn) + 1;
                _pins[gfn] = count;
                result = (long)(host >> 12);
                _slot.Host.PinFrame(host >> 12, +1);
            }
        }
        ctx.Emit(VfioTrace.PinPage, (gfn, result, count), PinCycles);
        return result;
    }

    /// <summary>vfio_unpin_pages for one page; false (and a warning) if it was not pinned.</summary>
    public bool Unpin(ulong gfn, HostContext ctx)
    {
        ctx.Charge(UnpinCycles);
        int count;
        lock (_lock)
        {
            if (!_pins.TryGetValue(gfn, out count)) { BadUnpins++; count = -1; }
            else
            {
                if (--count == 0) _pins.Remove(gfn);
                else _pins[gfn] = count;
                _slot.Host.PinFrame((_slot.HostStart + (gfn << 12) - _slot.GuestBase) >> 12, -1);
            }
        }
        if (count < 0)
        {
            ctx.Emit(VfioTrace.UnpinPage, (gfn, -1), UnpinCycles);
            return false;
        }
        ctx.Emit(VfioTrace.UnpinPage, (gfn, count), UnpinCycles);
        return true;
    }

    /// <summary>vfio_register_notifier(VFIO_IOMMU_NOTIFY): false when it fails.</summary>
    public bool RegisterNotifier(IDmaUnmapListener listener)
    {
        lock (_lock)
        {
            if (FailNextNotifierRegistration) { FailNextNotifierRegistration = false; return false; }
            if (!_notifiers.Contains(listener)) _notifiers.Add(listener);
            return true;
        }
    }

    public void UnregisterNotifier(IDmaUnmapListener listener)
    {
        lock (_lock) _notifiers.Remove(listener);
    }

    public int Notifiers { get { lock (_lock) return _notifiers.Count; } }

    /// <summary>VFIO_IOMMU_MAP_DMA of a guest range (IOVA = guest absolute).</summary>
    public void DmaMap(ulong iova, ulong length, HostContext ctx)
    {
        lock (_lock) _mapped.Add((iova, length));
        ctx.Emit(VfioTrace.DmaMap, (iova, length));
    }

    /// <summary>
    /// VFIO_IOMMU_UNMAP_DMA: the notifiers run first (they must unpin what lies in the range), then the
    /// range is no longer mapped. Pins left in the range are reported (the kernel would WARN).
    /// </summary>
    public void DmaUnmap(ulong iova, ulong length, HostContext ctx)
    {
        ctx.Emit(VfioTrace.DmaUnmap, (iova, length));
        IDmaUnmapListener[] listeners;
        lock (_lock) listeners = _notifiers.ToArray();
        foreach (var l in listeners) l.DmaUnmap(iova, length, ctx);
        lock (_lock)
        {
            ulong end = iova + length;
            var next = new List<(ulong, ulong)>();
            foreach (var (a, s) in _mapped)
            {
                ulong e = a + s;
                if (e <= iova || a >= end) { next.Add((a, s)); continue; }
                if (a < iova) next.Add((a, iova - a));
                if (e > end) next.Add((end, e - end));
            }
            _mapped.Clear();
            _mapped.AddRange(next);
        }
        int left;
        lock (_lock) left = _pins.Keys.Count(g => (g << 12) + 4096 > iova && (g << 12) < iova + length);
        if (left > 0) ctx.Emit(VfioTrace.DmaUnmapPinned, left);
    }
}
