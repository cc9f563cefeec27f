using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// The vocabulary simple semantic bodies are written in. A body is a generic static method
/// <c>M&lt;B, V&gt;(B b, ref Insn i) where B : struct, IBackend&lt;V&gt;</c>: the interpreter instantiates it
/// with <see cref="InterpBackend"/> (values are <see cref="ulong"/>; every operation executes at
/// once, and RyuJIT inlines the whole struct instantiation), the JIT with its IL backend (values
/// are IL locals or constants; every operation emits IL). One body, two meanings.
/// <para>Conventions: values are 64-bit; 32-bit operations return zero-extended results; booleans
/// are 0 or 1. Control flow inside a body only goes through <see cref="Select"/>, the jumps and the
/// raise operations, never through C# conditionals on values.</para>
/// </summary>
public interface IBackend<V>
{
    /// <summary>Address of the instruction (of the EXECUTE target when executed by EX).</summary>
    ulong InstrAddr { get; }
    /// <summary>The PSW address after the instruction (after EXECUTE when executed by EX): the link address.</summary>
    ulong NextAddr { get; }
    /// <summary>Current addressing mode: 24, 31 or 64.</summary>
    int AddressingMode { get; }
    ulong AddrMask { get; }

    V Const(ulong v);
    V G(int r);
    void SetG(int r, V v);
    V G32(int r);
    void SetG32(int r, V v);
    V G32H(int r);
    void SetG32H(int r, V v);

    V Add(V a, V b);
    V Sub(V a, V b);
    V Mul(V a, V b);
    /// <summary>High 64 bits of the unsigned 128-bit product.</summary>
    V MulHighU(V a, V b);
    V And(V a, V b);
    V Or(V a, V b);
    V Xor(V a, V b);
    V Shl(V a, V n);
    V ShrU(V a, V n);
    V ShrS(V a, V n);
    V Rotl(V a, V n);
    V Rotl32(V a, V n);
    /// <summary>a &amp; 0xFFFFFFFF</summary>
    V Trunc32(V a);
    V SExt8(V a);
    V SExt16(V a);
    V SExt32(V a);
    V ByteSwap(V a, int size);
    V PopCountBytes(V a);
    V LeadingZeros(V a);

    V Eq(V a, V b);
    V LtS(V a, V b);
    V LtU(V a, V b);
    /// <summary>cond != 0 ? a : b</summary>
    V Select(V cond, V a, V b);

    /// <summary>Effective address X2 + B2 + D2 wrapped to the addressing mode.</summary>
    V Addr(int x, int b, long d);
    V Load(int size, V addr);
    void Store(int size, V addr, V value);
    /// <summary>Checks that [addr, addr+len) is accessible before an instruction changes anything (LM, STM...).</summary>
    void Probe(V addr, int len, bool write);
    /// <summary>Adds a cost known when the instruction is decoded (the length of an SS operand) to the row's base cost.</summary>
    void ChargeCycles(ulong cycles);

    void SetCc(CcOp op, V src, V dst, V vr);
    void SetCcConst(int cc);
    /// <summary>1 when the condition code selects a bit of <paramref name="mask"/> (8 = cc 0).</summary>
    V CcMatches(int mask);

    /// <summary>Sets the PSW instruction address when <paramref name="cond"/> is non-zero.</summary>
    void JumpIf(V cond, V target);
    /// <summary>Fixed-point overflow when <paramref name="cond"/>: cc 3 is already set; interrupts if the program mask enables it.</summary>
    void FixedOverflowIf(V cond);
    /// <summary>True when the translation knows the PSW's fixed-point-overflow mask is off (a region is keyed by it):
    /// <see cref="FixedOverflowIf"/> would do nothing, so a body need not compute its condition.</summary>
    bool FixedOverflowOff { get; }
    /// <summary>Data exception with DXC 0xFF (compare and trap, load and trap) when <paramref name="cond"/>.</summary>
    void TrapIf(V cond);
    /// <summary>An unconditional program interruption (e.g. a misaligned relative operand, known at translation).</summary>
    void Raise(ushort code);

    /// <summary>Floating-point register r (bits 0-63 of vector register r).</summary>
    V F(int r);
    void SetF(int r, V v);
    /// <summary>Data exception DXC 1 when FPR r is an AFP register (not 0, 2, 4, 6) and CR0's AFP-register control is off.</summary>
    void CheckAfpRegister(int r);

    /// <summary>
    /// Doubleword <paramref name="d"/> of vector register <paramref name="v"/> (0-31): d 0 is bits 0-63 (FPR v
    /// for v &lt; 16), d 1 bits 64-127. Vector bodies are 64-bit operations on these halves; the vector-enablement
    /// check (the table's V flag) comes before the body.
    /// </summary>
    V VD(int v, int d);
    void SetVD(int v, int d, V value);

    // ---- binary floating point (BfpArith bodies); short operands are bits 0-31 of the FPR, passed in the low 32 bits ----
    /// <summary>Data exception DXC 2 when CR0's AFP-register control is off (every BFP instruction).</summary>
    void CheckBfpControl();
    /// <summary>
    /// BFP operation <paramref name="op"/> in format <paramref name="f"/> (short or long) under the FPC:
    /// the exact core (<see cref="BfpExact"/>) with the FPC's IEEE actions. A trapping invalid operation or
    /// division by zero interrupts here (suppression, nothing stored); a completion trap is raised by
    /// <see cref="BfpTrap"/> after the result and condition code are stored. Operands: op1, op2, op3.
    /// </summary>
    V Bfp(BfpOp op, BinaryFormat f, V a, V b, V c);
    /// <summary>The completion trap (inexact, trapping overflow/underflow) of the last <see cref="Bfp"/>, if any.</summary>
    void BfpTrap();
    /// <summary>COMPARE (AND SIGNAL): sets the condition code 0 equal, 1 low, 2 high, 3 unordered; NaN operands are IEEE invalid operations as the PoO says.</summary>
    void BfpCompare(BinaryFormat f, V a, V b, bool signaling);
    /// <summary>Condition code of a BFP result: 0 zero, 1 less than zero, 2 greater than zero, 3 NaN.</summary>
    void SetBfpResultCc(BinaryFormat f, V v);
}

/// <summary>The interpreter's backend: every operation executes immediately on the CPU.</summary>
public readonly struct InterpBackend(Cpu c) : IBackend<ulong>
{
    public ulong InstrAddr => c.InstrAddr;
    public ulong NextAddr => c.PswAddr;
    public int AddressingMode => c.AddressingMode;
    public ulong AddrMask => c.AddrMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Const(ulong v) => v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong G(int r) => c.G[r];
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void SetG(int r, ulong v) => c.G[r] = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong G32(int r) => (uint)c.G[r];
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void SetG32(int r, ulong v) => c.G[r] = (c.G[r] & 0xFFFF_FFFF_0000_0000UL) | (uint)v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong G32H(int r) => c.G[r] >> 32;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void SetG32H(int r, ulong v) => c.G[r] = (c.G[r] & 0xFFFF_FFFFUL) | (v << 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Add(ulong a, ulong b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Sub(ulong a, ulong b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Mul(ulong a, ulong b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong MulHighU(ulong a, ulong b) => Alu.MulHighU(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong And(ulong a, ulong b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Or(ulong a, ulong b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Xor(ulong a, ulong b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Shl(ulong a, ulong n) => a << (int)n;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong ShrU(ulong a, ulong n) => a >> (int)n;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong ShrS(ulong a, ulong n) => (ulong)((long)a >> (int)n);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Rotl(ulong a, ulong n) => BitOperations.RotateLeft(a, (int)n);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Rotl32(ulong a, ulong n) => BitOperations.RotateLeft((uint)a, (int)n);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Trunc32(ulong a) => (uint)a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong SExt8(ulong a) => (ulong)(sbyte)a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong SExt16(ulong a) => (ulong)(short)a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong SExt32(ulong a) => (ulong)(int)a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ByteSwap(ulong a, int size) => size switch
    {
        2 => BinaryPrimitives.ReverseEndianness((ushort)a),
        4 => BinaryPrimitives.ReverseEndianness((uint)a),
        _ => BinaryPrimitives.ReverseEndianness(a),
    };
    public ulong PopCountBytes(ulong a) => Alu.PopCountBytes(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong LeadingZeros(ulong a) => (ulong)BitOperations.LeadingZeroCount(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Eq(ulong a, ulong b) => a == b ? 1UL : 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong LtS(ulong a, ulong b) => (long)a < (long)b ? 1UL : 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong LtU(ulong a, ulong b) => a < b ? 1UL : 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Select(ulong cond, ulong a, ulong b) => cond != 0 ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong Addr(int x, int b, long d) => c.Addr(x, b, d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Load(int size, ulong addr) => size switch
    {
        1 => c.ReadU8(addr),
        2 => c.ReadU16(addr),
        4 => c.ReadU32(addr),
        _ => c.ReadU64(addr),
    };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(int size, ulong addr, ulong v)
    {
        switch (size)
        {
            case 1: c.WriteU8(addr, (byte)v); break;
            case 2: c.WriteU16(addr, (ushort)v); break;
            case 4: c.WriteU32(addr, (uint)v); break;
            default: c.WriteU64(addr, v); break;
        }
    }

    public void Probe(ulong addr, int len, bool write) => c.CheckAccess(addr, (ulong)len, write);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void ChargeCycles(ulong cycles) => c.Cycles += cycles;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void SetCc(CcOp op, ulong src, ulong dst, ulong vr) => c.SetCc(op, src, dst, vr);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void SetCcConst(int cc) => c.Cc = cc;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong CcMatches(int mask) => Alu.CcMatches(c, mask) ? 1UL : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void JumpIf(ulong cond, ulong target) { if (cond != 0) c.Branch(target); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void FixedOverflowIf(ulong cond) { if (cond != 0) Alu.FixedOverflow(c); }
    public bool FixedOverflowOff => false; // the interpreter reads the mask when an overflow happens
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void TrapIf(ulong cond) { if (cond != 0) throw c.DataException(0xFF); }
    public void Raise(ushort code) => throw c.Pgm(code);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong F(int r) => c.Fpr(r);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void SetF(int r, ulong v) => c.Fpr(r) = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void CheckAfpRegister(int r) => FpRegs.CheckReg(c, r);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ulong VD(int v, int d) => c.V[2 * v + d];
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void SetVD(int v, int d, ulong x) => c.V[2 * v + d] = x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void CheckBfpControl() => FpRegs.CheckBfp(c);
    /// <summary>
    /// The exact core, through the host fast path compiled code uses (<see cref="BfpHost"/>: the host's
    /// result where it provably is the exact core's, bit for bit and flag for flag; otherwise nothing has
    /// changed and <see cref="BfpExact"/> runs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Bfp(BfpOp op, BinaryFormat f, ulong a, ulong b, ulong x)
    {
        ulong r = BfpHost.Try(c, op, f, a, b, x);
        return r != BfpHost.Slow ? r : BfpExact.Run(c, op, f, a, b, x);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BfpTrap()
    {
        byte dxc = c.BfpTrapDxc;
        if (dxc != 0) { c.BfpTrapDxc = 0; throw c.DataException(dxc); }
    }
    /// <summary>Ordered short and long operands through <see cref="BfpHost.TryCompare"/> (no IEEE condition), the rest on the exact core.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BfpCompare(BinaryFormat f, ulong a, ulong b, bool signaling)
    {
        int cc = BfpHost.TryCompare(f, a, b);
        if (cc >= 0) c.Cc = cc;
        else BfpExact.Compare(c, f, a, b, signaling);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetBfpResultCc(BinaryFormat f, ulong v) =>
        c.Cc = f.Width == 64 ? (int)BfpHost.ResultCcD(v) : f.Width == 32 ? (int)BfpHost.ResultCcE(v) : BfpExact.ResultCc(f, v);
}
