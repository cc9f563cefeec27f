using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

public class LogicalShiftTests
{
    [Test]
    public void Immediate_and_or_xor_set_cc_from_the_field()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = 0x1234_5678_9ABC_DEF0;
        h.Asm("NILL", r1: 1, i2: 0x000F);
        h.Run();
        Assert.That((h.Cpu.G[1], h.Cpu.Cc), Is.EqualTo((0x1234_5678_9ABC_0000UL, 0)));
        using var o = new CpuHarness();
        o.Cpu.G[1] = 0;
        o.Asm("OIHF", r1: 1, i2: 0x8000_0000).Asm("XILF", r1: 1, i2: 0xFFFF_FFFF);
        o.Run();
        Assert.That((o.Cpu.G[1], o.Cpu.Cc), Is.EqualTo((0x8000_0000_FFFF_FFFFUL, 1)));
    }

    [TestCase(0x0000u, 0xF0F0u, 0)]
    [TestCase(0xF0F0u, 0xF0F0u, 3)]
    [TestCase(0x8000u, 0xC000u, 2)]
    [TestCase(0x4000u, 0xC000u, 1)]
    public void TMLL_distinguishes_leftmost_selected_bit(uint value, uint mask, int cc)
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = value;
        h.Asm("TMLL", r1: 1, i2: mask);
        h.Run();
        Assert.That(h.Cpu.Cc, Is.EqualTo(cc));
    }

    [Test]
    public void TM_on_storage()
    {
        using var h = new CpuHarness();
        h.Put(0x20000, 0x81);
        h.Cpu.G[5] = 0x20000;
        h.Asm("TM", b1: 5, d1: 0, i2: 0x81);
        h.Run();
        Assert.That(h.Cpu.Cc, Is.EqualTo(3));
    }

    [Test]
    public void ICM_inserts_selected_bytes_and_sets_cc_from_first_bit()
    {
        using var h = new CpuHarness();
        h.Put(0x20000, 0x80, 0x11);
        h.Cpu.G[1] = 0xAABB_CCDD; h.Cpu.G[5] = 0x20000;
        h.Asm("ICM", r1: 1, m3: 0b0101, b2: 5, d2: 0);
        h.Run();
        Assert.That(((uint)h.Cpu.G[1], h.Cpu.Cc), Is.EqualTo((0xAA80_CC11u, 1)));
    }

    [Test]
    public void STCM_and_CLM()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = 0x1122_3344; h.Cpu.G[5] = 0x20000;
        h.Asm("STCM", r1: 1, m3: 0b1010, b2: 5, d2: 0).Asm("CLM", r1: 1, m3: 0b1010, b2: 5, d2: 0);
        h.Run();
        Assert.That((h.Mem(0x20000, 2).ToArray(), h.Cpu.Cc), Is.EqualTo((new byte[] { 0x11, 0x33 }, 0)));
    }

    [Test]
    public void SLA_keeps_sign_and_reports_overflow()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = 0x4000_0001;
        h.Asm("SLA", r1: 1, d2: 1);
        h.Run();
        Assert.That(((uint)h.Cpu.G[1], h.Cpu.Cc), Is.EqualTo((0x0000_0002u, 3)));
        using var n = new CpuHarness();
        n.Cpu.G[1] = 0xFFFF_FFFF;
        n.Asm("SLA", r1: 1, d2: 4);
        n.Run();
        Assert.That(((uint)n.Cpu.G[1], n.Cpu.Cc), Is.EqualTo((0xFFFF_FFF0u, 1)));
    }

    [Test]
    public void Double_shifts_use_the_even_odd_pair()
    {
        using var h = new CpuHarness();
        h.Cpu.G[2] = 0x0000_0001; h.Cpu.G[3] = 0x8000_0000;
        h.Asm("SLDL", r1: 2, d2: 1);
        h.Run();
        Assert.That(((uint)h.Cpu.G[2], (uint)h.Cpu.G[3]), Is.EqualTo((3u, 0u)));
        using var a = new CpuHarness();
        a.Cpu.G[2] = 0x8000_0000; a.Cpu.G[3] = 0;
        a.Asm("SRDA", r1: 2, d2: 32);
        a.Run();
        Assert.That(((uint)a.Cpu.G[2], (uint)a.Cpu.G[3], a.Cpu.Cc), Is.EqualTo((0xFFFF_FFFFu, 0x8000_0000u, 1)));
    }

    [Test]
    public void Shift_amount_comes_from_the_address_and_RLLG_rotates()
    {
        using var h = new CpuHarness();
        h.Cpu.G[4] = 0x0123_4567_89AB_CDEF; h.Cpu.G[5] = 64 + 8; // amount uses the low 6 bits: 8
        h.Asm("RLLG", r1: 1, r3: 4, b2: 5, d2: 0).Asm("SRLG", r1: 2, r3: 4, b2: 0, d2: 60);
        h.Run();
        Assert.That((h.Cpu.G[1], h.Cpu.G[2]), Is.EqualTo((0x2345_6789_ABCD_EF01UL, 0UL)));
    }

    [Test]
    public void RISBG_inserts_rotated_bits_with_and_without_zeroing()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = ulong.MaxValue; h.Cpu.G[2] = 0x0000_0000_0000_00AB;
        // insert bits 56-63 of r2 rotated left by 8 into bits 48-55 of r1
        h.Asm("RISBG", r1: 1, r2: 2, i3: 48, i4: 55, i5: 8);
        h.Run();
        Assert.That((h.Cpu.G[1], h.Cpu.Cc), Is.EqualTo((0xFFFF_FFFF_FFFF_ABFFUL, 1)));
        using var z = new CpuHarness();
        z.Cpu.G[1] = ulong.MaxValue; z.Cpu.G[2] = 0x0000_0000_0000_00AB;
        z.Asm("RISBG", r1: 1, r2: 2, i3: 48, i4: 0x80 | 55, i5: 8); // zero the remaining bits
        z.Run();
        Assert.That((z.Cpu.G[1], z.Cpu.Cc), Is.EqualTo((0x0000_0000_0000_AB00UL, 2)));
    }

    [Test]
    public void RISBG_wraps_when_start_is_after_end()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = 0; h.Cpu.G[2] = ulong.MaxValue;
        h.Asm("RISBGN", r1: 1, r2: 2, i3: 62, i4: 1, i5: 0);
        h.Run();
        Assert.That(h.Cpu.G[1], Is.EqualTo(0xC000_0000_0000_0003UL));
    }

    [Test]
    public void RISBHG_and_RISBLG_stay_in_their_word()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = 0x1111_1111_2222_2222; h.Cpu.G[2] = 0x0000_0000_FFFF_FFFF;
        h.Asm("RISBHG", r1: 1, r2: 2, i3: 0, i4: 0x80 | 7, i5: 32);
        h.Run();
        Assert.That(h.Cpu.G[1], Is.EqualTo(0xFF00_0000_2222_2222UL));
        using var l = new CpuHarness();
        l.Cpu.G[1] = 0x1111_1111_2222_2222; l.Cpu.G[2] = 0x0000_0000_0000_00FF;
        l.Asm("RISBLG", r1: 1, r2: 2, i3: 24, i4: 31, i5: 0);
        l.Run();
        Assert.That(l.Cpu.G[1], Is.EqualTo(0x1111_1111_2222_22FFUL));
    }

    [Test]
    public void RNSBG_test_only_leaves_register()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = 0xF0; h.Cpu.G[2] = 0x10;
        h.Asm("RNSBG", r1: 1, r2: 2, i3: 0x80 | 56, i4: 63, i5: 0);
        h.Run();
        Assert.That((h.Cpu.G[1], h.Cpu.Cc), Is.EqualTo((0xF0UL, 1)));
    }

    [Test]
    public void POPCNT_counts_per_byte_and_FLOGR_finds_leftmost_one()
    {
        using var h = new CpuHarness();
        h.Cpu.G[2] = 0x0103_0700_FF00_0001;
        h.Asm("POPCNT", r1: 1, r2: 2).Asm("FLOGR", r1: 4, r2: 2);
        h.Run();
        Assert.That(h.Cpu.G[1], Is.EqualTo(0x0102_0300_0800_0001UL));
        Assert.That((h.Cpu.G[4], h.Cpu.G[5], h.Cpu.Cc), Is.EqualTo((7UL, 0x0003_0700_FF00_0001UL, 2)));
    }
}
