namespace S390Jit.Hardware.Tracing;

/// <summary>
/// One trace event (a tracepoint in the kernel's sense), declared once in a catalogue
/// (<see cref="MachineTrace"/> for the machine, the host model's and the VMM's own catalogues above
/// it): its name, what it marks, and how its fields print. An event without fields prints a fixed
/// detail text (or none). Emit sites and tests refer to the declaration, never to the name as text.
/// </summary>
public class TraceEvent(string name, string description, string detail = "")
{
    /// <summary>The name the trace line and the --stats counter show (e.g. kvm_s390_sie_exit).</summary>
    public string Name { get; } = name;
    /// <summary>When the event happens (the catalogue's documentation of it).</summary>
    public string Description { get; } = description;
    /// <summary>The fixed detail text of an event without fields.</summary>
    public string Detail { get; } = detail;

    public override string ToString() => Name;
}

/// <summary>
/// A trace event with fields <typeparamref name="T"/> (a value or a named tuple: the event's
/// TP_STRUCT) and the format of its line (its TP_printk). The line is only formatted when a trace
/// sink listens.
/// </summary>
public sealed class TraceEvent<T> : TraceEvent
{
    private readonly Func<T, string> _format;

    public TraceEvent(string name, string description, Func<T, string> format) : base(name, description) => _format = format;

    /// <summary>The detail text of one occurrence (the part of the line after "name: ").</summary>
    public string Format(T fields) => _format(fields);
}
