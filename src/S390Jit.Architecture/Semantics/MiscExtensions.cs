using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// General instructions of the miscellaneous-instruction-extensions facilities 2 (z14, facility 58)
/// and 3 (z15, facility 61), which gcc emits for -march=z14 and later: multiplies with a condition
/// code and overflow, 128-bit signed products, halfword add/subtract/multiply, branch indirect on
/// condition, the Boolean operations with complement, select, and MOVE RIGHT TO LEFT.
/// </summary>
[SemanticBodies]
public static class MiscExtensions
{
    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);

    /// <summary>Signed multiply keeping the low 32 or 64 bits: cc 0 zero, 1 negative, 2 positive, 3 overflow (fixed-point overflow when enabled).</summary>
    private static void MultiplyCc(Cpu c, int r1, long a, long b, bool wide)
    {
        Int128 p = (Int128)a * b;
        long r = wide ? (long)p : (int)p;
        if (wide) c.G[r1] = (ulong)r; else c.SetR32(r1, (uint)r);
        bool overflow = p != r;
        c.Cc = overflow ? 3 : r == 0 ? 0 : r < 0 ? 1 : 2;
        if (overflow) Alu.FixedOverflow(c);
    }

    public static void MSRKC(Cpu c, ref Insn i) => MultiplyCc(c, i.R1, (int)c.R32(i.R2), (int)c.R32(i.R3), wide: false);
    public static void MSGRKC(Cpu c, ref Insn i) => MultiplyCc(c, i.R1, (long)c.G[i.R2], (long)c.G[i.R3], wide: true);
    public static void MSC(Cpu c, ref Insn i) => MultiplyCc(c, i.R1, (int)c.R32(i.R1), (int)c.ReadU32(A2(c, ref i)), wide: false);
    public static void MSGC(Cpu c, ref Insn i) => MultiplyCc(c, i.R1, (long)c.G[i.R1], (long)c.ReadU64(A2(c, ref i)), wide: true);

    /// <summary>128-bit signed product in the even/odd pair R1, R1+1.</summary>
    private static void MultiplyPair(Cpu c, int r1, long a, long b)
    {
        Int128 p = (Int128)a * b;
        c.G[r1] = (ulong)(p >> 64);
        c.G[r1 + 1] = (ulong)p;
    }

    public static void MGRK(Cpu c, ref Insn i) => MultiplyPair(c, i.R1, (long)c.G[i.R2], (long)c.G[i.R3]);
    public static void MG(Cpu c, ref Insn i) => MultiplyPair(c, i.R1, (long)c.G[i.R1 + 1], (long)c.ReadU64(A2(c, ref i)));
    public static void MGH(Cpu c, ref Insn i) => c.G[i.R1] = c.G[i.R1] * (ulong)(long)(short)c.ReadU16(A2(c, ref i));

    /// <summary>AGH/SGH: the signed halfword added to or subtracted from R1 (cc and fixed-point overflow as AG/SG).</summary>
    private static void AddHalfword(Cpu c, ref Insn i, bool subtract)
    {
        ulong a = c.G[i.R1], b = (ulong)(long)(short)c.ReadU16(A2(c, ref i));
        ulong r = subtract ? a - b : a + b;
        c.G[i.R1] = r;
        c.SetCc(subtract ? CcOp.SubSigned64 : CcOp.AddSigned64, a, b);
        if (subtract ? CcRules.SubOverflows(a, b, r, wide: true) : CcRules.AddOverflows(a, b, r, wide: true)) Alu.FixedOverflow(c);
    }

    public static void AGH(Cpu c, ref Insn i) => AddHalfword(c, ref i, subtract: false);
    public static void SGH(Cpu c, ref Insn i) => AddHalfword(c, ref i, subtract: true);

    /// <summary>The condition code selects a bit of the mask (8 = cc 0).</summary>
    private static bool Matches(Cpu c, int mask) => (mask & (8 >> c.Cc)) != 0;

    /// <summary>BIC: when the condition code matches M1, branch to the address in the doubleword at the second-operand address.</summary>
    public static void BIC(Cpu c, ref Insn i)
    {
        if (!Matches(c, i.M1)) return;
        c.PswAddr = c.ReadU64(A2(c, ref i)) & c.AddrMask;
    }

    // ---- miscellaneous-instruction-extensions 3 ---------------------------------------------
    private static void Logic32(Cpu c, ref Insn i, uint r) { c.SetR32(i.R1, r); c.SetCc(CcOp.NonZero32, r); }
    private static void Logic64(Cpu c, ref Insn i, ulong r) { c.G[i.R1] = r; c.SetCc(CcOp.NonZero64, r); }

    public static void NNRK(Cpu c, ref Insn i) => Logic32(c, ref i, ~(c.R32(i.R2) & c.R32(i.R3)));
    public static void NORK(Cpu c, ref Insn i) => Logic32(c, ref i, ~(c.R32(i.R2) | c.R32(i.R3)));
    public static void NXRK(Cpu c, ref Insn i) => Logic32(c, ref i, ~(c.R32(i.R2) ^ c.R32(i.R3)));
    public static void NCRK(Cpu c, ref Insn i) => Logic32(c, ref i, c.R32(i.R2) & ~c.R32(i.R3));
    public static void OCRK(Cpu c, ref Insn i) => Logic32(c, ref i, c.R32(i.R2) | ~c.R32(i.R3));
    public static void NNGRK(Cpu c, ref Insn i) => Logic64(c, ref i, ~(c.G[i.R2] & c.G[i.R3]));
    public static void NOGRK(Cpu c, ref Insn i) => Logic64(c, ref i, ~(c.G[i.R2] | c.G[i.R3]));
    public static void NXGRK(Cpu c, ref Insn i) => Logic64(c, ref i, ~(c.G[i.R2] ^ c.G[i.R3]));
    public static void NCGRK(Cpu c, ref Insn i) => Logic64(c, ref i, c.G[i.R2] & ~c.G[i.R3]);
    public static void OCGRK(Cpu c, ref Insn i) => Logic64(c, ref i, c.G[i.R2] | ~c.G[i.R3]);

    /// <summary>SELR/SELGR/SELFHR: R2 when the condition code matches M4, else R3.</summary>
    public static void SELR(Cpu c, ref Insn i) => c.SetR32(i.R1, Matches(c, i.M4) ? c.R32(i.R2) : c.R32(i.R3));
    public static void SELGR(Cpu c, ref Insn i) => c.G[i.R1] = Matches(c, i.M4) ? c.G[i.R2] : c.G[i.R3];
    public static void SELFHR(Cpu c, ref Insn i) => c.SetR32H(i.R1, Matches(c, i.M4) ? c.R32H(i.R2) : c.R32H(i.R3));

    /// <summary>MVCRL: bits 56-63 of GR0 + 1 bytes, moved one byte at a time from the right to the left.</summary>
    public static void MVCRL(Cpu c, ref Insn i)
    {
        ulong d = c.Addr(i.B1, i.D1), s = c.Addr(i.B2, i.D2), n = (c.G[0] & 0xFF) + 1;
        c.CheckAccess(s, n, false);
        c.CheckAccess(d, n, true);
        for (ulong k = n; k-- > 0;) c.WriteU8((d + k) & c.AddrMask, c.ReadU8((s + k) & c.AddrMask));
        c.Cycles += n >> 4;
    }
}
