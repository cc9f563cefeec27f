using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Hardware;
using S390Jit.Hardware.Sie;
using S390Jit.Hardware.Tracing;
using S390Jit.Memory;

namespace S390Jit.Host.Kvm;

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
public sealed class KvmVm : IHostEventSource
{
    public const int FacListDoublewords = 4;

    /// <param name="machine">The machine the host runs on.</param>
    public KvmVm(HostMachine machine, ulong memoryBytes, CpuModel model, KvmHostConfig? config = null)
    {
        Machine = machine;
        var host = Host = machine.Memory;
        Model = model;
        Config = config ?? KvmHostConfig.Default;
        Memory = new Memslot(host, 0, memoryBytes, "guest RAM");
        // stores by the machine into guest pages (an AP notification byte): code translated from them goes
        host.ExternalStore += (address, length) =>
        {
            if (address >= Memory.HostStart && address - Memory.HostStart < Memory.Size) NotifyGuestMemoryWritten(address - Memory.HostStart + Memory.GuestBase, length);
        };
        // fac_list lives in host memory below 2 GiB (the SIE FAC field is a 31-bit address)
        FacListAddress = host.KernelAlloc(FacListDoublewords * 8, 8);
        var list = model.ToList(FacListDoublewords);
        // fac_mask: facility 65 is offerable only with AIV (a GISA to forward to) since 5.3; v7 offered it with the host's 65
        if (!Config.Facility65 || !(Config.Aiv || Config.Quirks.V7Facility65))
            list[Fac.ApQueueInterruptControl >> 6] &= ~(0x8000_0000_0000_0000UL >> (Fac.ApQueueInterruptControl & 63));
        for (int i = 0; i < list.Length; i++) host.WriteU64(FacListAddress + (ulong)i * 8, list[i]);
        Floating = new FloatingInterrupts(this);
        Crypto = new KvmCrypto(this);
        if (Config.Aiv)
        {
            // kvm_s390_gisa_init: the GISA lives in the VM's sie_page2; the GIB is registered with the first one
            Gib = Gib.Of(machine);
            Gisa = new Gisa(this, Crypto.SiePage2 + Gisa.SiePage2Offset, Config.GisaFormat1 ? 1 : 0, Gib);
            Events.Emit(KvmTrace.GisaInit, 0, (Gisa.Origin, Gisa.Format, Gib.Address, Gib.Nisc));
        }
    }

    /// <summary>The machine the host runs on (its memory, SIE, AP and adapter-interruption hardware).</summary>
    public HostMachine Machine { get; }
    public HostMemory Host { get; }
    /// <summary>The host's trace buffer (the machine's).</summary>
    public TraceLog Events => Machine.Trace;
    public CpuModel Model { get; }
    public KvmHostConfig Config { get; }
    public HostQuirks Quirks => Config.Quirks;
    public Memslot Memory { get; }
    /// <summary>The VFIO container (type1 IOMMU) QEMU maps this VM's RAM into for mediated devices.</summary>
    /// <remarks>Made on first use (a mediated device's open; VFIO's own container is likewise set up by the first
    /// user): no host allocation or trace event of its own, so when it is made changes nothing a run shows.</remarks>
    public Vfio.VfioIommu Iommu
    {
        get
        {
            var i = Volatile.Read(ref _iommu);
            if (i != null) return i;
            lock (_iommuLock) return _iommu ??= new Vfio.VfioIommu(Memory);
        }
    }
    private Vfio.VfioIommu? _iommu;
    private readonly object _iommuLock = new();
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

    /// <summary>
    /// User space's turn while a vcpu enters an enabled wait (QEMU's main loop runs while the vcpu thread
    /// sleeps in kvm_s390_handle_wait): I/O that is ready, such as console input, is injected here, at a
    /// point of the guest's execution rather than of wall-clock time, so runs stay deterministic. Returns
    /// true when it injected an interruption.
    /// </summary>
    public Func<KvmVcpu, bool>? WaitHook { get; set; }
    /// <summary>CRYCB, APIE and the AP masks (kvm.arch.crypto).</summary>
    public KvmCrypto Crypto { get; }
    /// <summary>The VM name reported in STSI 3.2.2 (QEMU sets it from -name).</summary>
    public string Name { get; set; } = "KVMguest";
    /// <summary>The VM's UUID reported in STSI 3.2.2 (QEMU's -uuid; all zeros without it).</summary>
    public Guid Uuid { get; set; }

    public bool TestFacility(int bit) => (Host.ReadU64(FacListAddress + (ulong)(bit >> 6) * 8) & (0x8000_0000_0000_0000UL >> (bit & 63))) != 0;

    public KvmVcpu CreateVcpu(ushort cpuAddress)
    {
        var v = new KvmVcpu(this, cpuAddress);
        // the CPUs a TLB-clearing instruction without local clearing reaches (IPTE, IDTE, CSP, PTLB's broadcast forms)
        _cpus.Add(v.Cpu);
        v.Cpu.TlbPeers = _cpus;
        Crypto.VcpuSetup(v);
        if (Gisa != null)
        {
            // kvm_arch_vcpu_setup: GD = the GISA designation, ECA.AIV with it
            v.SieBlock.GisaDesignation = Gisa.Designation;
            v.SieBlock.ExecutionControlA |= StateDescription.EcaAiv;
        }
        Vcpus.Add(v);
        return v;
    }

    private readonly List<Cpu> _cpus = new();

    public KvmVcpu? VcpuByAddress(ulong address) => Vcpus.FirstOrDefault(v => v.Cpu.CpuAddress == address);

    /// <summary>The VM's current time for work not running on a vcpu (the furthest vcpu's cycle count).</summary>
    public ulong Now
    {
        get
        {
            ulong now = 0; // (a loop: LINQ's Max over ulong makes Comparer<ulong> by reflection and RyuJIT compiles it)
            foreach (var v in Vcpus) now = Math.Max(now, v.Cpu.Cycles);
            return now;
        }
    }
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
    /// <summary>Accesses the model caught to freed objects (a destroyed VM or GISA, an unpinned NIB frame): the host's trace counts them.</summary>
    public ulong UseAfterFreeCount => Events[MachineTrace.UseAfterFree];
    /// <summary>GISC references the GISA still had when the VM was destroyed (a leak).</summary>
    public int GiscReferencesAtDestroy { get; private set; }

    internal void UseAfterFree(HostContext ctx, string what) => Events.Emit(MachineTrace.UseAfterFree, ctx.Now, what);

    /// <summary>kvm_get_kvm.</summary>
    public void Get(HostContext ctx, string who)
    {
        if (Destroyed) { UseAfterFree(ctx, $"kvm_get_kvm on a destroyed VM by {who}"); return; }
        int n = Interlocked.Increment(ref _refs);
        ctx.Emit(KvmTrace.GetKvm, (who, n));
    }

    /// <summary>kvm_put_kvm: the last reference destroys the VM.</summary>
    public void Put(HostContext ctx, string who)
    {
        if (Destroyed) { UseAfterFree(ctx, $"kvm_put_kvm on a destroyed VM by {who}"); return; }
        int n = Interlocked.Decrement(ref _refs);
        ctx.Emit(KvmTrace.PutKvm, (who, n));
        if (n == 0) Destroy(ctx);
    }

    /// <summary>kvm_destroy_vm / kvm_arch_destroy_vm: the GISA goes (after the queues stopped using it).</summary>
    private void Destroy(HostContext ctx)
    {
        GiscReferencesAtDestroy = Gisa?.TotalReferences ?? 0;
        Gisa?.Destroy(ctx);
        // kvm_arch_destroy_vm: sie_page2 (CRYCB, GISA) is freed; the machine treats later uses as use after free
        Host.KernelFree(Crypto.SiePage2, KvmCrypto.SiePage2Size);
        Destroyed = true;
        ctx.Emit(KvmTrace.DestroyVm, (GiscReferencesAtDestroy, Volatile.Read(ref _iommu)?.PinnedPages ?? 0));
    }

    // ---- the GISC API KVM exports to vfio_ap (spec 6.3) ----------------------------------------------

    /// <summary>kvm_s390_gisc_register: the NISC (5), or -ENODEV without a GISA, -ERANGE for an ISC above 7.</summary>
    public int GiscRegister(int gisc, HostContext ctx)
    {
        if (Gisa == null) { ctx.Emit(KvmTrace.GiscRegister, (gisc, -Errno.ENODEV, 0, (byte)0, (byte)0)); return -Errno.ENODEV; }
        return Gisa.RegisterGisc(gisc, ctx);
    }

    /// <summary>kvm_s390_gisc_unregister: 0, or -ENODEV, -ERANGE, -EINVAL (not registered).</summary>
    public int GiscUnregister(int gisc, HostContext ctx)
    {
        if (Gisa == null) { ctx.Emit(KvmTrace.GiscUnregister, (gisc, -Errno.ENODEV, 0, (byte)0, (byte)0)); return -Errno.ENODEV; }
        return Gisa.UnregisterGisc(gisc, ctx);
    }

    // ---- host events in the cycle model --------------------------------------------------------------

    /// <summary>The next cycle host-side work is due for this VM: an AP reply to notify, the kicker timer.</summary>
    public ulong NextHostEventCycle() => Gisa is { Destroyed: false } g ? Math.Min(g.KickerCycle, Machine.Aiv.NextNotificationCycle(g.Origin)) : ulong.MaxValue;

    /// <summary>
    /// Only the kicker is scheduled (no reply outstanding) and it cannot wake anyone: every vcpu is stopped
    /// or idle, and no idle vcpu is enabled (PSW I/O bit, CR6) for what is pending in the IPM.
    /// </summary>
    public bool KickerIsFutile()
    {
        if (Gisa is not { Destroyed: false } g || Machine.Aiv.NextNotificationCycle(g.Origin) != ulong.MaxValue) return false;
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
        Machine.Aiv.ServiceNotifications(g.Origin, ctx);
        g.Gib.HandleGal(ctx);
        if (ctx.Now >= g.KickerCycle) g.RunKicker(ctx);
    }

    void IHostEventSource.Service(Cpu cpu)
    {
        var v = Vcpus.First(x => x.Cpu == cpu);
        ServiceHostEvents(v);
        cpu.HostEventCycle = NextHostEventCycle();
    }
}
