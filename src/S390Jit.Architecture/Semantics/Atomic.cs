using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>COMPARE AND SWAP AND STORE (facilities 32 and 33) and LOAD PAIR DISJOINT (facility 45).</summary>
[SemanticBodies]
public static class Atomic
{
    private static ulong Aligned(Cpu c, ulong a, int size)
    {
        if ((a & (ulong)(size - 1)) != 0) throw c.Pgm(PgmCode.Specification);
        return a;
    }

    /// <summary>
    /// CSST: GR0 bits 56-63 = function code (0: 4-byte, 1: 8-byte, 2: 16-byte compare and swap), bits
    /// 48-55 = store characteristic (store size 1 &lt;&lt; SC bytes, up to 16); GR1 = the 16-byte aligned
    /// parameter list (replacement value at 0, store value at 16, both left-aligned). When the first
    /// operand equals R3 (the pair R3, R3+1 for FC 2), it is replaced and the store value stored at the
    /// second operand (cc 0); otherwise R3 receives the first operand (cc 1).
    /// </summary>
    public static void CSST(Cpu c, ref Insn i)
    {
        int fc = (int)(c.G[0] & 0xFF), sc = (int)((c.G[0] >> 8) & 0xFF);
        bool two = c.HasFacility(Fac.Csst2);
        if (fc > 2 || sc > 4 || ((fc == 2 || sc == 4) && !two) || (fc == 2 && (i.R3 & 1) != 0)) throw c.Pgm(PgmCode.Specification);
        ulong a1 = Aligned(c, c.Addr(i.B1, i.D1), 4 << fc);
        ulong a2 = Aligned(c, c.Addr(i.B2, i.D2), 1 << sc);
        ulong pl = c.G[1] & ~15UL & c.AddrMask;
        c.CheckAccess(pl, 32, false);
        c.CheckAccess(a1, 4UL << fc, true);
        c.CheckAccess(a2, 1UL << sc, true);
        ulong nvHi = c.ReadU64(pl), nvLo = c.ReadU64((pl + 8) & c.AddrMask);
        ulong svHi = c.ReadU64((pl + 16) & c.AddrMask), svLo = c.ReadU64((pl + 24) & c.AddrMask);
        bool equal;
        switch (fc)
        {
            case 0:
            {
                uint old = c.ReadU32(a1);
                equal = old == c.R32(i.R3);
                if (equal) c.WriteU32(a1, (uint)(nvHi >> 32)); else c.SetR32(i.R3, old);
                break;
            }
            case 1:
            {
                ulong old = c.ReadU64(a1);
                equal = old == c.G[i.R3];
                if (equal) c.WriteU64(a1, nvHi); else c.G[i.R3] = old;
                break;
            }
            default:
            {
                ulong hi = c.ReadU64(a1), lo = c.ReadU64((a1 + 8) & c.AddrMask);
                equal = hi == c.G[i.R3] && lo == c.G[i.R3 + 1];
                if (equal) { c.WriteU64(a1, nvHi); c.WriteU64((a1 + 8) & c.AddrMask, nvLo); }
                else { c.G[i.R3] = hi; c.G[i.R3 + 1] = lo; }
                break;
            }
        }
        if (equal)
        {
            switch (sc)
            {
                case 0: c.WriteU8(a2, (byte)(svHi >> 56)); break;
                case 1: c.WriteU16(a2, (ushort)(svHi >> 48)); break;
                case 2: c.WriteU32(a2, (uint)(svHi >> 32)); break;
                case 3: c.WriteU64(a2, svHi); break;
                default: c.WriteU64(a2, svHi); c.WriteU64((a2 + 8) & c.AddrMask, svLo); break;
            }
        }
        c.Cc = equal ? 0 : 1;
    }

    /// <summary>LPD/LPDG: R3 and R3+1 receive the two operands, fetched as one interlocked snapshot (cc 0).</summary>
    public static void LPD(Cpu c, ref Insn i)
    {
        ulong a1 = Aligned(c, c.Addr(i.B1, i.D1), 4), a2 = Aligned(c, c.Addr(i.B2, i.D2), 4);
        c.CheckAccess(a1, 4, false);
        c.CheckAccess(a2, 4, false);
        c.SetR32(i.R3, c.ReadU32(a1));
        c.SetR32(i.R3 + 1, c.ReadU32(a2));
        c.Cc = 0;
    }

    public static void LPDG(Cpu c, ref Insn i)
    {
        ulong a1 = Aligned(c, c.Addr(i.B1, i.D1), 8), a2 = Aligned(c, c.Addr(i.B2, i.D2), 8);
        c.CheckAccess(a1, 8, false);
        c.CheckAccess(a2, 8, false);
        c.G[i.R3] = c.ReadU64(a1);
        c.G[i.R3 + 1] = c.ReadU64(a2);
        c.Cc = 0;
    }
}
