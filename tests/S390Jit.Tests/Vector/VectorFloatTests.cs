using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;
using static S390Jit.Tests.Vector.VectorRig;

namespace S390Jit.Tests.Vector;

/// <summary>
/// Vector floating point (PoO chapter 24) on the BFP core: element formats, single-element forms, the
/// per-element IEEE exception handling (the first enabled exception suppresses the whole instruction
/// with a vector-processing exception; otherwise every element's flags are set), and the cases where
/// QEMU 7.2 departs from the PoO (exact tiny results with the underflow mask on, XxC and the inexact
/// flag, the MULTIPLY AND ADD NaN table, the old PSW of a vector-processing exception).
/// </summary>
public class VectorFloatTests
{
    private const ulong One = 0x3FF0_0000_0000_0000, Two = 0x4000_0000_0000_0000, Three = 0x4008_0000_0000_0000;
    private const ulong PosInf = 0x7FF0_0000_0000_0000, QNaN = 0x7FF8_0000_0000_0001, SNaN = 0x7FF0_0000_0000_0002;
    private const ulong MinSub = 1, NegZero = 0x8000_0000_0000_0000;
    private const uint MaskInvalid = 0x8000_0000, MaskUnderflow = 0x1000_0000, MaskInexact = 0x0800_0000;
    private const uint FlagInvalid = 0x0080_0000, FlagInexact = 0x0008_0000;

    private static VectorResult F(byte[] insn, Vec v2, Vec v3 = default, Vec v4 = default, uint fpc = 0, Vec? v1 = null, int[]? without = null) =>
        One(insn, v2, v3, v4, v1 ?? new Vec(0xDEAD, 0xBEEF), without, h => h.Cpu.Fpc = fpc);

    [Test]
    public void Add_long_elements_and_the_single_element_form()
    {
        var r = F(A("VFA", v1: 1, v2: 2, v3: 3, m4: 3, m5: 0), new Vec(One, Two), new Vec(Two, One));
        Assert.That(r.V(1), Is.EqualTo(new Vec(Three, Three)));
        r = F(A("VFA", v1: 1, v2: 2, v3: 3, m4: 3, m5: 8), new Vec(One, Two), new Vec(Two, One));
        Assert.That(r.V(1), Is.EqualTo(new Vec(Three, 0)), "WFADB: element 0 only, the rest zero");
        r = F(A("VFA", v1: 1, v2: 2, v3: 3, m4: 2, m5: 0), Elems(2, 0x3F80_0000, 0x3F80_0000, 0x7F7F_FFFF, 0), Elems(2, 0x3F80_0000, 0x3380_0000, 0x7F7F_FFFF, 0x8000_0000));
        Assert.That(r.V(1), Is.EqualTo(Elems(2, 0x4000_0000, 0x3F80_0000, 0x7F80_0000, 0)), "short: 1+2^-24 rounds to even; overflow to infinity; +0 + -0");
        Assert.That(r.State.Fpc, Is.EqualTo(0x0028_0000u), "overflow and inexact flags of all elements");
    }

    [Test]
    public void Short_and_extended_formats_need_vector_enhancements_1()
    {
        Assert.That(F(A("VFA", v1: 1, v2: 2, v3: 3, m4: 2), default, without: [Fac.VectorEnh1]).Pgm, Is.EqualTo(PgmCode.Specification));
        Assert.That(F(A("VFM", v1: 1, v2: 2, v3: 3, m4: 4), default, without: [Fac.VectorEnh1]).Pgm, Is.EqualTo(PgmCode.Specification));
        Assert.That(F(A("VFA", v1: 1, v2: 2, v3: 3, m4: 3, m5: 1), default).Pgm, Is.EqualTo(PgmCode.Specification), "reserved M5 bit");
        Assert.That(F(A("VFD", v1: 1, v2: 2, v3: 3, m4: 5), default).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    /// <summary>
    /// An enabled IEEE exception in element 1: vector-processing exception with VXC 0x11 (element 1,
    /// invalid), nothing stored (suppression: not even element 0's result or flags), the VXC in the FPC
    /// and the old PSW after the instruction. QEMU 7.2 leaves the old PSW at the instruction.
    /// </summary>
    [Test]
    public void Enabled_exception_suppresses_the_instruction_with_the_element_in_the_vxc()
    {
        var r = F(A("VFS", v1: 1, v2: 2, v3: 3, m4: 3), new Vec(One | 1, PosInf), new Vec(Two, PosInf), fpc: MaskInvalid);
        Assert.That((r.Pgm, r.Dxc), Is.EqualTo((PgmCode.VectorProcessing, 0x11u)));
        Assert.That(r.V(1), Is.EqualTo(new Vec(0xDEAD, 0xBEEF)));
        Assert.That(r.State.Fpc, Is.EqualTo(MaskInvalid | 0x1100), "no flags, the VXC in the DXC byte");
        Assert.That(r.OldPswAddr, Is.EqualTo(Tests.Execution.EngineHarness.Code + 6), "after the instruction");
    }

    /// <summary>PoO: with the underflow mask on, a tiny result traps even when exact (QEMU 7.2 does not).</summary>
    [Test]
    public void Exact_tiny_result_traps_when_the_underflow_mask_is_on()
    {
        var r = F(A("VFA", v1: 1, v2: 2, v3: 3, m4: 3), new Vec(One, MinSub), new Vec(One, MinSub), fpc: MaskUnderflow);
        Assert.That((r.Pgm, r.Dxc), Is.EqualTo((PgmCode.VectorProcessing, 0x14u)));
        r = F(A("VFA", v1: 1, v2: 2, v3: 3, m4: 3), new Vec(One, MinSub), new Vec(One, MinSub));
        Assert.That((r.Pgm, r.V(1), r.State.Fpc), Is.EqualTo(((ushort)0, new Vec(Two, 2), 0u)), "masked: exact, no flag");
    }

    /// <summary>XxC suppresses the inexact exception, flag included, as for the scalar forms (QEMU 7.2 sets the flag).</summary>
    [Test]
    public void XxC_suppresses_the_inexact_flag_and_trap()
    {
        var half = new Vec(0x3FE0_0000_0000_0000, 0x3FF8_0000_0000_0000); // 0.5, 1.5
        var r = F(A("VFI", v1: 1, v2: 2, m3: 3, m4: 4, m5: 4), half, fpc: MaskInexact);
        Assert.That((r.Pgm, r.V(1), r.State.Fpc), Is.EqualTo(((ushort)0, new Vec(0, Two), MaskInexact)));
        r = F(A("VFI", v1: 1, v2: 2, m3: 3, m4: 0, m5: 4), half);
        Assert.That((r.V(1), r.State.Fpc), Is.EqualTo((new Vec(0, Two), FlagInexact)));
        r = F(A("VFI", v1: 1, v2: 2, m3: 3, m4: 0, m5: 1), half, fpc: MaskInexact);
        Assert.That((r.Pgm, r.Dxc), Is.EqualTo((PgmCode.VectorProcessing, 0x05u)), "ties away: 1.0 is inexact in element 0");
    }

    /// <summary>
    /// VFMA on the PoO's MULTIPLY AND ADD NaN table: an SNaN anywhere wins over a QNaN (QEMU 7.2 takes the
    /// first NaN operand), and infinity x zero is invalid with the default NaN even with a QNaN addend.
    /// </summary>
    [Test]
    public void Multiply_and_add_follows_the_PoO_NaN_table()
    {
        var r = F(A("VFMA", v1: 1, v2: 2, v3: 3, v4: 4, m5: 0, m6: 3), new Vec(QNaN, PosInf), new Vec(One, 0), new Vec(SNaN, QNaN));
        Assert.That(r.V(1), Is.EqualTo(new Vec(SNaN | 0x0008_0000_0000_0000, 0x7FF8_0000_0000_0000)));
        Assert.That(r.State.Fpc, Is.EqualTo(FlagInvalid));
        r = F(A("VFMA", v1: 1, v2: 2, v3: 3, v4: 4, m5: 0, m6: 3), new Vec(Two, Two), new Vec(Three, Three), new Vec(One, NegZero));
        Assert.That(r.V(1), Is.EqualTo(new Vec(0x401C_0000_0000_0000, 0x4018_0000_0000_0000)), "2 x 3 + 1, 2 x 3 - 0");
    }

    /// <summary>VFNMA rounds the negated value (toward -infinity makes it larger in magnitude) and negates exact zeros.</summary>
    [Test]
    public void Negative_multiply_and_add_rounds_the_negated_value()
    {
        // 1 x 1 + 2^-60: rounded toward -infinity after negation -> -(1 + 2^-52)
        var r = F(A("VFNMA", v1: 1, v2: 2, v3: 3, v4: 4, m5: 8, m6: 3), new Vec(One, 0), new Vec(One, 0), new Vec(0x3C30_0000_0000_0000, 0), fpc: 3);
        Assert.That(r.V(1), Is.EqualTo(new Vec(0xBFF0_0000_0000_0001, 0)));
        r = F(A("VFNMS", v1: 1, v2: 2, v3: 3, v4: 4, m5: 8, m6: 3), new Vec(One, 0), new Vec(One, 0), new Vec(One, 0));
        Assert.That(r.V(1), Is.EqualTo(new Vec(NegZero, 0)), "-(1 x 1 - 1) = -0");
        r = F(A("VFNMA", v1: 1, v2: 2, v3: 3, v4: 4, m5: 8, m6: 3), new Vec(QNaN | NegZero, 0), new Vec(One, 0), new Vec(One, 0));
        Assert.That(r.V(1), Is.EqualTo(new Vec(QNaN | NegZero, 0)), "a NaN is not negated");
    }

    [TestCase("VFCE", 0, 0, 0b1000UL, 1)]
    [TestCase("VFCH", 0, 0, 0b0100UL, 1)]
    [TestCase("VFCHE", 0, 0, 0b1100UL, 1)]
    [TestCase("VFCE", 4, 0x80, 0b1000UL, 1)]
    public void Compares_give_masks_and_the_cc_and_signal_NaNs_on_request(string mn, int sq, int flags, ulong mask, int cc)
    {
        // elements (short): 1 = 1, 2 > 1, NaN vs 1, 1 < 2
        var a = Elems(2, 0x3F80_0000, 0x4000_0000, 0x7FC0_0000, 0x3F80_0000);
        var b = Elems(2, 0x3F80_0000, 0x3F80_0000, 0x3F80_0000, 0x4000_0000);
        var r = F(A(mn, v1: 1, v2: 2, v3: 3, m4: 2, m5: sq, m6: 1), a, b);
        var want = default(Vec);
        for (int k = 0; k < 4; k++) if (((mask >> (3 - k)) & 1) != 0) want.Set(2, k, 0xFFFF_FFFF);
        Assert.That(r.V(1), Is.EqualTo(want));
        Assert.That(r.Cc, Is.EqualTo(cc));
        Assert.That(r.State.Fpc, Is.EqualTo((uint)flags << 16), "SQ: the QNaN is an invalid operation");
    }

    [TestCase(One, Two, 1), TestCase(Two, One, 2), TestCase(One, One, 0), TestCase(QNaN, One, 3)]
    public void WFC_sets_the_cc_and_WFK_signals_QNaNs(ulong a, ulong b, int cc)
    {
        var r = Run(Code(A("WFC", v1: 1, v2: 2, m3: 3), Ipm), h => { SetV(h.Cpu, 1, new Vec(a, 0)); SetV(h.Cpu, 2, new Vec(b, 0)); });
        Assert.That((r.Cc, r.State.Fpc), Is.EqualTo((cc, 0u)));
        r = Run(Code(A("WFK", v1: 1, v2: 2, m3: 3), Ipm), h => { SetV(h.Cpu, 1, new Vec(a, 0)); SetV(h.Cpu, 2, new Vec(b, 0)); });
        Assert.That((r.Cc, r.State.Fpc), Is.EqualTo((cc, cc == 3 ? FlagInvalid : 0u)));
    }

    [Test]
    public void Test_data_class_immediate()
    {
        var v = new Vec(NegZero, SNaN);
        var r = F(A("VFTCI", v1: 1, v2: 2, i3: 0x400 | 0x2, m4: 3, m5: 0), v);
        Assert.That((r.V(1), r.Cc), Is.EqualTo((new Vec(ulong.MaxValue, ulong.MaxValue), 0)));
        r = F(A("VFTCI", v1: 1, v2: 2, i3: 0x800, m4: 3, m5: 0), v);
        Assert.That((r.V(1), r.Cc), Is.EqualTo((default(Vec), 3)));
        r = F(A("VFTCI", v1: 1, v2: 2, i3: 0x400, m4: 3, m5: 8), v, v1: new Vec(5, 6));
        Assert.That((r.V(1), r.Cc), Is.EqualTo((new Vec(ulong.MaxValue, 6), 0)), "single element: the rest of V1 stays");
        Assert.That(r.State.Fpc, Is.EqualTo(0u), "never an exception");
    }

    [Test]
    public void Lengthen_and_round_use_the_even_word_elements()
    {
        var r = F(A("VFLL", v1: 1, v2: 2, m3: 2, m4: 0), Elems(2, 0x3F80_0000, 0xFFFF_FFFF, 0xC000_0000, 0xFFFF_FFFF));
        Assert.That(r.V(1), Is.EqualTo(new Vec(One, 0xC000_0000_0000_0000)));
        r = F(A("VFLR", v1: 1, v2: 2, m3: 3, m4: 0, m5: 0), new Vec(One, 0x3FF0_0000_1000_0000));
        Assert.That(r.V(1), Is.EqualTo(Elems(2, 0x3F80_0000, 0, 0x3F80_0000, 0)));
        Assert.That(r.State.Fpc, Is.EqualTo(FlagInexact));
        r = F(A("VFLR", v1: 1, v2: 2, m3: 3, m4: 0, m5: 6), new Vec(One, 0x3FF0_0000_1000_0000));
        Assert.That(r.V(1), Is.EqualTo(Elems(2, 0x3F80_0000, 0, 0x3F80_0001, 0)), "M5 = 6: toward +infinity");
        Assert.That(F(A("VFLR", v1: 1, v2: 2, m3: 3, m4: 0, m5: 2), default).Pgm, Is.EqualTo(PgmCode.Specification));
        r = F(A("VFLR", v1: 1, v2: 2, m3: 4, m4: 0, m5: 0), new Vec(0x3FFF_0000_0000_0000, 0), v1: new Vec(1, 2));
        Assert.That(r.V(1), Is.EqualTo(new Vec(One, 2)), "extended to long: doubleword 1 unchanged");
    }

    [Test]
    public void Conversions_to_and_from_fixed()
    {
        var r = F(A("VCFPS", v1: 1, v2: 2, m3: 3, m4: 0, m5: 0), new Vec(unchecked((ulong)-3L), 1UL << 62));
        Assert.That(r.V(1), Is.EqualTo(new Vec(0xC008_0000_0000_0000, 0x43D0_0000_0000_0000)));
        r = F(A("VCSFP", v1: 1, v2: 2, m3: 3, m4: 0, m5: 5), new Vec(0xC004_0000_0000_0000, QNaN)); // -2.5 toward 0, NaN
        Assert.That(r.V(1), Is.EqualTo(new Vec(unchecked((ulong)-2L), 0x8000_0000_0000_0000)));
        Assert.That(r.State.Fpc, Is.EqualTo(FlagInvalid | FlagInexact), "an untrapped invalid conversion is also inexact, as CONVERT TO FIXED");
        r = F(A("VCLFP", v1: 1, v2: 2, m3: 3, m4: 4, m5: 0), new Vec(0xBFF0_0000_0000_0000, 0x3FF8_0000_0000_0000));
        Assert.That(r.V(1), Is.EqualTo(new Vec(0, 2)), "logical: negative is invalid (0), 1.5 to even");
        Assert.That(r.State.Fpc, Is.EqualTo(FlagInvalid), "XxC: no inexact flag");
        r = F(A("VCFPL", v1: 1, v2: 2, m3: 2, m4: 0, m5: 0), Elems(2, 0xFFFF_FFFF, 1, 0, 0x8000_0000));
        Assert.That(r.V(1), Is.EqualTo(Elems(2, 0x4F80_0000, 0x3F80_0000, 0, 0x4F00_0000)), "vector enhancements 2: words");
        Assert.That(F(A("VCFPL", v1: 1, v2: 2, m3: 2), default, without: [Fac.VectorEnh2]).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    [TestCase(0, false, One, NegZero), TestCase(0, true, SNaN | 0x0008_0000_0000_0000UL, NegZero)]
    [TestCase(1, false, QNaN, NegZero), TestCase(2, false, One, NegZero)]
    [TestCase(3, false, QNaN, 0UL), TestCase(4, false, One, NegZero)]
    public void Minimum_follows_the_selected_language_rule(int rule, bool snan, ulong nanResult, ulong zeroResult)
    {
        // element 0: NaN vs 1; element 1: +0 vs -0
        var a = new Vec(snan ? SNaN : QNaN, 0);
        var b = new Vec(One, NegZero);
        var r = F(A("VFMIN", v1: 1, v2: 2, v3: 3, m4: 3, m5: 0, m6: rule), a, b);
        Assert.That(r.V(1), Is.EqualTo(new Vec(nanResult, zeroResult)));
        bool invalid = snan || rule is 2 or 3;
        Assert.That(r.State.Fpc, Is.EqualTo(invalid ? FlagInvalid : 0u));
        Assert.That(F(A("VFMIN", v1: 1, v2: 2, v3: 3, m4: 3, m6: 5), a).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Maximum_on_magnitudes()
    {
        var r = F(A("VFMAX", v1: 1, v2: 2, v3: 3, m4: 3, m5: 0, m6: 8), new Vec(0xC008_0000_0000_0000, One), new Vec(Two, 0xBFF0_0000_0000_0000));
        Assert.That(r.V(1), Is.EqualTo(new Vec(0xC008_0000_0000_0000, 0x3FF0_0000_0000_0000)), "IEEE maxNumMag keeps the sign; equal magnitudes: the larger value");
        r = F(A("VFMAX", v1: 1, v2: 2, v3: 3, m4: 3, m5: 0, m6: 9), new Vec(0xC008_0000_0000_0000, One), new Vec(Two, 0xBFF0_0000_0000_0000));
        Assert.That(r.V(1), Is.EqualTo(new Vec(Three, One)), "Java on magnitudes: absolute values");
    }

    [Test]
    public void Sign_operations_never_signal()
    {
        var r = F(A("VFPSO", v1: 1, v2: 2, m3: 3, m4: 0, m5: 0), new Vec(SNaN, NegZero), fpc: MaskInvalid);
        Assert.That((r.Pgm, r.V(1)), Is.EqualTo(((ushort)0, new Vec(SNaN | NegZero, 0))));
        r = F(A("VFPSO", v1: 1, v2: 2, m3: 2, m4: 8, m5: 1), Elems(2, 1, 2, 3, 4), v1: new Vec(7, 8));
        Assert.That(r.V(1), Is.EqualTo(new Vec(0x8000_0001_0000_0002, 8)), "single element: word 0 changed, word 1 from V2, doubleword 1 unchanged");
        Assert.That(F(A("VFPSO", v1: 1, v2: 2, m3: 3, m5: 3), default).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Square_root_and_divide_by_zero()
    {
        var r = F(A("VFSQ", v1: 1, v2: 2, m3: 3, m4: 0), new Vec(0x4010_0000_0000_0000, 0xBFF0_0000_0000_0000));
        Assert.That(r.V(1), Is.EqualTo(new Vec(Two, 0x7FF8_0000_0000_0000)));
        Assert.That(r.State.Fpc, Is.EqualTo(FlagInvalid));
        r = F(A("VFD", v1: 1, v2: 2, v3: 3, m4: 3), new Vec(One, One), new Vec(Two, 0), fpc: 0x4000_0000);
        Assert.That((r.Pgm, r.Dxc), Is.EqualTo((PgmCode.VectorProcessing, 0x12u)));
    }
}
