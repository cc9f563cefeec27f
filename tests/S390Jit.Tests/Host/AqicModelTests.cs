using System.Text.RegularExpressions;
using S390Jit.Architecture.State;
using S390Jit.Hardware.Aiv;
using S390Jit.Host;
using S390Jit.Host.Crypto;
using S390Jit.Host.Kvm;
using S390Jit.Vmm;
using static S390Jit.Tests.Host.AqicRig;
using S390Jit.Hardware.Tracing;
using S390Jit.Hardware.Ap;
using S390Jit.Tests.Hardware;

namespace S390Jit.Tests.Host;

/// <summary>
/// Parts of the AQIC model the scenarios do not single out: the PQAP hook is replaced atomically with
/// respect to a call in flight (the hook lock) and its owner module is referenced during the call; a
/// format-0 GISA; the command line (--quirk, --host, the leak check in --stats, --trace host).
/// </summary>
public class AqicModelTests
{
    /// <summary>A hook that blocks inside the call until released.</summary>
    private sealed class BlockingHook : IPqapHook
    {
        public readonly ManualResetEventSlim Entered = new(), Release = new();
        public int HandlePqap(KvmVcpu vcpu)
        {
            Entered.Set();
            Release.Wait(TimeSpan.FromSeconds(30));
            vcpu.Cpu.G[1] = 0;
            return 0;
        }
    }

    [Test]
    public void Removing_the_hook_waits_for_a_call_in_flight_and_the_owner_is_referenced_meanwhile()
    {
        using var r = new AqicRig();
        var hook = new BlockingHook();
        var module = new KernelModule("test_hook");
        r.Kvm.Crypto.SetPqapHook(hook, module);
        var v = r.Vcpu;
        v.Cpu.G[0] = Gr0Aqic0504;
        v.SieBlock.InterceptIpa = 0xB2AF;
        var call = Task.Run(() => v.HandlePqap());
        Assert.That(hook.Entered.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(module.References, Is.EqualTo(1), "try_module_get around the call");
        var remove = Task.Run(() => r.Kvm.Crypto.SetPqapHook(null));
        Assert.That(remove.Wait(200), Is.False, "removal waits for the call");
        hook.Release.Set();
        Assert.That(call.Wait(TimeSpan.FromSeconds(10)) && call.Result, Is.True);
        Assert.That(remove.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That((module.References, r.Kvm.Crypto.PqapHook, v.Cpu.Cc), Is.EqualTo((0, (IPqapHook?)null, 0)));
    }

    [Test]
    public void A_format_0_gisa_works_the_same()
    {
        using var r = new AqicRig(options: o => o.HostGisaFormat1 = false);
        Assert.That((r.Gisa.Format, r.Gisa.Size, r.Vcpu.SieBlock.GisaDesignation), Is.EqualTo((0, 16, (uint)r.Gisa.Origin)));
        Assert.That(r.Gisa.Origin, Is.LessThan(0x8000_0000UL));
        var o = r.Enable();
        Assert.That((o.Cc, r.Refs(6), r.Gisa.Iam), Is.EqualTo((0, 1, (byte)0x02)));
        // a reply posts to the format-0 GISA and is delivered through the alert path
        r.Cpu.Cr[6] = 0x0200_0000;
        var msg = ApHarness.MeEncrypt(ApHarness.Key(1024));
        msg.CopyTo(r.Kvm.Memory.Span(Data, msg.Length));
        r.Cpu.G[4] = 0; r.Cpu.G[5] = 1; r.Cpu.G[6] = Data; r.Cpu.G[7] = (ulong)msg.Length;
        Assert.That(r.Exec([0xB2, 0xAD, 0x00, 0x46], 0x4000_0504).Cc, Is.Zero);
        r.Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Io | Psw.Wait, 0);
        r.Vcpu.Stopped = false;
        var end = r.Machine.Run();
        Assert.That((end.End, r.Cpu.PswAddr), Is.EqualTo((RunEnd.DisabledWait, IoWait)), end.Message);
        Assert.That((r.Be32(0xC0), r.Count(MachineTrace.GalInterrupt)), Is.EqualTo((0xB000_0000u, 1UL)));
    }

    [Test]
    public void The_host_aqic_of_v7_takes_the_gisa_field_from_next_alert_which_is_wrong_while_on_the_alert_list()
    {
        // while the GISA is off the list next-alert is its own origin: the enable works
        using var r = new AqicRig(queues: [0x0504, 0x0505], quirks: new HostQuirks { V7GisaFromNextAlert = true });
        Assert.That(ApStatus.Rc((uint)r.Enable().Gr1), Is.EqualTo(ApStatus.Normal));
        // on the alert list (the GAL not handled yet) next-alert is 0: the host AQIC carries no GISA designation at all
        r.Aiv.DeferGalPresentation = true;
        r.Aiv.Post(r.Gisa.Origin, 6, r.Kvm.UserContext());
        Assert.That((r.Gisa.OnAlertList, r.Gisa.NextAlert), Is.EqualTo((true, 0u)));
        var o = r.Enable(nib: 0x124000, apqn: 0x0505);
        ulong q = ulong.Parse(Regex.Match(r.Events(MachineTrace.ApAqic).Last(), "qirqctrl 0x([0-9a-f]{16})").Groups[1].Value, System.Globalization.NumberStyles.HexNumber);
        Assert.That((uint)q & 0x7FFF_FFF0, Is.Zero, "the GISA field is next-alert (0), not the origin");
        Assert.That((r.Queue(0x0505).IrqGisaOrigin, r.Queue(0x0505).IrqAiv), Is.EqualTo((0UL, (AivFacility?)null)), "the queue's interruptions do not reach the guest's GISA");
        Assert.That(ApStatus.Rc((uint)o.Gr1), Is.EqualTo(ApStatus.Normal));
        r.Gib().HandleGal(r.Kvm.UserContext());
    }

    [Test]
    public void A_guest_waiting_disabled_for_its_pending_isc_with_nothing_else_to_come_is_a_deadlock_not_an_endless_kicker()
    {
        using var r = new AqicRig();
        r.Enable();
        var msg = ApHarness.MeEncrypt(ApHarness.Key(1024));
        msg.CopyTo(r.Kvm.Memory.Span(Data, msg.Length));
        r.Cpu.G[4] = 0; r.Cpu.G[5] = 1; r.Cpu.G[6] = Data; r.Cpu.G[7] = (ulong)msg.Length;
        r.Exec([0xB2, 0xAD, 0x00, 0x46], 0x4000_0504);
        r.Cpu.Cr[6] = 0; // ISC 6 disabled, no timer
        r.Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Io | Psw.Wait, 0);
        r.Vcpu.Stopped = false;
        var end = r.Machine.Run();
        Assert.That(end.End, Is.EqualTo(RunEnd.Deadlock), end.Message);
        Assert.That((r.Count(MachineTrace.GalInterrupt), r.Gisa.Ipm), Is.EqualTo((1UL, (byte)0x02)), "the alert happened; the interruption stays pending");
        Assert.That(r.Count(KvmTrace.GisaKick), Is.EqualTo(1UL), "the kicker ran once and found nobody");
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = S390Jit.Cli.Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string Aqic => Repo.Path("guests", "aqic.elf");

    [Test]
    public void Cli_quirk_and_host_options_and_their_errors()
    {
        var (code, _, err) = Cli("run", Aqic, "--ap", "05.0004", "--quirk", "v8-something");
        Assert.That((code, err.Trim()), Is.EqualTo((2, "s390jit: error: unknown quirk 'v8-something' (available: " + string.Join(", ", HostQuirks.ByName.Keys) + ")")));
        (code, _, err) = Cli("run", Aqic, "--ap", "05.0004", "--host", "aiv=maybe");
        Assert.That((code, err.Trim()), Is.EqualTo((2, "s390jit: error: --host aiv: expected on or off, got 'maybe'")));
        (code, _, err) = Cli("run", Aqic, "--ap", "05.0004", "--host", "gib=on");
        Assert.That((code, err.Trim()), Is.EqualTo((2, "s390jit: error: unknown host feature 'gib' (aiv, fac65, gisaf)")));
        // a host without AIV does not offer facility 65: the guest says so (console output: run in process)
        (code, _, err) = Cli("run", Aqic, "--ap", "05.0004", "--append", "apqn=0504", "--host", "aiv=off,fac65=on,gisaf=off", "--stats");
        Assert.That((code, err), Is.EqualTo((0, err)));
        Assert.That(err, Does.Contain("stats: cpu 0: intercept 0x04 SERVC"));
        Assert.That(err, Does.Not.Contain("0x04 PQAP"), "the guest stopped before any AQIC");
        // ... unless the v7 facility rule is asked for; then the hook refuses (ECA.AIV off): operation exception
        (code, _, err) = Cli("run", Aqic, "--ap", "05.0004", "--append", "apqn=0504", "--host", "aiv=off", "--quirk", "v7-fac65", "--trace", "host");
        Assert.That(err, Does.Contain($"{VfioApTrace.HandlePqap.Name}: vcpu 0: ECA.AIV off: -EOPNOTSUPP"));
        Assert.That(err, Does.Contain($"{KvmTrace.HandlePqapExit.Name}: vcpu 0: hook returned -95: not supported"));
        Assert.That(code, Is.EqualTo(0), "the guest reports the program check and exits");
    }

    [Test]
    public void Cli_ap_events_drive_the_vmm_life_cycle_at_a_cycle()
    {
        // QEMU unmaps the NIB's page while the guest waits for a reply: vfio_ap disables the queue's
        // interruptions (ML notifier), the guest never gets its interruption and hangs
        var (code, _, err) = Cli("run", Aqic, "--ap", "05.0004", "--append", "apqn=0504", "--ap-event", "1000000:dma-unmap=2d000+1000", "--trace", "host", "--stats");
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain($"[       1000000] {VmmTrace.ApEvent.Name}: dma-unmap 0x2d000+0x1000"));
        Assert.That(err, Does.Contain($"{VfioApTrace.DmaUnmap.Name}: mdev a9a9a9a9-0000-4000-8000-000000000001: queue 05.0004 nib 0x2d050 in the range: irq-disable"));
        Assert.That(err, Does.Contain("s390jit: enabled wait with no interruption source"));
        Assert.That(err.TrimEnd().Split('\n')[^1], Is.EqualTo("stats: host leak check     pinned pages 0, gisc references 0, kvm references 0, use after free 0"));
        (code, _, err) = Cli("run", Aqic, "--ap", "05.0004", "--ap-event", "12:explode");
        Assert.That((code, err.Trim()), Is.EqualTo((2, "s390jit: error: unknown AP event action 'explode' (available: " + string.Join(", ", ApLifecycleEvent.Actions) + ")")));
        (code, _, err) = Cli("run", Aqic, "--ap-event", "12:reset");
        Assert.That((code, err.Trim()), Is.EqualTo((2, "s390jit: error: --ap-event needs an AP configuration (--ap)")));
    }

    [Test]
    public void Cli_stats_end_with_the_leak_check_and_trace_host_shows_the_teardown()
    {
        var (code, _, err) = Cli("run", Aqic, "--ap", "05.0004", "--append", "apqn=0504", "--stats", "--trace", "host");
        Assert.That(code, Is.Zero, err);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[^1], Is.EqualTo("stats: host leak check     pinned pages 0, gisc references 0, kvm references 0, use after free 0"));
        Assert.That(err, Does.Match($@"stats: host {KvmTrace.HandlePqapExit.Name}    3 \(\d+ cycles in the path\)"));
        Assert.That(err, Does.Contain("stats: ap configuration    crycb format 2, apie on, mdev a9a9a9a9-0000-4000-8000-000000000001, queues 05.0004"));
        Assert.That(err, Does.Contain($"] {KvmTrace.DestroyVm.Name}: gisc references left 0, pinned pages left 0"));
        Assert.That(err, Does.Contain($"] {VmmTrace.HostLeakCheck.Name}: pinned pages 0, gisc references 0, kvm references 0, use after free 0"));
    }
}
