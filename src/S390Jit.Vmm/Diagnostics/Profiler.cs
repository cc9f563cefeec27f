using System.Globalization;
using System.Text;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution;
using S390Jit.Hardware.Tracing;
using S390Jit.Loader;
using Decoder = S390Jit.Architecture.Isa.Decoder;

namespace S390Jit.Vmm.Diagnostics;

/// <summary>
/// --profile: attributes every cycle of the run to a call stack of guest functions (ELF symbols or a
/// System.map), kept as a shadow stack of calls (BRAS, BRASL, BAS, BASR, BAL, BALR, BASSM) and returns
/// (a branch to the return address of a frame on the stack, through any register), with interruptions as
/// calls into their handlers and host work (SIE intercepts, the host kernel's paths, wait states) as frames
/// of their own. Under the JIT, regions end before calls and function entries and are not rebuilt around
/// their computed jumps (<see cref="Execution.Jit.JitEngine.SplitBefore"/>), so each region run stays within
/// one function, every call is an interpreted instruction and every return leaves a region: attribution is
/// exact (the same stacks and cycles as under the interpreter) and cycles do not change.
/// </summary>
public sealed class Profiler : ICpuObserver
{
    private const int MaxDepth = 256;

    private sealed class Node(Node? parent, string name)
    {
        public readonly Node? Parent = parent;
        public readonly string Name = name;
        public Dictionary<string, Node>? Children;
        public ulong Self;

        public Node Child(string name)
        {
            Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!Children.TryGetValue(name, out var c)) Children[name] = c = new Node(this, name);
            return c;
        }
    }

    /// <summary>One activation on a CPU's shadow stack: its node, where it returns to, the function's cached address range.</summary>
    private struct Frame
    {
        public Node Node;
        public ulong Return;
        public ulong Start, End;
        public ElfSymbol? Symbol;
    }

    private sealed class CpuState
    {
        public readonly List<Frame> Stack = new();
        public ulong Last;
        public bool InGuest;
        public string HostReason = "host: vcpu start";
    }

    private SymbolTable _symbols;
    private readonly Node _root = new(null, "");
    private readonly Dictionary<Cpu, CpuState> _cpus = new();
    private readonly object _eventsLock = new();
    private readonly List<(string Name, ulong Cycles)> _hostEvents = new();

    public Profiler(SymbolTable symbols) => _symbols = symbols;

    /// <summary>The symbols functions are named by (set when the kernel is loaded, before the run).</summary>
    public SymbolTable Symbols { get => _symbols; set => _symbols = value; }

    public bool WantsInstructions => true;
    public bool WantsBlocks => true;

    /// <summary>The JIT's region boundaries for exact attribution: calls, computed branches, and function entries other than the region's own.</summary>
    public bool SplitBefore(ulong addr, InsnDef def, ulong regionEntry) =>
        IsCall(def) || (addr != regionEntry && _symbols.TryLookup(addr, out _, out ulong off) && off == 0);

    private static bool IsCall(InsnDef def) => def.Mnemonic is "BRAS" or "BRASL" or "BAS" or "BASR" or "BAL" or "BALR" or "BASSM";

    /// <summary>Listens to the host's trace: events with path cycles become frames under the host work they happened in.</summary>
    public void OnTraceEvent(TraceEvent e, ulong cycle, ulong pathCycles, string detail)
    {
        if (pathCycles == 0) return;
        lock (_eventsLock) _hostEvents.Add((e.Name, pathCycles));
    }

    private Cpu? _lastCpu;
    private CpuState? _lastState;

    private CpuState State(Cpu cpu)
    {
        if (ReferenceEquals(cpu, _lastCpu)) return _lastState!;
        if (!_cpus.TryGetValue(cpu, out var s)) s = NewState(cpu);
        (_lastCpu, _lastState) = (cpu, s);
        return s;
    }

    private CpuState NewState(Cpu cpu)
    {
        CpuState s;
        s = new CpuState { Last = 0 };
        _cpus[cpu] = s;
        s.Stack.Add(NewFrame(_root, cpu.PswAddr, ulong.MaxValue));
        return s;
    }

    private Frame NewFrame(Node parent, ulong addr, ulong ret)
    {
        var f = new Frame { Return = ret };
        if (_symbols.TryLookupRange(addr, out var sym, out f.Start, out f.End))
        {
            f.Symbol = sym;
            f.Node = parent.Child(sym.Name);
        }
        else
        {
            f.Node = parent.Child("[unknown]");
        }
        return f;
    }

    private static void Charge(Cpu cpu, CpuState s)
    {
        ulong now = cpu.Cycles;
        ref var top = ref CollectionsMarshalTop(s);
        if (now >= s.Last) top.Node.Self += now - s.Last;
        else top.Node.Self -= Math.Min(top.Node.Self, s.Last - now); // the JIT gave back cycles it charged ahead
        s.Last = now;
    }

    private static ref Frame CollectionsMarshalTop(CpuState s) =>
        ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Stack)[^1];

    private void Push(CpuState s, ulong target, ulong ret)
    {
        var top = s.Stack[^1];
        if (s.Stack.Count >= MaxDepth) { Replace(s, target); return; }
        s.Stack.Add(NewFrame(top.Node, target, ret));
    }

    /// <summary>Execution continued in another function without a call (a tail call, a jump): the top frame becomes that function.</summary>
    private void Replace(CpuState s, ulong target)
    {
        ref var top = ref CollectionsMarshalTop(s);
        var parent = top.Node.Parent ?? _root;
        top = NewFrame(parent, target, top.Return);
    }

    /// <summary>The PSW moved to <paramref name="target"/> without a call: a return to a frame on the stack, or a jump.</summary>
    private void Transfer(CpuState s, ulong target)
    {
        ref var top = ref CollectionsMarshalTop(s);
        if (target >= top.Start && target < top.End) return;
        var stack = s.Stack;
        for (int i = stack.Count - 1; i >= 1 && i >= stack.Count - 64; i--)
        {
            if (stack[i].Return != target) continue;
            stack.RemoveRange(i, stack.Count - i);
            ref var caller = ref CollectionsMarshalTop(s);
            if (target < caller.Start || target >= caller.End) Adjust(s, target);
            return;
        }
        Adjust(s, target);
    }

    private void Adjust(CpuState s, ulong target)
    {
        ref var top = ref CollectionsMarshalTop(s);
        if (target >= top.Start && target < top.End) return;
        // the same symbol over another of its ranges: only the cached range changes
        if (_symbols.TryLookupRange(target, out var sym, out ulong start, out ulong end) && ReferenceEquals(sym, top.Symbol))
        {
            top.Start = start;
            top.End = end;
            return;
        }
        if (top.Symbol == null && !_symbols.TryLookup(target, out _, out _)) { top.Start = start; top.End = end; return; }
        Replace(s, target);
    }

    public void Executed(Cpu cpu, ulong addr, bool compiled)
    {
        var s = State(cpu);
        Charge(cpu, s);
        // after a region run the PSW is settled only once the engine handled its exit (a program interruption
        // gives back cycles first): the next block entry or interruption moves the stack
        if (compiled) return;
        ulong target = cpu.PswAddr;
        if (target == ((addr + (ulong)cpu.InstrLength) & cpu.AddrMask)) return;
        // a jump within the function (a loop): no decoding; only its entry can be the target of a (recursive) call
        ref var top = ref CollectionsMarshalTop(s);
        if (target >= top.Start && target < top.End && (top.Symbol == null || target != top.Symbol.Value)) return;
        if (cpu.PeekInstruction(addr, out int len) is { } raw && Decoder.Lookup(raw) is { } def && IsCall(def))
        {
            Push(s, target, (addr + (ulong)len) & cpu.AddrMask);
            return;
        }
        Transfer(s, target);
    }

    public void BlockEntry(Cpu cpu, bool compiled)
    {
        var s = State(cpu);
        Charge(cpu, s);
        Transfer(s, cpu.PswAddr);
    }

    public void Interruption(Cpu cpu, in InterruptionRecord r)
    {
        var s = State(cpu);
        // the host delivers interruptions before it enters the SIE: the time until then was host work
        if (s.InGuest) Charge(cpu, s); else ChargeHost(cpu, s);
        Push(s, r.NewAddr, r.OldAddr);
    }

    /// <summary>The SIE is entered for the CPU: what happened since it left (host work) becomes host frames.</summary>
    public void EnterGuest(Cpu cpu)
    {
        var s = State(cpu);
        ChargeHost(cpu, s);
        s.InGuest = true;
    }

    private void ChargeHost(Cpu cpu, CpuState s)
    {
        ulong now = cpu.Cycles, delta = now > s.Last ? now - s.Last : 0;
        s.Last = now;
        List<(string Name, ulong Cycles)> events;
        lock (_eventsLock) { events = [.. _hostEvents]; _hostEvents.Clear(); }
        if (delta == 0) return;
        var host = CollectionsMarshalTop(s).Node.Child($"[{s.HostReason}]");
        foreach (var (name, cycles) in events)
        {
            ulong c = Math.Min(cycles, delta);
            host.Child($"[{name}]").Self += c;
            delta -= c;
        }
        host.Self += delta;
    }

    /// <summary>The SIE exited for the CPU with <paramref name="exit"/>: the guest's cycles are charged, the reason noted for the host frame.</summary>
    public void LeaveGuest(Cpu cpu, CpuExit exit)
    {
        var s = State(cpu);
        Charge(cpu, s);
        s.InGuest = false;
        s.HostReason = exit switch
        {
            CpuExit.Instruction => $"SIE intercept {InterceptedMnemonic(cpu)}",
            CpuExit.Wait => "wait state",
            CpuExit.InterruptRequest => "SIE exit: interruption request",
            _ => "SIE entry/exit",
        };
    }

    private static string InterceptedMnemonic(Cpu cpu) =>
        cpu.PeekInstruction(cpu.IssueAddr, out _) is { } raw && Decoder.Lookup(raw) is { } def ? def.Mnemonic : "instruction";

    /// <summary>At the end of the run: what each CPU spent since the profiler last saw it (host work) is charged.</summary>
    public void Finish()
    {
        foreach (var (cpu, s) in _cpus) ChargeHost(cpu, s);
    }

    /// <summary>The folded stacks (flamegraph.pl / speedscope): "outer;inner cycles" per stack with self cycles.</summary>
    public string Folded()
    {
        var sb = new StringBuilder();
        var path = new List<string>();
        void Walk(Node n)
        {
            if (n != _root) path.Add(n.Name.Replace(';', ':').Replace(' ', '_'));
            if (n.Self > 0) sb.Append(string.Join(';', path)).Append(' ').Append(n.Self.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (n.Children != null)
                foreach (var c in n.Children.Values.OrderBy(c => c.Name, StringComparer.Ordinal)) Walk(c);
            if (n != _root) path.RemoveAt(path.Count - 1);
        }
        Walk(_root);
        return sb.ToString();
    }

    public sealed record Row(string Function, ulong Self, ulong Total);

    /// <summary>Self and total cycles per function (total: cycles of every stack the function is on, once per stack), by self then total.</summary>
    public IReadOnlyList<Row> Table(out ulong allCycles)
    {
        var self = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var total = new Dictionary<string, ulong>(StringComparer.Ordinal);
        ulong all = 0;
        var onPath = new Dictionary<string, int>(StringComparer.Ordinal);
        void Walk(Node n)
        {
            bool outermost = false;
            if (n != _root)
            {
                outermost = onPath.GetValueOrDefault(n.Name) == 0;
                onPath[n.Name] = onPath.GetValueOrDefault(n.Name) + 1;
                self[n.Name] = self.GetValueOrDefault(n.Name) + n.Self;
                // the outermost activation's subtree holds the recursive ones
                if (outermost) total[n.Name] = total.GetValueOrDefault(n.Name) + Sum(n);
            }
            all += n.Self;
            if (n.Children != null) foreach (var c in n.Children.Values) Walk(c);
            if (n != _root) onPath[n.Name]--;
        }
        Walk(_root);
        allCycles = all;
        return self.Keys.Select(k => new Row(k, self[k], total.GetValueOrDefault(k)))
            .Where(r => r.Total > 0)
            .OrderByDescending(r => r.Self).ThenByDescending(r => r.Total).ThenBy(r => r.Function, StringComparer.Ordinal).ToList();
    }

    private static ulong Sum(Node n)
    {
        ulong s = n.Self;
        if (n.Children != null) foreach (var c in n.Children.Values) s += Sum(c);
        return s;
    }

    /// <summary>The top table: every function with cycles (no cap).</summary>
    public string Report()
    {
        var rows = Table(out ulong all);
        var sb = new StringBuilder();
        double pct(ulong c) => 100.0 * c / Math.Max(1, all);
        sb.Append(CultureInfo.InvariantCulture, $"profile: {all} cycles; self and total cycles per function ({rows.Count} functions)\n");
        sb.Append(CultureInfo.InvariantCulture, $"profile: {"self",14} {"self%",7} {"total",14} {"total%",7}  function\n");
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"profile: {r.Self,14} {pct(r.Self),6:F2}% {r.Total,14} {pct(r.Total),6:F2}%  {r.Function}\n");
        return sb.ToString();
    }
}

/// <summary>The engine the SIE runs under --profile: the real engine, with the profiler told when the guest is entered and left.</summary>
public sealed class ProfilingEngine(IExecutionEngine inner, Profiler profiler) : IExecutionEngine
{
    public string Name => inner.Name;

    public CpuExit Run(Cpu cpu)
    {
        profiler.EnterGuest(cpu);
        CpuExit exit = CpuExit.None;
        try { return exit = inner.Run(cpu); }
        finally { profiler.LeaveGuest(cpu, exit); }
    }
}

/// <summary>Two observers of one CPU (the logs and the profiler).</summary>
public sealed class ObserverPair(ICpuObserver first, ICpuObserver second) : ICpuObserver
{
    public bool WantsInstructions => first.WantsInstructions || second.WantsInstructions;
    public bool WantsBlocks => first.WantsBlocks || second.WantsBlocks;
    public void Interruption(Cpu cpu, in InterruptionRecord record) { first.Interruption(cpu, record); second.Interruption(cpu, record); }
    public void BlockEntry(Cpu cpu, bool compiled) { first.BlockEntry(cpu, compiled); second.BlockEntry(cpu, compiled); }
    public void Executed(Cpu cpu, ulong addr, bool compiled) { first.Executed(cpu, addr, compiled); second.Executed(cpu, addr, compiled); }
}
