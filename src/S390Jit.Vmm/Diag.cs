using S390Jit.Architecture.State;
using S390Jit.Host.Kvm;

namespace S390Jit.Vmm;

/// <summary>
/// The DIAGNOSE codes KVM passes to user space (QEMU's handle_diag in target/s390x/kvm.c and
/// target/s390x/diag.c): 0x288, the watchdog timer (<see cref="Diag288Watchdog"/>), and 0x308, IPL
/// (<see cref="Ipl"/>). Any other code is a specification exception.
/// </summary>
internal static class Diag
{
    public const int TimerEvent = 0x288, IplFunctions = 0x308;

    public static RunResult? Handle(Machine m, KvmVcpu vcpu)
    {
        var cpu = vcpu.Cpu;
        int code = vcpu.DiagnoseCode();
        ushort ipa = vcpu.SieBlock.InterceptIpa;
        int r1 = (ipa >> 4) & 0xF, r3 = ipa & 0xF;
        switch (code)
        {
            case TimerEvent:
                HandleDiag288(m, cpu, r1, r3);
                return null;
            case IplFunctions:
                return m.Ipl.HandleDiag308(vcpu, r1, r3);
            default:
                m.Log?.GuestError($"diag: unsupported DIAGNOSE code 0x{code:x} at 0x{cpu.IssueAddr:x} (specification exception)");
                throw cpu.Pgm(PgmCode.Specification);
        }
    }

    /// <summary>
    /// handle_diag_288: R1 (even) holds the function (0 init, 1 change, 2 cancel), R1 + 1 the timeout in
    /// seconds (at least 15 except for cancel), R3 the action (only 0, restart, exists). An odd R1, another
    /// action, a short timeout, an unknown function, or change/cancel of a timer never initialised are
    /// specification exceptions; without a diag288 device the instruction is an operation exception.
    /// </summary>
    private static void HandleDiag288(Machine m, Cpu cpu, int r1, int r3)
    {
        if ((r1 & 1) != 0 || cpu.G[r3] != 0) throw cpu.Pgm(PgmCode.Specification);
        ulong function = cpu.G[r1], timeout = cpu.G[r1 + 1];
        if (function != Diag288Watchdog.Cancel && timeout < Diag288Watchdog.MinimumSeconds) throw cpu.Pgm(PgmCode.Specification);
        var watchdog = m.Watchdog ?? throw cpu.Pgm(PgmCode.Operation);
        if (!watchdog.HandleTimer(function, timeout, cpu.Cycles)) throw cpu.Pgm(PgmCode.Specification);
    }
}

/// <summary>What the machine does when the DIAG 288 watchdog expires (QEMU's -watchdog-action / -action watchdog=).</summary>
public enum WatchdogAction
{
    /// <summary>A guest reset: the run ends (exit 0; a reboot always ends the run). QEMU's default.</summary>
    Reset,
    /// <summary>The run ends (exit 0), as QEMU shuts down.</summary>
    Shutdown,
    Poweroff,
    /// <summary>QEMU pauses the VM for good: the run ends (exit 0).</summary>
    Pause,
    /// <summary>A restart interruption on CPU 0 (QEMU's NMI on s390x).</summary>
    InjectNmi,
    /// <summary>Noted in the host trace; the guest goes on.</summary>
    Debug,
    None,
}

/// <summary>
/// The diag288 watchdog device (QEMU's hw/watchdog/wdt_diag288.c): a one-shot timer in guest time. Init
/// enables and arms it, change re-arms an enabled one, cancel disarms it; on expiry the action runs and,
/// unless the action leaves the guest alone (debug, none, pause), the device is disabled again.
/// </summary>
public sealed class Diag288Watchdog(WatchdogAction action, uint cpuMhz)
{
    public const ulong Init = 0, Change = 1, Cancel = 2, MinimumSeconds = 15;

    public WatchdogAction Action { get; } = action;
    public bool Enabled { get; private set; }
    /// <summary>The cycle (of the CPU that armed it) at which the timer expires; MaxValue when disarmed.</summary>
    public ulong ExpiryCycle { get; private set; } = ulong.MaxValue;

    /// <summary>wdt_diag288_handle_timer: false for an unknown function or a timer not initialised.</summary>
    public bool HandleTimer(ulong function, ulong seconds, ulong now)
    {
        switch (function)
        {
            case Init:
                Enabled = true;
                goto case Change;
            case Change:
                if (!Enabled) return false;
                ulong cycles = seconds > ulong.MaxValue / 1_000_000 / cpuMhz ? ulong.MaxValue : seconds * 1_000_000 * cpuMhz;
                ExpiryCycle = now > ulong.MaxValue - cycles ? ulong.MaxValue - 1 : now + cycles;
                return true;
            case Cancel:
                if (!Enabled) return false;
                Reset();
                return true;
            default:
                return false;
        }
    }

    /// <summary>The timer expired: the action to take; the device is disabled unless the action leaves the guest running untouched.</summary>
    public WatchdogAction Expire()
    {
        ExpiryCycle = ulong.MaxValue;
        if (Action is not (WatchdogAction.Debug or WatchdogAction.None or WatchdogAction.Pause)) Enabled = false;
        return Action;
    }

    /// <summary>wdt_diag288_reset (machine reset): disabled and disarmed.</summary>
    public void Reset()
    {
        Enabled = false;
        ExpiryCycle = ulong.MaxValue;
    }
}
