namespace S390Jit.Host;

/// <summary>
/// Host-model observability in the spirit of the kernel's tracepoints: every event is counted
/// (with the cycles spent in its path) and, when a sink is attached, printed as one line.
/// </summary>
public sealed class HostEvents
{
    private readonly Dictionary<string, (ulong Count, ulong Cycles)> _counters = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>Receives one formatted line per event (e.g. stderr for --trace host), or null.</summary>
    public Action<string>? Sink { get; set; }

    public void Emit(string name, ulong cycle, string detail = "", ulong pathCycles = 0)
    {
        lock (_lock)
        {
            _counters.TryGetValue(name, out var c);
            _counters[name] = (c.Count + 1, c.Cycles + pathCycles);
        }
        Sink?.Invoke(detail.Length == 0 ? $"[{cycle,14}] {name}" : $"[{cycle,14}] {name}: {detail}");
    }

    public void Count(string name, ulong pathCycles = 0)
    {
        lock (_lock)
        {
            _counters.TryGetValue(name, out var c);
            _counters[name] = (c.Count + 1, c.Cycles + pathCycles);
        }
    }

    public IReadOnlyDictionary<string, (ulong Count, ulong Cycles)> Counters { get { lock (_lock) return new Dictionary<string, (ulong, ulong)>(_counters); } }
    public ulong this[string name] { get { lock (_lock) return _counters.TryGetValue(name, out var c) ? c.Count : 0; } }
    /// <summary>The cycles charged to an event's path in total.</summary>
    public ulong CyclesOf(string name) { lock (_lock) return _counters.TryGetValue(name, out var c) ? c.Cycles : 0; }
}
