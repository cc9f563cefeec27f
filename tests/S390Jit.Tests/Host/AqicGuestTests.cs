using System.Text;
using S390Jit.Loader;
using S390Jit.Vmm;
using S390Jit.Host.Kvm;
using S390Jit.Hardware.Tracing;
using S390Jit.Host.Crypto;
using S390Jit.Host.Vfio;
using S390Jit.Hardware.Ap;

namespace S390Jit.Tests.Host;

/// <summary>
/// The AQIC guest (guests/aqic.elf) end to end: it enables interruptions with ISC 6 and a NIB, takes
/// the adapter interruptions of its RSA replies in an enabled wait (GIB alert path), while running
/// (direct SIE delivery) and with three requests outstanding, resets the queue with an interpreted
/// RAPQ and enables again, disables; with mode=halted the reply arrives while the vcpu waits disabled
/// for ISC 6 and is delivered once the guest enables it. Both engines give the same output and cycle
/// count; after the run the host model holds nothing (pins, GISC references, KVM references).
/// QEMU has no AP under TCG, so the output is asserted here instead of in a golden file.
/// </summary>
public class AqicGuestTests
{
    internal static (RunResult Result, string Output, Machine Machine, List<string> Trace) RunAqic(string append, string engine = "jit")
    {
        var console = new MemoryStream();
        var trace = new List<string>();
        var ap = new ApOptions();
        ap.Queues.Add(0x0504);
        var m = new Machine(new MachineOptions
        {
            Console = console, Append = append, MaxCycles = 20_000_000_000, Ap = ap, Engine = engine,
            HostTrace = l => { lock (trace) trace.Add(l); },
        });
        m.LoadKernel(ElfImage.Load(Repo.Path("guests", "aqic.elf")));
        var r = m.Run();
        return (r, Encoding.ASCII.GetString(console.ToArray()), m, trace);
    }

    private static void AssertPassed(RunResult r, string output, int passes)
    {
        Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Where(l => l.StartsWith("FAIL", StringComparison.Ordinal)), Is.Empty, output);
        Assert.That(lines[^2], Is.EqualTo($"aqic: {passes} passed, 0 failed"), output);
        Assert.That(lines[^1], Is.EqualTo("EXIT: STATUS=1"), output);
    }

    /// <summary>The names of the trace events, in order, starting at the first one called <paramref name="from"/>.</summary>
    private static List<string> Names(List<string> trace) =>
        trace.Select(l => l[(l.IndexOf(']') + 2)..]).Select(l => l.Contains(':') ? l[..l.IndexOf(':')] : l).ToList();

    /// <summary>Whether <paramref name="path"/> occurs in the event sequence in this order (other events may come between).</summary>
    private static bool InOrder(List<string> names, params TraceEvent[] path)
    {
        for (int start = 0; start < names.Count; start++)
        {
            if (names[start] != path[0].Name) continue;
            int i = start, k = 0;
            for (; i < names.Count && k < path.Length; i++) if (names[i] == path[k].Name) k++;
            if (k == path.Length) return true;
        }
        return false;
    }

    [Test]
    public void Direct_mode_takes_every_interruption_and_verifies_every_reply()
    {
        var (r, output, m, trace) = RunAqic("apqn=0504");
        using (m)
        {
            AssertPassed(r, output, 12);
            foreach (var line in new[]
            {
                "PASS aqic enable isc 6: cc 0, gr1 0x0000000081000000, I bit on after 1 tapq",
                "PASS wait 1: interruption 0xb0000000 (isc 6), nib 0xff, rsa 1024 reply verified, 20 us after nqap",
                "PASS wait 2: interruption 0xb0000000 (isc 6), nib 0xff, rsa 2048 reply verified, 60 us after nqap",
                "PASS running 1: interruption 0xb0000000 (isc 6), nib 0xff, rsa 1024 reply verified, 20 us after nqap",
                "PASS pipeline: 3 requests outstanding, 3 interruption(s), 3 replies in order and verified",
                "PASS rapq: interpreted (no intercept), queue empty, I bit off (status 0x80000000)",
                "PASS aqic re-enable with a new nib: cc 0, gr1 0x0000000081000000, I bit on after 1 tapq",
                "PASS wait after re-enable: interruption 0xb0000000 (isc 6), nib 0xff, rsa 1024 reply verified, 20 us after nqap",
                "PASS aqic disable: cc 0, I bit off",
                "INFO guest view: 9 adapter interruptions (id 0xb0000000), latency nqap->interruption avg 33 us, max 60 us",
            })
                Assert.That(output, Does.Contain(line + "\n"));
            Assert.That(m.Boot.InterceptCounts["0x04 PQAP"], Is.EqualTo(3UL), "two enables and a disable intercepted; TAPQ, RAPQ, NQAP, DQAP interpreted");
            // waits: the GIB alert path; running: the SIE presents it directly
            Assert.That((m.Events[MachineTrace.GalInterrupt], m.Events[KvmTrace.DeliverIoAdapter], m.Events[MachineTrace.SieDeliverIoAdapter]), Is.EqualTo((7UL, 7UL, 2UL)));
            var names = Names(trace);
            Assert.That(InOrder(names, KvmTrace.SieExit, KvmTrace.HandlePqap, KvmTrace.PqapHookCall, VfioApTrace.HandlePqap, VfioTrace.PinPage,
                KvmTrace.GiscRegister, MachineTrace.ApAqic, VfioApTrace.IrqEnable, KvmTrace.HandlePqapExit, KvmTrace.HandleWait, MachineTrace.ApReplyAvailable, MachineTrace.ApNibStore,
                MachineTrace.GisaIpmSet, MachineTrace.GibAlertPush, MachineTrace.GalInterrupt, KvmTrace.GibProcessAlertList, KvmTrace.GisaKick, KvmTrace.VcpuWakeup,
                KvmTrace.DeliverIoAdapter), Is.True, "intercept to delivery through the GIB alert path");
            Assert.That(InOrder(names, MachineTrace.ApReplyAvailable, MachineTrace.ApNibStore, MachineTrace.GisaIpmSet, MachineTrace.GisaNoAlert, MachineTrace.SieDeliverIoAdapter), Is.True, "direct delivery");
            // the re-enable after the interpreted RAPQ moved the pin to the new NIB's page and kept one GISC reference
            Assert.That(trace.Count(l => l.Contains(VfioApTrace.FreeAqicResources.Name)), Is.EqualTo(2));
            var leaks = m.Teardown();
            Assert.That(leaks, Is.EqualTo(new HostLeakReport(0, 0, 0, 0)));
            Assert.That(trace[^1], Does.EndWith($"{VmmTrace.HostLeakCheck.Name}: pinned pages 0, gisc references 0, kvm references 0, use after free 0"));
        }
    }

    [Test]
    public void Halted_mode_the_alert_finds_no_vcpu_and_the_interruption_waits_until_isc_6_is_enabled()
    {
        var (r, output, m, trace) = RunAqic("apqn=0504 mode=halted");
        using (m)
        {
            AssertPassed(r, output, 5);
            Assert.That(output, Does.Contain("PASS halted: cr6 isc 6 off, enabled wait (i/o + external): no interruption; nib 0xff already set; " +
                "the clock comparator woke the cpu after 1000 us and enabled isc 6\n"));
            Assert.That(output, Does.Contain("PASS halted: delivered once isc 6 was enabled: interruption 0xb0000000 (isc 6), nib 0xff, rsa 1024 reply verified, 1003 us after nqap\n"));
            var names = Names(trace);
            Assert.That(InOrder(names, KvmTrace.HandleWait, MachineTrace.ApReplyAvailable, MachineTrace.ApNibStore, MachineTrace.GisaIpmSet, MachineTrace.GibAlertPush, MachineTrace.GalInterrupt,
                KvmTrace.GibProcessAlertList, KvmTrace.GisaKick, MachineTrace.SieDeliverIoAdapter), Is.True);
            var kicks = trace.Where(l => l.Contains(KvmTrace.GisaKick.Name)).ToList();
            Assert.That(kicks, Has.Count.EqualTo(20));
            Assert.That(kicks, Has.All.Contains("no idle vcpu is enabled for it"));
            Assert.That((m.Events[KvmTrace.VcpuWakeup], m.Events[MachineTrace.SieDeliverIoAdapter]), Is.EqualTo((0UL, 1UL)));
            Assert.That(m.Teardown().Clean, Is.True);
        }
    }

    [TestCase("apqn=0504")]
    [TestCase("apqn=0504 mode=halted")]
    public void Both_engines_give_the_same_output_and_cycles(string append)
    {
        var (r1, o1, m1, t1) = RunAqic(append, engine: "interp");
        var (r2, o2, m2, t2) = RunAqic(append, engine: "jit");
        var (r3, o3, m3, t3) = RunAqic(append, engine: "jit-sync");
        using (m1) using (m2) using (m3)
        {
            Assert.That(r1.End, Is.EqualTo(RunEnd.Stopped), r1.Message);
            Assert.That((o2, o3), Is.EqualTo((o1, o1)));
            var c = (m1.Boot.Cpu.Cycles, m1.Boot.Cpu.Instructions);
            Assert.That(((m2.Boot.Cpu.Cycles, m2.Boot.Cpu.Instructions), (m3.Boot.Cpu.Cycles, m3.Boot.Cpu.Instructions)), Is.EqualTo((c, c)));
            Assert.That((t2, t3), Is.EqualTo((t1, t1)), "the host model saw the same events at the same cycles");
        }
    }

    [Test]
    public void The_v7_condition_code_quirk_is_visible_to_a_guest_that_checks_the_cc()
    {
        // v7 left the condition code unchanged after a successful hook call: this guest checks it (Linux only looks at GR1)
        var console = new MemoryStream();
        var ap = new ApOptions();
        ap.Queues.Add(0x0504);
        using var m = new Machine(new MachineOptions { Console = console, Append = "apqn=0504", Ap = ap, Quirks = new S390Jit.Host.HostQuirks { V7CcUnchanged = true }, MaxCycles = 20_000_000_000 });
        m.LoadKernel(ElfImage.Load(Repo.Path("guests", "aqic.elf")));
        var r = m.Run();
        Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
        Assert.That(Encoding.ASCII.GetString(console.ToArray()), Does.Contain("FAIL aqic enable isc 6: cc 1 gr1 0x0000000081000000\n"), "RC 0 in GR1, but the cc of the instruction before");
        Assert.That(m.Teardown().Clean, Is.True, "the registration is released at the end all the same");
    }
}
