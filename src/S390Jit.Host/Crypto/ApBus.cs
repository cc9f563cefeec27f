using S390Jit.Hardware;
using S390Jit.Hardware.Ap;

namespace S390Jit.Host.Crypto;

/// <summary>
/// A host driver AP queue devices can be bound to (Linux: an ap_driver: zcrypt's cex4queue, vfio_ap).
/// </summary>
public interface IApDriver
{
    string Name { get; }
    /// <summary>Called when a queue device is bound to the driver.</summary>
    void Probe(ushort apqn);
    /// <summary>Called when a queue device is unbound from the driver (or goes away).</summary>
    void Remove(ushort apqn);
}

/// <summary>zcrypt's queue driver for CEX4..CEX8 (the default for every queue): the host itself is not modelled using it.</summary>
public sealed class ZcryptQueueDriver : IApDriver
{
    public string Name => "cex4queue";
    public void Probe(ushort apqn) { }
    public void Remove(ushort apqn) { }
}

/// <summary>An error of a host-side AP operation, with the errno Linux would return.</summary>
public sealed class ApException(int errno, string message) : Exception(message)
{
    public int Errno { get; } = errno;
}

/// <summary>
/// The host's AP bus (Linux ap_bus): the queue devices of the machine's AP configuration (one per
/// APQN the configuration has, as the bus scan finds them by QCI and TAPQ) and the driver each is bound
/// to: zcrypt's default driver or vfio_ap (<see cref="VfioAp"/>), which hands disjoint queues to its
/// matrix mdevs. One bus can be shared by several VMs in one process. The host reaches the queues only
/// by the PQAPs it issues (<see cref="Aqic"/>, <see cref="Tapq"/>, <see cref="Zapq"/>, Linux's ap.h).
/// </summary>
public sealed class ApBus
{
    private readonly Dictionary<ushort, IApDriver?> _bound = new();
    private readonly object _lock = new();

    public ApBus(ApConfiguration hardware)
    {
        Hardware = hardware;
        DefaultDriver = new ZcryptQueueDriver();
        VfioAp = new VfioAp(this);
    }

    /// <summary>The machine's AP configuration the bus drives.</summary>
    public ApConfiguration Hardware { get; }

    /// <summary>The host's AP lock (Linux: ap_bus and matrix_dev->lock): driver binding and vfio_ap configuration changes.</summary>
    internal object SyncRoot => _lock;

    /// <summary>What QCI reports: APXA, and the largest APID and domain index (Na, Nd).</summary>
    public bool Apxa => Hardware.Apxa;
    public int MaxApid => Hardware.MaxApid;
    public int MaxDomain => Hardware.MaxDomain;

    public IApDriver DefaultDriver { get; }
    /// <summary>The vfio_ap module of this host.</summary>
    public VfioAp VfioAp { get; }

    /// <summary>The APQNs of the queue devices the bus found.</summary>
    public IEnumerable<ushort> Apqns => Hardware.Queues.Select(q => q.Apqn).ToArray();

    /// <summary>The driver a queue device is bound to: the default driver until it is bound elsewhere; null when unbound or absent.</summary>
    public IApDriver? DriverOf(ushort apqn)
    {
        lock (_lock) return _bound.TryGetValue(apqn, out var d) ? d : Hardware.Queue(apqn) != null ? DefaultDriver : null;
    }

    /// <summary>
    /// Binds a queue device to a driver (null: unbound), as writing apmask/aqmask or the drivers' bind
    /// and unbind files does: the old driver's remove runs first, then the new driver's probe.
    /// </summary>
    public void Bind(ushort apqn, IApDriver? driver)
    {
        if (Hardware.Queue(apqn) == null) throw new ApException(Errno.ENODEV, $"no AP queue {Apqn.Name(apqn)} on the host");
        lock (_lock)
        {
            var old = DriverOf(apqn);
            if (old == driver) return;
            old?.Remove(apqn);
            _bound[apqn] = driver;
            driver?.Probe(apqn);
        }
    }

    // ---- PQAP issued by the host (ap.h: ap_aqic, ap_tapq, ap_zapq) ---------------------------------------

    /// <summary>ap_aqic: the NIB is a host address of <paramref name="machine"/> (the machine the host runs on).</summary>
    public uint Aqic(ushort apqn, ulong qirqctrl, ulong nib, HostMachine? machine, HostContext ctx) => Hardware.HostAqic(apqn, qirqctrl, nib, machine, ctx);
    public uint Tapq(ushort apqn, HostContext ctx) => Hardware.HostTapq(apqn, ctx);
    public uint Zapq(ushort apqn, HostContext ctx) => Hardware.HostZapq(apqn, ctx);
}
