using System.Numerics;
using System.Runtime.CompilerServices;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Value helpers of the semantic bodies and backends that have no single backend operation:
/// the 128-bit product's high half, per-byte population count, bit ranges, the condition-code
/// mask test and the fixed-point-overflow interruption (taken when the PSW program mask enables it).
/// </summary>
public static class Alu
{
    /// <summary>High 64 bits of the unsigned 128-bit product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MulHighU(ulong a, ulong b) => Math.BigMul(a, b, out _);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void FixedOverflow(Cpu c)
    {
        if ((c.PswMask & Psw.FixedOverflowMask) != 0) throw c.Pgm(PgmCode.FixedPointOverflow);
    }

    /// <summary>Condition-code mask test used by branches and on-condition instructions (mask 8 = cc 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CcMatches(Cpu c, int mask) => mask != 0 && (mask == 15 || (mask & (8 >> c.Cc)) != 0);

    /// <summary>Bit mask of positions start..end (IBM numbering, 0 = leftmost), wrapping when start &gt; end.</summary>
    public static ulong MaskRange(int start, int end) =>
        start <= end ? (~0UL >> start) & (~0UL << (63 - end)) : (~0UL >> start) | (~0UL << (63 - end));

    public static ulong PopCountBytes(ulong v)
    {
        ulong r = 0;
        for (int b = 0; b < 8; b++) r |= (ulong)BitOperations.PopCount((v >> (8 * b)) & 0xFF) << (8 * b);
        return r;
    }
}
