using System.Text;
using System.Text.RegularExpressions;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Tests.Loader;

/// <summary>
/// Issue 13 items 1, 2 and 6: Debian's unmodified kernel with two passed-through AP queues (05.0004, 05.0005 on
/// a CEX7 accelerator). Its built-in AP bus finds them (QCI, TAPQ), zcrypt.ko and zcrypt_cex4.ko from the same
/// kernel package (insmod from the initramfs) bind the cex4 card and queue drivers, enable interrupts with
/// PQAP(AQIC) (intercepted: KVM's handle_pqap, vfio_ap pins the NIB and registers the ISC), and
/// guests/linux/zcrypt-test.elf (a static Linux program) issues ICARSAMODEXPO and ICARSACRT on /dev/z90crypt for
/// 1024-, 2048- and 4096-bit keys with known vectors: every reply arrives as an adapter interruption through
/// the GISA (the AP Bus line of /proc/interrupts counts them). About 3 G guest instructions per boot: the
/// default suite boots once under the JIT; the comparison of both engines is Explicit.
/// </summary>
public class LinuxZcryptTests
{
    public const string Init =
        "#!/bin/busybox sh\n/bin/busybox --install -s /bin\nexport PATH=/bin\n" +
        "mount -t proc proc /proc\nmount -t sysfs sysfs /sys\nmount -t devtmpfs dev /dev\n" +
        "insmod /zcrypt.ko && insmod /zcrypt_cex4.ko && echo 'init: zcrypt and zcrypt_cex4 loaded'\n" +
        "/zcrypt-test 20\necho \"init: zcrypt-test exit $?\"\npoweroff -f\n";

    public static (string Kernel, byte[] Initrd) Fetch(string init = Init)
    {
        string? kernel = DebianPackages.DebianKernel(out string reason);
        if (kernel == null) Assert.Ignore($"Debian's s390x kernel package cannot be fetched: {reason}");
        string? busybox = DebianPackages.BusyboxStatic(out reason);
        if (busybox == null) Assert.Ignore($"Debian's s390x busybox-static cannot be fetched: {reason}");
        // the modules of the same package: <root>/lib/modules/<version>/kernel/drivers/s390/crypto
        string version = Path.GetFileName(kernel!)["vmlinuz-".Length..];
        string crypto = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(kernel!))!, "lib", "modules", version, "kernel", "drivers", "s390", "crypto");
        if (!File.Exists(Path.Combine(crypto, "zcrypt.ko"))) Assert.Ignore($"the kernel package has no {crypto}/zcrypt.ko");
        var ir = new Initramfs();
        ir.AddFile("bin/busybox", File.ReadAllBytes(busybox!), 0x1ED);
        ir.AddFile("init", Encoding.ASCII.GetBytes(init), 0x1ED);
        ir.AddFile("zcrypt.ko", File.ReadAllBytes(Path.Combine(crypto, "zcrypt.ko")), 0x1A4);
        ir.AddFile("zcrypt_cex4.ko", File.ReadAllBytes(Path.Combine(crypto, "zcrypt_cex4.ko")), 0x1A4);
        ir.AddFile("zcrypt-test", File.ReadAllBytes(Repo.Path("guests", "linux", "zcrypt-test.elf")), 0x1ED);
        foreach (var d in new[] { "proc", "sys", "dev", "tmp" }) ir.AddDirectory(d);
        return (kernel!, ir.ToGzip());
    }

    public sealed record Boot(RunEnd End, int ExitCode, ulong Instructions, ulong Cycles, string Console, string Stats, HostLeakReport Leaks)
    {
        /// <summary>The --trace host lines (when the run asked for them).</summary>
        public IReadOnlyList<string> Trace { get; init; } = [];
    }

    /// <summary>
    /// One boot. <paramref name="configure"/> changes the options (AP features, host, events);
    /// <paramref name="onLine"/> sees every console line as the guest writes it (on the vcpu's thread, in
    /// the SCLP write, so the machine's counters are exact there); <paramref name="trace"/> records --trace host.
    /// </summary>
    public static Boot Run(string kernel, byte[] initrd, string engine, Action<MachineOptions, ApOptions>? configure = null,
        Action<Machine, string>? onLine = null, bool trace = false)
    {
        string initrdPath = Path.Combine(Path.GetTempPath(), $"s390jit-initrd-{Guid.NewGuid():N}.gz");
        File.WriteAllBytes(initrdPath, initrd);
        try
        {
            var console = new LineConsole();
            var lines = new List<string>();
            var ap = new ApOptions();
            ap.Queues.AddRange([0x0504, 0x0505]);
            var opt = new MachineOptions
            {
                Console = console, MemoryBytes = 512UL << 20, Append = "console=ttysclp0", Engine = engine, InitrdPath = initrdPath,
                ConsoleInput = ConsoleInput.FromText(""), MaxCycles = 40_000_000_000_000, Ap = ap,
            };
            if (trace) opt.HostTrace = l => { lock (lines) lines.Add(l); };
            configure?.Invoke(opt, ap);
            using var m = new Machine(opt);
            // S390JIT_CONSOLE_LOG=FILE: the console lines as they come (to follow a long boot)
            var log = Environment.GetEnvironmentVariable("S390JIT_CONSOLE_LOG") is { Length: > 0 } path ? new StreamWriter(path, append: true) { AutoFlush = true } : null;
            using var logDisposer = log;
            console.OnLine = l => { log?.WriteLine($"[{m.Boot.Cpu.Cycles,14}] {l}"); onLine?.Invoke(m, l); };
            m.LoadKernel(KernelImage.Load(kernel, opt.MemoryBytes));
            var r = m.Run();
            string stats = m.Statistics(r);
            return new Boot(r.End, r.ExitCode, m.Boot.Cpu.Instructions, m.Boot.Cpu.Cycles, console.Text, stats, m.Teardown()) { Trace = lines };
        }
        finally { File.Delete(initrdPath); }
    }

    /// <summary>The console: keeps the text and hands each complete line (without its line end) to <see cref="OnLine"/>.</summary>
    public sealed class LineConsole : Stream
    {
        private readonly MemoryStream _all = new();
        private readonly List<byte> _line = new();
        public Action<string>? OnLine { get; set; }
        public string Text => Encoding.UTF8.GetString(_all.ToArray());
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _all.Write(buffer);
            foreach (byte b in buffer)
            {
                if (b != (byte)'\n') { if (b != (byte)'\r') _line.Add(b); continue; }
                string l = Encoding.UTF8.GetString(_line.ToArray());
                _line.Clear();
                OnLine?.Invoke(l);
            }
        }
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _all.Length;
        public override long Position { get => _all.Length; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private static void AssertZcryptSession(Boot b)
    {
        var c = b.Console.Replace("\r\n", "\n", StringComparison.Ordinal); // the tty's line ends
        Assert.That((b.End, b.ExitCode), Is.EqualTo((RunEnd.Stopped, 0)), c[^Math.Min(3000, c.Length)..]);
        Assert.That(c, Does.Contain("init: zcrypt and zcrypt_cex4 loaded"), c);
        Assert.That(c, Does.Contain("--- AP state before\nap_interrupts: 1\n"), "the AP bus runs with interrupts (facility 65, AIV)");
        foreach (var q in new[] { "05.0004", "05.0005" })
        {
            Assert.That(c, Does.Contain($"{q} online: 1\n{q} interrupt: Interrupts enabled.\n"), $"{q} bound to cex4queue, AQIC enabled");
            Assert.That(c, Does.Match($@"AP state after\n(.*\n)*{Regex.Escape(q)} request_count: 63\n"), $"{q}: 63 requests");
        }
        Assert.That(c, Does.Contain("card05 type: CEX7A\ncard05 hwtype: 13\ncard05 online: 1\n"));
        foreach (var bits in new[] { 1024, 2048, 4096 })
            foreach (var op in new[] { "ICARSAMODEXPO", "ICARSACRT" })
            {
                Assert.That(c, Does.Contain($"{op} {bits}-bit: ok ("), $"{op} {bits}-bit result");
                Assert.That(c, Does.Match($@"{op} {bits}-bit: 20 requests, 0 wrong, \d+ requests/s of guest time"), $"{op} {bits}-bit timed requests");
            }
        Assert.That(c, Does.Match(@"before\n(.*\n)*/proc/interrupts: APB:\s+0\s+\[AIO\] AP Bus\n"), "no AP interruption before the requests");
        Assert.That(c, Does.Match(@"after\n(.*\n)*/proc/interrupts: APB:\s+126\s+\[AIO\] AP Bus\n"), "one adapter interruption per reply");
        Assert.That(c, Does.Contain("zcrypt-test: PASS\ninit: zcrypt-test exit 0\n"));
        var s = b.Stats;
        Assert.That(s, Does.Match(@"stats: host vfio_ap_irq_enable\s+2 "), "one AQIC enable per queue through vfio_ap");
        Assert.That(s, Does.Match(@"stats: host vfio_pin_page\s+2 "));
        Assert.That(s, Does.Match(@"stats: host kvm_s390_gisc_register\s+2 "));
        Assert.That(s, Does.Match(@"stats: host ap_nib_store\s+126 "), "a NIB store per reply");
        Assert.That(s, Does.Match(@"stats: host kvm_s390_gisa_ipm_set\s+126 "));
        Assert.That(s, Does.Match(@"stats: ap instructions     tapq \d+, rapq 2, zapq 0, aqic 2, qci 2, qact 0, nqap 126, dqap \d+, intercepted pqap 2\n"), "the two AQICs were intercepted");
        Assert.That(Counter(s, "kvm_s390_deliver_io_adapter") + Counter(s, "sie_deliver_io_adapter"), Is.EqualTo(126),
            "every reply's adapter interruption delivered: by KVM after a GIB alert (vcpu waiting) or by SIE from the GISA (vcpu running)");
        Assert.That(b.Leaks, Is.EqualTo(new HostLeakReport(0, 0, 0, 0)), "host leak check after poweroff and teardown");
    }

    private static int Counter(string stats, string name) =>
        Regex.Match(stats, $@"stats: host {name}\s+(\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    [Test]
    public void Debian_kernel_zcrypt_drives_passed_through_AP_queues_with_AQIC_interrupts()
    {
        var (kernel, initrd) = Fetch();
        var jit = Run(kernel, initrd, "jit", trace: true);
        TestContext.Out.WriteLine($"jit: {jit.End} exit {jit.ExitCode}, {jit.Instructions} instructions, {jit.Cycles} cycles");
        TestContext.Out.WriteLine(jit.Console);
        TestContext.Out.WriteLine(jit.Stats);
        AssertZcryptSession(jit);
        AssertHostTimeline(jit.Trace);
    }

    /// <summary>
    /// The --trace host timeline, per queue: the intercepted enable (kvm_s390_handle_pqap, vfio_ap_handle_pqap,
    /// vfio_pin_page, kvm_s390_gisc_register, ap_aqic), then for each of its 63 replies ap_reply_available,
    /// ap_nib_store, kvm_s390_gisa_ipm_set and the adapter interruption's delivery (by KVM after the GIB
    /// alert while the vcpu waits, or by the SIE from the GISA) before the guest dequeues it.
    /// </summary>
    public static void AssertHostTimeline(IReadOnlyList<string> trace)
    {
        static string Name(string l) => Regex.Match(l, @"^\[\s*\d+\] ([a-z0-9_]+)").Groups[1].Value;
        foreach (var q in new[] { "05.0004", "05.0005" })
        {
            string[] enable =
            [
                $"kvm_s390_handle_pqap: vcpu 0: fc 3 apqn {q}", $"vfio_ap_handle_pqap: vcpu 0: apqn {q} enable isc 6",
                "vfio_pin_page: gfn", "kvm_s390_gisc_register: gisc 6", $"ap_aqic: queue {q} enable:",
            ];
            int at = trace.ToList().FindIndex(l => l.Contains(enable[0], StringComparison.Ordinal));
            Assert.That(at, Is.GreaterThanOrEqualTo(0), $"{q}: intercepted AQIC");
            foreach (var step in enable.Skip(1))
            {
                int next = trace.ToList().FindIndex(at + 1, l => l.Contains(step, StringComparison.Ordinal));
                Assert.That(next, Is.GreaterThan(at), $"{q}: '{step}' follows");
                Assert.That(trace.Skip(at + 1).Take(next - at - 1).Any(l => Name(l) == "kvm_s390_handle_pqap"), Is.False, $"{q}: within the same PQAP intercept");
                at = next;
            }
            int replies = 0;
            for (int i = 0; i < trace.Count; i++)
            {
                if (!trace[i].Contains($"ap_reply_available: queue {q}:", StringComparison.Ordinal)) continue;
                var after = trace.Skip(i + 1).TakeWhile(l => !l.Contains($"ap_dqap: vcpu 0: queue {q}", StringComparison.Ordinal)).Select(Name).ToList();
                int nib = after.IndexOf("ap_nib_store"), ipm = after.IndexOf("kvm_s390_gisa_ipm_set");
                int delivery = after.FindIndex(n => n is "kvm_s390_deliver_io_adapter" or "sie_deliver_io_adapter");
                Assert.That(nib == 0 && ipm == 1 && delivery > ipm, Is.True, $"{q} reply {replies}: ap_nib_store -> IPM -> delivery, got {string.Join(" ", after)}");
                replies++;
            }
            Assert.That(replies, Is.EqualTo(63), $"{q}: every reply notified");
        }
    }

    [Test, Explicit("boots Linux under both engines, about 3 G guest instructions each; the interpreter takes minutes")]
    public void Debian_kernel_zcrypt_drives_passed_through_AP_queues_with_AQIC_interrupts_under_both_engines()
    {
        var (kernel, initrd) = Fetch();
        var interp = Run(kernel, initrd, "interp");
        TestContext.Out.WriteLine($"interp: {interp.End} exit {interp.ExitCode}, {interp.Instructions} instructions, {interp.Cycles} cycles");
        TestContext.Out.WriteLine(interp.Console);
        AssertZcryptSession(interp);
        var jit = Run(kernel, initrd, "jit");
        TestContext.Out.WriteLine($"jit: {jit.End} exit {jit.ExitCode}, {jit.Instructions} instructions, {jit.Cycles} cycles");
        Assert.That((jit.End, jit.ExitCode, jit.Instructions, jit.Cycles, jit.Console), Is.EqualTo((interp.End, interp.ExitCode, interp.Instructions, interp.Cycles, interp.Console)),
            "interpreter and JIT: same console output, instructions and cycles");
    }
}
