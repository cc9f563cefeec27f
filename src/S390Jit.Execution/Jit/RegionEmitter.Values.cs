using System.Buffers.Binary;
using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;

namespace S390Jit.Execution.Jit;

/// <summary>Values: IL locals and translation-time constants, register locals (FPRs in the CPU), arithmetic with constant folding, comparisons kept for compare-and-branch, selects, effective addresses.</summary>
public sealed unsafe partial class RegionEmitter
{
    private static readonly MethodInfo M_Rotl64 = typeof(BitOperations).GetMethod(nameof(BitOperations.RotateLeft), [typeof(ulong), typeof(int)])!;
    private static readonly MethodInfo M_Rotl32 = typeof(BitOperations).GetMethod(nameof(BitOperations.RotateLeft), [typeof(uint), typeof(int)])!;
    private static readonly MethodInfo M_Lzcnt = typeof(BitOperations).GetMethod(nameof(BitOperations.LeadingZeroCount), [typeof(ulong)])!;
    private static readonly MethodInfo M_Bswap16 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ushort)])!;
    private static readonly MethodInfo M_Bswap32 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(uint)])!;
    private static readonly MethodInfo M_Bswap64 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ulong)])!;

    private LocalBuilder Temp()
    {
        LocalBuilder t;
        if (_freeTemps.Count > 0) { t = _freeTemps[^1]; _freeTemps.RemoveAt(_freeTemps.Count - 1); _zext.Remove(t); _zext16.Remove(t); ForgetLow16(t); } // (a new value)
        else t = _il.DeclareLocal(typeof(ulong));
        _usedTemps.Add(t);
        return t;
    }

    /// <summary>Pushes a 64-bit constant in the shortest form (a 32-bit one widened: 3 bytes instead of 9).</summary>
    private void EmitI8(long v)
    {
        if (v == (int)v) { EmitI4((int)v); _il.Emit(OpCodes.Conv_I8); }
        else if (v == (uint)v) { EmitI4((int)(uint)v); _il.Emit(OpCodes.Conv_U8); }
        else if (ShortConst && ~v == (uint)~v) { EmitI4((int)(uint)~v); _il.Emit(OpCodes.Conv_U8); _il.Emit(OpCodes.Not); } // (high-word masks: RyuJIT folds it)
        else _il.Emit(OpCodes.Ldc_I8, v);
    }

    /// <summary>S390JIT_SHORT_CONST=0: 64-bit constants whose complement fits 32 bits are emitted as ldc.i8 (9 bytes), as before.</summary>
    internal static bool ShortConst = Environment.GetEnvironmentVariable("S390JIT_SHORT_CONST") != "0";

    /// <summary>Pushes a 32-bit constant in the shortest form.</summary>
    private void EmitI4(int v)
    {
        switch (v)
        {
            case -1: _il.Emit(OpCodes.Ldc_I4_M1); return;
            case 0: _il.Emit(OpCodes.Ldc_I4_0); return;
            case 1: _il.Emit(OpCodes.Ldc_I4_1); return;
            case 2: _il.Emit(OpCodes.Ldc_I4_2); return;
            case 3: _il.Emit(OpCodes.Ldc_I4_3); return;
            case 4: _il.Emit(OpCodes.Ldc_I4_4); return;
            case 5: _il.Emit(OpCodes.Ldc_I4_5); return;
            case 6: _il.Emit(OpCodes.Ldc_I4_6); return;
            case 7: _il.Emit(OpCodes.Ldc_I4_7); return;
            case 8: _il.Emit(OpCodes.Ldc_I4_8); return;
        }
        if (v == (sbyte)v) _il.Emit(OpCodes.Ldc_I4_S, (sbyte)v);
        else _il.Emit(OpCodes.Ldc_I4, v);
    }

    private void Push(Val v)
    {
        if (v.Expr is { } e) { PushExpr(e); return; }
        if (v.IsConst) EmitI8((long)v.Value);
        else _il.Emit(OpCodes.Ldloc, v.Local!);
    }

    private void PushExpr(Expr e)
    {
        switch (e.Kind)
        {
            case ExprKind.Binary: Push(e.A); Push(e.B); _il.Emit(e.Op); break;
            case ExprKind.Shift: Push(e.A); PushInt(e.B); _il.Emit(e.Op); break;
            case ExprKind.Compare:
                Push(e.A); Push(e.B); _il.Emit(e.Op);
                if (e.Negated) { _il.Emit(OpCodes.Ldc_I4_0); _il.Emit(OpCodes.Ceq); }
                _il.Emit(OpCodes.Conv_U8);
                break;
            case ExprKind.Trunc32: Push(e.A); _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Conv_U8); break;
            case ExprKind.Convert: Push(e.A); _il.Emit(e.Op); _il.Emit(OpCodes.Conv_I8); break;
            case ExprKind.CpuReg: EmitCpuReg((int)e.A.Value); break;
        }
    }

    private void PushInt(Val v)
    {
        if (v.IsConst) EmitI4((int)v.Value);
        else { Push(v); _il.Emit(OpCodes.Conv_I4); }
    }

    private Val Pop()
    {
        var t = Temp();
        _il.Emit(OpCodes.Stloc, t);
        return new Val(t);
    }

    /// <summary>Largest expression kept unevaluated (IL operations): bigger operands are stored in a local first.</summary>
    internal static readonly int MaxExpr = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_MAX_EXPR"), out int n) ? n : 3;

    /// <summary>The value in a local or a constant (an expression larger than <paramref name="maxSize"/> is evaluated into a local here).</summary>
    internal Val Stable(Val v, int maxSize = 0)
    {
        if (v.Size <= maxSize) return v;
        // once per instruction: it is called in the body's straight-line flow, so the local dominates later uses
        if (_stable.TryGetValue(v.Expr!, out var l)) return new Val(l);
        Push(v);
        var r = Pop();
        _stable[v.Expr!] = r.Local!;
        NoteStable(v.Expr!, r.Local!);
        return r;
    }

    /// <summary>Expressions of the current instruction already evaluated into a local by <see cref="Stable"/>.</summary>
    private readonly Dictionary<Expr, LocalBuilder> _stable = new(ReferenceEqualityComparer.Instance);

    /// <summary>A lazy operation: operands that would make it larger than <see cref="MaxExpr"/> are evaluated into locals first.</summary>
    private Val Lazy(ExprKind kind, OpCode op, Val a, Val b, bool negated = false)
    {
        if (MaxExpr == 0 && kind != ExprKind.Compare) { a = Stable(a); b = Stable(b); Push(new Val(new Expr(kind, op, a, b, negated))); return Pop(); } // (measuring: every value in a local)
        if (1 + a.Size + b.Size > MaxExpr)
        {
            if (a.Size >= b.Size) a = Stable(a); else b = Stable(b);
            if (1 + a.Size + b.Size > MaxExpr) { a = Stable(a); b = Stable(b); }
        }
        return new Val(new Expr(kind, op, a, b, negated));
    }

    public Val ReadReg(int r)
    {
        if (_pending[r])
        {
            // the whole value for this read only (the pending state stays): a read whose low word alone is used
            // (Trunc32, SExt32/16/8, And with a 32-bit mask) takes the low word, and RyuJIT drops the unused merge
            PushWhole(StateOf(r));
            var m = Pop();
            _mergeLo[m.Local!] = _lo[r];
            return m;
        }
        if (!_resident[r])
        {
            if (_cache[r] == null && (_singleReads >> r & 1) != 0) return new Val(new Expr(ExprKind.CpuReg, OpCodes.Nop, new Val((ulong)r), default));
            return new Val(Cached(r));
        }
        // a register the instruction does not write keeps its value to the instruction's end: read in place (no copy); what
        // outlives the instruction (a cached register, the pending condition code) is copied there (Detach)
        if (ResidentDirect && !WritesNow(r)) return new Val(_regs[r]);
        _il.Emit(OpCodes.Ldloc, _regs[r]);
        return Pop();
    }

    /// <summary>
    /// S390JIT_RESIDENT_DIRECT=0: every read of a resident register copies it into a temporary (the former rule). Default: a
    /// read of one the current instruction does not write uses the resident local itself; a value that outlives the
    /// instruction (the block's register cache, the pending condition code's operands) gets its copy where it is kept.
    /// </summary>
    internal static bool ResidentDirect = Environment.GetEnvironmentVariable("S390JIT_RESIDENT_DIRECT") != "0";

    /// <summary>Whether the current instruction may write register <paramref name="r"/> (true when not known).</summary>
    private bool WritesNow(int r) =>
        _blockPlan == null || _planPos < 0 || _planPos >= _blockPlan.Count || (_blockPlan[_planPos].Facts.Writes >> r & 1) != 0;

    private bool IsResident(LocalBuilder l)
    {
        for (int r = 0; r < 16; r++) if (_resident[r] && ReferenceEquals(_regs[r], l)) return true;
        return false;
    }

    /// <summary>The value with every resident local it reads copied into a temporary here (it is kept past the instruction, and the resident locals change).</summary>
    private Val Detach(Val v)
    {
        if (!ResidentDirect) return v;
        if (v.Local is { } l) return IsResident(l) ? Copy(l) : v;
        if (v.Expr is not { } e) return v;
        var a = Detach(e.A);
        var b = Detach(e.B);
        if (a.Local == e.A.Local && a.Expr == e.A.Expr && b.Local == e.B.Local && b.Expr == e.B.Expr) return v;
        return new Val(new Expr(e.Kind, e.Op, a, b, e.Negated));
    }

    private Val Copy(LocalBuilder l)
    {
        _il.Emit(OpCodes.Ldloc, l);
        return Pop();
    }

    public void WriteReg(int r, Val v)
    {
        _dirty = true;
        if (_pending[r]) { _pending[r] = false; _flushStub = null; } // (a stub made before would merge the old low word)
        _hiClean[r] = false;
        if (!_resident[r]) { SetCached(r, v.Local is { } vl ? (ResidentDirect && IsResident(vl) ? Copy(vl).Local! : vl) : PopConst(v)); return; }
        BumpRegVersion(r);
        Push(v);
        _il.Emit(OpCodes.Stloc, _regs[r]);
    }

    private LocalBuilder PopConst(Val v) { Push(v); return Pop().Local!; }

    public void WriteReg32(int r, Val v)
    {
        _dirty = true;
        if (Lazy32)
        {
            Val lo;
            if (v.IsConst) lo = new Val((ulong)(uint)v.Value);
            else if (v.Local != null && IsZext(v)) lo = v; // (a single-assignment local: kept as it is)
            else
            {
                Push(v);
                // a value known to be below 2^32 needs no truncation (RyuJIT would keep a `mov r32,r32`)
                if (!IsZext(v)) { _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Conv_U8); }
                lo = Pop();
                _zext.Add(lo.Local!);
                // the sign extension of a 16-bit load: its low 16 bits are the load
                if (Low16 && v.Expr is { Kind: ExprKind.Trunc32 } t32 && t32.A.Expr is { Kind: ExprKind.Convert } cv && cv.Op == OpCodes.Conv_I2
                    && cv.A.Expr == null && cv.A.Local is { } src && _zext16.Contains(src))
                    _low16Of[lo.Local!] = src;
            }
            _lo[r] = lo;
            _pending[r] = true;
            if (!_resident[r] && WriteThroughNow)
            {
                // the low word into the CPU now (RegionEmitter.WriteThrough): the CPU holds the whole value
                _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G);
                if (r != 0) { EmitI4(r * 8); _il.Emit(OpCodes.Add); }
                Push(lo);
                _il.Emit(OpCodes.Conv_U4);
                _il.Emit(OpCodes.Stind_I4);
                _hiClean[r] = true;
                return;
            }
            _flushStub = null;
            if (_resident[r]) BumpRegVersion(r);
            else _cacheDirty[r] = true; // (the cache local, if any, still holds the high word)
            return;
        }
        PushReg(r);
        EmitI8(unchecked((long)0xFFFF_FFFF_0000_0000UL));
        _il.Emit(OpCodes.And);
        if (v.IsConst) EmitI8((long)(uint)v.Value);
        else { Push(v); _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Conv_U8); }
        _il.Emit(OpCodes.Or);
        StoreReg(r);
    }

    public void WriteReg32H(int r, Val v)
    {
        _dirty = true;
        Materialize(r);
        _hiClean[r] = false;
        PushReg(r);
        EmitI8(0xFFFF_FFFFL);
        _il.Emit(OpCodes.And);
        if (v.IsConst) EmitI8((long)((ulong)(uint)v.Value << 32));
        else { Push(v); EmitI4(32); _il.Emit(OpCodes.Shl); }
        _il.Emit(OpCodes.Or);
        StoreReg(r);
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
        if (op == OpCodes.Xor && b.IsConst && b.Value == 1 && a.Expr is { Kind: ExprKind.Compare } c)
            return new Val(new Expr(ExprKind.Compare, c.Op, c.A, c.B, !c.Negated)); // a branch on it stays a compare-and-branch
        if (op == OpCodes.And && b.IsConst && b.Value <= uint.MaxValue && LowWordOf(a, out var low)) a = low;
        if (op == OpCodes.And && b.IsConst && b.Value == 0xFFFF && a.Expr == null && a.Local != null && _low16Of.TryGetValue(a.Local, out var l16)) return new Val(l16);
        if (b.IsConst && !shift)
        {
            // identities that keep the IL small
            if ((op == OpCodes.Add || op == OpCodes.Sub || op == OpCodes.Or || op == OpCodes.Xor) && b.Value == 0) return a;
            if (op == OpCodes.And && b.Value == ulong.MaxValue) return a;
        }
        if (shift && b.IsConst && b.Value == 0) return a;
        if (_probe != null && b.IsConst && (op == OpCodes.Add || (op == OpCodes.And && b.Value == AddrMask)))
        {
            // address arithmetic of multiple-register accesses: base + constant, masked by the addressing mode
            if (!LazyAddr || a.Expr == null || !_derived.ContainsKey(a.Expr)) a = Stable(a);
            if (LazyAddr)
            {
                // emitted only if an access looks it up (the probed host address serves the others)
                var x = new Expr(ExprKind.Binary, op, a, b);
                NoteDerived(x, a, op == OpCodes.Add ? b.Value : 0);
                return new Val(x);
            }
            Push(a); Push(b); _il.Emit(op);
            var r = Pop();
            NoteDerived(r.Local!, a, op == OpCodes.Add ? b.Value : 0);
            return r;
        }
        return Lazy(shift ? ExprKind.Shift : ExprKind.Binary, op, a, b);
    }

    /// <summary>Locals known to hold a value below 2^32 (until a pooled temporary is taken again: <see cref="Temp"/>) (pending low words, host loads of 4 bytes or fewer).</summary>
    private readonly HashSet<LocalBuilder> _zext = new();

    /// <summary>Locals holding a zero-extended 16-bit host load (until the temporary is taken again).</summary>
    private readonly HashSet<LocalBuilder> _zext16 = new();

    /// <summary>
    /// Low words written from the sign extension of a 16-bit load (LH): the low word's low 16 bits are that load, so a
    /// 16-bit mask of it (LLHR, NILL ... 0xFFFF) is the load's local itself (no movsx/movzx pair on a decoder's
    /// probability chain). S390JIT_LOW16=0 off. Kept only while both locals hold their values (<see cref="Temp"/>,
    /// <see cref="ReleaseDeadTemps"/>, block starts).
    /// </summary>
    private readonly Dictionary<LocalBuilder, LocalBuilder> _low16Of = new();
    internal static readonly bool Low16 = Environment.GetEnvironmentVariable("S390JIT_LOW16") != "0";

    /// <summary>Local <paramref name="t"/> takes a new value: no mapping names it any more.</summary>
    private void ForgetLow16(LocalBuilder t)
    {
        if (_low16Of.Count == 0) return;
        _low16Of.Remove(t);
        List<LocalBuilder>? stale = null;
        foreach (var (lo, src) in _low16Of) if (ReferenceEquals(src, t)) (stale ??= new()).Add(lo);
        if (stale != null) foreach (var lo in stale) _low16Of.Remove(lo);
    }

    /// <summary>Whether <paramref name="v"/> is known to be below 2^32 (zero-extended).</summary>
    private bool IsZext(Val v)
    {
        if (v.Expr is { } e)
            return e.Kind switch
            {
                ExprKind.Trunc32 or ExprKind.Compare => true,
                ExprKind.Binary when e.Op == OpCodes.And => IsZext(e.A) || IsZext(e.B),
                ExprKind.Binary when e.Op == OpCodes.Or || e.Op == OpCodes.Xor => IsZext(e.A) && IsZext(e.B),
                ExprKind.Shift when e.Op == OpCodes.Shr_Un => IsZext(e.A),
                _ => false,
            };
        if (v.Local is { } l) return _zext.Contains(l);
        return v.Value <= uint.MaxValue;
    }

    /// <summary>Reads of registers with a pending low word (<see cref="ReadReg"/>): the merged local and its low word.</summary>
    private readonly Dictionary<LocalBuilder, Val> _mergeLo = new();

    /// <summary>The low word of <paramref name="a"/> when it is a merged register read.</summary>
    private bool LowWordOf(Val a, out Val lo)
    {
        lo = default;
        return a.Expr == null && a.Local != null && _mergeLo.TryGetValue(a.Local, out lo);
    }

    /// <summary>What a store of <paramref name="size"/> bytes needs of <paramref name="v"/>: the low word of a merged register read for 4 bytes or fewer.</summary>
    internal Val StoredPart(int size, Val v) => size <= 4 && LowWordOf(v, out var lo) ? lo : v;

    public Val Trunc32(Val a)
    {
        if (a.IsConst) return new Val((uint)a.Value);
        if (LowWordOf(a, out var lo)) return lo;
        if (a.Expr == null && IsZext(a)) return a; // (a low word already: a 32-bit load, a pending low word)
        return Lazy(ExprKind.Trunc32, OpCodes.Nop, a, default);
    }

    public Val Convert(Val a, OpCode conv)
    {
        if (LowWordOf(a, out var lo)) a = lo; // (sign extensions of 8, 16 or 32 bits read the low word only)
        if (a.IsConst)
            return new Val(conv == OpCodes.Conv_I1 ? (ulong)(sbyte)a.Value : conv == OpCodes.Conv_I2 ? (ulong)(short)a.Value : (ulong)(int)a.Value);
        return Lazy(ExprKind.Convert, conv, a, default);
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
        return Lazy(ExprKind.Compare, op, a, b);
    }

    /// <summary>Branches to <paramref name="target"/> when the 0/1 value <paramref name="cond"/> is 0, with a compare-and-branch when it is a comparison.</summary>
    private void BranchIfFalse(Val cond, Label target)
    {
        if (cond.Expr is { Kind: ExprKind.Compare } c)
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
        // the constant on the right: a zero displacement folds away
        if (x != 0) sum = Binary(OpCodes.Add, ReadReg(x), sum);
        if (b != 0) sum = sum.IsConst ? Binary(OpCodes.Add, ReadReg(b), sum) : Binary(OpCodes.Add, sum, ReadReg(b));
        var addr = Binary(OpCodes.And, sum, new Val(AddrMask));
        NoteShape(addr, x, b, d); // (RegionEmitter.Reuse)
        return addr;
    }

    // ---- floating-point registers for the simple FP bodies: read and written in the CPU, not cached in IL locals ----
    private static readonly MethodInfo M_SetPendingData = typeof(SlowPaths).GetMethod(nameof(SlowPaths.SetPendingData))!;

    public Val ReadFpr(int r)
    {
        PushFprAddress(r); // inline IL, not a call: large regions exhaust RyuJIT's inlining
        _il.Emit(OpCodes.Ldind_I8);
        return Pop();
    }

    public void WriteFpr(int r, Val v)
    {
        PushFprAddress(r);
        Push(v);
        _il.Emit(OpCodes.Stind_I8);
    }

    /// <summary>Data exception DXC 1 for an AFP register (known at translation) while CR0's AFP-register control is off.</summary>
    public void CheckAfpRegister(int r)
    {
        if ((r & 9) == 0 || _afpChecked) return;
        var skip = _il.DefineLabel();
        PushAfpOn();
        _il.Emit(OpCodes.Brtrue, skip);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4, (int)S390Jit.Architecture.Fp.Dxc.AfpRegister);
        _il.Emit(OpCodes.Call, M_SetPendingData);
        ExitProgramInterruption();
        _il.MarkLabel(skip);
    }
}
