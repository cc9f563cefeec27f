using S390Jit.Host;
using S390Jit.Architecture.State;
using S390Jit.Host.Crypto;
using S390Jit.Vmm;
using S390Jit.Hardware.Tracing;
using S390Jit.Host.Kvm;
using S390Jit.Hardware.Ap;

namespace S390Jit.Tests.Host;

/// <summary>
/// A seeded random life-cycle test of the AQIC path: thousands of random sequences of guest AQIC
/// enable/disable (through the SIE intercept, KVM and the vfio_ap hook), interpreted guest RAPQ/ZAPQ,
/// requests whose replies notify the GISA, waits in which the GIB alert path, the kicker and the
/// delivery run, system resets, mdev release/re-open, SET_KVM(null), queue unbind/rebind, DMA
/// unmap/map, adapter deconfigure, transient host busy codes, the VMM dropping the VM, and finally the
/// teardown. After every step the invariants hold:
/// <list type="number">
/// <item>the pin count of every page equals the number of queues whose saved NIB lies in it;</item>
/// <item>the reference count of every GISC equals the number of queues registered with it, and the alert
/// mask is exactly the ISCs with references;</item>
/// <item>the IAM equals the alert mask whenever the GISA is off the alert list and its kicker is idle;</item>
/// <item>no use after free: no store through an unpinned NIB frame, nothing posted to or registered with a
/// destroyed GISA or VM, no unpin of an unpinned page, every queue the firmware would notify has a pinned
/// NIB and a live GISA;</item>
/// <item>the KVM is destroyed exactly when its last reference is dropped, and never while an mdev holds it;</item>
/// </list>
/// and after the teardown nothing is left (pins, GISC references, KVM references).
/// </summary>
public class LifecycleFuzzTests
{
    private static readonly ushort[] Queues = [0x0504, 0x0505, 0x0604, 0x0605];
    private static readonly int[] Iscs = [3, 6, 7];

    private sealed class Run(int seed)
    {
        private readonly Random _rnd = new(seed);
        private AqicRig _r = null!;
        private bool _vmmDropped, _released, _removed;
        public int Steps;
        public readonly Dictionary<string, int> Histogram = new();
        public readonly Dictionary<string, ulong> HostEvents = new();
        private static readonly TraceEvent[] Watched = [MachineTrace.ApNibStore, MachineTrace.GibAlertPush, MachineTrace.GalInterrupt, KvmTrace.GisaKick, KvmTrace.DeliverIoAdapter,
            MachineTrace.SieDeliverIoAdapter, VfioApTrace.IrqEnable, VfioApTrace.IrqDisable, VfioApTrace.FreeAqicResources, KvmTrace.DestroyVm, VfioApTrace.DmaUnmap];

        private T Pick<T>(IReadOnlyList<T> xs) => xs[_rnd.Next(xs.Count)];

        public void Execute()
        {
            using var r = _r = new AqicRig(queues: Queues, options: o => o.MemoryBytes = 1 << 20);
            r.Machine.Host.WriteU64(r.Kvm.Memory.HostStart + Lowcore.ExtNewPsw, Psw.EA | Psw.BA | Psw.Wait);
            int n = _rnd.Next(8, 40);
            for (int i = 0; i < n; i++)
            {
                string step = Step();
                Histogram[step] = Histogram.GetValueOrDefault(step) + 1;
                Steps++;
                Check(step, i);
            }
            var leaks = r.Machine.Teardown();
            _vmmDropped = true;
            foreach (var e in Watched) HostEvents[e.Name] = r.Machine.Events[e];
            Check("teardown", n);
            Assert.That(leaks, Is.EqualTo(new HostLeakReport(0, 0, 0, 0)), $"seed {seed}: leaks after teardown");
            Assert.That(r.Kvm.Destroyed, Is.True, $"seed {seed}");
        }

        private bool GuestRuns => !_vmmDropped;

        private string Step()
        {
            var r = _r;
            int k = GuestRuns ? _rnd.Next(100) : _rnd.Next(62, 100);
            ushort q = Pick(Queues);
            if (k < 22 && GuestRuns)
            {
                ulong nib = 0x40000 + ((ulong)_rnd.Next(6) << 12) + (ulong)_rnd.Next(0x1000);
                r.Enable(nib: nib, isc: Pick(Iscs), apqn: q);
                return "guest enable";
            }
            if (k < 32 && GuestRuns) { r.Disable(q); return "guest disable"; }
            if (k < 38 && GuestRuns)
            {
                r.Pqap((_rnd.Next(2) == 0 ? 0x0100_0000UL : 0x0200_0000UL) | q);
                r.Cpu.Cycles += 200_000;
                return "guest rapq/zapq";
            }
            if (k < 50 && GuestRuns)
            {
                // a 16-byte message the card rejects (type 82 reply after 5 us): a reply to notify
                var msg = new byte[16];
                msg[1] = 0x50;
                msg[3] = 16;
                msg.CopyTo(r.Kvm.Memory.Span(AqicRig.Data, 16));
                r.Cpu.G[4] = 0; r.Cpu.G[5] = (ulong)_rnd.Next(); r.Cpu.G[6] = AqicRig.Data; r.Cpu.G[7] = 16;
                r.Exec([0xB2, 0xAD, 0x00, 0x46], 0x4000_0000UL | q);
                return "guest request";
            }
            if (k < 62 && GuestRuns)
            {
                // an enabled wait bounded by the clock comparator: the alert path, the kicker, the delivery
                var c = r.Cpu;
                c.Cr[0] |= Cr0.ClockComparator;
                c.Cr[6] = Pick(new ulong[] { 0, 0x0200_0000, 0x1300_0000, 0xFF00_0000 });
                c.SetClockComparator(c.Tod + (ulong)_rnd.Next(1, 300) * 4096);
                c.LoadPsw(Psw.EA | Psw.BA | Psw.Wait | Psw.Ext | (_rnd.Next(4) != 0 ? Psw.Io : 0), 0);
                r.Vcpu.Stopped = false;
                var end = r.Machine.Run();
                Assert.That(end.End, Is.EqualTo(RunEnd.DisabledWait), end.Message);
                return "wait";
            }
            if (k < 66) { r.Machine.SystemReset(); return "system reset"; }
            if (k < 70)
            {
                if (!_released && !_removed) { r.Device.Release(); _released = true; return "mdev release"; }
                if (_released && !_removed && !_vmmDropped)
                {
                    r.Device.Release(); // closes a device SET_KVM(null) left open
                    try { r.Device.Open(); }
                    catch (ApException e) when (e.Errno == Errno.EADDRNOTAVAIL) { return "mdev open refused"; }
                    _released = false;
                    return "mdev open";
                }
                return "nothing";
            }
            if (k < 72 && !_released && !_removed) { r.Device.SetKvmNull(); _released = true; return "set_kvm(null)"; }
            if (k < 77)
            {
                if (r.Bus.VfioAp.IsBound(q)) { r.Device.UnbindQueue(q); return "queue unbind"; }
                r.Device.BindQueue(q);
                return "queue bind";
            }
            if (k < 82)
            {
                ulong page = 0x40000 + ((ulong)_rnd.Next(6) << 12);
                if (_rnd.Next(2) == 0) { r.Device.DmaUnmap(page, (ulong)_rnd.Next(1, 3) << 12); return "dma unmap"; }
                r.Device.DmaMap(page, 0x1000);
                return "dma map";
            }
            if (k < 86)
            {
                var a = r.Queue(q).Adapter;
                if (a.Configured) a.Deconfigure(); else a.Configure();
                return "adapter configure";
            }
            if (k < 91)
            {
                // transient: one busy answer at a time, which the retries of vfio_ap ride out
                int fc = _rnd.Next(2) == 0 ? 3 : 2;
                if (r.Queue(q).InjectedPending(fc) == 0) r.Queue(q).InjectHostResponses(fc, _rnd.Next(2) == 0 ? ApStatus.Busy : ApStatus.ResetInProgress);
                return "host busy";
            }
            if (k < 94) { r.Queue(q).IrqDisableLagTapqs = _rnd.Next(3); return "i-bit lag"; }
            if (k < 96 && !_vmmDropped) { r.Machine.DestroyVm(); _vmmDropped = true; return "vmm drops the vm"; }
            if (k < 98 && _released && !_removed)
            {
                r.Device.RemoveMdev();
                _removed = true;
                return "mdev remove";
            }
            // time passes without the guest: the host's events (notifications, GAL, kicker) run
            var cpu = r.Cpu;
            cpu.Cycles += (ulong)_rnd.Next(1, 400) * 5200;
            for (int i = 0; i < 16 && !r.Kvm.Destroyed && r.Kvm.NextHostEventCycle() <= cpu.Cycles; i++) r.Kvm.ServiceHostEvents(r.Vcpu);
            return "time";
        }

        private void Check(string step, int i)
        {
            var r = _r;
            string at = $"seed {seed} step {i} ({step})";
            var records = r.Bus.VfioAp.QueueRecords;
            // 1. pins per page = queues whose saved NIB is in it
            var expectedPins = records.Where(q => q.SavedPfn != 0).GroupBy(q => q.SavedPfn).ToDictionary(g => g.Key, g => g.Count());
            Assert.That(r.Kvm.Iommu.Pins, Is.EquivalentTo(expectedPins), $"{at}: pins");
            // saved data always has an owner to release it
            Assert.That(records.Where(q => (q.SavedPfn != 0 || q.SavedIsc != VfioApQueue.IscInvalid) && q.Mdev == null), Is.Empty, $"{at}: orphaned registration");
            // 5. destroyed exactly at the last reference
            Assert.That(r.Kvm.Destroyed, Is.EqualTo(r.Kvm.References == 0), $"{at}: destroyed vs references");
            if (r.Kvm.Destroyed) Assert.That(r.Bus.VfioAp.Mdevs.Any(m => m.Kvm == r.Kvm), Is.False, $"{at}: destroyed while an mdev holds it");
            Assert.That(r.Kvm.References, Is.EqualTo((_vmmDropped ? 0 : 1) + (r.Bus.VfioAp.Mdevs.Any(m => m.Kvm == r.Kvm) ? 1 : 0)), $"{at}: references");
            // 4. no use after free
            Assert.That((r.Kvm.UseAfterFreeCount, r.Kvm.Iommu.BadUnpins), Is.EqualTo((0UL, 0UL)), $"{at}: use after free");
            foreach (var q in r.Bus.Hardware.Queues.Where(q => q.IrqEnabled && q.IrqAiv != null))
            {
                Assert.That((q.IrqGisaOrigin, r.Gisa.Destroyed), Is.EqualTo((r.Gisa.Origin, false)), $"{at}: queue {q.Name} notifies a destroyed GISA");
                Assert.That(r.Kvm.Iommu.IsPinnedHostFrame(q.NotificationByte >> 12), Is.True, $"{at}: queue {q.Name} NIB frame not pinned");
            }
            if (r.Kvm.Destroyed) return;
            // 2. GISC references = queues registered with the ISC; alert mask = ISCs with references
            var g = r.Gisa;
            byte mask = 0;
            for (int isc = 0; isc < 8; isc++)
            {
                int regs = records.Count(q => q.SavedIsc == isc);
                Assert.That(g.RefCount(isc), Is.EqualTo(regs), $"{at}: gisc {isc} references");
                if (regs > 0) mask |= (byte)(0x80 >> isc);
            }
            Assert.That(g.AlertMask, Is.EqualTo(mask), $"{at}: alert mask");
            // 3. IAM = alert mask whenever the GISA is off the alert list and no alert is being processed
            if (!g.OnAlertList && g.KickerCycle == ulong.MaxValue)
                Assert.That(g.Iam, Is.EqualTo(g.AlertMask), $"{at}: IAM off the alert list");
            if (g.OnAlertList) Assert.That(g.Iam, Is.Zero, $"{at}: IAM on the alert list");
        }
    }

    [Test]
    public void Random_life_cycles_keep_the_invariants()
    {
        const int sequences = 3000;
        int steps = 0;
        var histogram = new Dictionary<string, int>();
        var events = new Dictionary<string, ulong>();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int seed = 1; seed <= sequences; seed++)
        {
            var run = new Run(seed);
            run.Execute();
            steps += run.Steps;
            foreach (var (k, v) in run.Histogram) histogram[k] = histogram.GetValueOrDefault(k) + v;
            foreach (var (k, v) in run.HostEvents) events[k] = events.GetValueOrDefault(k) + v;
        }
        TestContext.Out.WriteLine($"lifecycle fuzz: {sequences} random sequences, {steps} steps, invariants checked after every step, {sw.Elapsed.TotalSeconds:F1} s");
        TestContext.Out.WriteLine("steps: " + string.Join(", ", histogram.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}")));
        TestContext.Out.WriteLine("host events: " + string.Join(", ", events.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.That(histogram.GetValueOrDefault("guest enable"), Is.GreaterThan(1000));
        Assert.That(new TraceEvent[] { MachineTrace.GalInterrupt, KvmTrace.DeliverIoAdapter, KvmTrace.GisaKick, KvmTrace.DestroyVm, VfioApTrace.DmaUnmap }.Select(e => events[e.Name]), Has.All.GreaterThan(50UL),
            "the sequences reach the alert path, the kicker, the delivery, the DMA-unmap notifier and the destroy");
    }
}
