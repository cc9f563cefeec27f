using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using S390Jit.Hardware.Ap;
using S390Jit.Hardware.Tracing;
using S390Jit.Memory;

namespace S390Jit.Hardware.Aiv;

/// <summary>
/// The machine's side of adapter-interruption virtualization (spec 6.2, 6.4), one per machine: it knows
/// GISAs and the GIB only by their origins in host memory. It sets IPM bits in a GISA when an AP queue
/// whose host AQIC designated it completes a reply (after storing the NIB through the pinned frame),
/// leaves the presentation to the SIE while a vcpu of the guest runs with that GISA, else pushes the GISA
/// on the GIB alert list and raises the GIB alert (GAL), a host adapter interruption at the NISC, when
/// the list was empty. The host registers the GIB with CHSC set-GIB (<see cref="SetGib"/>) and takes the
/// GAL through its I/O-interruption handler (<see cref="HostHandler"/>).
/// </summary>
public sealed unsafe class AivFacility
{
    /// <summary>Modelled cost of the firmware's notification (NIB store + IPM).</summary>
    public const ulong NotifyCycles = 120;

    private readonly HostMachine _machine;
    private readonly object _gibLock = new();
    private readonly SortedDictionary<ulong, SortedDictionary<ushort, ApQueue>> _sources = new(NumberOrder.Instance);
    private readonly ConcurrentDictionary<ulong, StrongBox<int>> _sieUsers = new();
    private ulong _gib;

    internal AivFacility(HostMachine machine) { _machine = machine; }

    private HostMemory Memory => _machine.Memory;

    // ---- what the host sets up ---------------------------------------------------------------------

    /// <summary>CHSC set-GIB: the GIB's origin (below 2 GiB; 0 deregisters).</summary>
    public void SetGib(ulong origin) => _gib = origin;
    public ulong GibOrigin => _gib;

    /// <summary>The host's I/O-interruption handler (its I/O new PSW) the GAL is presented to.</summary>
    public IHostInterruptionHandler? HostHandler { get; set; }

    /// <summary>The GAL was raised and not yet taken by the host.</summary>
    public bool GalPending { get; private set; }
    /// <summary>GALs raised.</summary>
    public ulong Gals { get; private set; }
    /// <summary>Test hook: the GAL stays pending until the host takes it (<see cref="TakeGal"/>) instead of being presented at once.</summary>
    public bool DeferGalPresentation { get; set; }

    /// <summary>The host takes a pending GAL (presentation clears it); false if none is pending.</summary>
    public bool TakeGal()
    {
        if (!GalPending) return false;
        GalPending = false;
        return true;
    }

    // ---- the SIE ------------------------------------------------------------------------------------

    /// <summary>vcpus executing in SIE with ECA.AIV and this GISA now (the machine alerts only when there is none).</summary>
    public int SieUsers(ulong gisaOrigin) => _sieUsers.TryGetValue(gisaOrigin, out var n) ? Volatile.Read(ref n.Value) : 0;

    internal StrongBox<int> SieUsersOf(ulong gisaOrigin) => _sieUsers.GetOrAdd(gisaOrigin, _ => new StrongBox<int>());

    // ---- posting an adapter interruption (6.4 steps 1-4) ---------------------------------------------

    private GisaWord Word(ulong gisaOrigin) => new((long*)Memory.Pointer(gisaOrigin, 8));

    /// <summary>
    /// Makes <paramref name="gisc"/> pending in the GISA at <paramref name="gisaOrigin"/>: the IPM bit; no
    /// alert while a vcpu of the guest runs in SIE (the SIE presents the interruption once the vcpu is
    /// enabled); else, with the IAM bit set and the GISA off the alert list, push it on the GIB alert list
    /// (which may raise the GAL); else it stays pending.
    /// </summary>
    public void Post(ulong gisaOrigin, int gisc, IMachineContext ctx)
    {
        if (!Memory.IsLive(gisaOrigin, 16))
        {
            ctx.Emit(MachineTrace.UseAfterFree, $"interruption posted to the destroyed GISA 0x{gisaOrigin:x}");
            return;
        }
        var w = Word(gisaOrigin);
        w.SetIpmBit(gisc);
        ctx.Emit(MachineTrace.GisaIpmSet, (gisaOrigin, gisc, w.Ipm, w.Iam), NotifyCycles / 2);
        if (SieUsers(gisaOrigin) > 0)
        {
            ctx.Emit(MachineTrace.GisaNoAlert, (gisaOrigin, gisc, true, w.Iam, w.OnAlertList(gisaOrigin)));
            return;
        }
        if ((w.Iam & (0x80 >> gisc)) != 0 && !w.OnAlertList(gisaOrigin) && _gib != 0) Push(gisaOrigin, ctx);
        else ctx.Emit(MachineTrace.GisaNoAlert, (gisaOrigin, gisc, false, w.Iam, w.OnAlertList(gisaOrigin)));
    }

    /// <summary>
    /// The alert (6.4 step 3): next-alert := the list's origin, IAM := 0 (UNCONFIRMED, as KVM expects),
    /// list origin := the GISA; a GAL at the NISC when the list was 0 (empty, GALs enabled).
    /// </summary>
    private void Push(ulong gisaOrigin, IMachineContext ctx)
    {
        var gib = new GibWord((int*)Memory.Pointer(_gib, 4));
        uint old;
        lock (_gibLock)
        {
            old = gib.AlertListOrigin;
            Word(gisaOrigin).LinkAndClearIam(old);
            gib.Exchange((uint)gisaOrigin);
        }
        ctx.Emit(MachineTrace.GibAlertPush, (gisaOrigin, old));
        if (old != GibWord.NullGisa) return;
        int nisc = Memory.ReadU8(_gib + GibWord.NiscOffset) & 7;
        GalPending = true;
        Gals++;
        ctx.Emit(MachineTrace.GalInterrupt, nisc);
        if (!DeferGalPresentation) HostHandler?.AdapterInterruption(nisc, ctx);
    }

    // ---- the AP firmware's reply notifications (1.9, 6.4) ---------------------------------------------

    /// <summary>A queue whose host AQIC designated the GISA at <paramref name="gisaOrigin"/> (its completions are watched).</summary>
    internal void AddSource(ulong gisaOrigin, ApQueue q)
    {
        lock (_sources)
        {
            if (!_sources.TryGetValue(gisaOrigin, out var qs)) _sources[gisaOrigin] = qs = new();
            qs[q.Apqn] = q;
        }
    }

    internal void RemoveSource(ulong gisaOrigin, ApQueue q)
    {
        lock (_sources)
            if (_sources.TryGetValue(gisaOrigin, out var qs) && qs.TryGetValue(q.Apqn, out var x) && x == q) qs.Remove(q.Apqn);
    }

    /// <summary>The queues whose notifications go to the GISA at <paramref name="gisaOrigin"/>, by APQN.</summary>
    public IReadOnlyList<ApQueue> Sources(ulong gisaOrigin)
    {
        lock (_sources) return _sources.TryGetValue(gisaOrigin, out var qs) ? qs.Values.ToArray() : [];
    }

    /// <summary>
    /// The cycle-model synchronization point (not an architected interface): the earliest cycle at which
    /// a reply of a queue notifying the GISA at <paramref name="gisaOrigin"/> becomes available and has not
    /// been notified. The machine's asynchronous work happens in the time of a processor of the VM that
    /// owns the GISA, so the host's run and idle loops ask when it is due.
    /// </summary>
    public ulong NextNotificationCycle(ulong gisaOrigin)
    {
        ulong next = ulong.MaxValue;
        foreach (var q in Sources(gisaOrigin))
            lock (q) next = Math.Min(next, q.NextNotificationCycle(this, gisaOrigin));
        return next;
    }

    /// <summary>
    /// The AP firmware's completion processing at the context's cycle: for every reply that became
    /// available on a queue whose interruptions are enabled with the GISA, store the NIB byte (0xFF)
    /// through the host address the host AQIC gave (the pinned guest page), then post the GISC.
    /// </summary>
    public void ServiceNotifications(ulong gisaOrigin, IMachineContext ctx)
    {
        ulong now = ctx.Now;
        foreach (var q in Sources(gisaOrigin))
        {
            ulong nib;
            int gisc, n;
            lock (q)
            {
                n = q.TakeNotifications(this, gisaOrigin, now);
                nib = q.NotificationByte;
                gisc = q.Gisc;
            }
            for (int i = 0; i < n; i++)
            {
                ctx.Emit(MachineTrace.ApReplyAvailable, (q.Name, nib, gisc));
                StoreNib(nib, ctx);
                Post(gisaOrigin, gisc, ctx);
            }
        }
    }

    /// <summary>The firmware stores the notification-indicator byte (1.9: non-zero, model 0xFF) through the host frame.</summary>
    private void StoreNib(ulong hostNib, IMachineContext ctx)
    {
        if (!Memory.IsFramePinned(hostNib >> 12))
        {
            ctx.Emit(MachineTrace.UseAfterFree, $"NIB store through the unpinned host frame 0x{hostNib >> 12:x}");
            return;
        }
        Memory.WriteU8(hostNib, 0xFF);
        Memory.NotifyExternalStore(hostNib, 1);
        ctx.Emit(MachineTrace.ApNibStore, (hostNib, Memory.GuestAddressOf(hostNib) ?? hostNib), NotifyCycles / 2);
    }
}

/// <summary>The host program's I/O-interruption handler for adapter interruptions the machine presents to the host (the GAL).</summary>
public interface IHostInterruptionHandler
{
    void AdapterInterruption(int isc, IMachineContext ctx);
}
