using System.Runtime.CompilerServices;
using S390Jit.Hardware;
using S390Jit.Hardware.Aiv;

namespace S390Jit.Host.Kvm;

/// <summary>
/// KVM's GIB (spec 6.2), one per host: 32 bytes below 2 GiB holding the alert-list origin and the
/// NISC (5), the host ISC of GIB alerts, registered with the machine by CHSC set-GIB at the first VM
/// with a GISA (kvm_s390_gib_init). The machine pushes GISAs on the list and raises the GAL when the
/// list was empty; the host's GAL handler (process_gib_alert_list) detaches the list and starts each
/// VM's kicker.
/// </summary>
public sealed unsafe class Gib : IHostInterruptionHandler
{
    /// <summary>GAL_ISC: the host ISC of GIB alert interruptions.</summary>
    public const byte Nisc = 5;
    public const uint NullGisa = GibWord.NullGisa, NoneGisa = GibWord.NoneGisa;
    /// <summary>Modelled cost of taking the GAL interruption and processing the alert list (per GISA).</summary>
    public const ulong GalCycles = 1200, PerGisaCycles = 200;

    private static readonly ConditionalWeakTable<HostMachine, Gib> s_gibs = new();
    private readonly GibWord _origin;
    // the GISAs of this host by origin (container_of from the alert list's links)
    // (a Dictionary: nothing walks it in order, and SortedDictionary<uint, _> cost 3 RyuJIT compiles at every start)
    private readonly Dictionary<uint, Gisa> _gisas = new();
    private readonly object _lock = new();

    private Gib(HostMachine machine)
    {
        Machine = machine;
        var host = machine.Memory;
        Address = host.KernelAlloc(GibWord.Size, GibWord.Size);
        host.WriteU8(Address + GibWord.NiscOffset, Nisc);
        _origin = new GibWord((int*)host.Pointer(Address, 4));
        machine.Aiv.HostHandler = this;
        machine.Aiv.SetGib(Address);
    }

    /// <summary>The GIB of the host running on <paramref name="machine"/> (allocated and registered at the first VM with a GISA).</summary>
    public static Gib Of(HostMachine machine) => s_gibs.GetValue(machine, m => new Gib(m));

    public HostMachine Machine { get; }
    public ulong Address { get; }
    public uint AlertListOrigin => _origin.AlertListOrigin;

    internal void Add(Gisa g) { lock (_lock) _gisas[(uint)g.Origin] = g; }
    internal void Remove(Gisa g) { lock (_lock) _gisas.Remove((uint)g.Origin); }

    /// <summary>The GISA of this host at an origin, or null.</summary>
    public Gisa? GisaAt(ulong origin) { lock (_lock) return _gisas.GetValueOrDefault((uint)origin); }

    void IHostInterruptionHandler.AdapterInterruption(int isc, IMachineContext ctx) => HandleGal(ctx);

    /// <summary>The host's GAL interruption handler (isc 5): takes a pending GAL and processes the alert list.</summary>
    public void HandleGal(IMachineContext ctx)
    {
        if (!Machine.Aiv.TakeGal()) return;
        ctx.Charge(GalCycles);
        ProcessAlertList(ctx, GalCycles);
    }

    /// <summary>
    /// process_gib_alert_list: repeatedly detach the list (exchange its origin with 1, or with 0 in the
    /// final round, which re-enables GALs), walk the detached chain until an origin without address
    /// bits, put each GISA back off the list (next-alert := own origin) and start its VM's kicker now.
    /// The final round happens once a detached chain ended in 1 (nothing was added meanwhile).
    /// </summary>
    public void ProcessAlertList(IMachineContext ctx, ulong pathCycles = 0)
    {
        uint origin = 0;
        bool final;
        var processed = new List<ulong>();
        do
        {
            final = (origin & NoneGisa) != 0;
            origin = _origin.Exchange(final ? NullGisa : NoneGisa);
            while ((origin & GibWord.GisaAddressMask) != 0)
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
