using S390Jit.Architecture.State;

namespace S390Jit.Host.Crypto;

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
        Apqn = Crypto.Apqn.Make(adapter.Apid, apqi);
    }

    public ApAdapter Adapter { get; }
    public int Apqi { get; }
    public ushort Apqn { get; }
    public string Name => Crypto.Apqn.Name(Apqn);
    /// <summary>The host driver this queue device is bound to (the zcrypt default driver, vfio_ap, or none).</summary>
    public IApDriver? Driver { get; internal set; }
    public ApQueueStats Stats { get; } = new();

    /// <summary>The multi-part request being assembled by NQAP (message parts without the last-part bit, or cc 2).</summary>
    internal ApRequest? Open;
    /// <summary>The reply DQAP is transferring in parts, and how much of it has been stored.</summary>
    internal ApRequest? Transfer;
    internal int TransferOffset;

    /// <summary>Interruption state (I bit) set by a native AQIC; delivery arrives with adapter interruptions.</summary>
    public bool IrqEnabled { get; internal set; }
    public ulong NotificationByte { get; internal set; }
    public byte Isc { get; internal set; }

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
        if (IrqEnabled) s |= ApStatus.IrqEnabled;
        return s;
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
        IrqEnabled = false;
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
