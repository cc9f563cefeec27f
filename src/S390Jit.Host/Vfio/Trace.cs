using S390Jit.Hardware.Tracing;

namespace S390Jit.Host.Vfio;

/// <summary>VFIO's trace events: the type1 IOMMU's pins and DMA mappings.</summary>
public static class VfioTrace
{
    /// <summary><c>Result</c>: the host frame, or a negative errno.</summary>
    public static readonly TraceEvent<(ulong Gfn, long Result, int Count)> PinPage = new("vfio_pin_page",
        "vfio_pin_pages for one page", f => f.Result < 0 ? $"gfn 0x{f.Gfn:x}: error {f.Result}" : $"gfn 0x{f.Gfn:x} -> hfn 0x{f.Result:x}, pin count {f.Count}");

    /// <summary><c>Count</c> -1: the page was not pinned.</summary>
    public static readonly TraceEvent<(ulong Gfn, int Count)> UnpinPage = new("vfio_unpin_page",
        "vfio_unpin_pages for one page", f => f.Count < 0 ? $"gfn 0x{f.Gfn:x}: WARNING not pinned" : $"gfn 0x{f.Gfn:x}, pin count {f.Count}");

    public static readonly TraceEvent<(ulong Iova, ulong Length)> DmaMap = new("vfio_dma_map", "VFIO_IOMMU_MAP_DMA", f => $"iova 0x{f.Iova:x} length 0x{f.Length:x}");
    public static readonly TraceEvent<(ulong Iova, ulong Length)> DmaUnmap = new("vfio_dma_unmap", "VFIO_IOMMU_UNMAP_DMA", f => $"iova 0x{f.Iova:x} length 0x{f.Length:x}");

    public static readonly TraceEvent<int> DmaUnmapPinned = new("vfio_dma_unmap_pinned",
        "pages were still pinned in an unmapped range (the kernel would WARN)", n => $"WARNING {n} page(s) still pinned in the unmapped range");
}
