using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

/// <summary>Program-event recording and the breaking-event-address register (PoO "Program-Event Recording").</summary>
public class PerTests
{
    private static DatHarness WithPer(ulong cr9, ulong start = 0, ulong end = ulong.MaxValue)
    {
        var d = new DatHarness();
        d.Cpu.Cr[9] = cr9; d.Cpu.Cr[10] = start; d.Cpu.Cr[11] = end;
        d.Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Per, CpuHarness.CodeAddress);
        return d;
    }

    [Test]
    public void Successful_branch_event()
    {
        using var d = WithPer(Cr9.Branch);
        d.H.Asm("LGHI", r1: 1, i2: 0).Asm("BRC", m1: 8, ri2: 2).Asm("LGHI", r1: 2, i2: 1);
        // the BRC at +4 is taken (cc 0 from... LGHI sets no cc: cc is 0 after LoadPsw)
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Per));
        Assert.That(d.H.Mem(Lowcore.PerCode, 1)[0], Is.EqualTo(PerCode.Branch));
        Assert.That(d.H.Get64(Lowcore.PerAddress), Is.EqualTo(CpuHarness.CodeAddress + 4), "the branch instruction");
        Assert.That(d.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress + 8), "completed: at the target");
        Assert.That(d.H.Mem(Lowcore.PerAtmid, 1)[0], Is.EqualTo((byte)0xE0), "64-bit (0x80), valid (0x40), 31-bit (0x20), DAT off");
        Assert.That(d.H.Get64(Lowcore.Bear), Is.EqualTo(CpuHarness.CodeAddress + 4));
    }

    [Test]
    public void Branch_address_control_limits_the_event_to_targets_in_the_range()
    {
        using var d = WithPer(Cr9.Branch | Cr9.BranchAddressControl, 0x20000, 0x20FFF);
        d.H.Asm("BRC", m1: 15, ri2: 2).Asm("LGHI", r1: 2, i2: 1);
        Assert.That(d.Run(), Is.EqualTo(0));
    }

    [Test]
    public void Instruction_fetch_event_and_nullification()
    {
        using var d = WithPer(Cr9.InstructionFetch, CpuHarness.CodeAddress + 4, CpuHarness.CodeAddress + 4);
        d.H.Asm("LGHI", r1: 1, i2: 1).Asm("LGHI", r1: 2, i2: 2).Asm("LGHI", r1: 3, i2: 3);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Per));
        Assert.That((d.H.Mem(Lowcore.PerCode, 1)[0], d.Cpu.G[2]), Is.EqualTo((PerCode.InstructionFetch, 2UL)), "the instruction completed");
        Assert.That(d.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress + 8));

        using var n = WithPer(Cr9.InstructionFetch | Cr9.InstructionFetchNullification, CpuHarness.CodeAddress + 4, CpuHarness.CodeAddress + 4);
        n.H.Asm("LGHI", r1: 1, i2: 1).Asm("LGHI", r1: 2, i2: 2);
        Assert.That(n.Run(), Is.EqualTo(PgmCode.Per));
        Assert.That((n.H.Mem(Lowcore.PerCode, 1)[0], n.Cpu.G[2]), Is.EqualTo(((byte)(PerCode.InstructionFetch | PerCode.Nullification), 0UL)), "nullified");
        Assert.That(n.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress + 4));
    }

    [Test]
    public void Storage_alteration_event_covers_stores_overlapping_the_range()
    {
        using var d = WithPer(Cr9.StorageAlteration, 0x30004, 0x30004);
        d.Cpu.G[5] = 0x30000;
        d.H.Asm("STG", r1: 1, b2: 5, d2: 8).Asm("STG", r1: 1, b2: 5, d2: 0).Asm("LGHI", r1: 3, i2: 3);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Per));
        Assert.That(d.H.Get64(Lowcore.PerAddress), Is.EqualTo(CpuHarness.CodeAddress + 6), "the second store");
        Assert.That(d.H.Mem(Lowcore.PerCode, 1)[0], Is.EqualTo(PerCode.StorageAlteration));
    }

    [Test]
    public void Per_event_is_or_ed_into_a_program_exception_of_the_same_instruction()
    {
        using var d = WithPer(Cr9.InstructionFetch);
        d.H.Emit([0x00, 0x00]);
        Assert.That(d.Run(), Is.EqualTo((ushort)(PgmCode.Per | PgmCode.Operation)));
    }

    [Test]
    public void Sturg_store_using_real_address_event()
    {
        using var d = WithPer(Cr9.StorageAlteration | Cr9.StoreRealAddress, 0x30000, 0x30FFF);
        d.Cpu.G[5] = 0x30000;
        d.H.Asm("STURG", r1: 1, r2: 5);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Per));
        Assert.That(d.H.Mem(Lowcore.PerCode, 1)[0], Is.EqualTo((byte)(PerCode.StorageAlteration | PerCode.StoreRealAddress)));
    }

    [Test]
    public void Bear_is_stored_at_every_program_interruption()
    {
        using var d = new DatHarness();
        d.H.Asm("BRAS", r1: 14, ri2: 2).Emit([0x00, 0x00]);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Operation));
        Assert.That(d.H.Get64(Lowcore.Bear), Is.EqualTo(CpuHarness.CodeAddress));
    }
}
