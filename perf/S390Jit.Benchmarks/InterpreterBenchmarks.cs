using BenchmarkDotNet.Attributes;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Benchmarks;

/// <summary>Whole-guest runs under the interpreter (boot, SCLP, workload, stop).</summary>
public class InterpreterBenchmarks
{
    private ElfImage _elf = null!;

    [Params("crc32", "fib", "bytecode")]
    public string Guest { get; set; } = "crc32";

    [GlobalSetup]
    public void Setup() => _elf = ElfImage.Load(Path.Combine(DecodeBenchmarks.FindRoot(), "guests", Guest + ".elf"));

    [Benchmark]
    public ulong RunGuest()
    {
        using var m = new Machine(new MachineOptions { Console = Stream.Null, Engine = "interp" });
        m.LoadKernel(_elf);
        m.Run();
        return m.Boot.Cpu.Instructions;
    }
}
