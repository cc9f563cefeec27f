using S390Jit.Architecture.Fp;
using S390Jit.Architecture.State;
using S390Jit.Tests.Architecture;

namespace S390Jit.Tests.Fp;

/// <summary>The FP-support instructions (fp group and FPC instructions), AFP-register control and the DXC in the FPC.</summary>
public class FloatingPointSupportTests
{
    private static CpuHarness Afp(bool on = true)
    {
        var h = new CpuHarness();
        h.Cpu.SetFacility(S390Jit.Architecture.Isa.Fac.FpExtension, true);
        if (on) h.Cpu.Cr[0] |= Cr0.AfpRegisters;
        return h;
    }

    [Test]
    public void LD_STD_LE_STE_move_bits_and_short_loads_keep_the_low_word()
    {
        using var h = Afp();
        h.Put64(0x20000, 0x7FF0_0000_0000_0001UL); // an SNaN: moved, never looked at
        h.Put(0x20010, 0x3F, 0x80, 0x00, 0x00);
        h.Cpu.G[5] = 0x20000;
        h.Cpu.Fpr(9) = 0x1111_2222_3333_4444UL;
        h.Asm("LD", r1: 1, b2: 5).Asm("LE", r1: 9, b2: 5, d2: 0x10).Asm("STD", r1: 1, b2: 5, d2: 0x20).Asm("STEY", r1: 9, b2: 5, d2: 0x28);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That(h.Cpu.Fpr(1), Is.EqualTo(0x7FF0_0000_0000_0001UL));
        Assert.That(h.Cpu.Fpr(9), Is.EqualTo(0x3F80_0000_3333_4444UL));
        Assert.That(h.Get64(0x20020), Is.EqualTo(0x7FF0_0000_0000_0001UL));
        Assert.That(h.Get32(0x20028), Is.EqualTo(0x3F80_0000u));
    }

    [Test]
    public void Additional_registers_need_the_AFP_register_control()
    {
        using var h = Afp(on: false);
        h.Asm("LDR", r1: 2, r2: 6);
        Assert.That(h.Run(), Is.EqualTo(0), "FPRs 0, 2, 4, 6 exist without AFP");
        using var h2 = Afp(on: false);
        h2.Asm("LDR", r1: 2, r2: 7);
        Assert.That(h2.Run(), Is.EqualTo(PgmCode.Data));
        h2.Cpu.DeliverProgramInterruption(PgmCode.Data, false);
        Assert.That(h2.Get32(Lowcore.DataExcCode), Is.EqualTo(1u));
        Assert.That(h2.Cpu.Fpc, Is.Zero, "without AFP the FPC keeps its DXC field");
        using var h3 = Afp(on: false);
        h3.Asm("EFPC", r1: 1);
        Assert.That(h3.Run(), Is.EqualTo(PgmCode.Data));
        h3.Cpu.DeliverProgramInterruption(PgmCode.Data, false);
        Assert.That(h3.Get32(Lowcore.DataExcCode), Is.EqualTo(2u), "FPC instructions are BFP instructions");
    }

    [Test]
    public void A_data_exception_with_AFP_on_stores_the_DXC_in_FPC_byte_2()
    {
        using var h = Afp();
        h.Cpu.Fpc = 0xF8F8_0003;
        h.Cpu.G[1] = 5;
        h.Asm("CGIT", r1: 1, i2: 5, m3: 8);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Data));
        h.Cpu.DeliverProgramInterruption(PgmCode.Data, false);
        Assert.That(h.Cpu.Fpc, Is.EqualTo(0xF8F8_FF03u));
    }

    [Test]
    public void Extended_operands_need_valid_register_pairs()
    {
        using var h = Afp();
        h.Cpu.Fpr(4) = 1; h.Cpu.Fpr(6) = 2;
        h.Asm("LXR", r1: 1, r2: 4).Asm("LZXR", r1: 8);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That((h.Cpu.Fpr(1), h.Cpu.Fpr(3)), Is.EqualTo((1UL, 2UL)));
        using var h2 = Afp();
        h2.Asm("LXR", r1: 2, r2: 4);
        Assert.That(h2.Run(), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Sign_operations_and_GR_moves()
    {
        using var h = Afp();
        h.Cpu.G[3] = 0x7FF4_0000_0000_0000UL;
        h.Cpu.Fpr(5) = 0x8000_0000_0000_0000UL;
        h.Asm("LDGR", r1: 1, r2: 3).Asm("LCDFR", r1: 2, r2: 1).Asm("LNDFR", r1: 3, r2: 1).Asm("LPDFR", r1: 4, r2: 2)
         .Asm("CPSDR", r1: 6, r3: 5, r2: 1).Asm("LGDR", r1: 7, r2: 6);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That(h.Cpu.Fpr(2), Is.EqualTo(0xFFF4_0000_0000_0000UL));
        Assert.That(h.Cpu.Fpr(3), Is.EqualTo(0xFFF4_0000_0000_0000UL));
        Assert.That(h.Cpu.Fpr(4), Is.EqualTo(0x7FF4_0000_0000_0000UL));
        Assert.That(h.Cpu.G[7], Is.EqualTo(0xFFF4_0000_0000_0000UL));
    }

    [TestCase(0x0000_0000u, true)]
    [TestCase(0xFCFC_FF77u, true)]
    [TestCase(0x0000_0004u, false)]
    [TestCase(0x0000_0007u, true)]
    [TestCase(0x0100_0000u, false)]
    [TestCase(0x0001_0000u, false)]
    [TestCase(0x0000_0080u, false)]
    [TestCase(0x0000_0008u, false)]
    public void SFPC_checks_the_value(uint v, bool valid)
    {
        using var h = Afp();
        h.Cpu.G[1] = 0xFFFF_FFFF_0000_0000UL | v;
        h.Asm("SFPC", r1: 1).Asm("EFPC", r1: 2);
        Assert.That(h.Run(), Is.EqualTo(valid ? 0 : PgmCode.Specification));
        if (valid) Assert.That((uint)h.Cpu.G[2], Is.EqualTo(v));
    }

    [Test]
    public void Rounding_mode_instructions()
    {
        using var h = Afp();
        h.Cpu.Fpc = 0x0000_0007;
        h.Asm("SRNM", d2: 0xFFE).Asm("STFPC", b2: 0, d2: 0x400);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That(h.Get32(0x400), Is.EqualTo(2u), "SRNM sets bits 30-31 and clears bit 29");
        using var h2 = Afp();
        h2.Asm("SRNMB", d2: 7).Asm("SRNMT", d2: 0x15);
        Assert.That(h2.Run(), Is.EqualTo(0));
        Assert.That(h2.Cpu.Fpc, Is.EqualTo(0x57u));
        using var h3 = Afp();
        h3.Asm("SRNMB", d2: 5);
        Assert.That(h3.Run(), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void SFASR_ors_the_flags_and_signals_flags_enabled_by_the_new_masks()
    {
        using var h = Afp();
        h.Cpu.Fpc = 0x0028_0000; // overflow and inexact flags
        h.Cpu.G[1] = 0x2000_0001; // overflow mask, round toward zero
        h.Asm("SFASR", r1: 1);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Data));
        h.Cpu.DeliverProgramInterruption(PgmCode.Data, false);
        Assert.That(h.Get32(Lowcore.DataExcCode), Is.EqualTo(0x23u), "simulated overflow, inexact not enabled");
        Assert.That(h.Cpu.Fpc, Is.EqualTo(0x2028_2301u));
        using var h2 = Afp();
        h2.Cpu.Fpc = 0x0008_0000;
        h2.Put(0x500, 0x00, 0x80, 0x00, 0x00);
        h2.Asm("LFAS", d2: 0x500);
        Assert.That(h2.Run(), Is.EqualTo(0));
        Assert.That(h2.Cpu.Fpc, Is.EqualTo(0x0088_0000u));
    }
}
