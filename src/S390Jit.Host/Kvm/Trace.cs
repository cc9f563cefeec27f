using S390Jit.Hardware.Aiv;
using S390Jit.Hardware.Tracing;
using S390Jit.Hardware.Ap;

namespace S390Jit.Host.Kvm;

/// <summary>
/// KVM's trace events (arch/s390/kvm/trace.h and trace-s390.h in spirit; the names are Linux's where
/// Linux has the tracepoint): intercepts and their handlers, interruption injection and delivery, the
/// crypto set-up, the GISA/GIB management and the VM's references.
/// </summary>
public static class KvmTrace
{
    // ---- vcpu: intercepts and handlers -------------------------------------------------------------

    public static readonly TraceEvent<(ushort Vcpu, ushort Ipa, uint Ipb)> SieExit = new("kvm_s390_sie_exit",
        "an instruction intercept (icptcode 0x04) reached KVM",
        f => $"vcpu {f.Vcpu}: icptcode 0x04 ipa 0x{f.Ipa:x4} ipb 0x{f.Ipb:x8}");

    public static readonly TraceEvent<(ushort Vcpu, int Order, ulong Cpu)> HandleSigp = new("kvm_s390_handle_sigp",
        "SIGNAL PROCESSOR intercepted", f => $"vcpu {f.Vcpu}: order {f.Order} to cpu {f.Cpu}");

    public static readonly TraceEvent<ushort> Stop = new("kvm_s390_stop", "SIGP STOP stopped a vcpu", vcpu => $"vcpu {vcpu} stopped");

    public static readonly TraceEvent<(ushort Vcpu, int Code)> HandleDiag = new("kvm_s390_handle_diag",
        "DIAGNOSE intercepted", f => $"vcpu {f.Vcpu}: diag 0x{f.Code:x}");

    public static readonly TraceEvent<(ushort Vcpu, int Fc, ushort Apqn, ulong Gr0, ulong Gr1, ulong Gr2)> HandlePqap = new("kvm_s390_handle_pqap",
        "handle_pqap: an intercepted PQAP (spec 4.2)",
        f => $"vcpu {f.Vcpu}: fc {f.Fc} apqn {Apqn.Name(f.Apqn)} gr0 0x{f.Gr0:x16} gr1 0x{f.Gr1:x16} gr2 0x{f.Gr2:x16}");

    public static readonly TraceEvent<(ushort Vcpu, string Outcome)> HandlePqapExit = new("kvm_s390_handle_pqap_exit",
        "handle_pqap's outcome (handled, program interruption, or not supported)", f => $"vcpu {f.Vcpu}: {f.Outcome}");

    public static readonly TraceEvent<(ushort Vcpu, string Hook)> PqapHookCall = new("kvm_s390_pqap_hook_call",
        "handle_pqap calls the installed hook", f => $"vcpu {f.Vcpu}: {f.Hook}");

    public static readonly TraceEvent<int> PqapWarning = new("kvm_s390_pqap_warning",
        "v7's one-time warning for an intercepted PQAP other than AQIC", fc => $"WARNING: intercepted PQAP fc {fc} (only AQIC is expected)");

    public static readonly TraceEvent<(ushort Vcpu, bool PswIo, byte Cr6Iscs)> HandleWait = new("kvm_s390_handle_wait",
        "an enabled wait with a GISA: the vcpu goes idle",
        f => $"vcpu {f.Vcpu}: enabled wait (psw io {(f.PswIo ? "on" : "off")}, cr6 isc mask 0x{f.Cr6Iscs:x2}): idle");

    public static readonly TraceEvent<ushort> VcpuWakeup = new("kvm_s390_vcpu_wakeup",
        "the GISA kicker woke an idle vcpu", vcpu => $"vcpu {vcpu}: woken by the gisa kicker");

    // ---- interruptions --------------------------------------------------------------------------------

    public static readonly TraceEvent<(ushort Vcpu, ushort Code)> InjectVcpu = new("kvm_s390_inject_vcpu",
        "a program interruption queued for a vcpu", f => $"vcpu {f.Vcpu}: program interruption 0x{f.Code:x4}");

    public static readonly TraceEvent<(ushort Vcpu, ushort Code, ushort From)> InjectLocal = new("kvm_s390_inject_local",
        "an emergency signal or external call (SIGP) queued for a vcpu", f => $"vcpu {f.Vcpu}: external interruption 0x{f.Code:x4} from cpu {f.From}");

    public static readonly TraceEvent<(ushort Vcpu, ushort Code, ushort From)> DeliverLocal = new("kvm_s390_deliver_local",
        "KVM delivered an emergency signal or external call before SIE entry", f => $"vcpu {f.Vcpu}: external interruption 0x{f.Code:x4} from cpu {f.From}");

    public static readonly TraceEvent<uint> InjectVm = new("kvm_s390_inject_vm",
        "a floating service-signal interruption injected", p => $"service signal param 0x{p:x8}");

    public static readonly TraceEvent<(ushort Vcpu, bool ServiceSignal, uint Data)> DeliverInterrupt = new("kvm_s390_deliver_interrupt",
        "KVM delivered an interruption before SIE entry (a program interruption or the service signal)",
        f => f.ServiceSignal ? $"vcpu {f.Vcpu}: service signal param 0x{f.Data:x8}" : $"vcpu {f.Vcpu}: program interruption 0x{f.Data:x4}");

    public static readonly TraceEvent<(ushort Vcpu, int Isc)> DeliverIoAdapter = new("kvm_s390_deliver_io_adapter",
        "KVM delivered an adapter interruption from the GISA's IPM (__deliver_io)",
        f => $"vcpu {f.Vcpu}: adapter interruption from the gisa ipm, isc {f.Isc}, interruption id 0x{AdapterInterruption.Id(f.Isc):x8}");

    public static readonly TraceEvent ClearFloatIrqs = new("kvm_s390_clear_float_irqs",
        "VM reset: floating interruptions and the GISA's IPM dropped", "service signal and gisa ipm cleared");

    // ---- crypto ---------------------------------------------------------------------------------------

    public static readonly TraceEvent<bool> VmSetCrypto = new("kvm_s390_vm_set_crypto",
        "KVM_S390_VM_CRYPTO_ENABLE_APIE / DISABLE_APIE", enable => enable ? "enable APIE" : "disable APIE");

    public static readonly TraceEvent<(int Format, ApMask Apm, ApMask Aqm, ApMask Adm)> CryptoSetMasks = new("kvm_arch_crypto_set_masks",
        "the AP masks copied into the CRYCB", f => $"format {f.Format}: apm {f.Apm} aqm {f.Aqm} adm {f.Adm}");

    public static readonly TraceEvent CryptoClearMasks = new("kvm_arch_crypto_clear_masks", "the CRYCB's AP masks zeroed");

    public static readonly TraceEvent<(string? Hook, string? Owner)> PqapHook = new("kvm_s390_pqap_hook",
        "the PQAP hook installed or removed", f => f.Hook == null ? "removed" : $"installed ({f.Hook}, owner {f.Owner ?? "none"})");

    // ---- GISA and GIB (interrupt.c) -----------------------------------------------------------------

    public static readonly TraceEvent<(ulong Gisa, int Format, ulong Gib, int Nisc)> GisaInit = new("kvm_s390_gisa_init",
        "kvm_s390_gisa_init", f => $"gisa 0x{f.Gisa:x} format {f.Format}, gib 0x{f.Gib:x} nisc {f.Nisc}");

    public static readonly TraceEvent<(ulong Gisa, int Format)> GisaDestroy = new("kvm_s390_gisa_destroy",
        "kvm_s390_gisa_destroy", f => $"gisa 0x{f.Gisa:x} format {f.Format}");

    public static readonly TraceEvent<(ulong Gisa, byte AlertMask, int References)> GisaUnexpectedIam = new("kvm_s390_gisa_unexpected_iam",
        "the GISA is destroyed while ISCs are still registered", f => $"gisa 0x{f.Gisa:x}: alert mask 0x{f.AlertMask:x2} at destroy ({f.References} gisc references)");

    /// <summary><c>Result</c>: the NISC, or -ERANGE / -ENODEV.</summary>
    public static readonly TraceEvent<(int Gisc, int Result, int Refs, byte AlertMask, byte Iam)> GiscRegister = new("kvm_s390_gisc_register",
        "kvm_s390_gisc_register (spec 6.3)",
        f => f.Result >= 0 ? $"gisc {f.Gisc} refcount {f.Refs}, alert mask 0x{f.AlertMask:x2}, iam 0x{f.Iam:x2} -> nisc {f.Result}" : $"gisc {f.Gisc}: {GiscError(f.Result)}");

    /// <summary><c>Result</c>: 0, or -ERANGE / -ENODEV / -EINVAL.</summary>
    public static readonly TraceEvent<(int Gisc, int Result, int Refs, byte AlertMask, byte Iam)> GiscUnregister = new("kvm_s390_gisc_unregister",
        "kvm_s390_gisc_unregister (spec 6.3)",
        f => f.Result >= 0 ? $"gisc {f.Gisc} refcount {f.Refs}, alert mask 0x{f.AlertMask:x2}, iam 0x{f.Iam:x2}" : $"gisc {f.Gisc}: {GiscError(f.Result)}");

    /// <summary><c>Pending</c> 0: the IAM was restored and the timer stopped; else <c>Action</c> says whom it woke.</summary>
    public static readonly TraceEvent<(ulong Gisa, byte Pending, byte Iam, string Action, ulong Rearmed)> GisaKick = new("gisa_kick",
        "the VM's kicker timer ran (gisa_vcpu_kicker)",
        f => f.Pending == 0
            ? $"gisa 0x{f.Gisa:x}: nothing pending, iam restored to 0x{f.Iam:x2}, timer stopped"
            : $"gisa 0x{f.Gisa:x}: pending 0x{f.Pending:x2}, {f.Action}, re-armed for cycle {f.Rearmed}");

    public static readonly TraceEvent<(IReadOnlyList<ulong> Gisas, uint Origin)> GibProcessAlertList = new("gib_process_alert_list",
        "the GAL handler processed the GIB alert list (process_gib_alert_list)",
        f => $"{(f.Gisas.Count == 0 ? "no gisa" : "gisa " + string.Join(", ", f.Gisas.Select(g => $"0x{g:x}")))}: kicker started, alert list origin 0x{f.Origin:x8}");

    public static readonly TraceEvent<uint> GibAlertListCorrupt = new("gib_alert_list_corrupt",
        "the alert list links to an origin that is no GISA of this host", origin => $"no GISA at 0x{origin:x8}");

    // ---- the VM ---------------------------------------------------------------------------------------

    public static readonly TraceEvent<(string Who, int References)> GetKvm = new("kvm_get_kvm", "kvm_get_kvm", f => $"{f.Who}: references {f.References}");
    public static readonly TraceEvent<(string Who, int References)> PutKvm = new("kvm_put_kvm", "kvm_put_kvm", f => $"{f.Who}: references {f.References}");

    public static readonly TraceEvent<(int GiscReferences, int PinnedPages)> DestroyVm = new("kvm_destroy_vm",
        "the last reference was dropped: the VM and its GISA go", f => $"gisc references left {f.GiscReferences}, pinned pages left {f.PinnedPages}");

    private static string GiscError(int result) => result switch
    {
        -Errno.ERANGE => "-ERANGE",
        -Errno.ENODEV => "-ENODEV (no GISA)",
        -Errno.EINVAL => "-EINVAL (not registered)",
        _ => $"{result}",
    };
}
