using System.Buffers.Binary;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.VectorChecks;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Vector facility, PoO chapter 21 (vector support instructions): loads and stores of partial vectors
/// (length- and block-boundary-limited), zeroed and gathered elements, and the byte- and element-reversing
/// forms of vector enhancements 2. The common whole-vector, element and immediate forms are simple
/// bodies the JIT inlines (<see cref="VectorMoves{B, V}"/>).
/// </summary>
[SemanticBodies]
public static class VectorLoadStore
{
    private static ulong Next(Cpu c, ulong a, ulong n) => (a + n) & c.AddrMask;

    /// <summary>Fetches 16 bytes (both doublewords are fetched before the register changes).</summary>
    internal static Vec Read16(Cpu c, ulong a) => new(c.ReadU64(a), c.ReadU64(Next(c, a, 8)));

    /// <summary>Stores 16 bytes after checking that all of them are accessible.</summary>
    internal static void Write16(Cpu c, ulong a, Vec v)
    {
        c.CheckAccess(a, 16, true);
        c.WriteU64(a, v.H);
        c.WriteU64(Next(c, a, 8), v.L);
    }

    private static ulong ReadElement(Cpu c, ulong a, int es) => es switch
    {
        0 => c.ReadU8(a), 1 => c.ReadU16(a), 2 => c.ReadU32(a), _ => c.ReadU64(a),
    };

    private static void WriteElement(Cpu c, ulong a, int es, ulong v)
    {
        switch (es)
        {
            case 0: c.WriteU8(a, (byte)v); break;
            case 1: c.WriteU16(a, (ushort)v); break;
            case 2: c.WriteU32(a, (uint)v); break;
            default: c.WriteU64(a, v); break;
        }
    }

    /// <summary>Reverses the bytes of an element value of size es (0-3).</summary>
    private static ulong Swap(ulong v, int es) => es switch
    {
        0 => v, 1 => BinaryPrimitives.ReverseEndianness((ushort)v), 2 => BinaryPrimitives.ReverseEndianness((uint)v),
        _ => BinaryPrimitives.ReverseEndianness(v),
    };

    /// <summary>
    /// Loads <paramref name="n"/> bytes (0-16) into the leftmost bytes of V1 and zeros the rest; only the
    /// bytes loaded are accessed (VLL, VLBB, VLRL): a length or block boundary never faults beyond itself.
    /// </summary>
    private static void LoadPartial(Cpu c, int v1, ulong a, int n)
    {
        Vec r = n == 16 ? Read16(c, a) : default;
        for (int k = 0; k < n && n < 16; k++) r.SetB(k, c.ReadU8(Next(c, a, (ulong)k)));
        r.To(c, v1);
    }

    /// <summary>Stores the leftmost <paramref name="n"/> bytes (0-16) of V1 (VSTL, VSTRL).</summary>
    private static void StorePartial(Cpu c, int v1, ulong a, int n)
    {
        if (n == 0) return;
        var v = Vec.Of(c, v1);
        c.CheckAccess(a, (ulong)n, true);
        for (int k = 0; k < n; k++) c.WriteU8(Next(c, a, (ulong)k), v.B(k));
    }

    /// <summary>Length from the rightmost 32 bits of a general register holding the highest byte index: min(index + 1, 16).</summary>
    private static int LengthFromIndex(ulong highestIndex) => (int)Math.Min((ulong)(uint)highestIndex + 1, 16);

    /// <summary>Bytes from an address to the next block boundary of 64 &lt;&lt; M3 bytes (M3 0-6), at most 16.</summary>
    private static int ToBoundary(Cpu c, ulong a, int m3)
    {
        SpecIf(c, m3 > 6);
        ulong block = 64UL << m3;
        return (int)Math.Min(16, block - (a & (block - 1)));
    }

    // ---- partial loads and stores ------------------------------------------------------------
    public static void VLL(Cpu c, ref Insn i) => LoadPartial(c, i.V1, c.Addr(i.B2, i.D2), LengthFromIndex(c.G[i.R3]));
    public static void VSTL(Cpu c, ref Insn i) => StorePartial(c, i.V1, c.Addr(i.B2, i.D2), LengthFromIndex(c.G[i.R3]));

    /// <summary>VLBB: loads up to the next block boundary (the bytes beyond it are zero in V1 and never accessed).</summary>
    public static void VLBB(Cpu c, ref Insn i)
    {
        ulong a = c.Addr(i.X2, i.B2, i.D2);
        LoadPartial(c, i.V1, a, ToBoundary(c, a, i.M3));
    }

    /// <summary>LCBB: bits 32-63 of R1 = bytes to the block boundary (at most 16); cc 0 when 16, else 3.</summary>
    public static void LCBB(Cpu c, ref Insn i)
    {
        int n = ToBoundary(c, c.Addr(i.X2, i.B2, i.D2), i.M3);
        c.SetR32(i.R1, (uint)n);
        c.Cc = n == 16 ? 0 : 3;
    }

    /// <summary>VLRL/VSTRL (vector packed decimal facility): I3 bits 4-7 are the highest byte index, bits 0-3 must be zero.</summary>
    private static int LengthFromI3(Cpu c, long i3)
    {
        SpecIf(c, (i3 & 0xF0) != 0);
        return (int)(i3 & 0xF) + 1;
    }

    /// <summary>VLRL/VLRLR: <paramref name="n"/> bytes into the rightmost bytes of V1, the leftmost bytes zero.</summary>
    private static void LoadRightmost(Cpu c, int v1, ulong a, int n)
    {
        c.CheckAccess(a, (ulong)n, false);
        Vec r = default;
        for (int k = 0; k < n; k++) r.SetB(16 - n + k, c.ReadU8(Next(c, a, (ulong)k)));
        r.To(c, v1);
    }

    /// <summary>VSTRL/VSTRLR: the rightmost <paramref name="n"/> bytes of V1.</summary>
    private static void StoreRightmost(Cpu c, int v1, ulong a, int n)
    {
        var v = Vec.Of(c, v1);
        c.CheckAccess(a, (ulong)n, true);
        for (int k = 0; k < n; k++) c.WriteU8(Next(c, a, (ulong)k), v.B(16 - n + k));
    }

    public static void VLRL(Cpu c, ref Insn i) => LoadRightmost(c, i.V1, c.Addr(i.B2, i.D2), LengthFromI3(c, i.I3));
    public static void VSTRL(Cpu c, ref Insn i) => StoreRightmost(c, i.V1, c.Addr(i.B2, i.D2), LengthFromI3(c, i.I3));
    public static void VLRLR(Cpu c, ref Insn i) => LoadRightmost(c, i.V1, c.Addr(i.B2, i.D2), LengthFromIndex(c.G[i.R3]));
    public static void VSTRLR(Cpu c, ref Insn i) => StoreRightmost(c, i.V1, c.Addr(i.B2, i.D2), LengthFromIndex(c.G[i.R3]));

    // ---- single elements --------------------------------------------------------------------
    private static void LoadElement(Cpu c, ref Insn i, int es, bool reversed = false)
    {
        int idx = Index(c, i.M3, es);
        ulong v = ReadElement(c, c.Addr(i.X2, i.B2, i.D2), es);
        var r = Vec.Of(c, i.V1);
        r.Set(es, idx, reversed ? Swap(v, es) : v);
        r.To(c, i.V1);
    }

    private static void StoreElement(Cpu c, ref Insn i, int es, bool reversed = false)
    {
        int idx = Index(c, i.M3, es);
        ulong v = Vec.Of(c, i.V1).E(es, idx);
        WriteElement(c, c.Addr(i.X2, i.B2, i.D2), es, reversed ? Swap(v, es) : v);
    }

    public static void VLEBRH(Cpu c, ref Insn i) => LoadElement(c, ref i, 1, reversed: true);
    public static void VLEBRF(Cpu c, ref Insn i) => LoadElement(c, ref i, 2, reversed: true);
    public static void VLEBRG(Cpu c, ref Insn i) => LoadElement(c, ref i, 3, reversed: true);
    public static void VSTEBRH(Cpu c, ref Insn i) => StoreElement(c, ref i, 1, reversed: true);
    public static void VSTEBRF(Cpu c, ref Insn i) => StoreElement(c, ref i, 2, reversed: true);
    public static void VSTEBRG(Cpu c, ref Insn i) => StoreElement(c, ref i, 3, reversed: true);

    /// <summary>
    /// VLLEZ/VLLEBRZ: the element goes to the rightmost element of the leftmost doubleword (M3 0-3) or,
    /// with vector enhancements 1, M3 = 6 puts a word into the leftmost word; everything else is zero.
    /// </summary>
    private static void LoadZeroed(Cpu c, ref Insn i, bool reversed)
    {
        int m3 = i.M3;
        int es, idx;
        if (m3 <= 3 && !(reversed && m3 == 0)) { es = m3; idx = (8 >> es) - 1; }
        else if (m3 == 6 && (reversed || Enh1(c))) { es = 2; idx = 0; }
        else throw c.Pgm(PgmCode.Specification);
        ulong v = ReadElement(c, c.Addr(i.X2, i.B2, i.D2), es);
        Vec r = default;
        r.Set(es, idx, reversed ? Swap(v, es) : v);
        r.To(c, i.V1);
    }

    public static void VLLEZ(Cpu c, ref Insn i) => LoadZeroed(c, ref i, reversed: false);
    public static void VLLEBRZ(Cpu c, ref Insn i) => LoadZeroed(c, ref i, reversed: true);

    public static void VLBRREP(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M3, 3, min: 1);
        Vec.Replicate(es, Swap(ReadElement(c, c.Addr(i.X2, i.B2, i.D2), es), es)).To(c, i.V1);
    }

    // ---- byte- and element-reversed whole vectors (vector enhancements 2) --------------------
    /// <summary>Reverses the order of the elements of size es (1-3); with bytes, also the bytes inside each element.</summary>
    private static Vec Reverse(Vec v, int es, bool bytes)
    {
        Vec r = default;
        int n = Vec.Count(es);
        if (es == 4) return bytes ? new Vec(BinaryPrimitives.ReverseEndianness(v.L), BinaryPrimitives.ReverseEndianness(v.H)) : v;
        for (int k = 0; k < n; k++)
            r.Set(es, k, bytes ? Swap(v.E(es, k), es) : v.E(es, n - 1 - k));
        return r;
    }

    /// <summary>VLBR (each element, halfword to quadword, byte-reversed) and VLER (the elements, halfword to doubleword, in reverse order).</summary>
    private static void LoadReversed(Cpu c, ref Insn i, bool bytes)
    {
        int es = Es(c, i.M3, bytes ? 4 : 3, min: 1);
        Reverse(Read16(c, c.Addr(i.X2, i.B2, i.D2)), es, bytes).To(c, i.V1);
    }

    private static void StoreReversed(Cpu c, ref Insn i, bool bytes)
    {
        int es = Es(c, i.M3, bytes ? 4 : 3, min: 1);
        Write16(c, c.Addr(i.X2, i.B2, i.D2), Reverse(Vec.Of(c, i.V1), es, bytes));
    }

    public static void VLBR(Cpu c, ref Insn i) => LoadReversed(c, ref i, bytes: true);
    public static void VSTBR(Cpu c, ref Insn i) => StoreReversed(c, ref i, bytes: true);
    public static void VLER(Cpu c, ref Insn i) => LoadReversed(c, ref i, bytes: false);
    public static void VSTER(Cpu c, ref Insn i) => StoreReversed(c, ref i, bytes: false);

    // ---- gather / scatter --------------------------------------------------------------------
    /// <summary>VGEF/VGEG (table fields: V3 = index vector, M4 = element): element M4 of V3 plus B2 + D2 addresses the element.</summary>
    private static ulong ElementAddress(Cpu c, ref Insn i, int es, out int idx)
    {
        idx = Index(c, i.M4, es);
        return (Vec.Of(c, i.V3).E(es, idx) + c.Addr(i.B2, i.D2)) & c.AddrMask;
    }

    private static void Gather(Cpu c, ref Insn i, int es)
    {
        ulong a = ElementAddress(c, ref i, es, out int idx);
        ulong v = ReadElement(c, a, es);
        var r = Vec.Of(c, i.V1);
        r.Set(es, idx, v);
        r.To(c, i.V1);
    }

    private static void Scatter(Cpu c, ref Insn i, int es)
    {
        ulong a = ElementAddress(c, ref i, es, out int idx);
        WriteElement(c, a, es, Vec.Of(c, i.V1).E(es, idx));
    }

    public static void VGEF(Cpu c, ref Insn i) => Gather(c, ref i, 2);
    public static void VGEG(Cpu c, ref Insn i) => Gather(c, ref i, 3);
    public static void VSCEF(Cpu c, ref Insn i) => Scatter(c, ref i, 2);
    public static void VSCEG(Cpu c, ref Insn i) => Scatter(c, ref i, 3);
}
