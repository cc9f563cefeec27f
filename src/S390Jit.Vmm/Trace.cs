using S390Jit.Hardware.Tracing;

namespace S390Jit.Vmm;

/// <summary>The VMM's (QEMU's) trace events.</summary>
public static class VmmTrace
{
    public static readonly TraceEvent<(ushort Vcpu, ushort Ipa, uint Ipb)> HandleInstruction = new("qemu_handle_instruction",
        "an instruction intercept KVM passed up to user space", f => $"vcpu {f.Vcpu}: ipa 0x{f.Ipa:x4} ipb 0x{f.Ipb:x8}");

    /// <summary><c>Error</c>: why the action failed, or null.</summary>
    public static readonly TraceEvent<(ApLifecycleEvent Event, string? Error)> ApEvent = new("vmm_ap_event",
        "a scheduled --ap-event action ran (or failed)",
        f => f.Error != null ? $"{f.Event.Action}: {f.Error}"
            : $"{f.Event.Action}{(f.Event.Apqn != 0 ? " " + Hardware.Ap.Apqn.Name(f.Event.Apqn) : "")}{(f.Event.Length != 0 ? $" 0x{f.Event.Address:x}+0x{f.Event.Length:x}" : "")}");

    public static readonly TraceEvent<WatchdogAction> WatchdogExpired = new("diag288_timer_expired",
        "the DIAG 288 watchdog expired", a => $"action {a.ToString().ToLowerInvariant()}");

    public static readonly TraceEvent<HostLeakReport> HostLeakCheck = new("host_leak_check",
        "what the host model still held after the VM's teardown",
        l => $"pinned pages {l.PinnedPages}, gisc references {l.GiscReferences}, kvm references {l.KvmReferences}, use after free {l.UseAfterFree}");
}
