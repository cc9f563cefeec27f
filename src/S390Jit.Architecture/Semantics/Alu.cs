using System.Numerics;
using System.Runtime.CompilerServices;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Shared arithmetic steps used by the semantic bodies (not bodies themselves): each sets the
/// lazy condition code through one <see cref="CcOp"/> rule and raises fixed-point overflow when
/// the PSW program mask enables it, after the result is stored, as the architecture requires.
/// </summary>
public static class Alu
{
    /// <summary>High 64 bits of the unsigned 128-bit product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MulHighU(ulong a, ulong b) => Math.BigMul(a, b, out _);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddS32(Cpu c, int r1, uint a, uint b)
    {
        uint r = a + b;
        c.SetR32(r1, r);
        c.SetCc(CcOp.AddSigned32, a, b, r);
        if ((int)((a ^ r) & (b ^ r)) < 0) FixedOverflow(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddS32H(Cpu c, int r1, uint a, uint b)
    {
        uint r = a + b;
        c.SetR32H(r1, r);
        c.SetCc(CcOp.AddSigned32, a, b, r);
        if ((int)((a ^ r) & (b ^ r)) < 0) FixedOverflow(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddS64(Cpu c, int r1, ulong a, ulong b)
    {
        ulong r = a + b;
        c.G[r1] = r;
        c.SetCc(CcOp.AddSigned64, a, b, r);
        if ((long)((a ^ r) & (b ^ r)) < 0) FixedOverflow(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubS32(Cpu c, int r1, uint a, uint b)
    {
        uint r = a - b;
        c.SetR32(r1, r);
        c.SetCc(CcOp.SubSigned32, a, b, r);
        if ((int)((a ^ b) & (a ^ r)) < 0) FixedOverflow(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubS32H(Cpu c, int r1, uint a, uint b)
    {
        uint r = a - b;
        c.SetR32H(r1, r);
        c.SetCc(CcOp.SubSigned32, a, b, r);
        if ((int)((a ^ b) & (a ^ r)) < 0) FixedOverflow(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubS64(Cpu c, int r1, ulong a, ulong b)
    {
        ulong r = a - b;
        c.G[r1] = r;
        c.SetCc(CcOp.SubSigned64, a, b, r);
        if ((long)((a ^ b) & (a ^ r)) < 0) FixedOverflow(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddL32(Cpu c, int r1, uint a, uint b) { uint r = a + b; c.SetR32(r1, r); c.SetCc(CcOp.AddLogical32, a, b, r); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddL32H(Cpu c, int r1, uint a, uint b) { uint r = a + b; c.SetR32H(r1, r); c.SetCc(CcOp.AddLogical32, a, b, r); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddL64(Cpu c, int r1, ulong a, ulong b) { ulong r = a + b; c.G[r1] = r; c.SetCc(CcOp.AddLogical64, a, b, r); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubL32(Cpu c, int r1, uint a, uint b) { uint r = a - b; c.SetR32(r1, r); c.SetCc(CcOp.SubLogical32, a, b, r); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubL32H(Cpu c, int r1, uint a, uint b) { uint r = a - b; c.SetR32H(r1, r); c.SetCc(CcOp.SubLogical32, a, b, r); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubL64(Cpu c, int r1, ulong a, ulong b) { ulong r = a - b; c.G[r1] = r; c.SetCc(CcOp.SubLogical64, a, b, r); }

    /// <summary>Add logical with carry (ALC family): carry in from cc bit 2.</summary>
    public static void AddCarry32(Cpu c, int r1, uint a, uint b)
    {
        ulong carryIn = (ulong)((c.Cc >> 1) & 1);
        ulong s = (ulong)a + b + carryIn;
        uint r = (uint)s;
        c.SetR32(r1, r);
        c.Cc = (r != 0 ? 1 : 0) | ((s >> 32) != 0 ? 2 : 0);
    }

    public static void AddCarry64(Cpu c, int r1, ulong a, ulong b)
    {
        UInt128 s = (UInt128)a + b + (UInt128)(uint)((c.Cc >> 1) & 1);
        ulong r = (ulong)s;
        c.G[r1] = r;
        c.Cc = (r != 0 ? 1 : 0) | ((s >> 64) != 0 ? 2 : 0);
    }

    /// <summary>Subtract logical with borrow (SLB family): borrow in when cc bit 2 is zero.</summary>
    public static void SubBorrow32(Cpu c, int r1, uint a, uint b)
    {
        long borrowIn = (c.Cc & 2) != 0 ? 0 : 1;
        long d = (long)a - b - borrowIn;
        uint r = (uint)d;
        c.SetR32(r1, r);
        c.Cc = (r != 0 ? 1 : 0) | (d >= 0 ? 2 : 0);
    }

    public static void SubBorrow64(Cpu c, int r1, ulong a, ulong b)
    {
        UInt128 borrowIn = (c.Cc & 2) != 0 ? 0UL : 1UL;
        UInt128 sub = (UInt128)b + borrowIn;
        ulong r = (ulong)((UInt128)a - sub);
        c.G[r1] = r;
        c.Cc = (r != 0 ? 1 : 0) | ((UInt128)a >= sub ? 2 : 0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void FixedOverflow(Cpu c)
    {
        if ((c.PswMask & Psw.FixedOverflowMask) != 0) throw c.Pgm(PgmCode.FixedPointOverflow);
    }

    /// <summary>Condition-code mask test used by branches and on-condition instructions (mask 8 = cc 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CcMatches(Cpu c, int mask) => mask != 0 && (mask == 15 || (mask & (8 >> c.Cc)) != 0);

    /// <summary>Compare-and-branch/trap mask test: 8 equal, 4 low, 2 high.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CompareMatches(int mask, long a, long b) => (mask & (a == b ? 8 : a < b ? 4 : 2)) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CompareMatchesU(int mask, ulong a, ulong b) => (mask & (a == b ? 8 : a < b ? 4 : 2)) != 0;

    /// <summary>Bit mask of positions start..end (IBM numbering, 0 = leftmost), wrapping when start &gt; end.</summary>
    public static ulong MaskRange(int start, int end) =>
        start <= end ? (~0UL >> start) & (~0UL << (63 - end)) : (~0UL >> start) | (~0UL << (63 - end));

    public static ulong PopCountBytes(ulong v)
    {
        ulong r = 0;
        for (int b = 0; b < 8; b++) r |= (ulong)BitOperations.PopCount((v >> (8 * b)) & 0xFF) << (8 * b);
        return r;
    }

    public static ulong Rotl(ulong v, int n) => (v << (n & 63)) | (v >> ((64 - n) & 63));
    public static uint Rotl32(uint v, int n) => (v << (n & 31)) | (v >> ((32 - n) & 31));
}
