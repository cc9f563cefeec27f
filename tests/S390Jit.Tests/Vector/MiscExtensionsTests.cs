using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Tests.Vector.VectorRig;

namespace S390Jit.Tests.Vector;

/// <summary>
/// The general instructions of miscellaneous-instruction-extensions 2 and 3 that gcc emits for
/// -march=z14/z15 code (checked against qemu-system-s390x 7.2 -cpu max by hand), under both engines.
/// </summary>
public class MiscExtensionsTests
{
    private static VectorResult G(byte[] insn, ulong r2 = 0, ulong r3 = 0, ulong r4 = 0, int cc = 0, Action<Tests.Execution.EngineHarness>? more = null, bool overflowMask = false) =>
        Run(Code(Assembler.Encode("SPM", r1: 9), insn, Ipm), h =>
        {
            h.Cpu.G[2] = r2; h.Cpu.G[3] = r3; h.Cpu.G[4] = r4;
            h.Cpu.G[9] = ((ulong)cc << 28) | (overflowMask ? 0x0800_0000UL : 0);
            more?.Invoke(h);
        });

    [TestCase("MSGRKC", 3UL, 0xFFFF_FFFF_FFFF_FFFEUL, 0xFFFF_FFFF_FFFF_FFFAUL, 1)]
    [TestCase("MSGRKC", 0x4000_0000_0000_0000UL, 2UL, 0x8000_0000_0000_0000UL, 3)]
    [TestCase("MSGRKC", 0UL, 5UL, 0UL, 0)]
    [TestCase("MSRKC", 0xAAAA_AAAA_0001_0000UL, 0x8000UL, 0x0000_0000_8000_0000UL, 3)]
    [TestCase("MSRKC", 7UL, 6UL, 42UL, 2)]
    public void Multiply_single_with_condition_code(string mn, ulong a, ulong b, ulong result, int cc)
    {
        var r = G(Assembler.Encode(mn, r1: 1, r2: 2, r3: 3), a, b, more: h => h.Cpu.G[1] = 0x5555_5555_5555_5555);
        ulong want = mn == "MSRKC" ? 0x5555_5555_0000_0000 | result : result;
        Assert.That((r.G(1), r.Cc, r.Pgm), Is.EqualTo((want, cc, (ushort)0)));
    }

    [Test]
    public void Multiply_overflow_interrupts_when_the_program_mask_allows()
    {
        var r = G(Assembler.Encode("MSGRKC", r1: 1, r2: 2, r3: 3), long.MaxValue, 2, overflowMask: true);
        Assert.That(r.Pgm, Is.EqualTo(PgmCode.FixedPointOverflow));
        Assert.That(r.G(1), Is.EqualTo(unchecked((ulong)(long.MaxValue * 2))), "the result is stored first");
    }

    [Test]
    public void Multiply_to_128_bits_into_an_even_odd_pair()
    {
        var r = G(Assembler.Encode("MGRK", r1: 6, r2: 2, r3: 3), unchecked((ulong)-3L), ulong.MaxValue >> 1);
        Int128 p = (Int128)(-3L) * long.MaxValue;
        Assert.That((r.G(6), r.G(7)), Is.EqualTo(((ulong)(p >> 64), (ulong)p)));
        Assert.That(G(Assembler.Encode("MGRK", r1: 7, r2: 2, r3: 3)).Pgm, Is.EqualTo(PgmCode.Specification), "R1 odd");
        r = G(Assembler.Encode("MG", r1: 0, x2: 0, b2: 4, d2: 0), r4: Tests.Execution.EngineHarness.Scratch,
            more: h => { h.Cpu.G[1] = 5; h.Mem(Tests.Execution.EngineHarness.Scratch, 8).Fill(0xFF); });
        Assert.That((r.G(0), r.G(1)), Is.EqualTo((ulong.MaxValue, unchecked((ulong)-5L))));
    }

    [Test]
    public void Halfword_add_subtract_multiply()
    {
        ulong s = Tests.Execution.EngineHarness.Scratch;
        Action<Tests.Execution.EngineHarness> mem = h => { h.Mem(s, 2)[0] = 0x80; h.Mem(s, 2)[1] = 0x00; h.Cpu.G[1] = 10; };
        var r = G(Assembler.Encode("AGH", r1: 1, b2: 4, d2: 0), r4: s, more: mem);
        Assert.That((r.G(1), r.Cc), Is.EqualTo((unchecked((ulong)(10 - 32768L)), 1)));
        r = G(Assembler.Encode("SGH", r1: 1, b2: 4, d2: 0), r4: s, more: mem);
        Assert.That((r.G(1), r.Cc), Is.EqualTo((10UL + 32768, 2)));
        r = G(Assembler.Encode("MGH", r1: 1, b2: 4, d2: 0), r4: s, cc: 3, more: mem);
        Assert.That((r.G(1), r.Cc), Is.EqualTo((unchecked((ulong)(10 * -32768L)), 3)), "cc unchanged");
        r = G(Assembler.Encode("SGH", r1: 1, b2: 4, d2: 0), r4: s, more: h => { mem(h); h.Cpu.G[1] = long.MaxValue; });
        Assert.That(r.Cc, Is.EqualTo(3), "overflow");
    }

    [TestCase(8, 0, true), TestCase(8, 1, false), TestCase(15, 3, true), TestCase(0, 0, false)]
    public void Branch_indirect_on_condition(int mask, int cc, bool taken)
    {
        ulong s = Tests.Execution.EngineHarness.Scratch;
        // BIC to the LPSWE at the end (skipping LGHI 5,1)
        var code = Code(Assembler.Encode("SPM", r1: 9), Assembler.Encode("BIC", m1: mask, b2: 4, d2: 0), Assembler.Encode("LGHI", r1: 5, i2: 1));
        ulong target = Tests.Execution.EngineHarness.Code + (ulong)code.Length;
        var r = Run(code, h =>
        {
            h.Cpu.G[4] = s; h.Cpu.G[9] = (ulong)cc << 28;
            for (int k = 0; k < 8; k++) h.Mem(s + (ulong)k, 1)[0] = (byte)(target >> (56 - 8 * k));
        });
        Assert.That(r.G(5), Is.EqualTo(taken ? 0UL : 1UL));
    }

    [Test]
    public void Boolean_with_complement_and_select()
    {
        const ulong a = 0xFF00_FF00_F0F0_0F0F, b = 0x0FF0_0FF0_FFFF_0000;
        foreach (var (mn, want) in new (string, ulong)[]
                 {
                     ("NNGRK", ~(a & b)), ("NOGRK", ~(a | b)), ("NXGRK", ~(a ^ b)), ("NCGRK", a & ~b), ("OCGRK", a | ~b),
                 })
        {
            var r = G(Assembler.Encode(mn, r1: 1, r2: 2, r3: 3), a, b);
            Assert.That((r.G(1), r.Cc), Is.EqualTo((want, want == 0 ? 0 : 1)), mn);
        }
        var x = G(Assembler.Encode("NNRK", r1: 1, r2: 2, r3: 3), a, a, more: h => h.Cpu.G[1] = 0x1234_5678_0000_0000);
        Assert.That((x.G(1), x.Cc), Is.EqualTo((0x1234_5678_0F0F_F0F0UL, 1)), "32-bit forms keep bits 0-31");
        x = G(Assembler.Encode("OCRK", r1: 1, r2: 2, r3: 3), 0, ~0UL);
        Assert.That((x.G(1) & 0xFFFF_FFFF, x.Cc), Is.EqualTo((0UL, 0)));
        x = G(Assembler.Encode("SELGR", r1: 1, r2: 2, r3: 3, m4: 4), 11, 22, cc: 1);
        Assert.That(x.G(1), Is.EqualTo(11UL));
        x = G(Assembler.Encode("SELR", r1: 1, r2: 2, r3: 3, m4: 4), 11, 22, cc: 2, more: h => h.Cpu.G[1] = 0x7777_0000_0000_0000);
        Assert.That(x.G(1), Is.EqualTo(0x7777_0000_0000_0016UL));
        x = G(Assembler.Encode("SELFHR", r1: 1, r2: 2, r3: 3, m4: 8), 0xAAAA_0000_0000_0000, 0xBBBB_0000_0000_0000, cc: 0, more: h => h.Cpu.G[1] = 5);
        Assert.That(x.G(1), Is.EqualTo(0xAAAA_0000_0000_0005UL));
    }

    [Test]
    public void MVCRL_moves_right_to_left()
    {
        ulong s = Tests.Execution.EngineHarness.Scratch;
        // overlapping: destination 1 byte above the source; right to left copies the source as it was
        var r = Run(Code(Assembler.Encode("MVCRL", b1: 4, d1: 1, b2: 4, d2: 0)), h =>
        {
            h.Cpu.G[0] = 0xFFFF_FF03; h.Cpu.G[4] = s;
            for (int k = 0; k < 5; k++) h.Mem(s + (ulong)k, 1)[0] = (byte)(k + 1);
        });
        Assert.That(r.Scratch.AsSpan(0, 6).ToArray(), Is.EqualTo(new byte[] { 1, 1, 2, 3, 4, 0 }));
    }
}
