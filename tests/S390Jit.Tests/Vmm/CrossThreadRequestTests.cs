using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Tests.Execution;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;

namespace S390Jit.Tests.Vmm;

/// <summary>
/// Requests from other host threads (the VMM blocking a vcpu out of SIE for vfio_ap, a stray event
/// recheck) must not change what the guest computes or the cycles it is charged: a run hammered with
/// requests ends exactly where an unrequested run ends, under both engines. The requests are a fixed
/// number, whatever the host timing; only the equality is asserted.
/// </summary>
public class CrossThreadRequestTests
{
    private const ulong MaxCycles = 12_000_000;

    private static TestGuest Spinner() => new TestGuest()
        .Asm("LGHI", r1: 3, i2: 0).Asm("LGHI", r1: 4, i2: 0)
        .Asm("AGHI", r1: 3, i2: 1).Asm("AGR", r1: 4, r2: 3).Asm("BRC", m1: 15, ri2: -4);

    private static (RunEnd End, ulong Cycles, ulong Instructions, ulong R3, ulong R4) RunMachine(string engine, int blocks, out long kicks)
    {
        using var m = new Machine(new MachineOptions { Console = new MemoryStream(), MaxCycles = MaxCycles, TimeSliceCycles = 100_000, Engine = engine });
        m.LoadKernel(Spinner().Image());
        var v = m.Boot;
        bool done = false;
        var hammer = new Thread(() =>
        {
            if (blocks == 0) return;
            while (!v.InSie && !Volatile.Read(ref done)) Thread.Yield();
            for (int i = 0; i < blocks; i++) { v.BlockSie(); v.UnblockSie(); }
        }) { IsBackground = true };
        hammer.Start();
        var r = m.Run();
        Volatile.Write(ref done, true);
        hammer.Join();
        kicks = v.Kicks;
        var c = v.Cpu;
        return (r.End, c.Cycles, c.Instructions, c.G[3], c.G[4]);
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Blocking_a_vcpu_from_another_thread_leaves_its_cycle_count_exact(string engine)
    {
        var quiet = RunMachine(engine, 0, out _);
        Assert.That((quiet.End, quiet.Cycles), Is.EqualTo((RunEnd.MaxCycles, MaxCycles)));
        var hammered = RunMachine(engine, 400, out long kicks);
        Assert.That(hammered, Is.EqualTo(quiet), "the same guest progress and cycles as the unrequested run");
        Assume.That(kicks, Is.GreaterThan(0), "the blocks met the vcpu in SIE");
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void A_stray_event_recheck_from_another_thread_does_not_corrupt_the_cycle_count(string engine)
    {
        // a counted loop under compiled code: the exits of a region must not take the cycle count from the
        // event field another thread writes meanwhile
        var code = new List<byte>();
        code.AddRange(Assembler.Encode("LGFI", r1: 2, i2: 1_000_000));
        code.AddRange(Assembler.Encode("LGFI", r1: 5, i2: (long)EngineHarness.Scratch));
        code.AddRange(Assembler.Encode("AGHI", r1: 3, i2: 1));
        code.AddRange(Assembler.Encode("AGR", r1: 4, r2: 3));
        code.AddRange(Assembler.Encode("STG", r1: 4, b2: 5, d2: 0));
        code.AddRange(Assembler.Encode("STCK", b2: 5, d2: 8));
        code.AddRange(Assembler.Encode("BRCTG", r1: 2, ri2: -9));
        CpuSnapshot Run(bool hammer)
        {
            using var h = new EngineHarness();
            h.Load(code.ToArray());
            var e = engine == "jit" ? EngineHarness.Jit() : EngineHarness.Interpreter();
            bool done = false;
            using var started = new ManualResetEventSlim();
            var t = new Thread(() =>
            {
                started.Set();
                if (!hammer) return;
                for (int i = 0; i < 4_000_000 && !Volatile.Read(ref done); i++) { h.Cpu.RecheckEvents(); Thread.SpinWait(20); }
            }) { IsBackground = true };
            t.Start();
            started.Wait();
            var s = h.Run(e);
            Volatile.Write(ref done, true);
            t.Join();
            return s;
        }
        var quiet = Run(false);
        Assert.That(quiet.PswAddr, Is.EqualTo(EngineHarness.DoneWait));
        var hammered = Run(true);
        Assert.That((hammered.Cycles, hammered.Instructions, hammered.G[3], hammered.G[4], hammered.PswAddr),
            Is.EqualTo((quiet.Cycles, quiet.Instructions, quiet.G[3], quiet.G[4], quiet.PswAddr)));
    }
}
