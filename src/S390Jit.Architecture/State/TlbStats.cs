namespace S390Jit.Architecture.State;

/// <summary>
/// S390JIT_TLB_STATS=1 (diagnostic): access-cache fills by kind, how many of them replaced a valid entry of another
/// page (conflicts), the compiled code's slow-path calls and which of those the cache answered after all; printed at exit.
/// </summary>
public static class TlbStats
{
    public static readonly bool On = Environment.GetEnvironmentVariable("S390JIT_TLB_STATS") == "1";
    public static long ReadFills, WriteFills, ExecFills, ReadConflicts, WriteConflicts, ExecConflicts;
    public static long SlowReads, SlowReadHits, SlowWrites, SlowWriteHits, SlowProbes;
    private static readonly Dictionary<(ulong, ulong), long> s_pairs = new();

    static TlbStats()
    {
        if (!On) return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Console.Error.WriteLine($"tlbstats: fills read {ReadFills} (conflicts {ReadConflicts}), write {WriteFills} ({WriteConflicts}), exec {ExecFills} ({ExecConflicts})");
            Console.Error.WriteLine($"tlbstats: compiled slow paths: reads {SlowReads} (cache hit {SlowReadHits}), writes {SlowWrites} ({SlowWriteHits}), probes {SlowProbes}");
            foreach (var ((a, b), n) in s_pairs.OrderByDescending(p => p.Value).Take(12))
                Console.Error.WriteLine($"tlbstats: conflict page {a:x} evicted by {b:x}: {n}");
            foreach (var g in s_pairs.GroupBy(p => p.Key.Item1).OrderByDescending(g => g.Sum(p => p.Value)).Take(12))
                Console.Error.WriteLine($"tlbstats: evicted page {g.Key:x}: {g.Sum(p => p.Value)}");
            foreach (var g in s_pairs.GroupBy(p => p.Key.Item2).OrderByDescending(g => g.Sum(p => p.Value)).Take(12))
                Console.Error.WriteLine($"tlbstats: evicting page {g.Key:x}: {g.Sum(p => p.Value)}");
            foreach (var g in s_pairs.GroupBy(p => p.Key.Item2 & 0xFF).OrderByDescending(g => g.Sum(p => p.Value)).Take(12))
                Console.Error.WriteLine($"tlbstats: set {g.Key:x}: {g.Sum(p => p.Value)}");
        };
    }

    public static void Conflict(ulong oldPage, ulong newPage)
    {
        lock (s_pairs) { s_pairs.TryGetValue((oldPage, newPage), out long n); s_pairs[(oldPage, newPage)] = n + 1; }
    }
}
