using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>Conversions between binary and packed decimal (CONVERT TO BINARY / TO DECIMAL).</summary>
[SemanticBodies]
public static class Decimal
{
    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);

    /// <summary>Reads a packed-decimal field; invalid digits or sign are a data exception (DXC 0).</summary>
    private static Int128 ReadPacked(Cpu c, ulong a, int bytes)
    {
        c.CheckAccess(a, (ulong)bytes, false);
        Int128 v = 0;
        for (int k = 0; k < bytes; k++)
        {
            byte b = c.ReadU8((a + (ulong)k) & c.AddrMask);
            int hi = b >> 4, lo = b & 0xF;
            if (hi > 9) throw c.DataException(0);
            v = v * 10 + hi;
            if (k < bytes - 1)
            {
                if (lo > 9) throw c.DataException(0);
                v = v * 10 + lo;
            }
            else
            {
                if (lo < 0xA) throw c.DataException(0);
                if (lo is 0xB or 0xD) v = -v;
            }
        }
        return v;
    }

    private static void WritePacked(Cpu c, ulong a, int bytes, Int128 v)
    {
        c.CheckAccess(a, (ulong)bytes, true);
        bool neg = v < 0;
        UInt128 m = neg ? (UInt128)(-v) : (UInt128)v;
        var digits = new byte[bytes];
        digits[bytes - 1] = (byte)(((int)(m % 10) << 4) | (neg ? 0xD : 0xC));
        m /= 10;
        for (int k = bytes - 2; k >= 0; k--)
        {
            int lo = (int)(m % 10); m /= 10;
            int hi = (int)(m % 10); m /= 10;
            digits[k] = (byte)((hi << 4) | lo);
        }
        for (int k = 0; k < bytes; k++) c.WriteU8((a + (ulong)k) & c.AddrMask, digits[k]);
    }

    private static void ToBinary32(Cpu c, int r1, Int128 v)
    {
        // the low 32 bits of the result are stored even when it does not fit (then: fixed-point divide)
        c.SetR32(r1, (uint)(ulong)(v & 0xFFFF_FFFF));
        if (v > int.MaxValue || v < int.MinValue) throw c.Pgm(PgmCode.FixedPointDivide);
    }

    public static void CVB(Cpu c, ref Insn i) => ToBinary32(c, i.R1, ReadPacked(c, A2(c, ref i), 8));
    public static void CVBY(Cpu c, ref Insn i) => CVB(c, ref i);
    public static void CVBG(Cpu c, ref Insn i)
    {
        Int128 v = ReadPacked(c, A2(c, ref i), 16);
        c.G[i.R1] = (ulong)(v & ulong.MaxValue);
        if (v > long.MaxValue || v < long.MinValue) throw c.Pgm(PgmCode.FixedPointDivide);
    }
    public static void CVD(Cpu c, ref Insn i) => WritePacked(c, A2(c, ref i), 8, (int)c.R32(i.R1));
    public static void CVDY(Cpu c, ref Insn i) => CVD(c, ref i);
    public static void CVDG(Cpu c, ref Insn i) => WritePacked(c, A2(c, ref i), 16, (long)c.G[i.R1]);
}
