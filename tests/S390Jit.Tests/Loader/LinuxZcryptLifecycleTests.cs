using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using S390Jit.Hardware.Ap;
using S390Jit.Host.Crypto;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Tests.Loader;

/// <summary>
/// Issue 13 items 3-5 on Debian's unmodified kernel (see <see cref="LinuxZcryptTests"/> for the set-up):
/// interrupts versus polling per key size (the guest's counters at the console lines that open and close
/// each timed phase), the queue life cycle under a live Linux (host-side unbind, system reset, DMA unmap of
/// the NIB page and mdev release while requests are in flight; the guest's own online 0/1, reset and
/// driver rebind), isolation against a second VM on the same host AP bus, and the CEX5/6/8 adapter types.
/// Each boots Linux (about 3 G guest instructions): the life cycle runs in the default suite, the rest is
/// Explicit.
/// </summary>
public class LinuxZcryptLifecycleTests
{
    private const string Prologue =
        "#!/bin/busybox sh\n/bin/busybox --install -s /bin\nexport PATH=/bin\n" +
        "mount -t proc proc /proc\nmount -t sysfs sysfs /sys\nmount -t devtmpfs dev /dev\n" +
        "insmod /zcrypt.ko && insmod /zcrypt_cex4.ko && echo 'init: zcrypt and zcrypt_cex4 loaded'\n";

    private const string Q = "/sys/bus/ap/devices/05.0004";

    /// <summary>
    /// Request loops, each disturbed by the host (the test schedules the events at "loop: start"), optionally
    /// with a second zcrypt-test loop in the background, then the guest's own steps.
    /// </summary>
    public static string LifecycleInit(string loops, bool background) => Prologue +
        (background ? "/zcrypt-test loop 100000000 > /dev/null 2>&1 & BG=$!\n" : "") +
        $"for what in {loops}; do echo \"init: loop under $what\"; /zcrypt-test loop 300; echo \"init: loop exit $?\"; done\n" +
        (background ? "kill $BG; wait\n" : "") +
        "echo 0 > " + Q + "/online; echo \"init: 05.0004 online $(cat " + Q + "/online)\"\n" +
        "echo 1 > " + Q + "/online; echo \"init: 05.0004 online $(cat " + Q + "/online), $(cat " + Q + "/interrupt)\"\n" +
        "/zcrypt-test 1 | grep -E '^(ICA.*requests|zcrypt-test)'\n" +
        "echo 1 > " + Q + "/reset; sleep 1; echo \"init: 05.0004 reset: $(cat " + Q + "/interrupt)\"\n" +
        "/zcrypt-test 1 | grep -E '^(ICA.*requests|zcrypt-test)'\n" +
        "echo 05.0004 > /sys/bus/ap/drivers/cex4queue/unbind; echo \"init: 05.0004 unbound: $(ls " + Q + "/ | grep -c online) online attributes\"\n" +
        "echo 05.0004 > /sys/bus/ap/drivers/cex4queue/bind; sleep 1; echo \"init: 05.0004 bound again: $(cat " + Q + "/online), $(cat " + Q + "/interrupt)\"\n" +
        "/zcrypt-test 1 | grep -E '^(ICA.*requests|zcrypt-test|05.0004 request_count)'\n" +
        "cat /proc/interrupts | grep 'AP Bus'\npoweroff -f\n";

    /// <summary>Host events per loop, at cycles after the loop started (a 1024-bit request takes about 120 k cycles).</summary>
    private static readonly Dictionary<string, Func<Machine, ApLifecycleEvent[]>> s_disturbances = new()
    {
        ["unbind"] = _ => [new(10_000_000, "unbind", Apqn: 0x0504), new(20_000_000, "bind", Apqn: 0x0504)],
        ["reset"] = _ => [new(10_000_000, "reset")],
        ["dma-unmap"] = m =>
        {
            ulong page = m.VfioAp!.Bus.VfioAp.QueueRecord(0x0504)!.SavedPfn << 12;
            return [new(10_000_000, "dma-unmap", page, 0x1000), new(20_000_000, "dma-map", page, 0x1000)];
        },
        ["release"] = _ => [new(10_000_000, "release"), new(20_000_000, "open")],
    };

    /// <summary>
    /// Host unbind/bind, system reset, DMA unmap/map of the NIB page and mdev release/open, one per loop:
    /// each loses the request in flight, which zcrypt_cex4's 900 s request timeout recovers.
    /// </summary>
    [Test, Explicit("each lost request waits for zcrypt_cex4's 900 s request timeout: 6700 s of guest time, 18 M enabled waits, 10+ minutes")]
    public void Queue_life_cycle_under_a_live_Linux_guest() => LifeCycle("unbind reset dma-unmap release", background: false);

    /// <summary>
    /// Host unbind/bind of 05.0004 while a second zcrypt-test loop runs in the background: the AP bus's
    /// tasklet polls every queue on each adapter interruption (05.0005's), DQAP finds "no pending reply" on
    /// the emptied queue and Linux sends the lost request again at once instead of after the 900 s timeout;
    /// then the guest's own online 0/1, reset attribute and driver rebind.
    /// </summary>
    [Test]
    public void Queue_unbind_under_a_live_Linux_guest_with_background_requests() => LifeCycle("unbind", background: true);

    private static void LifeCycle(string loops, bool background)
    {
        var names = loops.Split(' ');
        var (kernel, initrd) = LinuxZcryptTests.Fetch(LifecycleInit(loops, background));
        int loop = 0;
        string current = "";
        var scheduled = new List<string>();
        var b = LinuxZcryptTests.Run(kernel, initrd, "jit", onLine: (m, line) =>
        {
            if (line.StartsWith("init: loop under ", StringComparison.Ordinal)) current = line["init: loop under ".Length..];
            if (line != "loop: start, 300 requests") return;
            loop++;
            var (name, events) = (current, s_disturbances[current]);
            ulong now = m.Boot.Cpu.Cycles;
            foreach (var e in events(m))
            {
                var at = e with { Cycle = now + e.Cycle };
                m.Options.ApEvents.Add(at);
                scheduled.Add($"{name}: {at}");
            }
        });
        var c = b.Console.Replace("\r\n", "\n", StringComparison.Ordinal);
        TestContext.Out.WriteLine(string.Join("\n", scheduled));
        TestContext.Out.WriteLine(c);
        TestContext.Out.WriteLine(b.Stats);
        Assert.That((b.End, b.ExitCode), Is.EqualTo((RunEnd.Stopped, 0)), "no guest hang, no host exception: poweroff -f");
        Assert.That(loop, Is.EqualTo(names.Length), "every loop ran");
        foreach (var name in names)
        {
            var m = Regex.Match(c, $@"init: loop under {name}\n(?:.*\n)*?loop: 300 requests, (\d+) ok, 0 wrong, (\d+) failed.*\n(?:.*\n)*?zcrypt-test: PASS\ninit: loop exit 0\n");
            Assert.That(m.Success, Is.True, $"loop under {name}: no wrong result, the last request succeeded");
            if (background)
                Assert.That(double.Parse(Regex.Match(c, $@"init: loop under {name}\n(?:.*\n)*?loop: 300 requests, .* ([\d.]+) s of guest time").Groups[1].Value, CultureInfo.InvariantCulture),
                    Is.LessThan(1.0), $"loop under {name}: the lost request was sent again at once (not after the 900 s timeout)");
        }
        Assert.That(c, Does.Contain("init: 05.0004 online 0\n"));
        Assert.That(c, Does.Match(@"init: 05.0004 online 1, Interrupts enabled\.\n"));
        Assert.That(c, Does.Match(@"init: 05.0004 reset: Interrupts enabled\.\n"), "the reset attribute: RAPQ, then a new AQIC");
        Assert.That(c, Does.Match(@"init: 05.0004 bound again: 1, Interrupts enabled\.\n"), "driver rebind: ZAPQ/RAPQ, then a new AQIC");
        Assert.That(Regex.Matches(c, "zcrypt-test: PASS\n").Count, Is.EqualTo(names.Length + 3), "the loops and three checks after the guest's own steps");
        Assert.That(b.Leaks, Is.EqualTo(new HostLeakReport(0, 0, 0, 0)), "host leak check after poweroff and teardown");
    }
    // ---- interrupts versus polling ---------------------------------------------------------------------

    /// <summary>The machine's counters at one console line.</summary>
    private sealed record Snapshot(ulong Instructions, ulong Cycles, ulong Intercepts, ulong Waits, ulong Io, ulong Nqap, ulong Dqap, ulong Tapq, ulong Gal, ulong SieDeliveries);

    private static Snapshot Take(Machine m)
    {
        var v = m.Boot;
        var fw = m.Kvm.Machine.ApFirmware!.Stats;
        var ev = m.Events.Counters;
        ulong E(string n) => ev.TryGetValue(n, out var x) ? x.Count : 0;
        return new Snapshot(v.Cpu.Instructions, v.Cpu.Cycles, v.InterceptCounts.Values.Aggregate(0UL, (a, n) => a + n),
            v.InterceptCounts.GetValueOrDefault("0x1c wait"), v.Cpu.IoInterruptions, fw.Nqap, fw.Dqap, fw.Tapq, E("gal_interrupt"), E("sie_deliver_io_adapter"));
    }

    public const int TimedRequests = 50;
    public const string PerfInit = Prologue + "/zcrypt-test 50\necho \"init: zcrypt-test exit $?\"\npoweroff -f\n";

    /// <summary>
    /// One row per mode, operation and key size: the guest's requests per second, and per request the
    /// guest instructions, cycles, SIE intercepts (of which waits), I/O interruptions, DQAPs and TAPQs,
    /// counted between the console line before the timed requests and the one after them (each
    /// line is one SCLP write: one SERVC intercept and one service-signal interruption of noise per phase).
    /// </summary>
    private static List<string> Table(string mode, LinuxZcryptTests.Boot b, List<(string Line, Snapshot S)> marks)
    {
        var rows = new List<string>();
        for (int i = 0; i + 1 < marks.Count; i++)
        {
            var open = Regex.Match(marks[i].Line, @"^(ICARSAMODEXPO|ICARSACRT) (\d+)-bit: ok");
            var close = Regex.Match(marks[i + 1].Line, @"^(ICARSAMODEXPO|ICARSACRT) (\d+)-bit: (\d+) requests, 0 wrong, (\d+) requests/s");
            if (!open.Success || !close.Success) continue;
            double n = double.Parse(close.Groups[3].Value, CultureInfo.InvariantCulture);
            var (a, z) = (marks[i].S, marks[i + 1].S);
            string Per(ulong x, ulong y) { double d = (y - x) / n; return d.ToString(d >= 100 ? "F0" : "F2", CultureInfo.InvariantCulture); }
            rows.Add($"| {mode} | {(open.Groups[1].Value == "ICARSACRT" ? "CRT" : "ME")} {open.Groups[2].Value} | {close.Groups[4].Value} | {Per(a.Instructions, z.Instructions)} | {Per(a.Cycles, z.Cycles)} | " +
                $"{Per(a.Intercepts, z.Intercepts)} | {Per(a.Waits, z.Waits)} | {Per(a.Io, z.Io)} | {Per(a.Gal, z.Gal)} | {Per(a.SieDeliveries, z.SieDeliveries)} | {Per(a.Nqap, z.Nqap)} | {Per(a.Dqap, z.Dqap)} | {Per(a.Tapq, z.Tapq)} |");
        }
        return rows;
    }

    [Test, Explicit("boots Linux three times (interrupts, -cpu apqi=off, --host aiv=off); prints the table of perf/issue13-zcrypt.md")]
    public void Interrupts_versus_polling_per_key_size()
    {
        var (kernel, initrd) = LinuxZcryptTests.Fetch(PerfInit);
        var all = new List<string>
        {
            "| mode | request | requests/s of guest time | guest instructions | cycles | SIE intercepts | of which waits | I/O interruptions | GIB alerts | SIE deliveries | NQAP | DQAP | TAPQ |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        };
        foreach (var (mode, configure) in new (string, Action<MachineOptions, ApOptions>?)[]
        {
            ("interrupts", null),
            ("polling, -cpu apqi=off", (_, ap) => ap.Apqi = false),
            ("polling, --host aiv=off", (o, _) => o.HostAiv = false),
        })
        {
            var marks = new List<(string, Snapshot)>();
            var b = LinuxZcryptTests.Run(kernel, initrd, "jit", configure, (m, line) => { if (line.StartsWith("ICARSA", StringComparison.Ordinal)) marks.Add((line, Take(m))); });
            var c = b.Console.Replace("\r\n", "\n", StringComparison.Ordinal);
            Assert.That((b.End, b.ExitCode), Is.EqualTo((RunEnd.Stopped, 0)), c[^Math.Min(3000, c.Length)..]);
            Assert.That(c, Does.Contain("zcrypt-test: PASS\n"));
            Assert.That(c, Does.Contain(mode == "interrupts" ? "ap_interrupts: 1\n" : "ap_interrupts: 0\n"));
            Assert.That(b.Leaks.Clean, Is.True);
            var rows = Table(mode, b, marks);
            Assert.That(rows, Has.Count.EqualTo(6), "six timed phases");
            all.AddRange(rows);
            TestContext.Out.WriteLine($"{mode}: {b.Instructions} instructions, {b.Cycles} cycles");
            TestContext.Out.WriteLine(b.Stats);
        }
        TestContext.Out.WriteLine(string.Join("\n", all));
    }

    // ---- isolation -------------------------------------------------------------------------------------

    [Test, Explicit("boots Linux (about 3 G guest instructions) next to a bare-metal probe VM")]
    public void Linux_vm_and_a_probe_vm_on_one_host_bus_each_see_only_their_queue()
    {
        var (kernel, initrd) = LinuxZcryptTests.Fetch(Prologue + "/zcrypt-test loop 2000\necho \"init: loop exit $?\"\nls -1 /sys/bus/ap/devices/\npoweroff -f\n");
        var hardware = new ApConfiguration();
        hardware.AddUsageDomain(4);
        hardware.AddUsageDomain(5);
        hardware.AddControlDomain(4);
        hardware.AddControlDomain(5);
        hardware.AddAdapter(5, ApDeviceType.Cex7);
        var bus = new ApBus(hardware);
        using var started = new ManualResetEventSlim();
        // the probe VM (guests/ap.elf) owns 05.0005 and, once Linux's requests run, tries the Linux VM's 05.0004
        // (TAPQ, DQAP, RAPQ, NQAP) 2000 times: every one is answered 0x01 from its own CRYCB
        var probe = Task.Run(() =>
        {
            started.Wait(TimeSpan.FromMinutes(30));
            var ap = new ApOptions { HostBus = bus };
            ap.Queues.Add(0x0505);
            var console = new MemoryStream();
            using var m = new Machine(new MachineOptions { Console = console, Append = "apqn=0505 foreign=0x0504 rounds=2000", MaxCycles = 20_000_000_000, Ap = ap });
            m.LoadKernel(ElfImage.Load(Repo.Path("guests", "ap.elf")));
            var r = m.Run();
            return (r, Encoding.ASCII.GetString(console.ToArray()), m.Teardown());
        });
        LinuxZcryptTests.Boot b;
        try
        {
            b = LinuxZcryptTests.Run(kernel, initrd, "jit", (_, ap) => { ap.Queues.Clear(); ap.Queues.Add(0x0504); ap.HostBus = bus; },
                (_, line) => { if (line.StartsWith("loop: start", StringComparison.Ordinal)) started.Set(); });
        }
        finally { started.Set(); }
        var (pr, po, pl) = probe.Result;
        var c = b.Console.Replace("\r\n", "\n", StringComparison.Ordinal);
        TestContext.Out.WriteLine(c);
        TestContext.Out.WriteLine(po);
        Assert.That((b.End, b.ExitCode), Is.EqualTo((RunEnd.Stopped, 0)), c[^Math.Min(3000, c.Length)..]);
        Assert.That(c, Does.Contain("loop: 2000 requests, 2000 ok, 0 wrong, 0 failed"), "the Linux VM got every one of its replies");
        Assert.That(c, Does.Contain("\n05.0004\ncard05\n"), "the Linux VM's AP bus sees exactly its own queue");
        Assert.That(c, Does.Not.Contain("05.0005"));
        Assert.That(pr.End, Is.EqualTo(RunEnd.Stopped), pr.Message);
        Assert.That(po.Split('\n').Where(l => l.StartsWith("FAIL", StringComparison.Ordinal)), Is.Empty, po);
        Assert.That(po, Does.Contain("PASS probe 0000-ffff: found 05.0005\n"), "the probe sees exactly its own queue");
        Assert.That(po, Does.Contain("PASS apqn 05.0004 outside the configuration: rc 0x01\n"), "2000 rounds of TAPQ, DQAP, RAPQ and NQAP on the Linux VM's queue: 0x01");
        var q4 = hardware.Queue(0x0504)!.Stats;
        var q5 = hardware.Queue(0x0505)!.Stats;
        Assert.That((q4.Requests, q4.Replies, q4.ErrorReplies), Is.EqualTo((2000UL, 2000UL, 0UL)), "05.0004: Linux's requests only, every reply dequeued by Linux");
        Assert.That(q5.Requests, Is.EqualTo(q5.Replies), "05.0005: the probe's requests, every reply dequeued by the probe");
        Assert.That(q4.Resets, Is.EqualTo(3UL), "05.0004 was reset by Linux's AP bus at start-up and twice by the host's teardown after poweroff, never by the probe's 2000 RAPQs");
        Assert.That((b.Leaks.Clean, pl.Clean), Is.EqualTo((true, true)));
        Assert.That(bus.VfioAp.Mdevs, Is.Empty, "both released");
    }

    // ---- adapter types ---------------------------------------------------------------------------------

    [TestCase(ApDeviceType.Cex5, "CEX5A", 11)]
    [TestCase(ApDeviceType.Cex6, "CEX6A", 12)]
    [TestCase(ApDeviceType.Cex8, "CEX8A", 14)]
    [Explicit("boots Linux once per type")]
    public void Zcrypt_cex4_binds_other_accelerator_types(ApDeviceType type, string name, int hwtype)
    {
        var (kernel, initrd) = LinuxZcryptTests.Fetch(Prologue + "cat /sys/bus/ap/devices/card05/ap_functions\n/zcrypt-test 2\necho \"init: zcrypt-test exit $?\"\npoweroff -f\n");
        var b = LinuxZcryptTests.Run(kernel, initrd, "jit", (_, ap) => ap.Type = type);
        var c = b.Console.Replace("\r\n", "\n", StringComparison.Ordinal);
        TestContext.Out.WriteLine(c);
        Assert.That((b.End, b.ExitCode), Is.EqualTo((RunEnd.Stopped, 0)), c[^Math.Min(3000, c.Length)..]);
        // TAPQ GR2 bits 0-31: M (4K ME), C (4K CRT), the accelerator mode bit (zcrypt_cex4's card probe tests them) and N (APXA)
        Assert.That(c, Does.Contain("0x6A000000\n"), "ap_functions");
        Assert.That(c, Does.Contain($"card05 type: {name}\ncard05 hwtype: {hwtype}\ncard05 online: 1\n"));
        Assert.That(c, Does.Contain("05.0004 interrupt: Interrupts enabled.\n"));
        Assert.That(c, Does.Contain("ICARSACRT 4096-bit: 2 requests, 0 wrong"), "4096-bit keys (the M and C bits)");
        Assert.That(c, Does.Match(@"after\n(.*\n)*/proc/interrupts: APB:\s+18\s+\[AIO\] AP Bus\n"));
        Assert.That(c, Does.Contain("zcrypt-test: PASS\ninit: zcrypt-test exit 0\n"));
        Assert.That(b.Leaks.Clean, Is.True);
    }
}

