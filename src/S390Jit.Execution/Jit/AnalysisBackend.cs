using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Numerics;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>What analysing one instruction revealed: its jumps, register use, storage accesses and cost.</summary>
public sealed class InstrFacts
{
    /// <summary>Jumps the body can take: constant target or null (computed), and whether it is taken always.</summary>
    public readonly List<(ulong? Target, bool Always)> Jumps = new();
    /// <summary>General registers the body reads and writes (bit r), so a region loads and stores back only those.</summary>
    public ushort Reads, Writes;
    /// <summary>Registers the body reads more than once.</summary>
    public ushort MultiReads;
    public bool Loads, Stores;
    public bool Raises;
    /// <summary>The body checks CR0's AFP-register control (FP instructions naming an AFP register, every BFP instruction).</summary>
    public bool NeedsAfp;
    /// <summary>A vector instruction (the table's V flag): CR0's AFP-register and vector-enablement controls must both be on (else DXC 0xFE).</summary>
    public bool NeedsVector;
    /// <summary>A helper instruction: compiled code calls the interpreter's body for it.</summary>
    public bool Helper;
    /// <summary>Cycles the body adds to the row's base cost (known at translation).</summary>
    public ulong ExtraCycles;
    /// <summary>
    /// Storage operands whose address is exactly an effective address X + B + D (register numbers, 0: none; a
    /// constant address has X = B = 0), in body order: the JIT looks ahead in a block for later accesses off the
    /// same base registers (one TLB lookup for several of them; only a hint, the emitter checks each reuse).
    /// </summary>
    public List<(byte X, byte B, long D, int Size, bool Write)>? Operands;
    /// <summary>Effective addresses formed by the body (see <see cref="AVal.AddrId"/>).</summary>
    internal List<(byte X, byte B, long D)>? Addrs;
}

/// <summary>A value in the analysis: a constant known at translation, or unknown.</summary>
public readonly struct AVal
{
    public readonly bool IsConst;
    public readonly ulong Value;
    /// <summary>An unknown value that is exactly the effective address number AddrId (1-based) the body formed.</summary>
    public readonly int AddrId;
    public AVal(ulong value) { IsConst = true; Value = value; AddrId = 0; }
    // a factory, not an AVal(int) constructor: new(1) and new(0) elsewhere must stay the ulong constants
    private AVal(int addrId, bool _) { IsConst = false; Value = 0; AddrId = addrId; }
    internal static AVal Address(int addrId) => new(addrId, false);
    public static readonly AVal Unknown = default;
}

/// <summary>
/// The JIT's analysis pass: a simple body run with this backend emits nothing and records, in
/// <see cref="InstrFacts"/>, the jumps it can take (constant targets folded), the registers it reads
/// and writes, its storage accesses, program interruptions and extra cycles. The region builder
/// uses the jumps to find blocks, the compiler the register sets; each instruction is then
/// translated to IL exactly once.
/// </summary>
public readonly struct AnalysisBackend(InstrFacts f, ulong instrAddr, ulong nextAddr, int addressingMode, bool fixedOverflowMask) : IBackend<AVal>
{
    public ulong InstrAddr => instrAddr;
    public ulong NextAddr => nextAddr;
    public int AddressingMode => addressingMode;
    public ulong AddrMask => addressingMode == 64 ? ~0UL : addressingMode == 31 ? 0x7FFF_FFFFUL : 0xFF_FFFFUL;

    private static AVal Fold(AVal a, AVal b, Func<ulong, ulong, ulong> op) => a.IsConst && b.IsConst ? new(op(a.Value, b.Value)) : AVal.Unknown;
    private static AVal Fold(AVal a, Func<ulong, ulong> op) => a.IsConst ? new(op(a.Value)) : AVal.Unknown;
    private AVal Read(int r) { f.MultiReads |= (ushort)(f.Reads & (1 << r)); f.Reads |= (ushort)(1 << r); return AVal.Unknown; }
    private void Write(int r) => f.Writes |= (ushort)(1 << r);

    public AVal Const(ulong v) => new(v);
    public AVal G(int r) => Read(r);
    public void SetG(int r, AVal v) => Write(r);
    public AVal G32(int r) => Read(r);
    // a 32-bit write keeps the other half: the register is read as well
    public void SetG32(int r, AVal v) { Read(r); Write(r); }
    public AVal G32H(int r) => Read(r);
    public void SetG32H(int r, AVal v) { Read(r); Write(r); }

    public AVal Add(AVal a, AVal b) => Fold(a, b, (x, y) => x + y);
    public AVal Sub(AVal a, AVal b) => Fold(a, b, (x, y) => x - y);
    public AVal Mul(AVal a, AVal b) => Fold(a, b, (x, y) => x * y);
    public AVal MulHighU(AVal a, AVal b) => Fold(a, b, Alu.MulHighU);
    public AVal And(AVal a, AVal b) => Fold(a, b, (x, y) => x & y);
    public AVal Or(AVal a, AVal b) => Fold(a, b, (x, y) => x | y);
    public AVal Xor(AVal a, AVal b) => Fold(a, b, (x, y) => x ^ y);
    public AVal Shl(AVal a, AVal n) => Fold(a, n, (x, y) => x << (int)y);
    public AVal ShrU(AVal a, AVal n) => Fold(a, n, (x, y) => x >> (int)y);
    public AVal ShrS(AVal a, AVal n) => Fold(a, n, (x, y) => (ulong)((long)x >> (int)y));
    public AVal Rotl(AVal a, AVal n) => Fold(a, n, (x, y) => BitOperations.RotateLeft(x, (int)y));
    public AVal Rotl32(AVal a, AVal n) => Fold(a, n, (x, y) => BitOperations.RotateLeft((uint)x, (int)y));
    public AVal Trunc32(AVal a) => Fold(a, x => (uint)x);
    public AVal SExt8(AVal a) => Fold(a, x => (ulong)(sbyte)x);
    public AVal SExt16(AVal a) => Fold(a, x => (ulong)(short)x);
    public AVal SExt32(AVal a) => Fold(a, x => (ulong)(int)x);
    public AVal ByteSwap(AVal a, int size) => Fold(a, x => size switch
    {
        2 => BinaryPrimitives.ReverseEndianness((ushort)x),
        4 => BinaryPrimitives.ReverseEndianness((uint)x),
        _ => BinaryPrimitives.ReverseEndianness(x),
    });
    public AVal PopCountBytes(AVal a) => Fold(a, Alu.PopCountBytes);
    public AVal LeadingZeros(AVal a) => Fold(a, x => (ulong)BitOperations.LeadingZeroCount(x));

    public AVal Eq(AVal a, AVal b) => Fold(a, b, (x, y) => x == y ? 1UL : 0);
    public AVal LtS(AVal a, AVal b) => Fold(a, b, (x, y) => (long)x < (long)y ? 1UL : 0);
    public AVal LtU(AVal a, AVal b) => Fold(a, b, (x, y) => x < y ? 1UL : 0);
    // folds exactly where the IL backend folds: what is constant here is constant in the translation
    public AVal Select(AVal cond, AVal a, AVal b) => cond.IsConst ? (cond.Value != 0 ? a : b) : AVal.Unknown;

    public void ChargeCycles(ulong cycles) => f.ExtraCycles += cycles;
    public AVal Addr(int x, int b, long d)
    {
        AVal sum = new((ulong)d);
        if (x != 0) sum = Add(sum, Read(x));
        if (b != 0) sum = Add(sum, Read(b));
        sum = And(sum, new(AddrMask));
        if (sum.IsConst) return sum;
        (f.Addrs ??= new()).Add(((byte)x, (byte)b, d));
        return AVal.Address(f.Addrs.Count);
    }
    private void Operand(AVal addr, int size, bool write)
    {
        if (addr.IsConst) (f.Operands ??= new()).Add((0, 0, (long)addr.Value, size, write));
        else if (addr.AddrId > 0 && f.Addrs![addr.AddrId - 1] is var (x, b, d)) (f.Operands ??= new()).Add((x, b, d, size, write));
    }
    public AVal Load(int size, AVal addr) { f.Loads = true; Operand(addr, size, false); return AVal.Unknown; }
    public void Store(int size, AVal addr, AVal value) { f.Stores = true; Operand(addr, size, true); }
    public void Probe(AVal addr, int len, bool write) { if (write) f.Stores = true; else f.Loads = true; Operand(addr, len, write); }

    public void SetCc(CcOp op, AVal src, AVal dst, AVal vr) { }
    public void SetCcConst(int cc) { }
    /// <summary>The condition code of an earlier instruction is not known here (mask 0 never, 15 always).</summary>
    public AVal CcMatches(int mask) => (mask & 15) == 0 ? new(0) : (mask & 15) == 15 ? new(1) : AVal.Unknown;

    public void JumpIf(AVal cond, AVal target)
    {
        if (cond.IsConst && cond.Value == 0) return;
        f.Jumps.Add((target.IsConst ? target.Value & AddrMask : null, cond.IsConst));
    }
    public void FixedOverflowIf(AVal cond)
    {
        if (fixedOverflowMask && !(cond.IsConst && cond.Value == 0)) f.Raises = true;
    }
    public bool FixedOverflowOff => !fixedOverflowMask;
    public void TrapIf(AVal cond) { if (!(cond.IsConst && cond.Value == 0)) f.Raises = true; }
    public void Raise(ushort code) => f.Raises = true;
    // FPRs live in the CPU (not in the region's locals): only the AFP-register check can interrupt
    public AVal F(int r) => AVal.Unknown;
    public void SetF(int r, AVal v) { }
    public void CheckAfpRegister(int r) { if ((r & 9) != 0) { f.Raises = true; f.NeedsAfp = true; } }
    // vector registers live in the CPU too
    public AVal VD(int v, int d) => AVal.Unknown;
    public void SetVD(int v, int d, AVal x) { }
    public void CheckBfpControl() { f.Raises = true; f.NeedsAfp = true; }
    public AVal Bfp(BfpOp op, BinaryFormat fmt, AVal a, AVal b, AVal c) { f.Raises = true; return AVal.Unknown; }
    public void BfpTrap() { }
    public void BfpCompare(BinaryFormat fmt, AVal a, AVal b, bool signaling) => f.Raises = true;
    public void SetBfpResultCc(BinaryFormat fmt, AVal v) { }

    /// <summary>Analyses one instruction of a plan.</summary>
    public static unsafe InstrFacts Analyze(InsnDef def, ref Insn insn, ulong addr, int length, int addressingMode, bool fixedOverflowMask)
    {
        var facts = new InstrFacts();
        if (!def.IsSimple) { facts.Helper = true; return facts; }
        if (def.Has(InsnFlags.Vector)) { facts.NeedsVector = true; facts.Raises = true; }
        var b = new AnalysisBackend(facts, addr, (addr + (ulong)length) & (addressingMode == 64 ? ~0UL : addressingMode == 31 ? 0x7FFF_FFFFUL : 0xFF_FFFFUL), addressingMode, fixedOverflowMask);
        SimpleBodies<AnalysisBackend, AVal>.For(def)(b, ref insn);
        return facts;
    }
}

/// <summary>The instantiation of every simple row's one body with backend <typeparamref name="B"/>, created on first use.</summary>
public static unsafe class SimpleBodies<B, V> where B : struct, IBackend<V>
{
    private static readonly ConcurrentDictionary<InsnDef, nint> s_cache = new();

    /// <summary>The body's entry point, from the generated <see cref="SimpleBodyTable"/> (reflection only for a body it lacks).</summary>
    public static delegate*<B, ref Insn, void> For(InsnDef def) => (delegate*<B, ref Insn, void>)s_cache.GetOrAdd(def, static d =>
    {
        nint entry = SimpleBodyTable.Entry<B, V>(d.Mnemonic);
        if (entry != 0) return entry;
        var cls = d.SimpleBodyClass!.MakeGenericType(typeof(B), typeof(V));
        var m = cls.GetMethod(d.Mnemonic) ?? throw new InvalidOperationException($"no body {d.Mnemonic} in {cls}");
        return m.MethodHandle.GetFunctionPointer();
    });
}
