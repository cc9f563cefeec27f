using System.Runtime.InteropServices;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;
using S390Jit.Execution.Interpreter;
using S390Jit.Execution.Jit;

namespace S390Jit.Execution.Native;

/// <summary>
/// The native first tier: a decoded block that keeps running is translated to x86-64 code, instruction by instruction from
/// its first, by running each instruction's one simple body with <see cref="X64Backend"/>; the translation stops before
/// the first instruction whose body uses an operation the backend does not translate (floating point, vector, storage
/// operands other than 1, 2, 4 and 8 bytes...) or that has checks (no simple body in the first tier). The first tier calls
/// the code where it would run the block's fast loop (no event can be due inside the block, no PER) and goes on with its
/// own loop from the instruction the code stopped before. Only on Linux x86-64 (<see cref="ExecutableMemory"/>);
/// S390JIT_NATIVE=0 turns it off. Translation costs ~1-1.5 us per guest instruction (RyuJIT: ~37 per instruction of a
/// region); the code runs the first tier's guests at 2.5-4x its managed loop's speed. Translated blocks chain into each
/// other through two shared stubs (<see cref="NativeEmitter.ChainStub"/>); what they do not remove is the loop's work
/// where a chain returns: at a successor with a compiled region, one not translated yet, and at exits.
/// </summary>
public static unsafe class NativeBlocks
{
    /// <summary>Blocks decoded from now on are translated (tests switch it; S390JIT_NATIVE=0 clears it).</summary>
    public static bool Enabled = ExecutableMemory.Available && Environment.GetEnvironmentVariable("S390JIT_NATIVE") != "0";

    /// <summary>
    /// Entries of a block before it is translated: <see cref="AfterAlone"/> when the first tier runs alone (<c>--engine
    /// tier1</c>: nothing else will compile the block), <see cref="After"/> under the JIT (0: never), where the blocks that
    /// keep running are compiled by RyuJIT after 2500 entries: there the native code serves the entries in between and the
    /// lukewarm code that never gets that hot. With the chain checks inline at every block end (~350 bytes each, 263 bytes of
    /// code per guest instruction) the kernel's translated blocks outgrew the caches and the native code ran the kernel-init
    /// window no faster than the managed loop (boot +0.15 s after 50 entries); with the shared chain stubs (144 bytes per
    /// instruction) and an assembler that writes whole fields (translation 1.8 -> 0.9-1.5 us per instruction) the boot
    /// takes 3.27 s after 100 entries against 3.35 s without (8 interleaved boots; sets of 6: 3.24 vs 3.29 and 3.35, after
    /// 20 entries 3.25, after 300 3.28). The first tier alone boots in 7.3-7.9 s (was 8.6-8.95). S390JIT_NATIVE_AFTER=N sets
    /// both (S390JIT_NATIVE=0 turns the tier off).
    /// </summary>
    public static int After = AfterSetting() ?? 100;
    public static int AfterAlone = AfterSetting() ?? 4;
    private static int? AfterSetting() => int.TryParse(Environment.GetEnvironmentVariable("S390JIT_NATIVE_AFTER"), out int n) && n > 0 ? n : null;

    /// <summary>What only translation needs (initialised at the first translation, not by a run that makes none).</summary>
    private static class Translation
    {
        /// <summary>The entry stub (<see cref="NativeEmitter.EntryStub"/>).</summary>
        public static readonly nint Enter = (nint)ExecutableMemory.Place(NativeEmitter.EntryStub());
        /// <summary>The shared chain stubs (<see cref="NativeEmitter.ChainStub"/>; after the offsets are learnt).</summary>
        public static readonly nint ChainFall = (nint)ExecutableMemory.Place(NativeEmitter.ChainStub(taken: false)),
            ChainTaken = (nint)ExecutableMemory.Place(NativeEmitter.ChainStub(taken: true));
        /// <summary>S390JIT_NATIVE_DUMP=file: each translated block's instructions and code (hex), for a disassembler.</summary>
        public static readonly StreamWriter? Dump = Environment.GetEnvironmentVariable("S390JIT_NATIVE_DUMP") is { Length: > 0 } f ? new StreamWriter(f) : null;
        /// <summary>Rows whose body did not translate once (exceptions cost tens of microseconds: they are not tried again).</summary>
        public static readonly System.Collections.Concurrent.ConcurrentDictionary<Architecture.Isa.InsnDef, bool> Untranslatable = new();
    }

    /// <summary>The emitter, reused for every block (translation runs on the vcpu thread that found the block warm).</summary>
    [ThreadStatic] private static NativeEmitter? t_emitter;
    private static NativeEmitter s_emitter => t_emitter ??= new NativeEmitter();

    /// <summary>
    /// Counters for --stats (process totals): blocks translated, their instructions, translation time (Stopwatch ticks),
    /// blocks not translated, calls of native code and the instructions they completed.
    /// </summary>
    public static long Blocks, Instructions, Ticks, Failed, Calls, Ran;

    /// <summary>
    /// Slots of a block cache's table of translated blocks by guest address (<see cref="Cpu.NativeTargets"/>: direct-mapped,
    /// the newest wins; a descriptor stays valid memory for the process's life): where a branch's successor is not the one
    /// the first tier linked (returns, computed branches), the taken chain stub looks there for a block of the same key at
    /// the target and goes on into it after the usual checks.
    /// </summary>
    public const int TargetSlots = 8192;

    /// <summary>The entry stub every call of native code goes through: <c>int Enter(ulong* g, void* code)</c> (0 before the first translation).</summary>
    public static nint Enter;

    /// <summary>Writes a translation's code to the S390JIT_NATIVE_DUMP file, if one is set (regions: <see cref="NativeRegions"/>).</summary>
    internal static bool Dumping => Translation.Dump != null;
    internal static void Dump(string header, nint at, ReadOnlySpan<byte> code)
    {
        if (Translation.Dump is not { } dump) return;
        lock (dump)
        {
            dump.WriteLine($"{header} at {at:x}");
            dump.WriteLine(Convert.ToHexString(code));
            dump.Flush();
        }
    }

    /// <summary>Places the shared stubs (once) and learns the CPU's field offsets; false when there is no executable memory.</summary>
    internal static bool EnsureStubs(Cpu cpu)
    {
        NativeEmitter.LearnOffsets(cpu);
        if (Translation.Enter == 0 || Translation.ChainFall == 0 || Translation.ChainTaken == 0) return false;
        Enter = Translation.Enter;
        NativeEmitter.ChainFall = Translation.ChainFall;
        NativeEmitter.ChainTaken = Translation.ChainTaken;
        return true;
    }

    /// <summary>
    /// Translates <paramref name="b"/> (or its first instructions); false when not even its first translates, or when the
    /// translation fails for any other reason (then the block stays with the first tier's own loop, as it would be
    /// without this tier: a failure here never stops the guest).
    /// </summary>
    public static bool Compile(Cpu cpu, DecodedBlock b)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        NativeDesc* desc = null;
        try
        {
            if (!EnsureStubs(cpu)) { Failed++; return false; }
            var e = s_emitter;
            desc = (NativeDesc*)NativeMemory.AllocZeroed((nuint)sizeof(NativeDesc));
            e.Reset(b.Key.Mode, (nint)desc);
            var be = new X64Backend(e);
            var insns = b.Insns;
            var cycles = new ulong[insns.Length + 1];
            int k = 0;
            for (; k < insns.Length; k++)
            {
                ref var d = ref insns[k];
                if (d.Body == null || Translation.Untranslatable.ContainsKey(d.Insn.Def)) break;
                var mark = e.A.Mark();
                e.Begin(k, d.Addr, d.Next);
                bool goesOn;
                try
                {
                    SimpleBodies<X64Backend, XVal>.For(d.Insn.Def)(be, ref d.Insn);
                    e.IsLast = k == insns.Length - 1;
                    e.BlockInsns = k + 1;
                    e.BlockCycles = cycles[k] + d.Cycles + e.ExtraCycles;
                    e.LastLength = d.Length;
                    goesOn = e.Commit();
                }
                catch (NativeUnsupportedException)
                {
                    Translation.Untranslatable[d.Insn.Def] = true;
                    e.A.Rollback(mark);
                    e.Abandon();
                    break;
                }
                cycles[k + 1] = cycles[k] + d.Cycles + e.ExtraCycles;
                if (!goesOn) { k++; break; }
            }
            if (k == 0) return Fail();
            if (k == insns.Length) e.ChainOrReturn(taken: false); else e.Return(k);
            e.EmitExits();
            e.EmitReturn();
            var bytes = e.A.Finish();
            byte* p = ExecutableMemory.Place(bytes);
            if (Translation.Dump is { } dump)
                lock (dump)
                {
                    dump.WriteLine($"block {b.Key.Address:x} at {(nint)p:x}, {k} of {insns.Length} insns: " + string.Join(" ", insns.Take(k).Select(x => x.Insn.Def.Mnemonic)));
                    dump.WriteLine(Convert.ToHexString(bytes));
                    dump.Flush();
                }
            if (p == null) return Fail();
            b.NativeCycles = cycles;
            b.Native = (nint)p;
            desc->Code = b.Native;
            desc->Addr = b.Key.Address;
            desc->FastCycles = b.FastCycles;
            desc->BlockCycles = e.BlockCycles;
            desc->BlockInsns = (ulong)e.BlockInsns;
            desc->LastAddr = e.InstrAddr;
            desc->LastLength = (ulong)e.LastLength;
            desc->NextAddr = e.NextAddr;
            desc->Host = (nint)b.Host;
            desc->Alive = 1;
            desc->Handle = GCHandle.ToIntPtr(GCHandle.Alloc(b, GCHandleType.Weak));
            desc->KeyBits = NativeDesc.KeyBitsOf(b.Key.Mode, b.Key.FixedOverflowMask, b.Key.Dat);
            desc->Asce = b.Key.Asce;
            b.Desc = (nint)desc;
            // (a block crossing into the next page is entered only from the first tier's loop, which checks that page too)
            if (b.Host2 == null && cpu.NativeTargets != 0) ((nint*)cpu.NativeTargets)[(int)((b.Key.Address >> 1) & (TargetSlots - 1))] = (nint)desc;
            Blocks++;
            Instructions += k;
            return true;
        }
        catch (Exception) { return Fail(); }
        finally { Ticks += System.Diagnostics.Stopwatch.GetTimestamp() - t0; }

        bool Fail()
        {
            Failed++;
            NativeMemory.Free(desc);
            return false;
        }
    }
}
