using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using S390Jit.Hardware.Tracing;

namespace S390Jit.Vmm.Diagnostics;

/// <summary>
/// --trace-out FILE.json: the host trace (the events of --trace host) as Chrome / Perfetto trace-event
/// JSON. Time is guest time: ts in microseconds at the CPU frequency (cycle / MHz), the cycle in args.
/// One track (tid) per vcpu, one per AP queue, one for the GISA / GIB (IPM, alert list, GAL) and one for
/// other host work; events that cost path cycles are complete events ("X") lasting those cycles, the
/// others instants ("i"). So NQAP, the reply, the NIB store, the IPM bit, the alert and the delivery of
/// the AQIC path line up on one timeline.
/// </summary>
public sealed partial class TraceTimeline
{
    private const int GibTrack = 900, HostTrack = 901, VmmTrack = 902, QueueTrackBase = 1000;

    private readonly uint _mhz;
    private readonly List<string> _events = new();
    private readonly Dictionary<int, string> _tracks = new();
    private readonly Dictionary<string, int> _queues = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    public TraceTimeline(uint mhz) => _mhz = mhz;

    [GeneratedRegex(@"\bvcpu (\d+)\b")]
    private static partial Regex VcpuPattern();
    [GeneratedRegex(@"\bqueue ([0-9a-fA-F]{2}\.[0-9a-fA-F]{4})\b")]
    private static partial Regex QueuePattern();

    /// <summary>The track an event belongs on, from its name and detail text.</summary>
    private int Track(TraceEvent e, string detail)
    {
        if (QueuePattern().Match(detail) is { Success: true } q && !e.Name.StartsWith("kvm_", StringComparison.Ordinal))
        {
            string name = q.Groups[1].Value.ToLowerInvariant();
            if (!_queues.TryGetValue(name, out int t))
            {
                _queues[name] = t = QueueTrackBase + _queues.Count;
                _tracks[t] = $"AP queue {name}";
            }
            return t;
        }
        if (VcpuPattern().Match(detail) is { Success: true } v && int.TryParse(v.Groups[1].Value, CultureInfo.InvariantCulture, out int vcpu))
        {
            int t = vcpu + 1;
            _tracks.TryAdd(t, $"vcpu {vcpu}");
            return t;
        }
        string n = e.Name;
        if (n.Contains("gisa", StringComparison.Ordinal) || n.Contains("gib", StringComparison.Ordinal) || n.Contains("gisc", StringComparison.Ordinal)
            || n.StartsWith("gal_", StringComparison.Ordinal) || n == MachineTrace.ApNibStore.Name)
        {
            _tracks.TryAdd(GibTrack, "GISA / GIB");
            return GibTrack;
        }
        if (n.StartsWith("qemu_", StringComparison.Ordinal) || n.StartsWith("vmm_", StringComparison.Ordinal) || n.StartsWith("diag288", StringComparison.Ordinal))
        {
            _tracks.TryAdd(VmmTrack, "VMM (user space)");
            return VmmTrack;
        }
        _tracks.TryAdd(HostTrack, "host kernel");
        return HostTrack;
    }

    private double Micro(ulong cycles) => cycles / (double)_mhz;

    /// <summary>The <see cref="TraceLog.Listener"/>: one trace event.</summary>
    public void OnTraceEvent(TraceEvent e, ulong cycle, ulong pathCycles, string detail)
    {
        lock (_lock)
        {
            int tid = Track(e, detail);
            var sb = new StringBuilder(160);
            sb.Append("{\"name\":").Append(JsonSerializer.Serialize(e.Name));
            sb.Append(",\"cat\":\"host\"");
            if (pathCycles > 0 && pathCycles <= cycle)
                sb.Append(CultureInfo.InvariantCulture, $",\"ph\":\"X\",\"ts\":{Micro(cycle - pathCycles):0.###},\"dur\":{Micro(pathCycles):0.###}");
            else
                sb.Append(CultureInfo.InvariantCulture, $",\"ph\":\"i\",\"s\":\"t\",\"ts\":{Micro(cycle):0.###}");
            sb.Append(CultureInfo.InvariantCulture, $",\"pid\":1,\"tid\":{tid}");
            sb.Append(",\"args\":{\"cycle\":").Append(cycle.ToString(CultureInfo.InvariantCulture));
            if (pathCycles > 0) sb.Append(",\"path_cycles\":").Append(pathCycles.ToString(CultureInfo.InvariantCulture));
            sb.Append(",\"detail\":").Append(JsonSerializer.Serialize(detail)).Append("}}");
            _events.Add(sb.ToString());
        }
    }

    /// <summary>Events recorded so far.</summary>
    public int Count { get { lock (_lock) return _events.Count; } }

    /// <summary>Writes the JSON object format: {"traceEvents":[...], "displayTimeUnit":"ns", ...}.</summary>
    public void Write(TextWriter w)
    {
        lock (_lock)
        {
            w.Write("{\"traceEvents\":[\n");
            w.Write("{\"name\":\"process_name\",\"ph\":\"M\",\"ts\":0,\"pid\":1,\"tid\":0,\"args\":{\"name\":\"s390jit host trace\"}}");
            foreach (var (tid, name) in _tracks.OrderBy(t => t.Key))
            {
                w.Write(",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"ts\":0,\"pid\":1,");
                w.Write(string.Create(CultureInfo.InvariantCulture, $"\"tid\":{tid},\"args\":{{\"name\":{JsonSerializer.Serialize(name)}}}}}"));
                w.Write(string.Create(CultureInfo.InvariantCulture, $",\n{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"ts\":0,\"pid\":1,\"tid\":{tid},\"args\":{{\"sort_index\":{tid}}}}}"));
            }
            foreach (var e in _events) w.Write(",\n" + e);
            w.Write(string.Create(CultureInfo.InvariantCulture, $"\n],\"displayTimeUnit\":\"ns\",\"otherData\":{{\"clock\":\"guest time: ts = cycle / {_mhz} MHz\"}}}}\n"));
        }
    }
}
