namespace S390Jit.Hardware.Ap;

/// <summary>
/// The AP configuration of the LPAR the host runs in: the installed adapters, usage domains (AQM)
/// and control domains (ADM), with one hardware queue per adapter and usage domain. It is the
/// machine's side of what Linux's ap_bus finds by QCI and TAPQ; one configuration can serve several
/// VMs in one process, each VM's CPUs reaching it through the <see cref="ApFirmware"/> of the machine
/// they run on. The host kernel issues its own PQAPs (AQIC, TAPQ, ZAPQ) here by APQN.
/// </summary>
public sealed partial class ApConfiguration
{
    // lookups from executing CPUs are lock-free (a vcpu in SIE must never wait for a lock the host may
    // hold while it kicks vcpus out of SIE); changes happen under _lock
    private readonly ApAdapter?[] _adapters = new ApAdapter?[256];
    // one row of 256 queues per adapter that has any (the whole 64 Ki array would be a large-object allocation per configuration)
    private readonly ApQueue?[]?[] _queues = new ApQueue?[]?[256];
    private readonly object _lock = new();

    /// <param name="apxa">AP extended addressing installed (z13 and later).</param>
    /// <param name="maxDomain">Largest domain index (QCI Nd); 84 = 85 domains as on z15/z16.</param>
    public ApConfiguration(bool apxa = true, int maxDomain = 84, int maxApid = 255)
    {
        if (maxDomain is < 15 or > 255) throw new ArgumentOutOfRangeException(nameof(maxDomain));
        Apxa = apxa;
        MaxDomain = apxa ? maxDomain : 15;
        MaxApid = apxa ? maxApid : 63;
    }

    public bool Apxa { get; }
    /// <summary>QCI Na / Nd: the largest APID and domain index of the configuration.</summary>
    public int MaxApid { get; }
    public int MaxDomain { get; }
    /// <summary>The LPAR's adapter, usage-domain and control-domain masks (what a native QCI reports).</summary>
    public ApMask Apm { get; } = new();
    public ApMask Aqm { get; } = new();
    public ApMask Adm { get; } = new();
    /// <summary>Reset (RAPQ) and zeroize (ZAPQ) durations, in nanoseconds of guest time.</summary>
    public ulong ResetNanoseconds { get; set; } = 10_000;
    public ulong ZeroizeNanoseconds { get; set; } = 20_000;

    public IEnumerable<ApAdapter> Adapters => _adapters.Where(a => a != null).Select(a => a!).ToArray();
    public IEnumerable<ApQueue> Queues => _queues.Where(row => row != null).SelectMany(row => row!).Where(q => q != null).Select(q => q!).ToArray();

    public ApAdapter? Adapter(int apid) => (uint)apid < 256 ? Volatile.Read(ref _adapters[apid]) : null;
    /// <summary>The queue of an APQN: exists when its adapter is installed and its domain is a usage domain.</summary>
    public ApQueue? Queue(ushort apqn)
    {
        var row = Volatile.Read(ref _queues[apqn >> 8]);
        return row == null ? null : Volatile.Read(ref row[apqn & 0xFF]);
    }

    /// <summary>Installs an adapter (its queues for every usage domain appear).</summary>
    public ApAdapter AddAdapter(int apid, ApDeviceType type, int queueDepth = 8)
    {
        if (apid < 0 || apid > MaxApid) throw new ApConfigurationException($"adapter 0x{apid:x2} exceeds the maximum APID 0x{MaxApid:x2}");
        if (queueDepth is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(queueDepth));
        lock (_lock)
        {
            if (_adapters[apid] != null) throw new ApConfigurationException($"adapter 0x{apid:x2} already installed");
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
        CheckDomain(apqi);
        lock (_lock)
        {
            if (Aqm[apqi]) return;
            Aqm[apqi] = true;
            foreach (var a in Adapters) AddQueue(a, apqi);
        }
    }

    public void AddControlDomain(int apqi)
    {
        CheckDomain(apqi);
        lock (_lock) Adm[apqi] = true;
    }

    private void CheckDomain(int apqi)
    {
        if (apqi < 0 || apqi > MaxDomain) throw new ApConfigurationException($"domain 0x{apqi:x2} exceeds the maximum domain 0x{MaxDomain:x2}");
    }

    private void AddQueue(ApAdapter a, int apqi)
    {
        var q = new ApQueue(a, apqi);
        var row = _queues[q.Apqn >> 8];
        if (row == null) Volatile.Write(ref _queues[q.Apqn >> 8], row = new ApQueue?[256]);
        Volatile.Write(ref row[q.Apqn & 0xFF], q);
    }
}
