using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Tests.Architecture;

namespace S390Jit.Tests.Fp;

/// <summary>
/// DIVIDE TO INTEGER (DIEBR, DIDBR) against results of z/Architecture hardware: the input/output vectors
/// of QEMU's tests/tcg/s390x/divide-to-integer.c (found by fuzzing, checked on real machines): remainder,
/// quotient, condition code, FPC and whether a data exception was taken. QEMU 7.2 does not implement the
/// instructions, so they are outside the differential suite.
/// </summary>
public class DivideToIntegerTests
{
    private static IEnumerable<TestCaseData> Vectors()
    {
        // short: r1 in, r2 in, m4, fpc, r1 out, r3 out, cc, fpc out, trap
        var s = new (uint, uint, int, uint, uint, uint, int, uint, bool, string)[]
        {
            (0x43e1f1f1, 0x43e61616, 7, 0, 0x43e1f1f1, 0, 0, 0, false, "451 / 460"),
            (0x43f00000, 0, 0, 0, 0x7fc00000, 0x7fc00000, 1, 0x800000, false, "480 / 0"),
            (0xffffffff, 0xffffffff, 0, 0, 0xffffffff, 0xffffffff, 1, 0, false, "QNaN / QNaN"),
            (0xb2b2b2b2, 0xb2b2b2b2, 0, 0, 0x80000000, 0x3f800000, 0, 0, false, "x / x"),
            (0x3d3d3d3d, 0xaeaeaeae, 0, 0, 0x2f38b8c0, 0xce0aaaab, 2, 0, false, "partial remainder"),
            (0x0c0c0c0c, 0x400c0c0c, 6, 0, 0xc00c0c0c, 0x3f800000, 0, 0x80000, false, "1.07E-31 / 2.19"),
            (0x7070ffff, 0x90909090, 0, 0, 0x6431c0c0, 0xbf5562aa, 3, 0, false, "partial remainder, scaled quotient"),
            (0xb7b7b7b7, 0x15000000, 7, 0, 0x80000000, 0xe237b7b7, 0, 0, false, "large representable quotient"),
            (0, 0, 1, 0, 0x7fc00000, 0x7fc00000, 1, 0x800000, false, "0 / 0"),
            (0x09b2b2b2, 0xb2b2b2b2, 0, 0xfc000007, 0xb2b2b2b1, 0xbf800000, 0, 0xfc000807, true, "inexact trap"),
            (0x000d0100, 0xb0b0b0b0, 6, 0xfc000000, 0x5ed01000, 0x80000000, 0, 0xfc001000, true, "tiny remainder scaled"),
            (0x4c4c4c4c, 0xe1e1e1e1, 0, 0xfc000007, 0xe1e1e1e1, 0xbf800000, 0, 0xfc000c07, true, "inexact and incremented"),
            (0, 0, 0, 0xfc000007, 0, 0x12345678, 0, 0xfc008007, true, "0 / 0 trapped"),
            (0x26262626, 0x79262626, 6, 0, 0xf9262626, 0x3f800000, 0, 0x80000, false, "5.76E-16 / 5.39E+34"),
            (0xdcdcdcdc, 0x00dcdcdc, 7, 0xfc000000, 0x80000000, 0xbb800000, 1, 0xfc000000, false, "scaled quotient"),
            (0xdbdb240b, 0xffac73ff, 4, 0, 0xffec73ff, 0xffec73ff, 1, 0x800000, false, "x / SNaN"),
            (0x00ff0987, 0x0987c6f6, 6, 0x08000000, 0x8987c6b6, 0x3f800000, 0, 0x8000800, true, "2.34E-38 / 3.27E-33"),
            (0xd30a0040, 0xc6d30a00, 0, 0xc4000000, 0xc74a4400, 0x4ba766c6, 2, 0xc4000000, false, "partial, representable rounded quotient"),
            (0x0c000029, 0xff800000, 0, 0, 0xc000029, 0x80000000, 0, 0, false, "x / -inf"),
            (0xffff94ff, 0xff94ff24, 4, 7, 0xffd4ff24, 0xffd4ff24, 1, 0x800007, false, "QNaN / SNaN"),
            (0x000000c8, 0xff800000, 0, 0x7c000007, 0x000000c8, 0x80000000, 0, 0x7c000007, false, "subnormal / -inf"),
            (0xff00003d, 0xff800000, 0, 0, 0xff00003d, 0, 0, 0, false, "-x / -inf"),
        };
        foreach (var (r1, r2, m4, fpc, o1, o3, cc, fpco, trap, name) in s)
            yield return new TestCaseData("DIEBR", (ulong)r1 << 32, (ulong)r2 << 32, m4, fpc, (ulong)o1, (ulong)o3, cc, fpco, trap).SetName($"DIEBR {name}");
        var d = new (ulong, ulong, int, uint, ulong, ulong, int, uint, bool, string)[]
        {
            (0x00e100e100e100e1, 0x00e100e100e100e1, 0, 1, 0, 0x3ff0000000000000, 0, 1, false, "x / x"),
            (0x0200230200230200, 0x0023020023020023, 0, 0, 0x8001a017d247b3f4, 0x41cb2aa05f000000, 0, 0, false, "subnormal remainder"),
            (0xb063eb3d63b063eb, 0xeb3d63b063eb3d63, 3, 0xe8000000, 0x6b3d63b063eb3d63, 0x3ff0000000000000, 0, 0xe8000c00, true, "inexact incremented"),
            (0x0200000000000000, 0x0000000053020000, 0, 0, 0x8000000020820000, 0x4338ac20dd47c6c1, 0, 0, false, "x / subnormal"),
        };
        foreach (var (r1, r2, m4, fpc, o1, o3, cc, fpco, trap, name) in d)
            yield return new TestCaseData("DIDBR", r1, r2, m4, fpc, o1, o3, cc, fpco, trap).SetName($"DIDBR {name}");
    }

    [TestCaseSource(nameof(Vectors))]
    public void Matches_the_hardware(string mnemonic, ulong r1, ulong r2, int m4, uint fpc, ulong r1o, ulong r3o, int cco, uint fpco, bool trap)
    {
        using var h = new CpuHarness();
        var cpu = h.Cpu;
        cpu.Cr[0] |= Cr0.AfpRegisters;
        bool shortF = mnemonic == "DIEBR";
        cpu.Fpr(1) = r1;
        cpu.Fpr(2) = r2;
        cpu.Fpr(3) = shortF ? 0x1234_5678UL << 32 : 0x1234_5678UL;
        cpu.Fpc = fpc;
        cpu.Cc = 3;
        h.Emit(Assembler.Encode(mnemonic, r1: 1, r2: 2, r3: 3, m4: m4));
        ushort code = h.Run();
        Assert.That(code, Is.EqualTo(trap ? PgmCode.Data : 0));
        if (code != 0) cpu.DeliverProgramInterruption(code, false);
        ulong Got(int r) => shortF ? cpu.Fpr(r) >> 32 : cpu.Fpr(r);
        Assert.That((Got(1), Got(3), cpu.Fpc), Is.EqualTo((r1o, r3o, fpco)));
        if (!trap || (fpco & 0xFF00) != 0x8000) Assert.That(code != 0 ? (int)((h.Get64(Lowcore.PgmOldPsw) >> 44) & 3) : cpu.Cc, Is.EqualTo(cco));
    }

    [Test]
    public void Overlapping_registers_are_a_specification_exception()
    {
        using var h = new CpuHarness();
        h.Cpu.Cr[0] |= Cr0.AfpRegisters;
        h.Asm("DIDBR", r1: 1, r2: 2, r3: 1);
        Assert.That(h.Run(), Is.EqualTo(PgmCode.Specification));
    }
}
