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

    [GlobalSetup]
    public void Setup()
    {
        var elf = ElfImage.Load(Path.Combine(DecodeBenchmarks.FindRoot(), "guests", "sieve.elf"));
        _machine = new Machine(new MachineOptions { Console = Stream.Null, Engine = "interp" });
        _machine.LoadKernel(elf);
        elf.Symbols.TryGetAddress("main", out ulong main);
        _key = new RegionKey(main, 64, false);
        _plan = new RegionBuilder(_machine.Boot.Cpu, _key).Build(out _) ?? throw new InvalidOperationException("no plan");
        _planInstructions = _plan.Sum(b => b.Insns.Count);
        Console.WriteLine($"// region at main: {_plan.Count} blocks, {_planInstructions} guest instructions");
    }

    [GlobalCleanup]
    public void Cleanup() => _machine.Dispose();

    /// <summary>Emit IL for the region at sieve's main and force RyuJIT to compile it (divide by the instruction count printed above).</summary>
    [Benchmark]
    public Region CompileRegion() => RegionCompiler.Compile(_key, _plan, [], []);
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
