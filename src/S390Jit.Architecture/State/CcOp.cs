namespace S390Jit.Architecture.State;

/// <summary>
/// How the pending condition code is to be computed from (Src, Dst, Vr). The name is the rule, not
/// the instruction: many instructions share a rule. <see cref="CcCompute.Calc"/> is the one place
/// that turns a pending rule into a condition code.
/// </summary>
public enum CcOp : byte
{
    /// <summary>Dst holds the condition code itself.</summary>
    Const,
    /// <summary>Signed add, 32/64-bit: Src, Dst operands (the result is derived from them). 0 zero, 1 &lt;0, 2 &gt;0, 3 overflow.</summary>
    AddSigned32, AddSigned64,
    /// <summary>Logical add: Src, Dst operands. cc = (result != 0) | carry &lt;&lt; 1.</summary>
    AddLogical32, AddLogical64,
    /// <summary>Signed subtract Src - Dst. 0 zero, 1 &lt;0, 2 &gt;0, 3 overflow.</summary>
    SubSigned32, SubSigned64,
    /// <summary>Logical subtract Src - Dst. 1 nonzero borrow, 2 zero no borrow, 3 nonzero no borrow.</summary>
    SubLogical32, SubLogical64,
    /// <summary>Signed compare Src with Dst. 0 equal, 1 low, 2 high.</summary>
    CompareSigned32, CompareSigned64,
    /// <summary>Logical compare Src with Dst.</summary>
    CompareLogical32, CompareLogical64,
    /// <summary>Sign of a value (load and test): 0 zero, 1 negative, 2 positive.</summary>
    Sign32, Sign64,
    /// <summary>Zero or not (AND/OR/XOR...): 0 zero, 1 nonzero.</summary>
    NonZero32, NonZero64,
    /// <summary>Test under mask, value Src, mask Dst: 0 all selected zero, 1 mixed, 3 all selected ones.</summary>
    TestUnderMask,
    /// <summary>Test under mask for 16-bit immediates (TMLL..): 0 zero, 1 mixed leftmost 0, 2 mixed leftmost 1, 3 ones.</summary>
    TestUnderMask16,
}

public static class CcCompute
{
    public static int Calc(CcOp op, ulong src, ulong dst, ulong vr)
    {
        switch (op)
        {
            case CcOp.Const: return (int)dst;
            case CcOp.AddSigned32:
                {
                    int a = (int)src, b = (int)dst, r = a + b;
                    if (((a ^ r) & (b ^ r)) < 0) return 3;
                    return r == 0 ? 0 : r < 0 ? 1 : 2;
                }
            case CcOp.AddSigned64:
                {
                    long a = (long)src, b = (long)dst, r = a + b;
                    if (((a ^ r) & (b ^ r)) < 0) return 3;
                    return r == 0 ? 0 : r < 0 ? 1 : 2;
                }
            case CcOp.AddLogical32: { uint r = (uint)src + (uint)dst; return (r != 0 ? 1 : 0) | (r < (uint)src ? 2 : 0); }
            case CcOp.AddLogical64: { ulong r = src + dst; return (r != 0 ? 1 : 0) | (r < src ? 2 : 0); }
            case CcOp.SubSigned32:
                {
                    int a = (int)src, b = (int)dst, r = a - b;
                    if (((a ^ b) & (a ^ r)) < 0) return 3;
                    return r == 0 ? 0 : r < 0 ? 1 : 2;
                }
            case CcOp.SubSigned64:
                {
                    long a = (long)src, b = (long)dst, r = a - b;
                    if (((a ^ b) & (a ^ r)) < 0) return 3;
                    return r == 0 ? 0 : r < 0 ? 1 : 2;
                }
            case CcOp.SubLogical32: return (uint)src < (uint)dst ? 1 : (uint)src == (uint)dst ? 2 : 3;
            case CcOp.SubLogical64: return src < dst ? 1 : src == dst ? 2 : 3;
            case CcOp.CompareSigned32: return (int)src == (int)dst ? 0 : (int)src < (int)dst ? 1 : 2;
            case CcOp.CompareSigned64: return (long)src == (long)dst ? 0 : (long)src < (long)dst ? 1 : 2;
            case CcOp.CompareLogical32: return (uint)src == (uint)dst ? 0 : (uint)src < (uint)dst ? 1 : 2;
            case CcOp.CompareLogical64: return src == dst ? 0 : src < dst ? 1 : 2;
            case CcOp.Sign32: return (int)src == 0 ? 0 : (int)src < 0 ? 1 : 2;
            case CcOp.Sign64: return (long)src == 0 ? 0 : (long)src < 0 ? 1 : 2;
            case CcOp.NonZero32: return (uint)src != 0 ? 1 : 0;
            case CcOp.NonZero64: return src != 0 ? 1 : 0;
            case CcOp.TestUnderMask:
                {
                    ulong sel = src & dst;
                    return sel == 0 ? 0 : sel == dst ? 3 : 1;
                }
            case CcOp.TestUnderMask16:
                {
                    ulong sel = src & dst;
                    if (sel == 0) return 0;
                    if (sel == dst) return 3;
                    ulong top = 1UL << (63 - System.Numerics.BitOperations.LeadingZeroCount(dst));
                    return (sel & top) != 0 ? 2 : 1;
                }
            default: throw new InvalidOperationException($"bad cc op {op}");
        }
    }
}
