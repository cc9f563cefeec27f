using System.Reflection.Emit;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// A value in the IL backend: an IL local, a constant known at translation time, or a small pure expression
/// over those (<see cref="Expr"/>) that is emitted where it is used: a value used once stays on the IL
/// evaluation stack, a value never used (a condition-code operand that is overwritten) costs no IL.
/// </summary>
public readonly struct Val
{
    internal readonly LocalBuilder? Local;
    internal readonly ulong Value;
    internal readonly Expr? Expr;
    internal Val(LocalBuilder local) { Local = local; Value = 0; Expr = null; }
    internal Val(ulong value) { Local = null; Value = value; Expr = null; }
    internal Val(Expr e) { Local = null; Value = 0; Expr = e; }
    public bool IsConst => Local == null && Expr == null;
    /// <summary>IL operations to emit it (0 for a local or a constant).</summary>
    internal int Size => Expr?.Size ?? 0;
}

/// <summary>
/// A pure operation over immutable operands (constants, single-assignment locals, the block's register cache
/// locals, smaller expressions), emitted again at each use: never changed once made, so it means the same
/// value wherever it is emitted (also in the shared exit stubs at the method's end).
/// </summary>
internal sealed class Expr(ExprKind kind, OpCode op, Val a, Val b, bool negated = false)
{
    public readonly ExprKind Kind = kind;
    public readonly OpCode Op = op;
    public readonly Val A = a, B = b;
    /// <summary>Compare: the 0/1 result is inverted.</summary>
    public readonly bool Negated = negated;
    public readonly int Size = 1 + a.Size + b.Size;
}

internal enum ExprKind : byte { Binary, Shift, Compare, Trunc32, Convert, CpuReg }

/// <summary>
/// The JIT's backend for simple semantic bodies: each operation emits IL (or folds constants)
/// through the region emitter. Running a body with this backend translates one instruction.
/// </summary>
public readonly struct IlBackend(RegionEmitter e) : IBackend<Val>
{
    public ulong InstrAddr => e.CurrentAddr;
    public ulong NextAddr => e.CurrentNext;
    public int AddressingMode => e.AddressingMode;
    public ulong AddrMask => e.AddrMask;

    public Val Const(ulong v) => new(v);
    public Val G(int r) => e.ReadReg(r);
    public void SetG(int r, Val v) => e.WriteReg(r, v);
    public Val G32(int r) => e.ReadReg32(r);
    public void SetG32(int r, Val v) => e.WriteReg32(r, v);
    public Val G32H(int r) => e.Binary(OpCodes.Shr_Un, e.ReadReg(r), new Val(32), shift: true);
    public void SetG32H(int r, Val v) => e.WriteReg32H(r, v);

    public Val Add(Val a, Val b) => e.Binary(OpCodes.Add, a, b);
    public Val Sub(Val a, Val b) => e.Binary(OpCodes.Sub, a, b);
    public Val Mul(Val a, Val b) => e.Binary(OpCodes.Mul, a, b);
    public Val MulHighU(Val a, Val b) => e.CallBinary(typeof(Alu).GetMethod(nameof(Alu.MulHighU))!, a, b, Alu.MulHighU);
    public Val And(Val a, Val b) => e.Binary(OpCodes.And, a, b);
    public Val Or(Val a, Val b) => e.Binary(OpCodes.Or, a, b);
    public Val Xor(Val a, Val b) => e.Binary(OpCodes.Xor, a, b);
    public Val Shl(Val a, Val n) => e.Binary(OpCodes.Shl, a, n, shift: true);
    public Val ShrU(Val a, Val n) => e.Binary(OpCodes.Shr_Un, a, n, shift: true);
    public Val ShrS(Val a, Val n) => e.Binary(OpCodes.Shr, a, n, shift: true);
    public Val Rotl(Val a, Val n) => e.Rotate(a, n, wide: true);
    public Val Rotl32(Val a, Val n) => e.Rotate(a, n, wide: false);
    public Val Trunc32(Val a) => e.Trunc32(a);
    public Val SExt8(Val a) => e.Convert(a, OpCodes.Conv_I1);
    public Val SExt16(Val a) => e.Convert(a, OpCodes.Conv_I2);
    public Val SExt32(Val a) => e.Convert(a, OpCodes.Conv_I4);
    public Val ByteSwap(Val a, int size) => e.ByteSwap(a, size);
    public Val PopCountBytes(Val a) => e.CallUnary(typeof(Alu).GetMethod(nameof(Alu.PopCountBytes))!, a, Alu.PopCountBytes);
    public Val LeadingZeros(Val a) => e.LeadingZeros(a);

    public Val Eq(Val a, Val b) => e.Compare(OpCodes.Ceq, a, b);
    public Val LtS(Val a, Val b) => e.Compare(OpCodes.Clt, a, b);
    public Val LtU(Val a, Val b) => e.Compare(OpCodes.Clt_Un, a, b);
    public Val Select(Val cond, Val a, Val b) => e.Select(cond, a, b);

    public void ChargeCycles(ulong cycles) { } // the analysis pass counted them into the plan
    public Val Addr(int x, int b, long d) => e.Address(x, b, d);
    // the storage paths use the address (and a stored value) several times: one local each
    // (RegionEmitter.LazyAddr: the address goes into a local only when the access looks the TLB up)
    public Val Load(int size, Val addr) => e.Load(size, RegionEmitter.LazyAddr ? addr : e.Stable(addr));
    public void Store(int size, Val addr, Val value) => e.Store(size, RegionEmitter.LazyAddr ? addr : e.Stable(addr), e.Stable(e.StoredPart(size, value), 2));
    public void Probe(Val addr, int len, bool write) => e.Probe(e.Stable(addr), len, write);

    public void SetCc(CcOp op, Val src, Val dst, Val vr) => e.SetCc(op, src, dst, vr);
    public void SetCcConst(int cc) => e.SetCcConst(cc);
    public Val CcMatches(int mask) => e.CcMatches(mask);

    public void JumpIf(Val cond, Val target) => e.JumpIf(cond, target);
    public void FixedOverflowIf(Val cond) => e.FixedOverflowIf(cond);
    public bool FixedOverflowOff => !e.FixedOverflowMask;
    public void TrapIf(Val cond) => e.TrapIf(cond);
    public Val F(int r) => e.ReadFpr(r);
    public void SetF(int r, Val v) => e.WriteFpr(r, v);
    public void CheckAfpRegister(int r) => e.CheckAfpRegister(r);
    public Val VD(int v, int d) => e.ReadVd(v, d);
    public void SetVD(int v, int d, Val x) => e.WriteVd(v, d, x);
    public void Raise(ushort code) => e.Raise(code);

    public void CheckBfpControl() => e.CheckBfpControl();
    public Val Bfp(BfpOp op, BinaryFormat f, Val a, Val b, Val c) => e.Bfp(op, f, a, b, c);
    public void BfpTrap() { } // the inline fast path never traps: anything that could goes to the interpreter
    public void BfpCompare(BinaryFormat f, Val a, Val b, bool signaling) => e.BfpCompare(f, a, b);
    public void SetBfpResultCc(BinaryFormat f, Val v) => e.SetBfpResultCc(f, v);
}
