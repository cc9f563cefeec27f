using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>Shifts, rotates and the rotate-then-*-selected-bits family.</summary>
[SemanticBodies]
public static class Shift<B, V> where B : struct, IBackend<V>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V K(B b, ulong v) => b.Const(v);
    /// <summary>The shift amount: the low 6 bits of the second-operand address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Amount(B b, ref Insn i) => b.And(b.Addr(0, i.B2, i.D2), K(b, 63));

    public static void SLL(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.Shl(b.G32(i.R1), Amount(b, ref i))));
    public static void SRL(B b, ref Insn i) => b.SetG32(i.R1, b.ShrU(b.G32(i.R1), Amount(b, ref i)));
    public static void SLLK(B b, ref Insn i) => b.SetG32(i.R1, b.Trunc32(b.Shl(b.G32(i.R3), Amount(b, ref i))));
    public static void SRLK(B b, ref Insn i) => b.SetG32(i.R1, b.ShrU(b.G32(i.R3), Amount(b, ref i)));
    public static void SLLG(B b, ref Insn i) => b.SetG(i.R1, b.Shl(b.G(i.R3), Amount(b, ref i)));
    public static void SRLG(B b, ref Insn i) => b.SetG(i.R1, b.ShrU(b.G(i.R3), Amount(b, ref i)));

    private static void ShiftRightArith32(B b, int r1, V v, V n)
    {
        V r = b.Trunc32(b.ShrS(b.SExt32(v), n));
        b.SetG32(r1, r);
        b.SetCc(CcOp.Sign32, r, K(b, 0), K(b, 0));
    }
    public static void SRA(B b, ref Insn i) => ShiftRightArith32(b, i.R1, b.G32(i.R1), Amount(b, ref i));
    public static void SRAK(B b, ref Insn i) => ShiftRightArith32(b, i.R1, b.G32(i.R3), Amount(b, ref i));
    public static void SRAG(B b, ref Insn i)
    {
        V r = b.ShrS(b.G(i.R3), Amount(b, ref i));
        b.SetG(i.R1, r);
        b.SetCc(CcOp.Sign64, r, K(b, 0), K(b, 0));
    }

    // double (even/odd pair) logical shifts
    private static V Pair(B b, int r1) => b.Or(b.Shl(b.G32(r1), K(b, 32)), b.G32(r1 + 1));
    private static void SetPair(B b, int r1, V v) { b.SetG32(r1, b.ShrU(v, K(b, 32))); b.SetG32(r1 + 1, b.Trunc32(v)); }
    public static void SLDL(B b, ref Insn i) => SetPair(b, i.R1, b.Shl(Pair(b, i.R1), Amount(b, ref i)));
    public static void SRDL(B b, ref Insn i) => SetPair(b, i.R1, b.ShrU(Pair(b, i.R1), Amount(b, ref i)));
    public static void SRDA(B b, ref Insn i)
    {
        V r = b.ShrS(Pair(b, i.R1), Amount(b, ref i));
        SetPair(b, i.R1, r);
        b.SetCc(CcOp.Sign64, r, K(b, 0), K(b, 0));
    }

    public static void RLL(B b, ref Insn i) => b.SetG32(i.R1, b.Rotl32(b.G32(i.R3), Amount(b, ref i)));
    public static void RLLG(B b, ref Insn i) => b.SetG(i.R1, b.Rotl(b.G(i.R3), Amount(b, ref i)));

    // ---- rotate then insert / and / or / xor selected bits (all positions known at translation) ----
    private static void RotateInsert(B b, ref Insn i, bool setCc)
    {
        int start = (int)(i.I3 & 63), end = (int)(i.I4 & 63);
        bool zero = (i.I4 & 0x80) != 0;
        ulong mask = Alu.MaskRange(start, end);
        V rot = b.And(b.Rotl(b.G(i.R2), K(b, (ulong)(i.I5 & 63))), K(b, mask));
        V r = zero ? rot : b.Or(b.And(b.G(i.R1), K(b, ~mask)), rot);
        b.SetG(i.R1, r);
        if (setCc) b.SetCc(CcOp.Sign64, r, K(b, 0), K(b, 0));
    }
    public static void RISBG(B b, ref Insn i) => RotateInsert(b, ref i, true);
    public static void RISBGN(B b, ref Insn i) => RotateInsert(b, ref i, false);

    /// <summary>RISBHG/RISBLG: positions wrap within one word; "zero remaining" clears only that word.</summary>
    private static void RotateInsertWord(B b, ref Insn i, bool high)
    {
        int start = (int)(i.I3 & 31), end = (int)(i.I4 & 31);
        bool zero = (i.I4 & 0x80) != 0;
        ulong word = high ? 0xFFFF_FFFF_0000_0000UL : 0xFFFF_FFFFUL;
        ulong mask32 = start <= end ? (0xFFFF_FFFFUL >> start) & (0xFFFF_FFFFUL << (31 - end)) & 0xFFFF_FFFFUL
                                    : ((0xFFFF_FFFFUL >> start) | (0xFFFF_FFFFUL << (31 - end))) & 0xFFFF_FFFFUL;
        ulong mask = high ? mask32 << 32 : mask32;
        V rot = b.And(b.Rotl(b.G(i.R2), K(b, (ulong)(i.I5 & 63))), K(b, mask));
        ulong keep = zero ? ~word : ~mask;
        b.SetG(i.R1, b.Or(b.And(b.G(i.R1), K(b, keep)), rot));
    }
    public static void RISBHG(B b, ref Insn i) => RotateInsertWord(b, ref i, true);
    public static void RISBLG(B b, ref Insn i) => RotateInsertWord(b, ref i, false);

    private static void RotateThenOp(B b, ref Insn i, int op)
    {
        int start = (int)(i.I3 & 63), end = (int)(i.I4 & 63);
        bool testOnly = (i.I3 & 0x80) != 0;
        ulong mask = Alu.MaskRange(start, end);
        V rot = b.Rotl(b.G(i.R2), K(b, (ulong)(i.I5 & 63)));
        V old = b.G(i.R1);
        V res = op switch { 0 => b.And(old, rot), 1 => b.Or(old, rot), _ => b.Xor(old, rot) };
        V sel = b.And(res, K(b, mask));
        if (!testOnly) b.SetG(i.R1, b.Or(b.And(old, K(b, ~mask)), sel));
        b.SetCc(CcOp.NonZero64, sel, K(b, 0), K(b, 0));
    }
    public static void RNSBG(B b, ref Insn i) => RotateThenOp(b, ref i, 0);
    public static void ROSBG(B b, ref Insn i) => RotateThenOp(b, ref i, 1);
    public static void RXSBG(B b, ref Insn i) => RotateThenOp(b, ref i, 2);
}

/// <summary>Arithmetic left shifts (bit-by-bit overflow detection): helpers for both engines.</summary>
[SemanticBodies]
public static class ShiftHelpers
{
    private static int Amount(Cpu c, ref Insn i) => (int)(c.Addr(i.B2, i.D2) & 63);

    /// <summary>Arithmetic left shift of a <paramref name="bits"/>-bit value: the sign stays, overflow if a bit unlike it leaves.</summary>
    private static ulong ShiftLeftArith(ulong v, int n, int bits, out bool overflow)
    {
        ulong sign = 1UL << (bits - 1);
        ulong numeric = sign - 1;
        overflow = false;
        bool neg = (v & sign) != 0;
        for (int k = 0; k < n; k++)
        {
            if (((v & (sign >> 1)) != 0) != neg) overflow = true;
            v = ((v << 1) & numeric) | (neg ? sign : 0);
        }
        return v;
    }
    private static void ShiftLeftArith32(Cpu c, int r1, uint v, int n)
    {
        uint r = (uint)ShiftLeftArith(v, n, 32, out bool ovf);
        c.SetR32(r1, r);
        if (ovf) { c.Cc = 3; Alu.FixedOverflow(c); }
        else c.SetCc(CcOp.Sign32, r);
    }
    public static void SLA(Cpu c, ref Insn i) => ShiftLeftArith32(c, i.R1, c.R32(i.R1), Amount(c, ref i));
    public static void SLAK(Cpu c, ref Insn i) => ShiftLeftArith32(c, i.R1, c.R32(i.R3), Amount(c, ref i));
    public static void SLAG(Cpu c, ref Insn i)
    {
        ulong r = ShiftLeftArith(c.G[i.R3], Amount(c, ref i), 64, out bool ovf);
        c.G[i.R1] = r;
        if (ovf) { c.Cc = 3; Alu.FixedOverflow(c); }
        else c.SetCc(CcOp.Sign64, r);
    }
    public static void SLDA(Cpu c, ref Insn i)
    {
        ulong pair = ((ulong)c.R32(i.R1) << 32) | c.R32(i.R1 + 1);
        ulong r = ShiftLeftArith(pair, Amount(c, ref i), 64, out bool ovf);
        c.SetR32(i.R1, (uint)(r >> 32));
        c.SetR32(i.R1 + 1, (uint)r);
        if (ovf) { c.Cc = 3; Alu.FixedOverflow(c); }
        else c.SetCc(CcOp.Sign64, r);
    }
}
