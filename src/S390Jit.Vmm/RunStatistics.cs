using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace S390Jit.Vmm;

/// <summary>
/// What --stats reports about a run, gathered once: <see cref="ToText"/> gives the "stats: ..." lines,
/// <see cref="ToJson"/> one JSON object for scripts (--stats=json; every profile row, no cap).
/// </summary>
public sealed record RunStatistics(
    string End, int ExitCode, string Message, ulong Instructions, ulong Cycles, double GuestSeconds, uint CpuMhz, double WallSeconds,
    IReadOnlyList<RunStatistics.CpuCounts> Cpus, RunStatistics.JitCounts? Jit, IReadOnlyList<RunStatistics.ProfileRow>? Profile,
    ulong SclpCommands, ulong ConsoleBytes, IReadOnlyDictionary<string, RunStatistics.HostEventCount> HostEvents, IReadOnlyList<string>? Ap)
{
    public sealed record CpuCounts(ushort Address, ulong Instructions, ulong Cycles, ulong Program, ulong External, ulong Svc, ulong Io,
        IReadOnlyDictionary<string, ulong> Intercepts);

    public sealed record JitCounts(long RegionsCompiled, long GuestInstructionsCompiled, long RegionsDiscarded, long Invalidations, long CacheFlushes,
        double CompileMilliseconds, long CompiledInstructions, long InterpretedInstructions, long RegionRuns, long StepExits, long Reexecutions, long Verified,
        long DatRemaps = 0, double EmitMilliseconds = 0, long IlBytes = 0, long ChainedRuns = 0,
        long CompactRegions = 0, long CompactInstructions = 0, double CompactMilliseconds = 0, long CompactIlBytes = 0,
        long NativeRegions = 0, long NativeInstructions = 0, double NativeMilliseconds = 0, long HelperExits = 0);

    public sealed record ProfileRow(string Mnemonic, ulong Count, bool Helper);

    public sealed record HostEventCount(ulong Count, ulong Cycles);

    /// <summary>The end-of-run leak check, once the VM is torn down.</summary>
    public HostLeakReport? Leaks { get; init; }

    public double Mips => Instructions / Math.Max(WallSeconds, 1e-9) / 1e6;

    public static RunStatistics Of(Machine m, RunResult result)
    {
        var cpus = m.Kvm.Vcpus.Select(v => new CpuCounts(v.Cpu.CpuAddress, v.Cpu.Instructions, v.Cpu.Cycles, v.Cpu.ProgramInterruptions,
            v.Cpu.ExternalInterruptions, v.Cpu.SvcInterruptions, v.Cpu.IoInterruptions,
            new SortedDictionary<string, ulong>(v.InterceptCounts, StringComparer.Ordinal))).ToList();
        ulong cycles = cpus.Select(c => c.Cycles).DefaultIfEmpty(0UL).Max();
        JitCounts? jit = m.Engine is Execution.Jit.JitEngine { Stats: var j }
            ? new(j.RegionsCompiled, j.GuestInstructionsCompiled, j.RegionsDiscarded, j.Invalidations, j.CacheFlushes, j.CompileMicroseconds / 1000,
                j.CompiledInstructions, j.InterpretedInstructions, j.RegionRuns, j.StepExits, j.Reexecutions, j.Verified, j.DatRemaps,
                j.EmitMicroseconds / 1000, j.IlBytes, j.ChainedRuns, j.CompactRegions, j.CompactInstructions, j.CompactMicroseconds / 1000, j.CompactIlBytes,
                j.NativeRegions, j.NativeInstructions, j.NativeMicroseconds / 1000, j.HelperExits)
            : null;
        var profile = m.Engine is Execution.Interpreter.Interpreter { Histogram: { } hist }
            ? hist.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Mnemonic, StringComparer.Ordinal)
                .Select(kv => new ProfileRow(kv.Key.Mnemonic, kv.Value, !kv.Key.IsSimple)).ToList()
            : null;
        var events = new SortedDictionary<string, HostEventCount>(
            m.Events.Counters.ToDictionary(kv => kv.Key, kv => new HostEventCount(kv.Value.Count, kv.Value.Cycles)), StringComparer.Ordinal);
        var ap = m.VfioAp?.Statistics(m.Options.CpuMhz).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        return new RunStatistics(result.End.ToString(), result.ExitCode, result.Message, cpus.Aggregate(0UL, (a, c) => a + c.Instructions), cycles,
            m.Boot.Cpu.Clock.Seconds(cycles), m.Options.CpuMhz, m.WallTime.TotalSeconds, cpus, jit, profile, m.Sclp.Commands, m.Sclp.ConsoleBytes,
            events, ap) { Leaks = m.Leaks };
    }

    /// <summary>The --stats lines (every profile row).</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"stats: end                 {End} (exit {ExitCode})");
        sb.AppendLine($"stats: guest instructions  {Instructions}");
        sb.AppendLine($"stats: cycles              {Cycles}");
        sb.AppendLine($"stats: guest time          {GuestSeconds:F6} s at {CpuMhz} MHz");
        sb.AppendLine($"stats: wall time           {WallSeconds:F3} s ({Mips:F1} M guest instructions/s)");
        foreach (var c in Cpus)
        {
            sb.AppendLine($"stats: cpu {c.Address}: instructions {c.Instructions}, cycles {c.Cycles}, program {c.Program}, external {c.External}, svc {c.Svc}, io {c.Io}");
            foreach (var kv in c.Intercepts) sb.AppendLine($"stats: cpu {c.Address}: intercept {kv.Key,-24} {kv.Value}");
        }
        if (Jit is { } j)
        {
            sb.AppendLine($"stats: jit regions         {j.RegionsCompiled} compiled ({j.GuestInstructionsCompiled} guest instructions), {j.RegionsDiscarded} discarded, {j.Invalidations} invalidated, {j.CacheFlushes} flushes");
            sb.AppendLine($"stats: jit compile time    {j.CompileMilliseconds:F1} ms for {j.GuestInstructionsCompiled} guest instructions: {(j.GuestInstructionsCompiled > 0 ? j.CompileMilliseconds * 1000 / j.GuestInstructionsCompiled : 0):F1} us per guest instruction compiled (CPU time: {(j.NativeRegions > 0 ? "native regions on the vcpu thread, " : "")}IL emission and RyuJIT on the compiler thread)");
            long ryuInsns = j.GuestInstructionsCompiled - j.NativeInstructions;
            if (j.NativeRegions > 0)
                sb.AppendLine($"stats: jit compile tiers   native {j.NativeRegions} regions, {j.NativeInstructions} insns, {j.NativeMilliseconds:F1} ms: {j.NativeMilliseconds * 1000 / Math.Max(j.NativeInstructions, 1):F1} us per insn; " +
                    $"RyuJIT {j.RegionsCompiled - j.NativeRegions} regions, {ryuInsns} insns, {j.CompileMilliseconds - j.NativeMilliseconds:F1} ms: {(j.CompileMilliseconds - j.NativeMilliseconds) * 1000 / Math.Max(ryuInsns, 1):F1} us per insn");
            if (ryuInsns > 0)
                sb.AppendLine($"stats: jit compile split   IL emission {j.EmitMilliseconds:F1} ms, RyuJIT {j.CompileMilliseconds - j.NativeMilliseconds - j.EmitMilliseconds:F1} ms; {(double)j.IlBytes / ryuInsns:F0} IL bytes per guest instruction");
            if (j.CompactRegions > 0)
            {
                // the two tiers of compiled code: compact first compiles, and full ones (promoted compact regions, rebuilds)
                long fullInsns = j.GuestInstructionsCompiled - j.CompactInstructions;
                sb.AppendLine($"stats: jit compile tiers   compact {j.CompactRegions} regions, {j.CompactInstructions} insns, {j.CompactMilliseconds * 1000 / Math.Max(j.CompactInstructions, 1):F1} us and {(double)j.CompactIlBytes / Math.Max(j.CompactInstructions, 1):F0} IL bytes per insn; " +
                    $"full {j.RegionsCompiled - j.CompactRegions} regions, {fullInsns} insns, {(j.CompileMilliseconds - j.CompactMilliseconds) * 1000 / Math.Max(fullInsns, 1):F1} us and {(double)(j.IlBytes - j.CompactIlBytes) / Math.Max(fullInsns, 1):F0} IL bytes per insn");
            }
            sb.AppendLine($"stats: jit executed        {j.CompiledInstructions} compiled, {j.InterpretedInstructions} interpreted");
            if (S390Jit.Execution.Native.NativeBlocks.Blocks is long nb and > 0)
            {
                // (process totals: the native first tier's translations are counted where they are made)
                long ni = S390Jit.Execution.Native.NativeBlocks.Instructions;
                double ms = S390Jit.Execution.Native.NativeBlocks.Ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
                sb.AppendLine($"stats: native first tier   {nb} blocks translated ({ni} guest instructions, {ms:F1} ms: {ms * 1000 / Math.Max(ni, 1):F1} us per instruction on the vcpu thread), " +
                    $"{S390Jit.Execution.Native.NativeBlocks.Ran} instructions run in {S390Jit.Execution.Native.NativeBlocks.Calls} calls");
            }
            sb.AppendLine($"stats: jit dispatches      {j.RegionRuns} region runs ({j.ChainedRuns} chained), {j.StepExits} event exits, {(j.HelperExits > 0 ? $"{j.HelperExits} helper exits, " : "")}{j.Reexecutions} TLB-miss re-executions, {j.DatRemaps} remapped DAT entries{(j.Verified > 0 ? $", {j.Verified} verified against the interpreter" : "")}");
        }
        foreach (var line in Ap ?? []) sb.AppendLine(line);
        if (Profile is { } rows)
        {
            ulong total = Math.Max(1, rows.Aggregate(0UL, (a, r) => a + r.Count));
            foreach (var r in rows)
                sb.AppendLine($"stats: profile {r.Mnemonic,-8} {r.Count,14} {100.0 * r.Count / total,6:F2}%  {(r.Helper ? "helper" : "")}");
        }
        sb.AppendLine($"stats: sclp commands       {SclpCommands}, console bytes {ConsoleBytes}");
        foreach (var kv in HostEvents)
            sb.AppendLine(kv.Value.Cycles == 0
                ? $"stats: host {kv.Key,-28} {kv.Value.Count}"
                : $"stats: host {kv.Key,-28} {kv.Value.Count} ({kv.Value.Cycles} cycles in the path)");
        if (Leaks is { } l) sb.AppendLine(Machine.LeakLine(l));
        return sb.ToString();
    }

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>One JSON object on one line.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);
}
