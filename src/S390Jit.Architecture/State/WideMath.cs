using System.Numerics;

namespace S390Jit.Architecture.State;

/// <summary>
/// 128-bit by 64-bit division without <see cref="UInt128"/>: crossgen2 leaves every method that calls UInt128's
/// operators to RyuJIT ("ABI unstable type"), so a hot body using them is compiled at run time (perf/startup.md).
/// </summary>
public static class WideMath
{
    /// <summary>
    /// (<paramref name="hi"/>·2⁶⁴ + <paramref name="lo"/>) / <paramref name="divisor"/> and its remainder; the quotient must fit
    /// 64 bits: <paramref name="hi"/> &lt; <paramref name="divisor"/> (the caller checks). In 32-bit digits (Knuth's algorithm D
    /// for a two-digit divisor, as Hacker's Delight's divlu): the divisor is normalised so that each quotient digit estimate
    /// is at most two too large. (X86Base.X64.DivRem, one instruction, is still an evaluation-only API.)
    /// </summary>
    public static ulong DivRem(ulong hi, ulong lo, ulong divisor, out ulong remainder)
    {
        if (hi == 0) { remainder = lo % divisor; return lo / divisor; } // (a 64-bit dividend: the host's one division)
        const ulong b = 1UL << 32;
        int s = BitOperations.LeadingZeroCount(divisor);
        ulong v = divisor << s;
        ulong vn1 = v >> 32, vn0 = v & 0xFFFF_FFFF;
        ulong un32 = s == 0 ? hi : (hi << s) | (lo >> (64 - s));
        ulong un10 = lo << s;
        ulong un1 = un10 >> 32, un0 = un10 & 0xFFFF_FFFF;
        ulong q1 = un32 / vn1, rhat = un32 - q1 * vn1;
        while (q1 >= b || q1 * vn0 > b * rhat + un1)
        {
            q1--;
            rhat += vn1;
            if (rhat >= b) break;
        }
        ulong un21 = un32 * b + un1 - q1 * v;
        ulong q0 = un21 / vn1;
        rhat = un21 - q0 * vn1;
        while (q0 >= b || q0 * vn0 > b * rhat + un0)
        {
            q0--;
            rhat += vn1;
            if (rhat >= b) break;
        }
        remainder = (un21 * b + un0 - q0 * v) >> s;
        return q1 * b + q0;
    }

    /// <summary>The low 64 bits of (<paramref name="hi"/>·2⁶⁴ + <paramref name="lo"/>) / <paramref name="divisor"/> (any hi).</summary>
    public static ulong DivLow(ulong hi, ulong lo, ulong divisor) => DivRem(hi % divisor, lo, divisor, out _);
}
