using S390Jit.Architecture.Semantics;

namespace S390Jit.Architecture.State;

/// <summary>
/// How the pending condition code is to be computed from (Src, Dst, Vr). The name is the rule, not
/// the instruction: many instructions share a rule. <see cref="CcRules"/> holds each rule once (for the
/// interpreter's lazy evaluation and the JIT's inline path).
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

/// <summary>The interpreter's lazy evaluation: the pending rule evaluated on values by <see cref="CcRules"/>.</summary>
public static class CcCompute
{
    public static int Calc(CcOp op, ulong src, ulong dst, ulong vr) => (int)CcRules.Compute(default(InterpBackend), op, src, dst);
}
