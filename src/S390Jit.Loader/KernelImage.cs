namespace S390Jit.Loader;

/// <summary>
/// What <c>-kernel</c> boots, recognised by content as qemu-system-s390x does: an s390x ELF executable
/// (<see cref="ElfImage"/>) or the raw s390 Linux boot image distributions ship as vmlinuz
/// (<see cref="S390BootImage"/>). Anything else is refused with one line.
/// </summary>
public abstract class KernelImage
{
    /// <summary>"ELF" or "s390 Linux boot image", for messages.</summary>
    public abstract string Format { get; }

    /// <summary>Where the image says execution starts (the ELF entry point; 0x10000 for a boot image).</summary>
    public abstract ulong Entry { get; }

    /// <summary>What is copied to guest absolute storage; non-overlapping, in file order.</summary>
    public abstract IReadOnlyList<LoadSegment> Segments { get; }

    /// <summary>Symbols for the disassembler and profiles; empty for a boot image.</summary>
    public virtual SymbolTable Symbols => SymbolTable.Empty;

    /// <summary>End (exclusive) of the highest non-empty segment: where the loaded kernel ends.</summary>
    public ulong End
    {
        get
        {
            ulong end = 0;
            foreach (var s in Segments) if (s.MemSize != 0 && s.PhysEnd > end) end = s.PhysEnd;
            return end;
        }
    }

    /// <summary>True when [address, address + length) lies inside one loaded segment (QEMU's rom_ptr test).</summary>
    public bool Covers(ulong address, ulong length) =>
        Segments.Any(s => address >= s.PhysAddr && length <= s.MemSize && address - s.PhysAddr <= s.MemSize - length);

    /// <summary>Throws if any non-empty segment does not fit in guest memory of <paramref name="memorySize"/> bytes.</summary>
    public void CheckFits(ulong memorySize)
    {
        foreach (var s in Segments)
            if (s.MemSize != 0 && s.PhysEnd > memorySize)
                throw new ImageFormatException($"segment {s.Index} {Range(s.PhysAddr, s.PhysEnd)} lies beyond guest memory ({FormatSize(memorySize)})");
    }

    /// <summary>
    /// Reads a kernel file (refusing anything that is not a regular file, or is larger than
    /// <paramref name="memorySize"/>, before reading it), recognises its format and checks it fits.
    /// </summary>
    public static KernelImage Load(string path, ulong memorySize = ulong.MaxValue)
    {
        var image = Parse(ImageFile.Read(path, memorySize));
        image.CheckFits(memorySize);
        return image;
    }

    /// <summary>Recognises an in-memory kernel file by content. The segments' data alias <paramref name="file"/>.</summary>
    public static KernelImage Parse(ReadOnlyMemory<byte> file)
    {
        if (file.IsEmpty) throw new ImageFormatException("empty file");
        if (ElfImage.HasMagic(file.Span)) return ElfImage.Parse(file);
        if (S390BootImage.HasMagic(file.Span)) return new S390BootImage(file);
        throw new ImageFormatException(
            $"neither an ELF file nor an s390 Linux boot image (no ELF magic, no \"{S390BootImage.Magic}\" at 0x{S390BootImage.MagicAddress:x})");
    }

    internal static string Range(ulong start, ulong end) => $"[0x{start:x}-0x{end:x})";

    /// <summary>"2 GiB", "128 MiB" or "0x20800 bytes".</summary>
    public static string FormatSize(ulong bytes) =>
        bytes != 0 && bytes % (1 << 30) == 0 ? $"{bytes >> 30} GiB" : bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : $"0x{bytes:x} bytes";
}
