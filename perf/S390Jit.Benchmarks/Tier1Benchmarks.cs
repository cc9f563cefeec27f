using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Benchmarks;

/// <summary>
/// The first tier (issue 14): guests run by the pre-decoded threaded interpreter alone (engine "tier1", nothing
/// compiled; its blocks translated to native code after a few entries, <see cref="S390Jit.Execution.Native.NativeBlocks"/>;
/// "tier1-managed": without that translation) against the reference stepper (engine "interp"). Machine creation and loading are outside the
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

    [Params("interp", "tier1-managed", "tier1")]
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
        S390Jit.Execution.Native.NativeBlocks.Enabled = Engine != "tier1-managed" && S390Jit.Execution.Native.ExecutableMemory.Available;
        _machine = new Machine(new MachineOptions { Console = Stream.Null, Engine = Engine == "tier1-managed" ? "tier1" : Engine, Append = Append });
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

/// <summary>
/// Dispatch in the first tier: the call/return loop of <see cref="DispatchBenchmarks"/> (a far function called
/// 100 000 times) under the first tier alone, so every call and return is a block transition through the
/// successor caches; and a straight loop of one-instruction blocks (BRCT to itself) for the pure block-to-block
/// cost. Time / operations is the cost of one transition plus its (tiny) blocks; machine creation (a few ms) is
/// inside the measured call, so the loops are long (the 2 M-iteration loop amortises it to ~2 ns per operation).
/// </summary>
public unsafe class FirstTierDispatchBenchmarks
{
    private const int Calls = 100_000, Spins = 2_000_000;
    private byte[] _calls = null!, _spin = null!;

    [GlobalSetup]
    public void Setup()
    {
        var code = new List<byte>();
        code.AddRange(Assembler.Encode("IILF", r1: 9, i2: Calls));           // 0x10000
        code.AddRange(Assembler.Encode("BRASL", r1: 14, ri2: 0x8000));      // 0x10006 -> 0x20006
        code.AddRange(Assembler.Encode("BRCT", r1: 9, ri2: -3));             // 0x1000c
        code.AddRange(Assembler.Encode("LGHI", r1: 3, i2: 0));               // 0x10010
        code.AddRange(Assembler.Encode("SIGP", r1: 0, r3: 3, d2: 5));        // stop
        _calls = code.ToArray();
        code.Clear();
        code.AddRange(Assembler.Encode("IILF", r1: 9, i2: Spins));          // 0x10000
        code.AddRange(Assembler.Encode("BRCT", r1: 9, ri2: 0));              // 0x10006: a block of one instruction, its own successor
        code.AddRange(Assembler.Encode("LGHI", r1: 3, i2: 0));
        code.AddRange(Assembler.Encode("SIGP", r1: 0, r3: 3, d2: 5));
        _spin = code.ToArray();
    }

    private static void Run(byte[] image, bool call, string engine)
    {
        using var m = new Machine(new MachineOptions { Console = Stream.Null, Engine = engine });
        image.CopyTo(m.Kvm.Memory.Span(0x10000, image.Length));
        if (call) Assembler.Encode("BCR", r1: 15, r2: 14).CopyTo(m.Kvm.Memory.Span(0x20006, 2));
        m.Boot.Cpu.LoadPsw(Psw.EA | Psw.BA, 0x10000);
        m.Boot.Stopped = false;
        m.Run();
    }

    [Params("interp", "tier1-managed", "tier1")]
    public string Engine { get; set; } = "tier1";

    [Benchmark(OperationsPerInvoke = 2 * Calls)]
    public void CallAndReturnBetweenBlocks() => Run(_calls, true, Engine);

    [Benchmark(OperationsPerInvoke = Spins)]
    public void OneInstructionBlockLoop() => Run(_spin, false, Engine);
}
