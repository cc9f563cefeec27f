using System.Runtime.CompilerServices;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Native;

/// <summary>A value of the native backend: a constant known at translation, or a slot of the native frame.</summary>
public readonly struct XVal
{
    internal readonly int Slot; // -1: constant
    internal readonly ulong Value;
    internal XVal(int slot, ulong value) { Slot = slot; Value = value; }
    public bool IsConst => Slot < 0;
}

/// <summary>A body used an operation the native tier does not translate: the instruction stays with the first tier.</summary>
public sealed class NativeUnsupportedException() : Exception("not translated natively")
{
    public static readonly NativeUnsupportedException Instance = new();
}

/// <summary>
/// The native first tier's backend for simple semantic bodies: each operation emits x86-64 code through
/// <see cref="NativeEmitter"/> (or folds constants). Running a body with it translates one instruction; the
/// instruction's effects (registers, stores, condition code, branch) are held back and committed together at its end,
/// so an exit before that (a data-cache miss, an overflow or trap the interpreter must raise) leaves the state as
/// before the instruction, and the first tier executes it from there.
/// </summary>
public readonly struct X64Backend(NativeEmitter e) : IBackend<XVal>
{
    /// <summary>
    /// Folds operations on constants: the interpreter's own operations (they touch no CPU state), so a folded value is
    /// the one the interpreter computes. (Only used when both operands are constants; the argument is ignored otherwise.)
    /// </summary>
    private static readonly InterpBackend K = default;

    public ulong InstrAddr => e.InstrAddr;
    public ulong NextAddr => e.NextAddr;
    public int AddressingMode => e.Mode;
    public ulong AddrMask => e.AddrMask;

    public XVal Const(ulong v) => new(-1, v);
    public XVal G(int r) => e.ReadG(r);
    public void SetG(int r, XVal v) => e.WriteG(r, v);
    public XVal G32(int r) => Trunc32(e.ReadG(r));
    public void SetG32(int r, XVal v) => e.WriteG32(r, v);
    public XVal G32H(int r) => ShrU(e.ReadG(r), Const(32));
    public void SetG32H(int r, XVal v) => e.WriteG(r, Or(And(e.ReadG(r), Const(0xFFFF_FFFFUL)), Shl(v, Const(32))));

    public XVal Add(XVal a, XVal b) => e.Alu(X64Assembler.Add, a, b, K.Add(a.Value, b.Value));
    public XVal Sub(XVal a, XVal b) => e.Alu(X64Assembler.Sub, a, b, K.Sub(a.Value, b.Value));
    public XVal Mul(XVal a, XVal b) => e.Mul(a, b, K.Mul(a.Value, b.Value));
    public XVal MulHighU(XVal a, XVal b) => e.MulHighU(a, b, K.MulHighU(a.Value, b.Value));
    public XVal And(XVal a, XVal b) => e.Alu(X64Assembler.And, a, b, K.And(a.Value, b.Value));
    public XVal Or(XVal a, XVal b) => e.Alu(X64Assembler.Or, a, b, K.Or(a.Value, b.Value));
    public XVal Xor(XVal a, XVal b) => e.Alu(X64Assembler.Xor, a, b, K.Xor(a.Value, b.Value));
    public XVal Shl(XVal a, XVal n) => e.Shift(X64Assembler.Shl, a, n, true, K.Shl(a.Value, n.Value));
    public XVal ShrU(XVal a, XVal n) => e.Shift(X64Assembler.Shr, a, n, true, K.ShrU(a.Value, n.Value));
    public XVal ShrS(XVal a, XVal n) => e.Shift(X64Assembler.Sar, a, n, true, K.ShrS(a.Value, n.Value));
    public XVal Rotl(XVal a, XVal n) => e.Shift(X64Assembler.Rol, a, n, true, K.Rotl(a.Value, n.Value));
    public XVal Rotl32(XVal a, XVal n) => e.Shift(X64Assembler.Rol, a, n, false, K.Rotl32(a.Value, n.Value));
    public XVal Trunc32(XVal a) => e.Unary(NativeEmitter.UnaryOp.Trunc32, a, K.Trunc32(a.Value));
    public XVal SExt8(XVal a) => e.Unary(NativeEmitter.UnaryOp.SExt8, a, K.SExt8(a.Value));
    public XVal SExt16(XVal a) => e.Unary(NativeEmitter.UnaryOp.SExt16, a, K.SExt16(a.Value));
    public XVal SExt32(XVal a) => e.Unary(NativeEmitter.UnaryOp.SExt32, a, K.SExt32(a.Value));
    public XVal ByteSwap(XVal a, int size) => e.Unary(size == 2 ? NativeEmitter.UnaryOp.Swap16 : size == 4 ? NativeEmitter.UnaryOp.Swap32 : NativeEmitter.UnaryOp.Swap64, a, K.ByteSwap(a.Value, size));
    public XVal PopCountBytes(XVal a) => a.IsConst ? Const(K.PopCountBytes(a.Value)) : throw NativeUnsupportedException.Instance;
    public XVal LeadingZeros(XVal a) => a.IsConst ? Const(K.LeadingZeros(a.Value)) : e.LeadingZeros(a);

    public XVal Eq(XVal a, XVal b) => e.Compare(Cond.E, a, b, K.Eq(a.Value, b.Value));
    public XVal LtS(XVal a, XVal b) => e.Compare(Cond.L, a, b, K.LtS(a.Value, b.Value));
    public XVal LtU(XVal a, XVal b) => e.Compare(Cond.B, a, b, K.LtU(a.Value, b.Value));
    public XVal Select(XVal cond, XVal a, XVal b) => e.Select(cond, a, b);

    public XVal Addr(int x, int b, long d)
    {
        XVal s = Const((ulong)d);
        if (x != 0) s = Add(e.ReadG(x), s);
        if (b != 0) s = Add(e.ReadG(b), s);
        return e.AddrMask == ~0UL ? s : And(s, Const(e.AddrMask));
    }
    public XVal Load(int size, XVal addr) => e.Load(size, addr);
    public void Store(int size, XVal addr, XVal value) => e.Store(size, addr, value);
    public void Probe(XVal addr, int len, bool write) => e.Probe(addr, len, write);
    public void ChargeCycles(ulong cycles) => e.ExtraCycles += cycles;

    public void SetCc(CcOp op, XVal src, XVal dst, XVal vr) => e.SetCc(op, src, dst, vr);
    public void SetCcConst(int cc) => e.SetCc(CcOp.Const, default, Const((ulong)cc), default, constOnly: true);
    public XVal CcMatches(int mask) => e.CcMatches(this, mask);

    public void JumpIf(XVal cond, XVal target) => e.JumpIf(cond, target);
    public void FixedOverflowIf(XVal cond) => e.ExitIf(cond);
    public bool FixedOverflowOff => e.NoFixedOverflow;
    public void TrapIf(XVal cond) => e.ExitIf(cond);
    public void Raise(ushort code) => throw NativeUnsupportedException.Instance;

    public XVal F(int r) => e.ReadF(r);
    public void SetF(int r, XVal v) => e.WriteF(r, v);
    public void CheckAfpRegister(int r) => e.CheckAfpRegister(r);
    public XVal VD(int v, int d) => throw NativeUnsupportedException.Instance;
    public void SetVD(int v, int d, XVal value) => throw NativeUnsupportedException.Instance;
    public void CheckBfpControl() => throw NativeUnsupportedException.Instance;
    public XVal Bfp(BfpOp op, BinaryFormat f, XVal a, XVal b, XVal c) => throw NativeUnsupportedException.Instance;
    public void BfpTrap() => throw NativeUnsupportedException.Instance;
    public void BfpCompare(BinaryFormat f, XVal a, XVal b, bool signaling) => throw NativeUnsupportedException.Instance;
    public void SetBfpResultCc(BinaryFormat f, XVal v) => throw NativeUnsupportedException.Instance;
}
