using BenchmarkDotNet.Attributes;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution.Jit;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Benchmarks;

/// <summary>
/// JIT costs: compiling a region (reported per guest instruction in the region), running whole
/// guests compiled, and the cost of one trip through the dispatcher between regions.
/// </summary>
public class JitBenchmarks
{
    private Machine _machine = null!;
    private List<PlanBlock> _plan = null!;
    private RegionKey _key;
    private int _planInstructions;
    private readonly List<(Machine Machine, RegionKey[] Keys)> _text = [];
    private int _textInstructions;

    /// <summary>A machine with the guest loaded and every facility bit on (the guest's own list only arrives with SIE entry).</summary>
    private static Machine Load(string guest, out ElfImage elf)
    {
        elf = ElfImage.Load(Path.Combine(DecodeBenchmarks.FindRoot(), "guests", guest + ".elf"));
        var m = new Machine(new MachineOptions { Console = Stream.Null, Engine = "interp" });
        m.LoadKernel(elf);
        Array.Fill(m.Boot.Cpu.Facilities, ~0UL);
        return m;
    }

    [GlobalSetup]
    public void Setup()
    {
        _machine = Load("sieve", out var elf);
        elf.Symbols.TryGetAddress("main", out ulong main);
        _key = new RegionKey(main, 64, false);
        _plan = new RegionBuilder(_machine.Boot.Cpu, _key).Build(out _, out _) ?? throw new InvalidOperationException("no plan");
        _planInstructions = _plan.Sum(b => b.Insns.Count);
        Console.WriteLine($"// region at main: {_plan.Count} blocks, {_planInstructions} guest instructions");
        // every function (STT_FUNC symbol) of a few guests is a region entry
        int regions = 0;
        foreach (var guest in new[] { "sieve", "qsort", "sha256", "bytecode", "crc32" })
        {
            var m = guest == "sieve" ? _machine : Load(guest, out elf);
            if (guest == "sieve") elf = ElfImage.Load(Path.Combine(DecodeBenchmarks.FindRoot(), "guests", "sieve.elf"));
            var keys = elf.Symbols.All.Where(s => s.Type == 2 && s.Value >= 0x2000).Select(s => s.Value).Distinct()
                .Select(a => new RegionKey(a, 64, false)).ToArray();
            foreach (var k in keys)
                _textInstructions += new RegionBuilder(m.Boot.Cpu, k).Build(out _, out _)?.Sum(b => b.Insns.Count) ?? 0;
            regions += keys.Length;
            _text.Add((m, keys));
        }
        Console.WriteLine($"// guest text: {regions} function regions, {_textInstructions} guest instructions");
    }

    [GlobalCleanup]
    public void Cleanup() { foreach (var (m, _) in _text) m.Dispose(); }

    /// <summary>Emit IL for the region at sieve's main and force RyuJIT to compile it (divide by the instruction count printed above).</summary>
    [Benchmark]
    public Region CompileRegion() => RegionCompiler.Compile(_key, _plan, [], []);

    /// <summary>The same region translated natively (Native.NativeRegions; emission only: no code placed), per guest instruction as above.</summary>
    [Benchmark]
    public int CompileRegionNative()
    {
        S390Jit.Execution.Native.NativeRegions.EmitOnly = true;
        try { S390Jit.Execution.Native.NativeRegions.Compile(_machine.Boot.Cpu, _key, _plan, [0], [0]); }
        finally { S390Jit.Execution.Native.NativeRegions.EmitOnly = false; }
        return S390Jit.Execution.Native.NativeRegions.EmittedBytes;
    }

    /// <summary>Decode, analyse and translate natively a region at every function of five guests (emission only).</summary>
    [Benchmark]
    public int CompileGuestTextNative()
    {
        int n = 0;
        S390Jit.Execution.Native.NativeRegions.EmitOnly = true;
        try
        {
            foreach (var (m, keys) in _text)
                foreach (var k in keys)
                {
                    var plan = new RegionBuilder(m.Boot.Cpu, k).Build(out _, out _);
                    if (plan == null) continue;
                    S390Jit.Execution.Native.NativeRegions.Compile(m.Boot.Cpu, k, plan, [0], [0]);
                    n += plan.Sum(b => b.Insns.Count);
                }
        }
        finally { S390Jit.Execution.Native.NativeRegions.EmitOnly = false; }
        return n;
    }

    /// <summary>Only decode and analyse (the region plans) at every function of five guests.</summary>
    [Benchmark]
    public int PlanGuestText()
    {
        int n = 0;
        foreach (var (m, keys) in _text)
            foreach (var k in keys)
                n += new RegionBuilder(m.Boot.Cpu, k).Build(out _, out _)?.Count ?? 0;
        return n;
    }

    /// <summary>Decode, analyse and compile a region at every function of five guests (divide by the guest-text count printed above).</summary>
    [Benchmark]
    public int CompileGuestText()
    {
        int n = 0;
        foreach (var (m, keys) in _text)
            foreach (var k in keys)
            {
                var plan = new RegionBuilder(m.Boot.Cpu, k).Build(out _, out _);
                if (plan != null) n += RegionCompiler.Compile(k, plan, [], []).InstructionCount;
            }
        return n;
    }
}

/// <summary>
/// Dispatch cost: a loop that calls a far function (its own region) 100 000 times, so every call
/// and every return goes through the dispatcher: time / 200 000 is the cost of one transition
/// plus two small blocks.
/// </summary>
public unsafe class DispatchBenchmarks
{
    private const int Calls = 100_000;
    private byte[] _image = null!;

    [GlobalSetup]
    public void Setup()
    {
        var code = new List<byte>();
        code.AddRange(Assembler.Encode("IILF", r1: 9, i2: Calls));           // 0x10000
        code.AddRange(Assembler.Encode("BRASL", r1: 14, ri2: 0x8000));      // 0x10006 -> 0x20006
        code.AddRange(Assembler.Encode("BRCT", r1: 9, ri2: -3));             // 0x1000c
        code.AddRange(Assembler.Encode("LGHI", r1: 3, i2: 0));               // 0x10010
        code.AddRange(Assembler.Encode("SIGP", r1: 0, r3: 3, d2: 5));        // stop
        _image = code.ToArray();
    }

    [Benchmark(OperationsPerInvoke = 2 * Calls)]
    public void CallAndReturnThroughDispatcher()
    {
        using var m = new Machine(new MachineOptions { Console = Stream.Null, Engine = "jit-sync" });
        _image.CopyTo(m.Kvm.Memory.Span(0x10000, _image.Length));
        Assembler.Encode("BCR", r1: 15, r2: 14).CopyTo(m.Kvm.Memory.Span(0x20006, 2));
        m.Boot.Cpu.LoadPsw(Psw.EA | Psw.BA, 0x10000);
        m.Boot.Stopped = false;
        m.Run();
    }
}
