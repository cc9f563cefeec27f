using System.Buffers.Binary;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Execution;

/// <summary>
/// Compiled BFP arithmetic (the inline fast path, the interpreter for everything else) against the
/// interpreter, at the boundaries of the fast path: a hot loop of short and long BFP instructions on
/// operands from storage under an FPC from storage; results, condition codes and the FPC are stored and
/// compared, traps counted by a program-interruption handler that resumes after the instruction.
/// </summary>
public class JitBfpTests
{
    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    private static byte[] E(string m, int r1 = 0, int r2 = 0, int r3 = 0, int b2 = 0, long d2 = 0, long i2 = 0, long ri2 = 0, int m1 = 0) =>
        Assembler.Encode(m, r1: r1, r2: r2, r3: r3, b2: b2, d2: d2, i2: i2, ri2: ri2, m1: m1);

    private static byte[] Program(out int handler)
    {
        var pro = Concat(E("LLILF", r1: 5, i2: (long)EngineHarness.Scratch), E("LFPC", b2: 5, d2: 0x100), E("LGHI", r1: 9, i2: 20));
        var body = Concat(
            E("LD", r1: 0, b2: 5, d2: 0), E("LD", r1: 2, b2: 5, d2: 8), E("LD", r1: 4, b2: 5, d2: 16),
            E("ADBR", r1: 0, r2: 2), E("IPM", r1: 7), E("STD", r1: 0, b2: 5, d2: 0x800),
            E("MDBR", r1: 0, r2: 4), E("STD", r1: 0, b2: 5, d2: 0x808),
            E("SDB", r1: 0, b2: 5, d2: 8), E("STD", r1: 0, b2: 5, d2: 0x810),
            E("MADBR", r1: 0, r3: 2, r2: 4), E("STD", r1: 0, b2: 5, d2: 0x818),
            E("MSDBR", r1: 0, r3: 4, r2: 2), E("STD", r1: 0, b2: 5, d2: 0x820),
            E("DDBR", r1: 0, r2: 2), E("STD", r1: 0, b2: 5, d2: 0x828),
            E("SQDBR", r1: 6, r2: 2), E("STD", r1: 6, b2: 5, d2: 0x830),
            E("KDBR", r1: 0, r2: 2), E("IPM", r1: 6),
            E("CDB", r1: 4, b2: 5, d2: 0), E("IPM", r1: 4),
            E("LTDBR", r1: 6, r2: 0), E("IPM", r1: 3), E("STD", r1: 6, b2: 5, d2: 0x838),
            E("LCDBR", r1: 6, r2: 4), E("IPM", r1: 2), E("STD", r1: 6, b2: 5, d2: 0x840),
            E("LE", r1: 1, b2: 5, d2: 0), E("LE", r1: 3, b2: 5, d2: 8), E("LE", r1: 7, b2: 5, d2: 16),
            E("AEBR", r1: 1, r2: 3), E("IPM", r1: 1), E("MEEBR", r1: 1, r2: 3), E("MAEBR", r1: 1, r3: 3, r2: 7),
            E("DEB", r1: 1, b2: 5, d2: 16), E("SEBR", r1: 1, r2: 7), E("STE", r1: 1, b2: 5, d2: 0x848),
            E("KEB", r1: 1, b2: 5, d2: 8), E("IPM", r1: 10), E("SQEBR", r1: 3, r2: 1), E("STE", r1: 3, b2: 5, d2: 0x84C),
            E("STFPC", b2: 5, d2: 0x850));
        return EngineHarness.LoopWithTrapCounter(pro, body, out handler);
    }

    private static (CpuSnapshot Interp, CpuSnapshot Jit) Both(ulong a, ulong b, ulong c, uint fpc)
    {
        var code = Program(out int handler);
        using var x = new EngineHarness();
        using var y = new EngineHarness();
        foreach (var h in new[] { x, y })
        {
            h.Load(code);
            h.PutPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA, EngineHarness.Code + (ulong)handler);
            h.Cpu.Cr[0] |= Cr0.AfpRegisters;
            BinaryPrimitives.WriteUInt64BigEndian(h.Mem(EngineHarness.Scratch, 8), a);
            BinaryPrimitives.WriteUInt64BigEndian(h.Mem(EngineHarness.Scratch + 8, 8), b);
            BinaryPrimitives.WriteUInt64BigEndian(h.Mem(EngineHarness.Scratch + 16, 8), c);
            BinaryPrimitives.WriteUInt32BigEndian(h.Mem(EngineHarness.Scratch + 0x100, 4), fpc);
        }
        return (x.Run(EngineHarness.Interpreter()), y.Run(EngineHarness.Jit()));
    }

    private const ulong One = 0x3FF0_0000_0000_0000UL, Max = 0x7FEF_FFFF_FFFF_FFFFUL, MinNormal = 0x0010_0000_0000_0000UL,
        HalfUlp = 0x3CA0_0000_0000_0000UL, SNaN = 0x7FF0_0000_0000_0001UL, QNaN = 0x7FF8_0000_0000_0000UL, Inf = 0x7FF0_0000_0000_0000UL;

    [TestCase(0x3FF8_0000_0000_0000UL, 0x4002_0000_0000_0000UL, 0xC008_0000_0000_0000UL, 0u, false, TestName = "normal operands, exact and inexact results")]
    [TestCase(One, HalfUlp, One, 0u, false, TestName = "halfway: 1 + 2^-53 rounds to even, inexact flag")]
    [TestCase(One, HalfUlp, One, 0x0800_0000u, true, TestName = "halfway with the inexact mask on: completion traps")]
    [TestCase(0x4000_0000_0000_0000UL, One, 0x4010_0000_0000_0000UL, 0x0800_0000u, true, TestName = "mostly exact results with the inexact mask on: the inexact ones trap")]
    [TestCase(One, HalfUlp, One, 1u, false, TestName = "round toward zero")]
    [TestCase(One, HalfUlp, One, 7u, false, TestName = "round to prepare for shorter precision")]
    [TestCase(Max, Max, One, 0u, false, TestName = "largest finite: overflow flag")]
    [TestCase(Max, Max, One, 0x2000_0000u, true, TestName = "largest finite: overflow traps with the scaled result")]
    [TestCase(MinNormal, HalfUlp, MinNormal, 0u, false, TestName = "smallest normal: underflow flag")]
    [TestCase(MinNormal, HalfUlp, MinNormal, 0x1000_0000u, true, TestName = "smallest normal: underflow traps")]
    [TestCase(One, 0UL, One, 0u, false, TestName = "zeros: division by zero flag")]
    [TestCase(One, 0UL, One, 0x4000_0000u, true, TestName = "zeros: division by zero traps (suppression)")]
    [TestCase(0x8000_0000_0000_0000UL, 0x8000_0000_0000_0000UL, One, 0u, false, TestName = "negative zeros: -0 + -0 = -0 has cc 0 (zero), not 1")]
    [TestCase(SNaN, One, QNaN, 0u, false, TestName = "NaNs: invalid flag")]
    [TestCase(SNaN, One, QNaN, 0x8000_0000u, true, TestName = "NaNs: invalid traps (suppression)")]
    [TestCase(Inf, 0xC000_0000_0000_0000UL, One, 0x0008_0000u, false, TestName = "infinity and a negative square root operand")]
    public void Compiled_BFP_ends_as_the_interpreter(ulong a, ulong b, ulong c, uint fpc, bool traps)
    {
        var (i, j) = Both(a, b, c, fpc);
        Assert.That(i.PswAddr, Is.EqualTo(EngineHarness.DoneWait), "the loop ends");
        Assert.That(i.G[8], traps ? Is.GreaterThanOrEqualTo(20UL) : Is.EqualTo(0UL), "traps taken");
        Assert.That(j.Diff(i), Is.Empty);
    }

    [Test]
    public void BFP_with_the_AFP_register_control_off_is_a_data_exception_in_compiled_code_too()
    {
        var code = Program(out int handler);
        using var x = new EngineHarness();
        using var y = new EngineHarness();
        foreach (var h in new[] { x, y })
        {
            h.Load(code);
            h.PutPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA, EngineHarness.Code + (ulong)handler);
            BinaryPrimitives.WriteUInt64BigEndian(h.Mem(EngineHarness.Scratch, 8), One);
        }
        var (i, j) = (x.Run(EngineHarness.Interpreter()), y.Run(EngineHarness.Jit()));
        Assert.That(i.G[8], Is.GreaterThan(20UL), "every BFP instruction of every iteration traps");
        Assert.That(j.Diff(i), Is.Empty);
    }
}
