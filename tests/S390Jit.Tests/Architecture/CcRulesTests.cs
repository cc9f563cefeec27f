using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

/// <summary>
/// CcRules.Matches tests some rules' operands directly (comparisons, logical subtract, carry of logical add, zero tests):
/// every shortcut must agree with the condition code the rule computes, for every mask.
/// </summary>
public class CcRulesTests
{
    private static readonly ulong[] Values =
    [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_FFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_0000_0001, 0x1234_5678_9ABC_DEF0,
    ];

    [Test]
    public void MatchesAgreesWithComputeForEveryRuleAndMask()
    {
        var b = default(InterpBackend);
        var rnd = new Random(14);
        var values = Values.Concat(Enumerable.Range(0, 24).Select(_ => (ulong)rnd.NextInt64() ^ ((ulong)rnd.Next() << 40))).ToArray();
        int checkedCases = 0;
        foreach (CcOp op in Enum.GetValues<CcOp>())
        {
            if (op == CcOp.Const) continue; // (its operand is the condition code itself)
            foreach (ulong src in values)
                foreach (ulong dst in values)
                {
                    ulong cc = CcRules.Compute(b, op, src, dst);
                    for (int mask = 0; mask < 16; mask++)
                    {
                        ulong expected = ((ulong)mask >> (int)(3 - cc)) & 1;
                        Assert.That(CcRules.Matches(b, op, mask, src, dst), Is.EqualTo(expected),
                            $"{op} src {src:x} dst {dst:x} mask {mask} (cc {cc})");
                        checkedCases++;
                    }
                }
        }
        Assert.That(checkedCases, Is.GreaterThan(10_000));
    }

    [TestCase(CcOp.SubLogical64, 5UL, 7UL, 1UL)]
    [TestCase(CcOp.SubLogical64, 7UL, 7UL, 2UL)]
    [TestCase(CcOp.SubLogical64, 9UL, 7UL, 3UL)]
    [TestCase(CcOp.SubLogical32, 0x1_0000_0005UL, 7UL, 1UL)]
    [TestCase(CcOp.AddLogical64, 0xFFFF_FFFF_FFFF_FFFFUL, 1UL, 2UL)]
    [TestCase(CcOp.AddLogical64, 0xFFFF_FFFF_FFFF_FFFFUL, 2UL, 3UL)]
    [TestCase(CcOp.AddLogical32, 0xFFFF_FFFFUL, 1UL, 2UL)]
    [TestCase(CcOp.AddLogical32, 0x1_0000_0001UL, 1UL, 1UL)]
    public void LogicalRulesFollowThePrinciplesOfOperation(CcOp op, ulong src, ulong dst, ulong cc) =>
        Assert.That(CcRules.Compute(default(InterpBackend), op, src, dst), Is.EqualTo(cc));
}
