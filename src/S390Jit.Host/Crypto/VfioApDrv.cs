using System.Text.RegularExpressions;
using S390Jit.Hardware;
using S390Jit.Hardware.Ap;
using S390Jit.Hardware.Tracing;
using S390Jit.Host.Kvm;

namespace S390Jit.Host.Crypto;

// vfio_ap_drv.c

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
    /// <summary>The vfio_ap module (owner of the PQAP hook; open mdevs hold references).</summary>
    public KernelModule Module { get; } = new("vfio_ap");
    /// <summary>Quirk switches for work not tied to a VM (a VM's own <see cref="KvmHostConfig.Quirks"/> win).</summary>
    public HostQuirks Quirks { get; set; } = HostQuirks.None;
    /// <summary>Where events of work not tied to a VM go.</summary>
    public TraceLog Events { get; set; } = new();

    internal HostQuirks QuirksOf(ApMatrixMdev? m) => m?.Kvm?.Quirks ?? m?.LastKvm?.Quirks ?? Quirks;
    internal HostContext ContextOf(ApMatrixMdev? m) => (m?.Kvm ?? m?.LastKvm)?.UserContext() ?? new HostContext(0, Events);

    public IReadOnlyList<ApMatrixMdev> Mdevs { get { lock (Lock) return _mdevs.ToArray(); } }

    /// <summary>vfio_ap's record of a queue bound to it, or null.</summary>
    public VfioApQueue? QueueRecord(ushort apqn) { lock (Lock) return _queues.GetValueOrDefault(apqn); }
    internal VfioApQueue? QueueRecordLocked(ushort apqn) => _queues.GetValueOrDefault(apqn);
    /// <summary>Every queue record (for invariant checks).</summary>
    public IReadOnlyList<VfioApQueue> QueueRecords { get { lock (Lock) return _queues.Values.OrderBy(q => q.Apqn).ToArray(); } }

    /// <summary>The queue device is bound to vfio_ap (reserved for guests).</summary>
    public bool IsBound(ushort apqn) => Bus.DriverOf(apqn) == this;

    /// <summary>Largest APID / APQI an mdev may be given: the host's Na / Nd with APXA, else 63 / 15.</summary>
    public int MaxApid => Bus.Apxa ? Bus.MaxApid : 63;
    public int MaxApqi => Bus.Apxa ? Bus.MaxDomain : 15;

    void IApDriver.Probe(ushort apqn)
    {
        lock (Lock) _queues[apqn] = new VfioApQueue(apqn);
    }

    /// <summary>
    /// The queue device is unbound from vfio_ap (spec 5.2 "AP queue remove", ML form): ZAPQ (one retry),
    /// release its interruption resources, free the record. It does not check whether a guest uses the
    /// queue: the APQN stays in the CRYCB. v7 (quirk): the record is freed and its pin and GISC leak.
    /// </summary>
    void IApDriver.Remove(ushort apqn)
    {
        lock (Lock)
        {
            if (!_queues.Remove(apqn, out var q)) return;
            var owner = q.Mdev ?? _mdevs.FirstOrDefault(m => m.Apm[Apqn.Apid(apqn)] && m.Aqm[Apqn.Apqi(apqn)]);
            var ctx = ContextOf(owner);
            if (QuirksOf(owner).V7QueueRemove)
                ctx.Emit(VfioApTrace.QueueRemove, (q.Name, true, q.SavedPfn, q.SavedIsc));
            else
            {
                ResetQueue(apqn, q, ctx);
                ctx.Emit(VfioApTrace.QueueRemove, (q.Name, false, q.SavedPfn, q.SavedIsc));
            }
            q.Freed = true;
        }
    }

    /// <summary>
    /// vfio_ap_mdev_reset_queue + free_aqic_resources (spec 5.7): ZAPQ with one retry after 20 ms on RC
    /// 0x02/0x05, then up to two 20 ms waits for the queue to be empty; the record's interruption
    /// resources are released whatever the reset answered. Returns the last status.
    /// </summary>
    internal uint ResetQueue(ushort apqn, VfioApQueue? record, HostContext ctx)
    {
        uint st = 0;
        for (int retry = 1; ; retry--)
        {
            st = Bus.Zapq(apqn, ctx);
            byte rc = Architecture.State.ApStatus.Rc(st);
            if (rc == Architecture.State.ApStatus.Normal)
            {
                for (int wait = 2; (st & Architecture.State.ApStatus.Empty) == 0 && wait > 0; wait--)
                {
                    ctx.SleepMs(20);
                    st = Bus.Tapq(apqn, ctx);
                }
                break;
            }
            if (rc is Architecture.State.ApStatus.ResetInProgress or Architecture.State.ApStatus.Busy && retry > 0)
            {
                ctx.SleepMs(20);
                continue;
            }
            ctx.Emit(VfioApTrace.ResetQueue, (Apqn.Name(apqn), rc));
            break;
        }
        if (record != null) ApMatrixMdev.ReleaseIrqResources(record, ctx);
        return st;
    }

    /// <summary>echo UUID &gt; .../mdev_supported_types/vfio_ap-passthrough/create</summary>
    public ApMatrixMdev CreateMdev(Guid uuid)
    {
        lock (Lock)
        {
            if (_mdevs.Any(m => m.Uuid == uuid)) throw new ApException(Errno.EEXIST, $"vfio_ap mdev {uuid} already exists");
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

    /// <summary>echo 1 &gt; .../UUID/remove: busy while a KVM uses it (nothing changes); else resets the matrix's queues.</summary>
    public void RemoveMdev(ApMatrixMdev mdev)
    {
        lock (Lock)
        {
            if (mdev.Kvm != null) throw new ApException(Errno.EBUSY, $"vfio_ap mdev {mdev.Uuid} is in use by a guest");
            if (!_mdevs.Contains(mdev)) return;
            var ctx = ContextOf(mdev);
            mdev.ResetQueues(ctx);
            _mdevs.Remove(mdev);
            mdev.Removed = true;
            ctx.Emit(VfioApTrace.MdevRemove, mdev.Uuid);
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
