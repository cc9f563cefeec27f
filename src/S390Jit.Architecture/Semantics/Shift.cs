using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.Alu;

namespace S390Jit.Architecture.Semantics;

/// <summary>Shifts, rotates and the rotate-then-*-selected-bits family.</summary>
[SemanticBodies]
public static class Shift
{
    private static int Amount(Cpu c, ref Insn i) => (int)(c.Addr(i.B2, i.D2) & 63);

    public static void SLL(Cpu c, ref Insn i) { int n = Amount(c, ref i); c.SetR32(i.R1, n > 31 ? 0 : c.R32(i.R1) << n); }
    public static void SRL(Cpu c, ref Insn i) { int n = Amount(c, ref i); c.SetR32(i.R1, n > 31 ? 0 : c.R32(i.R1) >> n); }
    public static void SLLK(Cpu c, ref Insn i) { int n = Amount(c, ref i); c.SetR32(i.R1, n > 31 ? 0 : c.R32(i.R3) << n); }
    public static void SRLK(Cpu c, ref Insn i) { int n = Amount(c, ref i); c.SetR32(i.R1, n > 31 ? 0 : c.R32(i.R3) >> n); }
    public static void SLLG(Cpu c, ref Insn i) => c.G[i.R1] = c.G[i.R3] << Amount(c, ref i);
    public static void SRLG(Cpu c, ref Insn i) => c.G[i.R1] = c.G[i.R3] >> Amount(c, ref i);

    private static void ShiftRightArith32(Cpu c, int r1, uint v, int n)
    {
        int r = (int)v >> Math.Min(n, 31);
        c.SetR32(r1, (uint)r);
        c.SetCc(CcOp.Sign32, (uint)r);
    }
    public static void SRA(Cpu c, ref Insn i) => ShiftRightArith32(c, i.R1, c.R32(i.R1), Amount(c, ref i));
    public static void SRAK(Cpu c, ref Insn i) => ShiftRightArith32(c, i.R1, c.R32(i.R3), Amount(c, ref i));
    public static void SRAG(Cpu c, ref Insn i)
    {
        long r = (long)c.G[i.R3] >> Amount(c, ref i);
        c.G[i.R1] = (ulong)r;
        c.SetCc(CcOp.Sign64, (ulong)r);
    }

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
        if (ovf) { c.Cc = 3; FixedOverflow(c); }
        else c.SetCc(CcOp.Sign32, r);
    }
    public static void SLA(Cpu c, ref Insn i) => ShiftLeftArith32(c, i.R1, c.R32(i.R1), Amount(c, ref i));
    public static void SLAK(Cpu c, ref Insn i) => ShiftLeftArith32(c, i.R1, c.R32(i.R3), Amount(c, ref i));
    public static void SLAG(Cpu c, ref Insn i)
    {
        ulong r = ShiftLeftArith(c.G[i.R3], Amount(c, ref i), 64, out bool ovf);
        c.G[i.R1] = r;
        if (ovf) { c.Cc = 3; FixedOverflow(c); }
        else c.SetCc(CcOp.Sign64, r);
    }

    // double (even/odd pair) shifts
    private static ulong Pair(Cpu c, int r1) => ((ulong)c.R32(r1) << 32) | c.R32(r1 + 1);
    private static void SetPair(Cpu c, int r1, ulong v) { c.SetR32(r1, (uint)(v >> 32)); c.SetR32(r1 + 1, (uint)v); }
    public static void SLDL(Cpu c, ref Insn i) => SetPair(c, i.R1, Pair(c, i.R1) << Amount(c, ref i));
    public static void SRDL(Cpu c, ref Insn i) => SetPair(c, i.R1, Pair(c, i.R1) >> Amount(c, ref i));
    public static void SRDA(Cpu c, ref Insn i)
    {
        long r = (long)Pair(c, i.R1) >> Amount(c, ref i);
        SetPair(c, i.R1, (ulong)r);
        c.SetCc(CcOp.Sign64, (ulong)r);
    }
    public static void SLDA(Cpu c, ref Insn i)
    {
        ulong r = ShiftLeftArith(Pair(c, i.R1), Amount(c, ref i), 64, out bool ovf);
        SetPair(c, i.R1, r);
        if (ovf) { c.Cc = 3; FixedOverflow(c); }
        else c.SetCc(CcOp.Sign64, r);
    }

    public static void RLL(Cpu c, ref Insn i) => c.SetR32(i.R1, Rotl32(c.R32(i.R3), Amount(c, ref i)));
    public static void RLLG(Cpu c, ref Insn i) => c.G[i.R1] = Rotl(c.G[i.R3], Amount(c, ref i));

    // ---- rotate then insert / and / or / xor selected bits ----------------------------------
    private static void RotateInsert(Cpu c, ref Insn i, bool setCc)
    {
        int start = (int)(i.I3 & 63), end = (int)(i.I4 & 63);
        bool zero = (i.I4 & 0x80) != 0;
        ulong mask = MaskRange(start, end);
        ulong rot = Rotl(c.G[i.R2], (int)(i.I5 & 63));
        ulong r = zero ? rot & mask : (c.G[i.R1] & ~mask) | (rot & mask);
        c.G[i.R1] = r;
        if (setCc) c.SetCc(CcOp.Sign64, r);
    }
    public static void RISBG(Cpu c, ref Insn i) => RotateInsert(c, ref i, true);
    public static void RISBGN(Cpu c, ref Insn i) => RotateInsert(c, ref i, false);

    /// <summary>RISBHG/RISBLG: positions wrap within one word; "zero remaining" clears only that word.</summary>
    private static void RotateInsertWord(Cpu c, ref Insn i, bool high)
    {
        int start = (int)(i.I3 & 31), end = (int)(i.I4 & 31);
        bool zero = (i.I4 & 0x80) != 0;
        ulong word = high ? 0xFFFF_FFFF_0000_0000UL : 0xFFFF_FFFFUL;
        ulong mask32 = start <= end ? (0xFFFF_FFFFUL >> start) & (0xFFFF_FFFFUL << (31 - end)) & 0xFFFF_FFFFUL
                                    : ((0xFFFF_FFFFUL >> start) | (0xFFFF_FFFFUL << (31 - end))) & 0xFFFF_FFFFUL;
        ulong mask = high ? mask32 << 32 : mask32;
        ulong rot = Rotl(c.G[i.R2], (int)(i.I5 & 63));
        ulong keep = zero ? ~word : ~mask;
        c.G[i.R1] = (c.G[i.R1] & keep) | (rot & mask);
    }
    public static void RISBHG(Cpu c, ref Insn i) => RotateInsertWord(c, ref i, true);
    public static void RISBLG(Cpu c, ref Insn i) => RotateInsertWord(c, ref i, false);

    private static void RotateThenOp(Cpu c, ref Insn i, int op)
    {
        int start = (int)(i.I3 & 63), end = (int)(i.I4 & 63);
        bool testOnly = (i.I3 & 0x80) != 0;
        ulong mask = MaskRange(start, end);
        ulong rot = Rotl(c.G[i.R2], (int)(i.I5 & 63));
        ulong old = c.G[i.R1];
        ulong res = op switch { 0 => old & rot, 1 => old | rot, _ => old ^ rot };
        ulong sel = res & mask;
        if (!testOnly) c.G[i.R1] = (old & ~mask) | sel;
        c.SetCc(CcOp.NonZero64, sel);
    }
    public static void RNSBG(Cpu c, ref Insn i) => RotateThenOp(c, ref i, 0);
    public static void ROSBG(Cpu c, ref Insn i) => RotateThenOp(c, ref i, 1);
    public static void RXSBG(Cpu c, ref Insn i) => RotateThenOp(c, ref i, 2);
}
