using S390Jit.Memory;
using S390Jit.Vmm;

namespace S390Jit.Debug;

/// <summary>One point in the run the machine can be put back to.</summary>
internal sealed class Snapshot
{
    /// <summary>Where it was taken: the sum of every CPU's cycles (strictly increasing along a run).</summary>
    public ulong Point;
    public ulong Instructions;
    public required ObjectState Objects;
    /// <summary>The console bytes the guest had written by then.</summary>
    public long ConsoleBytes;
    /// <summary>Pages (region index, page index) as they were at the previous snapshot, for those this interval changed.</summary>
    public readonly List<(int Region, int Page, byte[] Bytes)> Undo = new();
}

/// <summary>
/// Snapshots of a whole machine for reverse execution: the managed state (<see cref="ObjectState"/>) and
/// every host-memory region (guest storage, the host kernel area) as page diffs. One shadow copy holds
/// the storage at the newest snapshot; each snapshot keeps only the pages that changed since the one
/// before (their old contents), so memory grows with what the guest changes, not with the run's length.
/// At most <see cref="MaxSnapshots"/> are kept (the oldest is dropped).
/// </summary>
internal sealed unsafe class Snapshots
{
    private const int PageSize = 4096;
    private readonly Machine _m;
    private readonly List<Snapshot> _list = new();
    private byte[][]? _shadow;

    public Snapshots(Machine m) { _m = m; }

    public int MaxSnapshots { get; set; } = 256;
    public ulong Interval { get; set; } = 20_000_000;
    public IReadOnlyList<Snapshot> List => _list;
    public long UndoBytes => _list.Sum(s => (long)s.Undo.Count * PageSize);
    public long ShadowBytes => _shadow?.Sum(a => (long)a.Length) ?? 0;

    private IReadOnlyList<HostRegion> Regions => _m.Host.Regions;

    /// <summary>Takes a snapshot at a round boundary when the last one is <see cref="Interval"/> cycles back (or none exists).</summary>
    public void MaybeTake(ulong point, long consoleBytes)
    {
        if (_list.Count > 0 && point < _list[^1].Point + Interval) return;
        if (_list.Count > 0 && point == _list[^1].Point) return;
        Take(point, consoleBytes);
    }

    public void Take(ulong point, long consoleBytes)
    {
        var s = new Snapshot
        {
            Point = point,
            Instructions = (ulong)_m.Kvm.Vcpus.Sum(v => (decimal)v.Cpu.Instructions),
            Objects = ObjectState.Capture([_m]),
            ConsoleBytes = consoleBytes,
        };
        var regions = Regions;
        if (_shadow == null || _shadow.Length != regions.Count)
        {
            _shadow = new byte[regions.Count][];
            for (int r = 0; r < regions.Count; r++)
            {
                _shadow[r] = new byte[regions[r].Size];
                new Span<byte>(regions[r].Pointer, (int)regions[r].Size).CopyTo(_shadow[r]);
            }
        }
        else
        {
            for (int r = 0; r < regions.Count; r++)
            {
                var live = new Span<byte>(regions[r].Pointer, (int)regions[r].Size);
                var shadow = _shadow[r];
                for (int p = 0; p < shadow.Length / PageSize; p++)
                {
                    var l = live.Slice(p * PageSize, PageSize);
                    var sh = shadow.AsSpan(p * PageSize, PageSize);
                    if (l.SequenceEqual(sh)) continue;
                    s.Undo.Add((r, p, sh.ToArray()));
                    l.CopyTo(sh);
                }
            }
        }
        _list.Add(s);
        if (_list.Count > MaxSnapshots)
        {
            // the oldest goes; the next one's undo pages (the oldest's storage) are no longer needed
            _list.RemoveAt(0);
            _list[0].Undo.Clear();
        }
    }

    /// <summary>The newest snapshot taken before <paramref name="point"/>, or null.</summary>
    public int IndexBefore(ulong point)
    {
        for (int i = _list.Count - 1; i >= 0; i--) if (_list[i].Point < point) return i;
        return -1;
    }

    /// <summary>
    /// Puts the machine back to snapshot <paramref name="index"/> and drops the later ones (the re-execution
    /// takes them again, identically). Calls <paramref name="pageRestored"/> with each guest absolute
    /// address range it rewrote, for the JIT's code watch.
    /// </summary>
    public Snapshot Restore(int index, Action<ulong, ulong> pageRestored)
    {
        var regions = Regions;
        var changed = new HashSet<(int, int)>();
        // storage back to the newest snapshot (the shadow)
        for (int r = 0; r < regions.Count; r++)
        {
            var live = new Span<byte>(regions[r].Pointer, (int)regions[r].Size);
            var shadow = _shadow![r];
            for (int p = 0; p < shadow.Length / PageSize; p++)
            {
                var l = live.Slice(p * PageSize, PageSize);
                var sh = shadow.AsSpan(p * PageSize, PageSize);
                if (l.SequenceEqual(sh)) continue;
                sh.CopyTo(l);
                changed.Add((r, p));
            }
        }
        // then back through the newer snapshots' undo pages
        for (int i = _list.Count - 1; i > index; i--)
        {
            foreach (var (r, p, bytes) in _list[i].Undo)
            {
                bytes.CopyTo(new Span<byte>(regions[r].Pointer + (long)p * PageSize, PageSize));
                bytes.CopyTo(_shadow![r].AsSpan(p * PageSize, PageSize));
                changed.Add((r, p));
            }
        }
        _list.RemoveRange(index + 1, _list.Count - index - 1);
        var s = _list[index];
        s.Objects.Restore();
        foreach (var (r, p) in changed)
            if (regions[r].GuestBase is { } gb) pageRestored(gb + (ulong)p * PageSize, PageSize);
        return s;
    }

    /// <summary>Forgets every snapshot after <paramref name="point"/> (the guest's state was changed by the debugger there).</summary>
    public void Clear()
    {
        _list.Clear();
        _shadow = null;
    }
}
