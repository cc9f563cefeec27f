using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using S390Jit.Architecture.State;
using S390Jit.Hardware;
using S390Jit.Hardware.Tracing;
using S390Jit.Host.Crypto;
using S390Jit.Memory;

namespace S390Jit.Host.Kvm;

/// <summary>
/// The guest interruption state area of one VM (spec 6.1, KVM's kvm_s390_gisa_interrupt), in host
/// memory below 2 GiB (KVM's sie_page2 + 0x900). The first doubleword is what the machine, the SIE
/// and the host change concurrently and is only ever updated with compare-and-swap:
/// <c>next_alert</c> (bits 0-31: the next GISA on the GIB alert list; its own origin when it is not
/// on the list) | <c>IPM</c> (bits 32-39: interruption pending mask, bit 0x80 &gt;&gt; ISC) |
/// <c>IAM</c> (bits 56-63: interruption alert mask). Format 0 is 16 bytes, format 1 32 bytes (the
/// zPCI AIS masks and counters are not used by AP). The GD the SIE block carries is origin | 1 for
/// format 1.
/// <para>
/// KVM's side (spec 6.3, 6.4): the GISC registration API vfio_ap uses (reference count per guest
/// ISC; the VM's alert mask is the set of registered ISCs; the IAM follows it while the GISA is off
/// the alert list), the per-VM kicker timer that wakes one idle vcpu able to take a pending ISC and
/// restores the IAM once nothing relevant is pending, and GISA destroy. The machine's side (the AP
/// firmware posting a reply notification: NIB byte, IPM bit, and the alert unless a vcpu of the
/// guest is running in SIE) is <see cref="Post"/> and <see cref="ServiceSources"/>.
/// </para>
/// </summary>
public sealed unsafe class Gisa
{
    public const int Format0Size = 16, Format1Size = 32;
    /// <summary>Offset of the GISA in KVM's sie_page2.</summary>
    public const int SiePage2Offset = 0x900;
    /// <summary>The kicker re-arms itself after 50 microseconds while interruptions stay pending.</summary>
    public const ulong KickerMicroseconds = 50;
    /// <summary>Modelled costs: GISC (un)registration, one kicker run, the firmware's notification (NIB store + IPM).</summary>
    public const ulong GiscCycles = 150, KickerCycles = 300, NotifyCycles = 120;

    private readonly long* _word;
    private readonly int[] _refs = new int[8];
    private readonly object _lock = new();
    private readonly SortedDictionary<ushort, ApQueue> _sources = new();

    internal Gisa(Kvm kvm, ulong origin, int format, Gib gib)
    {
        if ((origin & 0xF) != 0 || origin >= 0x8000_0000) throw new ArgumentException("a GISA is 16-byte aligned below 2 GiB");
        Kvm = kvm;
        Origin = origin;
        Format = format;
        Gib = gib;
        _word = (long*)kvm.Host.Pointer(origin, (ulong)Size);
        Clear();
        gib.Add(this);
    }

    public Kvm Kvm { get; }
    public Gib Gib { get; }
    /// <summary>Host physical address of the GISA.</summary>
    public ulong Origin { get; }
    /// <summary>0 or 1.</summary>
    public int Format { get; }
    public int Size => Format == 1 ? Format1Size : Format0Size;
    /// <summary>The GISA designation for the SIE block (GD): origin | 1 for format 1.</summary>
    public uint Designation => (uint)Origin | (Format == 1 ? 1u : 0u);
    /// <summary>KVM's gi->alert.mask: the ISCs some registration needs alerts for.</summary>
    public byte AlertMask { get; private set; }
    /// <summary>When the kicker timer fires next (MaxValue: not armed).</summary>
    public ulong KickerCycle { get; internal set; } = ulong.MaxValue;
    /// <summary>vcpus of this VM executing in SIE with this GD now (the machine alerts only when there is none).</summary>
    public int SieUsers => Volatile.Read(ref _sieUsers);
    private int _sieUsers;
    public bool Destroyed { get; private set; }

    public int RefCount(int gisc) { lock (_lock) return (uint)gisc < 8 ? _refs[gisc] : 0; }
    public int TotalReferences { get { lock (_lock) return _refs.Sum(); } }

    // ---- the first doubleword ---------------------------------------------------------------------

    private ulong Word => BinaryPrimitives.ReverseEndianness((ulong)Volatile.Read(ref *_word));
    private bool Cas(ulong old, ulong value) =>
        Interlocked.CompareExchange(ref *_word, (long)BinaryPrimitives.ReverseEndianness(value), (long)BinaryPrimitives.ReverseEndianness(old))
        == (long)BinaryPrimitives.ReverseEndianness(old);

    public uint NextAlert => (uint)(Word >> 32);
    public byte Ipm => (byte)(Word >> 24);
    public byte Iam => (byte)Word;
    /// <summary>The GISA is on the GIB alert list (its next-alert word is not its own origin).</summary>
    public bool OnAlertList => NextAlert != (uint)Origin;

    internal void SetNextAlert(uint value)
    {
        while (true)
        {
            ulong w = Word;
            if (Cas(w, (w & 0xFFFF_FFFFUL) | ((ulong)value << 32))) return;
        }
    }

    /// <summary>The machine's push step: next-alert := the list's old origin and IAM := 0 in one update.</summary>
    internal void LinkAndClearIam(uint next)
    {
        while (true)
        {
            ulong w = Word;
            if (Cas(w, ((w & 0xFFFF_FF00UL) & 0xFFFF_FFFFUL) | ((ulong)next << 32))) return;
        }
    }

    /// <summary>gisa_set_iam: IAM := <paramref name="iam"/>, only while the GISA is not on the alert list.</summary>
    private bool SetIam(byte iam)
    {
        while (true)
        {
            ulong w = Word;
            if ((uint)(w >> 32) != (uint)Origin) return false;
            if (Cas(w, (w & ~0xFFUL) | iam)) return true;
        }
    }

    /// <summary>
    /// gisa_get_ipm_or_restore_iam: the IPM bits in the alert mask; when there are none, IAM := alert
    /// mask in the same atomic update (so an alert can be raised again).
    /// </summary>
    public byte GetIpmOrRestoreIam()
    {
        while (true)
        {
            ulong w = Word;
            byte pending = (byte)((w >> 24) & AlertMask);
            if (pending != 0) return pending;
            if ((byte)w == AlertMask) return 0;
            if (Cas(w, (w & ~0xFFUL) | AlertMask)) return 0;
        }
    }

    public void SetIpmBit(int isc)
    {
        while (true)
        {
            ulong w = Word;
            if (Cas(w, w | ((0x80UL >> isc) << 24))) return;
        }
    }

    /// <summary>KVM's delivery path: atomically clears the IPM bit of <paramref name="isc"/>; true if it was set.</summary>
    public bool TestAndClearIpm(int isc)
    {
        while (true)
        {
            ulong w = Word;
            ulong bit = (0x80UL >> isc) << 24;
            if ((w & bit) == 0) return false;
            if (Cas(w, w & ~bit)) return true;
        }
    }

    /// <summary>VM reset / clear of floating interruptions: IPM := 0.</summary>
    public void ClearIpm()
    {
        while (true)
        {
            ulong w = Word;
            if (Cas(w, w & ~0xFF00_0000UL)) return;
        }
    }

    /// <summary>gisa_clear: zeroes the GISA, next-alert = own origin (not on any list).</summary>
    private void Clear()
    {
        new Span<byte>(_word, Size).Clear();
        SetNextAlert((uint)Origin);
    }

    // ---- GISC registration (6.3) ------------------------------------------------------------------

    /// <summary>kvm_s390_gisc_register: returns the NISC (5) or -ENODEV / -ERANGE.</summary>
    public int RegisterGisc(int gisc, HostContext ctx)
    {
        ctx.Charge(GiscCycles);
        if (Destroyed) { Kvm.UseAfterFree(ctx, $"gisc register on the destroyed GISA 0x{Origin:x}"); return -Errno.ENODEV; }
        if ((uint)gisc > 7) { ctx.Emit(KvmTrace.GiscRegister, (gisc, -Errno.ERANGE, 0, (byte)0, (byte)0), GiscCycles); return -Errno.ERANGE; }
        int refs;
        lock (_lock)
        {
            refs = ++_refs[gisc];
            if (refs == 1)
            {
                AlertMask |= (byte)(0x80 >> gisc);
                SetIam(AlertMask);
            }
        }
        ctx.Emit(KvmTrace.GiscRegister, (gisc, (int)Gib.Nisc, refs, AlertMask, Iam), GiscCycles);
        return Gib.Nisc;
    }

    /// <summary>kvm_s390_gisc_unregister: 0, or -ENODEV / -ERANGE / -EINVAL (not registered).</summary>
    public int UnregisterGisc(int gisc, HostContext ctx)
    {
        ctx.Charge(GiscCycles);
        if (Destroyed) { Kvm.UseAfterFree(ctx, $"gisc unregister on the destroyed GISA 0x{Origin:x}"); return -Errno.ENODEV; }
        if ((uint)gisc > 7) { ctx.Emit(KvmTrace.GiscUnregister, (gisc, -Errno.ERANGE, 0, (byte)0, (byte)0), GiscCycles); return -Errno.ERANGE; }
        int refs;
        lock (_lock)
        {
            if (_refs[gisc] == 0) refs = -1;
            else
            {
                refs = --_refs[gisc];
                if (refs == 0)
                {
                    AlertMask &= (byte)~(0x80 >> gisc);
                    SetIam(AlertMask);
                }
            }
        }
        if (refs < 0) { ctx.Emit(KvmTrace.GiscUnregister, (gisc, -Errno.EINVAL, 0, (byte)0, (byte)0), GiscCycles); return -Errno.EINVAL; }
        ctx.Emit(KvmTrace.GiscUnregister, (gisc, 0, refs, AlertMask, Iam), GiscCycles);
        return 0;
    }

    // ---- the machine's side: reply notifications (1.9, 6.4 steps 1-4) ----------------------------------

    /// <summary>The AP firmware: a queue whose host AQIC designates this GISA (its completions are watched).</summary>
    internal void AddSource(ApQueue q) { lock (_sources) _sources[q.Apqn] = q; }
    internal void RemoveSource(ApQueue q) { lock (_sources) if (_sources.TryGetValue(q.Apqn, out var x) && x == q) _sources.Remove(q.Apqn); }
    public IReadOnlyList<ApQueue> Sources { get { lock (_sources) return _sources.Values.ToArray(); } }

    /// <summary>The earliest cycle a watched queue's reply becomes available and has not been notified.</summary>
    public ulong NextSourceCycle()
    {
        ulong next = ulong.MaxValue;
        foreach (var q in Sources)
            lock (q) next = Math.Min(next, q.NextNotificationCycle(this));
        return next;
    }

    /// <summary>
    /// The AP firmware's completion processing at the context's cycle: for every reply that became
    /// available on a queue whose interruptions are enabled with this GISA, store the NIB byte (0xFF)
    /// through the host address the host AQIC gave (the pinned guest page), then post the GISC.
    /// </summary>
    public void ServiceSources(HostContext ctx)
    {
        ulong now = ctx.Now;
        foreach (var q in Sources)
        {
            ulong nib;
            int gisc, n;
            lock (q)
            {
                n = q.TakeNotifications(this, now);
                nib = q.NotificationByte;
                gisc = q.Gisc;
            }
            for (int i = 0; i < n; i++)
            {
                ctx.Emit(MachineTrace.ApReplyAvailable, (q.Name, nib, gisc));
                StoreNib(nib, ctx);
                Post(gisc, ctx);
            }
        }
    }

    /// <summary>The firmware stores the notification-indicator byte (1.9: non-zero, model 0xFF) through the host frame.</summary>
    private void StoreNib(ulong hostNib, HostContext ctx)
    {
        if (!Kvm.Iommu.IsPinnedHostFrame(hostNib >> 12))
        {
            Kvm.UseAfterFree(ctx, $"NIB store through the unpinned host frame 0x{hostNib >> 12:x}");
            return;
        }
        Kvm.Host.WriteU8(hostNib, 0xFF);
        ulong guest = hostNib - Kvm.Memory.HostStart + Kvm.Memory.GuestBase;
        Kvm.NotifyGuestMemoryWritten(guest, 1);
        ctx.Emit(MachineTrace.ApNibStore, (hostNib, guest), NotifyCycles / 2);
    }

    /// <summary>
    /// 6.4 steps 1-4: IPM bit; no alert while a vcpu of the guest runs in SIE (the SIE presents the
    /// interruption once the vcpu is enabled); else, with the IAM bit set and the GISA off the alert
    /// list, push it on the GIB alert list (which may raise the GAL); else it stays pending.
    /// </summary>
    public void Post(int gisc, HostContext ctx)
    {
        if (Destroyed) { Kvm.UseAfterFree(ctx, $"interruption posted to the destroyed GISA 0x{Origin:x}"); return; }
        SetIpmBit(gisc);
        ctx.Emit(MachineTrace.GisaIpmSet, (Origin, gisc, Ipm, Iam), NotifyCycles / 2);
        if (SieUsers > 0)
        {
            ctx.Emit(MachineTrace.GisaNoAlert, (Origin, gisc, true, Iam, OnAlertList));
            return;
        }
        if ((Iam & (0x80 >> gisc)) != 0 && !OnAlertList) Gib.Push(this, ctx);
        else ctx.Emit(MachineTrace.GisaNoAlert, (Origin, gisc, false, Iam, OnAlertList));
    }

    internal void EnterSie() => Interlocked.Increment(ref _sieUsers);
    internal void ExitSie() => Interlocked.Decrement(ref _sieUsers);

    // ---- KVM's kicker (6.4 host side) ---------------------------------------------------------------

    /// <summary>hrtimer_start(gi->timer, 0): the kicker runs at the next opportunity.</summary>
    internal void StartKicker(ulong now) => KickerCycle = now;

    /// <summary>
    /// gisa_vcpu_kicker: pending := IPM ∧ alert mask; nothing pending: IAM restored, timer stopped;
    /// else one idle vcpu whose PSW I/O bit is on and whose CR6 enables a pending ISC is woken (none
    /// if the first such vcpu was kicked but has not run yet) and the timer re-arms in 50 us.
    /// </summary>
    public void RunKicker(HostContext ctx)
    {
        KickerCycle = ulong.MaxValue;
        ctx.Charge(KickerCycles);
        byte pending = GetIpmOrRestoreIam();
        if (pending == 0)
        {
            ctx.Emit(KvmTrace.GisaKick, (Origin, pending, Iam, "", 0UL), KickerCycles);
            return;
        }
        string what = "no idle vcpu is enabled for it";
        foreach (var v in Kvm.Vcpus)
        {
            if (!v.IsIdle || (v.Cpu.PswMask & Psw.Io) == 0) continue;
            if ((pending & (byte)(v.Cpu.Cr[6] >> 24)) == 0) continue;
            if (v.KickPending) { what = $"vcpu {v.Cpu.CpuAddress} was kicked and has not run yet"; break; }
            v.Wakeup();
            what = $"woke vcpu {v.Cpu.CpuAddress}";
            break;
        }
        KickerCycle = ctx.Now + KickerMicroseconds * ctx.Mhz;
        ctx.Emit(KvmTrace.GisaKick, (Origin, pending, Iam, what, KickerCycle), KickerCycles);
    }

    // ---- destroy ----------------------------------------------------------------------------------

    /// <summary>
    /// kvm_s390_gisa_destroy (with the 2023 fix): an alert mask left non-zero is reported; alert mask
    /// and IAM are forced to 0 (late interruptions cannot queue it again), the alert list is processed
    /// until this GISA is off it, the kicker is cancelled and the GISA is gone.
    /// </summary>
    internal void Destroy(HostContext ctx)
    {
        if (Destroyed) return;
        if (AlertMask != 0) ctx.Emit(KvmTrace.GisaUnexpectedIam, (Origin, AlertMask, TotalReferences));
        lock (_lock)
        {
            AlertMask = 0;
            while (true)
            {
                ulong w = Word;
                if (Cas(w, w & ~0xFFUL)) break;
            }
        }
        while (OnAlertList) Gib.ProcessAlertList(ctx);
        KickerCycle = ulong.MaxValue;
        lock (_sources) _sources.Clear();
        Gib.Remove(this);
        Destroyed = true;
        ctx.Emit(KvmTrace.GisaDestroy, (Origin, Format));
    }

    public override string ToString() => $"GISA 0x{Origin:x} (format {Format})";
}

/// <summary>
/// The GIB (spec 6.2), one per host: 32 bytes below 2 GiB registered with the machine (CHSC set-GIB),
/// holding the alert-list origin (0: empty, GAL interruptions enabled; 1: empty, GAL suppressed; else
/// the first GISA, linked through next-alert) and the NISC (5), the host ISC of GIB alerts. The
/// machine pushes GISAs on the list and raises the GAL (an adapter interruption at the NISC) when the
/// list was empty; the host's GAL handler detaches the list and starts each VM's kicker.
/// </summary>
public sealed unsafe class Gib
{
    /// <summary>GAL_ISC: the host ISC of GIB alert interruptions.</summary>
    public const byte Nisc = 5;
    public const uint NullGisa = 0, NoneGisa = 1, GisaAddressMask = 0xFFFF_F000;
    public const int Size = 32;
    /// <summary>Modelled cost of taking the GAL interruption and processing the alert list (per GISA).</summary>
    public const ulong GalCycles = 1200, PerGisaCycles = 200;

    private static readonly ConditionalWeakTable<HostMemory, Gib> s_gibs = new();
    private readonly int* _origin;
    private readonly SortedDictionary<uint, Gisa> _gisas = new();
    private readonly object _lock = new();

    private Gib(HostMemory host)
    {
        Host = host;
        Address = host.KernelAlloc(Size, Size);
        host.WriteU8(Address + 8, Nisc);
        _origin = (int*)host.Pointer(Address, 4);
    }

    /// <summary>The GIB of a host (allocated and registered at the first VM with a GISA: kvm_s390_gib_init).</summary>
    public static Gib Of(HostMemory host) => s_gibs.GetValue(host, h => new Gib(h));

    public HostMemory Host { get; }
    public ulong Address { get; }
    public uint AlertListOrigin => BinaryPrimitives.ReverseEndianness((uint)Volatile.Read(ref *_origin));
    /// <summary>A GAL was raised and the host has not taken it yet.</summary>
    public bool GalPending { get; private set; }
    public ulong Gals { get; private set; }

    private uint Exchange(uint value) => BinaryPrimitives.ReverseEndianness((uint)Interlocked.Exchange(ref *_origin, (int)BinaryPrimitives.ReverseEndianness(value)));

    internal void Add(Gisa g) { lock (_lock) _gisas[(uint)g.Origin] = g; }
    internal void Remove(Gisa g) { lock (_lock) _gisas.Remove((uint)g.Origin); }

    /// <summary>The GISA at a host origin (how the machine resolves a GISA designation), or null.</summary>
    public Gisa? GisaAt(ulong origin) { lock (_lock) return _gisas.GetValueOrDefault((uint)origin); }

    /// <summary>
    /// The machine's alert (6.4 step 3): next-alert := the list's origin, IAM := 0 (UNCONFIRMED, as KVM
    /// expects), list origin := the GISA; a GAL at the NISC when the list was 0 (empty, GALs enabled).
    /// </summary>
    internal void Push(Gisa g, HostContext ctx)
    {
        uint old;
        lock (_lock)
        {
            old = AlertListOrigin;
            g.LinkAndClearIam(old);
            Exchange((uint)g.Origin);
        }
        ctx.Emit(MachineTrace.GibAlertPush, (g.Origin, old));
        if (old != NullGisa) return;
        GalPending = true;
        Gals++;
        ctx.Emit(MachineTrace.GalInterrupt, (int)Nisc);
        if (!DeferGalHandling) HandleGal(ctx);
    }

    /// <summary>The host's GAL interruption handler (isc 5): processes the alert list.</summary>
    public void HandleGal(HostContext ctx)
    {
        if (!GalPending) return;
        GalPending = false;
        ctx.Charge(GalCycles);
        ProcessAlertList(ctx, GalCycles);
    }

    /// <summary>Test hook: the GAL is raised but its handler runs later (<see cref="HandleGal"/>).</summary>
    public bool DeferGalHandling { get; set; }

    /// <summary>
    /// process_gib_alert_list: repeatedly detach the list (exchange its origin with 1, or with 0 in the
    /// final round, which re-enables GALs), walk the detached chain until an origin without address
    /// bits, put each GISA back off the list (next-alert := own origin) and start its VM's kicker now.
    /// The final round happens once a detached chain ended in 1 (nothing was added meanwhile).
    /// </summary>
    public void ProcessAlertList(HostContext ctx, ulong pathCycles = 0)
    {
        uint origin = 0;
        bool final;
        var processed = new List<ulong>();
        do
        {
            final = (origin & NoneGisa) != 0;
            origin = Exchange(final ? NullGisa : NoneGisa);
            while ((origin & GisaAddressMask) != 0)
            {
                var g = GisaAt(origin);
                if (g == null)
                {
                    ctx.Emit(KvmTrace.GibAlertListCorrupt, origin);
                    break;
                }
                origin = g.NextAlert;
                g.SetNextAlert((uint)g.Origin);
                g.StartKicker(ctx.Now);
                ctx.Charge(PerGisaCycles);
                pathCycles += PerGisaCycles;
                processed.Add(g.Origin);
            }
        } while (!final);
        ctx.Emit(KvmTrace.GibProcessAlertList, (processed, AlertListOrigin), pathCycles);
    }

    public override string ToString() => $"GIB 0x{Address:x} (nisc {Nisc})";
}
