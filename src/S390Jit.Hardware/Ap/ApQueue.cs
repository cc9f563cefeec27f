using S390Jit.Architecture.State;
using S390Jit.Hardware.Aiv;

namespace S390Jit.Hardware.Ap;

/// <summary>One request on a queue: the message, when it was enqueued and when its reply is available.</summary>
public sealed class ApRequest
{
    internal ApRequest(ulong psmid) { Psmid = psmid; }
    public ulong Psmid { get; }
    internal readonly List<byte> Parts = new();
    public ApCardJob? Job { get; internal set; }
    public ulong EnqueueCycle { get; internal set; }
    /// <summary>The reply becomes visible to TAPQ (R bit) and DQAP once the executing CPU's cycles reach this.</summary>
    public ulong ReplyCycle { get; internal set; }
    public bool Completed(ulong now) => Job != null && now >= ReplyCycle;
    /// <summary>The firmware has posted the reply-available notification for this reply (NIB, adapter interruption).</summary>
    public bool Notified { get; internal set; }
}

/// <summary>Per-queue counters for --stats and the tests.</summary>
public sealed class ApQueueStats
{
    public ulong Requests, Replies, ErrorReplies, Discarded, QueueFullRejects, Resets, Zeroizes,
        BytesIn, BytesOut, LatencyCycles, MaxLatencyCycles;
    public double AverageLatencyCycles => Requests == 0 ? 0 : (double)LatencyCycles / Requests;
}

/// <summary>
/// An AP queue (Linux: struct ap_queue, one device per APQN = adapter x usage domain): a FIFO of
/// requests with a depth, replies that become available after the card's modelled latency, the
/// queue status bits (E, R, F, I), reset and zeroize. Requests on one queue are processed one after
/// the other: a request's reply is ready at max(enqueue cycle, previous reply cycle) + latency, in
/// the cycle count of the CPU that enqueued it, so every run gives the same answers at the same cycles.
/// All methods are called with the queue locked (the bus may be shared by VMs on several threads).
/// </summary>
public sealed class ApQueue
{
    private readonly List<ApRequest> _requests = new();
    private ulong _lastReplyCycle;
    private ulong _resetDoneCycle;

    internal ApQueue(ApAdapter adapter, int apqi)
    {
        Adapter = adapter;
        Apqi = apqi;
        Apqn = Ap.Apqn.Make(adapter.Apid, apqi);
    }

    public ApAdapter Adapter { get; }
    public int Apqi { get; }
    public ushort Apqn { get; }
    public string Name => Ap.Apqn.Name(Apqn);
    public ApQueueStats Stats { get; } = new();

    /// <summary>The multi-part request being assembled by NQAP (message parts without the last-part bit, or cc 2).</summary>
    internal ApRequest? Open;
    /// <summary>The reply DQAP is transferring in parts, and how much of it has been stored.</summary>
    internal ApRequest? Transfer;
    internal int TransferOffset;

    /// <summary>
    /// Interruption state set by AQIC: enabled, the NIB address (guest absolute for a native AQIC, host
    /// physical for the host's AQIC with a GISA designation), the ISC (native: the interruption's ISC;
    /// with a GISA: the host ISC of the GIB alert) and, with a GISA, the guest ISC, the GISA's origin
    /// and the machine whose adapter-interruption facility posts to it.
    /// </summary>
    public bool IrqEnabled { get; internal set; }
    public ulong NotificationByte { get; internal set; }
    public byte Isc { get; internal set; }
    public byte Gisc { get; internal set; }
    /// <summary>Host address of the GISA the host's AQIC designated (0: native, or disabled).</summary>
    public ulong IrqGisaOrigin { get; internal set; }
    /// <summary>The adapter-interruption facility that posts this queue's notifications (null: native, or disabled).</summary>
    public AivFacility? IrqAiv { get; internal set; }

    /// <summary>
    /// Test knob for the asynchronous I bit (spec 1.8): after a disable, TAPQ keeps reporting I = 1 for
    /// this many host TAPQs (int.MaxValue: it never clears). 0: I clears at once.
    /// </summary>
    public int IrqDisableLagTapqs { get; set; }
    private int _iLag;
    private readonly Dictionary<int, Queue<byte>> _injected = new();

    /// <summary>
    /// Test hook (fault injection): the next host-issued PQAPs of function <paramref name="fc"/> (0 TAPQ,
    /// 2 ZAPQ, 3 AQIC) on this queue answer these response codes and change nothing.
    /// </summary>
    public void InjectHostResponses(int fc, params byte[] rcs)
    {
        lock (this)
        {
            if (!_injected.TryGetValue(fc, out var q)) _injected[fc] = q = new Queue<byte>();
            foreach (var rc in rcs) q.Enqueue(rc);
        }
    }

    /// <summary>Injected response codes not yet consumed for function <paramref name="fc"/>.</summary>
    public int InjectedPending(int fc) { lock (this) return _injected.TryGetValue(fc, out var q) ? q.Count : 0; }

    internal bool TryTakeInjected(int fc, out byte rc)
    {
        rc = 0;
        return _injected.TryGetValue(fc, out var q) && q.TryDequeue(out rc);
    }

    /// <summary>Requests and replies on the queue (not yet completely dequeued).</summary>
    public int Count => _requests.Count;
    public IReadOnlyList<ApRequest> Requests => _requests;

    public bool ResetInProgress(ulong now) => now < _resetDoneCycle;

    /// <summary>The E, R, F and I bits of the status word at cycle <paramref name="now"/>.</summary>
    public uint StatusBits(ulong now)
    {
        uint s = 0;
        if (_requests.Count == 0) s |= ApStatus.Empty;
        if (_requests.Count > 0 && _requests[0].Completed(now)) s |= ApStatus.Replies;
        if (_requests.Count >= Adapter.QueueDepth) s |= ApStatus.Full;
        if (IrqEnabled || _iLag > 0) s |= ApStatus.IrqEnabled;
        return s;
    }

    /// <summary>A host TAPQ observed the status: one step of the I-bit lag after a disable.</summary>
    internal void TapqObserved() { if (_iLag > 0 && _iLag != int.MaxValue) _iLag--; }

    /// <summary>Enables interruptions (AQIC IR=1): replies already available are not notified (UNCONFIRMED).</summary>
    internal void EnableIrq(ulong nib, byte isc, byte gisc, AivFacility? aiv, ulong gisaOrigin, ulong now)
    {
        IrqEnabled = true;
        (NotificationByte, Isc, Gisc) = (nib, isc, gisc);
        (IrqAiv, IrqGisaOrigin) = (aiv, gisaOrigin);
        _iLag = 0;
        foreach (var r in _requests) if (r.Completed(now)) r.Notified = true;
        aiv?.AddSource(gisaOrigin, this);
    }

    /// <summary>Disables interruptions (AQIC IR=0, RAPQ, ZAPQ); <paramref name="lag"/>: the I bit stays visible for some TAPQs.</summary>
    internal void DisableIrq(bool lag)
    {
        if (IrqEnabled && lag) _iLag = IrqDisableLagTapqs;
        IrqEnabled = false;
        IrqAiv?.RemoveSource(IrqGisaOrigin, this);
        IrqAiv = null;
        IrqGisaOrigin = 0;
    }

    /// <summary>Interruptions are enabled with the GISA at <paramref name="gisaOrigin"/> of <paramref name="aiv"/>'s machine.</summary>
    private bool NotifiesTo(AivFacility aiv, ulong gisaOrigin) => IrqEnabled && IrqAiv == aiv && IrqGisaOrigin == gisaOrigin;

    /// <summary>The earliest reply cycle not yet notified while interruptions are enabled with the GISA.</summary>
    internal ulong NextNotificationCycle(AivFacility aiv, ulong gisaOrigin)
    {
        if (!NotifiesTo(aiv, gisaOrigin)) return ulong.MaxValue;
        ulong next = ulong.MaxValue;
        foreach (var r in _requests)
            if (!r.Notified && r.Job != null) next = Math.Min(next, r.ReplyCycle);
        return next;
    }

    /// <summary>Marks the replies available at <paramref name="now"/> as notified; returns how many there were.</summary>
    internal int TakeNotifications(AivFacility aiv, ulong gisaOrigin, ulong now)
    {
        if (!NotifiesTo(aiv, gisaOrigin)) return 0;
        int n = 0;
        foreach (var r in _requests)
            if (!r.Notified && r.Completed(now)) { r.Notified = true; n++; }
        return n;
    }

    public uint Status(ulong now, byte rc = ApStatus.Normal) => ApStatus.Make(rc, StatusBits(now));

    /// <summary>Hands a complete request to the card; returns the cycle its reply becomes available.</summary>
    internal ulong Submit(ApRequest r, ulong now, uint mhz)
    {
        var msg = r.Parts.ToArray();
        r.Parts.Clear();
        r.Parts.TrimExcess();
        r.Job = Adapter.Card.Submit(msg);
        ulong latency = r.Job.Nanoseconds * mhz / 1000;
        r.EnqueueCycle = now;
        r.ReplyCycle = Math.Max(now, _lastReplyCycle) + latency;
        _lastReplyCycle = r.ReplyCycle;
        _requests.Add(r);
        Stats.Requests++;
        Stats.BytesIn += (ulong)msg.Length;
        if (r.Job.IsError) Stats.ErrorReplies++;
        ulong total = r.ReplyCycle - now;
        Stats.LatencyCycles += total;
        Stats.MaxLatencyCycles = Math.Max(Stats.MaxLatencyCycles, total);
        return r.ReplyCycle;
    }

    /// <summary>The reply DQAP transfers next: the one in transfer, else the oldest if it is complete.</summary>
    internal ApRequest? NextReply(ulong now) => Transfer ?? (_requests.Count > 0 && _requests[0].Completed(now) ? _requests[0] : null);

    internal void Remove(ApRequest r)
    {
        _requests.Remove(r);
        if (Transfer == r) { Transfer = null; TransferOffset = 0; }
        Stats.Replies++;
        Stats.BytesOut += (ulong)r.Job!.Reply.Length;
    }

    /// <summary>
    /// RAPQ/ZAPQ: discards every request and reply (also a partly enqueued or dequeued message) and
    /// disables interruptions; the queue answers "reset in progress" until <paramref name="doneCycle"/>.
    /// Accelerators keep no secrets in a domain, so zeroize differs only in its modelled duration.
    /// </summary>
    internal void Reset(bool zeroize, ulong doneCycle)
    {
        Stats.Discarded += (ulong)_requests.Count;
        _requests.Clear();
        Open = null;
        Transfer = null;
        TransferOffset = 0;
        DisableIrq(lag: false);
        _resetDoneCycle = doneCycle;
        _lastReplyCycle = 0;
        Stats.Resets++;
        if (zeroize) Stats.Zeroizes++;
    }

    /// <summary>The earliest reply cycle of a request not yet complete at <paramref name="now"/>, or MaxValue.</summary>
    public ulong NextReplyCycle(ulong now)
    {
        ulong next = ulong.MaxValue;
        foreach (var r in _requests)
            if (r.ReplyCycle > now) next = Math.Min(next, r.ReplyCycle);
        return next;
    }

    public override string ToString() => $"{Name} ({Apqn:x4})";
}
