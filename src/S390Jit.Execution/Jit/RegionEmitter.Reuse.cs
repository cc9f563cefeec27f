using System.Reflection.Emit;

namespace S390Jit.Execution.Jit;

/// <summary>
/// One TLB lookup for several accesses of a block: a lookup whose operand is an effective address B + X + D
/// proves, when its tag compare hits, a range of bytes from that address on within one page, and keeps the host
/// address in a local; a later access of the same block whose address is the same base value (the same
/// register values, not written in between) plus a displacement inside the proven range takes its host address
/// from that local, with no lookup. A load followed in the block by a store to the same operand (qsort's byte
/// swaps, read-modify-write pairs) looks the write cache up: a write-cache entry proves the read as well (a page
/// the CPU may store into it may read, with the same translation; the CPU keeps no write entries while read
/// watchpoints are set). How far a lookup reaches and which cache it reads come from the analysis of the block's
/// later instructions (<see cref="InstrFacts.Operands"/>), a hint only: the reuse itself is decided here on the
/// values, so a wrong hint costs speed (a lookup that misses), never exactness. A TLB miss of such a lookup
/// re-executes the instruction as before; the proven range is kept only on lookups whose miss leaves the region
/// (so the local is set on every path that reaches a later use). Nothing invalidates a translation inside a
/// block: only helpers (after which the cache is forgotten) change translation state, and the region's own
/// stores never reach frames of translated code through the write cache.
/// S390JIT_REUSE=0 turns it off (measurement), S390JIT_REUSE_SPAN the widest range a lookup proves (default 32).
/// </summary>
public sealed unsafe partial class RegionEmitter
{
    internal static readonly bool Reuse = Environment.GetEnvironmentVariable("S390JIT_REUSE") != "0";
    internal static readonly int ReuseSpan = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_REUSE_SPAN"), out int s) ? s : 32;

    /// <summary>The current block's instructions (the compiler sets it at each block start), for the look-ahead.</summary>
    public List<PlanInsn>? BlockPlan { get => _blockPlan; set { _blockPlan = value; _planPos = -1; ClearHosts(); } }
    private List<PlanInsn>? _blockPlan;
    private int _planPos = -1;

    /// <summary>An address value known as base + D: the base is the values of registers X and B (keys naming them, <see cref="RegKey"/>), or a constant (keys -2).</summary>
    private readonly record struct Shape(long BaseX, long BaseB, byte X, byte B, long D);

    /// <summary>Address values of the current instruction with a known shape: the expression or the local that holds it.</summary>
    private readonly Dictionary<object, Shape> _shapes = new(ReferenceEqualityComparer.Instance);

    /// <summary>Writes of each resident register so far (a resident register is one mutable local: its key names the version).</summary>
    private readonly int[] _regVersion = new int[16];

    /// <summary>Proven ranges of the current block: host address of Base + Lo in Host; bytes [Lo, Hi) lie in one page; Write: from the write cache.</summary>
    private readonly List<(long BaseX, long BaseB, long Lo, long Hi, bool Write, LocalBuilder Host)> _hosts = new();

    private void BumpRegVersion(int r) => _regVersion[r]++;

    /// <summary>The key of register <paramref name="r"/>'s current value (after the address read it), or null when it has none.</summary>
    /// <summary>The value of register <paramref name="r"/> as a key (no string per access): 0 for no register,
    /// resident register and write version, or the block's cache local; -1 when not known.</summary>
    private long RegKey(int r)
    {
        if (r == 0) return 0;
        if (_pending[r]) return -1; // (an address reads the whole register: made current before)
        if (_resident[r]) return 1L << 60 | (long)r << 40 | (uint)_regVersion[r];
        return _cache[r] is { } l ? 2L << 60 | (uint)l.LocalIndex : -1;
    }

    /// <summary>Records the shape of an effective address (called by <see cref="Address"/>).</summary>
    private void NoteShape(Val addr, int x, int b, long d)
    {
        if (!Reuse) return;
        if (addr.IsConst || (addr.Expr == null && addr.Local == null)) return;
        long kx = RegKey(x), kb = RegKey(b);
        if (kx < 0 || kb < 0) return;
        _shapes[(object?)addr.Expr ?? addr.Local!] = new Shape(kx, kb, (byte)x, (byte)b, d);
    }

    /// <summary>A value made stable in a local keeps the shape of its expression.</summary>
    private void NoteStable(Expr e, LocalBuilder l)
    {
        if (_shapes.TryGetValue(e, out var s)) _shapes[l] = s;
    }

    private Shape? ShapeOf(Val addr)
    {
        if (!Reuse) return null;
        if (addr.IsConst) return new Shape(-2, -2, 0, 0, (long)addr.Value);
        return _shapes.TryGetValue((object?)addr.Expr ?? addr.Local!, out var s) ? s : null;
    }

    /// <summary>Pushes the host address of the access from a proven range of the block, if one covers it.</summary>
    private bool ReusedHost(Shape? shape, int size, bool write)
    {
        if (shape is not { } s) return false;
        foreach (var h in _hosts)
        {
            if (h.BaseX != s.BaseX || h.BaseB != s.BaseB || (write && !h.Write) || s.D < h.Lo || s.D + size > h.Hi) continue;
            _il.Emit(OpCodes.Ldloc, h.Host);
            if (s.D != h.Lo) { EmitI4((int)(s.D - h.Lo)); _il.Emit(OpCodes.Add); }
            return true;
        }
        return false;
    }

    /// <summary>
    /// The range and cache a lookup of this access should prove: the accesses of this and the block's later
    /// instructions off the same base registers (not written in between) from this displacement up to
    /// <see cref="ReuseSpan"/> bytes; whether any of them can use it.
    /// </summary>
    private (int Len, bool Write, bool Used) LookAhead(Shape? shape, int size, bool write)
    {
        if (shape is not { } s || _blockPlan == null || _planPos < 0) return (size, write, false);
        int regs = (s.X != 0 ? 1 << s.X : 0) | (s.B != 0 ? 1 << s.B : 0);
        long hi = s.D + size;
        bool w = write, used = false, self = false;
        for (int j = _planPos; j < _blockPlan.Count; j++)
        {
            var p = _blockPlan[j];
            if (!p.Def.IsSimple) break;
            if (p.Facts.Operands is { } ops)
                foreach (var (x, b, d, n, wr) in ops)
                {
                    if (x != s.X || b != s.B || d < s.D || d + n - s.D > ReuseSpan) continue;
                    // the access being looked up (once): it needs no reuse
                    if (j == _planPos && !self && d == s.D && n == size && wr == write) { self = true; continue; }
                    hi = Math.Max(hi, d + n);
                    w |= wr;
                    used = true;
                }
            if ((p.Facts.Writes & regs) != 0) break;
        }
        return ((int)(hi - s.D), w, used);
    }

    /// <summary>After a lookup that proved <paramref name="len"/> bytes (host address on the IL stack): keep it for the block's later accesses.</summary>
    private void KeepHost(Shape s, int len, bool write)
    {
        var host = Scratch(typeof(nint), block: true);
        _il.Emit(OpCodes.Dup);
        _il.Emit(OpCodes.Stloc, host);
        _hosts.Add((s.BaseX, s.BaseB, s.D, s.D + len, write, host));
    }

    /// <summary>
    /// The lookup of an access whose miss leaves the region (re-execution): with the range and cache the block's
    /// later accesses need. Leaves the host address of the access on the IL stack.
    /// </summary>
    private void LookupReexecuting(Val addr, int size, bool write)
    {
        var shape = ShapeOf(addr);
        var (len, w, used) = LookAhead(shape, size, write);
        // (a plain load keeps the identity address of DAT-off table loads, lost from this path in 4145385)
        TlbLookup(w ? F_WriteTlb : F_ReadTlb, addr, len, MissExit(), read: !w);
        if (used) KeepHost(shape!.Value, len, w);
    }
}
