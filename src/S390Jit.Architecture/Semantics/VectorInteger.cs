using System.Numerics;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.VectorChecks;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Vector integer instructions (PoO chapter 22): element-wise arithmetic on byte to quadword elements,
/// carries and borrows, averages, minimum/maximum, comparisons with their condition codes, counts,
/// multiplies (low, high, even/odd, with addition, VMSL), sums, checksum, Galois-field multiply sums,
/// the Boolean operations and VTM. Elements are processed as 128-bit values, then truncated to
/// the element size.
/// </summary>
[SemanticBodies]
public static class VectorInteger
{
    private static UInt128 Mask(int w) => w == 128 ? UInt128.MaxValue : (UInt128.One << w) - 1;

    /// <summary>The element value sign-extended from w bits to 128.</summary>
    private static Int128 Sx(UInt128 v, int w) => w == 128 ? (Int128)v : ((Int128)(v << (128 - w))) >> (128 - w);

    /// <summary>V1 element k = f(V2 element k, V3 element k, element width in bits).</summary>
    private static void Map(Cpu c, ref Insn i, int es, Func<UInt128, UInt128, int, UInt128> f)
    {
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), r = default;
        int w = Vec.Bits(es);
        for (int k = 0; k < Vec.Count(es); k++) r.SetQ(es, k, f(a.EQ(es, k), b.EQ(es, k), w) & Mask(w));
        r.To(c, i.V1);
    }

    /// <summary>V1 element k = f(V2 element k, element width in bits).</summary>
    private static void Map1(Cpu c, ref Insn i, int es, Func<UInt128, int, UInt128> f)
    {
        Vec a = Vec.Of(c, i.V2), r = default;
        int w = Vec.Bits(es);
        for (int k = 0; k < Vec.Count(es); k++) r.SetQ(es, k, f(a.EQ(es, k), w) & Mask(w));
        r.To(c, i.V1);
    }

    // ---- add / subtract ----------------------------------------------------------------------
    // VA and VS are simple bodies (VectorMoves)

    /// <summary>Carry out of a + b + carryIn at width w.</summary>
    private static UInt128 CarryOut(UInt128 a, UInt128 b, UInt128 carryIn, int w)
    {
        if (w < 128) return ((a + b + carryIn) >> w) & 1;
        UInt128 s = a + b;
        return (s < a || s + carryIn < s) ? UInt128.One : UInt128.Zero;
    }

    /// <summary>VACC: the carry out of each element addition (0 or 1).</summary>
    public static void VACC(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 4), static (a, b, w) => CarryOut(a, b, 0, w));

    /// <summary>VSCBI: 1 when the subtraction borrows nothing (a &gt;= b unsigned), else 0.</summary>
    public static void VSCBI(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 4), static (a, b, _) => a >= b ? UInt128.One : UInt128.Zero);

    /// <summary>
    /// The quadword-only forms (VAC, VACCC, VSBI, VSBCBI: M5 must be 4): V2 + (V3 or its complement) +
    /// bit 127 of V4; the sum or its carry out.
    /// </summary>
    private static void AddWithCarry(Cpu c, ref Insn i, bool complement, bool carryOnly)
    {
        SpecIf(c, i.M5 != 4);
        UInt128 a = Vec.Of(c, i.V2).Q, b = Vec.Of(c, i.V3).Q, cin = Vec.Of(c, i.V4).Q & 1;
        if (complement) b = ~b;
        Vec.FromQ(carryOnly ? CarryOut(a, b, cin, 128) : a + b + cin).To(c, i.V1);
    }

    public static void VAC(Cpu c, ref Insn i) => AddWithCarry(c, ref i, complement: false, carryOnly: false);
    public static void VACCC(Cpu c, ref Insn i) => AddWithCarry(c, ref i, complement: false, carryOnly: true);
    public static void VSBI(Cpu c, ref Insn i) => AddWithCarry(c, ref i, complement: true, carryOnly: false);
    public static void VSBCBI(Cpu c, ref Insn i) => AddWithCarry(c, ref i, complement: true, carryOnly: true);

    // ---- average, min/max, complement, positive ----------------------------------------------
    /// <summary>VAVG: (a + b + 1) &gt;&gt; 1 on signed elements, without overflow.</summary>
    public static void VAVG(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 3), static (a, b, w) => (UInt128)((Sx(a, w) + Sx(b, w) + 1) >> 1));
    public static void VAVGL(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 3), static (a, b, _) => (a + b + 1) >> 1);
    public static void VMX(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 3), static (a, b, w) => Sx(a, w) >= Sx(b, w) ? a : b);
    public static void VMN(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 3), static (a, b, w) => Sx(a, w) <= Sx(b, w) ? a : b);
    public static void VMXL(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 3), static (a, b, _) => a >= b ? a : b);
    public static void VMNL(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 3), static (a, b, _) => a <= b ? a : b);
    public static void VLC(Cpu c, ref Insn i) => Map1(c, ref i, Es(c, i.M3, 3), static (a, _) => UInt128.Zero - a);
    /// <summary>VLP: absolute value; the maximum negative number stays unchanged.</summary>
    public static void VLP(Cpu c, ref Insn i) => Map1(c, ref i, Es(c, i.M3, 3), static (a, w) => Sx(a, w) < 0 ? UInt128.Zero - a : a);

    // ---- comparisons -------------------------------------------------------------------------
    /// <summary>
    /// VCEQ/VCH/VCHL: elements all ones when the comparison is true, else zero; with the CS flag (M5
    /// bit 3) cc 0 when it is true for all elements, 1 for some, 3 for none.
    /// </summary>
    private static void Compare(Cpu c, ref Insn i, Func<UInt128, UInt128, int, bool> f)
    {
        int es = Es(c, i.M4, 3);
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), r = default;
        int w = Vec.Bits(es), n = Vec.Count(es), hits = 0;
        for (int k = 0; k < n; k++)
            if (f(a.EQ(es, k), b.EQ(es, k), w)) { r.Set(es, k, ulong.MaxValue); hits++; }
        r.To(c, i.V1);
        if ((i.M5 & 1) != 0) c.Cc = AllMixedNone(hits > 0, hits == n);
    }

    public static void VCEQ(Cpu c, ref Insn i) => Compare(c, ref i, static (a, b, _) => a == b);
    public static void VCH(Cpu c, ref Insn i) => Compare(c, ref i, static (a, b, w) => Sx(a, w) > Sx(b, w));
    public static void VCHL(Cpu c, ref Insn i) => Compare(c, ref i, static (a, b, _) => a > b);

    /// <summary>VEC/VECL: compares element (count/2 - 1) of V1 with that of V2: cc 0 equal, 1 first low, 2 first high.</summary>
    private static void CompareScalar(Cpu c, ref Insn i, bool signed)
    {
        int es = Es(c, i.M3, 3);
        int k = Vec.Count(es) / 2 - 1;
        Vec a = Vec.Of(c, i.V1), b = Vec.Of(c, i.V2);
        int cmp = signed ? a.S(es, k).CompareTo(b.S(es, k)) : a.E(es, k).CompareTo(b.E(es, k));
        c.Cc = cmp == 0 ? 0 : cmp < 0 ? 1 : 2;
    }

    public static void VEC(Cpu c, ref Insn i) => CompareScalar(c, ref i, signed: true);
    public static void VECL(Cpu c, ref Insn i) => CompareScalar(c, ref i, signed: false);

    // ---- counts ------------------------------------------------------------------------------
    public static void VCLZ(Cpu c, ref Insn i) => Map1(c, ref i, Es(c, i.M3, 3), static (a, w) => UInt128.LeadingZeroCount(a) - (UInt128)(128 - w));
    public static void VCTZ(Cpu c, ref Insn i) => Map1(c, ref i, Es(c, i.M3, 3), static (a, w) => a == 0 ? (UInt128)w : UInt128.TrailingZeroCount(a));

    /// <summary>VPOPCT: bytes only, unless vector enhancements 1 is installed (halfword to doubleword counts).</summary>
    public static void VPOPCT(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M3, 3);
        SpecIf(c, es != 0 && !Enh1(c));
        Map1(c, ref i, es, static (a, _) => UInt128.PopCount(a));
    }

    // ---- multiply ----------------------------------------------------------------------------
    /// <summary>VML: low half of each product; VMH/VMLH: high half of the signed/unsigned product.</summary>
    public static void VML(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 2), static (a, b, _) => a * b);
    public static void VMH(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 2), static (a, b, w) => (UInt128)((Sx(a, w) * Sx(b, w)) >> w));
    public static void VMLH(Cpu c, ref Insn i) => Map(c, ref i, Es(c, i.M4, 2), static (a, b, w) => (a * b) >> w);

    /// <summary>VMAL/VMAH/VMALH: V2 * V3 + V4 per element (M5 byte to word); the low half, or the high half signed or unsigned.</summary>
    private static void MultiplyAdd(Cpu c, ref Insn i, int half)
    {
        int es = Es(c, i.M5, 2);
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), d = Vec.Of(c, i.V4), r = default;
        int w = Vec.Bits(es);
        for (int k = 0; k < Vec.Count(es); k++)
        {
            UInt128 v = half switch
            {
                0 => a.EQ(es, k) * b.EQ(es, k) + d.EQ(es, k),
                1 => (UInt128)((Sx(a.EQ(es, k), w) * Sx(b.EQ(es, k), w) + Sx(d.EQ(es, k), w)) >> w),
                _ => (a.EQ(es, k) * b.EQ(es, k) + d.EQ(es, k)) >> w,
            };
            r.SetQ(es, k, v & Mask(w));
        }
        r.To(c, i.V1);
    }

    public static void VMAL(Cpu c, ref Insn i) => MultiplyAdd(c, ref i, 0);
    public static void VMAH(Cpu c, ref Insn i) => MultiplyAdd(c, ref i, 1);
    public static void VMALH(Cpu c, ref Insn i) => MultiplyAdd(c, ref i, 2);

    /// <summary>
    /// VME/VMLE/VMO/VMLO (and with addend VMAE/VMALE/VMAO/VMALO): the even- or odd-indexed elements
    /// multiplied into double-width products (plus the double-width elements of V4).
    /// </summary>
    private static void MultiplyWide(Cpu c, ref Insn i, int es, bool odd, bool signed, bool add)
    {
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), d = add ? Vec.Of(c, i.V4) : default, r = default;
        int w = Vec.Bits(es);
        for (int k = 0; k < Vec.Count(es + 1); k++)
        {
            int e = 2 * k + (odd ? 1 : 0);
            UInt128 p = signed ? (UInt128)(Sx(a.EQ(es, e), w) * Sx(b.EQ(es, e), w)) : a.EQ(es, e) * b.EQ(es, e);
            if (add) p += signed ? (UInt128)Sx(d.EQ(es + 1, k), 2 * w) : d.EQ(es + 1, k);
            r.SetQ(es + 1, k, p & Mask(2 * w));
        }
        r.To(c, i.V1);
    }

    public static void VME(Cpu c, ref Insn i) => MultiplyWide(c, ref i, Es(c, i.M4, 2), odd: false, signed: true, add: false);
    public static void VMLE(Cpu c, ref Insn i) => MultiplyWide(c, ref i, Es(c, i.M4, 2), odd: false, signed: false, add: false);
    public static void VMO(Cpu c, ref Insn i) => MultiplyWide(c, ref i, Es(c, i.M4, 2), odd: true, signed: true, add: false);
    public static void VMLO(Cpu c, ref Insn i) => MultiplyWide(c, ref i, Es(c, i.M4, 2), odd: true, signed: false, add: false);
    public static void VMAE(Cpu c, ref Insn i) => MultiplyWide(c, ref i, Es(c, i.M5, 2), odd: false, signed: true, add: true);
    public static void VMALE(Cpu c, ref Insn i) => MultiplyWide(c, ref i, Es(c, i.M5, 2), odd: false, signed: false, add: true);
    public static void VMAO(Cpu c, ref Insn i) => MultiplyWide(c, ref i, Es(c, i.M5, 2), odd: true, signed: true, add: true);
    public static void VMALO(Cpu c, ref Insn i) => MultiplyWide(c, ref i, Es(c, i.M5, 2), odd: true, signed: false, add: true);

    /// <summary>
    /// VMSL (vector enhancements 1, doublewords only: M5 = 3): the two unsigned 128-bit products of the
    /// doubleword pairs, each doubled when its M6 flag (bit 0 even, bit 1 odd) is set, plus V4, modulo 2^128.
    /// </summary>
    public static void VMSL(Cpu c, ref Insn i)
    {
        SpecIf(c, i.M5 != 3);
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3);
        UInt128 even = (UInt128)a.H * b.H, odd = (UInt128)a.L * b.L;
        if ((i.M6 & 8) != 0) even <<= 1;
        if ((i.M6 & 4) != 0) odd <<= 1;
        Vec.FromQ(even + odd + Vec.Of(c, i.V4).Q).To(c, i.V1);
    }

    // ---- sums and checksum -------------------------------------------------------------------
    /// <summary>
    /// VSUM/VSUMG/VSUMQ: each result element (word, doubleword, quadword) is the sum of the V2 elements
    /// it spans plus the rightmost V3 element it spans, modulo its size.
    /// </summary>
    private static void Sum(Cpu c, ref Insn i, int es, int to)
    {
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), r = default;
        int per = 1 << (to - es);
        for (int k = 0; k < Vec.Count(to); k++)
        {
            UInt128 s = b.EQ(es, (k + 1) * per - 1);
            for (int e = k * per; e < (k + 1) * per; e++) s += a.EQ(es, e);
            r.SetQ(to, k, s & Mask(Vec.Bits(to)));
        }
        r.To(c, i.V1);
    }

    public static void VSUM(Cpu c, ref Insn i) => Sum(c, ref i, Es(c, i.M4, 1), 2);
    public static void VSUMG(Cpu c, ref Insn i) => Sum(c, ref i, Es(c, i.M4, 2, min: 1), 3);
    public static void VSUMQ(Cpu c, ref Insn i) => Sum(c, ref i, Es(c, i.M4, 3, min: 2), 4);

    /// <summary>VCKSM: word 1 of V3 plus the four words of V2 with end-around carry, in word 1 of V1; the other words zero.</summary>
    public static void VCKSM(Cpu c, ref Insn i)
    {
        Vec a = Vec.Of(c, i.V2);
        ulong s = Vec.Of(c, i.V3).E(2, 1);
        for (int k = 0; k < 4; k++)
        {
            s += a.E(2, k);
            s = (s & 0xFFFF_FFFF) + (s >> 32);
        }
        new Vec(s & 0xFFFF_FFFF, 0).To(c, i.V1);
    }

    // ---- Galois field multiply sum -----------------------------------------------------------
    /// <summary>Carry-less product of two values of up to 64 bits.</summary>
    private static UInt128 ClMul(ulong a, ulong b)
    {
        UInt128 r = 0;
        for (int k = 0; b != 0; k++, b >>= 1)
            if ((b & 1) != 0) r ^= (UInt128)a << k;
        return r;
    }

    /// <summary>VGFM/VGFMA: each double-width element is clmul(even pair) xor clmul(odd pair) (xor the V4 element).</summary>
    private static void GaloisMultiplySum(Cpu c, ref Insn i, int es, bool accumulate)
    {
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), d = accumulate ? Vec.Of(c, i.V4) : default, r = default;
        for (int k = 0; k < Vec.Count(es + 1); k++)
        {
            UInt128 v = ClMul(a.E(es, 2 * k), b.E(es, 2 * k)) ^ ClMul(a.E(es, 2 * k + 1), b.E(es, 2 * k + 1));
            if (accumulate) v ^= d.EQ(es + 1, k);
            r.SetQ(es + 1, k, v);
        }
        r.To(c, i.V1);
    }

    public static void VGFM(Cpu c, ref Insn i) => GaloisMultiplySum(c, ref i, Es(c, i.M4, 3), accumulate: false);
    public static void VGFMA(Cpu c, ref Insn i) => GaloisMultiplySum(c, ref i, Es(c, i.M5, 3), accumulate: true);

    // ---- Boolean (VN, VO, VX, VNC, VNO, VNN, VOC, VNX are simple bodies: VectorMoves) ----
    /// <summary>VTM: the bits of V1 selected by V2: cc 0 all zero (or no bit selected), 1 mixed, 3 all one.</summary>
    public static void VTM(Cpu c, ref Insn i)
    {
        Vec v = Vec.Of(c, i.V1), m = Vec.Of(c, i.V2);
        UInt128 sel = v.Q & m.Q;
        c.Cc = sel == 0 ? 0 : sel == m.Q ? 3 : 1;
    }
}
