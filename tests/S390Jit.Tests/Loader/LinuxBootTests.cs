using System.Text;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Tests.Loader;

/// <summary>
/// Issue 12 item 5: Debian 12's kernel (linux-image-6.1.0-NN-s390x) with an initramfs of busybox-static,
/// both fetched with apt at test time, boots to a busybox shell; commands typed into the console (the SCLP
/// ASCII console's input, a line at each of the guest's waits) run, and poweroff -f ends the run with exit 0.
/// Both engines give the same console output and cycle count. A boot is about 3 G guest instructions: the
/// default suite boots once under the JIT; the test that boots under both engines and compares is Explicit.
/// </summary>
public class LinuxBootTests
{
    public const string Commands = "uname -a\nmount -t proc proc /proc\ncat /proc/cpuinfo\nls /\ndmesg | tail\npoweroff -f\n";

    /// <summary>The kernel and an initrd whose /init installs busybox's applets and runs its shell on the console.</summary>
    public static (string Kernel, byte[] Initrd) Fetch()
    {
        string? kernel = DebianPackages.DebianKernel(out string reason);
        if (kernel == null) Assert.Ignore($"Debian's s390x kernel package cannot be fetched: {reason}");
        string? busybox = DebianPackages.BusyboxStatic(out reason);
        if (busybox == null) Assert.Ignore($"Debian's s390x busybox-static cannot be fetched: {reason}");
        var ir = new Initramfs();
        ir.AddFile("bin/busybox", File.ReadAllBytes(busybox!), 0x1ED);
        ir.AddFile("init", "#!/bin/busybox sh\n/bin/busybox --install -s /bin\nexport PATH=/bin\necho 'init: busybox shell'\nexec /bin/sh\n"u8.ToArray(), 0x1ED);
        ir.AddDirectory("proc");
        ir.AddDirectory("sys");
        ir.AddDirectory("tmp");
        return (kernel!, ir.ToGzip());
    }

    public sealed record Boot(RunEnd End, int ExitCode, ulong Instructions, ulong Cycles, string Console);

    public static Boot Run(string kernel, byte[] initrd, string engine, string input)
    {
        string initrdPath = Path.Combine(Path.GetTempPath(), $"s390jit-initrd-{Guid.NewGuid():N}.gz");
        File.WriteAllBytes(initrdPath, initrd);
        try
        {
            var console = new MemoryStream();
            var opt = new MachineOptions
            {
                Console = console, MemoryBytes = 512UL << 20, Append = "console=ttysclp0", Engine = engine, InitrdPath = initrdPath,
                ConsoleInput = ConsoleInput.FromText(input), MaxCycles = 40_000_000_000_000,
            };
            using var m = new Machine(opt);
            m.LoadKernel(KernelImage.Load(kernel, opt.MemoryBytes));
            var r = m.Run();
            return new Boot(r.End, r.ExitCode, m.Boot.Cpu.Instructions, m.Boot.Cpu.Cycles, Encoding.UTF8.GetString(console.ToArray()));
        }
        finally { File.Delete(initrdPath); }
    }

    private static void AssertShellSession(Boot b)
    {
        var c = b.Console;
        Assert.That((b.End, b.ExitCode), Is.EqualTo((RunEnd.Stopped, 0)), c[^Math.Min(2000, c.Length)..]);
        Assert.That(c, Does.Contain("Run /init as init process"));
        Assert.That(c, Does.Contain("init: busybox shell"));
        Assert.That(c, Does.Match(@"uname -a\r?\nLinux \(none\) 6\.1\.0-\d+-s390x #1 SMP Debian 6\.1\.\S+ \S+ s390x GNU/Linux"), "uname -a");
        Assert.That(c, Does.Contain("vendor_id       : IBM/S390"), "/proc/cpuinfo (procfs mounted)");
        Assert.That(c, Does.Match(@"bin\s+dev\s+init\s+proc\s+root\s+sys\s+tmp"), "ls /");
        Assert.That(c.LastIndexOf("Run /init as init process", StringComparison.Ordinal), Is.GreaterThan(c.IndexOf("dmesg | tail", StringComparison.Ordinal)), "dmesg | tail");
        Assert.That(c, Does.Match(@"poweroff -f\r?\n$"), "the shell echoed poweroff -f and the machine stopped");
    }

    /// <summary>The default suite's boot: the JIT only (about 3 G guest instructions, under a minute).</summary>
    [Test]
    public void Debian_kernel_boots_to_the_busybox_shell_runs_commands_from_the_console_and_powers_off()
    {
        var (kernel, initrd) = Fetch();
        var jit = Run(kernel, initrd, "jit", Commands);
        TestContext.Out.WriteLine($"jit: {jit.End} exit {jit.ExitCode}, {jit.Instructions} instructions, {jit.Cycles} cycles");
        TestContext.Out.WriteLine(jit.Console);
        AssertShellSession(jit);
    }

    [Test, Explicit("boots Linux under both engines, about 3 G guest instructions each; the interpreter takes minutes")]
    public void Debian_kernel_boots_to_the_busybox_shell_runs_commands_from_the_console_and_powers_off_under_both_engines()
    {
        var (kernel, initrd) = Fetch();
        var interp = Run(kernel, initrd, "interp", Commands);
        TestContext.Out.WriteLine($"interp: {interp.End} exit {interp.ExitCode}, {interp.Instructions} instructions, {interp.Cycles} cycles");
        TestContext.Out.WriteLine(interp.Console);
        AssertShellSession(interp);
        var jit = Run(kernel, initrd, "jit", Commands);
        TestContext.Out.WriteLine($"jit: {jit.End} exit {jit.ExitCode}, {jit.Instructions} instructions, {jit.Cycles} cycles");
        Assert.That(jit, Is.EqualTo(interp), "interpreter and JIT: same console output, instructions and cycles");
    }
}
