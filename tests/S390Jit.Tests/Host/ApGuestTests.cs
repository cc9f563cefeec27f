using System.Text;
using S390Jit.Host.Crypto;
using S390Jit.Loader;
using S390Jit.Vmm;
using S390Jit.Hardware.Ap;

namespace S390Jit.Tests.Host;

/// <summary>
/// The AP guest (guests/ap.elf) end to end: with its queues configured every check passes; with AP
/// disabled it reports the operation exception cleanly; two VMs sharing one host AP bus, run
/// concurrently, each find exactly their own queues. QEMU has no AP under TCG, so instead of a
/// golden file the PASS lines and the final status are asserted.
/// </summary>
public class ApGuestTests
{
    internal static (RunResult Result, string Output, Machine Machine) RunAp(ApOptions? ap, string append, string engine = "jit")
    {
        var console = new MemoryStream();
        var m = new Machine(new MachineOptions { Console = console, Append = append, MaxCycles = 20_000_000_000, Ap = ap, Engine = engine });
        m.LoadKernel(ElfImage.Load(Repo.Path("guests", "ap.elf")));
        var r = m.Run();
        return (r, Encoding.ASCII.GetString(console.ToArray()), m);
    }

    private static ApOptions Ap(params ushort[] queues)
    {
        var o = new ApOptions();
        o.Queues.AddRange(queues);
        return o;
    }

    private static void AssertAllPassed(string output, RunResult r, int minimumPasses = 40)
    {
        Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Where(l => l.StartsWith("FAIL", StringComparison.Ordinal)), Is.Empty, output);
        Assert.That(lines.Count(l => l.StartsWith("PASS ", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(minimumPasses), output);
        Assert.That(lines[^1], Is.EqualTo("EXIT: STATUS=1"), output);
    }

    [Test]
    public void With_its_queues_every_check_passes()
    {
        var (r, output, m) = RunAp(Ap(0x0504, 0x0505), "apqn=0504,0505");
        using (m)
        {
            AssertAllPassed(output, r);
            Assert.That(output, Does.Contain("PASS probe 0000-ffff: found 05.0004 05.0005\n"));
            foreach (var name in new[] { "rsa 1024 ME m^e = c", "rsa 2048 ME c^d = m", "rsa 4096 CRT c^d = m", "nqap on a full queue: rc 0x10, F bit",
                         "dqap on an empty queue: rc 0x10, E bit", "dqap partial: 100-byte buffer, cc 1 twice then cc 0", "specification: nqap with odd R1",
                         "privileged operation: tapq in the problem state", "even modulus -> type 88 code 0x85", "rapq 05.0004: rc 0x02 while resetting, then empty" })
                Assert.That(output, Does.Contain($"PASS {name}"));
            Assert.That(output, Does.Contain("ap: 45 passed, 0 failed"));
            var s = m.Statistics(r);
            Assert.That(s, Does.Match(@"stats: ap queue 05\.0004    cex7a: requests 18, replies 18, error replies 6, .*latency avg \d+ cycles"));
        }
    }

    [Test]
    public void With_ap_disabled_the_guest_reports_the_operation_exception()
    {
        var ap = Ap(0x0504, 0x0505);
        ap.CpuAp = false;
        var (r, output, m) = RunAp(ap, "apqn=0504,0505");
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(output, Is.EqualTo(
                "ap: 2 queue(s) expected, type 13\n" +
                "FAIL ap instructions: program interruption code 0x0001 on PQAP(TAPQ) (operation exception: no AP instructions)\n" +
                "ap: 0 passed, 1 failed\n" +
                "EXIT: STATUS=3\n"));
            Assert.That(m.Boot.InterceptCounts.Keys, Does.Contain("0x04 PQAP"));
        }
    }

    [Test]
    public void With_a_format_0_crycb_and_cex5_adapters_the_guest_probes_without_apxa()
    {
        var ap = Ap(0x0504, 0x0704);
        ap.Msa3 = false;
        ap.Type = ApDeviceType.Cex5;
        var (r, output, m) = RunAp(ap, "apqn=0504,0704 type=11", engine: "interp");
        using (m)
        {
            AssertAllPassed(output, r);
            Assert.That(output, Does.Contain("INFO qci: apxa no, Na 0x3f, Nd 0x0f"));
            Assert.That(output, Does.Contain("PASS probe 0000-3f0f: found 05.0004 07.0004\n"));
            Assert.That(output, Does.Contain("PASS specification: apid 0x40 without apxa"));
            Assert.That(m.Kvm.Crypto.Format, Is.Zero);
        }
    }

    [Test]
    public void Both_engines_give_the_same_output_and_cycles()
    {
        var (r1, o1, m1) = RunAp(Ap(0x0504), "apqn=0504", engine: "interp");
        var (r2, o2, m2) = RunAp(Ap(0x0504), "apqn=0504", engine: "jit");
        using (m1) using (m2)
        {
            AssertAllPassed(o1, r1);
            Assert.That(o2, Is.EqualTo(o1));
            Assert.That((m2.Boot.Cpu.Cycles, m2.Boot.Cpu.Instructions), Is.EqualTo((m1.Boot.Cpu.Cycles, m1.Boot.Cpu.Instructions)));
        }
    }

    [Test]
    public void Two_vms_sharing_one_host_bus_run_concurrently_and_each_sees_only_its_matrix()
    {
        var bus = new ApBus(S390Jit.Tests.Hardware.ApHarness.SharedConfiguration(ApDeviceType.Cex7));
        var a = Ap(0x0504, 0x0604); a.HostBus = bus;
        var b = Ap(0x0505); b.HostBus = bus;
        var ta = Task.Run(() => RunAp(a, "apqn=0504,0604"));
        var tb = Task.Run(() => RunAp(b, "apqn=0505"));
        Task.WaitAll(ta, tb);
        var (ra, oa, ma) = ta.Result;
        var (rb, ob, mb) = tb.Result;
        using (ma) using (mb)
        {
            AssertAllPassed(oa, ra);
            AssertAllPassed(ob, rb);
            Assert.That(oa, Does.Contain("PASS probe 0000-ffff: found 05.0004 06.0004\n"));
            Assert.That(ob, Does.Contain("PASS probe 0000-ffff: found 05.0005\n"));
            Assert.That(bus.VfioAp.Mdevs, Has.Count.EqualTo(2));
            Assert.That(bus.Hardware.Queue(0x0505)!.Stats.Requests, Is.EqualTo(29UL), "VM B's requests all went to its queue");
        }
        Assert.That(bus.VfioAp.Mdevs, Is.Empty, "both released");
    }
}
