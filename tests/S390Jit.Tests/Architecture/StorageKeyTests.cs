using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

/// <summary>Storage keys (PoO "Storage Keys"): setting, inserting, reference and change recording, multiple-block forms.</summary>
public class StorageKeyTests
{
    private const ulong Page = 0x30000;

    [Test]
    public void Sske_iske_and_the_change_bit()
    {
        using var d = new DatHarness();
        d.Cpu.G[5] = Page; d.Cpu.G[1] = 0x30;
        d.H.Asm("SSKE", r1: 1, r2: 5).Asm("ISKE", r1: 2, r2: 5).Asm("MVI", b1: 5, d1: 0, i2: 3).Asm("ISKE", r1: 3, r2: 5);
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(d.Cpu.G[2] & 0xFF, Is.EqualTo(0x30UL), "no change recorded yet");
        Assert.That(d.Cpu.G[3] & 0xFF, Is.EqualTo(0x36UL), "the store set R and C");
    }

    [Test]
    public void Change_bit_is_set_again_after_sske_clears_it_with_the_page_cached()
    {
        using var d = new DatHarness();
        d.Cpu.G[5] = Page; d.Cpu.G[1] = 0x00;
        d.H.Asm("MVI", b1: 5, d1: 0, i2: 1).Asm("SSKE", r1: 1, r2: 5).Asm("MVI", b1: 5, d1: 1, i2: 1).Asm("ISKE", r1: 3, r2: 5);
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(d.Cpu.G[3] & 0x06, Is.EqualTo(0x06UL));
    }

    [Test]
    public void Key_change_makes_a_cached_page_protected_at_once()
    {
        using var d = new DatHarness();
        d.Cpu.G[5] = Page; d.Cpu.G[1] = 0x38;
        d.Cpu.LoadPsw(Psw.EA | Psw.BA | (2UL << 52), CpuHarness.CodeAddress);
        // key 2 reads the page, then (key 0 would be needed for SSKE: use the storage-key byte directly) ...
        d.H.Asm("LG", r1: 2, b2: 5, d2: 0).Asm("SPKA", d2: 0).Asm("SSKE", r1: 1, r2: 5).Asm("SPKA", d2: 0x20).Asm("LG", r1: 2, b2: 5, d2: 0);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Protection), "the cached read translation must not survive the key change");
        Assert.That(d.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress + 6 + 4 + 4 + 4 + 6));
    }

    [Test]
    public void Conditional_sske_returns_the_old_key_and_skips_an_equal_update()
    {
        using var d = new DatHarness();
        d.Cpu.StorageKeys[Page >> 12] = 0xA6;
        d.Cpu.G[5] = Page; d.Cpu.G[1] = 0xA0; d.Cpu.G[2] = 0xB0;
        d.H.Asm("SSKE", r1: 1, r2: 5, m3: 6).Asm("IPM", r1: 11).Asm("SSKE", r1: 2, r2: 5, m3: 6).Asm("IPM", r1: 12);
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(((d.Cpu.G[1] >> 8) & 0xFF, (d.Cpu.G[11] >> 28) & 3), Is.EqualTo((0xA6UL, 0UL)), "ACC/F equal, MR and MC: not set");
        Assert.That(((d.Cpu.G[2] >> 8) & 0xFF, (d.Cpu.G[12] >> 28) & 3), Is.EqualTo((0xA6UL, 1UL)), "another key: set");
        Assert.That(d.Cpu.StorageKeys[Page >> 12], Is.EqualTo((byte)0xB6), "R and C kept under MR and MC");
    }

    [Test]
    public void Multiple_block_sske_sets_to_the_next_megabyte()
    {
        using var d = new DatHarness();
        d.Cpu.G[5] = 0xE000 + 13; d.Cpu.G[1] = 0x54;
        d.H.Asm("SSKE", r1: 1, r2: 5, m3: 1);
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(d.Cpu.G[5], Is.EqualTo(0x100000UL + 13));
        Assert.That((d.Cpu.StorageKeys[0xE], d.Cpu.StorageKeys[0xFF], d.Cpu.StorageKeys[0xD]), Is.EqualTo(((byte)0x54, (byte)0x54, (byte)0)));
    }

    [Test]
    public void Rrbe_and_rrbm_reset_reference_bits()
    {
        using var d = new DatHarness();
        d.Cpu.StorageKeys[Page >> 12] = 0x06;
        d.Cpu.StorageKeys[(Page >> 12) + 2] = 0x04;
        d.Cpu.G[5] = Page;
        d.H.Asm("RRBE", r2: 5).Asm("IPM", r1: 11).Asm("RRBM", r1: 3, r2: 5);
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That((d.Cpu.G[11] >> 28) & 3, Is.EqualTo(3UL), "R and C were one");
        // the 256K block of 0x30000 starts at 0: frame 0x30 is bit 48, frame 0x32 bit 50
        Assert.That((d.Cpu.G[3] >> (63 - 48)) & 1, Is.EqualTo(0UL), "RRBE reset it");
        Assert.That((d.Cpu.G[3] >> (63 - 50)) & 1, Is.EqualTo(1UL));
        Assert.That(d.Cpu.StorageKeys[(Page >> 12) + 2] & 0x04, Is.Zero, "RRBM resets what it reports");
    }

    [Test]
    public void Pfmf_sets_keys_and_clears_frames()
    {
        using var d = new DatHarness();
        d.H.Put64(Page, 0x1234);
        d.Cpu.G[1] = (1UL << 17) | (1UL << 16) | 0x30; // SK, CF, 4K, key 0x30
        d.Cpu.G[5] = Page;
        d.Cpu.G[2] = (1UL << 17) | (1UL << 12) | 0x40; // SK, 1M
        d.Cpu.G[6] = 0x100000 + 7;
        d.H.Asm("PFMF", r1: 1, r2: 5).Asm("PFMF", r1: 2, r2: 6);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Addressing), "the 1M frame is beyond the 1 MiB of storage");
        Assert.That((d.H.Get64(Page), d.Cpu.StorageKeys[Page >> 12] & 0xF8), Is.EqualTo((0UL, 0x30)));
    }

    [Test]
    public void Ivsk_inserts_the_key_of_the_translated_frame()
    {
        using var d = new DatHarness();
        ulong st = d.StandardSpace();
        d.Map(st, 0x40000, 0x50000);
        d.Cpu.StorageKeys[0x50] = 0x5E;
        d.Cpu.G[5] = 0x40000;
        d.H.Asm("IVSK", r1: 2, r2: 5);
        d.DatOn();
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(d.Cpu.G[2] & 0xFF, Is.EqualTo(0x58UL));
    }

    [Test]
    public void Key_instructions_are_privileged()
    {
        foreach (var m in new[] { "SSKE", "ISKE", "RRBE" })
        {
            using var d = new DatHarness();
            d.H.Asm(m, r1: 1, r2: 5);
            d.Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Problem, CpuHarness.CodeAddress);
            Assert.That(d.Run(), Is.EqualTo(PgmCode.PrivilegedOperation), m);
        }
    }
}
