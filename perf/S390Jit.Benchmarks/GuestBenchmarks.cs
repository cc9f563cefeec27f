using BenchmarkDotNet.Attributes;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Benchmarks;

/// <summary>Whole-guest runs (boot, SCLP, workload, stop; start-up included) under each engine.</summary>
public class GuestBenchmarks
{
    private ElfImage _elf = null!;

    [Params("crc32", "fib", "bytecode")]
    public string Guest { get; set; } = "crc32";

    [Params("interp", "jit")]
    public string Engine { get; set; } = "jit";

    [GlobalSetup]
    public void Setup() => _elf = ElfImage.Load(Path.Combine(DecodeBenchmarks.FindRoot(), "guests", Guest + ".elf"));

    [Benchmark]
    public ulong RunGuest()
    {
        using var m = new Machine(new MachineOptions { Console = Stream.Null, Engine = Engine });
        m.LoadKernel(_elf);
        m.Run();
        return m.Boot.Cpu.Instructions;
    }
}
