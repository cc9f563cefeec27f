using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.VectorChecks;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Vector shifts and rotates (PoO chapter 22): element shifts by a common amount (VESL..: the rightmost
/// bits of the second-operand address) or by per-element amounts (VESLV..), rotate and insert under
/// mask, and shifts of the whole 128-bit vector by bits (per byte, as vector enhancements 2 defines
/// them), by bytes, and of the 256-bit concatenation of two vectors (VSLDB, VSLD, VSRD).
/// </summary>
[SemanticBodies]
public static class VectorShift
{
    private enum Kind { Left, RightLogical, RightArith, Rotate }

    private static ulong ShiftElement(ulong v, int n, int es, Kind kind)
    {
        int w = Vec.Bits(es);
        ulong m = Vec.Ones(es);
        return kind switch
        {
            Kind.Left => (v << n) & m,
            Kind.RightLogical => v >> n,
            Kind.RightArith => ((ulong)(((long)(v << (64 - w))) >> (64 - w + n))) & m,
            _ => n == 0 ? v : ((v << n) | (v >> (w - n))) & m,
        };
    }

    /// <summary>VESL/VESRL/VESRA/VERLL V1,V3,D2(B2),M4 (the table's V2 and M3): every element by the address's rightmost bits.</summary>
    private static void ByAddress(Cpu c, ref Insn i, Kind kind)
    {
        int es = Es(c, i.M3, 3);
        int n = (int)(c.Addr(i.B2, i.D2) & (ulong)(Vec.Bits(es) - 1));
        Vec a = Vec.Of(c, i.V2), r = default;
        for (int k = 0; k < Vec.Count(es); k++) r.Set(es, k, ShiftElement(a.E(es, k), n, es, kind));
        r.To(c, i.V1);
    }

    public static void VESL(Cpu c, ref Insn i) => ByAddress(c, ref i, Kind.Left);
    public static void VESRL(Cpu c, ref Insn i) => ByAddress(c, ref i, Kind.RightLogical);
    public static void VESRA(Cpu c, ref Insn i) => ByAddress(c, ref i, Kind.RightArith);
    public static void VERLL(Cpu c, ref Insn i) => ByAddress(c, ref i, Kind.Rotate);

    /// <summary>VESLV/VESRLV/VESRAV/VERLLV: element k of V2 by element k of V3 (modulo the element width).</summary>
    private static void ByVector(Cpu c, ref Insn i, Kind kind)
    {
        int es = Es(c, i.M4, 3);
        Vec a = Vec.Of(c, i.V2), s = Vec.Of(c, i.V3), r = default;
        for (int k = 0; k < Vec.Count(es); k++)
            r.Set(es, k, ShiftElement(a.E(es, k), (int)(s.E(es, k) & (ulong)(Vec.Bits(es) - 1)), es, kind));
        r.To(c, i.V1);
    }

    public static void VESLV(Cpu c, ref Insn i) => ByVector(c, ref i, Kind.Left);
    public static void VESRLV(Cpu c, ref Insn i) => ByVector(c, ref i, Kind.RightLogical);
    public static void VESRAV(Cpu c, ref Insn i) => ByVector(c, ref i, Kind.RightArith);
    public static void VERLLV(Cpu c, ref Insn i) => ByVector(c, ref i, Kind.Rotate);

    /// <summary>VERIM: each element of V2 rotated left by I4 and inserted into V1 under the bit mask V3.</summary>
    public static void VERIM(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M5, 3);
        int n = (int)(i.I4 & (Vec.Bits(es) - 1));
        Vec d = Vec.Of(c, i.V1), a = Vec.Of(c, i.V2), m = Vec.Of(c, i.V3), r = default;
        for (int k = 0; k < Vec.Count(es); k++)
        {
            ulong rot = ShiftElement(a.E(es, k), n, es, Kind.Rotate), mask = m.E(es, k);
            r.Set(es, k, (d.E(es, k) & ~mask) | (rot & mask));
        }
        r.To(c, i.V1);
    }

    /// <summary>
    /// VSL/VSRL/VSRA: the 128-bit V2 shifted by bits; byte k of the result takes its shift amount from
    /// bits 5-7 of byte k of V3 and the bits shifted in from the neighbouring byte of V2 (zeros, or copies
    /// of the sign bit for VSRA, beyond the ends). Before vector enhancements 2 the PoO requires the same
    /// amount in every byte (else the result is unpredictable): then every byte uses byte 7's, as QEMU does.
    /// </summary>
    private static void ByBits(Cpu c, ref Insn i, Kind kind)
    {
        Vec a = Vec.Of(c, i.V2), s = Vec.Of(c, i.V3), r = default;
        int fill = kind == Kind.RightArith && (a.H >> 63) != 0 ? 0xFF : 0;
        bool perByte = Enh2(c);
        for (int k = 0; k < 16; k++)
        {
            int n = s.B(perByte ? k : 7) & 7, v;
            if (kind == Kind.Left)
                v = (a.B(k) << n) | ((k < 15 ? a.B(k + 1) : 0) >> (8 - n));
            else
                v = (a.B(k) >> n) | ((k > 0 ? a.B(k - 1) : fill) << (8 - n));
            r.SetB(k, (ulong)(v & 0xFF));
        }
        r.To(c, i.V1);
    }

    public static void VSL(Cpu c, ref Insn i) => ByBits(c, ref i, Kind.Left);
    public static void VSRL(Cpu c, ref Insn i) => ByBits(c, ref i, Kind.RightLogical);
    public static void VSRA(Cpu c, ref Insn i) => ByBits(c, ref i, Kind.RightArith);

    /// <summary>VSLB/VSRLB/VSRAB: V2 shifted by the number of bytes in bits 1-4 of byte 7 of V3.</summary>
    private static void ByBytes(Cpu c, ref Insn i, Kind kind)
    {
        int n = 8 * ((Vec.Of(c, i.V3).B(7) >> 3) & 0xF);
        UInt128 a = Vec.Of(c, i.V2).Q;
        UInt128 r = kind switch
        {
            Kind.Left => a << n,
            Kind.RightLogical => a >> n,
            _ => (UInt128)((Int128)a >> n),
        };
        Vec.FromQ(r).To(c, i.V1);
    }

    public static void VSLB(Cpu c, ref Insn i) => ByBytes(c, ref i, Kind.Left);
    public static void VSRLB(Cpu c, ref Insn i) => ByBytes(c, ref i, Kind.RightLogical);
    public static void VSRAB(Cpu c, ref Insn i) => ByBytes(c, ref i, Kind.RightArith);

    /// <summary>The 128 bits of V2 || V3 starting <paramref name="bits"/> bits from the left (0-128).</summary>
    private static UInt128 Window(Cpu c, ref Insn i, int bits)
    {
        UInt128 a = Vec.Of(c, i.V2).Q, b = Vec.Of(c, i.V3).Q;
        return bits == 0 ? a : bits == 128 ? b : (a << bits) | (b >> (128 - bits));
    }

    /// <summary>VSLDB: 16 bytes of V2 || V3 starting at byte I4 (I4 above 15 is a specification exception).</summary>
    public static void VSLDB(Cpu c, ref Insn i)
    {
        SpecIf(c, i.I4 > 15);
        Vec.FromQ(Window(c, ref i, 8 * (int)i.I4)).To(c, i.V1);
    }

    /// <summary>VSLD (vector enhancements 2): V2 || V3 shifted left by I4 bits (0-7).</summary>
    public static void VSLD(Cpu c, ref Insn i)
    {
        SpecIf(c, i.I4 > 7);
        Vec.FromQ(Window(c, ref i, (int)i.I4)).To(c, i.V1);
    }

    /// <summary>VSRD (vector enhancements 2): the rightmost 128 bits of V2 || V3 shifted right by I4 bits (0-7).</summary>
    public static void VSRD(Cpu c, ref Insn i)
    {
        SpecIf(c, i.I4 > 7);
        Vec.FromQ(Window(c, ref i, 128 - (int)i.I4)).To(c, i.V1);
    }
}
