using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

public class BranchTests
{
    [Test]
    public void BRCT_loop_counts_down()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = 10; h.Cpu.G[2] = 0;
        h.Asm("AHI", r1: 2, i2: 3).Asm("BRCT", r1: 1, ri2: -2);
        h.Run();
        Assert.That(((uint)h.Cpu.G[2], (uint)h.Cpu.G[1]), Is.EqualTo((30u, 0u)));
    }

    [Test]
    public void Compare_and_branch_relative_does_not_change_cc()
    {
        using var h = new CpuHarness();
        h.Cpu.Cc = 3;
        h.Cpu.G[1] = 5; h.Cpu.G[2] = 7;
        // CRJ low -> skip the LHI
        h.Asm("CRJ", r1: 1, r2: 2, m3: 4, ri4: 5).Asm("LHI", r1: 3, i2: 1).Asm("LHI", r1: 4, i2: 1);
        h.Run();
        Assert.That((h.Cpu.G[3], h.Cpu.G[4], h.Cpu.Cc), Is.EqualTo((0UL, 1UL, 3)));
    }

    [Test]
    public void BRAS_links_in_64_bit_mode_and_BASR_in_31_bit_mode_sets_bit_32()
    {
        using var h = new CpuHarness();
        h.Asm("BRAS", r1: 14, ri2: 2);
        h.Run();
        Assert.That(h.Cpu.G[14], Is.EqualTo(CpuHarness.CodeAddress + 4));
        using var b = new CpuHarness();
        b.Cpu.LoadPsw(Psw.BA, CpuHarness.CodeAddress);
        b.Cpu.G[14] = 0xFFFF_FFFF_0000_0000;
        b.Asm("BASR", r1: 14, r2: 0);
        b.Run();
        Assert.That(b.Cpu.G[14], Is.EqualTo(0xFFFF_FFFF_8001_0002UL));
    }

    [Test]
    public void BXLE_uses_odd_register_as_compare_value()
    {
        using var h = new CpuHarness();
        h.Cpu.G[1] = 0; h.Cpu.G[2] = 1; h.Cpu.G[3] = 4; h.Cpu.G[6] = 0;
        h.Asm("AHI", r1: 6, i2: 1).Asm("BRXLE", r1: 1, r3: 2, ri2: -2);
        h.Run();
        Assert.That((uint)h.Cpu.G[6], Is.EqualTo(5u));
    }

    [Test]
    public void EX_ors_the_length_into_an_MVC()
    {
        using var h = new CpuHarness();
        h.Put(0x30000, 1, 2, 3, 4, 5, 6);
        h.Cpu.G[1] = 3; h.Cpu.G[5] = 0x20000; h.Cpu.G[6] = 0x30000; h.Cpu.G[7] = 0x40000;
        // target MVC 0(1,%r5),0(%r6) placed outside the run range
        h.Put(0x40000, Assembler.Encode("MVC", l1: 0, b1: 5, d1: 0, b2: 6, d2: 0));
        h.Asm("EX", r1: 1, b2: 7, d2: 0);
        h.Run();
        Assert.That(h.Mem(0x20000, 5).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4, 0 }));
    }

    [Test]
    public void EXRL_of_EXRL_is_an_execute_exception()
    {
        using var h = new CpuHarness();
        h.Asm("EXRL", r1: 0, ri2: 0);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Execute));
    }

    [Test]
    public void EXRL_of_a_relative_branch_is_relative_to_the_target()
    {
        using var h = new CpuHarness();
        // EXRL 0,target ; LHI 3,1 ; target: BRAS 14,+6 (relative to target) -> skips LHI 4
        h.Asm("EXRL", r1: 0, ri2: 5).Asm("LHI", r1: 3, i2: 1).Asm("BRAS", r1: 14, ri2: 4).Asm("LHI", r1: 4, i2: 1).Asm("LHI", r1: 5, i2: 1);
        h.Run();
        Assert.That((h.Cpu.G[3], h.Cpu.G[4], h.Cpu.G[5]), Is.EqualTo((0UL, 0UL, 1UL)));
    }

    [Test]
    public void BCR_15_0_is_a_no_op_serialization()
    {
        using var h = new CpuHarness();
        h.Asm("BCR", r1: 15, r2: 0).Asm("LHI", r1: 3, i2: 7);
        h.Run();
        Assert.That(h.Cpu.G[3], Is.EqualTo(7UL));
    }

    [Test]
    public void LOC_loads_only_on_matching_cc()
    {
        using var h = new CpuHarness();
        h.Put(0x20000, 0, 0, 0, 9);
        h.Cpu.G[5] = 0x20000; h.Cpu.G[1] = 1; h.Cpu.G[2] = 1;
        h.Asm("CHI", r1: 1, i2: 1)
         .Asm("LOC", r1: 3, m3: 8, b2: 5, d2: 0)  // cc 0 matches mask 8
         .Asm("LOC", r1: 4, m3: 4, b2: 5, d2: 0); // cc 0 does not match mask 4
        h.Run();
        Assert.That((h.Cpu.G[3], h.Cpu.G[4]), Is.EqualTo((9UL, 0UL)));
    }
}
