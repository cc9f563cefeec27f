using System.Text.RegularExpressions;
using S390Jit.Host.Kvm;

namespace S390Jit.Host.Crypto;

/// <summary>
/// vfio_ap's record of one AP queue device bound to it (struct vfio_ap_queue). The interruption
/// fields are used by AQIC (issue 5): the owning mdev, the pinned NIB frame and the guest ISC.
/// </summary>
public sealed class VfioApQueue
{
    public const byte IscInvalid = 0xFF;

    internal VfioApQueue(ApQueue queue) { Queue = queue; }
    public ApQueue Queue { get; }
    public ushort Apqn => Queue.Apqn;
    public ApMatrixMdev? Mdev { get; internal set; }
    public ulong SavedPfn { get; internal set; }
    public byte SavedIsc { get; internal set; } = IscInvalid;
}

/// <summary>
/// The vfio_ap module of a host (drivers/s390/crypto/vfio_ap_*.c): the AP driver queues are bound to
/// when they are reserved for guests, the matrix device (/sys/devices/vfio_ap/matrix) and its mediated
/// devices. The sysfs operations are methods: create/remove an mdev, assign/unassign adapters, usage
/// domains and control domains. Every change runs under the host's AP lock (matrix_dev->lock).
/// </summary>
public sealed class VfioAp : IApDriver
{
    public const string MatrixDevicePath = "/sys/devices/vfio_ap/matrix", MdevType = "vfio_ap-passthrough";

    private readonly Dictionary<ushort, VfioApQueue> _queues = new();
    private readonly List<ApMatrixMdev> _mdevs = new();

    internal VfioAp(ApBus bus) { Bus = bus; }

    public ApBus Bus { get; }
    public string Name => "vfio_ap";
    internal object Lock => Bus.SyncRoot;

    public IReadOnlyList<ApMatrixMdev> Mdevs { get { lock (Lock) return _mdevs.ToArray(); } }

    /// <summary>vfio_ap's record of a queue bound to it, or null.</summary>
    public VfioApQueue? QueueRecord(ushort apqn) { lock (Lock) return _queues.GetValueOrDefault(apqn); }

    /// <summary>The queue device is bound to vfio_ap (reserved for guests).</summary>
    public bool IsBound(ushort apqn) => Bus.Queue(apqn)?.Driver == this;

    /// <summary>Largest APID / APQI an mdev may be given: the host's Na / Nd with APXA, else 63 / 15.</summary>
    public int MaxApid => Bus.Apxa ? Bus.MaxApid : 63;
    public int MaxApqi => Bus.Apxa ? Bus.MaxDomain : 15;

    void IApDriver.Probe(ApQueue queue)
    {
        lock (Lock) _queues[queue.Apqn] = new VfioApQueue(queue);
    }

    /// <summary>Queue unbound from vfio_ap (ML behaviour): reset it (ZAPQ), then forget it. The APQN stays in any CRYCB.</summary>
    void IApDriver.Remove(ApQueue queue)
    {
        lock (Lock)
        {
            Bus.ResetQueue(queue, zeroize: true);
            _queues.Remove(queue.Apqn);
        }
    }

    /// <summary>echo UUID &gt; .../mdev_supported_types/vfio_ap-passthrough/create</summary>
    public ApMatrixMdev CreateMdev(Guid uuid)
    {
        lock (Lock)
        {
            if (_mdevs.Any(m => m.Uuid == uuid)) throw new ApException(ApException.EEXIST, $"vfio_ap mdev {uuid} already exists");
            var m = new ApMatrixMdev(this, uuid);
            _mdevs.Add(m);
            return m;
        }
    }

    /// <summary>Creates an mdev named by the first <paramref name="name"/>(1, 2, ...) not in use (atomically).</summary>
    public ApMatrixMdev CreateMdev(Func<int, Guid> name)
    {
        lock (Lock)
        {
            for (int n = 1; ; n++)
                if (FindMdev(name(n)) == null) return CreateMdev(name(n));
        }
    }

    /// <summary>echo 1 &gt; .../UUID/remove: busy while a KVM uses it; resets the matrix's queues.</summary>
    public void RemoveMdev(ApMatrixMdev mdev)
    {
        lock (Lock)
        {
            if (mdev.Kvm != null) throw new ApException(ApException.EBUSY, $"vfio_ap mdev {mdev.Uuid} is in use by a guest");
            mdev.ResetQueues();
            _mdevs.Remove(mdev);
        }
    }

    public ApMatrixMdev? FindMdev(Guid uuid) { lock (Lock) return _mdevs.FirstOrDefault(m => m.Uuid == uuid); }

    internal IEnumerable<ApMatrixMdev> Others(ApMatrixMdev m) => _mdevs.Where(o => o != m);

    private static readonly Regex s_sysfsdev = new(
        @"^/sys/(devices/vfio_ap/matrix|bus/mdev/devices)/(?<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/?$",
        RegexOptions.CultureInvariant);

    /// <summary>The mdev UUID a QEMU sysfsdev= path names (/sys/devices/vfio_ap/matrix/UUID or /sys/bus/mdev/devices/UUID).</summary>
    public static bool TryParseSysfsdev(string path, out Guid uuid)
    {
        uuid = default;
        var m = s_sysfsdev.Match(path);
        return m.Success && Guid.TryParse(m.Groups["uuid"].Value, out uuid);
    }
}

/// <summary>
/// A vfio_ap matrix mediated device (struct ap_matrix_mdev): the adapters (APM), usage domains (AQM)
/// and control domains (ADM) assigned to one guest; its queues are APM x AQM. Assigning checks that
/// every queue the assignment adds is bound to vfio_ap (-EADDRNOTAVAIL) and that no other mdev has it
/// (-EADDRINUSE). Opening it for a KVM (the VFIO group's SET_KVM) loads the masks into the CRYCB and
/// installs the PQAP hook; releasing it clears the masks and resets the queues.
/// </summary>
public sealed class ApMatrixMdev : IPqapHook
{
    internal ApMatrixMdev(VfioAp driver, Guid uuid)
    {
        Driver = driver;
        Uuid = uuid;
    }

    public VfioAp Driver { get; }
    public Guid Uuid { get; }
    public string SysfsPath => $"{VfioAp.MatrixDevicePath}/{Uuid}";
    public ApMask Apm { get; } = new();
    public ApMask Aqm { get; } = new();
    public ApMask Adm { get; } = new();
    /// <summary>The KVM this mdev is opened for (and holds a reference to), or null.</summary>
    public Kvm.Kvm? Kvm { get; private set; }

    /// <summary>The APQNs of the matrix (APM x AQM), in order.</summary>
    public IEnumerable<ushort> Apqns
    {
        get
        {
            lock (Driver.Lock)
                return Apm.Bits().SelectMany(a => Aqm.Bits().Select(d => Apqn.Make(a, d))).ToArray();
        }
    }

    private void CheckAdapter(int apid)
    {
        if (apid < 0 || apid > Driver.MaxApid) throw new ApException(ApException.ENODEV, $"adapter 0x{apid:x2} exceeds the maximum APID 0x{Driver.MaxApid:x2}");
        if (Kvm != null) throw new ApException(ApException.EBUSY, $"mdev {Uuid} is in use by a guest");
    }

    private void CheckDomain(int apqi)
    {
        if (apqi < 0 || apqi > Driver.MaxApqi) throw new ApException(ApException.ENODEV, $"domain 0x{apqi:x4} exceeds the maximum domain 0x{Driver.MaxApqi:x4}");
        if (Kvm != null) throw new ApException(ApException.EBUSY, $"mdev {Uuid} is in use by a guest");
    }

    /// <summary>Every queue (apid, apqi) the new assignment adds must be bound to vfio_ap.</summary>
    private void VerifyReserved(IEnumerable<int> apids, IEnumerable<int> apqis)
    {
        var ds = apqis.ToArray();
        foreach (int a in apids)
        {
            if (ds.Length == 0)
            {
                // nothing to pair with yet: at least one queue of the adapter must be reserved (vfio_ap 5.x)
                if (!Driver.Bus.Queues.Any(q => q.Adapter.Apid == a && q.Driver == Driver))
                    throw new ApException(ApException.EADDRNOTAVAIL, $"no queue of adapter 0x{a:x2} is bound to vfio_ap");
                continue;
            }
            foreach (int d in ds)
                if (!Driver.IsBound(Apqn.Make(a, d)))
                    throw new ApException(ApException.EADDRNOTAVAIL, $"queue {Apqn.Name(Apqn.Make(a, d))} is not bound to vfio_ap");
        }
        if (apids.Any()) return;
        foreach (int d in ds)
            if (!Driver.Bus.Queues.Any(q => q.Apqi == d && q.Driver == Driver))
                throw new ApException(ApException.EADDRNOTAVAIL, $"no queue of domain 0x{d:x4} is bound to vfio_ap");
    }

    /// <summary>No other mdev may have a queue of this matrix.</summary>
    private void VerifyNoSharing()
    {
        foreach (var o in Driver.Others(this))
            if (o.Apm.Intersects(Apm) && o.Aqm.Intersects(Aqm))
            {
                int a = o.Apm.Bits().First(b => Apm[b]), d = o.Aqm.Bits().First(b => Aqm[b]);
                throw new ApException(ApException.EADDRINUSE, $"queue {Apqn.Name(Apqn.Make(a, d))} is already assigned to mdev {o.Uuid}");
            }
    }

    /// <summary>echo APID &gt; assign_adapter</summary>
    public void AssignAdapter(int apid)
    {
        lock (Driver.Lock)
        {
            CheckAdapter(apid);
            if (Apm[apid]) return;
            VerifyReserved([apid], Aqm.Bits());
            Apm[apid] = true;
            try { VerifyNoSharing(); }
            catch { Apm[apid] = false; throw; }
        }
    }

    public void UnassignAdapter(int apid)
    {
        lock (Driver.Lock) { CheckAdapter(apid); Apm[apid] = false; }
    }

    /// <summary>echo APQI &gt; assign_domain</summary>
    public void AssignDomain(int apqi)
    {
        lock (Driver.Lock)
        {
            CheckDomain(apqi);
            if (Aqm[apqi]) return;
            VerifyReserved(Apm.Bits(), [apqi]);
            Aqm[apqi] = true;
            try { VerifyNoSharing(); }
            catch { Aqm[apqi] = false; throw; }
        }
    }

    public void UnassignDomain(int apqi)
    {
        lock (Driver.Lock) { CheckDomain(apqi); Aqm[apqi] = false; }
    }

    /// <summary>echo APQI &gt; assign_control_domain (no queue reservation needed).</summary>
    public void AssignControlDomain(int apqi)
    {
        lock (Driver.Lock) { CheckDomain(apqi); Adm[apqi] = true; }
    }

    public void UnassignControlDomain(int apqi)
    {
        lock (Driver.Lock) { CheckDomain(apqi); Adm[apqi] = false; }
    }

    /// <summary>
    /// The VFIO device is opened and the group notifier reports the KVM (SET_KVM): refused if another
    /// mdev already serves this KVM (-EPERM) or a queue of the matrix is no longer bound to vfio_ap
    /// (-EADDRNOTAVAIL); otherwise the mdev takes the KVM, installs its PQAP hook and, when the VM has a
    /// CRYCB, loads APM/AQM/ADM into it (vcpus are blocked out of SIE meanwhile).
    /// </summary>
    public void Open(Kvm.Kvm kvm)
    {
        lock (Driver.Lock)
        {
            if (Kvm != null) throw new ApException(ApException.EBUSY, $"mdev {Uuid} is already open");
            var other = Driver.Others(this).FirstOrDefault(o => o.Kvm == kvm);
            if (other != null) throw new ApException(ApException.EPERM, $"the guest already uses vfio_ap mdev {other.Uuid}");
            foreach (var apqn in Apqns)
                if (!Driver.IsBound(apqn))
                    throw new ApException(ApException.EADDRNOTAVAIL, $"queue {Apqn.Name(apqn)} is not bound to vfio_ap");
            Kvm = kvm;
            kvm.Crypto.SetPqapHook(this);
            if (kvm.Crypto.Crycbd != 0) kvm.Crypto.SetMasks(Apm, Aqm, Adm);
            kvm.Events.Emit("vfio_ap_mdev_open", 0, $"mdev {Uuid}: {Apqns.Count()} queues");
        }
    }

    /// <summary>The VFIO device is closed: clear the CRYCB masks, remove the hook, reset the queues, drop the KVM.</summary>
    public void Release()
    {
        lock (Driver.Lock)
        {
            if (Kvm is not { } kvm) return;
            kvm.Crypto.ClearMasks();
            kvm.Crypto.SetPqapHook(null);
            ResetQueues();
            Kvm = null;
            kvm.Events.Emit("vfio_ap_mdev_release", 0, $"mdev {Uuid}");
        }
    }

    /// <summary>VFIO_DEVICE_RESET (QEMU on a system reset): ZAPQ every queue of the matrix.</summary>
    public void Reset()
    {
        lock (Driver.Lock) ResetQueues();
    }

    internal void ResetQueues()
    {
        foreach (var apqn in Apqns)
            if (Driver.Bus.Queue(apqn) is { } q) Driver.Bus.ResetQueue(q, zeroize: true);
    }

    /// <summary>vfio_ap's handle_pqap for intercepted AQIC: arrives with issue 5 (not supported until then).</summary>
    public int HandlePqap(KvmVcpu vcpu) => -ApException.EOPNOTSUPP;

    public override string ToString() => SysfsPath;
}
