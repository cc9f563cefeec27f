using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// The value of one 128-bit vector register: <see cref="H"/> holds bits 0-63, <see cref="L"/> bits 64-127.
/// Elements are numbered from the left as in the PoO: element i of size es (0 byte, 1 halfword,
/// 2 word, 3 doubleword, 4 quadword) occupies bits i*w .. i*w+w-1 with w = 8 &lt;&lt; es.
/// </summary>
public struct Vec
{
    public ulong H, L;

    public Vec(ulong h, ulong l) { H = h; L = l; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec Of(Cpu c, int r) => new(c.V[2 * r], c.V[2 * r + 1]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void To(Cpu c, int r) { c.V[2 * r] = H; c.V[2 * r + 1] = L; }

    /// <summary>Number of elements of size <paramref name="es"/> in a vector.</summary>
    public static int Count(int es) => 16 >> es;
    /// <summary>Element width in bits.</summary>
    public static int Bits(int es) => 8 << es;
    /// <summary>All-ones value of an element (es 0-3).</summary>
    public static ulong Ones(int es) => es >= 3 ? ulong.MaxValue : (1UL << (8 << es)) - 1;

    /// <summary>Element <paramref name="i"/> of size <paramref name="es"/> (0-3), zero-extended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong E(int es, int i)
    {
        int perDw = 8 >> es;
        ulong d = i < perDw ? H : L;
        if (es == 3) return d;
        int w = 8 << es;
        return (d >> (64 - w * ((i & (perDw - 1)) + 1))) & ((1UL << w) - 1);
    }

    /// <summary>Element <paramref name="i"/> of size <paramref name="es"/> (0-3), sign-extended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly long S(int es, int i)
    {
        int sh = 64 - (8 << es);
        return (long)(E(es, i) << sh) >> sh;
    }

    /// <summary>Sets element <paramref name="i"/> of size <paramref name="es"/> (0-3) to the rightmost bits of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int es, int i, ulong v)
    {
        int perDw = 8 >> es;
        if (es == 3) { if (i == 0) H = v; else L = v; return; }
        int w = 8 << es;
        int sh = 64 - w * ((i & (perDw - 1)) + 1);
        ulong m = ((1UL << w) - 1) << sh;
        if (i < perDw) H = (H & ~m) | ((v << sh) & m);
        else L = (L & ~m) | ((v << sh) & m);
    }

    public readonly byte B(int i) => (byte)E(0, i);
    public void SetB(int i, ulong v) => Set(0, i, v);

    /// <summary>The whole register as one unsigned 128-bit integer.</summary>
    public UInt128 Q
    {
        readonly get => new(H, L);
        set { H = (ulong)(value >> 64); L = (ulong)value; }
    }

    public static Vec FromQ(UInt128 q) => new((ulong)(q >> 64), (ulong)q);

    /// <summary>Element of any size 0-4 as a 128-bit value (zero-extended).</summary>
    public readonly UInt128 EQ(int es, int i) => es == 4 ? Q : E(es, i);
    public void SetQ(int es, int i, UInt128 v) { if (es == 4) Q = v; else Set(es, i, (ulong)v); }

    /// <summary>The element value replicated into every element of its size.</summary>
    public static Vec Replicate(int es, ulong v)
    {
        ulong d = v & Ones(es);
        for (int w = 8 << es; w < 64; w <<= 1) d |= d << w;
        return new Vec(d, d);
    }

    public override readonly string ToString() => $"{H:x16}{L:x16}";
}

/// <summary>Checks and helpers every vector body shares (element sizes, element indexes, facility-dependent forms).</summary>
public static class VectorChecks
{
    /// <summary>An element-size field: specification exception unless it is at most <paramref name="max"/> (and at least <paramref name="min"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Es(Cpu c, int m, int max, int min = 0)
    {
        if (m > max || m < min) throw c.Pgm(PgmCode.Specification);
        return m;
    }

    /// <summary>An element index taken from an M field: specification exception when it does not designate an element of size es.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Index(Cpu c, int m, int es)
    {
        if (m >= Vec.Count(es)) throw c.Pgm(PgmCode.Specification);
        return m;
    }

    /// <summary>Specification exception when <paramref name="bad"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SpecIf(Cpu c, bool bad)
    {
        if (bad) throw c.Pgm(PgmCode.Specification);
    }

    public static bool Enh1(Cpu c) => c.HasFacility(Fac.VectorEnh1);
    public static bool Enh2(Cpu c) => c.HasFacility(Fac.VectorEnh2);

    /// <summary>
    /// Condition code of a vector comparison result with all-ones (true) or all-zero (false) elements:
    /// 0 all true, 1 mixed, 3 all false.
    /// </summary>
    public static int AllMixedNone(bool any, bool all) => all ? 0 : any ? 1 : 3;
}
