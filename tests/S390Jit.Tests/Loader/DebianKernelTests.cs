using System.Text;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Tests.Loader;

/// <summary>
/// Debian 12's s390x kernel package as shipped (vmlinuz-6.1.0-NN-s390x, the raw boot image), fetched with
/// apt at test time: it loads, starts at 0x10000 and runs its first instructions. How far it gets depends on
/// what the CPU offers (see issue 12); this only holds that -kernel takes it.
/// </summary>
public class DebianKernelTests
{
    private static string Kernel()
    {
        string? path = DebianPackages.DebianKernel(out string reason);
        if (path == null) Assert.Ignore($"Debian's s390x kernel package cannot be fetched: {reason}");
        return path!;
    }

    [Test]
    public void Debian_kernel_loads_at_0_starts_at_0x10000_and_runs_its_first_instructions()
    {
        string path = Kernel();
        TestContext.Out.WriteLine($"kernel: {Path.GetFileName(path)}");
        var image = KernelImage.Load(path, 512UL << 20);
        Assert.That((image.Format, image.Entry), Is.EqualTo(("s390 Linux boot image", 0x10000UL)));

        var console = new MemoryStream();
        using var m = new Machine(new MachineOptions { Console = console, MemoryBytes = 512UL << 20, Append = "console=ttysclp0", Engine = "interp", MaxCycles = 2000 });
        m.LoadKernel(image);
        Assert.That((m.Boot.Cpu.FullPswMask, m.Boot.Cpu.PswAddr), Is.EqualTo((Psw.EA | Psw.BA, 0x10000UL)));
        var first = Disassembler.Disassemble(m.Kvm.Memory.Span(0x10000, 6), 0x10000);
        Assert.That($"{first.Mnemonic} {first.Operands}", Is.EqualTo("j 0x10020"), "startup: jump over the S390EP magic");
        Assert.That(Encoding.ASCII.GetString(m.Kvm.Memory.Span(0x10480, 17)), Is.EqualTo("console=ttysclp0\0"));

        var r = m.Run();
        Assert.That(r.End, Is.EqualTo(RunEnd.MaxCycles), r.Message);
        Assert.That(m.Boot.Cpu.Instructions, Is.GreaterThan(10));
        Assert.That(m.Boot.Cpu.PswAddr, Is.GreaterThan(0x10020UL).And.LessThan(0x20000UL), "running the decompressor's start-up code");
    }

    [Test]
    public void Debian_kernel_runs_its_decompressor_start_up_under_both_engines()
    {
        var image = KernelImage.Load(Kernel(), 512UL << 20);
        var runs = new[] { "interp", "jit" }.Select(engine =>
        {
            var console = new MemoryStream();
            using var m = new Machine(new MachineOptions { Console = console, MemoryBytes = 512UL << 20, Append = "console=ttysclp0", Engine = engine, MaxCycles = 5_000_000 });
            m.LoadKernel(image);
            var r = m.Run();
            return (r.End, m.Boot.Cpu.Instructions, m.Boot.Cpu.Cycles, Console: Encoding.ASCII.GetString(console.ToArray()));
        }).ToArray();
        TestContext.Out.WriteLine($"{runs[0].End} after {runs[0].Instructions} instructions: {runs[0].Console}");
        Assert.That(runs[0].Instructions, Is.GreaterThan(1000));
        // today: the decompressor's facility check reports what the CPU model lacks and stops
        Assert.That(runs[0].End == RunEnd.MaxCycles || runs[0].Console.Contains("Missing facilities"), Is.True, runs[0].Console);
        Assert.That(runs[1], Is.EqualTo(runs[0]), "interpreter and JIT agree");
    }
}
