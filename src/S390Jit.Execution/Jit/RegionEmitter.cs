using System.Buffers.Binary;
using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Emits the IL of one region: a DynamicMethod <c>int Run(RegionData data, Cpu cpu)</c> that keeps
/// the guest registers, the lazy condition code, the cycle and instruction counters in IL locals,
/// inlines the TLB fast path of every storage access, fuses condition codes with branches when the
/// producer is in the same block, and leaves through one exit block that stores the state back.
/// Return value: exit code (0 continue at PSW, 1 run the block at exit index in the interpreter,
/// 2 program interruption at instruction index, 3 SIE intercept) | index &lt;&lt; 2.
/// </summary>
public sealed unsafe class RegionEmitter
{
    public const int ExitContinue = 0, ExitStep = 1, ExitProgram = 2, ExitIntercept = 3, ExitReexecute = 4;
    /// <summary>Region results are <c>code | index &lt;&lt; CodeBits</c>.</summary>
    public const int CodeBits = 3, CodeMask = (1 << CodeBits) - 1;

    private static readonly FieldInfo F_G = typeof(Cpu).GetField(nameof(Cpu.G))!;
    private static readonly FieldInfo F_Cycles = typeof(Cpu).GetField(nameof(Cpu.Cycles))!;
    private static readonly FieldInfo F_Instructions = typeof(Cpu).GetField(nameof(Cpu.Instructions))!;
    private static readonly FieldInfo F_EventCycle = typeof(Cpu).GetField(nameof(Cpu.EventCycle))!;
    private static readonly FieldInfo F_PswAddr = typeof(Cpu).GetField(nameof(Cpu.PswAddr))!;
    private static readonly FieldInfo F_PswMask = typeof(Cpu).GetField(nameof(Cpu.PswMask))!;
    private static readonly FieldInfo F_Bear = typeof(Cpu).GetField(nameof(Cpu.Bear))!;
    private static readonly FieldInfo F_CcOp = typeof(Cpu).GetField(nameof(Cpu.CcOp))!;
    private static readonly FieldInfo F_CcSrc = typeof(Cpu).GetField(nameof(Cpu.CcSrc))!;
    private static readonly FieldInfo F_CcDst = typeof(Cpu).GetField(nameof(Cpu.CcDst))!;
    private static readonly FieldInfo F_ReadTlb = typeof(Cpu).GetField(nameof(Cpu.ReadTlb))!;
    private static readonly FieldInfo F_WriteTlb = typeof(Cpu).GetField(nameof(Cpu.WriteTlb))!;
    private static readonly FieldInfo F_CodeModified = typeof(Cpu).GetField(nameof(Cpu.CodeModified))!;
    private static readonly FieldInfo F_PendingPgmCode = typeof(Cpu).GetField(nameof(Cpu.PendingPgmCode))!;
    private static readonly FieldInfo F_PendingPgmNullify = typeof(Cpu).GetField(nameof(Cpu.PendingPgmNullify))!;
    private static readonly FieldInfo F_Tag = typeof(TlbEntry).GetField(nameof(TlbEntry.Tag))!;
    private static readonly FieldInfo F_Host = typeof(TlbEntry).GetField(nameof(TlbEntry.Host))!;
    private static readonly FieldInfo F_Defs = typeof(RegionData).GetField(nameof(RegionData.Defs))!;
    private static readonly FieldInfo F_Insns = typeof(RegionData).GetField(nameof(RegionData.Insns))!;
    private static readonly MethodInfo M_TryRead = typeof(Cpu).GetMethod(nameof(Cpu.TryRead))!;
    private static readonly MethodInfo M_TryWrite = typeof(Cpu).GetMethod(nameof(Cpu.TryWriteCompiled))!;
    private static readonly MethodInfo M_TryProbe = typeof(Cpu).GetMethod(nameof(Cpu.TryProbe))!;
    private static readonly MethodInfo M_SetPendingTrap = typeof(Cpu).GetMethod(nameof(Cpu.SetPendingTrap))!;
    private static readonly MethodInfo M_ExecuteCompiled = typeof(Cpu).GetMethod(nameof(Cpu.ExecuteCompiled))!;
    private static readonly MethodInfo M_CcCalc = typeof(CcCompute).GetMethod(nameof(CcCompute.Calc))!;
    private static readonly MethodInfo M_Rotl64 = typeof(BitOperations).GetMethod(nameof(BitOperations.RotateLeft), [typeof(ulong), typeof(int)])!;
    private static readonly MethodInfo M_Rotl32 = typeof(BitOperations).GetMethod(nameof(BitOperations.RotateLeft), [typeof(uint), typeof(int)])!;
    private static readonly MethodInfo M_Lzcnt = typeof(BitOperations).GetMethod(nameof(BitOperations.LeadingZeroCount), [typeof(ulong)])!;
    private static readonly MethodInfo M_Bswap16 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ushort)])!;
    private static readonly MethodInfo M_Bswap32 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(uint)])!;
    private static readonly MethodInfo M_Bswap64 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ulong)])!;

    private readonly ILGenerator _il;
    private readonly LocalBuilder[] _regs = new LocalBuilder[16];
    private readonly LocalBuilder _icnt, _gref, _ccOp, _ccSrc, _ccDst, _remain, _exitPsw, _exitCode, _exitIdx, _helperResult, _slowValue,
        _slowAddr, _slowSize, _slowResume, _slowInsn;
    // storage slow paths are shared blocks at the end: one call site each, so the hot path holds no call
    private readonly List<Label> _readResumes = new(), _writeResumes = new();
    private readonly Label _slowRead, _slowWrite;
    private readonly List<LocalBuilder> _freeTemps = new(), _usedTemps = new();
    private readonly Label _exit;
    private readonly bool[] _loadSet;
    private readonly bool[] _flushSet;

    // comparisons whose 0/1 result is only tested: branches use compare-and-branch IL directly
    private readonly Dictionary<LocalBuilder, (OpCode Op, Val A, Val B, bool Negated)> _conds = new();

    // static condition-code knowledge inside the current block
    private CcOp? _staticOp;
    private int? _staticCc;
    private ulong? _staticCcMask;

    /// <param name="flushSet">Registers the region writes (stored back at exits and before helpers).</param>
    /// <param name="loadSet">Registers the region reads or writes (loaded into locals).</param>
    public RegionEmitter(ILGenerator il, int addressingMode, bool fixedOverflowMask, bool[] flushSet, bool[] loadSet)
    {
        _il = il;
        AddressingMode = addressingMode;
        AddrMask = addressingMode == 64 ? ~0UL : addressingMode == 31 ? 0x7FFF_FFFFUL : 0xFF_FFFFUL;
        FixedOverflowMask = fixedOverflowMask;
        _flushSet = flushSet;
        _loadSet = loadSet;
        for (int r = 0; r < 16; r++) _regs[r] = il.DeclareLocal(typeof(ulong));
        _gref = il.DeclareLocal(typeof(ulong).MakeByRefType());
        _ccOp = il.DeclareLocal(typeof(int));
        _ccSrc = il.DeclareLocal(typeof(ulong));
        _ccDst = il.DeclareLocal(typeof(ulong));
        _remain = il.DeclareLocal(typeof(long));
        _icnt = il.DeclareLocal(typeof(ulong));
        _exitPsw = il.DeclareLocal(typeof(ulong));
        _exitCode = il.DeclareLocal(typeof(int));
        _exitIdx = il.DeclareLocal(typeof(int));
        _slowValue = il.DeclareLocal(typeof(ulong)); // the only address-exposed local (out argument of the slow path)
        _slowAddr = il.DeclareLocal(typeof(ulong));
        _slowSize = il.DeclareLocal(typeof(int));
        _slowResume = il.DeclareLocal(typeof(int));
        _slowInsn = il.DeclareLocal(typeof(int));
        _slowRead = il.DefineLabel();
        _slowWrite = il.DefineLabel();
        _helperResult = il.DeclareLocal(typeof(int));
        _exit = il.DefineLabel();
    }

    public int AddressingMode { get; }
    public ulong AddrMask { get; }
    public bool FixedOverflowMask { get; }

    // ---- the instruction being translated --------------------------------------------------
    public ulong CurrentAddr { get; private set; }
    public ulong CurrentNext { get; private set; }
    public int CurrentIndex { get; private set; }
    /// <summary>Resolves a constant jump target to a block label inside the region, or null.</summary>
    public Func<ulong, Label?> BlockLabel { get; set; } = _ => null;
    /// <summary>Block starts a computed jump is compared against before leaving the region (returns, switch tables).</summary>
    public (ulong Addr, Label Label)[] IndirectTargets { get; set; } = [];

    public void BeginInstruction(int index, ulong addr, int length)
    {
        CurrentIndex = index;
        CurrentAddr = addr;
        CurrentNext = (addr + (ulong)length) & AddrMask;
        _dirty = false;
    }

    /// <summary>
    /// True once the current instruction has changed guest state (a register, the condition code,
    /// storage). Until then a TLB miss leaves the region and the interpreter executes the
    /// instruction from its start (it fills the TLB): the fast path then has no call on it, so
    /// RyuJIT keeps guest registers in machine registers instead of spilling them around a call.
    /// After a change, re-execution would see half-done state, so the access calls the slow path.
    /// </summary>
    private bool _dirty;

    public void EndInstruction()
    {
        // stores into pages with translated code never happen here: they miss the write TLB, and
        // the interpreter executes the instruction (re-execution, or Cpu.TryWriteCompiled).
        // Temps are not reused across instructions: RyuJIT allocates registers per local, and a
        // local reused for unrelated values becomes one long interval that ends up spilled.
        _usedTemps.Clear();
    }

    /// <summary>Forgets the static condition code (block starts, helper calls).</summary>
    public void ForgetCc() { _staticOp = null; _staticCc = null; _staticCcMask = null; }

    // ---- values ----------------------------------------------------------------------------
    private LocalBuilder Temp()
    {
        LocalBuilder t;
        if (_freeTemps.Count > 0) { t = _freeTemps[^1]; _freeTemps.RemoveAt(_freeTemps.Count - 1); }
        else t = _il.DeclareLocal(typeof(ulong));
        _usedTemps.Add(t);
        return t;
    }

    private void Push(Val v)
    {
        if (v.IsConst) _il.Emit(OpCodes.Ldc_I8, (long)v.Value);
        else _il.Emit(OpCodes.Ldloc, v.Local!);
    }

    private void PushInt(Val v)
    {
        if (v.IsConst) _il.Emit(OpCodes.Ldc_I4, (int)v.Value);
        else { _il.Emit(OpCodes.Ldloc, v.Local!); _il.Emit(OpCodes.Conv_I4); }
    }

    private Val Pop()
    {
        var t = Temp();
        _il.Emit(OpCodes.Stloc, t);
        return new Val(t);
    }

    public Val ReadReg(int r)
    {
        _il.Emit(OpCodes.Ldloc, _regs[r]);
        return Pop();
    }

    public void WriteReg(int r, Val v)
    {
        _dirty = true;
        Push(v);
        _il.Emit(OpCodes.Stloc, _regs[r]);
    }

    public void WriteReg32(int r, Val v)
    {
        _dirty = true;
        _il.Emit(OpCodes.Ldloc, _regs[r]);
        _il.Emit(OpCodes.Ldc_I8, unchecked((long)0xFFFF_FFFF_0000_0000UL));
        _il.Emit(OpCodes.And);
        if (v.IsConst) _il.Emit(OpCodes.Ldc_I8, (long)(uint)v.Value);
        else { Push(v); _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Conv_U8); }
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, _regs[r]);
    }

    public void WriteReg32H(int r, Val v)
    {
        _dirty = true;
        _il.Emit(OpCodes.Ldloc, _regs[r]);
        _il.Emit(OpCodes.Ldc_I8, 0xFFFF_FFFFL);
        _il.Emit(OpCodes.And);
        if (v.IsConst) _il.Emit(OpCodes.Ldc_I8, (long)((ulong)(uint)v.Value << 32));
        else { Push(v); _il.Emit(OpCodes.Ldc_I4, 32); _il.Emit(OpCodes.Shl); }
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, _regs[r]);
    }

    private static ulong Fold(OpCode op, ulong a, ulong b)
    {
        if (op == OpCodes.Add) return a + b;
        if (op == OpCodes.Sub) return a - b;
        if (op == OpCodes.Mul) return a * b;
        if (op == OpCodes.And) return a & b;
        if (op == OpCodes.Or) return a | b;
        if (op == OpCodes.Xor) return a ^ b;
        if (op == OpCodes.Shl) return a << (int)b;
        if (op == OpCodes.Shr_Un) return a >> (int)b;
        if (op == OpCodes.Shr) return (ulong)((long)a >> (int)b);
        throw new InvalidOperationException(op.Name);
    }

    public Val Binary(OpCode op, Val a, Val b, bool shift = false)
    {
        if (a.IsConst && b.IsConst) return new Val(Fold(op, a.Value, b.Value));
        if (op == OpCodes.Xor && b.IsConst && b.Value == 1 && !a.IsConst && _conds.TryGetValue(a.Local!, out var c))
        {
            // negation of a comparison: remember it, so a branch on it is a compare-and-branch
            Push(a); Push(b); _il.Emit(op);
            var n = Pop();
            _conds[n.Local!] = c with { Negated = !c.Negated };
            return n;
        }
        if (b.IsConst && !shift)
        {
            // identities that keep the IL small
            if ((op == OpCodes.Add || op == OpCodes.Sub || op == OpCodes.Or || op == OpCodes.Xor) && b.Value == 0) return a;
            if (op == OpCodes.And && b.Value == ulong.MaxValue) return a;
        }
        if (shift && b.IsConst && b.Value == 0) return a;
        Push(a);
        if (shift) PushInt(b); else Push(b);
        _il.Emit(op);
        return Pop();
    }

    public Val Trunc32(Val a)
    {
        if (a.IsConst) return new Val((uint)a.Value);
        Push(a);
        _il.Emit(OpCodes.Conv_U4);
        _il.Emit(OpCodes.Conv_U8);
        return Pop();
    }

    public Val Convert(Val a, OpCode conv)
    {
        if (a.IsConst)
            return new Val(conv == OpCodes.Conv_I1 ? (ulong)(sbyte)a.Value : conv == OpCodes.Conv_I2 ? (ulong)(short)a.Value : (ulong)(int)a.Value);
        Push(a);
        _il.Emit(conv);
        _il.Emit(OpCodes.Conv_I8);
        return Pop();
    }

    public Val Rotate(Val a, Val n, bool wide)
    {
        if (a.IsConst && n.IsConst)
            return new Val(wide ? BitOperations.RotateLeft(a.Value, (int)n.Value) : BitOperations.RotateLeft((uint)a.Value, (int)n.Value));
        Push(a);
        if (!wide) _il.Emit(OpCodes.Conv_U4);
        PushInt(n);
        _il.Emit(OpCodes.Call, wide ? M_Rotl64 : M_Rotl32);
        if (!wide) _il.Emit(OpCodes.Conv_U8);
        return Pop();
    }

    public Val ByteSwap(Val a, int size)
    {
        Push(a);
        switch (size)
        {
            case 2: _il.Emit(OpCodes.Conv_U2); _il.Emit(OpCodes.Call, M_Bswap16); _il.Emit(OpCodes.Conv_U8); break;
            case 4: _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Call, M_Bswap32); _il.Emit(OpCodes.Conv_U8); break;
            default: _il.Emit(OpCodes.Call, M_Bswap64); break;
        }
        return Pop();
    }

    public Val LeadingZeros(Val a)
    {
        if (a.IsConst) return new Val((ulong)BitOperations.LeadingZeroCount(a.Value));
        Push(a);
        _il.Emit(OpCodes.Call, M_Lzcnt);
        _il.Emit(OpCodes.Conv_U8);
        return Pop();
    }

    public Val CallBinary(MethodInfo m, Val a, Val b, Func<ulong, ulong, ulong> fold)
    {
        if (a.IsConst && b.IsConst) return new Val(fold(a.Value, b.Value));
        Push(a);
        Push(b);
        _il.Emit(OpCodes.Call, m);
        return Pop();
    }

    public Val CallUnary(MethodInfo m, Val a, Func<ulong, ulong> fold)
    {
        if (a.IsConst) return new Val(fold(a.Value));
        Push(a);
        _il.Emit(OpCodes.Call, m);
        return Pop();
    }

    public Val Compare(OpCode op, Val a, Val b)
    {
        if (a.IsConst && b.IsConst)
        {
            bool r = op == OpCodes.Ceq ? a.Value == b.Value : op == OpCodes.Clt ? (long)a.Value < (long)b.Value : a.Value < b.Value;
            return new Val(r ? 1UL : 0);
        }
        Push(a);
        Push(b);
        _il.Emit(op);
        _il.Emit(OpCodes.Conv_U8);
        var v = Pop();
        _conds[v.Local!] = (op, a, b, false);
        return v;
    }

    /// <summary>Branches to <paramref name="target"/> when the 0/1 value <paramref name="cond"/> is 0, with a compare-and-branch when it is a comparison.</summary>
    private void BranchIfFalse(Val cond, Label target)
    {
        if (!cond.IsConst && _conds.TryGetValue(cond.Local!, out var c))
        {
            Push(c.A);
            Push(c.B);
            bool ifTrue = c.Negated; // branch when the comparison holds
            OpCode br = c.Op == OpCodes.Ceq ? (ifTrue ? OpCodes.Beq : OpCodes.Bne_Un)
                : c.Op == OpCodes.Clt ? (ifTrue ? OpCodes.Blt : OpCodes.Bge)
                : (ifTrue ? OpCodes.Blt_Un : OpCodes.Bge_Un);
            _il.Emit(br, target);
            return;
        }
        Push(cond);
        _il.Emit(OpCodes.Brfalse, target);
    }

    public Val Select(Val cond, Val a, Val b)
    {
        if (cond.IsConst) return cond.Value != 0 ? a : b;
        var t = Temp();
        var other = _il.DefineLabel();
        var done = _il.DefineLabel();
        BranchIfFalse(cond, other);
        Push(a);
        _il.Emit(OpCodes.Stloc, t);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(other);
        Push(b);
        _il.Emit(OpCodes.Stloc, t);
        _il.MarkLabel(done);
        return new Val(t);
    }

    public Val Address(int x, int b, long d)
    {
        Val sum = new((ulong)d);
        if (x != 0) sum = Binary(OpCodes.Add, sum, ReadReg(x));
        if (b != 0) sum = Binary(OpCodes.Add, sum, ReadReg(b));
        return Binary(OpCodes.And, sum, new Val(AddrMask));
    }

    // ---- storage: inline TLB hit path, Try* slow path that reports exceptions by value -------
    private void TlbLookup(FieldInfo tlb, Val addr, int size, Label slow)
    {
        var entry = _il.DeclareLocal(typeof(TlbEntry).MakeByRefType()); // fresh per access: short interval
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldflda, tlb);
        Push(addr);
        _il.Emit(OpCodes.Ldc_I4, 12 - 4); // entry index * sizeof(TlbEntry) (16)
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Ldc_I8, (long)((Cpu.TlbEntries - 1) << 4));
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, entry);
        _il.Emit(OpCodes.Ldloc, entry);
        _il.Emit(OpCodes.Ldfld, F_Tag);
        Push(addr);
        _il.Emit(OpCodes.Ldc_I4, 12);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Bne_Un, slow);
        if (size > 1)
        {
            if (addr.IsConst)
            {
                if ((addr.Value & 0xFFF) > (ulong)(4096 - size)) _il.Emit(OpCodes.Br, slow);
            }
            else
            {
                Push(addr);
                _il.Emit(OpCodes.Ldc_I8, 0xFFFL);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Ldc_I8, (long)(4096 - size));
                _il.Emit(OpCodes.Bgt_Un, slow);
            }
        }
        // host pointer of the byte
        _il.Emit(OpCodes.Ldloc, entry);
        _il.Emit(OpCodes.Ldfld, F_Host);
        Push(addr);
        _il.Emit(OpCodes.Ldc_I8, 0xFFFL);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Add);
    }

    public Val Load(int size, Val addr)
    {
        var result = Temp();
        var slow = _il.DefineLabel();
        var done = _il.DefineLabel();
        TlbLookup(F_ReadTlb, addr, size, slow);
        _il.Emit(OpCodes.Unaligned, (byte)1);
        switch (size)
        {
            case 1: _il.Emit(OpCodes.Ldind_U1); _il.Emit(OpCodes.Conv_U8); break;
            case 2: _il.Emit(OpCodes.Ldind_U2); _il.Emit(OpCodes.Call, M_Bswap16); _il.Emit(OpCodes.Conv_U8); break;
            case 4: _il.Emit(OpCodes.Ldind_U4); _il.Emit(OpCodes.Call, M_Bswap32); _il.Emit(OpCodes.Conv_U8); break;
            default: _il.Emit(OpCodes.Ldind_I8); _il.Emit(OpCodes.Call, M_Bswap64); break;
        }
        _il.Emit(OpCodes.Stloc, result);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(slow);
        if (!_dirty) EmitExit(ExitReexecute, CurrentIndex);
        else
        {
            var resume = _il.DefineLabel();
            GoSlow(_slowRead, _readResumes, resume, addr, size);
            _il.MarkLabel(resume);
            _il.Emit(OpCodes.Ldloc, _slowValue);
            _il.Emit(OpCodes.Stloc, result);
        }
        _il.MarkLabel(done);
        return new Val(result);
    }

    public void Store(int size, Val addr, Val value)
    {
        var slow = _il.DefineLabel();
        var done = _il.DefineLabel();
        TlbLookup(F_WriteTlb, addr, size, slow);
        Push(value);
        switch (size)
        {
            case 1: _il.Emit(OpCodes.Conv_U1); _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I1); break;
            case 2: _il.Emit(OpCodes.Conv_U2); _il.Emit(OpCodes.Call, M_Bswap16); _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I2); break;
            case 4: _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Call, M_Bswap32); _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I4); break;
            default: _il.Emit(OpCodes.Call, M_Bswap64); _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I8); break;
        }
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(slow);
        if (!_dirty) EmitExit(ExitReexecute, CurrentIndex);
        else
        {
            Push(value);
            _il.Emit(OpCodes.Stloc, _slowValue);
            GoSlow(_slowWrite, _writeResumes, done, addr, size);
        }
        _il.MarkLabel(done);
        _dirty = true;
    }

    private void GoSlow(Label shared, List<Label> resumes, Label resume, Val addr, int size)
    {
        Push(addr);
        _il.Emit(OpCodes.Stloc, _slowAddr);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(OpCodes.Stloc, _slowSize);
        _il.Emit(OpCodes.Ldc_I4, resumes.Count);
        _il.Emit(OpCodes.Stloc, _slowResume);
        _il.Emit(OpCodes.Ldc_I4, CurrentIndex);
        _il.Emit(OpCodes.Stloc, _slowInsn);
        resumes.Add(resume);
        _il.Emit(OpCodes.Br, shared);
    }

    /// <summary>The shared slow paths: call the Try* storage access, then resume at the access site.</summary>
    private void EmitSlowPaths()
    {
        foreach (var (label, resumes, method, isWrite) in new[] { (_slowRead, _readResumes, M_TryRead, false), (_slowWrite, _writeResumes, M_TryWrite, true) })
        {
            _il.MarkLabel(label);
            if (resumes.Count == 0) { _il.Emit(OpCodes.Br, _exit); continue; }
            var failed = _il.DefineLabel();
            _il.Emit(OpCodes.Ldarg_1);
            _il.Emit(OpCodes.Ldloc, _slowAddr);
            _il.Emit(OpCodes.Ldloc, _slowSize);
            if (isWrite) _il.Emit(OpCodes.Ldloc, _slowValue); else _il.Emit(OpCodes.Ldloca, _slowValue);
            _il.Emit(OpCodes.Call, method);
            _il.Emit(OpCodes.Brfalse, failed);
            _il.Emit(OpCodes.Ldloc, _slowResume);
            _il.Emit(OpCodes.Switch, resumes.ToArray());
            _il.MarkLabel(failed);
            _il.Emit(OpCodes.Ldloc, _slowInsn);
            _il.Emit(OpCodes.Ldc_I4, CodeBits);
            _il.Emit(OpCodes.Shl);
            _il.Emit(OpCodes.Ldc_I4, ExitProgram);
            _il.Emit(OpCodes.Or);
            _il.Emit(OpCodes.Stloc, _exitCode);
            _il.Emit(OpCodes.Br, _exit);
        }
    }

    public void Probe(Val addr, int len, bool write)
    {
        var ok = _il.DefineLabel();
        var slow = _il.DefineLabel();
        // a TLB hit for the operand's page (operand within one page) proves the access
        TlbLookup(write ? F_WriteTlb : F_ReadTlb, addr, len, slow);
        _il.Emit(OpCodes.Pop);
        _il.Emit(OpCodes.Br, ok);
        _il.MarkLabel(slow);
        if (!_dirty) { EmitExit(ExitReexecute, CurrentIndex); _il.MarkLabel(ok); return; }
        _il.Emit(OpCodes.Ldarg_1);
        Push(addr);
        _il.Emit(OpCodes.Ldc_I4, len);
        _il.Emit(write ? OpCodes.Ldc_I4_1 : OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Call, M_TryProbe);
        _il.Emit(OpCodes.Brtrue, ok);
        ExitProgramInterruption();
        _il.MarkLabel(ok);
    }

    // ---- condition code -------------------------------------------------------------------------
    public void SetCc(CcOp op, Val src, Val dst, Val vr)
    {
        if (op == CcOp.Const && dst.IsConst) { SetCcConst((int)dst.Value); return; }
        _dirty = true;
        _il.Emit(OpCodes.Ldc_I4, (int)op);
        _il.Emit(OpCodes.Stloc, _ccOp);
        Push(src); _il.Emit(OpCodes.Stloc, _ccSrc);
        Push(dst); _il.Emit(OpCodes.Stloc, _ccDst);
        _staticOp = op;
        _staticCc = null;
        _staticCcMask = dst.IsConst ? dst.Value : null;
    }

    public void SetCcConst(int cc)
    {
        _dirty = true;
        _il.Emit(OpCodes.Ldc_I4, (int)CcOp.Const);
        _il.Emit(OpCodes.Stloc, _ccOp);
        _il.Emit(OpCodes.Ldc_I8, (long)cc);
        _il.Emit(OpCodes.Stloc, _ccDst);
        _staticOp = CcOp.Const;
        _staticCc = cc;
    }

    private Val CcLocal(LocalBuilder l) { _il.Emit(OpCodes.Ldloc, l); return Pop(); }

    public Val CcMatches(int mask)
    {
        mask &= 15;
        if (mask == 0) return new Val(0);
        if (mask == 15) return new Val(1);
        if (_staticCc is int known) return new Val((mask & (8 >> known)) != 0 ? 1UL : 0);
        // the rule known at translation: inline (comparisons fuse with the branch); else call the one CcCompute
        if (_staticOp is CcOp op)
            return CcRules.Matches(new IlBackend(this), op, mask, CcLocal(_ccSrc), _staticCcMask is ulong m ? new Val(m) : CcLocal(_ccDst));
        Val cc = CallCc();
        // (mask >> (3 - cc)) & 1
        return Binary(OpCodes.And, Binary(OpCodes.Shr_Un, new Val((ulong)mask), Binary(OpCodes.Sub, new Val(3), cc), shift: true), new Val(1));
    }

    private Val CallCc()
    {
        _il.Emit(OpCodes.Ldloc, _ccOp);
        _il.Emit(OpCodes.Ldloc, _ccSrc);
        _il.Emit(OpCodes.Ldloc, _ccDst);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Call, M_CcCalc);
        _il.Emit(OpCodes.Conv_U8);
        return Pop();
    }

    // ---- control --------------------------------------------------------------------------------
    public void JumpIf(Val cond, Val target)
    {
        if (cond.IsConst && cond.Value == 0) return;
        bool always = cond.IsConst;
        ulong? t = target.IsConst ? target.Value & AddrMask : null;
        var skip = _il.DefineLabel();
        if (!always) BranchIfFalse(cond, skip);
        // a successful branch sets the breaking-event-address register (stored at program interruptions)
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldc_I8, (long)CurrentAddr); _il.Emit(OpCodes.Stfld, F_Bear);
        if (t is ulong tc && BlockLabel(tc) is Label inRegion)
        {
            _il.Emit(OpCodes.Br, inRegion);
        }
        else if (t is ulong tc2) ExitTo(tc2);
        else
        {
            Push(target);
            _il.Emit(OpCodes.Ldc_I8, (long)AddrMask);
            _il.Emit(OpCodes.And);
            _il.Emit(OpCodes.Stloc, _exitPsw);
            // a computed target that is a block of this region stays inside: binary search over the block starts
            EmitTargetSearch(IndirectTargets, 0, IndirectTargets.Length);
            EmitExit(ExitContinue, 0);
        }
        _il.MarkLabel(skip);
    }

    private void EmitTargetSearch((ulong Addr, Label Label)[] t, int lo, int hi)
    {
        if (hi - lo <= 3)
        {
            for (int i = lo; i < hi; i++)
            {
                _il.Emit(OpCodes.Ldloc, _exitPsw);
                _il.Emit(OpCodes.Ldc_I8, (long)t[i].Addr);
                _il.Emit(OpCodes.Beq, t[i].Label);
            }
            return;
        }
        int mid = (lo + hi) / 2;
        var upper = _il.DefineLabel();
        var notFound = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _exitPsw);
        _il.Emit(OpCodes.Ldc_I8, (long)t[mid].Addr);
        _il.Emit(OpCodes.Bge_Un, upper);
        EmitTargetSearch(t, lo, mid);
        _il.Emit(OpCodes.Br, notFound);
        _il.MarkLabel(upper);
        EmitTargetSearch(t, mid, hi);
        _il.MarkLabel(notFound);
    }

    public void FixedOverflowIf(Val cond)
    {
        if (!FixedOverflowMask) return; // the region is keyed by the PSW program mask
        if (cond.IsConst && cond.Value == 0) return;
        var skip = _il.DefineLabel();
        Push(cond);
        _il.Emit(OpCodes.Brfalse, skip);
        SetPending(PgmCode.FixedPointOverflow);
        ExitProgramInterruption();
        _il.MarkLabel(skip);
    }

    public void TrapIf(Val cond)
    {
        if (cond.IsConst && cond.Value == 0) return;
        var skip = _il.DefineLabel();
        Push(cond);
        _il.Emit(OpCodes.Brfalse, skip);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Call, M_SetPendingTrap);
        ExitProgramInterruption();
        _il.MarkLabel(skip);
    }

    public void Raise(ushort code)
    {
        SetPending(code);
        ExitProgramInterruption();
    }

    private void SetPending(ushort code)
    {
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4, (int)code);
        _il.Emit(OpCodes.Stfld, F_PendingPgmCode);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stfld, F_PendingPgmNullify);
    }

    // ---- exits ----------------------------------------------------------------------------------
    private void EmitExit(int code, int index)
    {
        _il.Emit(OpCodes.Ldc_I4, code | (index << CodeBits));
        _il.Emit(OpCodes.Stloc, _exitCode);
        _il.Emit(OpCodes.Br, _exit);
    }

    /// <summary>Constant targets of region exits, by exit site (site 0 means "look the PSW up").</summary>
    public List<ulong> ExitSites { get; } = [0];

    /// <summary>Leaves the region for a constant address: the site index lets the dispatcher chain to the target's region without a lookup.</summary>
    public void ExitTo(ulong psw)
    {
        _il.Emit(OpCodes.Ldc_I8, (long)psw);
        _il.Emit(OpCodes.Stloc, _exitPsw);
        ExitSites.Add(psw);
        EmitExit(ExitContinue, ExitSites.Count - 1);
    }

    public void ExitProgramInterruption() => EmitExit(ExitProgram, CurrentIndex);

    public void ExitStepBlock(ulong blockAddr, int blockIndex)
    {
        _il.Emit(OpCodes.Ldc_I8, (long)blockAddr);
        _il.Emit(OpCodes.Stloc, _exitPsw);
        EmitExit(ExitStep, blockIndex);
    }

    // ---- frame: prologue, per-instruction accounting, helper calls, epilogue -------------------
    public void Prologue()
    {
        LoadRegisters();
        LoadCcAndCounters();
    }

    private void LoadRegisters()
    {
        for (int r = 0; r < 16; r++)
        {
            if (!_loadSet[r]) continue; // registers the region never touches stay in the CPU
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G); // no long-lived byref local: one register more for guest values
            if (r != 0) { _il.Emit(OpCodes.Ldc_I4, r * 8); _il.Emit(OpCodes.Add); }
            _il.Emit(OpCodes.Ldind_I8);
            _il.Emit(OpCodes.Stloc, _regs[r]);
        }
    }

    private void StoreRegisters()
    {
        for (int r = 0; r < 16; r++)
        {
            if (!_flushSet[r]) continue;
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G); // no long-lived byref local: one register more for guest values
            if (r != 0) { _il.Emit(OpCodes.Ldc_I4, r * 8); _il.Emit(OpCodes.Add); }
            _il.Emit(OpCodes.Ldloc, _regs[r]);
            _il.Emit(OpCodes.Stind_I8);
        }
    }

    private void LoadCcAndCounters()
    {
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_CcOp); _il.Emit(OpCodes.Stloc, _ccOp);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_CcSrc); _il.Emit(OpCodes.Stloc, _ccSrc);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_CcDst); _il.Emit(OpCodes.Stloc, _ccDst);
        // remain = EventCycle - Cycles: one local serves the event checks and the cycle count
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_EventCycle);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_Cycles);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stloc, _remain);
    }

    private void StoreCcAndCounters()
    {
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, _ccOp); _il.Emit(OpCodes.Stfld, F_CcOp);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, _ccSrc); _il.Emit(OpCodes.Stfld, F_CcSrc);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldloc, _ccDst); _il.Emit(OpCodes.Stfld, F_CcDst);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_EventCycle);
        _il.Emit(OpCodes.Ldloc, _remain);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stfld, F_Cycles);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_Instructions);
        _il.Emit(OpCodes.Ldloc, _icnt);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stfld, F_Instructions);
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Stloc, _icnt);
    }

    /// <summary>Block entry: if an event becomes due at any boundary inside the block, let the interpreter run it.</summary>
    public void EventCheck(ulong blockAddr, int blockIndex, ulong cyclesBeforeLast)
    {
        var run = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _remain);
        _il.Emit(OpCodes.Ldc_I8, (long)cyclesBeforeLast);
        _il.Emit(OpCodes.Bgt, run);
        ExitStepBlock(blockAddr, blockIndex);
        _il.MarkLabel(run);
    }

    /// <summary>
    /// Charges the base cost and count of the block's simple instructions at its entry; exits inside
    /// the block give back what was charged for instructions that did not run (the dispatcher for
    /// program interruptions and stores into translated code). The count lives in the CPU.
    /// </summary>
    public void Charge(ulong cycles, ulong count)
    {
        if (count == 0) return;
        _il.Emit(OpCodes.Ldloc, _remain);
        _il.Emit(OpCodes.Ldc_I8, (long)cycles);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stloc, _remain);
        AddInstructions((long)count);
    }

    /// <summary>The instruction count is a local (a memory counter would chain every loop iteration through store forwarding).</summary>
    private void AddInstructions(long n)
    {
        _il.Emit(OpCodes.Ldloc, _icnt);
        _il.Emit(OpCodes.Ldc_I8, n);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _icnt);
    }


    /// <summary>
    /// A helper instruction: store the state, run it through the interpreter's checks and body,
    /// reload the state. Exceptions it throws leave compiled code with the state already stored.
    /// </summary>
    public void CallHelper(int index, InsnDef def, ulong addr, int length)
    {
        StoreRegisters();
        StoreCcAndCounters();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, F_Defs); _il.Emit(OpCodes.Ldc_I4, index); _il.Emit(OpCodes.Ldelem_Ref);
        _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, F_Insns); _il.Emit(OpCodes.Ldc_I4, index); _il.Emit(OpCodes.Ldelema, typeof(Insn));
        _il.Emit(OpCodes.Ldc_I8, (long)addr);
        _il.Emit(OpCodes.Ldc_I4, length);
        _il.Emit(OpCodes.Call, M_ExecuteCompiled);
        var cont = _il.DefineLabel();
        var res = _helperResult;
        _il.Emit(OpCodes.Stloc, res);
        LoadRegisters();
        LoadCcAndCounters();
        ForgetCc();
        _il.Emit(OpCodes.Ldloc, res);
        _il.Emit(OpCodes.Brfalse, cont);
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_PswAddr); _il.Emit(OpCodes.Stloc, _exitPsw);
        EmitExit(ExitIntercept, index);
        _il.MarkLabel(cont);
        if (def.Has(InsnFlags.Branch) || def.Has(InsnFlags.EndsBlock))
        {
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldfld, F_PswAddr); _il.Emit(OpCodes.Stloc, _exitPsw);
            EmitExit(ExitContinue, 0);
        }
        else
        {
            var go = _il.DefineLabel();
            _il.Emit(OpCodes.Ldarg_1);
            _il.Emit(OpCodes.Ldfld, F_CodeModified);
            _il.Emit(OpCodes.Brfalse, go);
            ExitTo((addr + (ulong)length) & AddrMask);
            _il.MarkLabel(go);
        }
    }

    public void Epilogue()
    {
        EmitSlowPaths();
        _il.MarkLabel(_exit);
        StoreRegisters();
        StoreCcAndCounters();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldloc, _exitPsw);
        _il.Emit(OpCodes.Stfld, F_PswAddr);
        _il.Emit(OpCodes.Ldloc, _exitCode);
        _il.Emit(OpCodes.Ret);
    }
}
