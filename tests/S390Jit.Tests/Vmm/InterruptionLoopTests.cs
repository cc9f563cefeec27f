using S390Jit.Architecture.State;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;

namespace S390Jit.Tests.Vmm;

/// <summary>
/// A guest whose program or external new PSW is invalid would take the same interruption forever; like
/// QEMU on KVM (kvm-unit-tests panic-loop-pgm, panic-loop-extint) the run ends with "guest panicked"
/// and exit 1, under both engines, instead of spinning until a timeout.
/// </summary>
public class InterruptionLoopTests
{
    private static RunResult Run(TestGuest g, string engine)
    {
        using var m = new Machine(new MachineOptions { Console = new MemoryStream(), MaxCycles = 50_000_000, Engine = engine });
        m.LoadKernel(g.Image());
        return m.Run();
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Invalid_program_new_psw_ends_the_run_as_a_pgmint_loop(string engine)
    {
        // PSW bit 12 set: invalid in z/Architecture; the operation exception's new PSW raises a specification exception at once
        var g = new TestGuest().SetPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA | (1UL << 51), 0x20000).Bytes(0x00, 0x00);
        var r = Run(g, engine);
        Assert.That((r.End, r.ExitCode), Is.EqualTo((RunEnd.GuestPanicked, 1)), r.Message);
        Assert.That(r.Message, Does.Contain("pgmint-loop").And.Contain("0008000180000000 0000000000020000"));
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Odd_program_new_psw_address_ends_the_run_as_a_pgmint_loop(string engine)
    {
        var g = new TestGuest().SetPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA, 0x20001).Bytes(0x00, 0x00);
        Assert.That(Run(g, engine).End, Is.EqualTo(RunEnd.GuestPanicked));
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Invalid_external_new_psw_ends_the_run_as_an_extint_loop(string engine)
    {
        // clock comparator 0 is pending at once; CR0 bit 52 (clock comparator subclass) and PSW bit 7 enable it
        var g = new TestGuest().SetPsw(Lowcore.ExtNewPsw, Psw.EA, 0x20000)
            .Asm("SCKC", b2: 0, d2: 0x300)
            .Load64(1, Cr0.ClockComparator).Asm("STG", r1: 1, b2: 0, d2: 0x308).Asm("LCTLG", r1: 0, r3: 0, b2: 0, d2: 0x308)
            .Asm("STOSM", b1: 0, d1: 0x310, i2: 0x01)
            .Asm("BRC", m1: 15, ri2: 0);
        var r = Run(g, engine);
        Assert.That((r.End, r.ExitCode), Is.EqualTo((RunEnd.GuestPanicked, 1)), r.Message);
        Assert.That(r.Message, Does.Contain("extint-loop"));
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void A_valid_handler_is_not_a_loop(string engine)
    {
        // the operation exception is taken once, into the program-check wait: a disabled wait, not a panic
        var r = Run(new TestGuest().Bytes(0x00, 0x00), engine);
        Assert.That(r.End, Is.EqualTo(RunEnd.DisabledWait), r.Message);
    }
}
