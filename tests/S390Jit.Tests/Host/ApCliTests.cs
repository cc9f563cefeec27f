namespace S390Jit.Tests.Host;

/// <summary>The AP options of s390jit run: --ap, --ap-type, --ap-off, -cpu features, -device vfio-ap; errors are one line, exit 2.</summary>
public class ApCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = S390Jit.Cli.Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string Ap => Repo.Path("guests", "ap.elf");

    private static void AssertError(string[] args, string message)
    {
        var (code, _, err) = Run(args);
        Assert.That(code, Is.EqualTo(2), err);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), err);
        Assert.That(lines[0], Is.EqualTo($"s390jit: error: {message}"));
    }

    [TestCase("5-4", "malformed APQN '5-4' (expected APID.APQI in hex, each 00-ff, e.g. 05.0004)")]
    [TestCase("05.0100", "malformed APQN '05.0100' (expected APID.APQI in hex, each 00-ff, e.g. 05.0004)")]
    [TestCase("zz.0004", "malformed APQN 'zz.0004' (expected APID.APQI in hex, each 00-ff, e.g. 05.0004)")]
    public void A_malformed_apqn_is_an_error(string apqn, string message) => AssertError(["run", Ap, "--ap", apqn], message);

    [Test]
    public void A_queue_assigned_twice_is_an_error()
    {
        AssertError(["run", Ap, "--ap", "05.0004", "--ap", "5.4"], "AP queue 05.0004 assigned twice");
        AssertError(["run", Ap, "--ap", "05.0004,06.0004,05.0004"], "AP queue 05.0004 assigned twice");
    }

    [Test]
    public void Bad_ap_types_cpu_features_and_vfio_ap_devices_are_errors()
    {
        AssertError(["run", Ap, "--ap", "05.0004", "--ap-type", "cex4"], "unsupported AP type 'cex4' (cex5, cex6, cex7, cex8: accelerator mode)");
        AssertError(["run", Ap, "--ap-type", "cex7"], "--ap-type needs --ap queues");
        AssertError(["run", Ap, "-cpu", "host,apsc=on"], "unknown CPU feature 'apsc'");
        AssertError(["run", Ap, "-cpu", "host,ap=off,apqci=on"], "CPU feature apqci requires ap");
        AssertError(["run", Ap, "-cpu", "pentium"], "unsupported CPU model 'pentium' (host, max, qemu, z13-z16)");
        AssertError(["run", Ap, "-device", "vfio-ap"], "-device vfio-ap: missing sysfsdev=");
        AssertError(["run", Ap, "-device", "vfio-ap,sysfsdev=/dev/vfio/7"], "-device vfio-ap,sysfsdev=/dev/vfio/7: sysfsdev must be /sys/devices/vfio_ap/matrix/UUID");
        const string dev = "vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/11111111-2222-4333-8444-555555555555";
        AssertError(["run", Ap, "-device", dev, "-device", dev], "only one vfio-ap device is supported");
    }

    [Test]
    public void A_domain_beyond_the_hosts_maximum_is_an_error()
    {
        AssertError(["run", Ap, "--ap", "05.00ff"], "AP configuration: domain 0xff exceeds the maximum domain 0x54");
    }

    [Test]
    public void The_qemu_spelling_runs_the_ap_guest_and_stats_show_the_queues()
    {
        var (code, _, err) = Run("-nodefaults", "-nographic", "-machine", "s390-ccw-virtio,accel=kvm", "-cpu", "host,ap=on,apqci=on,apft=on",
            "-chardev", "stdio,id=con0", "-device", "sclpconsole,chardev=con0",
            "-device", "vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/11111111-2222-4333-8444-555555555555",
            "--ap", "05.0004", "-kernel", Ap, "-append", "apqn=0504", "--stats");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("stats: ap configuration    crycb format 2, apie on, mdev 11111111-2222-4333-8444-555555555555, queues 05.0004"));
        Assert.That(err, Does.Match(@"stats: ap queue 05\.0004    cex7a: requests 29, replies 29, error replies 6, full 1, resets 2 \(zeroize 1\), latency avg \d+ cycles \(\d+\.\d us\), max 1560000 cycles \(300\.0 us\)"));
        Assert.That(err, Does.Contain("stats: host vfio_ap_mdev_open"));
    }
}
