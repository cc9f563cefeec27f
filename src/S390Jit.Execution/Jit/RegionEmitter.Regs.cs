using System.Reflection.Emit;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Guest registers: a few resident registers (the region's hottest) live in region-wide locals,
/// loaded at entry and stored at exits; every other register lives in the CPU and is cached in the
/// current block: loaded at its first use in the block, written into fresh single-assignment
/// locals, and stored back (when written) on every path that leaves the block. Nothing but the
/// resident registers, the condition code and the counters is live across blocks, so RyuJIT's
/// register allocator sees short intervals (QEMU's discipline for globals).
/// </summary>
public sealed unsafe partial class RegionEmitter
{
    private readonly bool[] _resident;
    private readonly LocalBuilder?[] _cache = new LocalBuilder?[16];
    private readonly bool[] _cacheDirty = new bool[16];

    /// <summary>The local holding register <paramref name="r"/> in this block (loaded from the CPU at first use).</summary>
    private LocalBuilder Cached(int r)
    {
        if (_cache[r] is { } l) return l;
        _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G);
        if (r != 0) { _il.Emit(OpCodes.Ldc_I4, r * 8); _il.Emit(OpCodes.Add); }
        _il.Emit(OpCodes.Ldind_I8);
        l = Pop().Local!;
        _cache[r] = l;
        return l;
    }

    /// <summary>Register <paramref name="r"/> now holds the single-assignment local <paramref name="l"/>.</summary>
    private void SetCached(int r, LocalBuilder l)
    {
        _cache[r] = l;
        _cacheDirty[r] = true;
        _flushStub = null;
    }

    // exits of a block with the same written registers share one out-of-line store sequence
    private Label? _flushStub;
    private readonly List<(Label Label, (int Reg, LocalBuilder Local)[] Stores)> _flushStubs = new();

    /// <summary>Leaves for the exit block: through a shared stub that stores the block's written registers, if any.</summary>
    private void BranchToExit()
    {
        if (!_cacheDirty.Contains(true)) { _il.Emit(OpCodes.Br, _exit); return; }
        if (_flushStub is not Label stub)
        {
            stub = _il.DefineLabel();
            var stores = Enumerable.Range(0, 16).Where(r => _cacheDirty[r]).Select(r => (r, _cache[r]!)).ToArray();
            _flushStubs.Add((stub, stores));
            _flushStub = stub;
        }
        _il.Emit(OpCodes.Br, stub);
    }

    /// <summary>The shared store sequences (before the exit block).</summary>
    private void EmitFlushStubs()
    {
        foreach (var (label, stores) in _flushStubs)
        {
            _il.MarkLabel(label);
            foreach (var (r, l) in stores)
            {
                _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G);
                if (r != 0) { _il.Emit(OpCodes.Ldc_I4, r * 8); _il.Emit(OpCodes.Add); }
                _il.Emit(OpCodes.Ldloc, l);
                _il.Emit(OpCodes.Stind_I8);
            }
            _il.Emit(OpCodes.Br, _exit);
        }
    }

    private void PushReg(int r) => _il.Emit(OpCodes.Ldloc, _resident[r] ? _regs[r] : Cached(r));

    /// <summary>Stores the value on the IL stack into register <paramref name="r"/>.</summary>
    private void StoreReg(int r)
    {
        if (_resident[r]) _il.Emit(OpCodes.Stloc, _regs[r]);
        else SetCached(r, Pop().Local!);
    }

    /// <summary>Stores the block's written registers into the CPU on the path being emitted (the cache stays valid after it).</summary>
    private void FlushCached()
    {
        for (int r = 0; r < 16; r++)
        {
            if (!_cacheDirty[r]) continue;
            _il.Emit(OpCodes.Ldarg_1); _il.Emit(OpCodes.Ldflda, F_G);
            if (r != 0) { _il.Emit(OpCodes.Ldc_I4, r * 8); _il.Emit(OpCodes.Add); }
            _il.Emit(OpCodes.Ldloc, _cache[r]!);
            _il.Emit(OpCodes.Stind_I8);
        }
    }

    /// <summary>Forgets the cache (block starts, after helpers, which may change any register).</summary>
    private void ResetCache()
    {
        Array.Clear(_cache);
        Array.Clear(_cacheDirty);
        _flushStub = null;
    }

    /// <summary>A block starts: nothing is cached.</summary>
    public void BeginBlock() => ResetCache();

    /// <summary>Leaves the block for another block of the region: store what it wrote.</summary>
    public void JumpToBlock(Label target)
    {
        FlushCached();
        _il.Emit(OpCodes.Br, target);
    }
}
