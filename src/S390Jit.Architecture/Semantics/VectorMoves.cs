using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// The vector instructions compilers emit most, as simple bodies the JIT inlines: whole-vector loads and
/// stores (VL, VST, VLM, VSTM; alignment hints never change the result), VLR, element loads and stores,
/// element moves between general and vector registers, immediates and masks (VLEI*, VGBM, VGM, VREPI),
/// replication (VREP, VLREP), the Boolean operations and modular add/subtract. Every body is 64-bit
/// operations on the doublewords of the registers (<see cref="IBackend{V}.VD"/>); element geometry,
/// element-size and element-index checks depend on instruction fields only and are decided at translation.
/// Storage is accessed in the order of the PoO's operand: every byte of a load is fetched before the
/// register changes, and a store checks its whole operand first.
/// </summary>
[SemanticBodies]
public static class VectorMoves<B, V> where B : struct, IBackend<V>
{
    private const ulong AllOnes = ulong.MaxValue;

    /// <summary>(a + n) wrapped to the addressing mode.</summary>
    private static V Next(B b, V a, ulong n) => b.And(b.Add(a, b.Const(n)), b.Const(b.AddrMask));

    /// <summary>The doubleword holding element idx of size es (0-3), and the element's shift from bit 63 of it.</summary>
    private static int Half(int es, int idx) => idx >= (8 >> es) ? 1 : 0;
    private static int Shift(int es, int idx) => 64 - (8 << es) * ((idx & ((8 >> es) - 1)) + 1);

    /// <summary>Element idx of size es of VR v, zero-extended.</summary>
    private static V GetE(B b, int v, int es, int idx)
    {
        V d = b.VD(v, Half(es, idx));
        return es == 3 ? d : b.And(b.ShrU(d, b.Const((ulong)Shift(es, idx))), b.Const(Vec.Ones(es)));
    }

    /// <summary>Sets element idx of size es of VR v to the rightmost bits of x.</summary>
    private static void SetE(B b, int v, int es, int idx, V x)
    {
        int h = Half(es, idx);
        if (es == 3) { b.SetVD(v, h, x); return; }
        int sh = Shift(es, idx);
        ulong m = Vec.Ones(es) << sh;
        b.SetVD(v, h, b.Or(b.And(b.VD(v, h), b.Const(~m)), b.And(b.Shl(x, b.Const((ulong)sh)), b.Const(m))));
    }

    /// <summary>The rightmost element-size bits of x replicated into every element of a doubleword.</summary>
    private static V Replicate(B b, int es, V x) =>
        b.Mul(b.And(x, b.Const(Vec.Ones(es))), b.Const(es switch { 0 => 0x0101_0101_0101_0101UL, 1 => 0x0001_0001_0001_0001UL, 2 => 0x0000_0001_0000_0001UL, _ => 1 }));

    private static void SetBoth(B b, int v, V h, V l) { b.SetVD(v, 0, h); b.SetVD(v, 1, l); }

    /// <summary>Specification exception (decided by instruction fields): raises and tells the body to stop.</summary>
    private static bool Spec(B b, bool bad)
    {
        if (bad) b.Raise(PgmCode.Specification);
        return bad;
    }

    // ---- whole vectors -----------------------------------------------------------------------
    public static void VL(B b, ref Insn i)
    {
        V a = b.Addr(i.X2, i.B2, i.D2);
        V h = b.Load(8, a), l = b.Load(8, Next(b, a, 8));
        SetBoth(b, i.V1, h, l);
    }

    public static void VST(B b, ref Insn i)
    {
        V a = b.Addr(i.X2, i.B2, i.D2);
        b.Probe(a, 16, true);
        b.Store(8, a, b.VD(i.V1, 0));
        b.Store(8, Next(b, a, 8), b.VD(i.V1, 1));
    }

    public static void VLR(B b, ref Insn i) => SetBoth(b, i.V1, b.VD(i.V2, 0), b.VD(i.V2, 1));

    /// <summary>VLM V1,V3,D2(B2): registers V1..V3 (V3 is the table's V2 field), at most 16 of them, all fetched before any changes.</summary>
    public static void VLM(B b, ref Insn i)
    {
        int first = i.V1, last = i.V2;
        if (Spec(b, last < first || last - first >= 16)) return;
        V a = b.Addr(0, i.B2, i.D2);
        int n = last - first + 1;
        var t = new V[2 * n];
        for (int k = 0; k < 2 * n; k++) t[k] = b.Load(8, k == 0 ? a : Next(b, a, (ulong)(8 * k)));
        for (int k = 0; k < n; k++) SetBoth(b, first + k, t[2 * k], t[2 * k + 1]);
    }

    public static void VSTM(B b, ref Insn i)
    {
        int first = i.V1, last = i.V2;
        if (Spec(b, last < first || last - first >= 16)) return;
        V a = b.Addr(0, i.B2, i.D2);
        int n = last - first + 1;
        b.Probe(a, 16 * n, true);
        for (int k = 0; k < 2 * n; k++) b.Store(8, k == 0 ? a : Next(b, a, (ulong)(8 * k)), b.VD(first + k / 2, k & 1));
    }

    // ---- single elements --------------------------------------------------------------------
    private static void LoadElement(B b, ref Insn i, int es)
    {
        int idx = i.M3;
        if (Spec(b, idx >= Vec.Count(es))) return;
        SetE(b, i.V1, es, idx, b.Load(1 << es, b.Addr(i.X2, i.B2, i.D2)));
    }

    private static void StoreElement(B b, ref Insn i, int es)
    {
        int idx = i.M3;
        if (Spec(b, idx >= Vec.Count(es))) return;
        b.Store(1 << es, b.Addr(i.X2, i.B2, i.D2), GetE(b, i.V1, es, idx));
    }

    public static void VLEB(B b, ref Insn i) => LoadElement(b, ref i, 0);
    public static void VLEH(B b, ref Insn i) => LoadElement(b, ref i, 1);
    public static void VLEF(B b, ref Insn i) => LoadElement(b, ref i, 2);
    public static void VLEG(B b, ref Insn i) => LoadElement(b, ref i, 3);
    public static void VSTEB(B b, ref Insn i) => StoreElement(b, ref i, 0);
    public static void VSTEH(B b, ref Insn i) => StoreElement(b, ref i, 1);
    public static void VSTEF(B b, ref Insn i) => StoreElement(b, ref i, 2);
    public static void VSTEG(B b, ref Insn i) => StoreElement(b, ref i, 3);

    /// <summary>VLREP: one element loaded and replicated into every element.</summary>
    public static void VLREP(B b, ref Insn i)
    {
        int es = i.M3;
        if (Spec(b, es > 3)) return;
        V d = Replicate(b, es, b.Load(1 << es, b.Addr(i.X2, i.B2, i.D2)));
        SetBoth(b, i.V1, d, d);
    }

    // ---- general registers <-> elements ------------------------------------------------------
    /// <summary>
    /// The element of VLGV/VLVG is selected by the rightmost bits of the second-operand address (no storage is
    /// accessed): the doubleword holding it (non-zero for the right one) and its shift from bit 63.
    /// </summary>
    private static (V Right, V Shift) GrIndex(B b, ref Insn i, int es)
    {
        int perDw = 8 >> es;
        V idx = b.And(b.Addr(0, i.B2, i.D2), b.Const((ulong)(Vec.Count(es) - 1)));
        V right = b.And(idx, b.Const((ulong)perDw));
        if (es == 3) return (right, b.Const(0));
        // (perDw - 1 - idx % perDw) * element width
        V sh = b.Shl(b.Xor(b.And(idx, b.Const((ulong)(perDw - 1))), b.Const((ulong)(perDw - 1))), b.Const((ulong)(3 + es)));
        return (right, sh);
    }

    public static void VLGV(B b, ref Insn i)
    {
        int es = i.M4;
        if (Spec(b, es > 3)) return;
        var (right, sh) = GrIndex(b, ref i, es);
        V d = b.Select(right, b.VD(i.V3, 1), b.VD(i.V3, 0));
        b.SetG(i.R1, es == 3 ? d : b.And(b.ShrU(d, sh), b.Const(Vec.Ones(es))));
    }

    public static void VLVG(B b, ref Insn i)
    {
        int es = i.M4;
        if (Spec(b, es > 3)) return;
        var (right, sh) = GrIndex(b, ref i, es);
        V x = b.G(i.R3);
        V h = b.VD(i.V1, 0), l = b.VD(i.V1, 1);
        V merged = x;
        if (es != 3)
        {
            V m = b.Shl(b.Const(Vec.Ones(es)), sh);
            merged = b.Or(b.And(b.Select(right, l, h), b.Xor(m, b.Const(AllOnes))), b.And(b.Shl(x, sh), m));
        }
        SetBoth(b, i.V1, b.Select(right, h, merged), b.Select(right, merged, l));
    }

    public static void VLVGP(B b, ref Insn i) => SetBoth(b, i.V1, b.G(i.R2), b.G(i.R3));

    // ---- immediates --------------------------------------------------------------------------
    /// <summary>VLEIB..VLEIG: the 16-bit signed immediate, sign-extended or truncated to the element.</summary>
    private static void LoadElementImmediate(B b, ref Insn i, int es)
    {
        int idx = i.M3;
        if (Spec(b, idx >= Vec.Count(es))) return;
        SetE(b, i.V1, es, idx, b.Const((ulong)i.I2));
    }

    public static void VLEIB(B b, ref Insn i) => LoadElementImmediate(b, ref i, 0);
    public static void VLEIH(B b, ref Insn i) => LoadElementImmediate(b, ref i, 1);
    public static void VLEIF(B b, ref Insn i) => LoadElementImmediate(b, ref i, 2);
    public static void VLEIG(B b, ref Insn i) => LoadElementImmediate(b, ref i, 3);

    /// <summary>VGBM: bit k of I2 sets byte k of V1 to ones (VZERO, VONE).</summary>
    public static void VGBM(B b, ref Insn i)
    {
        ulong h = 0, l = 0;
        for (int k = 0; k < 8; k++)
        {
            if ((i.I2 & (0x8000 >> k)) != 0) h |= 0xFFUL << (56 - 8 * k);
            if ((i.I2 & (0x80 >> k)) != 0) l |= 0xFFUL << (56 - 8 * k);
        }
        SetBoth(b, i.V1, b.Const(h), b.Const(l));
    }

    /// <summary>VGM: ones from bit I2 to bit I3 of every element (wrapping around when I2 &gt; I3); only the rightmost bits of I2/I3 count.</summary>
    public static void VGM(B b, ref Insn i)
    {
        int es = i.M4;
        if (Spec(b, es > 3)) return;
        int w = Vec.Bits(es);
        int from = (int)(i.I2 & (w - 1)), to = (int)(i.I3 & (w - 1));
        ulong m = 0;
        for (int k = from; ; k = (k + 1) % w)
        {
            m |= 1UL << (w - 1 - k);
            if (k == to) break;
        }
        V d = Replicate(b, es, b.Const(m));
        SetBoth(b, i.V1, d, d);
    }

    /// <summary>VREPI: the signed immediate replicated into every element.</summary>
    public static void VREPI(B b, ref Insn i)
    {
        int es = i.M3;
        if (Spec(b, es > 3)) return;
        V d = Replicate(b, es, b.Const((ulong)i.I2));
        SetBoth(b, i.V1, d, d);
    }

    /// <summary>VREP V1,V3,I2,M4: element I2 of V3 replicated.</summary>
    public static void VREP(B b, ref Insn i)
    {
        int es = i.M4;
        if (Spec(b, es > 3)) return;
        if (Spec(b, (ulong)i.I2 >= (ulong)Vec.Count(es))) return;
        V d = Replicate(b, es, GetE(b, i.V3, es, (int)i.I2));
        SetBoth(b, i.V1, d, d);
    }

    // ---- Boolean -----------------------------------------------------------------------------
    /// <summary>V1 = f(V2, V3), doubleword by doubleword.</summary>
    private static void Logic(B b, ref Insn i, Func<B, V, V, V> f)
    {
        V h = f(b, b.VD(i.V2, 0), b.VD(i.V3, 0));
        V l = f(b, b.VD(i.V2, 1), b.VD(i.V3, 1));
        SetBoth(b, i.V1, h, l);
    }

    private static V Not(B b, V x) => b.Xor(x, b.Const(AllOnes));

    public static void VN(B b, ref Insn i) => Logic(b, ref i, static (b, x, y) => b.And(x, y));
    public static void VNC(B b, ref Insn i) => Logic(b, ref i, static (b, x, y) => b.And(x, Not(b, y)));
    public static void VO(B b, ref Insn i) => Logic(b, ref i, static (b, x, y) => b.Or(x, y));
    public static void VNO(B b, ref Insn i) => Logic(b, ref i, static (b, x, y) => Not(b, b.Or(x, y)));
    public static void VX(B b, ref Insn i) => Logic(b, ref i, static (b, x, y) => b.Xor(x, y));
    public static void VNX(B b, ref Insn i) => Logic(b, ref i, static (b, x, y) => Not(b, b.Xor(x, y)));
    public static void VNN(B b, ref Insn i) => Logic(b, ref i, static (b, x, y) => Not(b, b.And(x, y)));
    public static void VOC(B b, ref Insn i) => Logic(b, ref i, static (b, x, y) => b.Or(x, Not(b, y)));

    // ---- modular add / subtract --------------------------------------------------------------
    /// <summary>The leftmost bit of every element of size es (0-2) in a doubleword.</summary>
    private static ulong Tops(int es) => es switch { 0 => 0x8080_8080_8080_8080UL, 1 => 0x8000_8000_8000_8000UL, _ => 0x8000_0000_8000_0000UL };

    /// <summary>Element-wise a + b in a doubleword: the low bits of each element add without carrying into the next, the leftmost bit is the sum's.</summary>
    private static V AddElements(B b, int es, V x, V y)
    {
        if (es == 3) return b.Add(x, y);
        V hi = b.Const(Tops(es)), lo = b.Const(~Tops(es));
        return b.Xor(b.Add(b.And(x, lo), b.And(y, lo)), b.And(b.Xor(x, y), hi));
    }

    /// <summary>Element-wise a - b in a doubleword: each element's leftmost bit set in a stops a borrow leaving it, then is corrected.</summary>
    private static V SubElements(B b, int es, V x, V y)
    {
        if (es == 3) return b.Sub(x, y);
        V hi = b.Const(Tops(es)), lo = b.Const(~Tops(es));
        return b.Xor(b.Sub(b.Or(x, hi), b.And(y, lo)), b.And(Not(b, b.Xor(x, y)), hi));
    }

    /// <summary>VA (VAB..VAQ): element sizes byte to quadword (M4 0-4).</summary>
    public static void VA(B b, ref Insn i)
    {
        int es = i.M4;
        if (Spec(b, es > 4)) return;
        V xh = b.VD(i.V2, 0), xl = b.VD(i.V2, 1), yh = b.VD(i.V3, 0), yl = b.VD(i.V3, 1);
        if (es == 4)
        {
            V l = b.Add(xl, yl);
            SetBoth(b, i.V1, b.Add(b.Add(xh, yh), b.LtU(l, xl)), l);
            return;
        }
        SetBoth(b, i.V1, AddElements(b, es, xh, yh), AddElements(b, es, xl, yl));
    }

    /// <summary>VS (VSB..VSQ): element sizes byte to quadword (M4 0-4).</summary>
    public static void VS(B b, ref Insn i)
    {
        int es = i.M4;
        if (Spec(b, es > 4)) return;
        V xh = b.VD(i.V2, 0), xl = b.VD(i.V2, 1), yh = b.VD(i.V3, 0), yl = b.VD(i.V3, 1);
        if (es == 4)
        {
            V borrow = b.LtU(xl, yl);
            SetBoth(b, i.V1, b.Sub(b.Sub(xh, yh), borrow), b.Sub(xl, yl));
            return;
        }
        SetBoth(b, i.V1, SubElements(b, es, xh, yh), SubElements(b, es, xl, yl));
    }
}
