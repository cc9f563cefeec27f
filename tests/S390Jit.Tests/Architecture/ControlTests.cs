using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

public class ControlTests
{
    [Test]
    public void Invalid_opcode_is_an_operation_exception_with_the_architected_lowcore_swap()
    {
        using var h = new CpuHarness();
        h.Put64(Lowcore.PgmNewPsw, Psw.EA | Psw.BA);
        h.Put64(Lowcore.PgmNewPsw + 8, 0x5000);
        h.Emit([0x00, 0x00]);
        ushort code = h.Run();
        Assert.That(code, Is.EqualTo(PgmCode.Operation));
        h.Cpu.DeliverProgramInterruption(code, nullify: false);
        Assert.That(h.Get16(Lowcore.PgmCode), Is.EqualTo(PgmCode.Operation));
        Assert.That(h.Get16(Lowcore.PgmIlc), Is.EqualTo(2), "ILC 1 = 2 bytes");
        Assert.That(h.Get64(Lowcore.PgmOldPsw + 8), Is.EqualTo(CpuHarness.CodeAddress + 2), "suppressed: old PSW points past the instruction");
        Assert.That(h.Cpu.PswAddr, Is.EqualTo(0x5000UL));
    }

    [Test]
    public void Privileged_instruction_in_problem_state()
    {
        using var h = new CpuHarness();
        h.Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Problem, CpuHarness.CodeAddress);
        h.Asm("SSM", b2: 0, d2: 0x200);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.PrivilegedOperation));
    }

    [Test]
    public void Instruction_of_a_facility_not_offered_is_an_operation_exception()
    {
        using var h = new CpuHarness();
        h.Cpu.SetFacility(Fac.Z196, false);
        h.Asm("ARK", r1: 1, r2: 2, r3: 3);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Operation));
    }

    [Test]
    public void LPSWE_loads_psw_and_checks_validity()
    {
        using var h = new CpuHarness();
        h.Put64(0x20000, Psw.EA | Psw.BA | (2UL << 44));
        h.Put64(0x20008, 0x30000);
        h.Cpu.G[5] = 0x20000;
        h.Asm("LPSWE", b2: 5, d2: 0);
        h.Run();
        Assert.That((h.Cpu.PswAddr, h.Cpu.Cc), Is.EqualTo((0x30000UL, 2)));

        using var bad = new CpuHarness();
        bad.Put64(0x20000, Psw.EA); // EA without BA is invalid
        bad.Put64(0x20008, 0x30000);
        bad.Cpu.G[5] = 0x20000;
        bad.Asm("LPSWE", b2: 5, d2: 0);
        Assert.That(bad.Run(), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void LPSW_converts_the_short_psw()
    {
        using var h = new CpuHarness();
        // 31-bit short PSW: bit 12 one, BA one, address 0x30000
        h.Put64(0x20000, (1UL << 51) | (1UL << 31) | 0x30000);
        h.Cpu.G[5] = 0x20000;
        h.Asm("LPSW", b2: 5, d2: 0);
        h.Run();
        Assert.That((h.Cpu.PswAddr, h.Cpu.AddressingMode), Is.EqualTo((0x30000UL, 31)));
    }

    [Test]
    public void STOSM_and_STNSM_store_the_old_mask()
    {
        using var h = new CpuHarness();
        h.Cpu.G[5] = 0x20000;
        h.Asm("STOSM", b1: 5, d1: 0, i2: 0x03).Asm("STNSM", b1: 5, d1: 1, i2: 0xFC);
        h.Run();
        Assert.That((h.Mem(0x20000, 2).ToArray(), h.Cpu.PswMask >> 56), Is.EqualTo((new byte[] { 0x00, 0x03 }, 0UL)));
    }

    [Test]
    public void IPM_SPM_EPSW()
    {
        using var h = new CpuHarness();
        h.Cpu.Cc = 2;
        h.Cpu.G[1] = 0xFFFF_FFFF_FFFF_FFFF;
        h.Asm("IPM", r1: 1).Asm("EPSW", r1: 2, r2: 3);
        h.Run();
        Assert.That((uint)h.Cpu.G[1], Is.EqualTo(0x20FF_FFFFu));
        Assert.That(((uint)h.Cpu.G[2], (uint)h.Cpu.G[3]), Is.EqualTo((0x0000_2001u, 0x8000_0000u)));
        using var s = new CpuHarness();
        s.Cpu.G[1] = 0x1800_0000; // cc 1, program mask 8
        s.Asm("SPM", r1: 1);
        s.Run();
        Assert.That((s.Cpu.Cc, (s.Cpu.PswMask & Psw.FixedOverflowMask) != 0), Is.EqualTo((1, true)));
    }

    [Test]
    public void SAM_switches_addressing_mode_and_wraps_addresses()
    {
        using var h = new CpuHarness();
        h.Cpu.G[5] = 0xFFFF_FFFF_0000_0010;
        h.Asm("SAM31").Asm("LA", r1: 6, b2: 5, d2: 0);
        h.Run();
        Assert.That((h.Cpu.AddressingMode, h.Cpu.G[6]), Is.EqualTo((31, 0x10UL)));
    }

    [Test]
    public void STFLE_reports_available_doublewords()
    {
        using var h = new CpuHarness();
        h.Cpu.G[0] = 0; h.Cpu.G[5] = 0x20000;
        h.Asm("STFLE", b2: 5, d2: 0);
        h.Run();
        Assert.That(h.Cpu.Cc, Is.EqualTo(3), "facility 130 (IEP) is in the third doubleword: one provided is too few");
        Assert.That(h.Cpu.G[0] & 0xFF, Is.EqualTo(2UL), "three doublewords available");
        Assert.That(h.Get64(0x20000) >> 62, Is.EqualTo(3UL), "facilities 0 and 1");
        Assert.That(h.Get64(0x20000) & (0x8000_0000_0000_0000UL >> Fac.Z196), Is.Not.Zero);
    }

    [Test]
    public void STCK_is_unique_and_increasing()
    {
        using var h = new CpuHarness();
        h.Cpu.G[5] = 0x20000;
        h.Asm("STCK", b2: 5, d2: 0).Asm("STCK", b2: 5, d2: 8);
        h.Run();
        Assert.That(h.Get64(0x20008), Is.GreaterThan(h.Get64(0x20000)));
    }

    [Test]
    public void TOD_derives_from_cycles()
    {
        var c = new Cpu { Clock = new CpuClock(1000, 0) };
        c.Cycles = 1000; // 1 us at 1000 MHz
        Assert.That(c.Tod, Is.EqualTo(4096UL));
        Assert.That(c.Clock.FirstCycleTodAbove(4096), Is.EqualTo(1001UL));
    }

    [Test]
    public void Clock_comparator_interruption_is_presented_when_enabled()
    {
        using var h = new CpuHarness();
        h.Put64(Lowcore.ExtNewPsw, Psw.EA | Psw.BA);
        h.Put64(Lowcore.ExtNewPsw + 8, 0x5000);
        h.Cpu.Cr[0] |= Cr0.ClockComparator;
        h.Cpu.SetClockComparator(h.Cpu.Tod + 100);
        h.Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Ext, CpuHarness.CodeAddress);
        Assert.That(h.Cpu.NextTimerCycle(), Is.GreaterThan(0UL).And.LessThan(1000UL));
        h.Cpu.Cycles = h.Cpu.NextTimerCycle();
        Assert.That(h.Cpu.DeliverPendingTimer(), Is.True);
        Assert.That((h.Get16(Lowcore.ExtCode), h.Cpu.PswAddr), Is.EqualTo((ExtCode.ClockComparator, 0x5000UL)));
    }

    [Test]
    public void Cpu_timer_interruption_needs_its_subclass_mask()
    {
        using var h = new CpuHarness();
        h.Put64(Lowcore.ExtNewPsw, Psw.EA | Psw.BA);
        h.Put64(Lowcore.ExtNewPsw + 8, 0x5000);
        h.Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Ext, CpuHarness.CodeAddress);
        h.Cpu.CpuTimer = 10;
        h.Cpu.Cycles += 100_000;
        Assert.That(h.Cpu.CpuTimerPending, Is.True);
        Assert.That(h.Cpu.DeliverPendingTimer(), Is.False, "CR0 CPU-timer subclass off");
        h.Cpu.Cr[0] |= Cr0.CpuTimer;
        Assert.That(h.Cpu.DeliverPendingTimer(), Is.True);
        Assert.That(h.Get16(Lowcore.ExtCode), Is.EqualTo(ExtCode.CpuTimer));
    }

    [Test]
    public void SVC_swaps_with_code_and_ilc()
    {
        using var h = new CpuHarness();
        h.Put64(Lowcore.SvcNewPsw, Psw.EA | Psw.BA);
        h.Put64(Lowcore.SvcNewPsw + 8, 0x5000);
        h.Emit(Assembler.Encode("SVC", i1: 42));
        h.Run();
        Assert.That((h.Get16(Lowcore.SvcCode), h.Get16(Lowcore.SvcIlc), h.Get64(Lowcore.SvcOldPsw + 8)), Is.EqualTo(((ushort)42, (ushort)2, CpuHarness.CodeAddress + 2)));
    }

    [Test]
    public void SPX_moves_the_lowcore()
    {
        using var h = new CpuHarness();
        h.Put(0x20000, 0, 0x04, 0, 0);
        h.Cpu.G[5] = 0x20000;
        h.Asm("SPX", b2: 5, d2: 0).Asm("STPX", b2: 5, d2: 4);
        h.Run();
        Assert.That((h.Cpu.Prefix, h.Get32(0x20004)), Is.EqualTo((0x40000u, 0x40000u)));
    }
}
