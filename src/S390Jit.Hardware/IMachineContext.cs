using S390Jit.Hardware.Tracing;

namespace S390Jit.Hardware;

/// <summary>
/// Where and when machine work happens: the processor time a host-issued instruction or the machine's
/// asynchronous work (an AP reply becoming an adapter interruption) runs in (the cycle counter it reads
/// and charges, the processor's frequency) and the trace log its events go to. The host model's
/// context (a vcpu thread, or user space with a clock of its own) implements it.
/// </summary>
public interface IMachineContext
{
    ulong Now { get; }
    uint Mhz { get; }
    void Charge(ulong cycles);
    TraceLog Trace { get; }
}

/// <summary>Emitting trace events stamped with the context's time.</summary>
public static class MachineContextTrace
{
    public static void Emit(this IMachineContext ctx, TraceEvent e, ulong pathCycles = 0) => ctx.Trace.Emit(e, ctx.Now, pathCycles);
    public static void Emit<T>(this IMachineContext ctx, TraceEvent<T> e, T fields, ulong pathCycles = 0) => ctx.Trace.Emit(e, ctx.Now, fields, pathCycles);
}
