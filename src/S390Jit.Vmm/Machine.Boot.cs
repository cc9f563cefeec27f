using System.Buffers.Binary;
using System.Text;
using S390Jit.Architecture.State;
using S390Jit.Loader;

namespace S390Jit.Vmm;

/// <summary>qemu-system-s390x's -kernel / -initrd / -append (hw/s390x/ipl.c) for ELF files and s390 Linux boot images.</summary>
public sealed partial class Machine
{
    /// <summary>Linux's parameter area (arch/s390 struct parmarea at 0x10400) and QEMU's initrd placement.</summary>
    public const ulong KernelImageStart = 0x10000, InitrdStartAddress = 0x10408, InitrdSizeAddress = 0x10410,
        MaxCommandLineSizeAddress = 0x10430, CommandLineAddress = 0x10480, InitrdLoadAddress = 0x80_0000, InitrdAlign = 0x10_0000;

    /// <summary>The command-line size of kernels whose parameter area gives none (COMMAND_LINE before Linux 5.3).</summary>
    public const int LegacyCommandLineSize = 896;

    /// <summary>
    /// Loads the kernel and starts CPU 0 in 64-bit mode (DAT off, interruptions disabled) as QEMU does: the
    /// segments go to their physical addresses (a boot image to absolute 0); a kernel entered at 0x10000 (or
    /// 0x800, old ELF kernels) starts at 0x10000 and gets the command line at 0x10480; any other ELF starts at
    /// its entry point. The initrd goes to 0x800000, moved up in 1 MiB steps until it lies at least 1 MiB above
    /// the kernel's end, and its start and size go to 0x10408/0x10410. Problems are one-line
    /// <see cref="ArgumentException"/>s in QEMU's wording.
    /// </summary>
    public void LoadKernel(KernelImage image)
    {
        image.CheckFits(Kvm.Memory.Size);
        foreach (var seg in image.Segments)
        {
            var dst = Kvm.Memory.Span(seg.PhysAddr, checked((int)seg.MemSize));
            dst.Clear();
            seg.Data.Span.CopyTo(dst);
        }
        Kernel = image;
        if (Profiler != null || Log != null)
        {
            var symbols = _opt.Symbols ?? image.Symbols; // the lookup is built only when something uses it
            if (Profiler != null) Profiler.Symbols = symbols;
            if (Log != null) Log.Symbols = symbols;
        }
        ulong start = image.Entry;
        if (start is KernelImageStart or 0x800)
        {
            start = KernelImageStart;
            WriteCommandLine(image);
        }
        if (_opt.InitrdPath is { } initrd) LoadInitrd(image, initrd);
        Boot.Cpu.LoadPsw(Psw.EA | Psw.BA, start);
        Boot.Stopped = false;
    }

    /// <summary>The -append text, NUL-terminated, where the image has a parameter area (an empty one without -append).</summary>
    private void WriteCommandLine(KernelImage image)
    {
        var text = Encoding.UTF8.GetBytes((_opt.Append ?? "") + "\0");
        if (_opt.Append == null && !image.Covers(CommandLineAddress, (ulong)text.Length)) return;
        ulong max = image.Covers(MaxCommandLineSizeAddress, 8) ? BinaryPrimitives.ReadUInt64BigEndian(Kvm.Memory.Span(MaxCommandLineSizeAddress, 8)) : 0;
        if (max == 0) max = LegacyCommandLineSize;
        if ((ulong)text.Length > max) throw new ArgumentException($"kernel command line exceeds maximum size: {text.Length} > {max}");
        text.CopyTo(Kvm.Memory.Span(CommandLineAddress, text.Length));
    }

    private void LoadInitrd(KernelImage image, string path)
    {
        ulong at = InitrdLoadAddress, memory = Kvm.Memory.Size;
        while (image.End + InitrdAlign > at) at += InitrdAlign;
        byte[] data;
        try { data = ImageFile.Read(path, memory); }
        catch (ImageFormatException e) { throw new ArgumentException($"could not load initrd '{path}': {e.Message}"); }
        if (!Kvm.Memory.Contains(at, (ulong)data.Length))
            throw new ArgumentException($"could not load initrd '{path}': {data.Length} bytes at 0x{at:x} (1 MiB above the kernel) do not fit in guest memory ({KernelImage.FormatSize(memory)})");
        data.CopyTo(Kvm.Memory.Span(at, data.Length));
        Host.WriteU64(Kvm.Memory.HostStart + InitrdStartAddress, at);
        Host.WriteU64(Kvm.Memory.HostStart + InitrdSizeAddress, (ulong)data.Length);
    }
}
