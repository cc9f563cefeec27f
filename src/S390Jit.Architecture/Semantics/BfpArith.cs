using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// The short and long BFP arithmetic, compare, sign and load-and-test instructions as simple bodies
/// (the JIT inlines them): ADD, SUBTRACT, MULTIPLY, DIVIDE, SQUARE ROOT, MULTIPLY AND ADD/SUBTRACT,
/// COMPARE (AND SIGNAL), LOAD POSITIVE/NEGATIVE/COMPLEMENT, LOAD AND TEST. Every one needs the
/// AFP-register control (DXC 2); the arithmetic goes through <see cref="IBackend{V}.Bfp"/> (the exact
/// core, <see cref="BfpExact"/>, behind the host fast path <see cref="BfpHost"/> that gives its answers), which applies the FPC: a trapping invalid operation or division by
/// zero suppresses the instruction, the result (and condition code) is stored before a completion trap.
/// Extended operands and the other BFP instructions are helper bodies in <see cref="BinaryFloatingPoint"/>.
/// </summary>
[SemanticBodies]
public static class BfpArith<B, V> where B : struct, IBackend<V>
{
    private static readonly BinaryFormat S = BinaryFormat.Short, D = BinaryFormat.Long;

    private static V A2(B b, ref Insn i) => b.Addr(i.X2, i.B2, i.D2);
    /// <summary>A short operand is bits 0-31 of the FPR; a short result leaves bits 32-63 unchanged.</summary>
    private static V Get(B b, BinaryFormat f, int r) => f.Width == 32 ? b.ShrU(b.F(r), b.Const(32)) : b.F(r);
    private static void Set(B b, BinaryFormat f, int r, V v)
    {
        if (f.Width == 32) b.SetF(r, b.Or(b.And(b.F(r), b.Const(0xFFFF_FFFF)), b.Shl(v, b.Const(32))));
        else b.SetF(r, v);
    }
    private static V Mem(B b, BinaryFormat f, ref Insn i) => b.Load(f.Width == 32 ? 4 : 8, A2(b, ref i));
    private static ulong SignBit(BinaryFormat f) => f.Width == 32 ? 0x8000_0000UL : 0x8000_0000_0000_0000UL;

    // ---- load positive / negative / complement / and test -----------------------------------------
    private enum SignOp { Positive, Negative, Complement }
    private static void SignOpCc(B b, ref Insn i, BinaryFormat f, SignOp op)
    {
        b.CheckBfpControl();
        V v = Get(b, f, i.R2);
        ulong sign = SignBit(f);
        v = op switch
        {
            SignOp.Positive => b.And(v, b.Const(sign - 1)),
            SignOp.Negative => b.Or(v, b.Const(sign)),
            _ => b.Xor(v, b.Const(sign)),
        };
        Set(b, f, i.R1, v);
        b.SetBfpResultCc(f, v);
    }
    public static void LPEBR(B b, ref Insn i) => SignOpCc(b, ref i, S, SignOp.Positive);
    public static void LPDBR(B b, ref Insn i) => SignOpCc(b, ref i, D, SignOp.Positive);
    public static void LNEBR(B b, ref Insn i) => SignOpCc(b, ref i, S, SignOp.Negative);
    public static void LNDBR(B b, ref Insn i) => SignOpCc(b, ref i, D, SignOp.Negative);
    public static void LCEBR(B b, ref Insn i) => SignOpCc(b, ref i, S, SignOp.Complement);
    public static void LCDBR(B b, ref Insn i) => SignOpCc(b, ref i, D, SignOp.Complement);

    /// <summary>LOAD AND TEST: an SNaN is an invalid operation (suppressed when trapped, else quieted), cc from the result.</summary>
    private static void LoadTest(B b, ref Insn i, BinaryFormat f)
    {
        b.CheckBfpControl();
        V r = b.Bfp(BfpOp.LoadTest, f, b.Const(0), Get(b, f, i.R2), b.Const(0));
        Set(b, f, i.R1, r);
        b.SetBfpResultCc(f, r);
        b.BfpTrap();
    }
    public static void LTEBR(B b, ref Insn i) => LoadTest(b, ref i, S);
    public static void LTDBR(B b, ref Insn i) => LoadTest(b, ref i, D);

    // ---- add, subtract, multiply, divide: op1 = op1 op op2 ----------------------------------------
    private static void Arith(B b, ref Insn i, BinaryFormat f, BfpOp op, V op2)
    {
        V r = b.Bfp(op, f, Get(b, f, i.R1), op2, b.Const(0));
        Set(b, f, i.R1, r);
        if (op is BfpOp.Add or BfpOp.Sub) b.SetBfpResultCc(f, r);
        b.BfpTrap();
    }
    private static void ArithRr(B b, ref Insn i, BinaryFormat f, BfpOp op) { b.CheckBfpControl(); Arith(b, ref i, f, op, Get(b, f, i.R2)); }
    private static void ArithRx(B b, ref Insn i, BinaryFormat f, BfpOp op) { b.CheckBfpControl(); Arith(b, ref i, f, op, Mem(b, f, ref i)); }

    public static void AEBR(B b, ref Insn i) => ArithRr(b, ref i, S, BfpOp.Add);
    public static void ADBR(B b, ref Insn i) => ArithRr(b, ref i, D, BfpOp.Add);
    public static void AEB(B b, ref Insn i) => ArithRx(b, ref i, S, BfpOp.Add);
    public static void ADB(B b, ref Insn i) => ArithRx(b, ref i, D, BfpOp.Add);
    public static void SEBR(B b, ref Insn i) => ArithRr(b, ref i, S, BfpOp.Sub);
    public static void SDBR(B b, ref Insn i) => ArithRr(b, ref i, D, BfpOp.Sub);
    public static void SEB(B b, ref Insn i) => ArithRx(b, ref i, S, BfpOp.Sub);
    public static void SDB(B b, ref Insn i) => ArithRx(b, ref i, D, BfpOp.Sub);
    public static void MEEBR(B b, ref Insn i) => ArithRr(b, ref i, S, BfpOp.Mul);
    public static void MDBR(B b, ref Insn i) => ArithRr(b, ref i, D, BfpOp.Mul);
    public static void MEEB(B b, ref Insn i) => ArithRx(b, ref i, S, BfpOp.Mul);
    public static void MDB(B b, ref Insn i) => ArithRx(b, ref i, D, BfpOp.Mul);
    public static void DEBR(B b, ref Insn i) => ArithRr(b, ref i, S, BfpOp.Div);
    public static void DDBR(B b, ref Insn i) => ArithRr(b, ref i, D, BfpOp.Div);
    public static void DEB(B b, ref Insn i) => ArithRx(b, ref i, S, BfpOp.Div);
    public static void DDB(B b, ref Insn i) => ArithRx(b, ref i, D, BfpOp.Div);

    // ---- multiply and add / subtract: op1 = op3 x op2 +/- op1 -------------------------------------------
    private static void MulAdd(B b, ref Insn i, BinaryFormat f, V op2, bool subtract)
    {
        V r = b.Bfp(subtract ? BfpOp.MulSub : BfpOp.MulAdd, f, Get(b, f, i.R1), op2, Get(b, f, i.R3));
        Set(b, f, i.R1, r);
        b.BfpTrap();
    }
    public static void MAEBR(B b, ref Insn i) { b.CheckBfpControl(); MulAdd(b, ref i, S, Get(b, S, i.R2), false); }
    public static void MADBR(B b, ref Insn i) { b.CheckBfpControl(); MulAdd(b, ref i, D, Get(b, D, i.R2), false); }
    public static void MSEBR(B b, ref Insn i) { b.CheckBfpControl(); MulAdd(b, ref i, S, Get(b, S, i.R2), true); }
    public static void MSDBR(B b, ref Insn i) { b.CheckBfpControl(); MulAdd(b, ref i, D, Get(b, D, i.R2), true); }
    public static void MAEB(B b, ref Insn i) { b.CheckBfpControl(); MulAdd(b, ref i, S, Mem(b, S, ref i), false); }
    public static void MADB(B b, ref Insn i) { b.CheckBfpControl(); MulAdd(b, ref i, D, Mem(b, D, ref i), false); }
    public static void MSEB(B b, ref Insn i) { b.CheckBfpControl(); MulAdd(b, ref i, S, Mem(b, S, ref i), true); }
    public static void MSDB(B b, ref Insn i) { b.CheckBfpControl(); MulAdd(b, ref i, D, Mem(b, D, ref i), true); }

    // ---- square root ----------------------------------------------------------------------------------
    private static void Sqrt(B b, ref Insn i, BinaryFormat f, V op2)
    {
        V r = b.Bfp(BfpOp.Sqrt, f, b.Const(0), op2, b.Const(0));
        Set(b, f, i.R1, r);
        b.BfpTrap();
    }
    public static void SQEBR(B b, ref Insn i) { b.CheckBfpControl(); Sqrt(b, ref i, S, Get(b, S, i.R2)); }
    public static void SQDBR(B b, ref Insn i) { b.CheckBfpControl(); Sqrt(b, ref i, D, Get(b, D, i.R2)); }
    public static void SQEB(B b, ref Insn i) { b.CheckBfpControl(); Sqrt(b, ref i, S, Mem(b, S, ref i)); }
    public static void SQDB(B b, ref Insn i) { b.CheckBfpControl(); Sqrt(b, ref i, D, Mem(b, D, ref i)); }

    // ---- compare -------------------------------------------------------------------------------------
    public static void CEBR(B b, ref Insn i) { b.CheckBfpControl(); b.BfpCompare(S, Get(b, S, i.R1), Get(b, S, i.R2), false); }
    public static void CDBR(B b, ref Insn i) { b.CheckBfpControl(); b.BfpCompare(D, Get(b, D, i.R1), Get(b, D, i.R2), false); }
    public static void KEBR(B b, ref Insn i) { b.CheckBfpControl(); b.BfpCompare(S, Get(b, S, i.R1), Get(b, S, i.R2), true); }
    public static void KDBR(B b, ref Insn i) { b.CheckBfpControl(); b.BfpCompare(D, Get(b, D, i.R1), Get(b, D, i.R2), true); }
    public static void CEB(B b, ref Insn i) { b.CheckBfpControl(); b.BfpCompare(S, Get(b, S, i.R1), Mem(b, S, ref i), false); }
    public static void CDB(B b, ref Insn i) { b.CheckBfpControl(); b.BfpCompare(D, Get(b, D, i.R1), Mem(b, D, ref i), false); }
    public static void KEB(B b, ref Insn i) { b.CheckBfpControl(); b.BfpCompare(S, Get(b, S, i.R1), Mem(b, S, ref i), true); }
    public static void KDB(B b, ref Insn i) { b.CheckBfpControl(); b.BfpCompare(D, Get(b, D, i.R1), Mem(b, D, ref i), true); }
}
