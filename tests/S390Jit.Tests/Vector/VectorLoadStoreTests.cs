using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;
using static S390Jit.Tests.Vector.VectorRig;

namespace S390Jit.Tests.Vector;

/// <summary>
/// Vector enablement, the vector-processing exception's VXC, and the loads and stores of PoO chapter 21:
/// whole vectors across pages, the partial loads and stores whose length or block boundary limits the
/// bytes accessed (no access exception beyond them: the last page of storage is used as the
/// boundary), element loads/stores with their index checks, the vector-enhancements-2 reversed forms.
/// </summary>
public class VectorLoadStoreTests
{
    private const ulong End = 0x100000; // first address beyond the test storage
    private static readonly Vec Pattern = new(0x0011223344556677, 0x8899AABBCCDDEEFF);

    private static Action<Tests.Execution.EngineHarness> Mem(ulong abs, byte[] bytes, Action<Tests.Execution.EngineHarness>? more = null) => h =>
    {
        bytes.CopyTo(h.Mem(abs, bytes.Length));
        more?.Invoke(h);
    };

    private static byte[] Seq(int n, int start = 0x10) => Enumerable.Range(0, n).Select(k => (byte)(start + k)).ToArray();

    // ---- enablement ---------------------------------------------------------------------------
    [TestCase(Cr0.VectorEnablement, TestName = "Vector instruction with CR0 bit 46 off: data exception DXC FE, also in the FPC")]
    [TestCase(Cr0.AfpRegisters, TestName = "Vector instruction with CR0 bit 45 off: data exception DXC FE, FPC unchanged")]
    public void Vector_instruction_when_disabled_is_a_data_exception(ulong off)
    {
        var r = Run(Code(A("VLR", v1: 1, v2: 2)), h =>
        {
            h.Cpu.Cr[0] &= ~off;
            h.Cpu.Fpc = 0x0000_0000;
            SetV(h.Cpu, 2, Pattern);
        });
        Assert.That((r.Pgm, r.Dxc), Is.EqualTo((PgmCode.Data, 0xFEu)));
        Assert.That(r.V(1), Is.EqualTo(default(Vec)), "suppressed");
        Assert.That(r.State.Fpc, Is.EqualTo(off == Cr0.VectorEnablement ? 0xFE00u : 0u));
    }

    [Test]
    public void LCBB_is_not_subject_to_vector_enablement()
    {
        var r = Run(Code(A("LCBB", r1: 3, b2: 4, d2: 0, m3: 0), Ipm), h => { h.Cpu.Cr[0] &= ~Cr0.VectorControls; h.Cpu.G[4] = Scratch + 60; });
        Assert.That(r.Pgm, Is.EqualTo(0));
        Assert.That((r.G(3), r.Cc), Is.EqualTo((4UL, 3)));
    }

    [Test]
    public void Vector_processing_exception_stores_the_vxc_in_the_lowcore_and_the_fpc()
    {
        using var h = new Tests.Execution.EngineHarness();
        h.Cpu.Cr[0] |= Cr0.VectorControls;
        h.Load([]);
        h.Cpu.LoadPsw(Psw.EA | Psw.BA, Tests.Execution.EngineHarness.Code);
        var e = Assert.Throws<ProgramInterruptException>(() => throw h.Cpu.VectorProcessingException(2, 3))!;
        h.Cpu.TakeProgramInterruption(e);
        Assert.That(h.Mem(Lowcore.PgmCode + 1, 1)[0], Is.EqualTo(0x1B));
        Assert.That(h.Mem(Lowcore.DataExcCode + 3, 1)[0], Is.EqualTo(0x23));
        Assert.That(h.Cpu.Fpc & 0xFF00, Is.EqualTo(0x2300u));
    }

    // ---- whole vectors ------------------------------------------------------------------------
    [TestCase(0), TestCase(3), TestCase(4), TestCase(15)]
    public void VL_and_VST_cross_pages_and_ignore_the_alignment_hint(int hint)
    {
        ulong a = Scratch + 0x1000 - 5;
        var r = Run(Code(A("VL", v1: 7, b2: 4, d2: 0, m3: hint), A("VST", v1: 7, b2: 4, d2: 0x20, m3: hint)),
            Mem(a, Seq(16), h => h.Cpu.G[4] = a));
        Assert.That(r.V(7), Is.EqualTo(Bytes(Seq(16))));
        Assert.That(r.Scratch.AsSpan((int)(a + 0x20 - Scratch), 16).ToArray(), Is.EqualTo(Seq(16)));
    }

    [Test]
    public void VST_with_an_inaccessible_second_page_stores_nothing()
    {
        var r = Run(Code(A("VST", v1: 2, b2: 4, d2: 0)), h => { h.Cpu.G[4] = End - 8; SetV(h.Cpu, 2, Pattern); });
        Assert.That(r.Pgm, Is.EqualTo(PgmCode.Addressing));
    }

    [Test]
    public void VLM_and_VSTM_move_consecutive_registers_and_check_the_range()
    {
        var r = Run(Code(A("VLM", v1: 30, v2: 31, b2: 4, d2: 0), A("VSTM", v1: 30, v2: 31, b2: 4, d2: 0x40)),
            Mem(Scratch, Seq(32), h => h.Cpu.G[4] = Scratch));
        Assert.That((r.V(30), r.V(31)), Is.EqualTo((Bytes(Seq(16)), Bytes(Seq(16, 0x20)))));
        Assert.That(r.Scratch.AsSpan(0x40, 32).ToArray(), Is.EqualTo(Seq(32)));
        Assert.That(Run(Code(A("VLM", v1: 5, v2: 4, b2: 4))).Pgm, Is.EqualTo(PgmCode.Specification), "V3 below V1");
        Assert.That(Run(Code(A("VSTM", v1: 0, v2: 16, b2: 4))).Pgm, Is.EqualTo(PgmCode.Specification), "17 registers");
    }

    // ---- length- and boundary-limited --------------------------------------------------------
    [TestCase(0UL, 1), TestCase(5UL, 6), TestCase(15UL, 16), TestCase(16UL, 16), TestCase(0xFFFF_FFFFUL, 16), TestCase(0xFFFF_FFFF_0000_0002UL, 3)]
    public void VLL_loads_the_highest_index_plus_one_bytes_and_zeros_the_rest(ulong r3, int n)
    {
        var r = Run(Code(A("VLL", v1: 1, r3: 3, b2: 4, d2: 0)), Mem(Scratch, Seq(16), h =>
        {
            h.Cpu.G[3] = r3; h.Cpu.G[4] = Scratch; SetV(h.Cpu, 1, Pattern);
        }));
        var want = new byte[16];
        Seq(n).CopyTo(want, 0);
        Assert.That(r.V(1), Is.EqualTo(Bytes(want)));
    }

    [TestCase(6, false), TestCase(7, true)]
    public void VLL_accesses_only_the_bytes_it_loads(int bytes, bool faults)
    {
        var r = Run(Code(A("VLL", v1: 1, r3: 3, b2: 4, d2: 0)), h => { h.Cpu.G[3] = (ulong)bytes - 1; h.Cpu.G[4] = End - 6; });
        Assert.That(r.Pgm, Is.EqualTo(faults ? PgmCode.Addressing : (ushort)0));
    }

    [TestCase(3UL, 4), TestCase(20UL, 16)]
    public void VSTL_stores_the_leftmost_bytes(ulong r3, int n)
    {
        var r = Run(Code(A("VSTL", v1: 2, r3: 3, b2: 4, d2: 0)), h => { h.Cpu.G[3] = r3; h.Cpu.G[4] = Scratch + 8; SetV(h.Cpu, 2, Bytes(Seq(16, 0xA0))); });
        Assert.That(r.Scratch.AsSpan(8, 17).ToArray(), Is.EqualTo(Seq(n, 0xA0).Concat(new byte[17 - n]).ToArray()));
    }

    [Test]
    public void VSTL_near_the_end_of_storage_stores_only_its_length()
    {
        Assert.That(Run(Code(A("VSTL", v1: 2, r3: 3, b2: 4)), h => { h.Cpu.G[3] = 3; h.Cpu.G[4] = End - 4; }).Pgm, Is.EqualTo(0));
        Assert.That(Run(Code(A("VSTL", v1: 2, r3: 3, b2: 4)), h => { h.Cpu.G[3] = 4; h.Cpu.G[4] = End - 4; }).Pgm, Is.EqualTo(PgmCode.Addressing));
    }

    /// <summary>VLBB/LCBB: block sizes 64 &lt;&lt; M3 bytes; a load that would cross the boundary stops there.</summary>
    [TestCase(0, 0x3C, 4), TestCase(0, 0x30, 16), TestCase(1, 0x7F, 1), TestCase(6, 0xFF8, 8), TestCase(6, 0x10, 16), TestCase(3, 0x1F5, 11)]
    public void VLBB_loads_to_the_block_boundary_and_LCBB_counts_the_bytes(int m3, int offset, int n)
    {
        ulong a = Scratch + (ulong)offset;
        var r = Run(Code(A("VLBB", v1: 1, b2: 4, d2: 0, m3: m3), A("LCBB", r1: 5, b2: 4, d2: 0, m3: m3), Ipm),
            Mem(a, Seq(16), h => { h.Cpu.G[4] = a; h.Cpu.G[5] = 0xAAAA_AAAA_0000_0000; SetV(h.Cpu, 1, Pattern); }));
        var want = new byte[16];
        Seq(n).CopyTo(want, 0);
        Assert.That(r.V(1), Is.EqualTo(Bytes(want)));
        Assert.That(r.G(5), Is.EqualTo(0xAAAA_AAAA_0000_0000UL | (uint)n), "bits 0-31 of R1 unchanged");
        Assert.That(r.Cc, Is.EqualTo(n == 16 ? 0 : 3));
    }

    [Test]
    public void VLBB_at_the_end_of_storage_never_touches_the_next_block()
    {
        var r = Run(Code(A("VLBB", v1: 1, b2: 4, d2: 0, m3: 6)), h => { h.Cpu.G[4] = End - 3; h.Mem(End - 3, 3).Fill(0x77); });
        Assert.That(r.Pgm, Is.EqualTo(0));
        Assert.That(r.V(1), Is.EqualTo(new Vec(0x7777_7700_0000_0000, 0)));
    }

    [Test]
    public void VLBB_and_LCBB_reject_block_codes_above_6()
    {
        Assert.That(Run(Code(A("VLBB", v1: 1, b2: 4, m3: 7)), h => h.Cpu.G[4] = Scratch).Pgm, Is.EqualTo(PgmCode.Specification));
        Assert.That(Run(Code(A("LCBB", r1: 1, b2: 4, m3: 7)), h => h.Cpu.G[4] = Scratch).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void VLRL_and_VSTRL_use_the_rightmost_bytes()
    {
        var r = Run(Code(A("VLRL", v1: 1, b2: 4, d2: 0, i3: 2), A("VSTRLR", v1: 2, r3: 3, b2: 4, d2: 0x20)), Mem(Scratch, Seq(16), h =>
        {
            h.Cpu.G[4] = Scratch; h.Cpu.G[3] = 1; SetV(h.Cpu, 1, Pattern); SetV(h.Cpu, 2, Pattern);
        }));
        Assert.That(r.V(1), Is.EqualTo(new Vec(0, 0x0000_0000_0010_1112)));
        Assert.That(r.Scratch.AsSpan(0x20, 3).ToArray(), Is.EqualTo(new byte[] { 0xEE, 0xFF, 0 }));
        Assert.That(Run(Code(A("VLRL", v1: 1, b2: 4, i3: 0x10)), h => h.Cpu.G[4] = Scratch).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    // ---- elements -------------------------------------------------------------------------------
    [TestCase("VLEB", 15, 0), TestCase("VLEH", 7, 1), TestCase("VLEF", 3, 2), TestCase("VLEG", 1, 3)]
    public void Element_loads_and_stores_take_the_index_from_M3(string load, int last, int es)
    {
        string store = "VSTE" + load[^1];
        var r = Run(Code(A(load, v1: 1, b2: 4, d2: 0, m3: last), A(store, v1: 1, b2: 4, d2: 0x20, m3: 0)),
            Mem(Scratch, Seq(16), h => { h.Cpu.G[4] = Scratch; SetV(h.Cpu, 1, Pattern); }));
        var want = Pattern;
        want.Set(es, last, Bytes(Seq(16)).E(es, 0));
        Assert.That(r.V(1), Is.EqualTo(want));
        Assert.That(r.Scratch.AsSpan(0x20, 1 << es).ToArray(), Is.EqualTo(Seq(16).Take(1 << es).Select((_, k) => Pattern.B(k)).ToArray()));
        if (last < 15)
        {
            Assert.That(Run(Code(A(load, v1: 1, b2: 4, m3: last + 1)), h => h.Cpu.G[4] = Scratch).Pgm, Is.EqualTo(PgmCode.Specification));
            Assert.That(Run(Code(A(store, v1: 1, b2: 4, m3: last + 1)), h => h.Cpu.G[4] = Scratch).Pgm, Is.EqualTo(PgmCode.Specification));
        }
    }

    [TestCase(0, 0x0000_0000_0000_0010UL, 0UL), TestCase(2, 0x0000_0000_1011_1213UL, 0UL), TestCase(3, 0x1011_1213_1415_1617UL, 0UL)]
    [TestCase(6, 0x1011_1213_0000_0000UL, 0UL)]
    public void VLLEZ_places_the_element_in_the_leftmost_doubleword_and_zeros_the_rest(int m3, ulong h, ulong l)
    {
        var r = Run(Code(A("VLLEZ", v1: 1, b2: 4, d2: 0, m3: m3)), Mem(Scratch, Seq(16), x => { x.Cpu.G[4] = Scratch; SetV(x.Cpu, 1, Pattern); }));
        Assert.That(r.V(1), Is.EqualTo(new Vec(h, l)));
    }

    [Test]
    public void VLLEZ_left_aligned_word_needs_vector_enhancements_1()
    {
        Assert.That(Run(Code(A("VLLEZ", v1: 1, b2: 4, m3: 6)), h => h.Cpu.G[4] = Scratch, without: [Fac.VectorEnh1]).Pgm, Is.EqualTo(PgmCode.Specification));
        Assert.That(Run(Code(A("VLLEZ", v1: 1, b2: 4, m3: 4)), h => h.Cpu.G[4] = Scratch).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    [TestCase(0, 0x1010_1010_1010_1010UL), TestCase(1, 0x1011_1011_1011_1011UL), TestCase(3, 0x1011_1213_1415_1617UL)]
    public void VLREP_replicates_one_element(int es, ulong dw)
    {
        var r = Run(Code(A("VLREP", v1: 1, b2: 4, d2: 0, m3: es)), Mem(Scratch, Seq(16), h => h.Cpu.G[4] = Scratch));
        Assert.That(r.V(1), Is.EqualTo(new Vec(dw, dw)));
    }

    [Test]
    public void Gather_and_scatter_address_with_an_element_of_the_index_vector()
    {
        var r = Run(Code(A("VGEF", v1: 1, v3: 2, b2: 4, d2: 4, m4: 2), A("VSCEG", v1: 1, v3: 2, b2: 4, d2: 0x40, m4: 1)), Mem(Scratch, Seq(32), h =>
        {
            h.Cpu.G[4] = Scratch;
            SetV(h.Cpu, 2, Elems(2, 0, 0, 0, 8));
            SetV(h.Cpu, 1, Pattern);
        }));
        // word 2 of V1 from Scratch + 0 + 4; then doubleword 1 of V1 stored at Scratch + 0x40 + 8
        Assert.That(r.V(1), Is.EqualTo(new Vec(Pattern.H, 0x14151617_CCDDEEFF)));
        Assert.That(r.Scratch.AsSpan(0x48, 8).ToArray(), Is.EqualTo(new byte[] { 0x14, 0x15, 0x16, 0x17, 0xCC, 0xDD, 0xEE, 0xFF }));
        Assert.That(Run(Code(A("VGEG", v1: 1, v3: 2, b2: 4, m4: 2))).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void VLGV_and_VLVG_index_with_the_rightmost_bits_of_the_address()
    {
        var r = Run(Code(A("VLGV", r1: 5, v3: 1, b2: 6, d2: 2, m4: 1), A("VLVG", v1: 1, r3: 7, b2: 0, d2: 0x1F, m4: 0)), h =>
        {
            SetV(h.Cpu, 1, Pattern);
            h.Cpu.G[6] = 0xFFF3; // + 2 = 0xFFF5: halfword 5
            h.Cpu.G[7] = 0x1234_5678_9ABC_DEF0;
        });
        Assert.That(r.G(5), Is.EqualTo(0xAABBUL));
        Assert.That(r.V(1), Is.EqualTo(new Vec(Pattern.H, 0x8899AABBCCDDEEF0)));
        Assert.That(Run(Code(A("VLGV", r1: 5, v3: 1, m4: 4))).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void VLVGP_loads_two_general_registers()
    {
        var r = Run(Code(A("VLVGP", v1: 31, r2: 2, r3: 3)), h => { h.Cpu.G[2] = 1; h.Cpu.G[3] = 2; });
        Assert.That(r.V(31), Is.EqualTo(new Vec(1, 2)));
    }

    [Test]
    public void Immediates_generate_masks_and_replicate()
    {
        var r = Run(Code(A("VGBM", v1: 1, i2: 0x8001), A("VGM", v1: 2, i2: 62, i3: 1, m4: 3), A("VGM", v1: 3, i2: 4, i3: 6, m4: 0),
            A("VREPI", v1: 4, i2: -2, m3: 1), A("VLEIB", v1: 5, i2: 0x1FF, m3: 15), A("VLEIG", v1: 5, i2: -1, m3: 0), A("VREP", v1: 6, v3: 1, i2: 15, m4: 0)));
        Assert.That(r.V(1), Is.EqualTo(new Vec(0xFF00_0000_0000_0000, 0x0000_0000_0000_00FF)));
        Assert.That(r.V(2), Is.EqualTo(new Vec(0xC000_0000_0000_0003, 0xC000_0000_0000_0003)));
        Assert.That(r.V(3), Is.EqualTo(new Vec(0x0E0E_0E0E_0E0E_0E0E, 0x0E0E_0E0E_0E0E_0E0E)));
        Assert.That(r.V(4), Is.EqualTo(new Vec(0xFFFE_FFFE_FFFE_FFFE, 0xFFFE_FFFE_FFFE_FFFE)));
        Assert.That(r.V(5), Is.EqualTo(new Vec(ulong.MaxValue, 0xFF)));
        Assert.That(r.V(6), Is.EqualTo(new Vec(0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF)));
        Assert.That(Run(Code(A("VREP", v1: 6, v3: 1, i2: 2, m4: 3))).Pgm, Is.EqualTo(PgmCode.Specification));
        Assert.That(Run(Code(A("VLEIH", v1: 6, i2: 2, m3: 8))).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    // ---- vector enhancements 2: reversed forms -------------------------------------------------
    [TestCase("VLBR", 1, 0x1110_1312_1514_1716UL, 0x1918_1B1A_1D1C_1F1EUL)]
    [TestCase("VLBR", 4, 0x1F1E_1D1C_1B1A_1918UL, 0x1716_1514_1312_1110UL)]
    [TestCase("VLER", 2, 0x1C1D_1E1F_1819_1A1BUL, 0x1415_1617_1011_1213UL)]
    [TestCase("VLER", 3, 0x1819_1A1B_1C1D_1E1FUL, 0x1011_1213_1415_1617UL)]
    public void Reversed_loads_and_their_stores_round_trip(string load, int es, ulong h, ulong l)
    {
        string store = load == "VLBR" ? "VSTBR" : "VSTER";
        var r = Run(Code(A(load, v1: 1, b2: 4, d2: 0, m3: es), A(store, v1: 1, b2: 4, d2: 0x20, m3: es)), Mem(Scratch, Seq(16), x => x.Cpu.G[4] = Scratch));
        Assert.That(r.V(1), Is.EqualTo(new Vec(h, l)));
        Assert.That(r.Scratch.AsSpan(0x20, 16).ToArray(), Is.EqualTo(Seq(16)));
        Assert.That(Run(Code(A(load, v1: 1, b2: 4, m3: 0)), x => x.Cpu.G[4] = Scratch).Pgm, Is.EqualTo(PgmCode.Specification));
        Assert.That(Run(Code(A(load, v1: 1, b2: 4, m3: es)), x => x.Cpu.G[4] = Scratch, without: [Fac.VectorEnh2]).Pgm, Is.EqualTo(PgmCode.Operation));
    }

    [Test]
    public void Byte_reversed_element_forms()
    {
        var r = Run(Code(A("VLEBRH", v1: 1, b2: 4, d2: 0, m3: 7), A("VLLEBRZ", v1: 2, b2: 4, d2: 0, m3: 6), A("VLBRREP", v1: 3, b2: 4, d2: 0, m3: 2),
            A("VSTEBRG", v1: 2, b2: 4, d2: 0x20, m3: 0)), Mem(Scratch, Seq(16), x => { x.Cpu.G[4] = Scratch; SetV(x.Cpu, 1, Pattern); }));
        Assert.That(r.V(1), Is.EqualTo(new Vec(Pattern.H, 0x8899AABBCCDD1110)));
        Assert.That(r.V(2), Is.EqualTo(new Vec(0x1312_1110_0000_0000, 0)));
        Assert.That(r.V(3), Is.EqualTo(new Vec(0x1312_1110_1312_1110, 0x1312_1110_1312_1110)));
        Assert.That(r.Scratch.AsSpan(0x20, 8).ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 0, 0x10, 0x11, 0x12, 0x13 }));
    }
}
