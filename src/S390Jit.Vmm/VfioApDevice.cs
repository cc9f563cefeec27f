using S390Jit.Host;
using System.Globalization;
using System.Text;
using S390Jit.Architecture.Isa;
using S390Jit.Hardware.Ap;
using S390Jit.Host.Crypto;
using S390Jit.Host.Kvm;
using ApInstructions = S390Jit.Architecture.Semantics.Crypto;

namespace S390Jit.Vmm;

/// <summary>
/// The machine's AP set-up: the host-administrator steps (reserve the queues for vfio_ap, create
/// the matrix mdev, assign adapters and domains) and QEMU's vfio-ap device (open the mdev for this
/// VM's KVM, which loads the CRYCB masks; release it at the end).
/// </summary>
public sealed class VfioApDevice : IDisposable
{
    private VfioApDevice(ApBus bus, KvmVm kvm, ApMatrixMdev? mdev)
    {
        Bus = bus;
        Kvm = kvm;
        Mdev = mdev;
    }

    public ApBus Bus { get; }
    public KvmVm Kvm { get; }
    /// <summary>The matrix mdev (null when the machine has AP instructions but no queues and no vfio-ap device, or after it was removed).</summary>
    public ApMatrixMdev? Mdev
    {
        get => _mdev;
        private set { _mdev = value; if (value != null) _shown = value; }
    }
    private ApMatrixMdev? _mdev, _shown;

    /// <summary>Adds the CPU-model features the options ask for (QEMU: ap, apqci, apft, apqi, msa3).</summary>
    internal static void ConfigureCpuModel(CpuModel model, ApOptions o)
    {
        model.Ap = o.CpuAp;
        if (o.CpuAp && o.Apqci) model.Facilities.Add(Fac.ApQci);
        if (o.CpuAp && o.Apft) model.Facilities.Add(Fac.ApFt);
        if (o.CpuAp && o.Apqi) model.Facilities.Add(Fac.ApQueueInterruptControl);
        if (o.Msa3) model.Facilities.Add(Fac.Msa3);
    }

    /// <summary>The host's AP bus: the shared one, or one with exactly the adapters and domains the queues name.</summary>
    internal static ApBus HostBus(ApOptions o)
    {
        CheckQueues(o);
        if (o.HostBus is { } shared) return shared;
        // the LPAR's AP configuration (the machine's), then the host's bus over it
        var hardware = new ApConfiguration(apxa: o.HostApxa);
        try
        {
            foreach (int apqi in o.Queues.Select(Apqn.Apqi).Distinct().Order())
            {
                hardware.AddUsageDomain(apqi);
                hardware.AddControlDomain(apqi);
            }
            foreach (int apid in o.Queues.Select(Apqn.Apid).Distinct().Order())
                hardware.AddAdapter(apid, o.Type, o.QueueDepth);
        }
        catch (ApConfigurationException e) { throw new ArgumentException($"AP configuration: {e.Message}"); }
        return new ApBus(hardware);
    }

    private static void CheckQueues(ApOptions o)
    {
        var seen = new HashSet<ushort>();
        foreach (var q in o.Queues)
            if (!seen.Add(q)) throw new ArgumentException($"AP queue {Apqn.Name(q)} assigned twice");
    }

    /// <summary>
    /// Sets the VM's APIE flag, reserves the queues for vfio_ap, creates and fills the mdev and opens
    /// it for the VM. Errors are one-line <see cref="ArgumentException"/>s.
    /// </summary>
    internal static VfioApDevice Attach(KvmVm kvm, ApOptions o, ApBus bus)
    {
        if (!kvm.Crypto.SetApie(o.CpuAp)) throw new ArgumentException("AP: the host has no AP instructions");
        var dev = new VfioApDevice(bus, kvm, null);
        if (o.Queues.Count == 0 && o.MdevUuid == null) return dev;
        try
        {
            var apids = o.Queues.Select(Apqn.Apid).Distinct().Order().ToArray();
            var apqis = o.Queues.Select(Apqn.Apqi).Distinct().Order().ToArray();
            foreach (int a in apids)
                foreach (int d in apqis)
                {
                    ushort apqn = Apqn.Make(a, d);
                    if (bus.Hardware.Queue(apqn) == null) throw new ApException(Errno.ENODEV, $"no AP queue {Apqn.Name(apqn)} on the host");
                    // the administrator's apmask/aqmask step: take the queue away from the default driver
                    if (bus.DriverOf(apqn) == bus.DefaultDriver) bus.Bind(apqn, bus.VfioAp);
                }
            var mdev = o.MdevUuid is { } uuid ? bus.VfioAp.CreateMdev(uuid) : bus.VfioAp.CreateMdev(VmmUuid);
            dev.Mdev = mdev;
            foreach (int a in apids) mdev.AssignAdapter(a);
            foreach (int d in apqis) { mdev.AssignDomain(d); mdev.AssignControlDomain(d); }
            mdev.Open(kvm);
            return dev;
        }
        catch (ApException e)
        {
            dev.Dispose();
            throw new ArgumentException($"vfio-ap: {e.Message}");
        }
    }

    /// <summary>Deterministic UUIDs for the mdevs the VMM creates itself (a9a9a9a9-0000-4000-8000-00000000000n).</summary>
    private static Guid VmmUuid(int n) => Guid.Parse($"a9a9a9a9-0000-4000-8000-{n:x12}");

    /// <summary>The --stats lines: matrix, instruction counts, response codes, and per queue requests and latency.</summary>
    public string Statistics(uint mhz)
    {
        var sb = new StringBuilder();
        var k = Kvm.Crypto;
        var m = Mdev ?? _shown;
        var apqns = m?.Apqns.ToArray() ?? [];
        sb.AppendLine($"stats: ap configuration    crycb format {k.Format}, apie {(k.Apie ? "on" : "off")}, mdev {(m != null ? m.Uuid.ToString() : "none")}, queues {(apqns.Length == 0 ? "none" : string.Join(" ", apqns.Select(Apqn.Name)))}");
        if (Kvm.Machine.ApFirmware is { } fw)
        {
            var s = fw.Stats;
            // as the guest issued them: interpreted by the firmware (natively or under ECA.APIE) plus intercepted by KVM
            var i = k.InterceptedPqap;
            sb.Append($"stats: ap instructions     tapq {s.Tapq + i[ApInstructions.Tapq]}, rapq {s.Rapq + i[ApInstructions.Rapq]}, zapq {s.Zapq + i[ApInstructions.Zapq]}, aqic {s.Aqic + i[ApInstructions.Aqic]}, ");
            sb.AppendLine($"qci {s.Qci + i[ApInstructions.Qci]}, qact {s.Qact + i[ApInstructions.Qact]}, nqap {s.Nqap}, dqap {s.Dqap}, intercepted pqap {i.Aggregate(0UL, (a, n) => a + n)}");
            var rcs = Enumerable.Range(0, 256).Where(rc => s.ResponseCodes[rc] != 0).Select(rc => $"0x{rc:x2} {s.ResponseCodes[rc]}");
            sb.AppendLine($"stats: ap response codes   {string.Join(", ", rcs.DefaultIfEmpty("none"))}");
        }
        foreach (var apqn in apqns)
        {
            if (Bus.Hardware.Queue(apqn) is not { } q) continue;
            ApQueueStats st;
            lock (q) st = q.Stats;
            double avg = st.AverageLatencyCycles;
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"stats: ap queue {q.Name,-10} {Apqn.TypeName(q.Adapter.Type)}: requests {st.Requests}, replies {st.Replies}, error replies {st.ErrorReplies}, " +
                $"full {st.QueueFullRejects}, resets {st.Resets} (zeroize {st.Zeroizes}), latency avg {avg:F0} cycles ({avg / mhz:F1} us), max {st.MaxLatencyCycles} cycles ({(double)st.MaxLatencyCycles / mhz:F1} us)"));
        }
        return sb.ToString();
    }

    // ---- the life cycle as QEMU and the host administrator drive it (for tests and the CLI) ---------

    /// <summary>echo UUID &gt; .../vfio_ap-passthrough/create (a VMM-named UUID when none is given); becomes <see cref="Mdev"/>.</summary>
    public ApMatrixMdev CreateMdev(Guid? uuid = null)
    {
        var m = uuid is { } u ? Bus.VfioAp.CreateMdev(u) : Bus.VfioAp.CreateMdev(VmmUuid);
        Mdev = m;
        return m;
    }

    /// <summary>assign_adapter / assign_domain (each domain also as control domain).</summary>
    public void Assign(IEnumerable<int> apids, IEnumerable<int> apqis)
    {
        var m = Mdev ?? throw new InvalidOperationException("no mdev");
        foreach (int a in apids) m.AssignAdapter(a);
        foreach (int d in apqis) { m.AssignDomain(d); m.AssignControlDomain(d); }
    }

    /// <summary>QEMU opens the vfio-ap device: SET_KVM, hook, masks, the IOMMU notifier, a KVM reference.</summary>
    public void Open() => (Mdev ?? throw new InvalidOperationException("no mdev")).Open(Kvm);
    /// <summary>QEMU closes the vfio-ap device (release).</summary>
    public void Release() => Mdev?.Release();
    /// <summary>The group notifier reports SET_KVM(null) (QEMU tears the VM down while the device stays open).</summary>
    public void SetKvmNull() => Mdev?.SetKvm(null, Kvm.UserContext());
    /// <summary>echo 1 &gt; .../UUID/remove (-EBUSY while a KVM uses it).</summary>
    public void RemoveMdev()
    {
        if (Mdev is not { } m) return;
        Bus.VfioAp.RemoveMdev(m);
        Mdev = null;
    }
    /// <summary>VFIO_DEVICE_RESET (QEMU on a system reset).</summary>
    public void DeviceReset() => Mdev?.Reset();
    /// <summary>The administrator binds the queue device to vfio_ap (apmask/aqmask).</summary>
    public void BindQueue(ushort apqn) => Bus.Bind(apqn, Bus.VfioAp);
    /// <summary>The queue device leaves vfio_ap for the default driver (vfio_ap's remove runs).</summary>
    public void UnbindQueue(ushort apqn) => Bus.Bind(apqn, Bus.DefaultDriver);
    /// <summary>QEMU unmaps a guest RAM range from the VFIO container (memory hot-unplug, a changed memory map).</summary>
    public void DmaUnmap(ulong iova, ulong length) => Kvm.Iommu.DmaUnmap(iova, length, Kvm.UserContext());
    /// <summary>QEMU maps a guest RAM range into the VFIO container again.</summary>
    public void DmaMap(ulong iova, ulong length) => Kvm.Iommu.DmaMap(iova, length, Kvm.UserContext());

    /// <summary>QEMU closes the device (release: masks cleared, queues reset, KVM reference dropped), then the mdev is removed.</summary>
    public void Dispose()
    {
        if (Mdev is not { } m) return;
        m.Release();
        try { Bus.VfioAp.RemoveMdev(m); } catch (ApException) { }
        Mdev = null;
    }
}
