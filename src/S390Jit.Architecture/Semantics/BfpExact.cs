using System.Runtime.CompilerServices;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.BfpSupport;

namespace S390Jit.Architecture.Semantics;

/// <summary>The BFP operations of <see cref="IBackend{V}.Bfp"/> (op1, op2, op3 as the instruction names them).</summary>
public enum BfpOp : byte
{
    /// <summary>op1 + op2</summary>
    Add,
    /// <summary>op1 - op2</summary>
    Sub,
    /// <summary>op1 × op2</summary>
    Mul,
    /// <summary>op1 ÷ op2</summary>
    Div,
    /// <summary>square root of op2</summary>
    Sqrt,
    /// <summary>op3 × op2 + op1, rounded once (MULTIPLY AND ADD)</summary>
    MulAdd,
    /// <summary>op3 × op2 - op1, rounded once (MULTIPLY AND SUBTRACT)</summary>
    MulSub,
    /// <summary>op2 unchanged; an SNaN is an invalid operation and comes back quieted (LOAD AND TEST)</summary>
    LoadTest,
}

/// <summary>
/// The exact BFP core behind <see cref="IBackend{V}.Bfp"/> and <see cref="IBackend{V}.BfpCompare"/>:
/// <see cref="Bfp"/>'s operation on the FPC's rounding mode, then <see cref="BfpSupport.Ieee"/>'s FPC
/// actions. Both engines first try the host fast path of <see cref="BfpHost"/>, which answers only where
/// its answer is provably this core's (result, FPC, no trap) and changes nothing otherwise: the
/// interpreter (<see cref="InterpBackend"/>) then runs this core, compiled code leaves for the
/// interpreter, which executes the instruction.
/// </summary>
public static class BfpExact
{
    /// <summary>Runs <paramref name="op"/>; a suppression trap throws, a completion trap is left in <see cref="Cpu.BfpTrapDxc"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // (inlined, its UInt128 calls would keep crossgen2 from precompiling the caller)
    public static ulong Run(Cpu c, BfpOp op, BinaryFormat f, ulong a, ulong b, ulong x)
    {
        var env = Env(c);
        UInt128 r;
        switch (op)
        {
            case BfpOp.Add: r = Bfp.Add(f, a, b, false, ref env); break;
            case BfpOp.Sub: r = Bfp.Add(f, a, b, true, ref env); break;
            case BfpOp.Mul: r = Bfp.Multiply(f, a, b, ref env); break;
            case BfpOp.Div: r = Bfp.Divide(f, a, b, ref env); break;
            case BfpOp.Sqrt: r = Bfp.SquareRoot(f, b, ref env); break;
            case BfpOp.MulAdd: r = Bfp.MultiplyAdd(f, a, b, x, false, ref env); break;
            case BfpOp.MulSub: r = Bfp.MultiplyAdd(f, a, b, x, true, ref env); break;
            default:
                r = b;
                if (f.IsSNaN(r)) { env.Invalid = true; r = f.Quiet(r); }
                break;
        }
        c.BfpTrapDxc = Ieee(c, ref env, f, ref r);
        return (ulong)r;
    }

    /// <summary>
    /// <see cref="BfpSupport.ResultCc"/> of a short or long value. (A caller of a method with a UInt128
    /// parameter is never precompiled by crossgen2: "ABI unstable"; this signature has none.)
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int ResultCc(BinaryFormat f, ulong v) => BfpSupport.ResultCc(f, v);

    /// <summary>COMPARE (AND SIGNAL): sets the condition code; a trapping invalid operation throws (suppression).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // (inlined, its UInt128 calls would keep crossgen2 from precompiling the caller)
    public static void Compare(Cpu c, BinaryFormat f, ulong a, ulong b, bool signaling)
    {
        var env = Env(c);
        int cc = Bfp.Compare(f, a, b, signaling, ref env);
        UInt128 none = 0;
        Ieee(c, ref env, f, ref none);
        c.Cc = cc;
    }
}
