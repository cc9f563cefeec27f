using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Benchmarks;

/// <summary>
/// The first tier (issue 14): guests run by the pre-decoded threaded interpreter alone (engine "tier1", nothing
/// compiled) against the reference stepper (engine "interp"). Machine creation and loading are outside the
/// measured call; divide by the instruction count printed in the setup for time per guest instruction
/// (or use <c>tier1-cpu</c>, which reports M instructions/s of process CPU time).
/// </summary>
public class FirstTierBenchmarks
{
    /// <summary>The guests and the arguments the measurements use (a few hundred million instructions under the stepper is too long: small counts).</summary>
    public static readonly (string Guest, string Append)[] Workloads =
        [("sieve", "n=20"), ("crc32", "n=60"), ("qsort", "n=8"), ("bytecode", "n=4")];

    private ElfImage _elf = null!;
    private Machine _machine = null!;

    [Params("sieve", "crc32", "qsort", "bytecode")]
    public string Guest { get; set; } = "sieve";

    [Params("interp", "tier1")]
    public string Engine { get; set; } = "tier1";

    [GlobalSetup]
    public void Setup()
    {
        _elf = ElfImage.Load(Path.Combine(DecodeBenchmarks.FindRoot(), "guests", Guest + ".elf"));
        IterationSetup();
        ulong n = RunGuest();
        Console.WriteLine($"// {Guest} {Append}: {n} guest instructions per run");
    }

    private string Append => Workloads.First(w => w.Guest == Guest).Append;

    [IterationSetup]
    public void IterationSetup()
    {
        _machine = new Machine(new MachineOptions { Console = Stream.Null, Engine = Engine, Append = Append });
        _machine.LoadKernel(_elf);
    }

    [IterationCleanup]
    public void IterationCleanup() => _machine.Dispose();

    [Benchmark]
    public ulong RunGuest()
    {
        _machine.Run();
        return _machine.Boot.Cpu.Instructions;
    }

    /// <summary><c>tier1-cpu [ROUNDS]</c>: M guest instructions per second of process CPU time, median of ROUNDS runs, per guest and engine.</summary>
    public static void CpuReport(int rounds, string[] engines)
    {
        foreach (var (guest, append) in Workloads)
        {
            var line = $"{guest,-9} {append,-6}";
            foreach (var engine in engines)
            {
                var b = new FirstTierBenchmarks { Guest = guest, Engine = engine };
                b._elf = ElfImage.Load(Path.Combine(DecodeBenchmarks.FindRoot(), "guests", guest + ".elf"));
                var rates = new List<double>();
                ulong n = 0;
                for (int r = 0; r <= rounds; r++)
                {
                    b.IterationSetup();
                    var t = Process.GetCurrentProcess().TotalProcessorTime;
                    n = b.RunGuest();
                    var dt = (Process.GetCurrentProcess().TotalProcessorTime - t).TotalSeconds;
                    b.IterationCleanup();
                    if (r > 0) rates.Add(n / dt / 1e6); // round 0 warms the host JIT up
                }
                rates.Sort();
                line += $"  {engine} {rates[rates.Count / 2],7:F1} M/s ({n / 1e6:F0} M insns)";
            }
            Console.WriteLine(line);
        }
    }
}
