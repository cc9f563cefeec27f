using System.Text;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

public class StorageTests
{
    private const ulong Buf = 0x20000, Buf2 = 0x30000;

    [Test]
    public void MVC_overlap_by_one_propagates_a_byte()
    {
        using var h = new CpuHarness();
        h.Put(Buf, 0x5A, 1, 2, 3, 4, 5);
        h.Cpu.G[5] = Buf;
        h.Asm("MVC", l1: 4, b1: 5, d1: 1, b2: 5, d2: 0);
        h.Run();
        Assert.That(h.Mem(Buf, 6).ToArray(), Is.EqualTo(new byte[] { 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A }));
    }

    [Test]
    public void CLC_and_XC()
    {
        using var h = new CpuHarness();
        h.Put(Buf, 1, 2, 3); h.Put(Buf2, 1, 2, 4);
        h.Cpu.G[5] = Buf; h.Cpu.G[6] = Buf2;
        h.Asm("CLC", l1: 2, b1: 5, d1: 0, b2: 6, d2: 0);
        h.Run();
        Assert.That(h.Cpu.Cc, Is.EqualTo(1));
        using var x = new CpuHarness();
        x.Put(Buf, 1, 2, 3);
        x.Cpu.G[5] = Buf;
        x.Asm("XC", l1: 2, b1: 5, d1: 0, b2: 5, d2: 0);
        x.Run();
        Assert.That((x.Mem(Buf, 3).ToArray(), x.Cpu.Cc), Is.EqualTo((new byte[3], 0)));
    }

    [Test]
    public void TR_and_TRT()
    {
        using var h = new CpuHarness();
        for (int i = 0; i < 256; i++) h.Put(Buf2 + (ulong)i, (byte)(i ^ 0x20));
        h.Put(Buf, Encoding.ASCII.GetBytes("abc"));
        h.Cpu.G[5] = Buf; h.Cpu.G[6] = Buf2;
        h.Asm("TR", l1: 2, b1: 5, d1: 0, b2: 6, d2: 0);
        h.Run();
        Assert.That(Encoding.ASCII.GetString(h.Mem(Buf, 3)), Is.EqualTo("ABC"));

        using var t = new CpuHarness();
        t.Put(Buf, Encoding.ASCII.GetBytes("abc,de"));
        t.Put(Buf2 + ',', 7);
        t.Cpu.G[5] = Buf; t.Cpu.G[6] = Buf2; t.Cpu.G[1] = 0xFFFF_FFFF_FFFF_FFFF; t.Cpu.G[2] = 0xFFFF;
        t.Asm("TRT", l1: 5, b1: 5, d1: 0, b2: 6, d2: 0);
        t.Run();
        Assert.That((t.Cpu.G[1], t.Cpu.G[2] & 0xFF, t.Cpu.Cc), Is.EqualTo((Buf + 3, 7UL, 1)));
    }

    [Test]
    public void MVCL_pads_and_updates_registers()
    {
        using var h = new CpuHarness();
        h.Put(Buf2, 1, 2, 3);
        h.Cpu.G[2] = Buf; h.Cpu.G[3] = 6;              // destination, length 6
        h.Cpu.G[4] = Buf2; h.Cpu.G[5] = 0x4000_0003;   // source, pad 0x40, length 3
        h.Asm("MVCL", r1: 2, r2: 4);
        h.Run();
        Assert.That(h.Mem(Buf, 6).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 0x40, 0x40, 0x40 }));
        Assert.That((h.Cpu.G[2], h.Cpu.G[3] & 0xFF_FFFF, h.Cpu.G[4], h.Cpu.G[5] & 0xFF_FFFF, h.Cpu.Cc), Is.EqualTo((Buf + 6, 0UL, Buf2 + 3, 0UL, 2)));
    }

    [Test]
    public void MVCL_destructive_overlap_is_cc3_and_moves_nothing()
    {
        using var h = new CpuHarness();
        h.Put(Buf, 1, 2, 3, 4);
        h.Cpu.G[2] = Buf + 1; h.Cpu.G[3] = 3;
        h.Cpu.G[4] = Buf; h.Cpu.G[5] = 3;
        h.Asm("MVCL", r1: 2, r2: 4);
        h.Run();
        Assert.That((h.Cpu.Cc, h.Mem(Buf, 4).ToArray()), Is.EqualTo((3, new byte[] { 1, 2, 3, 4 })));
    }

    [Test]
    public void CLCL_uses_padding_and_points_at_difference()
    {
        using var h = new CpuHarness();
        h.Put(Buf, (byte)'a', (byte)'b', 0x40, 0x41);
        h.Put(Buf2, (byte)'a', (byte)'b');
        h.Cpu.G[2] = Buf; h.Cpu.G[3] = 4;
        h.Cpu.G[4] = Buf2; h.Cpu.G[5] = 0x4000_0002;
        h.Asm("CLCL", r1: 2, r2: 4);
        h.Run();
        Assert.That((h.Cpu.Cc, h.Cpu.G[2], h.Cpu.G[3] & 0xFF_FFFF), Is.EqualTo((2, Buf + 3, 1UL)));
    }

    [Test]
    public void SRST_CLST_MVST()
    {
        using var h = new CpuHarness();
        h.Put(Buf, Encoding.ASCII.GetBytes("hello\0"));
        h.Cpu.G[0] = 0;                       // terminator
        h.Cpu.G[1] = Buf + 100; h.Cpu.G[2] = Buf; // SRST: end, start
        h.Asm("SRST", r1: 1, r2: 2);
        h.Run();
        Assert.That((h.Cpu.Cc, h.Cpu.G[1]), Is.EqualTo((1, Buf + 5)));

        using var m = new CpuHarness();
        m.Put(Buf, Encoding.ASCII.GetBytes("abc\0"));
        m.Cpu.G[0] = 0; m.Cpu.G[1] = Buf2; m.Cpu.G[2] = Buf;
        m.Asm("MVST", r1: 1, r2: 2).Asm("CLST", r1: 3, r2: 4);
        m.Cpu.G[3] = Buf; m.Cpu.G[4] = Buf2;
        m.Run();
        Assert.That(Encoding.ASCII.GetString(m.Mem(Buf2, 4)), Is.EqualTo("abc\0"));
        Assert.That((m.Cpu.G[1], m.Cpu.Cc), Is.EqualTo((Buf2 + 3, 0)));
    }

    [Test]
    public void SRST_rejects_nonzero_bits_in_gr0()
    {
        using var h = new CpuHarness();
        h.Cpu.G[0] = 0x100;
        h.Asm("SRST", r1: 1, r2: 2);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void CS_swaps_on_equal_and_loads_on_unequal()
    {
        using var h = new CpuHarness();
        h.Put(Buf, 0, 0, 0, 5);
        h.Cpu.G[1] = 5; h.Cpu.G[3] = 9; h.Cpu.G[5] = Buf;
        h.Asm("CS", r1: 1, r3: 3, b2: 5, d2: 0).Asm("CS", r1: 1, r3: 3, b2: 5, d2: 0);
        h.Run();
        Assert.That((h.Get32(Buf), (uint)h.Cpu.G[1], h.Cpu.Cc), Is.EqualTo((9u, 9u, 1)));
        using var a = new CpuHarness();
        a.Cpu.G[5] = Buf + 2;
        a.Asm("CS", r1: 1, r3: 3, b2: 5, d2: 0);
        Assert.That(a.Run(), Is.EqualTo(PgmCode.Specification), "unaligned");
    }

    [Test]
    public void CDSG_compares_and_swaps_a_quadword()
    {
        using var h = new CpuHarness();
        h.Put64(Buf, 1); h.Put64(Buf + 8, 2);
        h.Cpu.G[0] = 1; h.Cpu.G[1] = 2; h.Cpu.G[2] = 3; h.Cpu.G[3] = 4; h.Cpu.G[5] = Buf;
        h.Asm("CDSG", r1: 0, r3: 2, b2: 5, d2: 0);
        h.Run();
        Assert.That((h.Get64(Buf), h.Get64(Buf + 8), h.Cpu.Cc), Is.EqualTo((3UL, 4UL, 0)));
    }

    [Test]
    public void LAA_returns_old_value_and_adds()
    {
        using var h = new CpuHarness();
        h.Put(Buf, 0, 0, 0, 5);
        h.Cpu.G[3] = 10; h.Cpu.G[5] = Buf;
        h.Asm("LAA", r1: 1, r3: 3, b2: 5, d2: 0);
        h.Run();
        Assert.That(((uint)h.Cpu.G[1], h.Get32(Buf), h.Cpu.Cc), Is.EqualTo((5u, 15u, 2)));
    }

    [Test]
    public void Load_store_multiple_wrap_around_register_15()
    {
        using var h = new CpuHarness();
        for (int r = 0; r < 16; r++) h.Cpu.G[r] = (ulong)(r + 1);
        h.Cpu.G[5] = Buf;
        h.Asm("STMG", r1: 14, r3: 1, b2: 5, d2: 0);
        h.Run();
        Assert.That(new[] { h.Get64(Buf), h.Get64(Buf + 8), h.Get64(Buf + 16), h.Get64(Buf + 24) }, Is.EqualTo(new ulong[] { 15, 16, 1, 2 }));
    }

    [Test]
    public void Access_beyond_memory_is_an_addressing_exception()
    {
        using var h = new CpuHarness();
        h.Cpu.G[5] = 0x7_0000_0000;
        h.Asm("LG", r1: 1, b2: 5, d2: 0);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Addressing));
    }

    [Test]
    public void Low_address_protection_blocks_stores_to_the_lowcore()
    {
        using var h = new CpuHarness();
        h.Cpu.Cr[0] |= Cr0.LowAddressProtection;
        h.Cpu.InvalidateTranslation();
        h.Asm("MVI", b1: 0, d1: 0x100, i2: 1);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Protection));
        using var ok = new CpuHarness();
        ok.Cpu.Cr[0] |= Cr0.LowAddressProtection;
        ok.Asm("MVI", b1: 0, d1: 0x300, i2: 1);
        Assert.That(ok.Run(), Is.EqualTo(0), "0x200-0xFFF is not protected");
    }

    [Test]
    public void Prefixing_swaps_page_zero_and_the_prefix_area()
    {
        using var h = new CpuHarness();
        h.Cpu.Prefix = 0x40000;
        h.Cpu.InvalidateTranslation();
        h.Asm("MVI", b1: 0, d1: 0x10, i2: 0xAA).Asm("LGFI", r1: 5, i2: 0x40010).Asm("MVI", b1: 5, d1: 0, i2: 0xBB);
        h.Run();
        Assert.That((h.Mem(0x40010, 1)[0], h.Mem(0x10, 1)[0]), Is.EqualTo(((byte)0xAA, (byte)0xBB)));
    }

    [Test]
    public void Data_cache_keeps_two_pages_of_one_set_and_the_translation_drop_clears_both()
    {
        // pages 0x20 and 0x20 + DataTlbSets share set 0x20 of the two-way read cache: both stay, the newer in way 0
        ulong other = 0x20 + (ulong)Cpu.DataTlbSets;
        using var h = new CpuHarness((other + 1) << 12);
        var cpu = h.Cpu;
        h.Put(0x20000, 1); h.Put(other << 12, 2);
        Assert.That(cpu.ReadU8(0x20000), Is.EqualTo(1));
        Assert.That(cpu.ReadU8(other << 12), Is.EqualTo(2));
        int set = 0x20 * Cpu.DataTlbWays;
        Assert.That((cpu.ReadTlb[set].Tag, cpu.ReadTlb[set + 1].Tag), Is.EqualTo((other, 0x20UL)));
        cpu.InvalidateTranslation();
        Assert.That((cpu.ReadTlb[set].Tag, cpu.ReadTlb[set + 1].Tag), Is.EqualTo((ulong.MaxValue, ulong.MaxValue)));
        Assert.That(cpu.ReadU8(other << 12), Is.EqualTo(2), "read again through the slow path");
    }
}
