using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Tests.Execution;

namespace S390Jit.Tests.Architecture;

/// <summary>
/// The general instructions of offered facilities that had no semantics (extended translation 2/3,
/// CSST, LPD, ECAG): PoO results, each run under the interpreter and the JIT with identical outcomes.
/// </summary>
public class ConversionTests
{
    private const ulong S = EngineHarness.Scratch;

    /// <summary>Runs code under both engines; asserts they agree and returns the outcome.</summary>
    private static CpuSnapshot Both(Action<EngineHarness> setup, params byte[][] insns)
    {
        CpuSnapshot? first = null;
        foreach (var engine in new[] { EngineHarness.Interpreter(), EngineHarness.Jit() })
        {
            using var h = new EngineHarness();
            setup(h);
            h.Load(insns.SelectMany(x => x).ToArray());
            var s = h.Run(engine);
            if (first == null) first = s;
            else Assert.That(s.Diff(first), Is.Empty, "interpreter and JIT differ");
        }
        return first!;
    }

    private static byte[] A(string m, int r1 = 0, int r2 = 0, int r3 = 0, int b1 = 0, int b2 = 0, long d1 = 0, long d2 = 0, int l1 = 0, long i2 = 0, int m3 = 0) =>
        Assembler.Encode(m, r1: r1, r2: r2, r3: r3, b1: b1, b2: b2, d1: d1, d2: d2, l1: l1, i2: i2, m3: m3);

    private static void Put(EngineHarness h, ulong a, params byte[] b) => b.CopyTo(h.Mem(a, b.Length));
    private static int Cc(CpuSnapshot s, int r) => (int)((s.G[r] >> 28) & 3);
    private static byte[] Scr(CpuSnapshot s, ulong a, int n) => s.Scratch.AsSpan((int)(a - S), n).ToArray();

    private static readonly byte[] Utf8 = [0x41, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80]; // A € 😀
    private static readonly byte[] Utf16 = [0x00, 0x41, 0x20, 0xAC, 0xD8, 0x3D, 0xDE, 0x00];
    private static readonly byte[] Utf32 = [0, 0, 0, 0x41, 0, 0, 0x20, 0xAC, 0, 1, 0xF6, 0x00];

    /// <summary>Converts <paramref name="input"/> (at S) into S+0x100 with the given CU instruction; returns cc, output and registers.</summary>
    private static (int Cc, byte[] Out, CpuSnapshot S) Cu(string m, byte[] input, int outLen)
    {
        var s = Both(h =>
        {
            Put(h, S, input);
            h.Cpu.G[2] = S + 0x100; h.Cpu.G[3] = (ulong)outLen;
            h.Cpu.G[4] = S; h.Cpu.G[5] = (ulong)input.Length;
        }, A(m, r1: 2, r2: 4), A("IPM", r1: 11));
        return (Cc(s, 11), Scr(s, S + 0x100, outLen), s);
    }

    [Test]
    public void Unicode_conversions_round_trip()
    {
        var (c12, o12, _) = Cu("CU12", Utf8, 8);
        Assert.That((c12, o12), Is.EqualTo((0, Utf16)));
        var (cc, o, s) = Cu("CU21", Utf16, 8);
        Assert.That((cc, o), Is.EqualTo((0, Utf8)));
        Assert.That((s.G[2], s.G[3], s.G[4], s.G[5]), Is.EqualTo((S + 0x108, 0UL, S + 8, 0UL)), "registers point past both operands");
        Assert.That(Cu("CU14", Utf8, 12).Out, Is.EqualTo(Utf32));
        Assert.That(Cu("CU41", Utf32, 8).Out, Is.EqualTo(Utf8));
        Assert.That(Cu("CU24", Utf16, 12).Out, Is.EqualTo(Utf32));
        Assert.That(Cu("CU42", Utf32, 8).Out, Is.EqualTo(Utf16));
    }

    [Test]
    public void Unicode_conversion_stops_when_the_first_operand_is_full_and_on_invalid_input()
    {
        var (cc, _, s) = Cu("CU12", Utf8, 5);
        Assert.That((cc, s.G[3], s.G[4]), Is.EqualTo((1, 1UL, S + 4)), "the surrogate pair needs 4 more bytes");
        var bad = Cu("CU41", [0, 0x11, 0, 0], 8);
        Assert.That(bad.Cc, Is.EqualTo(2), "beyond U+10FFFF");
        var badLead = Cu("CU12", [0x80], 8);
        Assert.That(badLead.Cc, Is.EqualTo(2), "a continuation byte cannot start a character");
    }

    [Test]
    public void Translate_one_to_one_stops_at_the_test_character()
    {
        var s = Both(h =>
        {
            for (int k = 0; k < 256; k++) h.Mem(S + 0x1000 + (ulong)k, 1)[0] = (byte)(k + 1);
            Put(h, S, 1, 2, 3, 0x41, 5);
            h.Cpu.G[0] = 0x42; h.Cpu.G[1] = S + 0x1000;
            h.Cpu.G[2] = S + 0x100; h.Cpu.G[3] = 5; h.Cpu.G[4] = S;
        }, A("TROO", r1: 2, r2: 4), A("IPM", r1: 11));
        Assert.That(Cc(s, 11), Is.EqualTo(1));
        Assert.That((s.G[2], s.G[3], s.G[4]), Is.EqualTo((S + 0x103, 2UL, S + 3)));
        Assert.That(Scr(s, S + 0x100, 3), Is.EqualTo(new byte[] { 2, 3, 4 }));
    }

    [Test]
    public void Translate_two_to_two_and_odd_length_is_a_specification_exception()
    {
        var s = Both(h =>
        {
            Put(h, S + 0x1000 + 2 * 0x0102, 0xAB, 0xCD);
            Put(h, S, 0x01, 0x02);
            h.Cpu.G[0] = 0xFFFF; h.Cpu.G[1] = S + 0x1000;
            h.Cpu.G[2] = S + 0x100; h.Cpu.G[3] = 2; h.Cpu.G[4] = S;
        }, A("TRTT", r1: 2, r2: 4), A("IPM", r1: 11));
        Assert.That((Cc(s, 11), Scr(s, S + 0x100, 2)), Is.EqualTo((0, new byte[] { 0xAB, 0xCD })));
        var odd = Both(h => { h.Cpu.G[1] = S + 0x1000; h.Cpu.G[2] = S + 0x100; h.Cpu.G[3] = 3; h.Cpu.G[4] = S; }, A("TRTT", r1: 2, r2: 4));
        Assert.That(odd.PgmCode, Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Trtr_scans_right_to_left()
    {
        var s = Both(h =>
        {
            h.Mem(S + 0x1000 + 'x', 1)[0] = 7;
            Put(h, S, (byte)'x', (byte)'a', (byte)'x', (byte)'b');
            h.Cpu.G[5] = S; h.Cpu.G[6] = S + 0x1000;
        }, A("TRTR", b1: 5, d1: 3, l1: 3, b2: 6, d2: 0), A("IPM", r1: 11));
        Assert.That((Cc(s, 11), s.G[1], s.G[2] & 0xFF), Is.EqualTo((1, S + 2, 7UL)), "the rightmost x, not the last byte");
    }

    [Test]
    public void Srstu_finds_a_two_byte_character()
    {
        var s = Both(h =>
        {
            Put(h, S, 0, 1, 0, 2, 0x12, 0x34, 0, 3);
            h.Cpu.G[0] = 0x1234; h.Cpu.G[2] = S + 8; h.Cpu.G[4] = S;
        }, A("SRSTU", r1: 2, r2: 4), A("IPM", r1: 11));
        Assert.That((Cc(s, 11), s.G[2]), Is.EqualTo((1, S + 4)));
        var miss = Both(h => { h.Cpu.G[0] = 0x9999; h.Cpu.G[2] = S + 8; h.Cpu.G[4] = S; }, A("SRSTU", r1: 2, r2: 4), A("IPM", r1: 11));
        Assert.That(Cc(miss, 11), Is.EqualTo(2));
    }

    [Test]
    public void Csst_swaps_and_stores_when_equal()
    {
        var s = Both(h =>
        {
            h.Cpu.G[0] = (3 << 8) | 1;           // 8-byte compare and swap, 8-byte store
            h.Cpu.G[1] = S + 0x200;              // parameter list
            Put(h, S + 0x200, 0, 0, 0, 0, 0, 0, 0, 0x77);          // replacement
            Put(h, S + 0x210, 0, 0, 0, 0, 0, 0, 0, 0x99);          // store value
            Put(h, S, 0, 0, 0, 0, 0, 0, 0, 5);
            h.Cpu.G[3] = 5; h.Cpu.G[5] = S;
        }, A("CSST", b1: 5, d1: 0, b2: 5, d2: 0x40, r3: 3), A("IPM", r1: 11),
           A("CSST", b1: 5, d1: 0, b2: 5, d2: 0x48, r3: 3), A("IPM", r1: 12));
        Assert.That((Cc(s, 11), Scr(s, S, 8)[7], Scr(s, S + 0x40, 8)[7]), Is.EqualTo((0, (byte)0x77, (byte)0x99)));
        Assert.That((Cc(s, 12), s.G[3], Scr(s, S + 0x48, 8)[7]), Is.EqualTo((1, 0x77UL, (byte)0)), "unequal: R3 gets the operand, nothing stored");
    }

    [Test]
    public void Lpd_loads_a_disjoint_pair()
    {
        var s = Both(h => { Put(h, S, 0, 0, 0, 1); Put(h, S + 0x80, 0, 0, 0, 2); h.Cpu.G[5] = S; },
            A("LPD", r3: 2, b1: 5, d1: 0, b2: 5, d2: 0x80), A("IPM", r1: 11));
        Assert.That((s.G[2] & 0xFFFF_FFFF, s.G[3] & 0xFFFF_FFFF, Cc(s, 11)), Is.EqualTo((1UL, 2UL, 0)));
    }

    [Test]
    public void Ecag_reports_the_modelled_caches()
    {
        var s = Both(_ => { },
            A("ECAG", r1: 1, r3: 0, d2: 0x00),          // topology summary
            A("ECAG", r1: 2, r3: 0, d2: 0x10),          // L1 data line size
            A("ECAG", r1: 3, r3: 0, d2: 0x21),          // L1 instruction cache size
            A("ECAG", r1: 4, r3: 0, d2: 0x100));        // CPU attributes: not available
        Assert.That(s.G[1] >> 40, Is.EqualTo(0x04070BUL));
        Assert.That((s.G[2], s.G[3], s.G[4]), Is.EqualTo((256UL, 128UL << 10, ulong.MaxValue)));
    }

    [Test]
    public void Monitor_call_interrupts_only_for_enabled_classes()
    {
        using var d = new DatHarness();
        d.Cpu.Cr[8] = 0x8000 >> 3; // class 3
        d.H.Asm("MC", b1: 0, d1: 0x123, i2: 2).Asm("MC", b1: 0, d1: 0x456, i2: 3);
        Assert.That(d.Run(), Is.EqualTo(PgmCode.Monitor));
        Assert.That(d.OldPswAddr, Is.EqualTo(CpuHarness.CodeAddress + 8), "completed: past the second MC");
        Assert.That((d.H.Get16(Lowcore.MonitorClass), d.H.Get64(Lowcore.MonitorCode)), Is.EqualTo(((ushort)3, 0x456UL)));

        using var bad = new DatHarness();
        bad.H.Asm("MC", b1: 0, d1: 0, i2: 0x13);
        Assert.That(bad.Run(), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Sckpf_sets_the_programmable_field_stcke_stores()
    {
        using var d = new DatHarness();
        d.Cpu.G[0] = 0xBEEF;
        d.Cpu.G[5] = 0x20000;
        d.H.Asm("SCKPF").Asm("STCKE", b2: 5, d2: 0);
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That(d.H.Get16(0x2000E), Is.EqualTo(0xBEEF));
        using var s = new DatHarness();
        s.Cpu.G[0] = 0x1_0000;
        s.H.Asm("SCKPF");
        Assert.That(s.Run(), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Ptff_query_available_functions()
    {
        using var d = new DatHarness();
        d.Cpu.SetFacility(Fac.TodSteering, true);
        d.Cpu.G[0] = 0; d.Cpu.G[1] = 0x20000;
        d.H.Asm("PTFF").Asm("IPM", r1: 11);
        d.Cpu.G[11] = 0;
        Assert.That(d.Run(), Is.EqualTo(0));
        Assert.That((d.H.Get64(0x20000) >> 60, (d.Cpu.G[11] >> 28) & 3), Is.EqualTo((0xFUL, 0UL)), "QAF, QTO, QSI, QPT");
    }
}
