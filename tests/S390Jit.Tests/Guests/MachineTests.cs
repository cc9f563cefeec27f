using System.Text;
using S390Jit.Architecture.State;
using S390Jit.Hardware.Sie;
using S390Jit.Vmm;

namespace S390Jit.Tests.Guests;

/// <summary>How runs end, the SIE/KVM/VMM path of intercepted instructions, determinism.</summary>
public class MachineTests
{
    private static (RunResult Result, Machine Machine, string Console) Run(TestGuest g, ulong maxCycles = 50_000_000, Action<MachineOptions>? configure = null)
    {
        var console = new MemoryStream();
        var opt = new MachineOptions { Console = console, MaxCycles = maxCycles };
        configure?.Invoke(opt);
        var m = new Machine(opt);
        m.LoadKernel(g.Image());
        var r = m.Run();
        return (r, m, Encoding.ASCII.GetString(console.ToArray()));
    }

    [Test]
    public void Sigp_stop_of_the_only_cpu_ends_the_run_with_exit_0()
    {
        var (r, m, _) = Run(new TestGuest().Asm("LHI", r1: 7, i2: 1).Stop());
        using (m)
        {
            Assert.That((r.End, r.ExitCode), Is.EqualTo((RunEnd.Stopped, 0)));
            Assert.That(m.Boot.Cpu.G[7], Is.EqualTo(1UL));
        }
    }

    [Test]
    public void Disabled_wait_ends_with_exit_1_and_the_psw()
    {
        var (r, m, _) = Run(new TestGuest().LoadPsw(Psw.EA | Psw.BA | Psw.Wait, 0xBAD));
        using (m)
        {
            Assert.That((r.End, r.ExitCode), Is.EqualTo((RunEnd.DisabledWait, 1)));
            Assert.That(r.Message, Is.EqualTo("disabled wait, PSW 0002000180000000 0000000000000bad"));
        }
    }

    [Test]
    public void Max_cycles_ends_with_exit_3()
    {
        var (r, m, _) = Run(new TestGuest().Asm("BRC", m1: 15, ri2: 0), maxCycles: 100_000);
        using (m) Assert.That((r.End, r.ExitCode), Is.EqualTo((RunEnd.MaxCycles, 3)));
    }

    [Test]
    public void Enabled_wait_without_any_interruption_source_is_reported()
    {
        var (r, m, _) = Run(new TestGuest().LoadPsw(Psw.EA | Psw.BA | Psw.Wait | Psw.Ext, 0x2000));
        using (m)
        {
            Assert.That(r.ExitCode, Is.EqualTo(1));
            Assert.That(r.Message, Does.StartWith("enabled wait with no interruption source"));
        }
    }

    [Test]
    public void Enabled_wait_for_the_clock_comparator_skips_guest_time()
    {
        // CR0 clock-comparator subclass, CKC = now + 1 ms, enabled wait; the ext new PSW is a disabled wait at ExternalWait
        var g = new TestGuest()
            .Asm("STCK", b2: 0, d2: 0x300)
            .Asm("LG", r1: 2, b2: 0, d2: 0x300)
            .Load64(3, 4096UL * 1000)
            .Asm("AGR", r1: 2, r2: 3)
            .Asm("STG", r1: 2, b2: 0, d2: 0x308)
            .Asm("SCKC", b2: 0, d2: 0x308)
            .Asm("STCTG", r1: 0, r3: 0, b2: 0, d2: 0x310)
            .Asm("OI", b1: 0, d1: 0x316, i2: 0x08)
            .Asm("LCTLG", r1: 0, r3: 0, b2: 0, d2: 0x310)
            .LoadPsw(Psw.EA | Psw.BA | Psw.Wait | Psw.Ext, 0x2000);
        var (r, m, _) = Run(g);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.DisabledWait), r.Message);
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ExternalWait));
            Assert.That(m.Kvm.Memory.Span(Lowcore.ExtCode, 2).ToArray(), Is.EqualTo(new byte[] { 0x10, 0x04 }));
            Assert.That(m.Boot.Cpu.Cycles, Is.GreaterThanOrEqualTo(5_200_000UL), "1 ms of guest time at 5200 MHz");
        }
    }

    [Test]
    public void Dat_on_without_valid_tables_is_a_segment_translation_exception()
    {
        var (r, m, _) = Run(new TestGuest().DatOnWithoutTables(0x10100));
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait), r.Message);
            Assert.That(m.Kvm.Memory.Span(Lowcore.PgmCode, 2).ToArray(), Is.EqualTo(new byte[] { 0, 0x10 }));
            Assert.That(m.Kvm.Memory.Span(Lowcore.TransExcId, 8).ToArray()[5], Is.EqualTo(0x01), "TEID: the page 0x10000");
            Assert.That(m.Kvm.Memory.Span(Lowcore.PgmOldPsw + 8, 8).ToArray()[7], Is.EqualTo(0x00), "nullified: the old PSW points at 0x10100");
        }
    }

    [Test]
    public void Pqap_with_apie_off_intercepts_and_the_guest_gets_an_operation_exception()
    {
        var (r, m, _) = Run(new TestGuest().Bytes(0xB2, 0xAF, 0x00, 0x00));
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait), r.Message);
            Assert.That(m.Kvm.Memory.Span(Lowcore.PgmCode, 2).ToArray(), Is.EqualTo(new byte[] { 0, 1 }));
            Assert.That(m.Boot.SieBlock.InterceptCode, Is.EqualTo(InterceptCode.WaitState));
            Assert.That(m.Boot.InterceptCounts.Keys, Does.Contain("0x04 PQAP"));
        }
    }

    [Test]
    public void Intercepted_instruction_stores_icptcode_ipa_ipb_in_the_state_description()
    {
        // STIDP is handled by KVM in the kernel; the state description keeps the last intercept
        var (r, m, _) = Run(new TestGuest().Asm("STIDP", b2: 0, d2: 0x300).Asm("LHI", r1: 0, i2: 0).Stop());
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped));
            ulong cpuid = 0;
            foreach (var b in m.Kvm.Memory.Span(0x300, 8)) cpuid = (cpuid << 8) | b;
            Assert.That(cpuid >> 56, Is.EqualTo(0xFFUL), "version code 0xFF under KVM");
            Assert.That((cpuid >> 16) & 0xFFFF, Is.EqualTo(0x3931UL));
            Assert.That(m.Boot.SieBlock.InterceptIpa, Is.EqualTo((ushort)0xAE03), "last intercept: SIGP 0,3");
        }
    }

    [Test]
    public void Stsi_3_2_2_reports_a_kvm_guest()
    {
        var g = new TestGuest()
            .Load64(0, 0x3000_0002).Load64(1, 2).Load64(5, 0x20000)
            .Asm("STSI", b2: 5, d2: 0)
            .Asm("IPM", r1: 9)
            .Stop();
        var (r, m, _) = Run(g);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped));
            Assert.That((m.Boot.Cpu.G[9] >> 28) & 3, Is.EqualTo(0UL), "cc 0");
            var cpi = m.Kvm.Memory.Span(0x20000 + 56, 16).ToArray().Select(Ebcdic.ToAscii).ToArray();
            Assert.That(new string(cpi).TrimEnd(), Is.EqualTo("KVM/Linux"));
            Assert.That(m.Kvm.Memory.Span(0x20000 + 31, 1)[0] & 0xF, Is.EqualTo(1));
        }
    }

    [Test]
    public void Sigp_sense_of_a_missing_cpu_is_cc3_and_set_architecture_is_handled()
    {
        var g = new TestGuest()
            .Load64(3, 7).Asm("SIGP", r1: 0, r3: 3, d2: 1).Asm("IPM", r1: 9)
            .Load64(1, 1).Asm("SIGP", r1: 1, r3: 3, d2: 18).Asm("IPM", r1: 10)
            .Stop();
        var (r, m, _) = Run(g);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped));
            Assert.That(((m.Boot.Cpu.G[9] >> 28) & 3, (m.Boot.Cpu.G[10] >> 28) & 3), Is.EqualTo((3UL, 0UL)));
        }
    }

    [Test]
    public void Same_guest_same_cycles()
    {
        var g = new TestGuest().Load64(1, 1000).Asm("AHI", r1: 2, i2: 1).Asm("BRCT", r1: 1, ri2: -2).Stop();
        var (r1, m1, _) = Run(g);
        var (r2, m2, _) = Run(g);
        using (m1) using (m2)
        {
            Assert.That(r1.End, Is.EqualTo(RunEnd.Stopped));
            Assert.That(m1.Boot.Cpu.Cycles, Is.EqualTo(m2.Boot.Cpu.Cycles));
            Assert.That(m1.Boot.Cpu.Instructions, Is.EqualTo(m2.Boot.Cpu.Instructions));
        }
    }
}
