using System.Numerics;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>Logical operations: AND, OR, EXCLUSIVE OR, TEST UNDER MASK, insert/compare under mask.</summary>
[SemanticBodies]
public static class Logical
{
    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);
    private static ulong A1(Cpu c, ref Insn i) => c.Addr(i.B1, i.D1);

    private static void Set32(Cpu c, int r1, uint v) { c.SetR32(r1, v); c.SetCc(CcOp.NonZero32, v); }
    private static void Set64(Cpu c, int r1, ulong v) { c.G[r1] = v; c.SetCc(CcOp.NonZero64, v); }

    public static void NR(Cpu c, ref Insn i) => Set32(c, i.R1, c.R32(i.R1) & c.R32(i.R2));
    public static void OR(Cpu c, ref Insn i) => Set32(c, i.R1, c.R32(i.R1) | c.R32(i.R2));
    public static void XR(Cpu c, ref Insn i) => Set32(c, i.R1, c.R32(i.R1) ^ c.R32(i.R2));
    public static void NRK(Cpu c, ref Insn i) => Set32(c, i.R1, c.R32(i.R2) & c.R32(i.R3));
    public static void ORK(Cpu c, ref Insn i) => Set32(c, i.R1, c.R32(i.R2) | c.R32(i.R3));
    public static void XRK(Cpu c, ref Insn i) => Set32(c, i.R1, c.R32(i.R2) ^ c.R32(i.R3));
    public static void N(Cpu c, ref Insn i) => Set32(c, i.R1, c.R32(i.R1) & c.ReadU32(A2(c, ref i)));
    public static void O(Cpu c, ref Insn i) => Set32(c, i.R1, c.R32(i.R1) | c.ReadU32(A2(c, ref i)));
    public static void X(Cpu c, ref Insn i) => Set32(c, i.R1, c.R32(i.R1) ^ c.ReadU32(A2(c, ref i)));
    public static void NY(Cpu c, ref Insn i) => N(c, ref i);
    public static void OY(Cpu c, ref Insn i) => O(c, ref i);
    public static void XY(Cpu c, ref Insn i) => X(c, ref i);
    public static void NGR(Cpu c, ref Insn i) => Set64(c, i.R1, c.G[i.R1] & c.G[i.R2]);
    public static void OGR(Cpu c, ref Insn i) => Set64(c, i.R1, c.G[i.R1] | c.G[i.R2]);
    public static void XGR(Cpu c, ref Insn i) => Set64(c, i.R1, c.G[i.R1] ^ c.G[i.R2]);
    public static void NGRK(Cpu c, ref Insn i) => Set64(c, i.R1, c.G[i.R2] & c.G[i.R3]);
    public static void OGRK(Cpu c, ref Insn i) => Set64(c, i.R1, c.G[i.R2] | c.G[i.R3]);
    public static void XGRK(Cpu c, ref Insn i) => Set64(c, i.R1, c.G[i.R2] ^ c.G[i.R3]);
    public static void NG(Cpu c, ref Insn i) => Set64(c, i.R1, c.G[i.R1] & c.ReadU64(A2(c, ref i)));
    public static void OG(Cpu c, ref Insn i) => Set64(c, i.R1, c.G[i.R1] | c.ReadU64(A2(c, ref i)));
    public static void XG(Cpu c, ref Insn i) => Set64(c, i.R1, c.G[i.R1] ^ c.ReadU64(A2(c, ref i)));

    // storage-immediate
    private static void SiResult(Cpu c, ulong a, int r)
    {
        c.WriteU8(a, (byte)r);
        c.SetCc(CcOp.NonZero32, (byte)r);
    }
    public static void NI(Cpu c, ref Insn i) { ulong a = A1(c, ref i); SiResult(c, a, c.ReadU8(a) & (int)i.I2); }
    public static void OI(Cpu c, ref Insn i) { ulong a = A1(c, ref i); SiResult(c, a, c.ReadU8(a) | (int)i.I2); }
    public static void XI(Cpu c, ref Insn i) { ulong a = A1(c, ref i); SiResult(c, a, c.ReadU8(a) ^ (int)i.I2); }
    public static void NIY(Cpu c, ref Insn i) => NI(c, ref i);
    public static void OIY(Cpu c, ref Insn i) => OI(c, ref i);
    public static void XIY(Cpu c, ref Insn i) => XI(c, ref i);
    public static void TM(Cpu c, ref Insn i) => c.SetCc(CcOp.TestUnderMask, c.ReadU8(A1(c, ref i)), (byte)i.I2);
    public static void TMY(Cpu c, ref Insn i) => TM(c, ref i);

    // immediate halfwords / words: bit position of the field's rightmost bit
    private static void AndImm(Cpu c, int r1, int shift, ulong fieldMask, ulong imm)
    {
        ulong v = c.G[r1];
        ulong field = (v >> shift) & fieldMask & imm;
        c.G[r1] = (v & ~(fieldMask << shift)) | (field << shift);
        c.SetCc(CcOp.NonZero64, field);
    }
    private static void OrImm(Cpu c, int r1, int shift, ulong fieldMask, ulong imm)
    {
        ulong field = ((c.G[r1] >> shift) & fieldMask) | (imm & fieldMask);
        c.G[r1] = (c.G[r1] & ~(fieldMask << shift)) | (field << shift);
        c.SetCc(CcOp.NonZero64, field);
    }
    private static void XorImm(Cpu c, int r1, int shift, ulong fieldMask, ulong imm)
    {
        ulong field = ((c.G[r1] >> shift) & fieldMask) ^ (imm & fieldMask);
        c.G[r1] = (c.G[r1] & ~(fieldMask << shift)) | (field << shift);
        c.SetCc(CcOp.NonZero64, field);
    }
    private static void Insert(Cpu c, int r1, int shift, ulong fieldMask, ulong imm) =>
        c.G[r1] = (c.G[r1] & ~(fieldMask << shift)) | ((imm & fieldMask) << shift);
    private static void LoadLogical(Cpu c, int r1, int shift, ulong fieldMask, ulong imm) => c.G[r1] = (imm & fieldMask) << shift;

    public static void NIHH(Cpu c, ref Insn i) => AndImm(c, i.R1, 48, 0xFFFF, (ulong)i.I2);
    public static void NIHL(Cpu c, ref Insn i) => AndImm(c, i.R1, 32, 0xFFFF, (ulong)i.I2);
    public static void NILH(Cpu c, ref Insn i) => AndImm(c, i.R1, 16, 0xFFFF, (ulong)i.I2);
    public static void NILL(Cpu c, ref Insn i) => AndImm(c, i.R1, 0, 0xFFFF, (ulong)i.I2);
    public static void NIHF(Cpu c, ref Insn i) => AndImm(c, i.R1, 32, 0xFFFF_FFFF, (ulong)i.I2);
    public static void NILF(Cpu c, ref Insn i) => AndImm(c, i.R1, 0, 0xFFFF_FFFF, (ulong)i.I2);
    public static void OIHH(Cpu c, ref Insn i) => OrImm(c, i.R1, 48, 0xFFFF, (ulong)i.I2);
    public static void OIHL(Cpu c, ref Insn i) => OrImm(c, i.R1, 32, 0xFFFF, (ulong)i.I2);
    public static void OILH(Cpu c, ref Insn i) => OrImm(c, i.R1, 16, 0xFFFF, (ulong)i.I2);
    public static void OILL(Cpu c, ref Insn i) => OrImm(c, i.R1, 0, 0xFFFF, (ulong)i.I2);
    public static void OIHF(Cpu c, ref Insn i) => OrImm(c, i.R1, 32, 0xFFFF_FFFF, (ulong)i.I2);
    public static void OILF(Cpu c, ref Insn i) => OrImm(c, i.R1, 0, 0xFFFF_FFFF, (ulong)i.I2);
    public static void XIHF(Cpu c, ref Insn i) => XorImm(c, i.R1, 32, 0xFFFF_FFFF, (ulong)i.I2);
    public static void XILF(Cpu c, ref Insn i) => XorImm(c, i.R1, 0, 0xFFFF_FFFF, (ulong)i.I2);
    public static void IIHH(Cpu c, ref Insn i) => Insert(c, i.R1, 48, 0xFFFF, (ulong)i.I2);
    public static void IIHL(Cpu c, ref Insn i) => Insert(c, i.R1, 32, 0xFFFF, (ulong)i.I2);
    public static void IILH(Cpu c, ref Insn i) => Insert(c, i.R1, 16, 0xFFFF, (ulong)i.I2);
    public static void IILL(Cpu c, ref Insn i) => Insert(c, i.R1, 0, 0xFFFF, (ulong)i.I2);
    public static void IIHF(Cpu c, ref Insn i) => Insert(c, i.R1, 32, 0xFFFF_FFFF, (ulong)i.I2);
    public static void IILF(Cpu c, ref Insn i) => Insert(c, i.R1, 0, 0xFFFF_FFFF, (ulong)i.I2);
    public static void LLIHH(Cpu c, ref Insn i) => LoadLogical(c, i.R1, 48, 0xFFFF, (ulong)i.I2);
    public static void LLIHL(Cpu c, ref Insn i) => LoadLogical(c, i.R1, 32, 0xFFFF, (ulong)i.I2);
    public static void LLILH(Cpu c, ref Insn i) => LoadLogical(c, i.R1, 16, 0xFFFF, (ulong)i.I2);
    public static void LLILL(Cpu c, ref Insn i) => LoadLogical(c, i.R1, 0, 0xFFFF, (ulong)i.I2);
    public static void LLIHF(Cpu c, ref Insn i) => LoadLogical(c, i.R1, 32, 0xFFFF_FFFF, (ulong)i.I2);
    public static void LLILF(Cpu c, ref Insn i) => LoadLogical(c, i.R1, 0, 0xFFFF_FFFF, (ulong)i.I2);

    public static void TMHH(Cpu c, ref Insn i) => c.SetCc(CcOp.TestUnderMask16, (c.G[i.R1] >> 48) & 0xFFFF, (ulong)i.I2);
    public static void TMHL(Cpu c, ref Insn i) => c.SetCc(CcOp.TestUnderMask16, (c.G[i.R1] >> 32) & 0xFFFF, (ulong)i.I2);
    public static void TMLH(Cpu c, ref Insn i) => c.SetCc(CcOp.TestUnderMask16, (c.G[i.R1] >> 16) & 0xFFFF, (ulong)i.I2);
    public static void TMLL(Cpu c, ref Insn i) => c.SetCc(CcOp.TestUnderMask16, c.G[i.R1] & 0xFFFF, (ulong)i.I2);

    // ---- insert / store / compare characters under mask ---------------------------------------
    /// <summary>ICM on the word at bit offset <paramref name="shift"/> of R1 (0: low word, 32: high word).</summary>
    private static void InsertUnderMask(Cpu c, int r1, int mask, ulong addr, int shift)
    {
        uint w = (uint)(c.G[r1] >> shift);
        uint inserted = 0;
        int n = 0, first = -1;
        for (int b = 0; b < 4; b++)
        {
            if ((mask & (8 >> b)) == 0) continue;
            byte v = c.ReadU8((addr + (ulong)n++) & c.AddrMask);
            if (first < 0) first = v;
            int sh = 24 - 8 * b;
            w = (w & ~(0xFFu << sh)) | ((uint)v << sh);
            inserted = (inserted << 8) | v;
        }
        c.G[r1] = (c.G[r1] & ~(0xFFFF_FFFFUL << shift)) | ((ulong)w << shift);
        c.Cc = mask == 0 || inserted == 0 ? 0 : (first & 0x80) != 0 ? 1 : 2;
    }
    public static void IC(Cpu c, ref Insn i) => c.G[i.R1] = (c.G[i.R1] & ~0xFFUL) | c.ReadU8(A2(c, ref i));
    public static void ICY(Cpu c, ref Insn i) => IC(c, ref i);
    public static void ICM(Cpu c, ref Insn i) => InsertUnderMask(c, i.R1, i.M3, c.Addr(i.B2, i.D2), 0);
    public static void ICMY(Cpu c, ref Insn i) => ICM(c, ref i);
    public static void ICMH(Cpu c, ref Insn i) => InsertUnderMask(c, i.R1, i.M3, c.Addr(i.B2, i.D2), 32);

    private static void StoreUnderMask(Cpu c, int r1, int mask, ulong addr, int shift)
    {
        uint w = (uint)(c.G[r1] >> shift);
        int n = 0;
        Span<byte> bytes = stackalloc byte[4];
        for (int b = 0; b < 4; b++)
            if ((mask & (8 >> b)) != 0) bytes[n++] = (byte)(w >> (24 - 8 * b));
        if (n > 0) c.CheckAccess(addr, (ulong)n, true);
        for (int k = 0; k < n; k++) c.WriteU8((addr + (ulong)k) & c.AddrMask, bytes[k]);
    }
    public static void STCM(Cpu c, ref Insn i) => StoreUnderMask(c, i.R1, i.M3, c.Addr(i.B2, i.D2), 0);
    public static void STCMY(Cpu c, ref Insn i) => STCM(c, ref i);
    public static void STCMH(Cpu c, ref Insn i) => StoreUnderMask(c, i.R1, i.M3, c.Addr(i.B2, i.D2), 32);

    private static void CompareUnderMask(Cpu c, int r1, int mask, ulong addr, int shift)
    {
        uint w = (uint)(c.G[r1] >> shift);
        int n = 0;
        for (int b = 0; b < 4; b++)
        {
            if ((mask & (8 >> b)) == 0) continue;
            byte reg = (byte)(w >> (24 - 8 * b));
            byte mem = c.ReadU8((addr + (ulong)n++) & c.AddrMask);
            if (reg != mem) { c.Cc = reg < mem ? 1 : 2; return; }
        }
        c.Cc = 0;
    }
    public static void CLM(Cpu c, ref Insn i) => CompareUnderMask(c, i.R1, i.M3, c.Addr(i.B2, i.D2), 0);
    public static void CLMY(Cpu c, ref Insn i) => CLM(c, ref i);
    public static void CLMH(Cpu c, ref Insn i) => CompareUnderMask(c, i.R1, i.M3, c.Addr(i.B2, i.D2), 32);

    // ---- bit counting ----------------------------------------------------------------------------
    public static void POPCNT(Cpu c, ref Insn i)
    {
        ulong v = c.G[i.R2];
        if ((i.M3 & 8) != 0 && c.HasFacility(Fac.MiscInstructionExtensions3))
            c.G[i.R1] = (ulong)BitOperations.PopCount(v);
        else
        {
            ulong r = 0;
            for (int b = 0; b < 8; b++) r |= (ulong)BitOperations.PopCount((v >> (8 * b)) & 0xFF) << (8 * b);
            c.G[i.R1] = r;
        }
        c.SetCc(CcOp.NonZero64, v);
    }

    public static void FLOGR(Cpu c, ref Insn i)
    {
        ulong v = c.G[i.R2];
        if (v == 0) { c.G[i.R1] = 64; c.G[i.R1 + 1] = 0; c.Cc = 0; return; }
        int lz = BitOperations.LeadingZeroCount(v);
        c.G[i.R1] = (ulong)lz;
        c.G[i.R1 + 1] = v & ~(0x8000_0000_0000_0000UL >> lz);
        c.Cc = 2;
    }
}
