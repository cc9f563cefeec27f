using S390Jit.Architecture.Isa;

namespace S390Jit.Tests.Execution;

/// <summary>
/// CLC is one generic body (chunks of up to 8 bytes, the leftmost unequal chunk decides): its
/// condition code must be the byte-by-byte comparison's for every length and difference position,
/// with the second operand crossing a page, and the JIT must agree with the interpreter in
/// state and cycles.
/// </summary>
public class ClcTests
{
    private static readonly int[] Lengths = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 24, 31, 33, 64, 255, 256];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (int n in Lengths)
            foreach (int pos in new[] { -1, 0, n / 2, n - 1 }.Distinct())
                foreach (bool firstLow in pos < 0 ? new[] { false } : new[] { true, false })
                    yield return new TestCaseData(n, pos, firstLow).SetName($"CLC length {n}, difference at {(pos < 0 ? "none" : pos.ToString())}{(pos < 0 ? "" : firstLow ? ", first low" : ", first high")}");
    }

    [TestCaseSource(nameof(Cases))]
    public void Condition_code_is_the_byte_comparison(int n, int pos, bool firstLow)
    {
        const ulong op1 = EngineHarness.Scratch + 0x100;
        ulong op2 = EngineHarness.Scratch + 0x1000 - (ulong)(n / 2); // crosses the page at Scratch + 0x1000
        var a = new byte[n];
        for (int k = 0; k < n; k++) a[k] = (byte)(0x41 + k * 7);
        var b = (byte[])a.Clone();
        if (pos >= 0)
        {
            a[pos] = firstLow ? (byte)0x10 : (byte)0xF0;
            b[pos] = firstLow ? (byte)0xF0 : (byte)0x10;
            // a later difference the other way must not matter
            if (pos + 1 < n) { a[pos + 1] = firstLow ? (byte)0xFF : (byte)0x00; b[pos + 1] = firstLow ? (byte)0x00 : (byte)0xFF; }
        }
        int expected = pos < 0 ? 0 : firstLow ? 1 : 2;
        var code = new[]
        {
            Assembler.Encode("LGFI", r1: 5, i2: (long)op1),
            Assembler.Encode("LGFI", r1: 6, i2: (long)op2),
            Assembler.Encode("CLC", l1: n - 1, b1: 5, d1: 0, b2: 6, d2: 0),
            Assembler.Encode("IPM", r1: 2), // the final LPSWE replaces the PSW's cc
        }.SelectMany(x => x).ToArray();

        CpuSnapshot Run(bool jit)
        {
            using var h = new EngineHarness();
            a.CopyTo(h.Mem(op1, n));
            b.CopyTo(h.Mem(op2, n));
            h.Load(code);
            return h.Run(jit ? EngineHarness.Jit() : EngineHarness.Interpreter());
        }
        var si = Run(false);
        var sj = Run(true);
        Assert.That(si.PgmCode, Is.EqualTo(0));
        Assert.That((int)(si.G[2] >> 28) & 3, Is.EqualTo(expected));
        Assert.That(sj.Diff(si), Is.Empty);
    }
}
