using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

public class FixedPointTests
{
    private static (ulong r1, int cc, ushort pgm) Rr(string mn, ulong a, ulong b, bool overflowMask = false)
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = a; h.Cpu.G[2] = b;
        if (overflowMask) h.Cpu.PswMask |= Psw.FixedOverflowMask;
        h.Asm(mn, r1: 1, r2: 2);
        ushort pgm = h.Run();
        return (h.Cpu.G[1], h.Cpu.Cc, pgm);
    }

    [TestCase(1u, 2u, 3u, 2)]
    [TestCase(0u, 0u, 0u, 0)]
    [TestCase(0xFFFFFFFFu, 0u, 0xFFFFFFFFu, 1)]
    [TestCase(0x7FFFFFFFu, 1u, 0x80000000u, 3)]
    [TestCase(0x80000000u, 0x80000000u, 0u, 3)]
    public void AR_sets_result_and_cc(uint a, uint b, uint r, int cc)
    {
        var (r1, c, pgm) = Rr("AR", 0xAAAA_AAAA_0000_0000UL | a, b);
        Assert.That((r1, c, pgm), Is.EqualTo((0xAAAA_AAAA_0000_0000UL | r, cc, (ushort)0)), "high word kept");
    }

    [Test]
    public void AR_overflow_interrupts_only_with_program_mask()
    {
        Assert.That(Rr("AR", 0x7FFF_FFFF, 1).pgm, Is.EqualTo(0));
        var (r1, cc, pgm) = Rr("AR", 0x7FFF_FFFF, 1, overflowMask: true);
        Assert.That((r1, cc, pgm), Is.EqualTo((0x8000_0000UL, 3, PgmCode.FixedPointOverflow)), "result stored before the interruption");
    }

    [TestCase(5u, 3u, 8u, 1)]
    [TestCase(0xFFFFFFFFu, 1u, 0u, 2)]
    [TestCase(0xFFFFFFFFu, 2u, 1u, 3)]
    [TestCase(0u, 0u, 0u, 0)]
    public void ALR_cc_is_carry_and_nonzero(uint a, uint b, uint r, int cc) =>
        Assert.That(Rr("ALR", a, b) is var x && ((uint)x.r1, x.cc) == (r, cc));

    [TestCase(5u, 3u, 2u, 3)]
    [TestCase(3u, 3u, 0u, 2)]
    [TestCase(3u, 5u, 0xFFFFFFFEu, 1)]
    public void SLR_cc_is_borrow_and_nonzero(uint a, uint b, uint r, int cc)
    {
        var x = Rr("SLR", a, b);
        Assert.That(((uint)x.r1, x.cc), Is.EqualTo((r, cc)));
    }

    [Test]
    public void SR_overflow_cc3()
    {
        Assert.That(Rr("SR", 0x8000_0000, 1).cc, Is.EqualTo(3));
        Assert.That(Rr("SGR", 0x8000_0000_0000_0000UL, 1).cc, Is.EqualTo(3));
        Assert.That(Rr("SGR", 5, 7) is var x && (long)x.r1 == -2 && x.cc == 1);
    }

    [Test]
    public void ALCR_and_SLBR_chain_carries()
    {
        using var h = new CpuHarness();
        // 64-bit add of 0x00000001_FFFFFFFF + 0x00000000_00000001 with 32-bit pairs (r2:r3) += (r4:r5)
        h.Cpu.G[2] = 1; h.Cpu.G[3] = 0xFFFF_FFFF; h.Cpu.G[4] = 0; h.Cpu.G[5] = 1;
        h.Asm("ALR", r1: 3, r2: 5).Asm("ALCR", r1: 2, r2: 4);
        h.Run();
        Assert.That(((uint)h.Cpu.G[2], (uint)h.Cpu.G[3], h.Cpu.Cc), Is.EqualTo((2u, 0u, 1)));
        using var s = new CpuHarness();
        // (2:0) - (0:1) = (1:FFFFFFFF)
        s.Cpu.G[2] = 2; s.Cpu.G[3] = 0; s.Cpu.G[4] = 0; s.Cpu.G[5] = 1;
        s.Asm("SLR", r1: 3, r2: 5).Asm("SLBR", r1: 2, r2: 4);
        s.Run();
        Assert.That(((uint)s.Cpu.G[2], (uint)s.Cpu.G[3], s.Cpu.Cc), Is.EqualTo((1u, 0xFFFF_FFFFu, 3)));
    }

    [Test]
    public void Compare_signed_and_logical()
    {
        Assert.That(Rr("CR", 0xFFFF_FFFF, 1).cc, Is.EqualTo(1));
        Assert.That(Rr("CLR", 0xFFFF_FFFF, 1).cc, Is.EqualTo(2));
        Assert.That(Rr("CGR", 7, 7).cc, Is.EqualTo(0));
        Assert.That(Rr("CLGFR", 0x1_0000_0000, 0xFFFF_FFFF_FFFF_FFFF).cc, Is.EqualTo(2), "second operand is the low word, zero-extended");
    }

    [Test]
    public void DR_divides_pair_and_traps_on_zero_and_overflow()
    {
        using var h = new CpuHarness();
        h.Cpu.G[2] = 0xFFFF_FFFF; h.Cpu.G[3] = unchecked((uint)-7); h.Cpu.G[4] = 2; // -7 / 2
        h.Asm("DR", r1: 2, r2: 4);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That(((int)h.Cpu.G[2], (int)(uint)h.Cpu.G[3]), Is.EqualTo((-1, -3)));
        using var z = new CpuHarness();
        z.Cpu.G[4] = 0;
        z.Asm("DR", r1: 2, r2: 4);
        Assert.That(z.Run(), Is.EqualTo(PgmCode.FixedPointDivide));
        using var o = new CpuHarness();
        o.Cpu.G[2] = 1; o.Cpu.G[3] = 0; o.Cpu.G[4] = 1; // 2^32 / 1 does not fit
        o.Asm("DR", r1: 2, r2: 4);
        Assert.That(o.Run(), Is.EqualTo(PgmCode.FixedPointDivide));
    }

    [Test]
    public void Odd_register_pair_is_a_specification_exception()
    {
        using var h = new CpuHarness();
        h.Asm("DR", r1: 3, r2: 4);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void DSGR_and_DLGR()
    {
        using var h = new CpuHarness();
        h.Cpu.G[3] = unchecked((ulong)-100); h.Cpu.G[4] = 7;
        h.Asm("DSGR", r1: 2, r2: 4);
        h.Run();
        Assert.That(((long)h.Cpu.G[2], (long)h.Cpu.G[3]), Is.EqualTo((-2L, -14L)));
        using var m = new CpuHarness();
        m.Cpu.G[3] = unchecked((ulong)long.MinValue); m.Cpu.G[4] = unchecked((ulong)-1);
        m.Asm("DSGR", r1: 2, r2: 4);
        Assert.That(m.Run(), Is.EqualTo(PgmCode.FixedPointDivide));
        using var l = new CpuHarness();
        l.Cpu.G[2] = 1; l.Cpu.G[3] = 0; l.Cpu.G[4] = 2; // 2^64 / 2
        l.Asm("DLGR", r1: 2, r2: 4);
        l.Run();
        Assert.That((l.Cpu.G[2], l.Cpu.G[3]), Is.EqualTo((0UL, 0x8000_0000_0000_0000UL)));
    }

    [Test]
    public void MLGR_gives_128_bit_product()
    {
        using var h = new CpuHarness();
        h.Cpu.G[3] = ulong.MaxValue; h.Cpu.G[4] = ulong.MaxValue;
        h.Asm("MLGR", r1: 2, r2: 4);
        h.Run();
        Assert.That((h.Cpu.G[2], h.Cpu.G[3]), Is.EqualTo((ulong.MaxValue - 1, 1UL)));
    }

    [Test]
    public void LCR_LPR_overflow_and_LNR()
    {
        Assert.That(Rr("LCR", 0, 0x8000_0000).cc, Is.EqualTo(3));
        Assert.That(Rr("LPR", 0, 0xFFFF_FFF6) is var p && (uint)p.r1 == 10 && p.cc == 2);
        Assert.That(Rr("LNR", 0, 10) is var n && (int)(uint)n.r1 == -10 && n.cc == 1);
        Assert.That(Rr("LCGFR", 0, 0x8000_0000) is var g && g.r1 == 0x8000_0000UL && g.cc == 2);
    }

    [Test]
    public void Compare_and_trap_raises_data_exception_with_dxc_ff()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = 5;
        h.Asm("CIT", r1: 1, i2: 5, m3: 8).Asm("AHI", r1: 1, i2: 1);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Data));
        h.Cpu.DeliverProgramInterruption(PgmCode.Data, false);
        Assert.That(h.Mem(0x93, 1)[0], Is.EqualTo(0xFF));
    }
}

public class DecimalTests
{
    [Test]
    public void CVD_then_CVB_round_trips_and_bad_digits_are_a_data_exception()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = unchecked((uint)-1234567);
        h.Cpu.G[5] = 0x20000;
        h.Asm("CVD", r1: 1, b2: 5, d2: 0).Asm("CVB", r1: 2, b2: 5, d2: 0);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That(h.Mem(0x20000, 8).ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x7D }));
        Assert.That((int)(uint)h.Cpu.G[2], Is.EqualTo(-1234567));
        using var bad = new CpuHarness();
        bad.Put(0x20000, 0, 0, 0, 0, 0, 0, 0xA0, 0x0C);
        bad.Cpu.G[5] = 0x20000;
        bad.Asm("CVB", r1: 2, b2: 5, d2: 0);
        Assert.That(bad.Run(), Is.EqualTo(PgmCode.Data));
    }
}
