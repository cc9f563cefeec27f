using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>Logical operations: AND, OR, EXCLUSIVE OR, TEST UNDER MASK, immediate fields, INSERT CHARACTER.</summary>
[SemanticBodies]
public static class Logical<B, V> where B : struct, IBackend<V>
{
    private static V A2(B b, ref Insn i) => b.Addr(i.X2, i.B2, i.D2);
    private static V A1(B b, ref Insn i) => b.Addr(0, i.B1, i.D1);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V K(B b, ulong v) => b.Const(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set32(B b, int r1, V v) { b.SetG32(r1, v); b.SetCc(CcOp.NonZero32, v, K(b, 0), K(b, 0)); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set64(B b, int r1, V v) { b.SetG(r1, v); b.SetCc(CcOp.NonZero64, v, K(b, 0), K(b, 0)); }

    public static void NR(B b, ref Insn i) => Set32(b, i.R1, b.And(b.G32(i.R1), b.G32(i.R2)));
    public static void OR(B b, ref Insn i) => Set32(b, i.R1, b.Or(b.G32(i.R1), b.G32(i.R2)));
    public static void XR(B b, ref Insn i) => Set32(b, i.R1, b.Xor(b.G32(i.R1), b.G32(i.R2)));
    public static void NRK(B b, ref Insn i) => Set32(b, i.R1, b.And(b.G32(i.R2), b.G32(i.R3)));
    public static void ORK(B b, ref Insn i) => Set32(b, i.R1, b.Or(b.G32(i.R2), b.G32(i.R3)));
    public static void XRK(B b, ref Insn i) => Set32(b, i.R1, b.Xor(b.G32(i.R2), b.G32(i.R3)));
    public static void N(B b, ref Insn i) => Set32(b, i.R1, b.And(b.G32(i.R1), b.Load(4, A2(b, ref i))));
    public static void O(B b, ref Insn i) => Set32(b, i.R1, b.Or(b.G32(i.R1), b.Load(4, A2(b, ref i))));
    public static void X(B b, ref Insn i) => Set32(b, i.R1, b.Xor(b.G32(i.R1), b.Load(4, A2(b, ref i))));
    public static void NY(B b, ref Insn i) => N(b, ref i);
    public static void OY(B b, ref Insn i) => O(b, ref i);
    public static void XY(B b, ref Insn i) => X(b, ref i);
    public static void NGR(B b, ref Insn i) => Set64(b, i.R1, b.And(b.G(i.R1), b.G(i.R2)));
    public static void OGR(B b, ref Insn i) => Set64(b, i.R1, b.Or(b.G(i.R1), b.G(i.R2)));
    public static void XGR(B b, ref Insn i) => Set64(b, i.R1, b.Xor(b.G(i.R1), b.G(i.R2)));
    public static void NGRK(B b, ref Insn i) => Set64(b, i.R1, b.And(b.G(i.R2), b.G(i.R3)));
    public static void OGRK(B b, ref Insn i) => Set64(b, i.R1, b.Or(b.G(i.R2), b.G(i.R3)));
    public static void XGRK(B b, ref Insn i) => Set64(b, i.R1, b.Xor(b.G(i.R2), b.G(i.R3)));
    public static void NG(B b, ref Insn i) => Set64(b, i.R1, b.And(b.G(i.R1), b.Load(8, A2(b, ref i))));
    public static void OG(B b, ref Insn i) => Set64(b, i.R1, b.Or(b.G(i.R1), b.Load(8, A2(b, ref i))));
    public static void XG(B b, ref Insn i) => Set64(b, i.R1, b.Xor(b.G(i.R1), b.Load(8, A2(b, ref i))));

    // storage-immediate
    private static void SiResult(B b, V addr, V r)
    {
        b.Store(1, addr, r);
        b.SetCc(CcOp.NonZero32, r, K(b, 0), K(b, 0));
    }
    public static void NI(B b, ref Insn i) { V a = A1(b, ref i); SiResult(b, a, b.And(b.Load(1, a), K(b, (byte)i.I2))); }
    public static void OI(B b, ref Insn i) { V a = A1(b, ref i); SiResult(b, a, b.Or(b.Load(1, a), K(b, (byte)i.I2))); }
    public static void XI(B b, ref Insn i) { V a = A1(b, ref i); SiResult(b, a, b.Xor(b.Load(1, a), K(b, (byte)i.I2))); }
    public static void NIY(B b, ref Insn i) => NI(b, ref i);
    public static void OIY(B b, ref Insn i) => OI(b, ref i);
    public static void XIY(B b, ref Insn i) => XI(b, ref i);
    public static void TM(B b, ref Insn i) => b.SetCc(CcOp.TestUnderMask, b.Load(1, A1(b, ref i)), K(b, (byte)i.I2), K(b, 0));
    public static void TMY(B b, ref Insn i) => TM(b, ref i);

    // immediate halfwords / words of a register: the field's rightmost bit position and width
    private static V Field(B b, int r1, int shift, ulong fieldMask) => b.And(b.ShrU(b.G(r1), K(b, (ulong)shift)), K(b, fieldMask));
    private static void Put(B b, int r1, int shift, ulong fieldMask, V field) =>
        b.SetG(r1, b.Or(b.And(b.G(r1), K(b, ~(fieldMask << shift))), b.Shl(field, K(b, (ulong)shift))));
    private static void AndImm(B b, int r1, int shift, ulong fieldMask, long imm)
    {
        V f = b.And(Field(b, r1, shift, fieldMask), K(b, (ulong)imm & fieldMask));
        Put(b, r1, shift, fieldMask, f);
        b.SetCc(CcOp.NonZero64, f, K(b, 0), K(b, 0));
    }
    private static void OrImm(B b, int r1, int shift, ulong fieldMask, long imm)
    {
        V f = b.Or(Field(b, r1, shift, fieldMask), K(b, (ulong)imm & fieldMask));
        Put(b, r1, shift, fieldMask, f);
        b.SetCc(CcOp.NonZero64, f, K(b, 0), K(b, 0));
    }
    private static void XorImm(B b, int r1, int shift, ulong fieldMask, long imm)
    {
        V f = b.Xor(Field(b, r1, shift, fieldMask), K(b, (ulong)imm & fieldMask));
        Put(b, r1, shift, fieldMask, f);
        b.SetCc(CcOp.NonZero64, f, K(b, 0), K(b, 0));
    }
    private static void Insert(B b, int r1, int shift, ulong fieldMask, long imm) => Put(b, r1, shift, fieldMask, K(b, (ulong)imm & fieldMask));
    private static void LoadLogical(B b, int r1, int shift, ulong fieldMask, long imm) => b.SetG(r1, K(b, ((ulong)imm & fieldMask) << shift));

    public static void NIHH(B b, ref Insn i) => AndImm(b, i.R1, 48, 0xFFFF, i.I2);
    public static void NIHL(B b, ref Insn i) => AndImm(b, i.R1, 32, 0xFFFF, i.I2);
    public static void NILH(B b, ref Insn i) => AndImm(b, i.R1, 16, 0xFFFF, i.I2);
    public static void NILL(B b, ref Insn i) => AndImm(b, i.R1, 0, 0xFFFF, i.I2);
    public static void NIHF(B b, ref Insn i) => AndImm(b, i.R1, 32, 0xFFFF_FFFF, i.I2);
    public static void NILF(B b, ref Insn i) => AndImm(b, i.R1, 0, 0xFFFF_FFFF, i.I2);
    public static void OIHH(B b, ref Insn i) => OrImm(b, i.R1, 48, 0xFFFF, i.I2);
    public static void OIHL(B b, ref Insn i) => OrImm(b, i.R1, 32, 0xFFFF, i.I2);
    public static void OILH(B b, ref Insn i) => OrImm(b, i.R1, 16, 0xFFFF, i.I2);
    public static void OILL(B b, ref Insn i) => OrImm(b, i.R1, 0, 0xFFFF, i.I2);
    public static void OIHF(B b, ref Insn i) => OrImm(b, i.R1, 32, 0xFFFF_FFFF, i.I2);
    public static void OILF(B b, ref Insn i) => OrImm(b, i.R1, 0, 0xFFFF_FFFF, i.I2);
    public static void XIHF(B b, ref Insn i) => XorImm(b, i.R1, 32, 0xFFFF_FFFF, i.I2);
    public static void XILF(B b, ref Insn i) => XorImm(b, i.R1, 0, 0xFFFF_FFFF, i.I2);
    public static void IIHH(B b, ref Insn i) => Insert(b, i.R1, 48, 0xFFFF, i.I2);
    public static void IIHL(B b, ref Insn i) => Insert(b, i.R1, 32, 0xFFFF, i.I2);
    public static void IILH(B b, ref Insn i) => Insert(b, i.R1, 16, 0xFFFF, i.I2);
    public static void IILL(B b, ref Insn i) => Insert(b, i.R1, 0, 0xFFFF, i.I2);
    public static void IIHF(B b, ref Insn i) => Insert(b, i.R1, 32, 0xFFFF_FFFF, i.I2);
    public static void IILF(B b, ref Insn i) => Insert(b, i.R1, 0, 0xFFFF_FFFF, i.I2);
    public static void LLIHH(B b, ref Insn i) => LoadLogical(b, i.R1, 48, 0xFFFF, i.I2);
    public static void LLIHL(B b, ref Insn i) => LoadLogical(b, i.R1, 32, 0xFFFF, i.I2);
    public static void LLILH(B b, ref Insn i) => LoadLogical(b, i.R1, 16, 0xFFFF, i.I2);
    public static void LLILL(B b, ref Insn i) => LoadLogical(b, i.R1, 0, 0xFFFF, i.I2);
    public static void LLIHF(B b, ref Insn i) => LoadLogical(b, i.R1, 32, 0xFFFF_FFFF, i.I2);
    public static void LLILF(B b, ref Insn i) => LoadLogical(b, i.R1, 0, 0xFFFF_FFFF, i.I2);

    private static void TestMask16(B b, int r1, int shift, long imm) =>
        b.SetCc(CcOp.TestUnderMask16, Field(b, r1, shift, 0xFFFF), K(b, (ulong)imm & 0xFFFF), K(b, 0));
    public static void TMHH(B b, ref Insn i) => TestMask16(b, i.R1, 48, i.I2);
    public static void TMHL(B b, ref Insn i) => TestMask16(b, i.R1, 32, i.I2);
    public static void TMLH(B b, ref Insn i) => TestMask16(b, i.R1, 16, i.I2);
    public static void TMLL(B b, ref Insn i) => TestMask16(b, i.R1, 0, i.I2);

    public static void IC(B b, ref Insn i) => b.SetG(i.R1, b.Or(b.And(b.G(i.R1), K(b, ~0xFFUL)), b.Load(1, A2(b, ref i))));
    public static void ICY(B b, ref Insn i) => IC(b, ref i);

    // ---- insert / store / compare characters under mask: the mask is known at translation ----
    private static int Bytes(int mask) => System.Numerics.BitOperations.PopCount((uint)mask & 0xF);

    /// <summary>ICM on the word at <paramref name="shift"/> of R1: cc 0 all inserted bits zero (or mask 0), 1 leftmost inserted bit one, 2 otherwise.</summary>
    private static void InsertUnderMask(B b, int r1, int mask, V addr, int shift)
    {
        int n = Bytes(mask);
        if (n == 0) { b.SetCcConst(0); return; }
        V word = b.Trunc32(b.ShrU(b.G(r1), K(b, (ulong)shift)));
        V inserted = K(b, 0);
        int k = 0;
        for (int bit = 0; bit < 4; bit++)
        {
            if ((mask & (8 >> bit)) == 0) continue;
            V v = b.Load(1, b.And(b.Add(addr, K(b, (ulong)k++)), K(b, b.AddrMask)));
            int sh = 24 - 8 * bit;
            word = b.Or(b.And(word, K(b, ~(0xFFUL << sh) & 0xFFFF_FFFF)), b.Shl(v, K(b, (ulong)sh)));
            inserted = b.Or(b.Shl(inserted, K(b, 8)), v);
        }
        b.SetG(r1, b.Or(b.And(b.G(r1), K(b, ~(0xFFFF_FFFFUL << shift))), b.Shl(word, K(b, (ulong)shift))));
        ulong top = 0x80UL << (8 * (n - 1));
        V cc = b.Select(b.Eq(inserted, K(b, 0)), K(b, 0), b.Select(b.Eq(b.And(inserted, K(b, top)), K(b, 0)), K(b, 2), K(b, 1)));
        b.SetCc(CcOp.Const, K(b, 0), cc, K(b, 0));
    }
    // ---- CLC: both operands are read whole (at most 256 bytes) in chunks of up to 8 bytes; the
    // leftmost unequal chunk decides, compared as big-endian unsigned numbers (= byte order).
    // Cost: one cycle per 16 bytes of operand length, whatever the data.
    /// <summary><paramref name="n"/> (1..8) bytes at <paramref name="a"/> as a big-endian number.</summary>
    private static V LoadBytes(B b, V a, int n)
    {
        if (n is 1 or 2 or 4 or 8) return b.Load(n, a);
        V v = b.Const(0);
        for (int off = 0; off < n;)
        {
            int piece = n - off >= 4 ? 4 : n - off >= 2 ? 2 : 1;
            V part = b.Load(piece, off == 0 ? a : b.And(b.Add(a, b.Const((ulong)off)), b.Const(b.AddrMask)));
            v = b.Or(b.Shl(v, b.Const((ulong)(8 * piece))), part);
            off += piece;
        }
        return v;
    }
    public static void CLC(B b, ref Insn i)
    {
        int n = i.L1 + 1;
        V a1 = b.Addr(0, i.B1, i.D1), a2 = b.Addr(0, i.B2, i.D2);
        V dx = LoadBytes(b, a1, Math.Min(8, n)), dy = LoadBytes(b, a2, Math.Min(8, n));
        if (n > 8)
        {
            // later chunks count only while every chunk before them was equal
            V undecided = b.Eq(dx, dy);
            for (int off = 8; off < n; off += 8)
            {
                V o = b.Const((ulong)off);
                V x = LoadBytes(b, b.And(b.Add(a1, o), b.Const(b.AddrMask)), Math.Min(8, n - off));
                V y = LoadBytes(b, b.And(b.Add(a2, o), b.Const(b.AddrMask)), Math.Min(8, n - off));
                dx = b.Select(undecided, x, dx);
                dy = b.Select(undecided, y, dy);
                undecided = b.And(undecided, b.Eq(x, y));
            }
        }
        b.SetCc(CcOp.CompareLogical64, dx, dy, b.Const(0));
        b.ChargeCycles((ulong)(n >> 4));
    }

    public static void ICM(B b, ref Insn i) => InsertUnderMask(b, i.R1, i.M3, b.Addr(0, i.B2, i.D2), 0);
    public static void ICMY(B b, ref Insn i) => ICM(b, ref i);
    public static void ICMH(B b, ref Insn i) => InsertUnderMask(b, i.R1, i.M3, b.Addr(0, i.B2, i.D2), 32);

    /// <summary>The bytes of R1's word selected by the mask, concatenated (big-endian).</summary>
    private static V Selected(B b, int r1, int mask, int shift)
    {
        V word = b.Trunc32(b.ShrU(b.G(r1), K(b, (ulong)shift)));
        V r = K(b, 0);
        for (int bit = 0; bit < 4; bit++)
            if ((mask & (8 >> bit)) != 0)
                r = b.Or(b.Shl(r, K(b, 8)), b.And(b.ShrU(word, K(b, (ulong)(24 - 8 * bit))), K(b, 0xFF)));
        return r;
    }
    private static void StoreUnderMask(B b, int r1, int mask, V addr, int shift)
    {
        int n = Bytes(mask);
        if (n == 0) return;
        b.Probe(addr, n, true);
        V sel = Selected(b, r1, mask, shift);
        for (int k = 0; k < n; k++)
            b.Store(1, b.And(b.Add(addr, K(b, (ulong)k)), K(b, b.AddrMask)), b.ShrU(sel, K(b, (ulong)(8 * (n - 1 - k)))));
    }
    public static void STCM(B b, ref Insn i) => StoreUnderMask(b, i.R1, i.M3, b.Addr(0, i.B2, i.D2), 0);
    public static void STCMY(B b, ref Insn i) => STCM(b, ref i);
    public static void STCMH(B b, ref Insn i) => StoreUnderMask(b, i.R1, i.M3, b.Addr(0, i.B2, i.D2), 32);

    /// <summary>CLM: the selected register bytes and the storage bytes compared as big-endian unsigned numbers.</summary>
    private static void CompareUnderMask(B b, int r1, int mask, V addr, int shift)
    {
        int n = Bytes(mask);
        if (n == 0) { b.SetCcConst(0); return; }
        V mem = K(b, 0);
        for (int k = 0; k < n; k++) mem = b.Or(b.Shl(mem, K(b, 8)), b.Load(1, b.And(b.Add(addr, K(b, (ulong)k)), K(b, b.AddrMask))));
        b.SetCc(CcOp.CompareLogical64, Selected(b, r1, mask, shift), mem, K(b, 0));
    }
    public static void CLM(B b, ref Insn i) => CompareUnderMask(b, i.R1, i.M3, b.Addr(0, i.B2, i.D2), 0);
    public static void CLMY(B b, ref Insn i) => CLM(b, ref i);
    public static void CLMH(B b, ref Insn i) => CompareUnderMask(b, i.R1, i.M3, b.Addr(0, i.B2, i.D2), 32);
}

/// <summary>Logical instructions with per-byte loops over masks or register pairs: helpers for both engines.</summary>
[SemanticBodies]
public static class LogicalHelpers
{
    public static void POPCNT(Cpu c, ref Insn i)
    {
        ulong v = c.G[i.R2];
        c.G[i.R1] = (i.M3 & 8) != 0 && c.HasFacility(Fac.MiscInstructionExtensions3)
            ? (ulong)System.Numerics.BitOperations.PopCount(v)
            : Alu.PopCountBytes(v);
        c.SetCc(CcOp.NonZero64, v);
    }

    public static void FLOGR(Cpu c, ref Insn i)
    {
        ulong v = c.G[i.R2];
        if (v == 0) { c.G[i.R1] = 64; c.G[i.R1 + 1] = 0; c.Cc = 0; return; }
        int lz = System.Numerics.BitOperations.LeadingZeroCount(v);
        c.G[i.R1] = (ulong)lz;
        c.G[i.R1 + 1] = v & ~(0x8000_0000_0000_0000UL >> lz);
        c.Cc = 2;
    }
}
