using System.Text;
using S390Jit.Architecture.State;
using S390Jit.Host.Crypto;
using S390Jit.Hardware.Sie;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;
using static S390Jit.Tests.Hardware.ApHarness;
using S390Jit.Hardware.Ap;
using S390Jit.Tests.Hardware;

namespace S390Jit.Tests.Host;

/// <summary>
/// AP through the whole machine: SIE, KVM, the VMM (QEMU's role) with its vfio-ap device: APIE off,
/// a host without AP, AQIC, the facilities the CPU model offers, a full probe, and several VMs on one
/// host AP bus (isolation), statistics.
/// </summary>
public class ApMachineTests
{
    private static ApOptions Ap(params ushort[] queues)
    {
        var o = new ApOptions();
        o.Queues.AddRange(queues);
        return o;
    }

    private static Machine Boot(TestGuest g, ApOptions? ap, Action<Machine>? before = null)
    {
        var m = new Machine(new MachineOptions { Console = new MemoryStream(), MaxCycles = 2_000_000_000, Ap = ap });
        m.LoadKernel(g.Image());
        before?.Invoke(m);
        return m;
    }

    private static ushort Lowcore16(Machine m, int off) => (ushort)(m.Kvm.Memory.Span((ulong)off, 2)[0] << 8 | m.Kvm.Memory.Span((ulong)off, 2)[1]);

    private static TestGuest Insn(byte b0, byte b1, byte b2, byte b3, ushort apqn = 0x0504) =>
        new TestGuest().Load64(0, apqn).Load64(2, 0x3000).Load64(3, 0).Load64(4, 0x3000).Load64(5, 0).Bytes(b0, b1, b2, b3).Stop();

    [TestCase(0xAF, 0x00, "PQAP")]
    [TestCase(0xAD, 0x42, "NQAP")]
    [TestCase(0xAE, 0x64, "DQAP")]
    public void With_ap_off_every_ap_instruction_intercepts_and_ends_in_an_operation_exception(int op2, int regs, string name)
    {
        var ap = Ap(0x0504);
        ap.CpuAp = false;
        using var m = Boot(Insn(0xB2, (byte)op2, 0x00, (byte)regs), ap);
        var r = m.Run();
        Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait), r.Message);
        Assert.That(Lowcore16(m, Lowcore.PgmCode), Is.EqualTo(PgmCode.Operation));
        Assert.That(m.Boot.InterceptCounts.Keys, Does.Contain($"0x04 {name}"), "ICPT 0x04 with IPA B2xx");
        Assert.That(m.Events[VmmTrace.HandleInstruction], Is.GreaterThanOrEqualTo(1UL), "passed to user space");
        Assert.That(m.Kvm.Crypto.Apie, Is.False);
        Assert.That(m.Boot.SieBlock.ExecutionControlA & StateDescription.EcaApie, Is.Zero);
    }

    [TestCase(0xAD, 0x42)]
    [TestCase(0xAE, 0x64)]
    public void A_host_without_ap_gives_an_operation_exception(int op2, int regs)
    {
        using var m = Boot(Insn(0xB2, (byte)op2, 0x00, (byte)regs), ap: null);
        m.Run();
        Assert.That((m.Boot.Cpu.PswAddr, Lowcore16(m, Lowcore.PgmCode)), Is.EqualTo((TestGuest.ProgramCheckWait, PgmCode.Operation)));
        Assert.That((m.Kvm.Crypto.HostAp, m.Boot.Cpu.Ap), Is.EqualTo((false, (IApFacility?)null)));
    }

    [Test]
    public void Aqic_always_intercepts_and_reaches_the_vfio_ap_hook()
    {
        var ap = Ap(0x0504);
        var g = new TestGuest().Load64(0, 0x0300_0504).Load64(1, 0x0000_8000_0000_0006).Load64(2, 0x3000).Bytes(0xB2, 0xAF, 0, 0).Asm("IPM", r1: 9).Stop();
        using var m = Boot(g, ap);
        var r = m.Run();
        Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
        Assert.That(m.Boot.InterceptCounts.Keys, Does.Contain("0x04 PQAP"));
        Assert.That(m.Kvm.Crypto.PqapHook, Is.SameAs(m.VfioAp!.Mdev));
        Assert.That(m.Boot.Cpu.G[1], Is.EqualTo((ulong)(ApStatus.Empty | ApStatus.IrqEnabled)), "GR1 = 0x00000000_<host status>");
        Assert.That((m.Boot.Cpu.G[9] >> 28) & 3, Is.Zero, "cc 0");
        Assert.That(m.Kvm.Iommu.PinCount(0x3), Is.EqualTo(1));
        Assert.That(m.Teardown().Clean, Is.True);
    }

    [Test]
    public void Interpreted_instructions_never_leave_sie()
    {
        var g = new TestGuest().Load64(0, 0x0504).Bytes(0xB2, 0xAF, 0, 0).Asm("IPM", r1: 9).Stop();
        using var m = Boot(g, Ap(0x0504));
        var r = m.Run();
        Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
        Assert.That(m.Boot.InterceptCounts.Keys.Where(k => k.Contains("PQAP")), Is.Empty);
        Assert.That((m.Boot.Cpu.G[9] >> 28) & 3, Is.Zero, "cc 0");
        Assert.That((uint)m.Boot.Cpu.G[1], Is.EqualTo(ApStatus.Empty));
    }

    [TestCase("default", true, true, true, true)]
    [TestCase("apqi=off", true, true, false, true)]
    [TestCase("ap=off", false, false, false, true)]
    [TestCase("apqci=off,apft=off,msa3=off", false, false, true, false)]
    [TestCase("no AP", false, false, false, false)]
    public void The_cpu_model_offers_facilities_12_15_65_by_configuration(string config, bool f12, bool f15, bool f65, bool f76)
    {
        ApOptions? ap = config == "no AP" ? null : Ap(0x0504);
        if (config == "apqi=off") ap!.Apqi = false;
        if (config == "ap=off") ap!.CpuAp = false;
        if (config.StartsWith("apqci", StringComparison.Ordinal)) { ap!.Apqci = false; ap.Apft = false; ap.Msa3 = false; }
        var g = new TestGuest().Load64(0, 3).Asm("STFLE", b2: 0, d2: 0x300).Stop();
        using var m = Boot(g, ap);
        m.Run();
        bool Bit(int n) => (m.Kvm.Memory.Span(0x300 + (ulong)(n / 8), 1)[0] & (0x80 >> (n % 8))) != 0;
        Assert.That((Bit(12), Bit(15), Bit(65), Bit(76)), Is.EqualTo((f12, f15, f65, f76)));
        Assert.That(m.Kvm.Model.Ap, Is.EqualTo(ap?.CpuAp ?? false));
    }

    /// <summary>TAPQ of every APQN 0x0000-0xFFFF; the APQNs with cc 0 are stored from 0x20000, their count in GR8.</summary>
    private static TestGuest FullProbe()
    {
        var g = new TestGuest()
            .Load64(5, 0)          // apqn
            .Load64(8, 0)          // count
            .Load64(7, 0x20000);   // table
        ulong loop = g.Here;
        g.Asm("LGR", r1: 0, r2: 5)
         .Bytes(0xB2, 0xAF, 0, 0)
         .Asm("BRC", m1: 7, ri2: (4 + 4 + 4 + 4) / 2)      // cc != 0: skip the store
         .Asm("STH", r1: 5, b2: 7, d2: 0)
         .Asm("LA", r1: 7, b2: 7, d2: 2)
         .Asm("AGHI", r1: 8, i2: 1)
         .Asm("AGHI", r1: 5, i2: 1)
         .Asm("CFI", r1: 5, i2: 0x10000);
        g.Asm("BRC", m1: 4, ri2: -(long)(g.Here - loop) / 2);
        return g.Stop();
    }

    private static List<ushort> Found(Machine m)
    {
        int n = (int)m.Boot.Cpu.G[8];
        var t = m.Kvm.Memory.Span(0x20000, 2 * n).ToArray();
        return Enumerable.Range(0, n).Select(i => (ushort)(t[2 * i] << 8 | t[2 * i + 1])).ToList();
    }

    [Test]
    public void A_guest_probing_every_apqn_finds_exactly_its_own_queues()
    {
        using var m = Boot(FullProbe(), Ap(0x0504, 0x0605));
        var r = m.Run();
        Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
        Assert.That(Found(m), Is.EqualTo(new ushort[] { 0x0504, 0x0505, 0x0604, 0x0605 }), "APM x AQM, as vfio_ap assigns");
        Assert.That(m.Hardware.ApFirmware!.Stats.Tapq, Is.EqualTo(65536UL));
    }

    [Test]
    public void Two_vms_on_one_host_bus_see_only_their_matrix_and_cannot_take_each_others_replies()
    {
        var bus = new ApBus(SharedConfiguration(ApDeviceType.Cex8));
        var apA = Ap(0x0504); apA.HostBus = bus;
        var apB = Ap(0x0505, 0x0605); apB.HostBus = bus;

        // VM A enqueues a request on 05.0004 and stops without dequeuing it
        var ga = new TestGuest().Load64(0, 0x0504 | 0x4000_0000).Load64(2, 0x3000).Load64(3, 400).Load64(4, 0xA).Load64(5, 0xB)
            .Bytes(0xB2, 0xAD, 0x00, 0x42).Asm("IPM", r1: 9).Stop();
        using var a = Boot(ga, apA, m => MeEncrypt(Key(1024)).CopyTo(m.Kvm.Memory.Span(0x3000, 400)));
        Assert.That(a.Run().End, Is.EqualTo(RunEnd.Stopped));
        Assert.That((a.Boot.Cpu.G[9] >> 28) & 3, Is.Zero);

        // VM B probes everything, then tries TAPQ and DQAP on A's queue long after the reply is ready
        var gb = FullProbe();
        using var b = Boot(gb, apB);
        Assert.That(b.Run().End, Is.EqualTo(RunEnd.Stopped));
        Assert.That(Found(b), Is.EqualTo(new ushort[] { 0x0505, 0x0605 }));
        var cpuB = b.Boot.Cpu;
        cpuB.Cycles += 1_000_000_000;
        var fwB = b.Hardware.ApFirmware!;
        var t = new ApTransfer { Gr0 = 0x0504 | 0x8000_0000, Address = 0x4000, Length = 4096 };
        Assert.That(fwB.Dequeue(cpuB, ref t), Is.EqualTo(3));
        Assert.That(t.Status, Is.EqualTo(ApStatus.Make(ApStatus.QueueNotAvailable)));
        Assert.That(fwB.TestQueue(cpuB, 0x0504, out _), Is.EqualTo(ApStatus.Make(ApStatus.QueueNotAvailable)));
        Assert.That(fwB.ResetQueue(cpuB, 0x0504, zeroize: true), Is.EqualTo(ApStatus.Make(ApStatus.QueueNotAvailable)));
        Assert.That(bus.Hardware.Queue(0x0504)!.Count, Is.EqualTo(1), "A's reply is untouched");

        // a third VM cannot get A's queue
        var apC = Ap(0x0504); apC.HostBus = bus;
        var e = Assert.Throws<ArgumentException>(() => new Machine(new MachineOptions { Console = new MemoryStream(), Ap = apC }))!;
        Assert.That(e.Message, Does.StartWith("vfio-ap: queue 05.0004 is already assigned to mdev"));

        // A dequeues its own reply
        var cpuA = a.Boot.Cpu;
        cpuA.Cycles += 1_000_000_000;
        t = new ApTransfer { Gr0 = 0x0504 | 0x8000_0000, Address = 0x4000, Length = 4096 };
        Assert.That(a.Hardware.ApFirmware!.Dequeue(cpuA, ref t), Is.Zero);
        Assert.That((t.Psmid, a.Kvm.Memory.Span(0x4000 + 16, 128).ToArray()), Is.EqualTo((0x0000_000A_0000_000BUL, Hex(Key(1024).C))));

        // once A is gone its queue is free again
        a.Dispose();
        using var c = new Machine(new MachineOptions { Console = new MemoryStream(), Ap = apC });
        Assert.That(c.VfioAp!.Mdev!.Apqns, Is.EqualTo(new ushort[] { 0x0504 }));
    }

    [Test]
    public void A_queue_given_twice_or_missing_on_the_host_is_a_one_line_error()
    {
        var e = Assert.Throws<ArgumentException>(() => new Machine(new MachineOptions { Console = new MemoryStream(), Ap = Ap(0x0504, 0x0504) }))!;
        Assert.That(e.Message, Is.EqualTo("AP queue 05.0004 assigned twice"));
        var shared = new ApBus(DefaultConfiguration());
        var ap = Ap(0x0704); ap.HostBus = shared;
        e = Assert.Throws<ArgumentException>(() => new Machine(new MachineOptions { Console = new MemoryStream(), Ap = ap }))!;
        Assert.That(e.Message, Is.EqualTo("vfio-ap: no AP queue 07.0004 on the host"));
        e = Assert.Throws<ArgumentException>(() => new Machine(new MachineOptions { Console = new MemoryStream(), Ap = Ap(0x0560) }))!;
        Assert.That(e.Message, Is.EqualTo("AP configuration: domain 0x60 exceeds the maximum domain 0x54"));
        Assert.That(shared.VfioAp.Mdevs, Is.Empty, "nothing left behind");
    }

    [Test]
    public void Dispose_releases_the_mdev_and_clears_the_crycb()
    {
        var bus = new ApBus(DefaultConfiguration());
        var ap = Ap(0x0504); ap.HostBus = bus;
        var m = new Machine(new MachineOptions { Console = new MemoryStream(), Ap = ap });
        var kvm = m.Kvm;
        Assert.That(m.Host.Span(kvm.Crypto.Crycb + 0x80, 1)[0], Is.EqualTo(0x04));
        Assert.That(bus.VfioAp.Mdevs, Has.Count.EqualTo(1));
        m.VfioAp!.Dispose();
        Assert.That(m.Host.Span(kvm.Crypto.Crycb + 0x80, 1)[0], Is.Zero);
        Assert.That(bus.VfioAp.Mdevs, Is.Empty);
        m.Dispose();
    }

    [Test]
    public void The_firmware_reports_the_next_reply_cycle()
    {
        using var h = new ApHarness();
        Assert.That(h.Firmware.NextReplyCycle([Q, 0x0505], h.Cpu.Cycles), Is.EqualTo(ulong.MaxValue));
        h.Send(MeEncrypt(Key(1024)));
        h.Send(MeEncrypt(Key(1024)), apqn: 0x0505);
        ulong first = h.Queue().Requests[0].ReplyCycle;
        Assert.That(h.Firmware.NextReplyCycle([Q, 0x0505], h.Cpu.Cycles), Is.EqualTo(first));
        Assert.That(h.Firmware.NextReplyCycle([Q, 0x0505], first), Is.EqualTo(h.Queue(0x0505).Requests[0].ReplyCycle));
    }

    [Test]
    public void Stats_list_the_configuration_the_instructions_and_every_queue_with_requests_and_latency()
    {
        var g = new TestGuest().Load64(0, 0x0504 | 0x4000_0000).Load64(2, 0x3000).Load64(3, 400).Load64(4, 0).Load64(5, 1)
            .Bytes(0xB2, 0xAD, 0x00, 0x42).Stop();
        using var m = Boot(g, Ap(0x0504, 0x0505), mm => MeEncrypt(Key(1024)).CopyTo(mm.Kvm.Memory.Span(0x3000, 400)));
        var r = m.Run();
        var s = m.Statistics(r);
        Assert.That(s, Does.Contain("stats: ap configuration    crycb format 2, apie on, mdev a9a9a9a9-0000-4000-8000-000000000001, queues 05.0004 05.0005"));
        Assert.That(s, Does.Contain("stats: ap instructions     tapq 0, rapq 0, zapq 0, aqic 0, qci 0, qact 0, nqap 1, dqap 0, intercepted pqap 0"));
        Assert.That(s, Does.Contain("stats: ap queue 05.0004    cex7a: requests 1, replies 0, error replies 0, full 0, resets 0 (zeroize 0), latency avg 104000 cycles (20.0 us), max 104000 cycles (20.0 us)"));
        Assert.That(s, Does.Contain("stats: ap queue 05.0005    cex7a: requests 0,"));
    }
}
