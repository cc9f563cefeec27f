using S390Jit.Architecture.State;
using S390Jit.Hardware.Aiv;

namespace S390Jit.Hardware.Tracing;

/// <summary>
/// The machine's trace events: the SIE presenting an interruption, the AP firmware executing
/// host-issued instructions and notifying completed replies, the adapter-interruption
/// virtualization setting IPM bits and alerting through the GIB. The host model's events are in its
/// own catalogues (KvmTrace, VfioApTrace, VfioTrace); all go to one <see cref="TraceLog"/>.
/// </summary>
public static class MachineTrace
{
    public static readonly TraceEvent<(ushort Vcpu, int Isc)> SieDeliverIoAdapter = new("sie_deliver_io_adapter",
        "the SIE presented an adapter interruption from the GISA's IPM to the guest (no host involvement)",
        f => $"vcpu {f.Vcpu}: SIE presented the adapter interruption from the GISA, isc {f.Isc}, interruption id 0x{AdapterInterruption.Id(f.Isc):x8}");

    public static readonly TraceEvent<(string Queue, bool Enable, ulong Qirqctrl, ulong Nib, uint Status)> ApAqic = new("ap_aqic",
        "the host issued PQAP(AQIC) (vfio_ap's irq enable / disable)",
        f => $"queue {f.Queue} {(f.Enable ? "enable" : "disable")}: qirqctrl 0x{f.Qirqctrl:x16} nib 0x{f.Nib:x} -> {RcStatus(f.Status)}");

    public static readonly TraceEvent<(string Queue, uint Status)> ApTapq = new("ap_tapq",
        "the host issued PQAP(TAPQ)", f => $"queue {f.Queue} -> {RcStatus(f.Status)}");

    public static readonly TraceEvent<(string Queue, uint Status)> ApZapq = new("ap_zapq",
        "the host issued PQAP(ZAPQ) (complete on return)", f => $"queue {f.Queue} -> {RcStatus(f.Status)}");

    public static readonly TraceEvent<(ushort Vcpu, string Queue, ulong Psmid, ulong ReplyCycle)> ApNqap = new("ap_nqap",
        "a CPU's NQAP completed a request message (the AP firmware queued it for the adapter)",
        f => $"vcpu {f.Vcpu}: queue {f.Queue} psmid 0x{f.Psmid:x16} enqueued, reply at cycle {f.ReplyCycle}");

    public static readonly TraceEvent<(ushort Vcpu, string Queue, ulong Psmid)> ApDqap = new("ap_dqap",
        "a CPU's DQAP took a complete reply off a queue",
        f => $"vcpu {f.Vcpu}: queue {f.Queue} psmid 0x{f.Psmid:x16} reply dequeued");

    public static readonly TraceEvent<(string Queue, ulong Nib, int Gisc)> ApReplyAvailable = new("ap_reply_available",
        "the AP firmware noticed a reply on a queue whose interruptions are enabled with a GISA",
        f => $"queue {f.Queue}: reply ready, interruptions enabled (nib 0x{f.Nib:x}, gisc {f.Gisc})");

    public static readonly TraceEvent<(ulong Host, ulong Guest)> ApNibStore = new("ap_nib_store",
        "the AP firmware stored the notification-indicator byte through the pinned host frame",
        f => $"host 0x{f.Host:x} (guest 0x{f.Guest:x}) := 0xff");

    /// <summary>Named after KVM's tracepoint for the same moment; here the machine reports it.</summary>
    public static readonly TraceEvent<(ulong Gisa, int Gisc, byte Ipm, byte Iam)> GisaIpmSet = new("kvm_s390_gisa_ipm_set",
        "the machine set an IPM bit in a GISA (6.4 step 1)",
        f => $"gisa 0x{f.Gisa:x} gisc {f.Gisc}: ipm 0x{f.Ipm:x2} iam 0x{f.Iam:x2}");

    public static readonly TraceEvent<(ulong Gisa, int Gisc, bool InSie, byte Iam, bool OnAlertList)> GisaNoAlert = new("gisa_no_alert",
        "no alert for a posted GISC: a vcpu of the guest is in SIE (6.4 step 2), or IAM / alert list (step 4)",
        f => f.InSie
            ? $"gisa 0x{f.Gisa:x}: a vcpu is in SIE, the SIE presents gisc {f.Gisc} when it is enabled"
            : $"gisa 0x{f.Gisa:x}: gisc {f.Gisc} stays pending (iam 0x{f.Iam:x2}{(f.OnAlertList ? ", on the alert list" : "")})");

    public static readonly TraceEvent<(ulong Gisa, uint Next)> GibAlertPush = new("gib_alert_push",
        "the machine pushed a GISA on the GIB alert list and cleared its IAM (6.4 step 3)",
        f => $"gisa 0x{f.Gisa:x} on the alert list (next 0x{f.Next:x8}), iam cleared");

    public static readonly TraceEvent<int> GalInterrupt = new("gal_interrupt",
        "the machine raised the GIB alert (a host adapter interruption at the NISC): the alert list was empty",
        isc => $"host adapter interruption at isc {isc} (alert list was empty)");

    /// <summary>The model's use-after-free detector: the machine and the host model report what touched freed objects.</summary>
    public static readonly TraceEvent<string> UseAfterFree = new("use_after_free",
        "something used a freed object (a destroyed VM or GISA, an unpinned NIB frame, a removed mdev)", what => what);

    private static string RcStatus(uint status) => $"rc 0x{ApStatus.Rc(status):x2} status 0x{status:x8}";
}
