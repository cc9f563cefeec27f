using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution.Jit;
using S390Jit.Vmm;


namespace S390Jit.Benchmarks
{
    /// <summary>
    /// <c>tiering [CALLS]</c> (issue 14): does the .NET 10 runtime tier code the JIT emits? The same region (a
    /// guest loop of 12 ALU instructions and a BRCT, emitted by <see cref="RegionEmitter"/> exactly as
    /// <see cref="RegionCompiler"/> does) is hosted three ways: a DynamicMethod (today), a static method of an
    /// AssemblyBuilder type (Run), and of a collectible one (RunAndCollect). Reported per host: the first call (the
    /// host JIT's compile, guest work cut short by an event due at once) in CPU µs and per guest instruction, then
    /// the time per guest instruction of successive calls of 200 000 guest cycles each, which shows a tier-up
    /// (tier 0 to tier 1 / OSR) as a drop. Run with <c>DOTNET_JitStdOutFile=f DOTNET_JitDisasmSummary=1</c> to see
    /// the runtime's own list of compiles and their tiers (method names blk_dm_*, blk_ab_*, blk_abc_*).
    /// Since the emitter writes through <see cref="IlWriter"/> (DynamicILInfo: DynamicMethods only) the experiment runs the
    /// DynamicMethod host alone; the AssemblyBuilder hosts' figures in perf/issue14-tiers.md were measured with the
    /// ILGenerator-based emitter (commit 09e429a and before).
    /// </summary>
    public static unsafe class TieringExperiment
    {
        private const ulong Code = 0x10000;
        /// <summary>ALU instructions in the loop body (with the BRCT: a region of this many + 1 guest instructions).</summary>
        private const int BodyLength = 120;

        public static void Run(int calls)
        {
            // round 0 warms the emitter and the host JIT's own code up; rounds 1-3 are reported
            for (int round = 0; round < 4; round++)
            foreach (var host in new[] { "dm" })
            {
                using var m = new Machine(new MachineOptions { Console = Stream.Null, Engine = "interp" });
                var cpu = m.Boot.Cpu;
                Array.Fill(cpu.Facilities, ~0UL);
                var code = new List<byte>();
                code.AddRange(Assembler.Encode("IILF", r1: 9, i2: 2_000_000_000));
                int loop = code.Count;
                for (int k = 0; k < BodyLength; k++)
                    code.AddRange(k % 3 == 0 ? Assembler.Encode("AHI", r1: 2 + k % 4, i2: k + 1)
                        : k % 3 == 1 ? Assembler.Encode("XR", r1: 2 + k % 4, r2: 1 + k % 5) : Assembler.Encode("ALR", r1: 2 + k % 4, r2: 3));
                code.AddRange(Assembler.Encode("BRCT", r1: 9, ri2: -(code.Count - loop) / 2));
                code.ToArray().CopyTo(m.Kvm.Memory.Span(Code, code.Count));
                cpu.LoadPsw(Psw.EA | Psw.BA, Code);
                cpu.Step(); // IILF
                var key = new RegionKey(Code + (ulong)loop, 64, false);
                var plan = new RegionBuilder(cpu, key).Build(out _, out _) ?? throw new InvalidOperationException("no plan");
                int n = plan.Sum(b => b.Insns.Count);
                var sw = Stopwatch.StartNew();
                var run = Emit($"{host}{round}", key, plan);
                var emitUs = sw.Elapsed.TotalMicroseconds;
                cpu.EventCycle = 0; // the region's first event check exits: the call is the host JIT's compile
                run(cpu, 0);
                var firstUs = sw.Elapsed.TotalMicroseconds - emitUs;
                if (round == 0) continue;
                var series = new List<double>();
                for (int c = 0; c < calls; c++)
                {
                    ulong i0 = cpu.Instructions;
                    cpu.EventCycle = cpu.Cycles + 200_000;
                    long s = Stopwatch.GetTimestamp();
                    run(cpu, 0);
                    double ns = Stopwatch.GetElapsedTime(s).TotalNanoseconds;
                    series.Add(ns / Math.Max(1, cpu.Instructions - i0));
                    if (c % 10 == 9) Thread.Sleep(30); // let a background tier-1 compile finish
                }
                string Pick(int c) => c < series.Count ? $"#{c}: {series[c]:F2}" : "";
                var tail = series.Skip(series.Count / 2).OrderBy(x => x).ToList();
                Console.WriteLine($"{host,-4} {n} guest insns: emit {emitUs,6:F0} us ({emitUs / n:F1} us/insn), first call {firstUs,7:F0} us ({firstUs / n:F1} us/insn); " +
                    $"ns/guest insn by call {Pick(0)} {Pick(1)} {Pick(5)} {Pick(20)} {Pick(40)} {Pick(80)} {Pick(calls - 1)}; later half median {tail[tail.Count / 2]:F2}");
            }
        }

        private static Func<Cpu, int, int> Emit(string host, RegionKey key, List<PlanBlock> blocks)
        {
            var insns = blocks.SelectMany(b => b.Insns).ToList();
            var data = new RegionData
            {
                Defs = insns.Select(p => p.Def).ToArray(), Insns = insns.Select(p => p.Insn).ToArray(),
                Addrs = insns.Select(p => p.Addr).ToArray(), Lengths = insns.Select(p => p.Length).ToArray(),
                UnchargeCycles = new ulong[insns.Count], UnchargeCount = new ulong[insns.Count],
                BlockStarts = blocks.Select(b => b.Start).ToArray(),
                BlockEnds = blocks.Select(b => b.Insns[^1].Addr + (ulong)b.Insns[^1].Length).ToArray(),
            };
            string name = $"blk_{host}_{key.Address:x}";
            Type[] args = [typeof(RegionData), typeof(Cpu), typeof(int)];
            var dm = new DynamicMethod(name, typeof(int), args, typeof(RegionEmitter).Module, skipVisibility: true);
            var il = IlWriter.For(dm);
            int writes = 0, uses = 0;
            foreach (var p in insns) { writes |= p.Facts.Writes; uses |= p.Facts.Reads | p.Facts.Writes; }
            var e = new RegionEmitter(il, key.Mode, key.FixedOverflowMask,
                Enumerable.Range(0, 16).Select(r => (writes >> r & 1) != 0).ToArray(), Enumerable.Range(0, 16).Select(r => (uses >> r & 1) != 0).ToArray());
            // the same shape as RegionCompiler.Emit (multi-entry switch, per-block event check and charge)
            var labels = blocks.ToDictionary(b => b.Start, _ => il.DefineLabel());
            e.BlockLabel = a => labels.TryGetValue(a, out var l) ? l : null;
            e.IndirectTargets = blocks.Select(b => (b.Start, labels[b.Start])).OrderBy(t => t.Start).ToArray();
            e.Prologue();
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Switch, blocks.Select(b => labels[b.Start]).ToArray());
            il.Emit(OpCodes.Br, labels[blocks[0].Start]);
            int index = 0;
            foreach (var block in blocks)
            {
                il.MarkLabel(labels[block.Start]);
                e.ForgetCc();
                ulong cost(PlanInsn p) => (ulong)p.Def.Cycles + p.Facts.ExtraCycles;
                ulong before = 0;
                for (int k = 0; k < block.Insns.Count - 1; k++) before += cost(block.Insns[k]);
                e.EventCheck(block.Start, block.Index, before);
                ulong blockCycles = block.Insns.Aggregate(0UL, (s, p) => s + cost(p)), count = (ulong)block.Insns.Count;
                e.Charge(blockCycles, count);
                foreach (var pi in block.Insns)
                {
                    e.BeginInstruction(index, pi.Addr, pi.Length);
                    if (!pi.Def.IsSimple) throw new InvalidOperationException("the experiment's loop has simple instructions only");
                    blockCycles -= cost(pi); count--;
                    data.UnchargeCycles[index] = blockCycles + cost(pi);
                    data.UnchargeCount[index] = count + 1;
                    SimpleBodies<IlBackend, Val>.For(pi.Def)(new IlBackend(e), ref data.Insns[index]);
                    e.EndInstruction();
                    index++;
                }
                if (block.FallThrough is ulong ft)
                {
                    if (labels.TryGetValue(ft, out var next)) il.Emit(OpCodes.Br, next);
                    else e.ExitTo(ft);
                }
                else e.ExitTo(block.Insns[^1].Addr + (ulong)block.Insns[^1].Length);
            }
            e.Epilogue();
            data.ExitTargets = e.ExitSites.ToArray();
            data.ExitLinks = new RegionEntry?[e.ExitSites.Count];
            il.Bake();
            return (Func<Cpu, int, int>)dm.CreateDelegate(typeof(Func<Cpu, int, int>), data);
        }
    }
}
