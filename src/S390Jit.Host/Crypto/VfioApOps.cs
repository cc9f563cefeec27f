using S390Jit.Hardware;
using S390Jit.Hardware.Ap;
using S390Jit.Hardware.Sie;
using S390Jit.Host.Kvm;

namespace S390Jit.Host.Crypto;

// vfio_ap_ops.c

/// <summary>
/// A vfio_ap matrix mediated device (struct ap_matrix_mdev): the adapters (APM), usage domains (AQM)
/// and control domains (ADM) assigned to one guest; its queues are APM x AQM. Assigning checks that
/// every queue the assignment adds is bound to vfio_ap (-EADDRNOTAVAIL) and that no other mdev has it
/// (-EADDRINUSE). Opening it for a KVM (the VFIO group's SET_KVM) loads the masks into the CRYCB and
/// installs the PQAP hook; releasing it clears the masks and resets the queues.
/// </summary>
public sealed class ApMatrixMdev : IPqapHook, Vfio.IDmaUnmapListener
{
    internal ApMatrixMdev(VfioAp driver, Guid uuid)
    {
        Driver = driver;
        Uuid = uuid;
    }

    public VfioAp Driver { get; }
    public Guid Uuid { get; }
    public string SysfsPath => $"{VfioAp.MatrixDevicePath}/{Uuid}";
    public ApMask Apm { get; } = new();
    public ApMask Aqm { get; } = new();
    public ApMask Adm { get; } = new();
    /// <summary>The KVM this mdev is opened for (and holds a reference to), or null.</summary>
    public KvmVm? Kvm { get; private set; }

    /// <summary>The APQNs of the matrix (APM x AQM), in order.</summary>
    public IEnumerable<ushort> Apqns
    {
        get
        {
            lock (Driver.Lock)
                return Apm.Bits().SelectMany(a => Aqm.Bits().Select(d => Apqn.Make(a, d))).ToArray();
        }
    }

    private void CheckAdapter(int apid)
    {
        if (apid < 0 || apid > Driver.MaxApid) throw new ApException(Errno.ENODEV, $"adapter 0x{apid:x2} exceeds the maximum APID 0x{Driver.MaxApid:x2}");
        if (Kvm != null) throw new ApException(Errno.EBUSY, $"mdev {Uuid} is in use by a guest");
    }

    private void CheckDomain(int apqi)
    {
        if (apqi < 0 || apqi > Driver.MaxApqi) throw new ApException(Errno.ENODEV, $"domain 0x{apqi:x4} exceeds the maximum domain 0x{Driver.MaxApqi:x4}");
        if (Kvm != null) throw new ApException(Errno.EBUSY, $"mdev {Uuid} is in use by a guest");
    }

    /// <summary>Every queue (apid, apqi) the new assignment adds must be bound to vfio_ap.</summary>
    private void VerifyReserved(IEnumerable<int> apids, IEnumerable<int> apqis)
    {
        var ds = apqis.ToArray();
        foreach (int a in apids)
        {
            if (ds.Length == 0)
            {
                // nothing to pair with yet: at least one queue of the adapter must be reserved (vfio_ap 5.x)
                if (!Driver.Bus.Apqns.Any(q => Apqn.Apid(q) == a && Driver.IsBound(q)))
                    throw new ApException(Errno.EADDRNOTAVAIL, $"no queue of adapter 0x{a:x2} is bound to vfio_ap");
                continue;
            }
            foreach (int d in ds)
                if (!Driver.IsBound(Apqn.Make(a, d)))
                    throw new ApException(Errno.EADDRNOTAVAIL, $"queue {Apqn.Name(Apqn.Make(a, d))} is not bound to vfio_ap");
        }
        if (apids.Any()) return;
        foreach (int d in ds)
            if (!Driver.Bus.Apqns.Any(q => Apqn.Apqi(q) == d && Driver.IsBound(q)))
                throw new ApException(Errno.EADDRNOTAVAIL, $"no queue of domain 0x{d:x4} is bound to vfio_ap");
    }

    /// <summary>No other mdev may have a queue of this matrix.</summary>
    private void VerifyNoSharing()
    {
        foreach (var o in Driver.Others(this))
            if (o.Apm.Intersects(Apm) && o.Aqm.Intersects(Aqm))
            {
                int a = o.Apm.Bits().First(b => Apm[b]), d = o.Aqm.Bits().First(b => Aqm[b]);
                throw new ApException(Errno.EADDRINUSE, $"queue {Apqn.Name(Apqn.Make(a, d))} is already assigned to mdev {o.Uuid}");
            }
    }

    /// <summary>echo APID &gt; assign_adapter</summary>
    public void AssignAdapter(int apid) => Assign(Apm, apid, () => CheckAdapter(apid), () => VerifyReserved([apid], Aqm.Bits()));

    public void UnassignAdapter(int apid)
    {
        lock (Driver.Lock) { CheckAdapter(apid); Apm[apid] = false; }
    }

    /// <summary>echo APQI &gt; assign_domain</summary>
    public void AssignDomain(int apqi) => Assign(Aqm, apqi, () => CheckDomain(apqi), () => VerifyReserved(Apm.Bits(), [apqi]));

    public void UnassignDomain(int apqi)
    {
        lock (Driver.Lock) { CheckDomain(apqi); Aqm[apqi] = false; }
    }

    /// <summary>Sets a matrix bit after the index check and the reservation check; undone if another mdev has a queue it adds.</summary>
    private void Assign(ApMask mask, int n, Action checkIndex, Action verifyReserved)
    {
        lock (Driver.Lock)
        {
            checkIndex();
            if (mask[n]) return;
            verifyReserved();
            mask[n] = true;
            try { VerifyNoSharing(); }
            catch { mask[n] = false; throw; }
        }
    }

    /// <summary>echo APQI &gt; assign_control_domain (no queue reservation needed).</summary>
    public void AssignControlDomain(int apqi)
    {
        lock (Driver.Lock) { CheckDomain(apqi); Adm[apqi] = true; }
    }

    public void UnassignControlDomain(int apqi)
    {
        lock (Driver.Lock) { CheckDomain(apqi); Adm[apqi] = false; }
    }

    // ---- open, SET_KVM, release, reset (spec 5.2) ------------------------------------------------------

    /// <summary>The VFIO container whose IOMMU the mdev pins NIB pages through (set at open).</summary>
    public Vfio.VfioIommu? Iommu { get; private set; }
    /// <summary>The VFIO device is open (between open and release).</summary>
    public bool IsOpen { get; private set; }
    /// <summary>The mdev was removed (sysfs): any later use is a use after free.</summary>
    public bool Removed { get; internal set; }
    /// <summary>The KVM the mdev was last attached to (for release paths after SET_KVM(null)).</summary>
    internal KvmVm? LastKvm { get; private set; }

    /// <summary>QEMU opens the vfio-ap device of <paramref name="kvm"/>'s VM (VFIO container: the VM's).</summary>
    public void Open(KvmVm kvm) => Open(kvm, kvm.Iommu);

    /// <summary>
    /// vfio_ap_mdev_open: takes a module reference, registers the group notifier (which reports the VM's
    /// KVM at once: <see cref="SetKvm"/>: refused with -EPERM if another mdev serves this KVM, -EBUSY if
    /// this one is already open, -EADDRNOTAVAIL if a queue of the matrix is no longer bound to vfio_ap)
    /// and the IOMMU notifier for DMA unmaps. If the IOMMU registration fails the open fails; the model
    /// also undoes SET_KVM then (upstream leaks the KVM reference and the hook: quirk).
    /// </summary>
    public void Open(KvmVm kvm, Vfio.VfioIommu iommu)
    {
        var ctx = kvm.UserContext();
        if (Removed) { kvm.UseAfterFree(ctx, $"open of the removed mdev {Uuid}"); throw new ApException(Errno.ENODEV, $"mdev {Uuid} was removed"); }
        if (IsOpen) throw new ApException(Errno.EBUSY, $"mdev {Uuid} is already open");
        if (!Driver.Module.TryGet()) throw new ApException(Errno.ENODEV, "vfio_ap is being unloaded");
        try { SetKvm(kvm, ctx); }
        catch { Driver.Module.Put(); throw; }
        if (!iommu.RegisterNotifier(this))
        {
            ctx.Emit(VfioApTrace.MdevOpen, (Uuid, "IOMMU notifier registration failed"));
            if (!kvm.Quirks.UpstreamOpenFailLeak) SetKvm(null, ctx);
            Driver.Module.Put();
            throw new ApException(Errno.ENOMEM, $"mdev {Uuid}: IOMMU notifier registration failed");
        }
        Iommu = iommu;
        IsOpen = true;
        ctx.Emit(VfioApTrace.MdevOpen, (Uuid, $"{Apqns.Count()} queues"));
    }

    /// <summary>
    /// The group notifier's SET_KVM. With a KVM: refused (no reference taken) if another mdev serves it;
    /// else the mdev takes a KVM reference, installs its PQAP hook (with the hook lock write-held, only
    /// when the VM has a CRYCB) and loads APM/AQM/ADM into the CRYCB. With null (ML unset_kvm): the full
    /// teardown of a release (masks cleared, hook removed, queues reset, resources released, reference
    /// dropped); 5.3 (quirk) only forgot the pointer.
    /// </summary>
    public void SetKvm(KvmVm? kvm, HostContext ctx)
    {
        if (kvm == null)
        {
            var old = Kvm;
            if (old == null) return;
            if (old.Quirks.V53SetKvmNull)
            {
                lock (Driver.Lock) Kvm = null;
                ctx.Emit(VfioApTrace.MdevSetKvm, (Uuid, "kvm := null (5.3: reference, hook and queues left as they are)"));
                return;
            }
            Detach(old, ctx, "unset_kvm");
            return;
        }
        using (kvm.Crypto.HookWriteLock())
        lock (Driver.Lock)
        {
            if (Kvm != null) throw new ApException(Errno.EBUSY, $"mdev {Uuid} is already open");
            var other = Driver.Others(this).FirstOrDefault(o => o.Kvm == kvm);
            if (other != null)
            {
                ctx.Emit(VfioApTrace.MdevSetKvm, (Uuid, $"refused, the guest already uses mdev {other.Uuid}"));
                throw new ApException(Errno.EPERM, $"the guest already uses vfio_ap mdev {other.Uuid}");
            }
            foreach (var apqn in Apqns)
                if (!Driver.IsBound(apqn))
                    throw new ApException(Errno.EADDRNOTAVAIL, $"queue {Apqn.Name(apqn)} is not bound to vfio_ap");
            Kvm = kvm;
            LastKvm = kvm;
            kvm.Get(ctx, $"vfio_ap mdev {Uuid}");
            if (kvm.Crypto.Crycbd != 0)
            {
                kvm.Crypto.SetPqapHook(this, Driver.Module);
                kvm.Crypto.SetMasks(Apm, Aqm, Adm);
            }
            ctx.Emit(VfioApTrace.MdevSetKvm, (Uuid, "kvm attached, hook installed, masks set"));
        }
    }

    /// <summary>
    /// vfio_ap_mdev_release (QEMU closes the device): with a KVM: clear the CRYCB masks (vcpus kicked out of
    /// SIE), remove the hook, reset every queue of the matrix (releasing pins and GISC registrations),
    /// drop the KVM reference; then unregister the IOMMU notifier and drop the module reference.
    /// </summary>
    public void Release()
    {
        if (!IsOpen && Kvm == null) return;
        var ctx = Driver.ContextOf(this);
        if (Kvm is { } kvm) Detach(kvm, ctx, "release");
        if (IsOpen)
        {
            Iommu?.UnregisterNotifier(this);
            IsOpen = false;
            Driver.Module.Put();
        }
        ctx.Emit(VfioApTrace.MdevRelease, Uuid);
    }

    private void Detach(KvmVm kvm, HostContext ctx, string why)
    {
        using (kvm.Crypto.HookWriteLock())
        lock (Driver.Lock)
        {
            if (Kvm != kvm) return;
            kvm.Crypto.ClearMasks();
            if (kvm.Crypto.PqapHook == this) kvm.Crypto.SetPqapHook(null);
            ResetQueues(ctx);
            Kvm = null;
            ctx.Emit(VfioApTrace.MdevSetKvm, (Uuid, $"{why}: masks cleared, hook removed, queues reset"));
            kvm.Put(ctx, $"vfio_ap mdev {Uuid}");
        }
    }

    /// <summary>VFIO_DEVICE_RESET (QEMU on a system reset): ZAPQ every queue of the matrix and release its pin and GISC.</summary>
    public void Reset()
    {
        var ctx = Driver.ContextOf(this);
        lock (Driver.Lock) ResetQueues(ctx);
        ctx.Emit(VfioApTrace.MdevReset, Uuid);
    }

    internal void ResetQueues(HostContext ctx)
    {
        foreach (var apqn in Apqns)
            if (Driver.Bus.Hardware.Queue(apqn) != null) Driver.ResetQueue(apqn, Driver.QueueRecordLocked(apqn), ctx);
    }

    // ---- PQAP(AQIC): the hook (spec 5.3-5.6) -----------------------------------------------------------

    /// <summary>Modelled cost of vfio_ap's handler itself (lock, matrix and queue lookup, write-back).</summary>
    public const ulong HandlerCycles = 250;

    /// <summary>
    /// vfio_ap's handle_pqap (spec 5.3): not supported without ECA.AIV; under the matrix lock: RC 0x01 for
    /// no hook, no KVM, an APQN outside the matrix or a queue not bound to vfio_ap; else the queue
    /// record's mdev := this one and irq-enable (IR = 1, guest ISC = GR1 bits 61-63, NIB = GR2) or
    /// irq-disable; GR1 := 0x00000000_&lt;status&gt;. Other qirqctrl fields the guest set are ignored.
    /// </summary>
    public int HandlePqap(KvmVcpu vcpu)
    {
        var cpu = vcpu.Cpu;
        var kvm = vcpu.Kvm;
        var ctx = new HostContext(cpu, kvm.Events);
        ulong start = cpu.Cycles;
        if ((vcpu.SieBlock.ExecutionControlA & StateDescription.EcaAiv) == 0)
        {
            ctx.Emit(VfioApTrace.HandlePqap, (cpu.CpuAddress, "ECA.AIV off: -EOPNOTSUPP"));
            return -Errno.EOPNOTSUPP;
        }
        ushort apqn = (ushort)cpu.G[0];
        ulong gr1 = cpu.G[1], nib = cpu.G[2];
        bool ir = (gr1 & ApConfiguration.AqicIr) != 0;
        byte isc = (byte)(gr1 & 7);
        ctx.Charge(HandlerCycles);
        uint status;
        lock (Driver.Lock)
        {
            VfioApQueue? q = null;
            string why = "";
            if (Removed) { kvm.UseAfterFree(ctx, $"AQIC handled by the removed mdev {Uuid}"); why = "mdev removed"; }
            else if (kvm.Crypto.PqapHook == null) why = "no hook";
            else if (Kvm == null) why = "mdev has no KVM";
            else if (!Apm[Apqn.Apid(apqn)] || !Aqm[Apqn.Apqi(apqn)]) why = "APQN not in the matrix";
            else if ((q = Driver.QueueRecordLocked(apqn)) == null) why = "queue not bound to vfio_ap";
            if (q == null)
            {
                status = Architecture.State.ApStatus.Make(Architecture.State.ApStatus.QueueNotAvailable);
                ctx.Emit(VfioApTrace.HandlePqap, (cpu.CpuAddress, $"apqn {Apqn.Name(apqn)}: {why}: rc 0x01"));
            }
            else
            {
                ctx.Emit(VfioApTrace.HandlePqap, (cpu.CpuAddress, $"apqn {Apqn.Name(apqn)} {(ir ? $"enable isc {isc} nib 0x{nib:x}" : "disable")}"));
                q.Mdev = this;
                status = ir ? IrqEnable(q, isc, nib, ctx) : IrqDisable(q, ctx);
            }
        }
        cpu.G[1] = status;
        ctx.Emit(VfioApTrace.HandlePqapExit, (cpu.CpuAddress, apqn, cpu.G[1]), cpu.Cycles - start);
        return 0;
    }

    /// <summary>
    /// irq-enable (spec 5.4, ML form): the NIB's frame must be in a memslot (else RC 0x06); pin it through
    /// the VFIO IOMMU (failure: RC 0x06); register the guest ISC with KVM's GISA (failure: unpin, RC 0x06);
    /// issue the host AQIC with IR, GISC = guest ISC, ISC = the NISC, the GISA origin, zone 0, GF 0 and
    /// the host NIB (host frame | NIB offset). RC 0x00: the previous registration is released, the new
    /// one saved; RC 0x07: the new one is released, the previous kept; other: the new one is released
    /// (upstream leaks it: quirk) and irq-disable runs. Returns the host AQIC's status.
    /// </summary>
    private uint IrqEnable(VfioApQueue q, byte isc, ulong nib, HostContext ctx)
    {
        var kvm = Kvm!;
        var quirks = kvm.Quirks;
        ulong start = ctx.Now;
        uint Fail(string why)
        {
            ctx.Emit(VfioApTrace.IrqEnable, (q.Name, $"{why}: rc 0x06"), ctx.Now - start);
            return Architecture.State.ApStatus.Make(Architecture.State.ApStatus.InvalidAddress);
        }
        if (!kvm.Memory.Contains(nib)) return Fail($"nib 0x{nib:x} is not in a memslot");
        ulong gfn = nib >> 12;
        var iommu = Iommu ?? kvm.Iommu;
        long hfn = iommu.Pin(gfn, ctx);
        if (hfn < 0) return Fail($"pinning gfn 0x{gfn:x} failed ({hfn})");
        ulong hostNib = ((ulong)hfn << 12) | (nib & 0xFFF);
        var gisa = kvm.Gisa;
        int nisc = kvm.GiscRegister(isc, ctx);
        if (nisc < 0)
        {
            iommu.Unpin(gfn, ctx);
            return Fail($"gisc registration failed ({nisc})");
        }
        ulong origin = quirks.V7GisaFromNextAlert ? gisa!.NextAlert : gisa!.Origin;
        ulong qirqctrl = ApConfiguration.AqicIr | ((ulong)isc << 40) | (origin & 0x7FFF_FFF0UL) | (uint)nisc;
        uint status = Driver.Bus.Aqic(q.Apqn, qirqctrl, hostNib, kvm.Machine, ctx);
        byte rc = Architecture.State.ApStatus.Rc(status);
        string outcome;
        switch (rc)
        {
            case Architecture.State.ApStatus.Normal:
                ReleaseIrqResources(q, ctx, "previous registration");
                q.SavedPfn = gfn;
                q.SavedNib = nib;
                q.SavedIsc = isc;
                outcome = $"enabled: saved (gfn 0x{gfn:x}, isc {isc})";
                break;
            case Architecture.State.ApStatus.OtherwiseChanged:
                kvm.GiscUnregister(isc, ctx);
                iommu.Unpin(gfn, ctx);
                outcome = "rc 0x07: new registration released, previous kept";
                break;
            default:
                if (quirks.UpstreamLeakOnEnableError) outcome = $"rc 0x{rc:x2}: WARNING irq-disable (upstream: new pin gfn 0x{gfn:x} and gisc {isc} leaked)";
                else
                {
                    kvm.GiscUnregister(isc, ctx);
                    iommu.Unpin(gfn, ctx);
                    outcome = $"rc 0x{rc:x2}: WARNING new registration released, irq-disable";
                }
                ctx.Emit(VfioApTrace.IrqEnable, (q.Name, outcome), ctx.Now - start);
                IrqDisable(q, ctx);
                return status;
        }
        ctx.Emit(VfioApTrace.IrqEnable, (q.Name, outcome), ctx.Now - start);
        return status;
    }

    /// <summary>
    /// irq-disable (spec 5.5, V9/ML): up to 6 host AQICs with qirqctrl 0 and NIB 0 (RC 0x02/0x05: 20 ms and
    /// again); on RC 0x00/0x07 wait for the I bit to clear (up to 5 TAPQs, 20 ms apart); then release the
    /// saved pin and GISC and forget the mdev. v7 (quirk): one AQIC, on RC 0 up to 10 TAPQs while I = 1,
    /// and the resources are released only if I cleared. Returns the last AQIC status.
    /// </summary>
    internal uint IrqDisable(VfioApQueue q, HostContext ctx)
    {
        ulong start = ctx.Now;
        var bus = Driver.Bus;
        uint status = 0;
        if (Driver.QuirksOf(q.Mdev).V7IrqDisable)
        {
            status = bus.Aqic(q.Apqn, 0, 0, null, ctx);
            bool cleared = Architecture.State.ApStatus.Rc(status) != Architecture.State.ApStatus.Normal;
            if (!cleared)
                for (int i = 0; i < 10; i++)
                {
                    uint st = bus.Tapq(q.Apqn, ctx);
                    if ((st & Architecture.State.ApStatus.IrqEnabled) == 0) { cleared = true; break; }
                    ctx.SleepMs(20);
                }
            if (cleared && Architecture.State.ApStatus.Rc(status) == Architecture.State.ApStatus.Normal) ReleaseIrqResources(q, ctx, "v7 disable");
            else ctx.Emit(VfioApTrace.IrqDisable, (q.Name, true, $"v7: I bit did not clear or rc 0x{Architecture.State.ApStatus.Rc(status):x2}: resources kept"));
            q.Mdev = null;
            ctx.Emit(VfioApTrace.IrqDisable, (q.Name, false, $"v7 -> status 0x{status:x8}"), ctx.Now - start);
            return status;
        }
        for (int attempt = 0; attempt < 6; attempt++)
        {
            status = bus.Aqic(q.Apqn, 0, 0, null, ctx);
            byte rc = Architecture.State.ApStatus.Rc(status);
            if (rc is Architecture.State.ApStatus.Normal or Architecture.State.ApStatus.OtherwiseChanged)
            {
                WaitIrqCleared(q, ctx);
                break;
            }
            if (rc is Architecture.State.ApStatus.ResetInProgress or Architecture.State.ApStatus.Busy)
            {
                if (attempt == 5) ctx.Emit(VfioApTrace.IrqDisable, (q.Name, true, $"rc 0x{rc:x2} after 6 attempts"));
                else ctx.SleepMs(20);
                continue;
            }
            ctx.Emit(VfioApTrace.IrqDisable, (q.Name, true, $"host AQIC rc 0x{rc:x2}"));
            break;
        }
        ReleaseIrqResources(q, ctx, "disable");
        q.Mdev = null;
        ctx.Emit(VfioApTrace.IrqDisable, (q.Name, false, $"status 0x{status:x8}"), ctx.Now - start);
        return status;
    }

    /// <summary>vfio_ap_wait_for_irqclear: up to 5 TAPQs; I still 1 (RC 0/2) or RC 5: 20 ms and again.</summary>
    private void WaitIrqCleared(VfioApQueue q, HostContext ctx)
    {
        for (int i = 0; i < 5; i++)
        {
            uint st = Driver.Bus.Tapq(q.Apqn, ctx);
            byte rc = Architecture.State.ApStatus.Rc(st);
            bool iBit = (st & Architecture.State.ApStatus.IrqEnabled) != 0;
            if (rc is Architecture.State.ApStatus.Normal or Architecture.State.ApStatus.ResetInProgress && !iBit) return;
            if (rc is Architecture.State.ApStatus.Normal or Architecture.State.ApStatus.ResetInProgress or Architecture.State.ApStatus.Busy)
            {
                ctx.SleepMs(20);
                continue;
            }
            ctx.Emit(VfioApTrace.WaitIrqClear, (q.Name, $"tapq rc 0x{rc:x2}"));
            return;
        }
        ctx.Emit(VfioApTrace.WaitIrqClear, (q.Name, "I bit still on after 5 tapq, resources freed anyway"));
    }

    /// <summary>
    /// vfio_ap_free_aqic_resources: unregister the saved guest ISC (when the record's mdev and its KVM
    /// exist), unpin the saved NIB frame (when the mdev exists), forget both.
    /// </summary>
    internal static void ReleaseIrqResources(VfioApQueue q, HostContext ctx, string why = "release")
    {
        var m = q.Mdev;
        if (q.SavedIsc == VfioApQueue.IscInvalid && q.SavedPfn == 0) return;
        if (q.SavedIsc != VfioApQueue.IscInvalid && m?.Kvm is { } kvm) kvm.GiscUnregister(q.SavedIsc, ctx);
        if (q.SavedPfn != 0 && m != null) (m.Iommu ?? m.LastKvm?.Iommu)?.Unpin(q.SavedPfn, ctx);
        ctx.Emit(VfioApTrace.FreeAqicResources, (q.Name, why, q.SavedPfn, q.SavedIsc));
        q.SavedPfn = 0;
        q.SavedNib = 0;
        q.SavedIsc = VfioApQueue.IscInvalid;
    }

    // ---- the IOMMU notifier (spec 5.2 "DMA-UNMAP") ------------------------------------------------------

    /// <summary>
    /// VFIO_IOMMU_NOTIFY_DMA_UNMAP. ML (2023, the model): irq-disable every queue of this mdev whose saved
    /// NIB lies in [iova, iova+length). v7 (quirk): unpin the one page at iova, keep saved_pfn.
    /// </summary>
    void Vfio.IDmaUnmapListener.DmaUnmap(ulong iova, ulong length, HostContext ctx)
    {
        lock (Driver.Lock)
        {
            if (Driver.QuirksOf(this).V7DmaUnmap)
            {
                ctx.Emit(VfioApTrace.DmaUnmap, (Uuid, $"v7: unpin gfn 0x{iova >> 12:x}"));
                Iommu?.Unpin(iova >> 12, ctx);
                return;
            }
            foreach (var apqn in Apqns)
                if (Driver.QueueRecordLocked(apqn) is { } q && q.SavedPfn != 0 && q.SavedNib >= iova && q.SavedNib - iova < length)
                {
                    ctx.Emit(VfioApTrace.DmaUnmap, (Uuid, $"queue {q.Name} nib 0x{q.SavedNib:x} in the range: irq-disable"));
                    if (q.Mdev == null) q.Mdev = this;
                    IrqDisable(q, ctx);
                }
        }
    }

    public override string ToString() => $"vfio_ap mdev {Uuid}";
}
