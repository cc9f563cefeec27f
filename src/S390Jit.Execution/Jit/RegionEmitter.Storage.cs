using System.Reflection;
using System.Reflection.Emit;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Storage: the inline TLB hit path of every access. A miss of an instruction that has changed nothing yet
/// leaves the region and the interpreter re-executes it (no call on the hot path, cheap to compile), unless
/// the instruction is known to miss often (<see cref="StayOnMiss"/>, from the dispatcher's profile): then,
/// as for every miss after a change, the shared Try* slow path translates (under DAT too), fills the TLB and
/// compiled code continues; only an access exception, or a store into translated code (re-executed by the
/// interpreter), leaves the region then, as a program exit.
/// </summary>
public sealed unsafe partial class RegionEmitter
{
    /// <summary>The current instruction's TLB misses call the slow path and stay in compiled code (set per instruction).</summary>
    public bool StayOnMiss { get; set; }

    /// <summary>
    /// Compact code (the first compile of a region, RegionCompiler.CompactFirst): every storage access is one call of an
    /// out-of-line helper (<see cref="SlowPaths.Read"/>, <see cref="SlowPaths.Write"/>, <see cref="SlowPaths.ProbeHost"/>: the
    /// access cache's hit path, then the slow path, which stays in compiled code as for <see cref="StayOnMiss"/>) and one
    /// branch to the instruction's program exit when it failed; no inline lookup, way-1 compare or re-execute exit.
    /// The exit's code is stored into the exit-code local on the main path before the instruction's first access,
    /// so the branch goes straight to the block's flush stub (or the exit block): no basic block per access.
    /// </summary>
    public bool Compact { get; set; }

    private static readonly MethodInfo M_CompactRead = typeof(SlowPaths).GetMethod(nameof(SlowPaths.Read))!;
    private static readonly MethodInfo M_CompactWrite = typeof(SlowPaths).GetMethod(nameof(SlowPaths.Write))!;
    private static readonly MethodInfo M_CompactProbe = typeof(SlowPaths).GetMethod(nameof(SlowPaths.Probe))!;

    /// <summary>The exit code the exit-code local holds on the main path of the current instruction (compact accesses; -1: none known).</summary>
    private int _compactCode = -1;

    /// <summary>Where a failed compact access goes: its program exit code is in the exit-code local from here on (main path).</summary>
    private Label CompactExit()
    {
        var target = ExitTarget();
        int code = ExitProgram | (CurrentIndex << CodeBits);
        if (_compactCode != code)
        {
            // (simple bodies have no control flow of their own around accesses: the main path of an instruction is straight)
            EmitI4(code);
            _il.Emit(OpCodes.Stloc, _exitCode);
            _compactCode = code;
        }
        return target;
    }

    private static readonly FieldInfo F_Heat = typeof(RegionData).GetField(nameof(RegionData.Heat))!;

    /// <summary>Compact code: the instructions counted so far (<paramref name="count"/>, the instruction-count local) go to RegionData.Heat (the dispatcher compiles the region in full once hot).</summary>
    private void AddHeat(LocalBuilder count)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, F_Heat);
        _il.Emit(OpCodes.Ldloc, count);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stfld, F_Heat);
    }

    private Val CompactLoad(int size, Val addr)
    {
        var exit = CompactExit();
        _il.Emit(OpCodes.Ldarg_1);
        Push(addr);
        LdcI4(size);
        _il.Emit(OpCodes.Ldloca, _slowValue);
        _il.Emit(OpCodes.Call, M_CompactRead);
        _il.Emit(OpCodes.Brfalse, exit);
        _il.Emit(OpCodes.Ldloc, _slowValue);
        var v = Pop();
        if (size <= 4) _zext.Add(v.Local!);
        return v;
    }

    private void CompactStore(int size, Val addr, Val value)
    {
        var exit = CompactExit();
        _il.Emit(OpCodes.Ldarg_1);
        Push(addr);
        LdcI4(size);
        Push(value);
        _il.Emit(OpCodes.Call, M_CompactWrite);
        _il.Emit(OpCodes.Brfalse, exit);
        _dirty = true;
    }

    private static readonly MethodInfo M_CompactProbeHost = typeof(SlowPaths).GetMethod(nameof(SlowPaths.ProbeHost))!;

    private void CompactProbe(Val addr, int len, bool write)
    {
        var exit = CompactExit();
        if (!_dirty)
        {
            // (the instruction's later accesses in the operand take their host address from the probe: RegionEmitter.Probed)
            _il.Emit(OpCodes.Ldarg_1);
            Push(addr);
            LdcI4(len);
            _il.Emit(write ? OpCodes.Ldc_I4_1 : OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Call, M_CompactProbeHost);
            var host = Scratch(typeof(nint));
            _il.Emit(OpCodes.Stloc, host);
            _il.Emit(OpCodes.Ldloc, host);
            _il.Emit(OpCodes.Brfalse, exit);
            _probe = (addr, len, write, host);
            return;
        }
        _il.Emit(OpCodes.Ldarg_1);
        Push(addr);
        LdcI4(len);
        _il.Emit(write ? OpCodes.Ldc_I4_1 : OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Call, M_CompactProbe);
        _il.Emit(OpCodes.Brfalse, exit);
    }

    private static readonly MethodInfo M_TryProbeShared = typeof(CodeWatch).GetMethod(nameof(CodeWatch.TryProbeShared))!;

    /// <summary>
    /// The region runs with DAT off (set by the compiler), and <see cref="IdentityInsn"/>: the current instruction's
    /// loads take their host address as the storage base plus the address, so they do not wait for the TLB entry's
    /// addend; the entry (already matched) is compared with the base off the load's dependency chain (a page
    /// mapped elsewhere, the prefix area, takes the entry's addend: same bytes, same semantics).
    /// </summary>
    public bool IdentityRegion { get; set; }
    /// <summary>The current instruction's operand is a table element (base and index register): its address
    /// usually depends on a value just loaded, so the load's latency is the loop's.</summary>
    public bool IdentityInsn { get; set; }

    private static readonly FieldInfo F_Mem = typeof(Cpu).GetField(nameof(Cpu.Mem))!;

    /// <summary>Pushes the addend of a TLB entry (its second field, at offset 8: no field token per access).</summary>
    private void LdAddend(LocalBuilder entry)
    {
        _il.Emit(OpCodes.Ldloc, entry);
        _il.Emit(OpCodes.Ldc_I4_8);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldind_I);
    }

    private static readonly Type s_tlbEntryRef = typeof(TlbEntry).MakeByRefType();

    private void TlbLookup(FieldInfo tlb, Val addr, int size, Label slow, bool read = false)
    {
        var entry = Scratch(s_tlbEntryRef); // per access: short interval
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldflda, tlb);
        if (addr.IsConst) LdcI4((int)((addr.Value >> (12 - SetShift)) & (ulong)((Cpu.DataTlbSets - 1) << SetShift)));
        else
        {
            Push(addr);
            if (SlimTlb)
            {
                // in 32 bits (the set index comes from address bits 12-20): short constants
                _il.Emit(OpCodes.Conv_U4);
                LdcI4(12 - SetShift);
                _il.Emit(OpCodes.Shr_Un);
                LdcI4((Cpu.DataTlbSets - 1) << SetShift);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Conv_U);
            }
            else
            {
                LdcI4(12 - SetShift); // set index * set size (2 ways of 16 bytes)
                _il.Emit(OpCodes.Shr_Un);
                _il.Emit(OpCodes.Ldc_I8, (long)((Cpu.DataTlbSets - 1) << SetShift));
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Conv_U);
            }
        }
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, entry);
        // one compare: the tag of the operand's last byte against way 0 of its first byte's set. Tags are
        // page numbers in the set of their own index, so an operand that crosses into the next page (whose set
        // is the next one) or wraps never matches and takes the slow path. The entry's fields are read through
        // its address (Tag at 0, Addend at 8): no field token for RyuJIT to resolve per access. Way 1 is
        // compared out of line (after the region's code): a mismatch there goes to the slow path, a match
        // continues here with the entry's address moved to way 1.
        if (Way1Select)
        {
            // branch-free way choice: entry += 16 unless way 0 holds the page; then one compare with the chosen way
            _il.Emit(OpCodes.Ldloc, entry);
            LdcI4(16);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Ldloc, entry);
            _il.Emit(OpCodes.Ldind_I8);
            PushLastPage(addr, size);
            _il.Emit(OpCodes.Ceq);
            LdcI4(4);
            _il.Emit(OpCodes.Shl);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Stloc, entry);
            _il.Emit(OpCodes.Ldloc, entry);
            _il.Emit(OpCodes.Ldind_I8);
            PushLastPage(addr, size);
            _il.Emit(OpCodes.Bne_Un, slow);
        }
        else
        {
            var way1 = _il.DefineLabel();
            var hit = _il.DefineLabel();
            _il.Emit(OpCodes.Ldloc, entry);
            _il.Emit(OpCodes.Ldind_I8);
            PushLastPage(addr, size);
            LocalBuilder? page = null;
            if (PageLocal && !addr.IsConst)
            {
                // the way-1 compare (out of line, right after this one) takes the page from a local
                page = Temp();
                _il.Emit(OpCodes.Dup);
                _il.Emit(OpCodes.Stloc, page);
            }
            _il.Emit(OpCodes.Bne_Un, way1);
            _il.MarkLabel(hit);
            _way1Stubs.Add((way1, entry, addr, size, slow, hit, page));
        }
        // host pointer of the byte: the entry's addend plus the address
        if (read && IdentityRegion && IdentityInsn)
        {
            var ptr = Scratch(typeof(byte*));
            var mem = Scratch(typeof(byte*));
            var other = _il.DefineLabel();
            var done = _il.DefineLabel();
            _il.Emit(OpCodes.Ldarg_1);
            _il.Emit(OpCodes.Ldfld, F_Mem);
            _il.Emit(OpCodes.Stloc, mem);
            LdAddend(entry);
            _il.Emit(OpCodes.Ldloc, mem);
            _il.Emit(OpCodes.Bne_Un, other);
            _il.Emit(OpCodes.Ldloc, mem);
            Push(addr);
            _il.Emit(OpCodes.Conv_U);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Stloc, ptr);
            _il.Emit(OpCodes.Br, done);
            _il.MarkLabel(other);
            LdAddend(entry);
            Push(addr);
            _il.Emit(OpCodes.Conv_U);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Stloc, ptr);
            _il.MarkLabel(done);
            _il.Emit(OpCodes.Ldloc, ptr);
            return;
        }
        LdAddend(entry);
        Push(addr);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Add);
    }

    /// <summary>
    /// S390JIT_WAY1=select: no out-of-line way-1 compare; the lookup picks the way without a branch (way 1 unless way 0's
    /// tag matches) and compares the chosen way's tag once (measurement: fewer RyuJIT blocks, a longer hit path).
    /// </summary>
    /// <summary>S390JIT_SLIM_TLB=0: the former lookup IL (64-bit set-index mask, the way-1 compare recomputing the page).</summary>
    internal static bool SlimTlb = Environment.GetEnvironmentVariable("S390JIT_SLIM_TLB") != "0";

    /// <summary>S390JIT_PAGE_LOCAL=1: the way-1 compare takes the page from a local the way-0 compare stores (measurement).</summary>
    internal static bool PageLocal = Environment.GetEnvironmentVariable("S390JIT_PAGE_LOCAL") == "1";

    /// <summary>S390JIT_ADDR_EXPR=n: an address expression of at most n IL operations is emitted again at each use of a lookup instead of going into a local (measurement).</summary>
    internal static int AddrExpr = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_ADDR_EXPR"), out int ae) ? ae : 0;

    /// <summary>S390JIT_WAY1_COUNT=1: count the way-0 misses of compiled lookups (the way-1 compares run), printed at exit (measurement).</summary>
    internal static readonly bool Way1Count = Environment.GetEnvironmentVariable("S390JIT_WAY1_COUNT") == "1";
    private static long s_way1Runs;
    private static readonly MethodInfo M_CountWay1 = typeof(RegionEmitter).GetMethod(nameof(CountWay1))!;
    public static void CountWay1() => s_way1Runs++;
    private static int s_way1Hooked;
    private static void HookWay1Count()
    {
        if (Interlocked.Exchange(ref s_way1Hooked, 1) == 0)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.Error.WriteLine($"way-1 compares run: {s_way1Runs}");
    }

    internal static bool Way1Select = Environment.GetEnvironmentVariable("S390JIT_WAY1") == "select";

    /// <summary>log2 of a data-cache set's bytes (<see cref="DataTlbArray"/>: ways of 16-byte entries).</summary>
    private static readonly int SetShift = 4 + System.Numerics.BitOperations.Log2(Cpu.DataTlbWays);

    /// <summary>Pushes the page number of the operand's last byte (the tag a hit compares with).</summary>
    private void PushLastPage(Val addr, int size)
    {
        if (addr.IsConst) { _il.Emit(OpCodes.Ldc_I8, (long)((addr.Value + (ulong)(size - 1)) >> 12)); return; }
        Push(addr);
        if (size > 1) { LdcI4(size - 1); _il.Emit(OpCodes.Conv_I8); _il.Emit(OpCodes.Add); }
        LdcI4(12);
        _il.Emit(OpCodes.Shr_Un);
    }

    // way-1 compares of the lookups, out of line after the region's code (the way-0 hit falls through)
    private readonly List<(Label Stub, LocalBuilder Entry, Val Addr, int Size, Label Slow, Label Hit, LocalBuilder? Page)> _way1Stubs = new();

    private void EmitWay1Stubs()
    {
        // each stub runs right after its lookup's way-0 compare: the address's operands hold the same values
        foreach (var (stub, entry, addr, size, slow, hit, page) in _way1Stubs)
        {
            _il.MarkLabel(stub);
            if (Drop("way1")) { _il.Emit(OpCodes.Br, slow); continue; }
            if (Way1Count) { HookWay1Count(); _il.Emit(OpCodes.Call, M_CountWay1); }
            _il.Emit(OpCodes.Ldloc, entry);
            LdcI4(16);
            _il.Emit(OpCodes.Add);
            if (PageLocal) _il.Emit(OpCodes.Dup);
            _il.Emit(OpCodes.Stloc, entry);
            if (!PageLocal) _il.Emit(OpCodes.Ldloc, entry);
            _il.Emit(OpCodes.Ldind_I8);
            if (page != null) _il.Emit(OpCodes.Ldloc, page);
            else PushLastPage(addr, size);
            _il.Emit(OpCodes.Bne_Un, slow);
            _il.Emit(OpCodes.Br, hit);
        }
    }

    /// <summary>ldc.i4 in its shortest encoding.</summary>
    private void LdcI4(int v)
    {
        if (v >= -1 && v <= 8) _il.Emit(v switch
        {
            -1 => OpCodes.Ldc_I4_M1, 0 => OpCodes.Ldc_I4_0, 1 => OpCodes.Ldc_I4_1, 2 => OpCodes.Ldc_I4_2, 3 => OpCodes.Ldc_I4_3,
            4 => OpCodes.Ldc_I4_4, 5 => OpCodes.Ldc_I4_5, 6 => OpCodes.Ldc_I4_6, 7 => OpCodes.Ldc_I4_7, _ => OpCodes.Ldc_I4_8,
        });
        else if (v >= sbyte.MinValue && v <= sbyte.MaxValue) _il.Emit(OpCodes.Ldc_I4_S, (sbyte)v);
        else _il.Emit(OpCodes.Ldc_I4, v);
    }

    /// <summary>
    /// S390JIT_MISS_STUBS=1: one out-of-line stub per instruction (<c>ldc code; stloc; br exit</c>) that the miss branches
    /// to, as before. Default: the instruction's re-execute code is stored into the exit-code local on the main path
    /// before its first lookup (one constant move) and the miss branches straight to the exit (or the block's flush
    /// stub): one RyuJIT basic block fewer per instruction with an access. Blocks of carried loops keep the stubs.
    /// </summary>
    internal static readonly bool MissStubs = Environment.GetEnvironmentVariable("S390JIT_MISS_STUBS") == "1";
    /// <summary>S390JIT_LOOP_MISS_STUBS=0: the shared exit in carried loops too (measurement).</summary>
    internal static readonly bool LoopMissStubs = Environment.GetEnvironmentVariable("S390JIT_LOOP_MISS_STUBS") != "0";

    // TLB misses that re-execute the instruction (S390JIT_MISS_STUBS=1): out of line after the region's code (the hit
    // path falls through, no join), one stub per instruction and exit path
    private readonly List<(Label Stub, int Code, Label Target)> _missStubs = new();
    /// <summary>The instruction whose re-execute code the exit-code local holds on the main path (-1: none).</summary>
    private int _missCodeIndex = -1;

    /// <summary>The re-execute exit of the current instruction (its state unchanged so far).</summary>
    private Label MissExit()
    {
        var target = ExitTarget();
        int code = ExitReexecute | (CurrentIndex << CodeBits);
        // inside a carried loop the stub stays: the code in a local on the main path holds a host register across
        // the loop's accesses, and tight loops (crc32's) then spill a guest value
        if (!MissStubs && (_loop == null || !LoopMissStubs))
        {
            // every other exit stores its own code on its own path and leaves: on the main path of this
            // instruction the local keeps the value stored here
            if (_missCodeIndex != CurrentIndex)
            {
                EmitI4(code);
                _il.Emit(OpCodes.Stloc, _exitCode);
                _missCodeIndex = CurrentIndex;
            }
            return target;
        }
        if (_missStubs.Count > 0 && _missStubs[^1] is var m && m.Code == code && m.Target.Equals(target)) return m.Stub;
        var stub = _il.DefineLabel();
        _missStubs.Add((stub, code, target));
        return stub;
    }

    private void EmitMissStubs()
    {
        foreach (var (stub, code, target) in _missStubs)
        {
            _il.MarkLabel(stub);
            _il.Emit(OpCodes.Ldc_I4, code);
            _il.Emit(OpCodes.Stloc, _exitCode);
            _il.Emit(OpCodes.Br, target);
        }
    }

    /// <summary>A TLB miss of the current access re-executes the instruction (nothing changed yet, and it does not stay on misses).</summary>
    private bool MissReexecutes => !_dirty && !StayOnMiss;

    /// <summary>
    /// S390JIT_LAZY_ADDR=0: the storage paths get their address in a local before anything else (the former rule). Default: an
    /// access that takes its host address from a probe or a proven range of the block emits no address at all; the address of
    /// a multiple-register access's register is a lazy expression (its derivation from the probed base kept aside).
    /// </summary>
    internal static bool LazyAddr = Environment.GetEnvironmentVariable("S390JIT_LAZY_ADDR") != "0";

    /// <summary>The address an access looks up: in a local (once per instruction, <see cref="Stable"/>).</summary>
    private Val KnownStable(Val addr) => addr.Expr is { } e && _stable.TryGetValue(e, out var l) ? new Val(l) : addr;

    public Val Load(int size, Val addr)
    {
        addr = KnownStable(addr);
        if (ProbedHost(addr, size, write: false)) return LoadHost(size);
        if (ReusedHost(ShapeOf(addr), size, write: false)) return LoadHost(size);
        if (Compact) return CompactLoad(size, addr);
        addr = Stable(addr, AddrExpr);
        if (MissReexecutes) { LookupReexecuting(addr, size, write: false); return LoadHost(size); }
        var result = Temp();
        var slow = _il.DefineLabel();
        var done = _il.DefineLabel();
        TlbLookup(F_ReadTlb, addr, size, slow, read: true);
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
        {
            // the slow path is called from this site: a shared one resumed through a switch would make
            // every value live at any access live across all of them
            var ok = _il.DefineLabel();
            _il.Emit(OpCodes.Ldarg_1);
            Push(addr);
            _il.Emit(OpCodes.Ldc_I4, size);
            _il.Emit(OpCodes.Ldloca, _slowValue);
            _il.Emit(OpCodes.Call, M_TryRead);
            _il.Emit(OpCodes.Brtrue, ok);
            ExitProgramInterruption();
            _il.MarkLabel(ok);
            _il.Emit(OpCodes.Ldloc, _slowValue);
            _il.Emit(OpCodes.Stloc, result);
        }
        _il.MarkLabel(done);
        return new Val(result);
    }

    public void Store(int size, Val addr, Val value)
    {
        addr = KnownStable(addr);
        if (ProbedHost(addr, size, write: true) || ReusedHost(ShapeOf(addr), size, write: true)) { StoreHost(size, value); _dirty = true; return; }
        if (Compact) { CompactStore(size, addr, value); return; }
        addr = Stable(addr, AddrExpr);
        if (MissReexecutes) { LookupReexecuting(addr, size, write: true); StoreHost(size, value); _dirty = true; return; }
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
        {
            _il.Emit(OpCodes.Ldarg_1);
            Push(addr);
            _il.Emit(OpCodes.Ldc_I4, size);
            Push(value);
            _il.Emit(OpCodes.Call, M_TryWrite);
            _il.Emit(OpCodes.Brtrue, done);
            ExitProgramInterruption();
        }
        _il.MarkLabel(done);
        _dirty = true;
    }

    public void Probe(Val addr, int len, bool write)
    {
        if (ReusedHost(ShapeOf(addr), len, write)) { KeepProbe(addr, len, write); return; }
        if (Compact) { CompactProbe(addr, len, write); return; }
        if (MissReexecutes) { LookupReexecuting(addr, len, write); KeepProbe(addr, len, write); return; }
        var ok = _il.DefineLabel();
        var slow = _il.DefineLabel();
        // a TLB hit for the operand's page (operand within one page) proves the access
        TlbLookup(write ? F_WriteTlb : F_ReadTlb, addr, len, slow);
        KeepProbe(addr, len, write);
        _il.Emit(OpCodes.Br, ok);
        _il.MarkLabel(slow);
        _il.Emit(OpCodes.Ldarg_1);
        Push(addr);
        _il.Emit(OpCodes.Ldc_I4, len);
        _il.Emit(write ? OpCodes.Ldc_I4_1 : OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Call, M_TryProbe);
        _il.Emit(OpCodes.Brtrue, ok);
        ExitProgramInterruption();
        _il.MarkLabel(ok);
    }
}
