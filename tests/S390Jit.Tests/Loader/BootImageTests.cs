using System.Buffers.Binary;
using System.Text;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Loader;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;

namespace S390Jit.Tests.Loader;

/// <summary>
/// -kernel with the raw s390 Linux boot image (recognised by "S390EP" at 0x10008), built here: loaded at
/// absolute 0, started at 0x10000 in 64-bit mode, -append in the parameter area, -initrd where QEMU puts it.
/// </summary>
public class BootImageTests
{
    /// <summary>
    /// A boot image as arch/s390/boot lays it out: "j 0x10020" at 0x10000, the magic at 0x10008, code at
    /// 0x10020 (SIGP STOP), the parameter area with a built-in command line and <paramref name="maxCommandLine"/>
    /// at 0x10430; <paramref name="size"/> bytes in all.
    /// </summary>
    internal static byte[] Image(int size = 0x11000, ulong maxCommandLine = 0x1000)
    {
        var image = new byte[size];
        for (int i = 0; i < 0x200; i++) image[i] = (byte)(i * 7); // something recognisable in the lowcore
        Assembler.Encode("BRC", m1: 15, ri2: 0x10).CopyTo(image, 0x10000);
        "S390EP"u8.CopyTo(image.AsSpan(0x10008));
        new TestGuest().Stop().CodeBytes().CopyTo(image, 0x10020);
        BinaryPrimitives.WriteUInt64BigEndian(image.AsSpan(0x10430), maxCommandLine);
        "root=/dev/ram0 ro"u8.CopyTo(image.AsSpan(0x10480));
        return image;
    }

    private static string Temp(byte[] content)
    {
        string p = Path.Combine(Path.GetTempPath(), $"s390jit-boot-{Guid.NewGuid():N}");
        File.WriteAllBytes(p, content);
        return p;
    }

    private static Machine Boot(byte[] image, string? append = null, string? initrd = null, ulong memory = 128UL << 20)
    {
        var m = new Machine(new MachineOptions { Console = new MemoryStream(), Append = append, InitrdPath = initrd, MemoryBytes = memory, Engine = "interp" });
        m.LoadKernel(KernelImage.Parse(image));
        return m;
    }

    private static ulong U64(Machine m, ulong a) => BinaryPrimitives.ReadUInt64BigEndian(m.Kvm.Memory.Span(a, 8));
    private static string CString(Machine m, ulong a) => Encoding.UTF8.GetString(m.Kvm.Memory.Span(a, 4096)).Split('\0')[0];

    [Test]
    public void Boot_image_is_recognised_by_content_loaded_at_0_and_started_at_0x10000_in_64_bit_mode()
    {
        var image = Image();
        var k = KernelImage.Parse(image);
        Assert.That((k.Format, k.Entry, k.End, k.Symbols.Count), Is.EqualTo(("s390 Linux boot image", 0x10000UL, 0x11000UL, 0)));
        using var m = Boot(image);
        image[0x10480] = 0; // the command line QEMU writes
        Assert.That(m.Kvm.Memory.Span(0, image.Length).ToArray(), Is.EqualTo(image));
        Assert.That((m.Boot.Cpu.FullPswMask, m.Boot.Cpu.PswAddr), Is.EqualTo((Psw.EA | Psw.BA, 0x10000UL)));
        Assert.That(CString(m, 0x10480), Is.Empty, "no -append: an empty command line, as QEMU writes");
        var r = m.Run();
        Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), "j 0x10020; lghi; sigp stop");
    }

    [Test]
    public void Append_goes_to_0x10480_up_to_the_size_the_kernel_gives_at_0x10430()
    {
        using (var m = Boot(Image(), append: "console=ttysclp0 quiet"))
            Assert.That(CString(m, 0x10480), Is.EqualTo("console=ttysclp0 quiet"));
        using (var m = Boot(Image(), append: new string('x', 4095)))
            Assert.That(CString(m, 0x10480), Has.Length.EqualTo(4095));
        Assert.That(Assert.Throws<ArgumentException>(() => Boot(Image(), append: new string('x', 4096)))!.Message,
            Is.EqualTo("kernel command line exceeds maximum size: 4097 > 4096"));
        Assert.That(Assert.Throws<ArgumentException>(() => Boot(Image(maxCommandLine: 0), append: new string('x', 896)))!.Message,
            Is.EqualTo("kernel command line exceeds maximum size: 897 > 896"), "0 at 0x10430: the legacy 896 bytes");
    }

    [TestCase(0x11000, 0x800000UL)]   // small kernel: INITRD_START
    [TestCase(0x700000, 0x800000UL)]  // ends exactly 1 MiB below it
    [TestCase(0x700001, 0x900000UL)]  // moved up in 1 MiB steps until 1 MiB above the kernel
    [TestCase(0x900000, 0xA00000UL)]
    public void Initrd_goes_to_0x800000_or_1_MiB_above_a_larger_kernel_and_its_place_into_0x10408(int kernelSize, ulong expected)
    {
        var initrd = Enumerable.Range(0, 5000).Select(i => (byte)(i * 13)).ToArray();
        string path = Temp(initrd);
        try
        {
            using var m = Boot(Image(kernelSize), initrd: path);
            Assert.That((U64(m, 0x10408), U64(m, 0x10410)), Is.EqualTo((expected, 5000UL)));
            Assert.That(m.Kvm.Memory.Span(expected, initrd.Length).ToArray(), Is.EqualTo(initrd));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Initrd_that_does_not_fit_above_the_kernel_is_refused_in_QEMU_wording()
    {
        string path = Temp(new byte[0x300000]);
        try
        {
            var e = Assert.Throws<ArgumentException>(() => Boot(Image(0x900000), initrd: path, memory: 12UL << 20));
            Assert.That(e!.Message, Is.EqualTo($"could not load initrd '{path}': 3145728 bytes at 0xa00000 (1 MiB above the kernel) do not fit in guest memory (12 MiB)"));
            e = Assert.Throws<ArgumentException>(() => Boot(Image(), initrd: path, memory: 2UL << 20));
            Assert.That(e!.Message, Is.EqualTo($"could not load initrd '{path}': is larger than guest memory (3 MiB > 2 MiB)"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Boot_image_larger_than_guest_memory_is_refused()
    {
        string path = Temp(Image(0x300000));
        try
        {
            Assert.That(Assert.Throws<ImageFormatException>(() => KernelImage.Load(path, 2UL << 20))!.Message,
                Is.EqualTo("is larger than guest memory (3 MiB > 2 MiB)"));
            Assert.That(KernelImage.Load(path, 3UL << 20).Format, Is.EqualTo("s390 Linux boot image"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Elf_guests_keep_their_boot_protocol()
    {
        var elf = new TestGuest().Stop();
        using var m = new Machine(new MachineOptions { Console = new MemoryStream(), Append = "a=1" });
        m.LoadKernel(elf.Image());
        Assert.That((m.Boot.Cpu.PswAddr, CString(m, 0x10480)), Is.EqualTo((0x10000UL, "a=1")));
        Assert.That(m.Run().End, Is.EqualTo(RunEnd.Stopped));
    }
}
