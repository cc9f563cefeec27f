using S390Jit.Architecture.State;
using S390Jit.Hardware;
using S390Jit.Hardware.Tracing;

namespace S390Jit.Host.Crypto;

/// <summary>
/// A host driver AP queue devices can be bound to (Linux: an ap_driver: zcrypt's cex4queue, vfio_ap).
/// </summary>
public interface IApDriver
{
    string Name { get; }
    /// <summary>Called when a queue device is bound to the driver.</summary>
    void Probe(ApQueue queue);
    /// <summary>Called when a queue device is unbound from the driver (or goes away).</summary>
    void Remove(ApQueue queue);
}

/// <summary>zcrypt's queue driver for CEX4..CEX8 (the default for every queue): the host itself is not modelled using it.</summary>
public sealed class ZcryptQueueDriver : IApDriver
{
    public string Name => "cex4queue";
    public void Probe(ApQueue queue) { }
    public void Remove(ApQueue queue) { }
}

/// <summary>
/// An AP adapter (card, APID): its type in accelerator mode, the queue depth, configured/check-stop
/// state and its firmware (<see cref="CexAccelerator"/>).
/// </summary>
public sealed class ApAdapter
{
    /// <summary>Largest message an adapter accepts (Linux AP_DEFAULT_MAX_MSG_SIZE, TAPQ ML field 3 x 4 KiB).</summary>
    public const int MaxMessageSize = 12 * 1024;

    internal ApAdapter(ApBus bus, int apid, ApDeviceType type, int queueDepth)
    {
        Bus = bus;
        Apid = apid;
        Type = type;
        QueueDepth = queueDepth;
        Card = new CexAccelerator(type);
    }

    public ApBus Bus { get; }
    public int Apid { get; }
    public ApDeviceType Type { get; }
    public int QueueDepth { get; }
    public CexAccelerator Card { get; }
    public string Name => $"card{Apid:x2}";
    /// <summary>False after the adapter was configured off (SCLP deconfigure): its queues answer RC 0x03.</summary>
    public volatile bool Configured = true;
    /// <summary>A check-stopped adapter answers RC 0x04.</summary>
    public volatile bool Checkstopped;

    /// <summary>
    /// TAPQ facility bits (GR2 bits 0-31): M (4K ME, bit 1), C (4K CRT, bit 2), accelerator mode
    /// (bit 4); the N bit (APXA, bit 6) is added by the firmware per configuration. No APSC (bit 0).
    /// </summary>
    public const uint Functions = 0x4000_0000 | 0x2000_0000 | 0x0800_0000;
    public const uint FunctionApsc = 0x8000_0000, FunctionApxa = 0x0200_0000;
    /// <summary>QACT/TAPQ mode field (facility bits 3-5): 0b010 = accelerator.</summary>
    public const int ModeAccelerator = 2;

    /// <summary>Discards every queue's requests (configure off, check stop).</summary>
    internal void Flush()
    {
        foreach (var q in Bus.Queues.Where(q => q.Adapter == this))
            lock (q) q.Reset(zeroize: false, doneCycle: 0);
    }

    public void Deconfigure() { Configured = false; Flush(); }
    public void Configure() => Configured = true;
    public void CheckStop() { Checkstopped = true; Flush(); }
}

/// <summary>
/// The host's AP bus (Linux ap_bus) and the AP configuration of the LPAR the host runs in: installed
/// adapters, usage domains (AQM) and control domains (ADM), with one queue device per adapter and
/// usage domain. One ApBus can be shared by several VMs in one process: each VM reaches it through
/// its own <see cref="ApFirmware"/> (which applies that VM's CRYCB), and vfio_ap (<see cref="VfioAp"/>)
/// hands disjoint queues to their matrix mdevs.
/// </summary>
public sealed class ApBus
{
    // lookups from executing CPUs are lock-free (a vcpu in SIE must never wait for the host lock, which
    // vfio_ap holds while it kicks vcpus out of SIE); changes happen under _lock
    private readonly ApAdapter?[] _adapters = new ApAdapter?[256];
    // one row of 256 queues per adapter that has any (the whole 64 Ki array would be a large-object allocation per bus)
    private readonly ApQueue?[]?[] _queues = new ApQueue?[]?[256];
    private readonly object _lock = new();

    /// <summary>The host's AP lock (Linux: ap_bus and matrix_dev->lock): bus and vfio_ap configuration changes.</summary>
    internal object SyncRoot => _lock;

    /// <param name="apxa">AP extended addressing installed (z13 and later).</param>
    /// <param name="maxDomain">Largest domain index (QCI Nd); 84 = 85 domains as on z15/z16.</param>
    public ApBus(bool apxa = true, int maxDomain = 84, int maxApid = 255)
    {
        if (maxDomain is < 15 or > 255) throw new ArgumentOutOfRangeException(nameof(maxDomain));
        Apxa = apxa;
        MaxDomain = apxa ? maxDomain : 15;
        MaxApid = apxa ? maxApid : 63;
        DefaultDriver = new ZcryptQueueDriver();
        VfioAp = new VfioAp(this);
    }

    public bool Apxa { get; }
    /// <summary>QCI Na / Nd: the largest APID and domain index of the configuration.</summary>
    public int MaxApid { get; }
    public int MaxDomain { get; }
    /// <summary>The LPAR's adapter, usage-domain and control-domain masks (what a native QCI reports).</summary>
    public ApMask Apm { get; } = new();
    public ApMask Aqm { get; } = new();
    public ApMask Adm { get; } = new();
    public IApDriver DefaultDriver { get; }
    /// <summary>The vfio_ap module of this host.</summary>
    public VfioAp VfioAp { get; }
    /// <summary>Reset (RAPQ) and zeroize (ZAPQ) durations, in nanoseconds of guest time.</summary>
    public ulong ResetNanoseconds { get; set; } = 10_000;
    public ulong ZeroizeNanoseconds { get; set; } = 20_000;

    public IEnumerable<ApAdapter> Adapters => _adapters.Where(a => a != null).Select(a => a!).ToArray();
    public IEnumerable<ApQueue> Queues => _queues.Where(row => row != null).SelectMany(row => row!).Where(q => q != null).Select(q => q!).ToArray();

    public ApAdapter? Adapter(int apid) => (uint)apid < 256 ? Volatile.Read(ref _adapters[apid]) : null;
    /// <summary>The queue device of an APQN: exists when its adapter is installed and its domain is a usage domain.</summary>
    public ApQueue? Queue(ushort apqn)
    {
        var row = Volatile.Read(ref _queues[apqn >> 8]);
        return row == null ? null : Volatile.Read(ref row[apqn & 0xFF]);
    }

    /// <summary>Installs an adapter (its queues for every usage domain appear, bound to the default driver).</summary>
    public ApAdapter AddAdapter(int apid, ApDeviceType type, int queueDepth = 8)
    {
        if (apid < 0 || apid > MaxApid) throw new ApException(Errno.ENODEV, $"adapter 0x{apid:x2} exceeds the maximum APID 0x{MaxApid:x2}");
        if (queueDepth is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(queueDepth));
        lock (_lock)
        {
            if (_adapters[apid] != null) throw new ApException(Errno.EEXIST, $"adapter 0x{apid:x2} already installed");
            var a = new ApAdapter(this, apid, type, queueDepth);
            foreach (int apqi in Aqm.Bits()) AddQueue(a, apqi);
            Volatile.Write(ref _adapters[apid], a);
            Apm[apid] = true;
            return a;
        }
    }

    /// <summary>Adds a usage domain to the LPAR's configuration (queues appear on every adapter).</summary>
    public void AddUsageDomain(int apqi)
    {
        if (apqi < 0 || apqi > MaxDomain) throw new ApException(Errno.ENODEV, $"domain 0x{apqi:x2} exceeds the maximum domain 0x{MaxDomain:x2}");
        lock (_lock)
        {
            if (Aqm[apqi]) return;
            Aqm[apqi] = true;
            foreach (var a in Adapters) AddQueue(a, apqi);
        }
    }

    public void AddControlDomain(int apqi)
    {
        if (apqi < 0 || apqi > MaxDomain) throw new ApException(Errno.ENODEV, $"domain 0x{apqi:x2} exceeds the maximum domain 0x{MaxDomain:x2}");
        lock (_lock) Adm[apqi] = true;
    }

    private void AddQueue(ApAdapter a, int apqi)
    {
        var q = new ApQueue(a, apqi);
        Bind(q, DefaultDriver);
        var row = _queues[q.Apqn >> 8];
        if (row == null) Volatile.Write(ref _queues[q.Apqn >> 8], row = new ApQueue?[256]);
        Volatile.Write(ref row[q.Apqn & 0xFF], q);
    }

    /// <summary>
    /// Binds a queue device to a driver (null: unbound), as writing apmask/aqmask or the drivers' bind
    /// and unbind files does: the old driver's remove runs first, then the new driver's probe.
    /// </summary>
    public void Bind(ApQueue q, IApDriver? driver)
    {
        lock (_lock)
        {
            if (q.Driver == driver) return;
            q.Driver?.Remove(q);
            q.Driver = driver;
            driver?.Probe(q);
        }
    }

    public void Bind(ushort apqn, IApDriver? driver) =>
        Bind(Queue(apqn) ?? throw new ApException(Errno.ENODEV, $"no AP queue {Apqn.Name(apqn)} on the host"), driver);

    /// <summary>A reset issued by the host (vfio_ap's ZAPQ at release/reset): the host waits until it completed.</summary>
    public void ResetQueue(ApQueue q, bool zeroize)
    {
        lock (q) q.Reset(zeroize, doneCycle: 0);
    }

    // ---- PQAP issued by the host kernel (vfio_ap) -------------------------------------------------------

    /// <summary>The response code a host-issued function gets before looking at the queue's state (0: none).</summary>
    private static byte HostCheck(ApQueue q, ulong now)
    {
        if (!q.Adapter.Configured) return ApStatus.Deconfigured;
        if (q.Adapter.Checkstopped) return ApStatus.Checkstopped;
        if (q.ResetInProgress(now)) return ApStatus.ResetInProgress;
        return ApStatus.Normal;
    }

    private static uint HostStatus(ApQueue q, ulong now, byte rc) =>
        rc is ApStatus.Deconfigured or ApStatus.Checkstopped ? ApStatus.Make(rc) : q.Status(now, rc);

    /// <summary>
    /// PQAP(AQIC) issued by the host (spec 1.8, 5.4 step 6): <paramref name="qirqctrl"/> with IR, GISC, the
    /// GISA origin (bits 33-59; 0: native) and the ISC (with a GISA: the NISC of the GIB alert);
    /// <paramref name="nib"/> is a host physical address. Enable: RC 0x07 if already enabled, 0x08 if the
    /// GISA field designates no GISA of this host, 0x06 if the NIB is not backed. The I bit flips at once
    /// on enable; on disable it may stay visible for <see cref="ApQueue.IrqDisableLagTapqs"/> TAPQs.
    /// </summary>
    public uint HostAqic(ApQueue q, ulong qirqctrl, ulong nib, Memory.HostMemory? host, HostContext ctx)
    {
        ctx.Charge(ApFirmware.PqapCycles);
        bool ir = (qirqctrl & AqicIr) != 0;
        uint status;
        lock (q)
        {
            ulong now = ctx.Now;
            byte rc = HostCheck(q, now);
            if (q.TryTakeInjected(3, out byte injected)) status = HostStatus(q, now, injected);
            else if (rc != ApStatus.Normal) status = HostStatus(q, now, rc);
            else if (!ir)
            {
                q.DisableIrq(lag: true);
                status = q.Status(now);
            }
            else if (q.IrqEnabled) status = q.Status(now, ApStatus.OtherwiseChanged);
            else
            {
                ulong origin = qirqctrl & 0x7FFF_FFF0UL;
                var gisa = origin != 0 && host != null ? Kvm.Gib.Of(host).GisaAt(origin) : null;
                if (origin != 0 && (gisa == null || gisa.Destroyed)) status = q.Status(now, ApStatus.InvalidGisa);
                else if (host == null || !host.IsBacked(nib)) status = q.Status(now, ApStatus.InvalidAddress);
                else
                {
                    q.EnableIrq(nib, (byte)(qirqctrl & 7), (byte)((qirqctrl >> 40) & 7), gisa, now);
                    status = q.Status(now);
                }
            }
        }
        ctx.Emit(MachineTrace.ApAqic, (q.Name, ir, qirqctrl, nib, status), ApFirmware.PqapCycles);
        return status;
    }

    /// <summary>AQIC qirqctrl: IR (enable) bit.</summary>
    public const ulong AqicIr = 0x0000_8000_0000_0000UL;

    /// <summary>PQAP(TAPQ) issued by the host (vfio_ap polling the I and E bits).</summary>
    public uint HostTapq(ApQueue q, HostContext ctx)
    {
        ctx.Charge(ApFirmware.PqapCycles);
        uint status;
        lock (q)
        {
            ulong now = ctx.Now;
            byte rc = HostCheck(q, now);
            if (q.TryTakeInjected(0, out byte injected)) status = HostStatus(q, now, injected);
            else status = HostStatus(q, now, rc);
            q.TapqObserved();
        }
        ctx.Emit(MachineTrace.ApTapq, (q.Name, status), ApFirmware.PqapCycles);
        return status;
    }

    /// <summary>PQAP(ZAPQ) issued by the host: the host waits for the reset, so it is complete on return (RC 0).</summary>
    public uint HostZapq(ApQueue q, HostContext ctx)
    {
        ctx.Charge(ApFirmware.PqapCycles);
        uint status;
        lock (q)
        {
            ulong now = ctx.Now;
            byte rc = HostCheck(q, now);
            if (q.TryTakeInjected(2, out byte injected)) status = HostStatus(q, now, injected);
            else if (rc != ApStatus.Normal) status = HostStatus(q, now, rc);
            else
            {
                q.Reset(zeroize: true, doneCycle: 0);
                status = q.Status(now);
            }
        }
        ctx.Emit(MachineTrace.ApZapq, (q.Name, status), ApFirmware.PqapCycles);
        return status;
    }
}
