using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Loader;

/// <summary>
/// A piece of a kernel image the machine copies to guest absolute storage at <see cref="PhysAddr"/>:
/// <see cref="Data"/>, then zeros up to <see cref="MemSize"/>. For an ELF file, a PT_LOAD program header
/// (<see cref="Index"/> is its program header index, as in <c>readelf -l</c>).
/// </summary>
public sealed record LoadSegment(int Index, ulong PhysAddr, ulong VirtAddr, ulong FileOffset, ulong FileSize,
    ulong MemSize, uint Flags)
{
    /// <summary>The <see cref="FileSize"/> bytes of file data (empty when FileSize is 0).</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    public bool Executable => (Flags & PF_X) != 0;
    public bool Writable => (Flags & PF_W) != 0;

    /// <summary>Exclusive physical end address (validated not to wrap).</summary>
    public ulong PhysEnd => PhysAddr + MemSize;

    public override string ToString() => $"segment {Index} {KernelImage.Range(PhysAddr, PhysEnd)}";
}

/// <summary>A section header; <see cref="Index"/> is its position in the section header table.</summary>
public sealed record ElfSection(string Name, uint Type, ulong Flags, ulong Addr, ulong Size)
{
    public int Index { get; init; }

    /// <summary>The section's file bytes; empty for SHT_NOBITS (e.g. .bss) and SHT_NULL.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    public bool Executable => (Flags & SHF_EXECINSTR) != 0;
    public bool Allocated => (Flags & SHF_ALLOC) != 0;
}

/// <summary>An ELF symbol (st_info split into <see cref="Type"/> and <see cref="Bind"/>).</summary>
public sealed record ElfSymbol(string Name, ulong Value, ulong Size, byte Type, byte Bind, ushort SectionIndex)
{
    public bool IsDefined => SectionIndex != SHN_UNDEF;
}
