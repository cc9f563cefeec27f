using System.Diagnostics;
using BenchmarkDotNet.Running;

namespace S390Jit.Benchmarks;

public static class Program
{
    /// <summary>
    /// BenchmarkDotNet, or <c>compile-cpu [ROUNDS]</c>: the JIT compile cost in process CPU time per
    /// guest instruction (JitBenchmarks.CompileGuestText), steadier than wall time on a loaded machine.
    /// </summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "compile-one")
        {
            // one compile of the region at sieve's main (run under DOTNET_JitDisasm=blk_* to read its code)
            var one = new JitBenchmarks();
            one.Setup();
            one.CompileRegion();
            one.Cleanup();
            return;
        }
        if (args.Length > 0 && args[0] == "compile-cpu")
        {
            int rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
            var b = new JitBenchmarks();
            b.Setup();
            int insns = b.CompileGuestText(); // warm-up
            // process CPU of each of n runs of work, divided by per, sorted
            static List<double> Times(int n, double per, Action work)
            {
                var t = new List<double>();
                for (int r = 0; r < n; r++)
                {
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    work();
                    t.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / per);
                }
                t.Sort();
                return t;
            }
            var samples = Times(rounds, insns, () => b.CompileGuestText());
            var plan = Times(4 * rounds, insns, () => b.PlanGuestText());
            var region = Times(50 * rounds, 1, () => b.CompileRegion());
            b.CompileGuestTextNative(); // warm-up
            var native = Times(4 * rounds, insns, () => b.CompileGuestTextNative());
            Console.WriteLine($"CompileGuestTextNative (decode, analysis and native translation): CPU µs/insn median {native[native.Count / 2]:F2} (min {native[0]:F2})");
            Console.WriteLine($"CompileGuestText: {insns} guest instructions, CPU µs/insn median {samples[samples.Count / 2]:F1} (min {samples[0]:F1}, max {samples[^1]:F1})");
            Console.WriteLine($"PlanGuestText (decode + analysis only): CPU µs/insn median {plan[plan.Count / 2]:F2} (min {plan[0]:F2})");
            Console.WriteLine($"CompileRegion (sieve main): CPU µs median {region[region.Count / 2]:F0} (min {region[0]:F0})");
            b.Cleanup();
            return;
        }
        if (args.Length > 0 && args[0] == "compile-fixed")
        {
            // per-method cost of RyuJIT for a trivial DynamicMethod of the regions' signature
            var samples = new List<double>();
            for (int r = 0; r < 400; r++)
            {
                var dm = new System.Reflection.Emit.DynamicMethod("t", typeof(int), [typeof(S390Jit.Execution.Jit.RegionData), typeof(S390Jit.Architecture.State.Cpu), typeof(int)], typeof(S390Jit.Execution.Jit.RegionEmitter).Module, skipVisibility: true);
                var il = dm.GetILGenerator();
                il.Emit(System.Reflection.Emit.OpCodes.Ldarg_2);
                il.Emit(System.Reflection.Emit.OpCodes.Ret);
                double t0 = S390Jit.Execution.Jit.RegionCompiler.ThreadCpuMicroseconds();
                var d = (Func<S390Jit.Architecture.State.Cpu, int, int>)dm.CreateDelegate(typeof(Func<S390Jit.Architecture.State.Cpu, int, int>), new S390Jit.Execution.Jit.RegionData());
                System.Runtime.CompilerServices.RuntimeHelpers.PrepareDelegate(d);
                samples.Add(S390Jit.Execution.Jit.RegionCompiler.ThreadCpuMicroseconds() - t0);
            }
            samples.Sort();
            Console.WriteLine($"trivial DynamicMethod: CPU µs median {samples[samples.Count / 2]:F0} (min {samples[0]:F0})");
            var b = new JitBenchmarks();
            b.Setup();
            b.CompileGuestText(); // warm-up; S390JIT_COMPILE_PROFILE=file records the next rounds per region
            for (int r = 0; r < 3; r++) b.CompileGuestText();
            b.Cleanup();
            return;
        }
        if (args.Length > 0 && args[0] == "tiering")
        {
            TieringExperiment.Run(args.Length > 1 ? int.Parse(args[1]) : 120);
            return;
        }
        if (args.Length > 0 && args[0] == "tier1-cpu")
        {
            FirstTierBenchmarks.CpuReport(args.Length > 1 ? int.Parse(args[1]) : 3, args.Length > 2 ? args[2..] : ["interp", "tier1-managed", "tier1"]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
