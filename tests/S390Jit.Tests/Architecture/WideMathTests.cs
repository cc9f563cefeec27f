using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

/// <summary>WideMath's 128/64 division (used instead of UInt128, which keeps methods out of ReadyToRun) against UInt128.</summary>
public class WideMathTests
{
    private static void Check(ulong hi, ulong lo, ulong d)
    {
        UInt128 n = ((UInt128)hi << 64) | lo;
        ulong q = WideMath.DivRem(hi % d, lo, d, out ulong r);
        UInt128 low = ((UInt128)(hi % d) << 64) | lo;
        Assert.That((q, r), Is.EqualTo(((ulong)(low / d), (ulong)(low % d))), $"{hi:x}:{lo:x} / {d:x}");
        Assert.That(WideMath.DivLow(hi, lo, d), Is.EqualTo((ulong)(n / d)), $"low quotient of {hi:x}:{lo:x} / {d:x}");
    }

    [Test]
    public void Division_matches_UInt128()
    {
        ulong[] edges = [1, 2, 3, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0001, 0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, ulong.MaxValue, ulong.MaxValue - 1, 5200, 4096];
        foreach (ulong d in edges)
            foreach (ulong hi in edges.Append(0UL))
                foreach (ulong lo in edges.Append(0UL))
                    Check(hi, lo, d);
        var rng = new Random(12345);
        for (int i = 0; i < 200_000; i++)
        {
            ulong d = (ulong)rng.NextInt64() >> rng.Next(64) | (ulong)rng.Next(2) << 63;
            if (d == 0) d = 1;
            Check((ulong)rng.NextInt64() * 3, (ulong)rng.NextInt64() * 5, d);
        }
    }

    [TestCase(0UL, 5200u)]
    [TestCase(123_456_789_012UL, 5200u)]
    [TestCase(ulong.MaxValue, 5200u)]
    [TestCase(ulong.MaxValue, 1u)]
    [TestCase(0x0010_0000_0000_0001UL, 7u)]
    public void Tod_is_cycles_times_4096_over_mhz(ulong cycles, uint mhz)
    {
        var clock = new CpuClock(mhz, 1000);
        Assert.That(clock.TodAt(cycles), Is.EqualTo(1000 + (ulong)((UInt128)cycles * 4096 / mhz)));
    }
}
