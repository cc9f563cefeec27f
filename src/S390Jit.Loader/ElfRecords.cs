using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Loader;

/// <summary>
/// A PT_LOAD program header. <see cref="Index"/> is the program header index (as in <c>readelf -l</c>).
/// The machine copies <see cref="Data"/> to guest absolute storage at <see cref="PhysAddr"/> and
/// zero-fills the remaining <c>MemSize - FileSize</c> bytes.
/// </summary>
public sealed record ElfSegment(int Index, ulong PhysAddr, ulong VirtAddr, ulong FileOffset, ulong FileSize,
    ulong MemSize, uint Flags, ulong Align)
{
    /// <summary>The <see cref="FileSize"/> bytes of file data (empty when FileSize is 0).</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    public bool Executable => (Flags & PF_X) != 0;
    public bool Writable => (Flags & PF_W) != 0;
    public bool Readable => (Flags & PF_R) != 0;

    /// <summary>Exclusive physical end address (validated not to wrap).</summary>
    public ulong PhysEnd => PhysAddr + MemSize;

    public override string ToString() =>
        $"segment {Index} [0x{PhysAddr:x}-0x{PhysEnd:x}) file 0x{FileOffset:x}+0x{FileSize:x} {(Readable ? 'r' : '-')}{(Writable ? 'w' : '-')}{(Executable ? 'x' : '-')}";
}

/// <summary>A section header; <see cref="Index"/> is its position in the section header table.</summary>
public sealed record ElfSection(string Name, uint Type, ulong Flags, ulong Addr, ulong Offset, ulong Size)
{
    public int Index { get; init; }
    public uint Link { get; init; }
    public uint Info { get; init; }
    public ulong EntrySize { get; init; }

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
