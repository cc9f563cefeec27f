using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Host;
using S390Jit.Host.Crypto;
using S390Jit.Host.Kvm;
using S390Jit.Memory;
using static S390Jit.Tests.Hardware.ApHarness;
using S390Jit.Hardware;
using S390Jit.Hardware.Sie;
using S390Jit.Hardware.Ap;
using S390Jit.Tests.Hardware;

namespace S390Jit.Tests.Host;

/// <summary>
/// vfio_ap's matrix mdev as an API: assign/unassign with the reservation and no-sharing checks,
/// open/release loading and clearing the CRYCB masks (vcpus kicked out of SIE while they change),
/// reset, queue unbind, and the sysfsdev path QEMU's -device vfio-ap names it by.
/// </summary>
public class VfioApTests
{
    private static readonly Guid U1 = Guid.Parse("11111111-2222-4333-8444-555555555555"), U2 = Guid.Parse("66666666-7777-4888-9999-aaaaaaaaaaaa");

    private static ApBus Reserved(params ushort[] apqns)
    {
        var bus = new ApBus(DefaultConfiguration());
        foreach (var q in apqns) bus.Bind(q, bus.VfioAp);
        return bus;
    }

    private static KvmVm NewKvm(HostMemory host, ApBus bus, int vcpus = 1)
    {
        var model = new CpuModel();
        model.Facilities.Add(Fac.Msa3);
        var kvm = new KvmVm(new HostMachine(host, ap: bus.Hardware), 1 << 20, model);
        for (int i = 0; i < vcpus; i++) kvm.CreateVcpu((ushort)i);
        kvm.Crypto.SetApie(true);
        return kvm;
    }

    private static int ErrnoOf(TestDelegate d) => Assert.Throws<ApException>(d)!.Errno;

    [Test]
    public void Assigning_needs_every_queue_bound_to_vfio_ap()
    {
        var bus = Reserved(0x0504);
        var m = bus.VfioAp.CreateMdev(U1);
        m.AssignAdapter(5);
        m.AssignDomain(4);
        var e = Assert.Throws<ApException>(() => m.AssignDomain(5))!;
        Assert.That((e.Errno, e.Message), Is.EqualTo((Errno.EADDRNOTAVAIL, "queue 05.0005 is not bound to vfio_ap")));
        Assert.That(m.Aqm[5], Is.False);
        Assert.That(ErrnoOf(() => m.AssignAdapter(6)), Is.EqualTo(Errno.EADDRNOTAVAIL));
        bus.Bind(0x0505, bus.VfioAp);
        m.AssignDomain(5);
        Assert.That(m.Apqns, Is.EqualTo(new ushort[] { 0x0504, 0x0505 }));
        Assert.That(bus.VfioAp.QueueRecord(0x0505), Is.Not.Null);
        Assert.That(bus.VfioAp.QueueRecord(0x0505)!.SavedIsc, Is.EqualTo(VfioApQueue.IscInvalid));
    }

    [Test]
    public void An_empty_matrix_side_needs_at_least_one_reserved_queue_of_the_adapter_or_domain()
    {
        var bus = Reserved(0x0504);
        var m = bus.VfioAp.CreateMdev(U1);
        Assert.That(ErrnoOf(() => m.AssignAdapter(6)), Is.EqualTo(Errno.EADDRNOTAVAIL), "no queue of adapter 6 is reserved");
        Assert.That(ErrnoOf(() => m.AssignDomain(5)), Is.EqualTo(Errno.EADDRNOTAVAIL));
        m.AssignDomain(4);
        m.AssignAdapter(5);
    }

    [Test]
    public void Limits_are_the_hosts_na_and_nd()
    {
        var bus = Reserved(0x0504);
        var m = bus.VfioAp.CreateMdev(U1);
        Assert.That(ErrnoOf(() => m.AssignAdapter(256)), Is.EqualTo(Errno.ENODEV));
        Assert.That(ErrnoOf(() => m.AssignDomain(0x55)), Is.EqualTo(Errno.ENODEV));
        Assert.That(ErrnoOf(() => m.AssignControlDomain(0x55)), Is.EqualTo(Errno.ENODEV));
        var small = new ApBus(new ApConfiguration(apxa: false));
        Assert.That(ErrnoOf(() => small.VfioAp.CreateMdev(U1).AssignAdapter(0x40)), Is.EqualTo(Errno.ENODEV), "63 without APXA");
    }

    [Test]
    public void A_queue_can_belong_to_one_mdev_only()
    {
        var bus = Reserved(0x0504, 0x0505, 0x0604);
        var a = bus.VfioAp.CreateMdev(U1);
        a.AssignAdapter(5);
        a.AssignDomain(4);
        var b = bus.VfioAp.CreateMdev(U2);
        b.AssignDomain(4);
        var e = Assert.Throws<ApException>(() => b.AssignAdapter(5))!;
        Assert.That((e.Errno, e.Message), Is.EqualTo((Errno.EADDRINUSE, $"queue 05.0004 is already assigned to mdev {U1}")));
        Assert.That(b.Apm[5], Is.False, "rolled back");
        b.AssignAdapter(6);
        a.AssignDomain(5);
        Assert.That(b.Apqns, Is.EqualTo(new ushort[] { 0x0604 }));
        Assert.That(ErrnoOf(() => bus.VfioAp.CreateMdev(U1)), Is.EqualTo(Errno.EEXIST));
    }

    [Test]
    public void Open_loads_the_masks_and_the_hook_release_clears_them_and_resets_the_queues()
    {
        using var host = new HostMemory();
        var bus = Reserved(0x0504, 0x0505);
        var kvm = NewKvm(host, bus);
        var m = bus.VfioAp.CreateMdev(U1);
        m.AssignAdapter(5);
        m.AssignDomain(4);
        m.AssignDomain(5);
        m.AssignControlDomain(4);
        m.Open(kvm);
        Assert.That(kvm.Crypto.PqapHook, Is.SameAs(m));
        Assert.That(host.Span(kvm.Crypto.Crycb + 0x80, 1)[0], Is.EqualTo(0x04), "APM {5}");
        Assert.That(host.Span(kvm.Crypto.Crycb + 0xA0, 1)[0], Is.EqualTo(0x0C), "AQM {4, 5}");
        Assert.That(host.Span(kvm.Crypto.Crycb + 0xC0, 1)[0], Is.EqualTo(0x08), "ADM {4}");
        Assert.That(ErrnoOf(() => m.AssignDomain(4)), Is.EqualTo(Errno.EBUSY), "in use");
        Assert.That(ErrnoOf(() => bus.VfioAp.RemoveMdev(m)), Is.EqualTo(Errno.EBUSY));
        Assert.That(ErrnoOf(() => m.Open(kvm)), Is.EqualTo(Errno.EBUSY));

        // the guest leaves a request on 05.0004; release resets the queue
        var cpu = kvm.Vcpus[0].Cpu;
        cpu.Sie = new SieControls { Eca = StateDescription.EcaApie, Crycbd = kvm.Crypto.Crycbd };
        var t = new ApTransfer { Gr0 = 0x0504 | 0x4000_0000, Address = 0x1000, Length = 400 };
        Type50.ModExpo(E65537, Hex(Key(1024).N), Hex(Key(1024).M)).CopyTo(kvm.Memory.Span(0x1000, 400));
        Assert.That(kvm.Machine.ApFirmware!.Enqueue(cpu, ref t), Is.Zero);

        m.Release();
        Assert.That(kvm.Crypto.PqapHook, Is.Null);
        Assert.That(host.Span(kvm.Crypto.Crycb, 0x100).ToArray().All(b => b == 0), Is.True, "masks cleared");
        Assert.That((bus.Hardware.Queue(0x0504)!.Count, bus.Hardware.Queue(0x0504)!.Stats.Zeroizes), Is.EqualTo((0, 1UL)));
        Assert.That(m.Kvm, Is.Null);
        Assert.That(kvm.Machine.ApFirmware.TestQueue(cpu, 0x0504, out _), Is.EqualTo(ApStatus.Make(ApStatus.QueueNotAvailable)));
        bus.VfioAp.RemoveMdev(m);
        Assert.That(bus.VfioAp.Mdevs, Is.Empty);
    }

    [Test]
    public void Open_refuses_a_second_mdev_for_the_same_kvm_and_a_queue_no_longer_reserved()
    {
        using var host = new HostMemory();
        var bus = Reserved(0x0504, 0x0604);
        var kvm = NewKvm(host, bus);
        var a = bus.VfioAp.CreateMdev(U1);
        a.AssignAdapter(5); a.AssignDomain(4);
        var b = bus.VfioAp.CreateMdev(U2);
        b.AssignAdapter(6); b.AssignDomain(4);
        a.Open(kvm);
        Assert.That(ErrnoOf(() => b.Open(kvm)), Is.EqualTo(Errno.EPERM));
        Assert.That(kvm.Crypto.PqapHook, Is.SameAs(a), "hook unchanged");
        var kvm2 = NewKvm(host, bus);
        bus.Bind(0x0604, bus.DefaultDriver);
        Assert.That(ErrnoOf(() => b.Open(kvm2)), Is.EqualTo(Errno.EADDRNOTAVAIL));
    }

    [Test]
    public void Unbinding_a_queue_from_vfio_ap_resets_it_and_forgets_it()
    {
        var bus = Reserved(0x0504);
        using var h = new ApHarness(bus.Hardware);
        h.Send(MeEncrypt(Key(1024)));
        Assert.That(bus.VfioAp.IsBound(0x0504), Is.True);
        bus.Bind(0x0504, bus.DefaultDriver);
        Assert.That((bus.VfioAp.QueueRecord(0x0504), bus.Hardware.Queue(0x0504)!.Count), Is.EqualTo(((VfioApQueue?)null, 0)));
    }

    [Test]
    public void Device_reset_zeroizes_every_queue_of_the_matrix()
    {
        var bus = Reserved(0x0504, 0x0505);
        var m = bus.VfioAp.CreateMdev(U1);
        m.AssignAdapter(5); m.AssignDomain(4); m.AssignDomain(5);
        using var h = new ApHarness(bus.Hardware);
        h.Send(MeEncrypt(Key(1024)), apqn: 0x0505);
        m.Reset();
        Assert.That((bus.Hardware.Queue(0x0505)!.Count, bus.Hardware.Queue(0x0504)!.Stats.Zeroizes), Is.EqualTo((0, 1UL)));
    }

    [Test]
    public void Changing_the_masks_kicks_a_vcpu_out_of_sie_and_it_sees_the_new_masks()
    {
        using var host = new HostMemory();
        var bus = Reserved(0x0504);
        var kvm = NewKvm(host, bus);
        var v = kvm.Vcpus[0];
        // the guest: TAPQ 05.0004 in a loop, storing the status word at 0x800 (RC in byte 0x801)
        var code = new List<byte>();
        code.AddRange(Assembler.Encode("LGHI", r1: 0, i2: 0x0504));
        code.AddRange(Assembler.Encode("PQAP"));
        code.AddRange(Assembler.Encode("ST", r1: 1, d2: 0x800));
        code.AddRange(Assembler.Encode("BRC", m1: 15, ri2: -4));
        code.ToArray().CopyTo(kvm.Memory.Span(0x2000, code.Count));
        kvm.Memory.Span(0x801, 1)[0] = 0xFF;
        v.Cpu.LoadPsw(Psw.EA | Psw.BA, 0x2000);
        v.Stopped = false;
        var m = bus.VfioAp.CreateMdev(U1);
        m.AssignAdapter(5); m.AssignDomain(4);

        using var stop = new CancellationTokenSource();
        var runner = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) v.Run(v.Cpu.Cycles + 2_000_000_000);
        });
        byte Rc() => Volatile.Read(ref kvm.Memory.Span(0x801, 1)[0]);
        SpinWait.SpinUntil(() => v.InSie && Rc() != 0xFF, 10_000);
        Assert.That(v.InSie, Is.True, "the vcpu runs in SIE");
        Assert.That(Rc(), Is.EqualTo(ApStatus.QueueNotAvailable), "masks empty: rc 0x01");
        m.Open(kvm);
        Assert.That(v.Kicks, Is.GreaterThanOrEqualTo(1), "kicked out of SIE to change the masks");
        SpinWait.SpinUntil(() => Rc() == ApStatus.Normal, 10_000);
        Assert.That(Rc(), Is.EqualTo(ApStatus.Normal), "the guest sees the queue");
        long kicks = v.Kicks;
        m.Release();
        Assert.That(v.Kicks, Is.GreaterThan(kicks));
        SpinWait.SpinUntil(() => Rc() == ApStatus.QueueNotAvailable, 10_000);
        Assert.That(Rc(), Is.EqualTo(ApStatus.QueueNotAvailable), "gone again after release");
        stop.Cancel();
        // the guest intercepts at every PQAP: the vcpu sees Stopped when it next leaves SIE
        v.Stopped = true;
        Assert.That(runner.Wait(10_000), Is.True);
    }

    [TestCase("/sys/devices/vfio_ap/matrix/11111111-2222-4333-8444-555555555555", true)]
    [TestCase("/sys/bus/mdev/devices/11111111-2222-4333-8444-555555555555/", true)]
    [TestCase("/sys/devices/vfio_ap/matrix/not-a-uuid", false)]
    [TestCase("/dev/vfio/3", false)]
    public void Sysfsdev_paths_name_the_mdev(string path, bool ok)
    {
        Assert.That(VfioAp.TryParseSysfsdev(path, out var uuid), Is.EqualTo(ok));
        if (ok) Assert.That(uuid, Is.EqualTo(U1));
    }
}
