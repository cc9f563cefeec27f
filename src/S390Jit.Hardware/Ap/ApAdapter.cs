namespace S390Jit.Hardware.Ap;

/// <summary>
/// An AP adapter (card, APID): its type in accelerator mode, the queue depth, configured/check-stop
/// state and its firmware (<see cref="CexAccelerator"/>).
/// </summary>
public sealed class ApAdapter
{
    /// <summary>Largest message an adapter accepts (Linux AP_DEFAULT_MAX_MSG_SIZE, TAPQ ML field 3 x 4 KiB).</summary>
    public const int MaxMessageSize = 12 * 1024;

    internal ApAdapter(ApConfiguration configuration, int apid, ApDeviceType type, int queueDepth)
    {
        Configuration = configuration;
        Apid = apid;
        Type = type;
        QueueDepth = queueDepth;
        Card = new CexAccelerator(type);
    }

    public ApConfiguration Configuration { get; }
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
        foreach (var q in Configuration.Queues.Where(q => q.Adapter == this))
            lock (q) q.Reset(zeroize: false, doneCycle: 0);
    }

    public void Deconfigure() { Configured = false; Flush(); }
    public void Configure() => Configured = true;
    public void CheckStop() { Checkstopped = true; Flush(); }
}
