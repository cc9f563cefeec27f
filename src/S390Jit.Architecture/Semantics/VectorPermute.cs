using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.VectorChecks;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Vector support instructions that rearrange elements: permute, merge, pack (with saturation and its
/// condition code), unpack, select and sign extension. Every body reads its operands completely before
/// writing V1, so V1 may be any of the sources.
/// </summary>
[SemanticBodies]
public static class VectorPermute
{
    /// <summary>VPERM: byte k of V1 is byte (V4 byte k &amp; 31) of the 32-byte concatenation V2 || V3.</summary>
    public static void VPERM(Cpu c, ref Insn i)
    {
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), s = Vec.Of(c, i.V4), r = default;
        for (int k = 0; k < 16; k++)
        {
            int sel = s.B(k) & 31;
            r.SetB(k, sel < 16 ? a.B(sel) : b.B(sel - 16));
        }
        r.To(c, i.V1);
    }

    /// <summary>VBPERM (vector enhancements 1): bit k of halfword 3 is bit (V3 byte k) of V2, or 0 when that index is 128 or more.</summary>
    public static void VBPERM(Cpu c, ref Insn i)
    {
        Vec a = Vec.Of(c, i.V2), s = Vec.Of(c, i.V3);
        ulong bits = 0;
        for (int k = 0; k < 16; k++)
        {
            int n = s.B(k);
            if (n < 128 && ((a.B(n >> 3) >> (7 - (n & 7))) & 1) != 0) bits |= 0x8000UL >> k;
        }
        new Vec(bits, 0).To(c, i.V1);
    }

    /// <summary>VPDI: doubleword (M4 bit 1) of V2 and doubleword (M4 bit 3) of V3.</summary>
    public static void VPDI(Cpu c, ref Insn i)
    {
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3);
        new Vec((i.M4 & 4) != 0 ? a.L : a.H, (i.M4 & 1) != 0 ? b.L : b.H).To(c, i.V1);
    }

    /// <summary>VMRH/VMRL: the elements of the left (right) halves of V2 and V3, interleaved.</summary>
    private static void Merge(Cpu c, ref Insn i, bool low)
    {
        int es = Es(c, i.M4, 3);
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), r = default;
        int n = Vec.Count(es), from = low ? n / 2 : 0;
        for (int k = 0; k < n / 2; k++)
        {
            r.Set(es, 2 * k, a.E(es, from + k));
            r.Set(es, 2 * k + 1, b.E(es, from + k));
        }
        r.To(c, i.V1);
    }

    public static void VMRH(Cpu c, ref Insn i) => Merge(c, ref i, low: false);
    public static void VMRL(Cpu c, ref Insn i) => Merge(c, ref i, low: true);

    private enum PackKind { Truncate, Signed, Logical }

    /// <summary>
    /// VPK/VPKS/VPKLS: the elements of V2 || V3 (size M4, halfword to doubleword) narrowed to half size,
    /// with signed or unsigned saturation; with the CS flag (M5 bit 3) the condition code tells
    /// whether none (0), some (1) or all (3) elements saturated.
    /// </summary>
    private static void Pack(Cpu c, ref Insn i, PackKind kind)
    {
        int es = Es(c, i.M4, 3, min: 1), to = es - 1;
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), r = default;
        int n = Vec.Count(es), w = Vec.Bits(to), saturated = 0;
        long max = (1L << (w - 1)) - 1, min = -(1L << (w - 1));
        ulong umax = Vec.Ones(to);
        for (int k = 0; k < 2 * n; k++)
        {
            Vec src = k < n ? a : b;
            int e = k < n ? k : k - n;
            ulong v = src.E(es, e);
            switch (kind)
            {
                case PackKind.Signed:
                    long s = src.S(es, e);
                    if (s > max) { v = (ulong)max; saturated++; }
                    else if (s < min) { v = (ulong)min; saturated++; }
                    break;
                case PackKind.Logical:
                    if (v > umax) { v = umax; saturated++; }
                    break;
            }
            r.Set(to, k, v);
        }
        r.To(c, i.V1);
        if (kind != PackKind.Truncate && (i.M5 & 1) != 0) c.Cc = saturated == 2 * n ? 3 : saturated != 0 ? 1 : 0;
    }

    public static void VPK(Cpu c, ref Insn i) => Pack(c, ref i, PackKind.Truncate);
    public static void VPKS(Cpu c, ref Insn i) => Pack(c, ref i, PackKind.Signed);
    public static void VPKLS(Cpu c, ref Insn i) => Pack(c, ref i, PackKind.Logical);

    /// <summary>VUPH/VUPL/VUPLH/VUPLL: the left (high) or right (low) half of V2's elements (M3 byte to word), widened signed or logical.</summary>
    private static void Unpack(Cpu c, ref Insn i, bool low, bool logical)
    {
        int es = Es(c, i.M3, 2);
        Vec a = Vec.Of(c, i.V2), r = default;
        int half = Vec.Count(es) / 2, from = low ? half : 0;
        for (int k = 0; k < half; k++)
            r.Set(es + 1, k, logical ? a.E(es, from + k) : (ulong)a.S(es, from + k));
        r.To(c, i.V1);
    }

    public static void VUPH(Cpu c, ref Insn i) => Unpack(c, ref i, low: false, logical: false);
    public static void VUPL(Cpu c, ref Insn i) => Unpack(c, ref i, low: true, logical: false);
    public static void VUPLH(Cpu c, ref Insn i) => Unpack(c, ref i, low: false, logical: true);
    public static void VUPLL(Cpu c, ref Insn i) => Unpack(c, ref i, low: true, logical: true);

    /// <summary>VSEL: bits of V2 where V4 has ones, bits of V3 where it has zeros.</summary>
    public static void VSEL(Cpu c, ref Insn i)
    {
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), m = Vec.Of(c, i.V4);
        new Vec((a.H & m.H) | (b.H & ~m.H), (a.L & m.L) | (b.L & ~m.L)).To(c, i.V1);
    }

    /// <summary>VSEG: the rightmost element (byte to word) of each doubleword of V2, sign-extended to the doubleword.</summary>
    public static void VSEG(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M3, 2);
        Vec a = Vec.Of(c, i.V2);
        int per = 8 >> es;
        new Vec((ulong)a.S(es, per - 1), (ulong)a.S(es, 2 * per - 1)).To(c, i.V1);
    }
}
