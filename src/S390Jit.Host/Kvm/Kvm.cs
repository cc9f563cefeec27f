using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Memory;

namespace S390Jit.Host.Kvm;

/// <summary>What the CPU model offers a guest (QEMU's -cpu and KVM's facility lists).</summary>
public sealed class CpuModel
{
    /// <summary>Facility bits (STFLE numbering) the machine offers this guest.</summary>
    public SortedSet<int> Facilities { get; } = new(DefaultFacilities);
    /// <summary>QEMU's "ap" feature: AP instructions available to the guest (the VMM then enables APIE).</summary>
    public bool Ap { get; set; }
    /// <summary>CPU type for STIDP/STSI (z16 = 0x3931).</summary>
    public ushort CpuType { get; init; } = 0x3931;

    /// <summary>The facilities whose instructions the emulator implements (z196/zEC12 general instructions and the basics).</summary>
    public static readonly int[] DefaultFacilities =
    [
        Fac.N3, Fac.ZArchInstalled, Fac.ZArchActive, Fac.Stfle, Fac.ExtTranslation2, Fac.LongDisplacement,
        Fac.LongDisplacementHp, Fac.ExtendedImmediate, Fac.ExtTranslation3, Fac.Stckf, Fac.GeneralInstructionsExtension,
        Fac.ExecuteExtensions, Fac.Z196, Fac.MiscInstructionExtensions, Fac.LoadStoreOnCondition2,
        Fac.Idte, 4, 5, Fac.Edat1, Fac.ConditionalSske, Fac.IpteRange, Fac.NonquiescingKeySetting, Fac.Mvcos, Fac.Csst, Fac.Csst2, Fac.LocalTlbClearing,
        Fac.AccessExceptionFetchStoreIndication, Fac.EnhancedDat2, Fac.InstructionExecutionProtection,
    ];

    public ulong[] ToList(int doublewords = 4)
    {
        var l = new ulong[doublewords];
        foreach (int f in Facilities)
            if (f >> 6 < doublewords) l[f >> 6] |= 0x8000_0000_0000_0000UL >> (f & 63);
        return l;
    }
}

/// <summary>What the host machine offers KVM (its channel subsystem, STFLE list, SCLP) and the quirk switches.</summary>
public sealed class KvmHostConfig
{
    public static readonly KvmHostConfig Default = new();
    /// <summary>Adapter-interruption virtualization (channel-subsystem characteristic "aiv"): KVM creates a GISA per VM.</summary>
    public bool Aiv { get; init; } = true;
    /// <summary>The host has facility 65 (AQIC).</summary>
    public bool Facility65 { get; init; } = true;
    /// <summary>The machine supports GISA format 1 (sclp.has_gisaf); else format 0.</summary>
    public bool GisaFormat1 { get; init; } = true;
    public HostQuirks Quirks { get; init; } = HostQuirks.None;
}

/// <summary>
/// The model of one KVM virtual machine (struct kvm): guest memory as a memslot, vcpus with their
/// SIE blocks, the facility lists, floating interruptions, the GISA and the VM-wide host structures.
/// The VM is reference-counted (kvm_get_kvm / kvm_put_kvm): the VMM holds the first reference, a
/// vfio_ap mdev another while it is attached; the last put destroys the VM (and its GISA).
/// </summary>
public sealed class Kvm : IHostEventSource
{
    public const int FacListDoublewords = 4;

    /// <param name="hostAp">The host's AP bus; null on a host without AP instructions.</param>
    public Kvm(HostMemory host, ulong memoryBytes, CpuModel model, HostEvents events, global::S390Jit.Host.Crypto.ApBus? hostAp = null, KvmHostConfig? config = null)
    {
        Host = host;
        Events = events;
        Model = model;
        Config = config ?? KvmHostConfig.Default;
        Memory = new Memslot(host, 0, memoryBytes, "guest RAM");
        Iommu = new Vfio.VfioIommu(Memory);
        // fac_list lives in host memory below 2 GiB (the SIE FAC field is a 31-bit address)
        FacListAddress = host.KernelAlloc(FacListDoublewords * 8, 8);
        var list = model.ToList(FacListDoublewords);
        // fac_mask: facility 65 is offerable only with AIV (a GISA to forward to) since 5.3; v7 offered it with the host's 65
        if (!Config.Facility65 || !(Config.Aiv || Config.Quirks.V7Facility65))
            list[Fac.ApQueueInterruptControl >> 6] &= ~(0x8000_0000_0000_0000UL >> (Fac.ApQueueInterruptControl & 63));
        for (int i = 0; i < list.Length; i++) host.WriteU64(FacListAddress + (ulong)i * 8, list[i]);
        Floating = new FloatingInterrupts(this);
        Crypto = new KvmCrypto(this, hostAp);
        if (Config.Aiv)
        {
            // kvm_s390_gisa_init: the GISA lives in the VM's sie_page2; the GIB is registered with the first one
            Gib = Gib.Of(host);
            Gisa = new Gisa(this, Crypto.SiePage2 + Gisa.SiePage2Offset, Config.GisaFormat1 ? 1 : 0, Gib);
            events.Emit("kvm_s390_gisa_init", 0, $"gisa 0x{Gisa.Origin:x} format {Gisa.Format}, gib 0x{Gib.Address:x} nisc {Gib.Nisc}");
        }
    }

    public HostMemory Host { get; }
    public HostEvents Events { get; }
    public CpuModel Model { get; }
    public KvmHostConfig Config { get; }
    public HostQuirks Quirks => Config.Quirks;
    public Memslot Memory { get; }
    /// <summary>The VFIO container (type1 IOMMU) QEMU maps this VM's RAM into for mediated devices.</summary>
    public Vfio.VfioIommu Iommu { get; }
    public ulong FacListAddress { get; }
    public List<KvmVcpu> Vcpus { get; } = new();
    public FloatingInterrupts Floating { get; }
    /// <summary>The VM's GISA (null without AIV), and the host's GIB.</summary>
    public Gisa? Gisa { get; }
    public Gib? Gib { get; }

    /// <summary>
    /// Raised when the host model writes guest memory directly (SCLP responses, AP replies, DMA-like
    /// stores): the execution engine drops translations of code in that range.
    /// </summary>
    public event Action<ulong, ulong>? GuestMemoryWritten;

    /// <summary>Reports a direct host write into guest absolute storage [address, address+length).</summary>
    public void NotifyGuestMemoryWritten(ulong address, ulong length) => GuestMemoryWritten?.Invoke(address, length);
    /// <summary>CRYCB, APIE and the AP masks (kvm.arch.crypto).</summary>
    public KvmCrypto Crypto { get; }
    /// <summary>The VM name reported in STSI 3.2.2 (QEMU sets it from -name).</summary>
    public string Name { get; set; } = "KVMguest";

    public bool TestFacility(int bit) => (Host.ReadU64(FacListAddress + (ulong)(bit >> 6) * 8) & (0x8000_0000_0000_0000UL >> (bit & 63))) != 0;

    public KvmVcpu CreateVcpu(ushort cpuAddress)
    {
        var v = new KvmVcpu(this, cpuAddress);
        Crypto.VcpuSetup(v);
        if (Gisa != null)
        {
            // kvm_arch_vcpu_setup: GD = the GISA designation, ECA.AIV with it
            v.SieBlock.GisaDesignation = Gisa.Designation;
            v.SieBlock.ExecutionControlA |= SieControls.EcaAiv;
        }
        Vcpus.Add(v);
        return v;
    }

    public KvmVcpu? VcpuByAddress(ulong address) => Vcpus.FirstOrDefault(v => v.Cpu.CpuAddress == address);

    /// <summary>The VM's current time for work not running on a vcpu (the furthest vcpu's cycle count).</summary>
    public ulong Now => Vcpus.Count == 0 ? 0 : Vcpus.Max(v => v.Cpu.Cycles);
    /// <summary>A context for host work user space starts (QEMU, sysfs): the VM's time, this VM's events.</summary>
    public HostContext UserContext() =>
        new(Math.Max(Now, _userClock), Events, Vcpus.Count > 0 ? Vcpus[0].Cpu.Clock.Mhz : 5200, c => _userClock = Math.Max(_userClock, c));
    // user space's own time: work it did (and the virtual sleeps in it) keeps the trace in order
    private ulong _userClock;

    // ---- reference counting and destroy ---------------------------------------------------------------

    private int _refs = 1;
    /// <summary>References held on the VM (the VMM's, an mdev's).</summary>
    public int References => Volatile.Read(ref _refs);
    public bool Destroyed { get; private set; }
    /// <summary>Accesses the model caught to freed objects (a destroyed VM or GISA, an unpinned NIB frame).</summary>
    public ulong UseAfterFreeCount => (ulong)Interlocked.Read(ref _uaf);
    private long _uaf;
    /// <summary>GISC references the GISA still had when the VM was destroyed (a leak).</summary>
    public int GiscReferencesAtDestroy { get; private set; }

    internal void UseAfterFree(HostContext ctx, string what)
    {
        Interlocked.Increment(ref _uaf);
        ctx.Emit("use_after_free", what);
    }

    /// <summary>kvm_get_kvm.</summary>
    public void Get(HostContext ctx, string who)
    {
        if (Destroyed) { UseAfterFree(ctx, $"kvm_get_kvm on a destroyed VM by {who}"); return; }
        int n = Interlocked.Increment(ref _refs);
        ctx.Emit("kvm_get_kvm", $"{who}: references {n}");
    }

    /// <summary>kvm_put_kvm: the last reference destroys the VM.</summary>
    public void Put(HostContext ctx, string who)
    {
        if (Destroyed) { UseAfterFree(ctx, $"kvm_put_kvm on a destroyed VM by {who}"); return; }
        int n = Interlocked.Decrement(ref _refs);
        ctx.Emit("kvm_put_kvm", $"{who}: references {n}");
        if (n == 0) Destroy(ctx);
    }

    /// <summary>kvm_destroy_vm / kvm_arch_destroy_vm: the GISA goes (after the queues stopped using it).</summary>
    private void Destroy(HostContext ctx)
    {
        GiscReferencesAtDestroy = Gisa?.TotalReferences ?? 0;
        Gisa?.Destroy(ctx);
        Destroyed = true;
        ctx.Emit("kvm_destroy_vm", $"gisc references left {GiscReferencesAtDestroy}, pinned pages left {Iommu.PinnedPages}");
    }

    // ---- the GISC API KVM exports to vfio_ap (spec 6.3) ----------------------------------------------

    /// <summary>kvm_s390_gisc_register: the NISC (5), or -ENODEV without a GISA, -ERANGE for an ISC above 7.</summary>
    public int GiscRegister(int gisc, HostContext ctx)
    {
        if (Gisa == null) { ctx.Emit("kvm_s390_gisc_register", $"gisc {gisc}: -ENODEV (no GISA)"); return -Gisa.ENODEV; }
        return Gisa.RegisterGisc(gisc, ctx);
    }

    /// <summary>kvm_s390_gisc_unregister: 0, or -ENODEV, -ERANGE, -EINVAL (not registered).</summary>
    public int GiscUnregister(int gisc, HostContext ctx)
    {
        if (Gisa == null) { ctx.Emit("kvm_s390_gisc_unregister", $"gisc {gisc}: -ENODEV (no GISA)"); return -Gisa.ENODEV; }
        return Gisa.UnregisterGisc(gisc, ctx);
    }

    // ---- host events in the cycle model --------------------------------------------------------------

    /// <summary>The next cycle host-side work is due for this VM: an AP reply to notify, the kicker timer.</summary>
    public ulong NextHostEventCycle() => Gisa is { Destroyed: false } g ? Math.Min(g.KickerCycle, g.NextSourceCycle()) : ulong.MaxValue;

    /// <summary>
    /// Only the kicker is scheduled (no reply outstanding) and it cannot wake anyone: every vcpu is stopped
    /// or idle, and no idle vcpu is enabled (PSW I/O bit, CR6) for what is pending in the IPM.
    /// </summary>
    public bool KickerIsFutile()
    {
        if (Gisa is not { Destroyed: false } g || g.NextSourceCycle() != ulong.MaxValue) return false;
        byte pending = (byte)(g.Ipm & g.AlertMask);
        foreach (var v in Vcpus)
        {
            if (v.Stopped) continue;
            if (!v.IsIdle) return false;
            if ((v.Cpu.PswMask & Psw.Io) != 0 && (pending & (byte)(v.Cpu.Cr[6] >> 24)) != 0) return false;
        }
        return true;
    }

    /// <summary>
    /// Runs the host-side work due at the vcpu's cycle: the AP firmware's notifications for replies that
    /// became available (NIB, IPM, alert), the GAL handler, this VM's kicker.
    /// </summary>
    public void ServiceHostEvents(KvmVcpu on)
    {
        if (Gisa is not { Destroyed: false } g) return;
        var ctx = new HostContext(on.Cpu, Events);
        g.ServiceSources(ctx);
        g.Gib.HandleGal(ctx);
        if (ctx.Now >= g.KickerCycle) g.RunKicker(ctx);
    }

    void IHostEventSource.Service(Cpu cpu)
    {
        var v = Vcpus.First(x => x.Cpu == cpu);
        ServiceHostEvents(v);
        cpu.HostEventCycle = NextHostEventCycle();
    }

    void IHostEventSource.AdapterInterruptionPresented(Cpu cpu, int isc) =>
        Events.Emit("sie_deliver_io_adapter", cpu.Cycles, $"vcpu {cpu.CpuAddress}: SIE presented the adapter interruption from the GISA, isc {isc}, interruption id 0x{0x8000_0000u | ((uint)isc << 27):x8}");
}
