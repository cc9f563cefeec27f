using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// The region's IL writer: the subset of <see cref="ILGenerator"/> the emitter uses, writing the same bytes
/// (same opcodes, same short forms for locals, same branch and switch encodings) into our own buffer, handed to
/// the DynamicMethod through <see cref="DynamicILInfo"/> at <see cref="Bake"/>. Why not ILGenerator: every
/// Emit(OpCode, FieldInfo/MethodInfo/Type) of the DynamicILGenerator resolves the member's handle through the
/// runtime and adds a new token (an allocation) to the method's scope, hundreds per region; here each member gets one
/// token per region (perf/issue14-emit.md). The IL bytes differ from ILGenerator's only in token numbers
/// (S390JIT_IL_CHECK=1 mirrors every call into an ILGenerator and compares).
/// </summary>
public sealed class IlWriter
{
    private DynamicILInfo _info = null!;
    private byte[] _code = new byte[4096];
    private int _length;
    private int[] _labelPos = new int[64];
    private int[] _labelDepth = new int[64];
    private int _labelCount;
    private (int Label, int Pos, int InstSize)[] _fixups = new (int, int, int)[128];
    private int _fixupCount;
    private SignatureHelper _localSig = null!;
    private int _localCount;
    private readonly Dictionary<object, int> _tokens = new(ReferenceEqualityComparer.Instance);
    // stack depth (an upper bound for the method's max stack)
    private int _depth, _maxDepth;
    private ILGenerator? _mirror;
    private readonly List<int> _tokenPos = [];
    private readonly List<LocalBuilder> _mirrorLocals = [];
    private readonly List<Local> _localPool = [];

    private IlWriter() { }

    /// <summary>The writer for <paramref name="dm"/>: one per thread, its buffers reused region after region (they are the
    /// larger part of what the emission allocates; perf/issue14-emit.md). Valid until the next call on this thread.</summary>
    public static IlWriter For(DynamicMethod dm)
    {
        var w = s_writer ??= new IlWriter();
        w.Reset(dm);
        return w;
    }

    [ThreadStatic] private static IlWriter? s_writer;

    private void Reset(DynamicMethod dm)
    {
        _info = dm.GetDynamicILInfo();
        _length = _labelCount = _fixupCount = _localCount = _depth = _maxDepth = 0;
        _tokens.Clear();
        _localSig = SignatureHelper.GetLocalVarSigHelper();
        _mirror = Check
            ? new DynamicMethod(dm.Name, dm.ReturnType, [typeof(RegionData), typeof(Cpu), typeof(int)], typeof(RegionEmitter).Module, skipVisibility: true).GetILGenerator()
            : null;
        _mirrorLocals.Clear();
        _tokenPos.Clear();
    }

    /// <summary>S390JIT_IL_CHECK=1: every region's IL is also written by an ILGenerator and compared (measurement aid).</summary>
    public static bool Check = Environment.GetEnvironmentVariable("S390JIT_IL_CHECK") == "1";
    public static int Checked, Mismatches;

    public int ILOffset => _length;
    public int LocalCount => _localCount;
    public int LabelCount => _labelCount;
    public int FixupCount => _fixupCount;
    public ReadOnlySpan<byte> Code => _code.AsSpan(0, _length);
    /// <summary>IL offsets of the marked labels.</summary>
    /// <summary>Names of the tokens (IL dump, compile profile).</summary>
    public Dictionary<int, string> TokenNames()
    {
        var d = new Dictionary<int, string>();
        foreach (var (o, t) in _tokens) d[t] = o is MemberInfo m ? m.Name : o.ToString()!;
        return d;
    }
    public IEnumerable<int> MarkedPositions() { for (int i = 0; i < _labelCount; i++) if (_labelPos[i] >= 0) yield return _labelPos[i]; }

    private sealed class Local(Type type, int index) : LocalBuilder
    {
        public override Type LocalType => type;
        public override int LocalIndex => index;
        public override bool IsPinned => false;
        protected override void SetLocalSymInfoCore(string name) { }
    }

    public LocalBuilder DeclareLocal(Type type)
    {
        if (_mirror != null) _mirrorLocals.Add(_mirror.DeclareLocal(type));
        _localSig.AddArgument(type, false);
        // the local objects are reused too (same index and type): they only name a slot of the region being written
        int i = _localCount++;
        if (i < _localPool.Count && _localPool[i].LocalType == type) return _localPool[i];
        var l = new Local(type, i);
        if (i < _localPool.Count) _localPool[i] = l; else _localPool.Add(l);
        return l;
    }

    public Label DefineLabel()
    {
        _mirror?.DefineLabel();
        if (_labelCount == _labelPos.Length)
        {
            Array.Resize(ref _labelPos, _labelCount * 2);
            Array.Resize(ref _labelDepth, _labelCount * 2);
        }
        _labelPos[_labelCount] = -1;
        _labelDepth[_labelCount] = -1;
        int id = _labelCount++;
        return Unsafe.As<int, Label>(ref id);
    }

    private static int Id(Label l) => Unsafe.As<Label, int>(ref l);

    public void MarkLabel(Label label)
    {
        _mirror?.MarkLabel(label);
        int id = Id(label);
        if ((uint)id >= (uint)_labelCount) throw new ArgumentException("bad label");
        if (_labelPos[id] >= 0) throw new ArgumentException("label marked twice");
        _labelPos[id] = _length;
        if (_labelDepth[id] > _depth) _depth = _labelDepth[id];
    }

    private void Ensure(int n)
    {
        if (_length + n > _code.Length) Array.Resize(ref _code, Math.Max(_code.Length * 2, _length + n));
    }

    private void Op(OpCode op, int stackChange)
    {
        Ensure(16);
        if (op.Size == 1) _code[_length++] = (byte)op.Value;
        else { _code[_length++] = (byte)(op.Value >> 8); _code[_length++] = (byte)op.Value; }
        _depth += stackChange;
        if (_depth < 0) _depth = 0;
        if (_depth > _maxDepth) _maxDepth = _depth;
    }

    private void EndOp(OpCode op)
    {
        // after an unconditional transfer the stack is empty until a label says otherwise
        if (op.FlowControl is FlowControl.Branch or FlowControl.Return or FlowControl.Throw) _depth = 0;
    }

    private static int Pushes(StackBehaviour s) => s switch
    {
        StackBehaviour.Push0 or StackBehaviour.Varpush => 0,
        StackBehaviour.Push1_push1 => 2,
        _ => 1,
    };

    private static int Pops(StackBehaviour s) => s switch
    {
        StackBehaviour.Pop0 or StackBehaviour.Varpop => 0,
        StackBehaviour.Pop1 or StackBehaviour.Popi or StackBehaviour.Popref => 1,
        StackBehaviour.Popi_popi_popi or StackBehaviour.Popref_popi_popi or StackBehaviour.Popref_popi_popi8
            or StackBehaviour.Popref_popi_popr4 or StackBehaviour.Popref_popi_popr8 or StackBehaviour.Popref_popi_popref
            or StackBehaviour.Popref_popi_pop1 => 3,
        _ => 2,
    };

    private static int Change(OpCode op) => Pushes(op.StackBehaviourPush) - Pops(op.StackBehaviourPop);

    public void Emit(OpCode op)
    {
        _mirror?.Emit(op);
        Op(op, Change(op));
        EndOp(op);
    }

    public void Emit(OpCode op, byte arg) { _mirror?.Emit(op, arg); Op(op, Change(op)); _code[_length++] = arg; }
    public void Emit(OpCode op, sbyte arg) { _mirror?.Emit(op, arg); Op(op, Change(op)); _code[_length++] = (byte)arg; }
    public void Emit(OpCode op, short arg) { _mirror?.Emit(op, arg); Op(op, Change(op)); BinaryPrimitives.WriteInt16LittleEndian(_code.AsSpan(_length), arg); _length += 2; }
    public void Emit(OpCode op, int arg)
    {
        _mirror?.Emit(op, arg);
        // the shorter forms ILGenerator picks for common values
        if (op.Equals(OpCodes.Ldc_I4))
        {
            if (arg >= -1 && arg <= 8) { Op(arg switch { -1 => OpCodes.Ldc_I4_M1, 0 => OpCodes.Ldc_I4_0, 1 => OpCodes.Ldc_I4_1, 2 => OpCodes.Ldc_I4_2,
                3 => OpCodes.Ldc_I4_3, 4 => OpCodes.Ldc_I4_4, 5 => OpCodes.Ldc_I4_5, 6 => OpCodes.Ldc_I4_6, 7 => OpCodes.Ldc_I4_7, _ => OpCodes.Ldc_I4_8 }, 1); return; }
            if (arg >= -128 && arg <= 127) { Op(OpCodes.Ldc_I4_S, 1); _code[_length++] = (byte)(sbyte)arg; return; }
        }
        else if (op.Equals(OpCodes.Ldarg) && (uint)arg <= byte.MaxValue)
        {
            if (arg <= 3) { Op(arg switch { 0 => OpCodes.Ldarg_0, 1 => OpCodes.Ldarg_1, 2 => OpCodes.Ldarg_2, _ => OpCodes.Ldarg_3 }, 1); return; }
            Op(OpCodes.Ldarg_S, 1); _code[_length++] = (byte)arg; return;
        }
        else if (op.Equals(OpCodes.Ldarga) && (uint)arg <= byte.MaxValue) { Op(OpCodes.Ldarga_S, 1); _code[_length++] = (byte)arg; return; }
        else if (op.Equals(OpCodes.Starg) && (uint)arg <= byte.MaxValue) { Op(OpCodes.Starg_S, -1); _code[_length++] = (byte)arg; return; }
        Op(op, Change(op));
        BinaryPrimitives.WriteInt32LittleEndian(_code.AsSpan(_length), arg);
        _length += 4;
    }
    public void Emit(OpCode op, long arg) { _mirror?.Emit(op, arg); Op(op, Change(op)); BinaryPrimitives.WriteInt64LittleEndian(_code.AsSpan(_length), arg); _length += 8; }
    public void Emit(OpCode op, double arg) { _mirror?.Emit(op, arg); Op(op, Change(op)); BinaryPrimitives.WriteDoubleLittleEndian(_code.AsSpan(_length), arg); _length += 8; }
    public void Emit(OpCode op, float arg) { _mirror?.Emit(op, arg); Op(op, Change(op)); BinaryPrimitives.WriteSingleLittleEndian(_code.AsSpan(_length), arg); _length += 4; }

    public void Emit(OpCode op, Label label)
    {
        _mirror?.Emit(op, label);
        Op(op, Change(op));
        Target(label);
        int size = op.OperandType == OperandType.ShortInlineBrTarget ? 1 : 4;
        AddFixup(Id(label), _length, size);
        _length += size;
        EndOp(op);
    }

    public void Emit(OpCode op, Label[] labels)
    {
        _mirror?.Emit(op, labels);
        Ensure(labels.Length * 4 + 8);
        Op(op, Change(op));
        BinaryPrimitives.WriteInt32LittleEndian(_code.AsSpan(_length), labels.Length);
        _length += 4;
        for (int i = labels.Length * 4, j = 0; i > 0; i -= 4, j++)
        {
            Target(labels[j]);
            AddFixup(Id(labels[j]), _length, i);
            _length += 4;
        }
    }

    private void Target(Label l)
    {
        int id = Id(l);
        if (_labelDepth[id] < _depth) _labelDepth[id] = _depth;
    }

    private void AddFixup(int label, int pos, int instSize)
    {
        if (_fixupCount == _fixups.Length) Array.Resize(ref _fixups, _fixupCount * 2);
        _fixups[_fixupCount++] = (label, pos, instSize);
    }

    public void Emit(OpCode op, LocalBuilder local)
    {
        int i = local.LocalIndex;
        _mirror?.Emit(op, _mirrorLocals[i]);
        // the short forms ILGenerator picks
        if (op.Equals(OpCodes.Ldloc))
            op = i switch { 0 => OpCodes.Ldloc_0, 1 => OpCodes.Ldloc_1, 2 => OpCodes.Ldloc_2, 3 => OpCodes.Ldloc_3, <= 255 => OpCodes.Ldloc_S, _ => op };
        else if (op.Equals(OpCodes.Stloc))
            op = i switch { 0 => OpCodes.Stloc_0, 1 => OpCodes.Stloc_1, 2 => OpCodes.Stloc_2, 3 => OpCodes.Stloc_3, <= 255 => OpCodes.Stloc_S, _ => op };
        else if (op.Equals(OpCodes.Ldloca) && i <= 255) op = OpCodes.Ldloca_S;
        Op(op, Change(op));
        if (op.OperandType == OperandType.InlineNone) return;
        if (op.OperandType is OperandType.ShortInlineVar or OperandType.ShortInlineI or OperandType.ShortInlineBrTarget) _code[_length++] = (byte)i;
        else { BinaryPrimitives.WriteInt16LittleEndian(_code.AsSpan(_length), (short)i); _length += 2; }
    }

    private void Token(int token)
    {
        if (_mirror != null) _tokenPos.Add(_length);
        BinaryPrimitives.WriteInt32LittleEndian(_code.AsSpan(_length), token);
        _length += 4;
    }

    public void Emit(OpCode op, FieldInfo field)
    {
        _mirror?.Emit(op, field);
        if (!_tokens.TryGetValue(field, out int token))
            _tokens[field] = token = field.DeclaringType == null ? _info.GetTokenFor(field.FieldHandle) : _info.GetTokenFor(field.FieldHandle, field.DeclaringType.TypeHandle);
        Op(op, Change(op));
        Token(token);
    }

    public void Emit(OpCode op, Type type)
    {
        _mirror?.Emit(op, type);
        if (!_tokens.TryGetValue(type, out int token)) _tokens[type] = token = _info.GetTokenFor(type.TypeHandle);
        Op(op, Change(op));
        Token(token);
    }

    // stack effect of a call, per method (kept across regions)
    private readonly Dictionary<MethodInfo, int> _callChange = new(ReferenceEqualityComparer.Instance);

    public void Emit(OpCode op, MethodInfo method)
    {
        _mirror?.Emit(op, method);
        if (!_tokens.TryGetValue(method, out int token))
        {
            var t = method.DeclaringType;
            _tokens[method] = token = t != null && (t.IsGenericType || t.IsArray)
                ? _info.GetTokenFor(method.MethodHandle, t.TypeHandle) : _info.GetTokenFor(method.MethodHandle);
        }
        if (!_callChange.TryGetValue(method, out int change))
        {
            change = (method.ReturnType != typeof(void) ? 1 : 0) - method.GetParameters().Length - (method.IsStatic ? 0 : 1);
            _callChange[method] = change;
        }
        Op(op, op.StackBehaviourPop == StackBehaviour.Varpop ? change : Change(op));
        Token(token);
        EndOp(op);
    }

    /// <summary>Unused locals (bytes) appended to the signature by <see cref="Bake"/> (RegionCompiler.CompactMinOpts), without a LocalBuilder each.</summary>
    public int PadLocals { get; set; }

    /// <summary>A local signature (LOCAL_SIG, count, types) with <paramref name="n"/> locals of type uint8 more.</summary>
    private static byte[] Padded(byte[] sig, int n)
    {
        // ECMA-335 II.23.2: compressed unsigned integers (1, 2 or 4 bytes)
        static int Read(byte[] b, int at, out int len)
        {
            if ((b[at] & 0x80) == 0) { len = 1; return b[at]; }
            if ((b[at] & 0xC0) == 0x80) { len = 2; return (b[at] & 0x3F) << 8 | b[at + 1]; }
            len = 4; return (b[at] & 0x1F) << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3];
        }
        int count = Read(sig, 1, out int oldLen) + n;
        byte[] enc = count < 0x80 ? [(byte)count] : count < 0x4000 ? [(byte)(0x80 | count >> 8), (byte)count]
            : [(byte)(0xC0 | count >> 24), (byte)(count >> 16), (byte)(count >> 8), (byte)count];
        var r = new byte[sig.Length - oldLen + enc.Length + n];
        r[0] = sig[0];
        enc.CopyTo(r, 1);
        Array.Copy(sig, 1 + oldLen, r, 1 + enc.Length, sig.Length - 1 - oldLen);
        r.AsSpan(r.Length - n).Fill(0x05); // ELEMENT_TYPE_U1
        return r;
    }

    /// <summary>Resolves the branches and hands code, locals and max stack to the DynamicMethod.</summary>
    public unsafe void Bake()
    {
        for (int i = 0; i < _fixupCount; i++)
        {
            var (label, pos, size) = _fixups[i];
            int target = _labelPos[label];
            if (target < 0) throw new InvalidOperationException("IL label not marked");
            int rel = target - (pos + size);
            if (size == 1)
            {
                if (rel < sbyte.MinValue || rel > sbyte.MaxValue) throw new NotSupportedException("short branch out of range");
                _code[pos] = (byte)(sbyte)rel;
            }
            else BinaryPrimitives.WriteInt32LittleEndian(_code.AsSpan(pos), rel);
        }
        var sig = _localSig.GetSignature();
        int maxStack = _maxDepth + 2;
        if (_mirror != null) Compare(sig, maxStack);
        if (PadLocals > 0) sig = Padded(sig, PadLocals);
        _info.SetLocalSignature(sig);
        fixed (byte* code = _code) _info.SetCode(code, _length, maxStack); // (one copy, DynamicILInfo's own)
    }

    private const BindingFlags Priv = BindingFlags.Instance | BindingFlags.NonPublic;
    private static FieldInfo? Field(Type? t, string name)
    {
        for (; t != null; t = t.BaseType) if (t.GetField(name, Priv) is { } f) return f;
        return null;
    }

    private void Compare(byte[] sig, int maxStack)
    {
        var g = _mirror!;
        var t = g.GetType();
        // ILGenerator resolves its branches when baked: do it here through its own BakeByteArray
        var bake = t.BaseType!.GetMethod("BakeByteArray", Priv) ?? t.GetMethod("BakeByteArray", Priv);
        var code = (byte[])bake!.Invoke(g, null)!;
        var msig = Field(t, "m_localSignature")?.GetValue(g) is SignatureHelper sh ? sh.GetSignature() : null;
        int mstack = Field(t, "m_maxStackSize")?.GetValue(g) is int ms ? ms : -1;
        bool same = code.Length == _length;
        if (same)
        {
            var mine = _code.AsSpan(0, _length).ToArray();
            foreach (int p in _tokenPos) { mine[p] = mine[p + 1] = mine[p + 2] = 0; code[p] = code[p + 1] = code[p + 2] = 0; } // token numbers differ (low 3 bytes; the table byte must agree)
            same = mine.AsSpan().SequenceEqual(code);
        }
        bool sameSig = msig == null || msig.AsSpan().SequenceEqual(sig);
        if (Interlocked.Increment(ref Checked) % 100 == 0) Console.Error.WriteLine($"il-check: {Checked} regions compared, {Mismatches} mismatches");
        if (!same || !sameSig)
        {
            Interlocked.Increment(ref Mismatches);
            Console.Error.WriteLine($"il-check: mismatch: code {(same ? "same" : $"differs ({code.Length} vs {_length} bytes)")}, locals signature {(sameSig ? "same" : "differs")}");
        }
        if (mstack >= 0 && maxStack < mstack && Environment.GetEnvironmentVariable("S390JIT_IL_CHECK_STACK") == "1")
            Console.Error.WriteLine($"il-check: max stack {maxStack} (ILGenerator {mstack})");
    }
}
