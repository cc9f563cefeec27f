using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Storage-key instructions (PoO "Storage Keys"): ISKE, SSKE (conditional and multiple-block forms),
/// IVSK, RRBE, RRBM and PFMF. A key byte holds ACC (bits 0-3), F, R and C as bits 56-62 of a
/// register show them. Changing a key or its R/C bits drops the cached translations of that frame on
/// every CPU, so the next access checks and records again.
/// </summary>
[SemanticBodies]
public static class StorageKeys
{
    private const byte Ref = 0x04, Chg = 0x02, AccF = 0xF8;
    private const int MaskMr = 4, MaskMc = 2, MaskMb = 1;
    private const ulong Cr0ExtractionAuthority = 1UL << 27;

    /// <summary>The frame of a real address (prefixing applied); addressing exception beyond storage.</summary>
    private static ulong FrameOfReal(Cpu c, ulong real)
    {
        ulong abs = c.RealToAbsolute(real & c.AddrMask);
        if (abs >= c.MemSize) throw c.Pgm(PgmCode.Addressing);
        return abs >> 12;
    }

    private static ulong FrameOfAbsolute(Cpu c, ulong abs)
    {
        if (abs >= c.MemSize) throw c.Pgm(PgmCode.Addressing);
        return abs >> 12;
    }

    private static void SetKey(Cpu c, ulong frame, byte key)
    {
        c.StorageKeys[frame] = (byte)(key & 0xFE);
        c.Broadcast(cpu => cpu.InvalidateFrame(frame));
    }

    public static void ISKE(Cpu c, ref Insn i) =>
        c.G[i.R1] = (c.G[i.R1] & ~0xFFUL) | (byte)(c.StorageKeys[FrameOfReal(c, c.G[i.R2])] & 0xFE);

    /// <summary>
    /// Conditional SSKE (facility 10, MR or MC one): the update is skipped when ACC and F equal R1's and
    /// either both masks are one or an unmasked R or C bit already equals R1's; a masked bit keeps its value.
    /// </summary>
    private static bool Bypass(Cpu c, int m3, byte old, byte r1key)
    {
        if (!c.HasFacility(Fac.ConditionalSske) || (m3 & (MaskMr | MaskMc)) == 0 || (old & AccF) != (r1key & AccF)) return false;
        return (m3 & (MaskMr | MaskMc)) == (MaskMr | MaskMc)
            || ((m3 & MaskMr) == 0 && (old & Ref) == (r1key & Ref))
            || ((m3 & MaskMc) == 0 && (old & Chg) == (r1key & Chg));
    }

    private static byte Updated(int m3, byte old, byte r1key)
    {
        byte k = (byte)(r1key & 0xFE);
        if ((m3 & MaskMr) != 0) k = (byte)((k & ~Ref) | (old & Ref));
        if ((m3 & MaskMc) != 0) k = (byte)((k & ~Chg) | (old & Chg));
        return k;
    }

    /// <summary>
    /// SSKE R1,R2,M3: sets the key of the 4K frame R2 designates (real) from R1 bits 56-62. With MR/MC
    /// (conditional SSKE) the old key goes to R1 bits 48-55 and the cc tells what happened (0 nothing,
    /// 1 the whole key set, 2 only R/C set); with MB (EDAT-1) every frame up to the next 1 MiB boundary is
    /// set (absolute addresses) and R2 advances to that boundary.
    /// </summary>
    public static void SSKE(Cpu c, ref Insn i)
    {
        int m3 = i.M3;
        byte r1key = (byte)c.G[i.R1];
        bool conditional = c.HasFacility(Fac.ConditionalSske) && (m3 & (MaskMr | MaskMc)) != 0;
        if ((m3 & MaskMb) != 0 && c.HasFacility(Fac.Edat1))
        {
            ulong a = c.G[i.R2] & c.AddrMask;
            ulong end = (a | 0xF_FFFFUL) + 1;
            for (ulong f = a >> 12; f < end >> 12; f++)
            {
                FrameOfAbsolute(c, f << 12);
                byte old = c.StorageKeys[f];
                if (!Bypass(c, m3, old, r1key)) SetKey(c, f, Updated(m3, old, r1key));
            }
            c.SetAddressReg(i.R2, (end & ~0xFFFUL) | (a & 0xFFF));
            if (conditional) c.Cc = 3;
            return;
        }
        ulong frame = FrameOfReal(c, c.G[i.R2]);
        byte prev = c.StorageKeys[frame];
        if (conditional) c.G[i.R1] = (c.G[i.R1] & ~0xFF00UL) | ((ulong)(prev & 0xFE) << 8);
        if (Bypass(c, m3, prev, r1key)) { c.Cc = 0; return; }
        SetKey(c, frame, Updated(m3, prev, r1key));
        if (conditional) c.Cc = (prev & AccF) != (r1key & AccF) ? 1 : 2;
    }

    /// <summary>IVSK: ACC and F of the frame the logical address in R2 translates to (bits 56-60 of R1; 61-63 zero). Special operation with DAT off.</summary>
    public static unsafe void IVSK(Cpu c, ref Insn i)
    {
        if (c.ProblemState && (c.Cr[0] & Cr0ExtractionAuthority) == 0) throw c.Pgm(PgmCode.PrivilegedOperation);
        if (!c.DatOn) throw c.Pgm(PgmCode.SpecialOperation);
        ulong frame = c.FrameOfLogical(c.G[i.R2] & c.AddrMask, i.R2);
        c.G[i.R1] = (c.G[i.R1] & ~0xFFUL) | (byte)(c.StorageKeys[frame] & AccF);
    }

    /// <summary>RRBE: cc = R and C of the frame (R2 real) before the reference bit is reset.</summary>
    public static void RRBE(Cpu c, ref Insn i)
    {
        ulong f = FrameOfReal(c, c.G[i.R2]);
        byte k = c.StorageKeys[f];
        c.Cc = ((k & Ref) != 0 ? 2 : 0) | ((k & Chg) != 0 ? 1 : 0);
        SetKey(c, f, (byte)(k & ~Ref));
    }

    /// <summary>RRBM: the reference bits of the 64 frames of the 256 KiB block R2 designates (real) into R1 (bit 0 = first frame), then reset.</summary>
    public static void RRBM(Cpu c, ref Insn i)
    {
        ulong block = c.G[i.R2] & c.AddrMask & ~0x3_FFFFUL;
        ulong bits = 0;
        for (int k = 0; k < 64; k++)
        {
            ulong f = FrameOfReal(c, block + ((ulong)k << 12));
            byte key = c.StorageKeys[f];
            if ((key & Ref) != 0) { bits |= 0x8000_0000_0000_0000UL >> k; SetKey(c, f, (byte)(key & ~Ref)); }
        }
        c.G[i.R1] = bits;
        c.Cc = 0;
    }

    /// <summary>
    /// PFMF R1,R2 (EDAT-1): for a 4K (real), 1M or 2G (absolute) frame: SK sets its keys (conditionally
    /// with MR/MC), CF clears it. Large frames are done up to the next boundary from R2, which advances there.
    /// R1: SK bit 46, CF 47, UI 48, FSC 49-51 (0 4K, 1 1M, 2 2G), MR 53, MC 54, key 56-62.
    /// </summary>
    public static unsafe void PFMF(Cpu c, ref Insn i)
    {
        ulong r1 = c.G[i.R1];
        int fsc = (int)((r1 >> 12) & 7);
        bool sk = (r1 & (1UL << 17)) != 0, cf = (r1 & (1UL << 16)) != 0;
        if ((r1 & 0xFFFC_0900UL) != 0 || fsc > 2 || (fsc == 2 && !c.HasFacility(Fac.EnhancedDat2)))
            throw c.Pgm(PgmCode.Specification);
        int m3 = (int)((r1 >> 8) & (MaskMr | MaskMc));
        byte key = (byte)r1;
        ulong a = c.G[i.R2] & c.AddrMask;
        ulong first, count;
        if (fsc == 0) { first = FrameOfReal(c, a); count = 1; }
        else
        {
            ulong size = fsc == 1 ? 1UL << 20 : 1UL << 31;
            ulong end = (a | (size - 1)) + 1;
            first = a >> 12;
            count = (end >> 12) - first;
        }
        for (ulong f = first; f < first + count; f++)
        {
            FrameOfAbsolute(c, f << 12);
            if (sk)
            {
                byte old = c.StorageKeys[f];
                if (!Bypass(c, m3, old, key)) SetKey(c, f, Updated(m3, old, key));
            }
            if (cf) c.ClearFrame(f);
        }
        if (fsc != 0) c.SetAddressReg(i.R2, ((first + count) << 12) | (a & 0xFFF));
    }
}
