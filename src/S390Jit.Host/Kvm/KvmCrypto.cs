using S390Jit.Architecture.Isa;
using S390Jit.Hardware.Ap;
using S390Jit.Hardware.Sie;

namespace S390Jit.Host.Kvm;

/// <summary>
/// kvm.arch.crypto.pqap_hook (spec 4.1): the handler vfio_ap installs for intercepted PQAP(AQIC).
/// Returns 0 when handled or a negative errno, which KVM passes to user space (operation exception).
/// </summary>
public interface IPqapHook
{
    int HandlePqap(KvmVcpu vcpu);
}

/// <summary>
/// The crypto part of a KVM VM (arch/s390/kvm/kvm-s390.c): the CRYCB in a sie_page2-like block in
/// host memory below 2 GiB (CRYCB at offset 0x800), the CRYCB format KVM chooses (format 0 without
/// MSAX3 = facility 76, else format 2 when the host has APXA, format 1 otherwise), the VM's APIE
/// flag (KVM_S390_VM_CRYPTO_ENABLE_APIE / DISABLE_APIE, refused without host AP), the vcpu set-up
/// that puts CRYCBD and ECA.APIE into each SIE block, and kvm_arch_crypto_set_masks / clear_masks,
/// which change the APCB masks with every vcpu blocked out of SIE (vcpus in SIE are kicked out).
/// </summary>
public sealed class KvmCrypto
{
    public const int SiePage2Size = 0x1000, CrycbOffset = 0x800, CrycbSize = 0x100;
    public const uint CrycbFormat0 = 0, CrycbFormat1 = 1, CrycbFormat2 = 3, CrycbFormatMask = 3;
    /// <summary>ECB3 key-wrapping controls (protected-key AES and DEA, need a format 1 or 2 CRYCB).</summary>
    public const byte Ecb3Aes = 0x04, Ecb3Dea = 0x08;

    private readonly KvmVm _kvm;
    // kvm->arch.crypto.pqap_hook_rwsem: read-held across a hook call, write-held while vfio_ap installs or
    // removes the hook (so removal waits for a call in flight); recursive, as vfio_ap reads it inside the call
    private readonly ReaderWriterLockSlim _hookLock = new(LockRecursionPolicy.SupportsRecursion);
    private bool _warned;

    internal KvmCrypto(KvmVm kvm)
    {
        _kvm = kvm;
        SiePage2 = kvm.Host.KernelAlloc(SiePage2Size, SiePage2Size);
        Crycb = SiePage2 + CrycbOffset;
        uint crycbd = (uint)Crycb;
        // kvm_s390_set_crycb_format: format 0 unless MSAX3 is offered; then APXA decides between 2 and 1
        if (kvm.TestFacility(Fac.Msa3))
        {
            crycbd |= HostApxa ? CrycbFormat2 : CrycbFormat1;
            // kvm_s390_crypto_init: protected-key functions on by default (the wrapping-key masks stay zero:
            // the emulator implements no MSA instructions)
            AesKw = DeaKw = true;
        }
        Crycbd = crycbd;
    }

    /// <summary>The host's AP bus, or null on a host without AP instructions.</summary>
    /// <summary>ap_instructions_available(): the machine the host runs on has AP instructions.</summary>
    public bool HostAp => _kvm.Machine.ApConfiguration != null;
    /// <summary>kvm_s390_apxa_installed(): the host's QCI reports APXA.</summary>
    public bool HostApxa => _kvm.Machine.ApConfiguration is { Apxa: true };
    public ulong SiePage2 { get; }
    /// <summary>Host address of the CRYCB.</summary>
    public ulong Crycb { get; }
    /// <summary>CRYCB designation: origin | format bits.</summary>
    public uint Crycbd { get; }
    /// <summary>0, 1 or 2.</summary>
    public int Format => (Crycbd & CrycbFormatMask) switch { CrycbFormat2 => 2, CrycbFormat1 => 1, _ => 0 };
    /// <summary>AP instructions interpreted (ECA.APIE) in this VM's vcpus.</summary>
    public bool Apie { get; private set; }
    public bool AesKw { get; }
    public bool DeaKw { get; }
    /// <summary>
    /// PQAP intercepts KVM's handle_pqap saw, by function code (statistics: an AQIC under SIE always
    /// intercepts, so the firmware's counts never include a guest's AQIC; with ap=off every PQAP intercepts).
    /// </summary>
    public readonly ulong[] InterceptedPqap = new ulong[256];
    /// <summary>The installed PQAP(AQIC) handler (vfio_ap's), or null.</summary>
    public IPqapHook? PqapHook
    {
        get
        {
            _hookLock.EnterReadLock();
            try { return _hook; }
            finally { _hookLock.ExitReadLock(); }
        }
    }
    /// <summary>The module that owns the installed hook (v7's hook record), or null.</summary>
    public KernelModule? PqapHookOwner { get { _hookLock.EnterReadLock(); try { return _hookOwner; } finally { _hookLock.ExitReadLock(); } } }
    private IPqapHook? _hook;
    private KernelModule? _hookOwner;

    /// <summary>
    /// KVM_S390_VM_CRYPTO_ENABLE_APIE / DISABLE_APIE: false (-EOPNOTSUPP) if the host has no AP
    /// instructions. Existing vcpus are set up again with every vcpu blocked out of SIE.
    /// </summary>
    public bool SetApie(bool enable)
    {
        if (!HostAp) return false;
        Apie = enable;
        _kvm.Events.Emit(KvmTrace.VmSetCrypto, CurrentCycle(), enable);
        BlockAll();
        try { foreach (var v in _kvm.Vcpus) VcpuSetup(v); }
        finally { UnblockAll(); }
        return true;
    }

    /// <summary>kvm_s390_vcpu_crypto_setup: CRYCBD, ECA.APIE and the ECB3 key-wrapping bits of one vcpu.</summary>
    public void VcpuSetup(KvmVcpu v)
    {
        var sd = v.SieBlock;
        // (unlike kvm-s390.c, ECA.APIE is cleared even when nothing else is set up, so DISABLE_APIE always takes)
        sd.ExecutionControlA &= ~StateDescription.EcaApie;
        if (!Apie && !_kvm.TestFacility(Fac.Msa3)) return;
        sd.CrycbDesignation = Crycbd;
        ulong ecb3 = sd.Address + StateDescription.Ecb3;
        byte b = (byte)(sd.Host.ReadU8(ecb3) & ~(Ecb3Aes | Ecb3Dea));
        if (AesKw) b |= Ecb3Aes;
        if (DeaKw) b |= Ecb3Dea;
        sd.Host.WriteU8(ecb3, b);
        if (Apie) sd.ExecutionControlA |= StateDescription.EcaApie;
    }

    /// <summary>
    /// kvm_arch_crypto_set_masks: copies the matrix into APCB1 (format 2, 32 bytes per mask) or APCB0
    /// (formats 0 and 1: 8 bytes of APM, 2 of AQM and ADM) with all vcpus blocked out of SIE.
    /// </summary>
    public void SetMasks(ApMask apm, ApMask aqm, ApMask adm)
    {
        BlockAll();
        try
        {
            var h = _kvm.Host;
            if (Format == 2)
            {
                apm.CopyTo(h.Span(Crycb + ApFirmware.Apcb1Apm, 32));
                aqm.CopyTo(h.Span(Crycb + ApFirmware.Apcb1Aqm, 32));
                adm.CopyTo(h.Span(Crycb + ApFirmware.Apcb1Adm, 32));
            }
            else
            {
                apm.CopyTo(h.Span(Crycb + ApFirmware.Apcb0Apm, 8), 8);
                aqm.CopyTo(h.Span(Crycb + ApFirmware.Apcb0Aqm, 2), 2);
                adm.CopyTo(h.Span(Crycb + ApFirmware.Apcb0Adm, 2), 2);
            }
        }
        finally { UnblockAll(); }
        _kvm.Events.Emit(KvmTrace.CryptoSetMasks, CurrentCycle(), (Format, apm, aqm, adm));
    }

    /// <summary>kvm_arch_crypto_clear_masks: zeroes APCB0 and APCB1 with all vcpus blocked out of SIE.</summary>
    public void ClearMasks()
    {
        BlockAll();
        try
        {
            _kvm.Host.Span(Crycb + ApFirmware.Apcb0Apm, 0x20).Clear();
            _kvm.Host.Span(Crycb + ApFirmware.Apcb1Apm, 0x80).Clear();
        }
        finally { UnblockAll(); }
        _kvm.Events.Emit(KvmTrace.CryptoClearMasks, CurrentCycle());
    }

    /// <summary>Installs or removes the PQAP hook (atomically with respect to a running hook call: waits for it).</summary>
    public void SetPqapHook(IPqapHook? hook, KernelModule? owner = null)
    {
        _hookLock.EnterWriteLock();
        try
        {
            _hook = hook;
            _hookOwner = hook == null ? null : owner;
        }
        finally { _hookLock.ExitWriteLock(); }
        _kvm.Events.Emit(KvmTrace.PqapHook, CurrentCycle(), (hook?.ToString(), owner?.Name));
    }

    /// <summary>
    /// down_write(pqap_hook_rwsem) for a whole vfio_ap operation (SET_KVM, release), taken before the
    /// matrix lock as vfio_ap does; dispose to release.
    /// </summary>
    public IDisposable HookWriteLock()
    {
        _hookLock.EnterWriteLock();
        return new Releaser(_hookLock);
    }

    private sealed class Releaser(ReaderWriterLockSlim l) : IDisposable
    {
        private bool _done;
        public void Dispose() { if (!_done) { _done = true; l.ExitWriteLock(); } }
    }

    private void BlockAll() { foreach (var v in _kvm.Vcpus) v.BlockSie(); }
    private void UnblockAll() { foreach (var v in _kvm.Vcpus) v.UnblockSie(); }
    private ulong CurrentCycle() => _kvm.Vcpus.Count > 0 ? _kvm.Vcpus[0].Cpu.Cycles : 0;

    // ---- what handle_pqap (priv.c) reads of kvm->arch.crypto ------------------------------------------

    /// <summary>down_read(pqap_hook_rwsem): handle_pqap holds it across the hook call.</summary>
    internal void EnterHookRead() => _hookLock.EnterReadLock();
    internal void ExitHookRead() => _hookLock.ExitReadLock();
    /// <summary>The hook and its owner module, read with the hook lock held.</summary>
    internal (IPqapHook? Hook, KernelModule? Owner) HookLocked => (_hook, _hookOwner);

    /// <summary>v7's pr_warn_once for a PQAP other than AQIC: true only the first time.</summary>
    internal bool WarnOnce()
    {
        if (_warned) return false;
        _warned = true;
        return true;
    }
}
