using System.Runtime.CompilerServices;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// The condition-code rules, each written once against <see cref="IBackend{V}"/>: the interpreter's
/// lazy evaluation (<see cref="CcCompute.Calc"/>, values) and the JIT's inline path (IL) run the
/// same code. Operands are those a body passed to <c>SetCc</c>: for 32-bit rules only the low word
/// counts. Also the one fixed-point overflow formula the bodies use.
/// </summary>
public static class CcRules
{
    /// <summary>1 when a + c = r overflowed as a signed 32-bit (<paramref name="wide"/>: 64-bit) sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V AddOverflow<B, V>(B b, V a, V c, V r, bool wide) where B : struct, IBackend<V> =>
        SignBit(b, b.And(b.Xor(a, r), b.Xor(c, r)), wide);

    /// <summary>1 when a - c = r overflowed as a signed 32-bit (<paramref name="wide"/>: 64-bit) difference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V SubOverflow<B, V>(B b, V a, V c, V r, bool wide) where B : struct, IBackend<V> =>
        SignBit(b, b.And(b.Xor(a, c), b.Xor(a, r)), wide);

    /// <summary>The same formulas on plain values, for bodies that run on the CPU directly.</summary>
    public static bool AddOverflows(ulong a, ulong c, ulong r, bool wide) => AddOverflow(default(InterpBackend), a, c, r, wide) != 0;
    public static bool SubOverflows(ulong a, ulong c, ulong r, bool wide) => SubOverflow(default(InterpBackend), a, c, r, wide) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V SignBit<B, V>(B b, V v, bool wide) where B : struct, IBackend<V> =>
        wide ? b.ShrU(v, b.Const(63)) : b.And(b.ShrU(v, b.Const(31)), b.Const(1));

    /// <summary>0 zero, 1 negative, 2 positive, for a sign-extended value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V SignCc<B, V>(B b, V v) where B : struct, IBackend<V> =>
        b.Select(b.Eq(v, b.Const(0)), b.Const(0), b.Select(b.LtS(v, b.Const(0)), b.Const(1), b.Const(2)));

    /// <summary>The condition code (0-3) of rule <paramref name="op"/> on the pending operands.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Compute<B, V>(B b, CcOp op, V src, V dst) where B : struct, IBackend<V>
    {
        if (IsComparison(op))
        {
            var (x, y, signed) = Comparands(b, op, src, dst);
            return b.Select(b.Eq(x, y), b.Const(0), b.Select(signed ? b.LtS(x, y) : b.LtU(x, y), b.Const(1), b.Const(2)));
        }
        switch (op)
        {
            case CcOp.Const: return dst;
            case CcOp.AddSigned32:
            case CcOp.SubSigned32:
            case CcOp.AddSigned64:
            case CcOp.SubSigned64:
                {
                    bool wide = op is CcOp.AddSigned64 or CcOp.SubSigned64, add = op is CcOp.AddSigned32 or CcOp.AddSigned64;
                    V r = add ? b.Add(src, dst) : b.Sub(src, dst);
                    V ovf = add ? AddOverflow(b, src, dst, r, wide) : SubOverflow(b, src, dst, r, wide);
                    return b.Select(ovf, b.Const(3), SignCc(b, wide ? r : b.SExt32(r)));
                }
            case CcOp.AddLogical32:
                {
                    V sum = b.Add(b.Trunc32(src), b.Trunc32(dst));
                    return NonZeroOrFlag(b, b.Trunc32(sum), b.ShrU(sum, b.Const(32)));
                }
            case CcOp.AddLogical64:
                {
                    V r = b.Add(src, dst);
                    return NonZeroOrFlag(b, r, b.LtU(r, src));
                }
            case CcOp.SubLogical32:
            case CcOp.SubLogical64:
                {
                    V x = op == CcOp.SubLogical64 ? src : b.Trunc32(src), y = op == CcOp.SubLogical64 ? dst : b.Trunc32(dst);
                    // 1 nonzero with borrow, 2 zero without, 3 nonzero without
                    return b.Select(b.LtU(x, y), b.Const(1), b.Select(b.Eq(x, y), b.Const(2), b.Const(3)));
                }
            case CcOp.NonZero32: return b.Xor(b.Eq(b.Trunc32(src), b.Const(0)), b.Const(1));
            case CcOp.NonZero64: return b.Xor(b.Eq(src, b.Const(0)), b.Const(1));
            case CcOp.TestUnderMask:
            case CcOp.TestUnderMask16:
                {
                    V sel = b.And(src, dst);
                    // mixed: TM 1; TMLL.. 1 when the leftmost selected bit is zero, 2 when it is one
                    V mixed = op == CcOp.TestUnderMask ? b.Const(1)
                        : b.Select(b.Eq(b.And(sel, b.Shl(b.Const(1), b.Sub(b.Const(63), b.LeadingZeros(dst)))), b.Const(0)), b.Const(1), b.Const(2));
                    return b.Select(b.Eq(sel, b.Const(0)), b.Const(0), b.Select(b.Eq(sel, dst), b.Const(3), mixed));
                }
            default: throw new InvalidOperationException($"bad cc op {op}");
        }
    }

    /// <summary>cc = (r != 0) | flag &lt;&lt; 1 (logical add: flag is the carry; add with carry, subtract with borrow).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V NonZeroOrFlag<B, V>(B b, V r, V flag) where B : struct, IBackend<V> =>
        b.Or(b.Xor(b.Eq(r, b.Const(0)), b.Const(1)), b.Shl(flag, b.Const(1)));

    /// <summary>Rules that compare two values (sign rules compare with zero): cc 0 equal, 1 low, 2 high.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsComparison(CcOp op) => op is CcOp.CompareSigned32 or CcOp.CompareSigned64 or CcOp.CompareLogical32
        or CcOp.CompareLogical64 or CcOp.Sign32 or CcOp.Sign64;

    /// <summary>What a comparison rule compares (sign rules compare with zero): cc 0 equal, 1 low, 2 high.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (V X, V Y, bool Signed) Comparands<B, V>(B b, CcOp op, V src, V dst) where B : struct, IBackend<V> => op switch
    {
        CcOp.CompareSigned32 => (b.SExt32(src), b.SExt32(dst), true),
        CcOp.CompareSigned64 => (src, dst, true),
        CcOp.CompareLogical32 => (b.Trunc32(src), b.Trunc32(dst), false),
        CcOp.CompareLogical64 => (src, dst, false),
        CcOp.Sign32 => (b.SExt32(src), b.Const(0), true),
        _ => (src, b.Const(0), true),
    };

    /// <summary>
    /// 1 when the condition code of rule <paramref name="op"/> selects a bit of <paramref name="mask"/>
    /// (8 = cc 0). Comparison, sign and zero rules test their operands directly (a branch on them
    /// becomes one compare-and-branch); the others compute the condition code first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Matches<B, V>(B b, CcOp op, int mask, V src, V dst) where B : struct, IBackend<V>
    {
        mask &= 15;
        if (mask == 0) return b.Const(0);
        if (mask == 15) return b.Const(1);
        if (IsComparison(op))
        {
            var (x, y, signed) = Comparands(b, op, src, dst);
            return CompareMask(b, mask, x, y, signed);
        }
        switch (op)
        {
            case CcOp.SubLogical32:
            case CcOp.SubLogical64:
                {
                    // cc 1 low (borrow), 2 equal (zero, no borrow), 3 high (nonzero, no borrow); never 0: a comparison
                    // whose cc 1, 2, 3 are compare's low, equal, high (carry chains: SLB after SL, branches on borrow)
                    bool wide = op == CcOp.SubLogical64;
                    int m = ((mask & 2) != 0 ? 8 : 0) | ((mask & 4) != 0 ? 4 : 0) | ((mask & 1) != 0 ? 2 : 0);
                    return CompareMask(b, m, wide ? src : b.Trunc32(src), wide ? dst : b.Trunc32(dst), signed: false);
                }
            case CcOp.AddLogical32 when mask is 3 or 12:
            case CcOp.AddLogical64 when mask is 3 or 12:
                {
                    // only the carry decides (cc 2 and 3 carry, 0 and 1 none): ALC after AL, branches on carry
                    V carry = op == CcOp.AddLogical64 ? b.LtU(b.Add(src, dst), src)
                        : b.ShrU(b.Add(b.Trunc32(src), b.Trunc32(dst)), b.Const(32));
                    return mask == 3 ? carry : b.Xor(carry, b.Const(1));
                }
            case CcOp.AddLogical32 when mask is 10 or 5:
            case CcOp.AddLogical64 when mask is 10 or 5:
                {
                    // only the result's zeroness decides (cc 0 and 2 zero, 1 and 3 nonzero)
                    V zero = op == CcOp.AddLogical64 ? b.Eq(b.Add(src, dst), b.Const(0))
                        : b.Eq(b.Trunc32(b.Add(src, dst)), b.Const(0));
                    return mask == 10 ? zero : b.Xor(zero, b.Const(1));
                }
            case CcOp.TestUnderMask:
            case CcOp.TestUnderMask16:
                {
                    // cc 0 selected bits all zero, 3 all ones, 1 (TM: never 2) or 1/2 (by the leftmost selected bit) mixed:
                    // branches on zero, nonzero, ones and not ones test the selected bits directly
                    bool tm = op == CcOp.TestUnderMask;
                    int m = tm ? mask & ~2 : mask; // (TM's cc is never 2)
                    V Zero() => b.Eq(b.And(src, dst), b.Const(0));
                    V Ones() => b.And(b.Eq(b.And(src, dst), dst), b.Xor(Zero(), b.Const(1)));
                    if (m == 8) return Zero();
                    if (m == (tm ? 5 : 7)) return b.Xor(Zero(), b.Const(1));
                    if (m == 1) return Ones();
                    if (m == (tm ? 12 : 14)) return b.Xor(Ones(), b.Const(1));
                    break;
                }
            case CcOp.NonZero32:
            case CcOp.NonZero64:
                {
                    // cc 0 zero, cc 1 nonzero
                    V v = op == CcOp.NonZero32 ? b.Trunc32(src) : src;
                    bool zero = (mask & 8) != 0, nonzero = (mask & 4) != 0;
                    if (zero && nonzero) return b.Const(1);
                    if (zero) return b.Eq(v, b.Const(0));
                    if (nonzero) return b.Xor(b.Eq(v, b.Const(0)), b.Const(1));
                    return b.Const(0);
                }
        }
        V cc = Compute(b, op, src, dst);
        return b.And(b.ShrU(b.Const((ulong)mask), b.Sub(b.Const(3), cc)), b.Const(1));
    }

    /// <summary>Compare mask (8 equal, 4 low, 2 high) on two values as a 0/1 value, from the fewest comparisons
    /// (branches on condition codes of comparison rules, compare and branch, compare and trap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V CompareMask<B, V>(B b, int mask, V x, V y, bool signed) where B : struct, IBackend<V>
    {
        V Lt(V p, V q) => signed ? b.LtS(p, q) : b.LtU(p, q);
        V Not(V v) => b.Xor(v, b.Const(1));
        return (mask & 0xE) switch
        {
            0 => b.Const(0),
            8 => b.Eq(x, y),
            4 => Lt(x, y),
            2 => Lt(y, x),
            12 => Not(Lt(y, x)),
            10 => Not(Lt(x, y)),
            6 => Not(b.Eq(x, y)),
            _ => b.Const(1),
        };
    }
}
