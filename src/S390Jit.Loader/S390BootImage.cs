namespace S390Jit.Loader;

/// <summary>
/// The raw s390 Linux boot image (arch/s390/boot, Debian's vmlinuz-*-s390x): a memory image loaded at
/// absolute 0, recognised by "S390EP" at 0x10008; execution starts at 0x10000 in 64-bit mode and the
/// parameter area at 0x10400 carries the initrd start/size (0x10408/0x10410), the maximum command-line
/// size (0x10430; 0 means the legacy 896 bytes) and the command line (0x10480).
/// </summary>
public sealed class S390BootImage : KernelImage
{
    public const string Magic = "S390EP";
    public const ulong MagicAddress = 0x10008, StartAddress = 0x10000;

    internal S390BootImage(ReadOnlyMemory<byte> file)
    {
        Segments = [new LoadSegment(0, 0, 0, 0, (ulong)file.Length, (ulong)file.Length, ElfConstants.PF_R | ElfConstants.PF_W | ElfConstants.PF_X) { Data = file }];
    }

    public override string Format => "s390 Linux boot image";
    public override ulong Entry => StartAddress;
    public override IReadOnlyList<LoadSegment> Segments { get; }

    internal static bool HasMagic(ReadOnlySpan<byte> file) =>
        (ulong)file.Length >= MagicAddress + (ulong)Magic.Length
        && file.Slice((int)MagicAddress, Magic.Length).SequenceEqual("S390EP"u8);
}
