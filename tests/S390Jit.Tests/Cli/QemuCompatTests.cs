using System.Text.Json;
using S390Jit.Tests.Guests;

namespace S390Jit.Tests.Cli;

/// <summary>
/// What scripts and test runners written for qemu-system-s390x pass (issue 10 item 7): accepted spellings,
/// refused ones by name, no POSIX bundling, "did you mean", no .NET type names, -smp/-cpu forms, bad files.
/// </summary>
public class QemuCompatTests
{
    private static readonly string Hello = Repo.Path("guests", "hello.elf");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = S390Jit.Cli.Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Exit 2 and exactly one line on stderr, without a .NET type name or stack trace.</summary>
    private static string Refused(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.That(code, Is.EqualTo(2), err);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Not.Contain("System.").And.Not.Contain("Exception").And.Not.Contain("   at ").And.Not.Contain("overflow"));
        return lines[0];
    }

    [Test]
    public void Spellings_scripts_use_are_accepted_and_ignored()
    {
        var (code, _, err) = Run("-nodefaults", "-nographic", "-display", "none", "-serial", "mon:stdio", "-no-reboot", "-no-shutdown",
            "-no-user-config", "-name", "guest=vm1,debug-threads=on", "-accel", "tcg", "-enable-kvm", "-machine", "accel=kvm:tcg", "-action", "panic=exit-failure,watchdog=inject-nmi",
            "-device", "diag288,id=watchdog0", "-uuid", "12345678-1234-1234-1234-123456789abc", "-watchdog-action", "none", "-smp", "1,maxcpus=4", "--kernel", Hello, "-m", "64");
        Assert.That((code, err), Is.EqualTo((0, "")));
    }

    [TestCase("-monitor", "stdio", "-monitor is not supported by S390Jit: it has no monitor")] // not "-m onitor"
    [TestCase("-mon", "chardev=c", "-mon is not supported by S390Jit: it has no monitor")]   // not "-m on"
    [TestCase("-gdb", "tcp::nope", "-gdb tcp::nope: expected tcp::PORT or tcp:HOST:PORT")]
    [TestCase("-S", null, "-S needs a gdb stub to continue from (add -s or -gdb tcp::PORT)")]
    [TestCase("-drive", "file=disk.img", "-drive is not supported by S390Jit yet")]
    [TestCase("-display", "gtk", "-display gtk is not supported: S390Jit has no display (use -display none or -nographic)")]
    [TestCase("-serial", "tcp::4444", "-serial tcp::4444 is not supported: the console is stdio (use -serial stdio, mon:stdio or none)")]
    [TestCase("-accel", "hvf", "-accel hvf is not supported: guests run under S390Jit's modelled KVM (use -accel kvm, -accel tcg or leave it out)")]
    [TestCase("-action", "watchdog=explode", "-action watchdog=explode: watchdog=explode: expected reset, shutdown, poweroff, inject-nmi, pause, debug or none")]
    [TestCase("-device", "qemu-s390x-cpu,core-id=1", "-device qemu-s390x-cpu,core-id=1: core-id 1 must be below maxcpus (1); give -smp N,maxcpus=M")]
    [TestCase("-device", "qemu-s390x-cpu", "-device qemu-s390x-cpu: core-id= is required (the CPU address)")]
    [TestCase("-device", "virtio-net-ccw,devno=0.0.0001", "-device virtio-net-ccw,devno=0.0.0001: virtual devices must use cssid fe")]
    [TestCase("-device", "virtio-net-ccw,devno=fe.4.0001", "-device virtio-net-ccw,devno=fe.4.0001: devno must be fe.S.DDDD (hexadecimal, S 0-3), e.g. fe.0.0001")]
    [TestCase("-uuid", "nope", "-uuid nope: not a UUID (expected e.g. 12345678-1234-1234-1234-123456789abc)")]
    public void Qemu_options_S390Jit_does_not_support_are_refused_by_name(string option, string? value, string message)
    {
        string[] args = value == null ? [option, "-kernel", Hello] : [option, value, "-kernel", Hello];
        Assert.That(Refused(args), Is.EqualTo($"s390jit: error: {message}"));
    }

    [Test]
    public void Virtio_net_ccw_devices_are_accepted_and_a_device_number_only_once()
    {
        var (code, _, err) = Run("-nodefaults", "-device", "virtio-net-ccw", "-device", "virtio-net-ccw,devno=fe.0.0001,id=net1", "-kernel", Hello, "-m", "64");
        Assert.That((code, err), Is.EqualTo((0, "")));
        Assert.That(Refused("-device", "virtio-net-ccw,devno=fe.0.0002", "-device", "virtio-net-ccw,devno=fe.0.0002", "-kernel", Hello),
            Is.EqualTo("s390jit: error: -device virtio-net-ccw,devno=fe.0.0002: device number fe.0.0002 is already in use"));
        Assert.That(Refused("-device", "virtio-net-ccw", "-device", "virtio-net-ccw,devno=fe.0.0000", "-kernel", Hello),
            Is.EqualTo("s390jit: error: virtio-ccw device: device number fe.0.0000 is already in use"));
    }

    [Test]
    public void An_option_without_its_value_is_named() =>
        Assert.That(Refused("-kernel", Hello, "-append", "x", "-append"), Is.EqualTo("s390jit: error: option '-append' needs a value (see 's390jit --help')"));

    [TestCase("-kernal", "-kernel")]
    [TestCase("--max-cycle", "--max-cycles")]
    [TestCase("--stat", "--stats")]
    [TestCase("-nographics", "-nographic")]
    public void Near_misses_get_a_did_you_mean(string typo, string meant) =>
        Assert.That(Refused(typo, Hello), Does.Contain($"unknown option '{typo}' (did you mean '{meant}'?)"));

    [TestCase("--max-cycles", "-1", "--max-cycles -1: expected a positive number of cycles")]
    [TestCase("--max-cycles", "12x", "--max-cycles 12x: expected a positive number of cycles")]
    [TestCase("--cpu-mhz", "0", "--cpu-mhz 0: expected a positive number of MHz")]
    [TestCase("-m", "99999999999T", "memory size '99999999999T' is too large (at most 64G)")]
    [TestCase("-m", "128M,maxmem=1G", "-m 128M,maxmem=1G: memory hotplug (slots, maxmem) is not supported")]
    [TestCase("-smp", "3,maxcpus=2", "-smp 3,maxcpus=2: maxcpus (2) must be equal to or greater than the number of CPUs (3)")]
    [TestCase("-smp", "2,foo=1", "-smp 2,foo=1: unknown parameter 'foo' (cpus, maxcpus, drawers, books, sockets, cores, threads)")]
    public void Bad_values_are_plain_sentences(string option, string value, string message) =>
        Assert.That(Refused("run", Hello, option, value), Is.EqualTo($"s390jit: error: {message}"));

    [TestCase(new[] { "-smp", "2", "-smp", "1" }, 1)]            // given twice: the last wins, as in QEMU
    [TestCase(new[] { "-smp", "cpus=2,maxcpus=8" }, 2)]
    [TestCase(new[] { "-smp", "sockets=1,cores=3,threads=1" }, 3)] // no count: the topology's product
    public void Smp_forms(string[] smp, int cpus)
    {
        var (code, _, err) = Run(["run", Hello, "--stats", .. smp]);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain($"stats: cpu {cpus - 1}: instructions").And.Not.Contain($"stats: cpu {cpus}:"));
    }

    [Test]
    public void Cpu_devices_add_stopped_cpus_with_the_given_addresses()
    {
        // kvm-unit-tests' firq: -smp 1,maxcpus=3 and two CPU devices, in non-linear order
        var (code, _, err) = Run("run", Hello, "--stats", "-smp", "1,maxcpus=3", "-cpu", "qemu", "-device", "qemu-s390x-cpu,core-id=2", "-device", "host-s390x-cpu,core-id=1,id=c1");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("stats: cpu 2: instructions 0").And.Contain("stats: cpu 1: instructions 0"));
        Assert.That(Refused("run", Hello, "-smp", "2,maxcpus=3", "-device", "qemu-s390x-cpu,core-id=1"), Does.EndWith("core-id 1 is already in use"));
        Assert.That(Refused("run", Hello, "-smp", "1,maxcpus=3", "-device", "qemu-s390x-cpu,core-id=2,socket-id=0"), Does.EndWith("unsupported property 'socket-id' (core-id, id)"));
    }

    [Test]
    public void Cpu_features_use_QEMU_names_and_only_implemented_ones_can_be_switched_on()
    {
        Assert.That(Run("-cpu", "max,vx=off,eimm=on,ldisp=on", "-kernel", Hello).Code, Is.EqualTo(0));
        Assert.That(Run("-cpu", "max,vx=on,vxeh=on,vxeh2=on", "-kernel", Hello).Code, Is.EqualTo(0));
        Assert.That(Run("-cpu", "max,dfp=on,dfphp=on,dfpzc=on,dfppc=on", "-kernel", Hello).Code, Is.EqualTo(0));
        Assert.That(Run("-cpu", "z16,dfpzc=off,dfppc=off,dfphp=off", "-kernel", Hello).Code, Is.EqualTo(0));
        Assert.That(Refused("-cpu", "max,vxpd=on", "-kernel", Hello), Is.EqualTo("s390jit: error: CPU feature 'vxpd' (facility 134) is not implemented by S390Jit"));
        Assert.That(Refused("-cpu", "host,gs=on", "-kernel", Hello), Does.Contain("CPU feature 'gs' (facility 133) is not implemented"));
        Assert.That(Refused("-cpu", "host,cmma=on", "-kernel", Hello), Is.EqualTo("s390jit: error: CPU feature 'cmma' is not modelled by S390Jit"));
        Assert.That(Refused("-cpu", "host,eimx=on", "-kernel", Hello), Is.EqualTo("s390jit: error: unknown CPU feature 'eimx' (did you mean 'eimm'?)"));
    }

    [Test]
    public void Switching_a_facility_off_takes_it_from_the_guest()
    {
        // the hello guest uses extended-immediate instructions: without facility 21 they are operation exceptions
        var (code, _, err) = Run("-cpu", "max,eimm=off", "-kernel", Hello, "--max-cycles", "300000", "--stats");
        Assert.That(code, Is.Not.EqualTo(0), err);
        Assert.That(err, Does.Match(@"program [1-9]"));
    }

    [Test]
    public void Version_first_line_is_what_QEMU_version_parsers_read_and_says_what_it_is()
    {
        foreach (var spelling in new[] { "-version", "--version" })
        {
            var (code, o, _) = Run(spelling);
            Assert.That(code, Is.EqualTo(0));
            Assert.That(o.Split('\n')[0], Does.Match(@"^s390jit version \d+\.\d+\.\d+ \(S390Jit: an IBM Z \(s390x\) system emulator"));
        }
    }

    [Test]
    public void Help_names_the_program_first_and_says_it_takes_qemu_options()
    {
        foreach (var spelling in new[] { "-h", "-help", "--help" })
        {
            var (code, o, _) = Run(spelling);
            Assert.That(code, Is.EqualTo(0));
            Assert.That(o.Split('\n')[0], Does.StartWith("s390jit "));
            Assert.That(o, Does.Contain("qemu-system-s390x's options").And.Contain("-display").And.Contain("--stats"));
        }
    }

    [Test]
    public void Kernel_and_initrd_that_are_not_regular_files_or_too_large_are_refused_before_reading()
    {
        Assert.That(Refused("-kernel", "/dev/zero"), Is.EqualTo("s390jit: could not load kernel '/dev/zero': is not a regular file (a character device)"));
        string dir = Path.GetTempPath().TrimEnd('/');
        Assert.That(Refused("-kernel", dir), Is.EqualTo($"s390jit: could not load kernel '{dir}': is a directory"));
        Assert.That(Refused("-kernel", Hello, "-initrd", "/dev/zero"), Is.EqualTo("s390jit: could not load initrd '/dev/zero': is not a regular file (a character device)"));
        string big = Path.Combine(Path.GetTempPath(), $"s390jit-big-{Guid.NewGuid():N}");
        try
        {
            using (var f = File.Create(big)) f.SetLength(200L << 20); // sparse: nothing is read
            Assert.That(Refused("-kernel", big, "-m", "128"), Is.EqualTo($"s390jit: could not load kernel '{big}': is larger than guest memory (200 MiB > 128 MiB)"));
            Assert.That(Refused("-kernel", Hello, "-initrd", big, "-m", "128"), Is.EqualTo($"s390jit: could not load initrd '{big}': is larger than guest memory (200 MiB > 128 MiB)"));
        }
        finally { File.Delete(big); }
    }

    [Test]
    public void Fifo_kernel_is_refused_without_waiting_for_a_writer()
    {
        string fifo = Path.Combine(Path.GetTempPath(), $"s390jit-fifo-{Guid.NewGuid():N}");
        if (mkfifo(fifo, 0x180) != 0) Assert.Ignore("mkfifo failed on this system");
        try { Assert.That(Refused("-kernel", fifo), Is.EqualTo($"s390jit: could not load kernel '{fifo}': is not a regular file (a FIFO)")); }
        finally { File.Delete(fifo); }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [Test]
    public void Memory_beyond_what_the_host_can_allocate_is_one_line()
    {
        // 64 GiB is more than this workplace's machines can calloc; a bigger host may run the guest instead
        var (code, _, err) = Run("-kernel", Hello, "-m", "64G");
        if (code == 0) Assert.Pass("this host gives 64 GiB");
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err.Trim(), Is.EqualTo("s390jit: error: cannot allocate 64 GiB of guest memory: more than this host can give (-m)"));
    }

    [Test]
    public void Stats_json_is_one_object_for_scripts()
    {
        var (code, _, err) = Run("run", Hello, "--stats=json");
        Assert.That(code, Is.EqualTo(0), err);
        using var doc = JsonDocument.Parse(err);
        var r = doc.RootElement;
        Assert.That((r.GetProperty("end").GetString(), r.GetProperty("exit_code").GetInt32()), Is.EqualTo(("Stopped", 0)));
        Assert.That(r.GetProperty("instructions").GetUInt64(), Is.GreaterThan(1000UL));
        Assert.That(r.GetProperty("cpus")[0].GetProperty("intercepts").GetProperty("0x04 SERVC").GetUInt64(), Is.GreaterThan(0UL));
        Assert.That(r.GetProperty("leaks").GetProperty("pinned_pages").GetInt32(), Is.EqualTo(0));
    }
}
