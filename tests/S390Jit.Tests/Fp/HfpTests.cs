using S390Jit.Architecture.Fp;
using S390Jit.Architecture.State;
using S390Jit.Tests.Architecture;

namespace S390Jit.Tests.Fp;

/// <summary>
/// Hexadecimal floating point, from the PoO's definitions (QEMU 7.2 has no HFP arithmetic, so these
/// are worked by hand from the PoO: guard digit, truncation, normalization, the characteristic wrap
/// on exponent overflow/underflow, significance, the extended format's low-order characteristic).
/// </summary>
public class HfpTests
{
    private static CpuHarness New(bool underflowMask = false, bool significanceMask = false, bool afp = true)
    {
        var h = new CpuHarness();
        if (afp) h.Cpu.Cr[0] |= Cr0.AfpRegisters;
        if (underflowMask) h.Cpu.PswMask |= Psw.ExponentUnderflowMask;
        if (significanceMask) h.Cpu.PswMask |= Psw.SignificanceMask;
        return h;
    }

    private static uint Short(CpuHarness h, int r) => (uint)(h.Cpu.Fpr(r) >> 32);
    private static void SetShort(CpuHarness h, int r, uint v) => h.Cpu.Fpr(r) = ((ulong)v << 32) | 0xDEAD_BEEF;

    /// <summary>Runs one short RR instruction on FPR 1 and FPR 2: (result, cc, interruption code).</summary>
    private static (uint R, int Cc, int Code) Rr(string op, uint a, uint b, bool underflowMask = false, bool significanceMask = false)
    {
        using var h = New(underflowMask, significanceMask);
        SetShort(h, 1, a); SetShort(h, 2, b);
        h.Asm(op, r1: 1, r2: 2);
        int code = h.Run();
        Assert.That((uint)h.Cpu.Fpr(1), Is.EqualTo(0xDEAD_BEEFu), "short results leave the low word");
        return (Short(h, 1), h.Cpu.Cc, code);
    }

    [Test]
    public void Add_normalized_keeps_one_guard_digit_and_truncates()
    {
        Assert.That(Rr("AER", 0x4110_0000, 0x4110_0000), Is.EqualTo((0x4120_0000u, 2, 0)), "1 + 1");
        Assert.That(Rr("AER", 0xC1F0_0000, 0x4110_0000), Is.EqualTo((0xC1E0_0000u, 1, 0)), "-15 + 1");
        // 1 - 0.FFFFFF: the operand shifted right one digit keeps its last F as the guard digit, so
        // the difference is 16^-6 exactly (without the guard digit it would be 16^-5)
        Assert.That(Rr("SER", 0x4110_0000, 0x40FF_FFFF), Is.EqualTo((0x3B10_0000u, 2, 0)));
        // a carry shifts right: 0.FFFFFF + 0.FFFFFF = 1.FFFFFE -> 0.1FFFFF x 16 (truncated)
        Assert.That(Rr("AER", 0x40FF_FFFF, 0x40FF_FFFF), Is.EqualTo((0x411F_FFFFu, 2, 0)));
        // digits shifted beyond the guard digit are lost
        Assert.That(Rr("AER", 0x4110_0000, 0x3A10_0000), Is.EqualTo((0x4110_0000u, 2, 0)));
        // unnormalized operands are normalized as part of the addition
        Assert.That(Rr("AER", 0x4300_0010, 0x0000_0000), Is.EqualTo((0x3F10_0000u, 2, 0)), "16^-2");
    }

    [Test]
    public void Add_unnormalized_keeps_the_characteristic()
    {
        Assert.That(Rr("AUR", 0x4110_0000, 0xC10F_FFFF), Is.EqualTo((0x4100_0001u, 2, 0)));
        Assert.That(Rr("AUR", 0x4300_0010, 0x4100_0001), Is.EqualTo((0x4300_0010u, 2, 0)), "the smaller operand's digits past the guard digit are lost");
        Assert.That(Rr("AUR", 0x42FF_FFFF, 0x4210_0000), Is.EqualTo((0x4310_FFFFu, 2, 0)), "a carry still shifts right");
    }

    [Test]
    public void A_zero_sum_is_a_true_zero_or_with_the_significance_mask_an_interruption_keeping_the_characteristic()
    {
        Assert.That(Rr("SER", 0x4210_0000, 0x4210_0000), Is.EqualTo((0u, 0, 0)));
        Assert.That(Rr("SER", 0x4210_0000, 0x4210_0000, significanceMask: true), Is.EqualTo((0x4200_0000u, 0, (int)HfpCode.Significance)));
        Assert.That(Rr("SUR", 0xC210_0000, 0xC210_0000, significanceMask: true), Is.EqualTo((0x4200_0000u, 0, (int)HfpCode.Significance)));
        Assert.That(Rr("AER", 0x0000_0000, 0x8000_0000), Is.EqualTo((0u, 0, 0)), "zero plus minus zero is a true zero");
    }

    [Test]
    public void Exponent_overflow_wraps_the_characteristic_and_underflow_depends_on_the_mask()
    {
        // 0.FFFFFF x 16^63 twice: 0.1FFFFF x 16^64, characteristic 128 stored as 0
        Assert.That(Rr("AER", 0x7FFF_FFFF, 0x7FFF_FFFF), Is.EqualTo((0x001F_FFFFu, 2, (int)HfpCode.ExponentOverflow)));
        // 0.1 x 16^-64 squared: 0.1 x 16^-129
        var under = Rr("MEER", 0x0010_0000, 0x0010_0000);
        Assert.That((under.R, under.Code), Is.EqualTo((0u, 0)), "mask off: a true zero");
        Assert.That(Rr("MEER", 0x0010_0000, 0x0010_0000, underflowMask: true).R, Is.EqualTo(0x3F10_0000u));
        Assert.That(Rr("MEER", 0x0010_0000, 0x0010_0000, underflowMask: true).Code, Is.EqualTo((int)HfpCode.ExponentUnderflow));
        // normalizing a small difference below 16^-64
        Assert.That(Rr("SER", 0x0011_0000, 0x0010_0000), Is.EqualTo((0u, 0, 0)), "the true zero of an underflow has cc 0");
        Assert.That(Rr("SER", 0x0011_0000, 0x0010_0000, underflowMask: true), Is.EqualTo((0x7F10_0000u, 2, (int)HfpCode.ExponentUnderflow)));
    }

    [Test]
    public void Multiply_and_divide_truncate()
    {
        Assert.That(Rr("MEER", 0x4120_0000, 0x4130_0000).R, Is.EqualTo(0x4160_0000u), "2 x 3");
        Assert.That(Rr("MEER", 0x4140_0000, 0x4140_0000).R, Is.EqualTo(0x4210_0000u), "4 x 4");
        Assert.That(Rr("MEER", 0xC120_0000, 0x4080_0000).R, Is.EqualTo(0xC110_0000u), "-2 x 0.5");
        Assert.That(Rr("MEER", 0x4300_0100, 0x4120_0000).R, Is.EqualTo(0x4020_0000u), "operands are prenormalized: 1/16 x 2");
        Assert.That(Rr("MEER", 0x4120_0000, 0x0000_0000).R, Is.Zero, "a zero product is a true zero");
        Assert.That(Rr("DER", 0x4110_0000, 0x4130_0000).R, Is.EqualTo(0x4055_5555u), "1/3 truncated");
        Assert.That(Rr("DER", 0xC160_0000, 0x4120_0000).R, Is.EqualTo(0xC130_0000u), "-6/2");
        var div0 = Rr("DER", 0x4110_0000, 0x8000_0000);
        Assert.That((div0.R, div0.Code), Is.EqualTo((0x4110_0000u, (int)HfpCode.Divide)), "a zero divisor suppresses");
        Assert.That(Rr("DER", 0x0000_0000, 0x4120_0000).R, Is.Zero);
    }

    [Test]
    public void Halve_square_root_and_load_rounded()
    {
        Assert.That(Rr("HER", 0, 0x4120_0000).R, Is.EqualTo(0x4110_0000u));
        Assert.That(Rr("HER", 0, 0x4110_0000).R, Is.EqualTo(0x4080_0000u), "halving normalizes");
        var half = Rr("HER", 0, 0x0010_0000);
        Assert.That((half.R, half.Code), Is.EqualTo((0u, 0)), "underflow with the mask off");
        Assert.That(Rr("SQER", 0, 0x4140_0000).R, Is.EqualTo(0x4120_0000u), "sqrt 4");
        Assert.That(Rr("SQER", 0, 0x4210_0000).R, Is.EqualTo(0x4140_0000u), "sqrt 16");
        Assert.That(Rr("SQER", 0, 0x4120_0000).R, Is.EqualTo(0x4116_A09Eu), "sqrt 2 = 1.6A09E6..");
        Assert.That(Rr("SQER", 0, 0x4130_0000).R, Is.EqualTo(0x411B_B67Bu), "sqrt 3 = 1.BB67AE.. rounded");
        Assert.That(Rr("SQER", 0, 0x8000_0000).R, Is.EqualTo(0u), "sqrt -0 is a true zero");
        var neg = Rr("SQER", 0x4110_0000, 0xC140_0000);
        Assert.That((neg.R, neg.Code), Is.EqualTo((0x4110_0000u, (int)HfpCode.SquareRoot)));

        using var h = New();
        h.Cpu.Fpr(2) = 0x4112_3456_8000_0000UL; h.Cpu.Fpr(4) = 0x4112_3456_7FFF_FFFFUL; h.Cpu.Fpr(6) = 0x7FFF_FFFF_F800_0000UL;
        h.Asm("LEDR", r1: 1, r2: 2).Asm("LEDR", r1: 3, r2: 4).Asm("LEDR", r1: 5, r2: 6);
        Assert.That(h.Run(), Is.EqualTo(HfpCode.ExponentOverflow), "rounding 0.FFFFFF8 x 16^63 up overflows");
        Assert.That((Short(h, 1), Short(h, 3), Short(h, 5)), Is.EqualTo((0x4112_3457u, 0x4112_3456u, 0x0010_0000u)));
    }

    [Test]
    public void Extended_results_set_the_low_order_characteristic()
    {
        using var h = New();
        h.Cpu.Fpr(4) = 0x4110_0000_0000_0000UL; h.Cpu.Fpr(6) = 0x3300_0000_0000_0001UL; // 1 + 16^-27
        h.Cpu.Fpr(8) = 0x4110_0000_0000_0000UL; h.Cpu.Fpr(10) = 0;
        h.Asm("AXR", r1: 4, r2: 8).Asm("LXDR", r1: 0, r2: 8).Asm("SXR", r1: 8, r2: 8);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That((h.Cpu.Fpr(4), h.Cpu.Fpr(6)), Is.EqualTo((0x4120_0000_0000_0000UL, 0x3300_0000_0000_0001UL)));
        Assert.That((h.Cpu.Fpr(0), h.Cpu.Fpr(2)), Is.EqualTo((0x4110_0000_0000_0000UL, 0x3300_0000_0000_0000UL)));
        Assert.That((h.Cpu.Fpr(8), h.Cpu.Fpr(10)), Is.EqualTo((0UL, 0UL)), "a true zero has zero low part");
        Assert.That(h.Cpu.Cc, Is.Zero);

        using var h2 = New();
        h2.Cpu.Fpr(0) = 0x0110_0000_0000_0000UL; h2.Cpu.Fpr(2) = 0x7300_0000_0000_0000UL; // 16^-63: low characteristic wraps
        h2.Cpu.Fpr(1) = 0x8000_0000_0000_0000UL; h2.Cpu.Fpr(3) = 0;
        h2.Asm("LCXR", r1: 4, r2: 0).Asm("LCXR", r1: 5, r2: 1);
        Assert.That(h2.Run(), Is.EqualTo(0));
        Assert.That((h2.Cpu.Fpr(4), h2.Cpu.Fpr(6)), Is.EqualTo((0x8110_0000_0000_0000UL, 0xF300_0000_0000_0000UL)));
        Assert.That((h2.Cpu.Fpr(5), h2.Cpu.Fpr(7)), Is.EqualTo((0UL, 0UL)), "complement of -0 is +0");

        using var h3 = New();
        h3.Asm("AXR", r1: 2, r2: 0);
        Assert.That(h3.Run(), Is.EqualTo(PgmCode.Specification), "extended operands need valid pairs");
    }

    [Test]
    public void Registers_past_the_basic_four_need_AFP()
    {
        using var h = New(afp: false);
        h.Asm("ADR", r1: 2, r2: 6);
        Assert.That(h.Run(), Is.EqualTo(0));
        using var h2 = New(afp: false);
        h2.Asm("ADR", r1: 2, r2: 7);
        Assert.That(h2.Run(), Is.EqualTo(PgmCode.Data));
    }

    [Test]
    public void Compare_uses_the_guard_digit_and_ignores_zero_signs()
    {
        Assert.That(Rr("CER", 0x4110_0000, 0x40FF_FFFF).Cc, Is.EqualTo(2));
        Assert.That(Rr("CER", 0x4110_0000, 0x4300_1000).Cc, Is.EqualTo(0), "equal values, differently normalized");
        Assert.That(Rr("CER", 0x8000_0000, 0x4200_0000).Cc, Is.EqualTo(0), "all zeros are equal");
        Assert.That(Rr("CER", 0xC110_0000, 0x4110_0000).Cc, Is.EqualTo(1));
        // a difference lost beyond the guard digit compares equal
        Assert.That(Rr("CER", 0x4110_0001, 0x4300_1000).Cc, Is.EqualTo(0));
        Assert.That(Rr("CER", 0x4110_0010, 0x4300_1000).Cc, Is.EqualTo(2), "the guard digit counts");
    }

    [Test]
    public void Conversions_with_fixed_point()
    {
        using var h = New();
        h.Cpu.G[1] = 1; h.Cpu.G[2] = unchecked((ulong)-15L); h.Cpu.G[3] = 0x7FFF_FFFF; h.Cpu.G[4] = 0x8000_0000_0000_0000UL;
        h.Asm("CEFR", r1: 0, r2: 1).Asm("CEFR", r1: 2, r2: 2).Asm("CEFR", r1: 4, r2: 3).Asm("CDGR", r1: 6, r2: 4);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That((Short(h, 0), Short(h, 2), Short(h, 4)), Is.EqualTo((0x4110_0000u, 0xC1F0_0000u, 0x487F_FFFFu)), "truncated to 6 digits");
        Assert.That(h.Cpu.Fpr(6), Is.EqualTo(0xD080_0000_0000_0000UL));

        (long V, int Cc) ToFixed(ulong v, int m3, string op = "CGDR")
        {
            using var t = New();
            t.Cpu.Fpr(0) = v;
            t.Asm(op, r1: 5, r2: 0, m3: m3);
            Assert.That(t.Run(), Is.EqualTo(0));
            return (op == "CGDR" ? (long)t.Cpu.G[5] : (int)t.Cpu.G[5], t.Cpu.Cc);
        }
        const ulong TwoAndHalf = 0x4128_0000_0000_0000UL, MinusOneAndHalf = 0xC118_0000_0000_0000UL;
        Assert.That(ToFixed(TwoAndHalf, 5), Is.EqualTo((2L, 2)), "toward zero");
        Assert.That(ToFixed(TwoAndHalf, 1), Is.EqualTo((3L, 2)), "nearest, ties away");
        Assert.That(ToFixed(TwoAndHalf, 4), Is.EqualTo((2L, 2)), "nearest, ties even");
        Assert.That(ToFixed(MinusOneAndHalf, 4), Is.EqualTo((-2L, 1)));
        Assert.That(ToFixed(MinusOneAndHalf, 6), Is.EqualTo((-1L, 1)), "toward +inf");
        Assert.That(ToFixed(MinusOneAndHalf, 7), Is.EqualTo((-2L, 1)), "toward -inf");
        Assert.That(ToFixed(0x8000_0000_0000_0000UL, 5), Is.EqualTo((0L, 0)));
        Assert.That(ToFixed(0x4910_0000_0000_0000UL, 5, "CFDR"), Is.EqualTo((int.MaxValue, 3)), "16^8 does not fit: the largest with cc 3");
        Assert.That(ToFixed(0xC880_0000_0000_0000UL, 5, "CFDR"), Is.EqualTo((int.MinValue, 1)), "-2^31 fits");

        using var bad = New();
        bad.Asm("CGDR", r1: 5, r2: 0, m3: 2);
        Assert.That(bad.Run(), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Load_FP_integer_truncates()
    {
        Assert.That(Rr("FIER", 0, 0x4128_0000).R, Is.EqualTo(0x4120_0000u));
        Assert.That(Rr("FIER", 0, 0xC128_0000).R, Is.EqualTo(0xC120_0000u));
        Assert.That(Rr("FIER", 0, 0x4080_0000).R, Is.EqualTo(0u), "a zero result is a true zero");
        Assert.That(Rr("FIER", 0, 0x4712_3456).R, Is.EqualTo(0x4712_3456u), "already an integer");
    }

    [Test]
    public void Multiply_and_add_with_the_HFP_multiply_and_add_facility()
    {
        using var h = New();
        SetShort(h, 1, 0x4130_0000); SetShort(h, 2, 0x4120_0000); SetShort(h, 3, 0x4140_0000);
        h.Cpu.Fpr(4) = 0x4130_0000_0000_0000UL; h.Cpu.Fpr(5) = 0x4120_0000_0000_0000UL; h.Cpu.Fpr(6) = 0x4140_0000_0000_0000UL;
        h.Asm("MAER", r1: 1, r3: 2, r2: 3).Asm("MSDR", r1: 4, r3: 5, r2: 6);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That(Short(h, 1), Is.EqualTo(0x41B0_0000u), "2 x 4 + 3");
        Assert.That(h.Cpu.Fpr(4), Is.EqualTo(0x4150_0000_0000_0000UL), "2 x 4 - 3");
    }

    [Test]
    public void Multiply_unnormalized_gives_all_28_digits()
    {
        using var h = New();
        h.Cpu.Fpr(1) = 0x4110_0000_0000_0000UL; h.Cpu.Fpr(2) = 0x4100_0000_0000_0002UL;
        h.Asm("MYR", r1: 4, r3: 1, r2: 2).Asm("MYHR", r1: 12, r3: 1, r2: 2).Asm("MYLR", r1: 13, r3: 1, r2: 2)
            .Asm("MAYR", r1: 10, r3: 1, r2: 1);
        h.Cpu.Fpr(8) = 0x4210_0000_0000_0000UL; h.Cpu.Fpr(10) = 0x1234_5678_0000_0000UL;
        Assert.That(h.Run(), Is.EqualTo(0));
        // 0.1 x 0.00000000000002 = 0.000000000000002 (28 digits), characteristic 0x41 + 0x41 - 0x40
        Assert.That((h.Cpu.Fpr(4), h.Cpu.Fpr(6)), Is.EqualTo((0x4200_0000_0000_0000UL, 0x3420_0000_0000_0000UL)));
        Assert.That((h.Cpu.Fpr(12), h.Cpu.Fpr(13)), Is.EqualTo((0x4200_0000_0000_0000UL, 0x3420_0000_0000_0000UL)));
        // 1 x 1 + 1 x 16: the product 0.01 x 16^2 plus 0.1 x 16^2 = 0.11 x 16^2
        Assert.That((h.Cpu.Fpr(8), h.Cpu.Fpr(10)), Is.EqualTo((0x4211_0000_0000_0000UL, 0x3400_0000_0000_0000UL)));
    }

    [Test]
    public void Conversions_between_BFP_and_HFP()
    {
        using var h = New();
        h.Cpu.Fpr(0) = 0x3FF0_0000_0000_0000UL;                    // BFP 1.0
        h.Cpu.Fpr(2) = 0xC004_0000_0000_0000UL;                    // BFP -2.5
        h.Cpu.Fpr(4) = 0x7FF0_0000_0000_0000UL;                    // +inf
        h.Cpu.Fpr(6) = 0x4110_0000_0000_0000UL;                    // HFP 1.0
        h.Asm("TBDR", r1: 8, r2: 0, m3: 5).Asm("TBDR", r1: 9, r2: 2, m3: 5).Asm("THDR", r1: 11, r2: 6, m3: 5)
            .Asm("THDER", r1: 12, r2: 6, m3: 5).Asm("TBDR", r1: 10, r2: 4, m3: 5);
        Assert.That(h.Run(), Is.EqualTo(0));
        Assert.That((h.Cpu.Fpr(8), h.Cpu.Fpr(9)), Is.EqualTo((0x4110_0000_0000_0000UL, 0xC128_0000_0000_0000UL)));
        Assert.That((h.Cpu.Fpr(11), Short(h, 12)), Is.EqualTo((0x3FF0_0000_0000_0000UL, 0x3F80_0000u)));
        Assert.That((h.Cpu.Fpr(10), h.Cpu.Cc), Is.EqualTo((0x7FFF_FFFF_FFFF_FFFFUL, 3)), "infinity: the largest HFP number, cc 3");
    }
}
