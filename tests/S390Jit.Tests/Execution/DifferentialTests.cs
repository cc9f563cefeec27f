using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Execution;

/// <summary>
/// Seeded random instruction sequences generated from the instruction table run on the
/// interpreter and on the JIT (compiled at once): final registers, PSW, cc, cycles, instruction
/// count, storage and program interruption must be identical.
/// </summary>
public class DifferentialTests
{
    // registers 10-12 hold scratch addresses (bases/indexes), 9 counts the loop, 13-15 are free
    private const int LoopReg = 9;
    private static readonly int[] AddressRegs = [10, 11, 12];

    /// <summary>Rows excluded from random sequences, with the reason.</summary>
    private static readonly Dictionary<string, string> s_excluded = new()
    {
        ["EX"] = "executes random storage", ["EXRL"] = "executes random storage", ["SVC"] = "interruption ends the run",
        ["MVCL"] = "register-designated operands", ["CLCL"] = "register-designated operands", ["MVCLE"] = "register-designated operands",
        ["CLCLE"] = "register-designated operands", ["SRST"] = "register-designated operands", ["CLST"] = "register-designated operands",
        ["MVST"] = "register-designated operands", ["CKSM"] = "register-designated operands", ["TRT"] = "register-designated results",
        ["LPQ"] = "quadword pair", ["STPQ"] = "quadword pair", ["SPM"] = "changes the program mask",
        ["LMG"] = "would overwrite the address registers", ["LM"] = "would overwrite the address registers", ["LMY"] = "would overwrite the address registers",
        ["LMH"] = "would overwrite the address registers", ["LAM"] = "access registers", ["LAMY"] = "access registers",
    };

    public static IEnumerable<InsnDef> Candidates() => InstructionTable.All.Where(d =>
        d.Implemented && d.Sie == SieAction.Interpreted && !d.Has(InsnFlags.Priv) && !d.Has(InsnFlags.Branch) &&
        !d.Has(InsnFlags.EndsBlock) && !s_excluded.ContainsKey(d.Mnemonic) && d.Group is "general" or "decimal");

    private static byte[] RandomInstruction(Random rng, InsnDef def)
    {
        long Field(Field f, FieldSpec fs)
        {
            switch (f)
            {
                case S390Jit.Architecture.Isa.Field.B1 or S390Jit.Architecture.Isa.Field.B2 or S390Jit.Architecture.Isa.Field.B4:
                    return AddressRegs[rng.Next(AddressRegs.Length)];
                case S390Jit.Architecture.Isa.Field.X2:
                    return rng.Next(3) == 0 ? AddressRegs[rng.Next(AddressRegs.Length)] : 0;
                case S390Jit.Architecture.Isa.Field.D1 or S390Jit.Architecture.Isa.Field.D2 or S390Jit.Architecture.Isa.Field.D4:
                    return rng.Next(0, 0x100) & ~7 | (rng.Next(4) == 0 ? rng.Next(8) : 0);
                case S390Jit.Architecture.Isa.Field.R1 or S390Jit.Architecture.Isa.Field.R2 or S390Jit.Architecture.Isa.Field.R3:
                    {
                        // never the loop counter or the address registers; pairs need even registers
                        int[] ok = [0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15];
                        int r = ok[rng.Next(ok.Length)];
                        bool even = (f == S390Jit.Architecture.Isa.Field.R1 && def.Has(InsnFlags.EvenR1)) ||
                                    (f == S390Jit.Architecture.Isa.Field.R2 && def.Has(InsnFlags.EvenR2)) ||
                                    (f == S390Jit.Architecture.Isa.Field.R3 && def.Has(InsnFlags.EvenR3));
                        if (even) r = new[] { 0, 2, 4, 6 }[rng.Next(4)];
                        return r;
                    }
                case S390Jit.Architecture.Isa.Field.L1 or S390Jit.Architecture.Isa.Field.L2:
                    return rng.Next(0, fs.Width == 8 ? 64 : 16);
                default:
                    {
                        int w = fs.Kind == FieldKind.LongDisplacement ? 20 : fs.Width;
                        bool signed = fs.Kind is FieldKind.Signed || (fs.Kind == FieldKind.Immediate && !def.Has(InsnFlags.UImm));
                        long v = rng.NextInt64(0, 1L << Math.Min(w, 62));
                        if (signed) v -= 1L << (w - 1);
                        if (rng.Next(4) == 0) v = rng.Next(3) - 1;
                        if (!signed && v < 0) v = 0;
                        if (f is S390Jit.Architecture.Isa.Field.RI2 or S390Jit.Architecture.Isa.Field.RI4) v = 0;
                        return v;
                    }
            }
        }
        ulong raw = Assembler.EncodeRaw(def, f =>
        {
            foreach (var fs in Formats.Fields(def.Format)) if (fs.Field == f) return Field(f, fs);
            return 0;
        });
        return Assembler.ToBytes(raw, def.Length);
    }

    /// <summary>A loop of random instructions run three times (so the JIT compiles it), then a stop.</summary>
    private static byte[] Program(Random rng, InsnDef[] pool, int length)
    {
        var code = new List<byte>();
        void Add(byte[] b) => code.AddRange(b);
        // registers: random values; address registers point into the scratch area
        for (int r = 0; r < 16; r++)
        {
            if (r == LoopReg) { Add(Assembler.Encode("LGHI", r1: r, i2: 3)); continue; }
            if (AddressRegs.Contains(r)) { Add(Assembler.Encode("LGFI", r1: r, i2: (long)EngineHarness.Scratch + 0x100 * (r - 10))); continue; }
            Add(Assembler.Encode("IIHF", r1: r, i2: rng.NextInt64(0, 1L << 32)));
            Add(Assembler.Encode("IILF", r1: r, i2: rng.NextInt64(0, 1L << 32)));
        }
        int loop = code.Count;
        for (int n = 0; n < length; n++) Add(RandomInstruction(rng, pool[rng.Next(pool.Length)]));
        int back = -(code.Count - loop) / 2;
        Add(Assembler.Encode("BRCT", r1: LoopReg, ri2: back));
        return code.ToArray();
    }

    [TestCase(1), TestCase(2), TestCase(3), TestCase(4), TestCase(5), TestCase(6), TestCase(7), TestCase(8)]
    public void Random_sequences_agree_between_interpreter_and_jit(int seed) => RandomSequences(seed, native: false);

    /// <summary>The same sequences with the regions compiled natively (their helpers and untranslated bodies left to the interpreter).</summary>
    [TestCase(1), TestCase(2), TestCase(3), TestCase(4), TestCase(5), TestCase(6), TestCase(7), TestCase(8)]
    public void Random_sequences_agree_between_interpreter_and_native_regions(int seed)
    {
        if (!S390Jit.Execution.Native.ExecutableMemory.Available) Assert.Ignore("native code needs Linux on x86-64");
        RandomSequences(seed, native: true);
    }

    private static void RandomSequences(int seed, bool native)
    {
        var pool = Candidates().ToArray();
        var rng = new Random(seed);
        int compiledRuns = 0, completed = 0;
        for (int prog = 0; prog < 40; prog++)
        {
            var code = Program(rng, pool, rng.Next(5, 40));
            using var a = new EngineHarness();
            using var b = new EngineHarness();
            a.Load(code);
            b.Load(code);
            var init = new Random(seed * 1000 + prog);
            var scratch = new byte[EngineHarness.ScratchSize];
            init.NextBytes(scratch);
            scratch.CopyTo(a.Mem(EngineHarness.Scratch, scratch.Length));
            scratch.CopyTo(b.Mem(EngineHarness.Scratch, scratch.Length));
            var si = a.Run(EngineHarness.Interpreter());
            var jit = native ? EngineHarness.JitNative() : EngineHarness.Jit();
            var sj = b.Run(jit);
            compiledRuns += (native ? jit.Stats.NativeRegions : jit.Stats.RegionsCompiled) > 0 ? 1 : 0;
            completed += si.PgmCode == 0 ? 1 : 0;
            string diff = si.Diff(sj);
            if (diff.Length > 0)
            {
                var listing = string.Join("\n", Disassemble(code));
                Assert.Fail($"seed {seed} program {prog}: {diff}\n{listing}");
            }
        }
        TestContext.Out.WriteLine($"seed {seed}: 40 programs, {completed} completed without a program interruption, {compiledRuns} ran compiled code");
        Assert.That(compiledRuns, Is.GreaterThan(10));
    }

    private static IEnumerable<string> Disassemble(byte[] code)
    {
        for (int off = 0; off < code.Length;)
        {
            int len = Formats.LengthFromFirstByte(code[off]);
            var raw = Decoder.LeftAlign(code.AsSpan(off, Math.Min(6, code.Length - off)));
            var def = Decoder.Lookup(raw);
            yield return $"  {EngineHarness.Code + (ulong)off:x}: {Convert.ToHexString(code, off, len).ToLowerInvariant(),-12} {def?.Mnemonic ?? "?"}";
            off += len;
        }
    }
}
