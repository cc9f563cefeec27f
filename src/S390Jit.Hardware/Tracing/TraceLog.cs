namespace S390Jit.Hardware.Tracing;

/// <summary>
/// Where trace events go (the kernel's trace buffer, one per host): every event is counted with the
/// cycles spent in its path, and, when a <see cref="Sink"/> listens (--trace host), printed as one line
/// <c>[     CYCLE] name: detail</c> stamped with the cycle of the processor it happened on.
/// </summary>
public sealed class TraceLog
{
    private readonly Dictionary<string, (ulong Count, ulong Cycles)> _counters = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>Receives one formatted line per event (e.g. stderr for --trace host), or null.</summary>
    public Action<string>? Sink { get; set; }

    /// <summary>
    /// Receives every event with its cycle, path cycles and detail text (the --trace-out timeline, the
    /// profiler's host frames), or null. Listeners only read.
    /// </summary>
    public Action<TraceEvent, ulong, ulong, string>? Listener { get; set; }

    /// <summary>An event without fields (its fixed detail text).</summary>
    public void Emit(TraceEvent e, ulong cycle, ulong pathCycles = 0)
    {
        Count(e, pathCycles);
        Sink?.Invoke(Line(e, cycle, e.Detail));
        Listener?.Invoke(e, cycle, pathCycles, e.Detail);
    }

    public void Emit<T>(TraceEvent<T> e, ulong cycle, T fields, ulong pathCycles = 0)
    {
        Count(e, pathCycles);
        if (Sink == null && Listener == null) return;
        string detail = e.Format(fields);
        Sink?.Invoke(Line(e, cycle, detail));
        Listener?.Invoke(e, cycle, pathCycles, detail);
    }

    private static string Line(TraceEvent e, ulong cycle, string detail) =>
        detail.Length == 0 ? $"[{cycle,14}] {e.Name}" : $"[{cycle,14}] {e.Name}: {detail}";

    private void Count(TraceEvent e, ulong pathCycles)
    {
        lock (_lock)
        {
            _counters.TryGetValue(e.Name, out var c);
            _counters[e.Name] = (c.Count + 1, c.Cycles + pathCycles);
        }
    }

    /// <summary>Count and path cycles per event name (for --stats).</summary>
    public IReadOnlyDictionary<string, (ulong Count, ulong Cycles)> Counters { get { lock (_lock) return new Dictionary<string, (ulong, ulong)>(_counters); } }
    /// <summary>How often the event happened.</summary>
    public ulong this[TraceEvent e] { get { lock (_lock) return _counters.TryGetValue(e.Name, out var c) ? c.Count : 0; } }
    /// <summary>The cycles charged to an event's path in total.</summary>
    public ulong CyclesOf(TraceEvent e) { lock (_lock) return _counters.TryGetValue(e.Name, out var c) ? c.Cycles : 0; }
}
