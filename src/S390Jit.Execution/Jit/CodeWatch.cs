using System.Runtime.CompilerServices;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// The JIT's watch on guest storage that holds translated code, set on every CPU the engine runs
/// (<see cref="Cpu.StorageObserver"/>) and shared by all vcpus: per 4 KiB absolute frame a mask of which
/// <see cref="ChunkSize"/>-byte chunks hold bytes of translated instructions (compiled regions, first-tier
/// blocks). A frame with any such chunk is watched: the CPU reports every store there (such a frame never
/// gets a write-cache entry); a store that overlaps a code chunk drops the translations with bytes in the chunks it
/// wrote (<see cref="JitEngine"/>: first-tier blocks and regions; jump-label patching in one function keeps its
/// neighbours) and the frame stays watched for the chunks of those left, one into other bytes of the frame (data next
/// to code) changes nothing. Compiled code does not store into code chunks at all but hands the instruction to the
/// interpreter (re-execution), so the next instruction executed is always the current one (precise
/// self-modifying code).
/// </summary>
public sealed class CodeWatch(Action<ulong, ulong> frameWritten) : IStorageObserver
{
    /// <summary>Bytes per chunk: 64 chunks make a frame, one mask word.</summary>
    public const int ChunkShift = 6, ChunkSize = 1 << ChunkShift;

    /// <summary>Per frame: bit i set when bytes [i*64, i*64+64) hold translated instructions (0: not watched).</summary>
    private ulong[] _code = [];

    /// <summary>Set when a store hit translated code: the running region must stop (read by compiled code after helpers).</summary>
    public bool CodeModified;
    /// <summary>Set when a store hit translated code (not for translation changes); --verify-jit does not compare such runs.</summary>
    public bool CodeStored;
    /// <summary>A store of compiled code would have changed translated code: the interpreter runs the instruction again.</summary>
    public bool ReexecutePending;

    public int FrameCount => _code.Length;

    /// <summary>Covers storage of <paramref name="memSize"/> bytes.</summary>
    public void Cover(ulong memSize)
    {
        int frames = (int)((memSize + Cpu.PageMask) >> 12);
        if (frames > _code.Length) Array.Resize(ref _code, frames);
    }

    public bool Watches(ulong frame) => frame < (ulong)_code.Length && _code[frame] != 0;

    /// <summary>The chunk mask of bytes [<paramref name="abs"/>, +<paramref name="len"/>) within <paramref name="abs"/>'s frame (len clipped at the frame's end; at least one byte).</summary>
    public static ulong Chunks(ulong abs, ulong len)
    {
        ulong off = abs & Cpu.PageMask;
        ulong last = len == 0 || len > 4096 - off ? Cpu.PageMask : off + len - 1;
        int lo = (int)(off >> ChunkShift), hi = (int)(last >> ChunkShift);
        ulong upTo = hi == 63 ? ~0UL : (1UL << (hi + 1)) - 1;
        return upTo & ~((1UL << lo) - 1);
    }

    /// <summary>Whether a store of <paramref name="len"/> bytes at absolute <paramref name="abs"/> (within one frame) overlaps translated code.</summary>
    public bool HitsCode(ulong abs, ulong len)
    {
        ulong frame = abs >> 12;
        return frame < (ulong)_code.Length && (_code[frame] & Chunks(abs, len)) != 0;
    }

    /// <summary>A store of <paramref name="len"/> bytes at absolute <paramref name="abs"/> (within one watched frame; to its end when the CPU does not know the length), before the bytes change.</summary>
    public void Stored(ulong abs, ulong len)
    {
        if (HitsCode(abs, len)) frameWritten(abs >> 12, Chunks(abs, len));
    }

    /// <summary>A store reached watched frame <paramref name="frame"/> at the chunks of <paramref name="chunks"/> (~0: wherever in it): drops the translations there.</summary>
    public void FrameWritten(ulong frame, ulong chunks = ~0UL) => frameWritten(frame, chunks);

    /// <summary>The translations left in <paramref name="frame"/> after an invalidation hold bytes only in <paramref name="chunks"/> (0: none, the frame is no longer watched).</summary>
    public void Rewatch(ulong frame, ulong chunks) { if (frame < (ulong)_code.Length) _code[frame] = chunks; }

    /// <summary>
    /// Bytes [<paramref name="abs"/>, +<paramref name="len"/>) (within one frame) hold translated instructions; true
    /// when the frame was not watched before (the caller drops write-cache entries of it).
    /// </summary>
    public bool Watch(ulong abs, ulong len)
    {
        ulong frame = abs >> 12;
        if (frame >= (ulong)_code.Length) return false;
        bool was = _code[frame] != 0;
        _code[frame] |= Chunks(abs, len);
        return !was;
    }

    /// <summary>The chunks of code in <paramref name="frame"/> (0: not watched).</summary>
    public ulong CodeChunks(ulong frame) => frame < (ulong)_code.Length ? _code[frame] : 0;

    public void Unwatch(ulong frame) { if (frame < (ulong)_code.Length) _code[frame] = 0; }
    public void Clear() => Array.Clear(_code);

    private static CodeWatch Of(Cpu cpu) => Unsafe.As<CodeWatch>(cpu.StorageObserver!);

    /// <summary>A store of compiled code (slow path): not done when it would change translated code.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TryWrite(Cpu cpu, ulong addr, int size, ulong value) =>
        !Of(cpu).ReexecuteIfCode(cpu, addr, size) && cpu.TryWrite(addr, size, value);

    /// <summary>An access check of compiled code (slow path); a store check into translated code re-executes.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TryProbe(Cpu cpu, ulong addr, int len, bool write) =>
        !(write && Of(cpu).ReexecuteIfCode(cpu, addr, len)) && cpu.TryProbe(addr, len, write);

    /// <summary>The translation changed (IPTE, PTLB, a new ASCE or PSW mode...): the running region stops after the instruction, and the dispatcher checks the next entry's translation.</summary>
    public void TranslationChanged() => CodeModified = true;

    /// <summary><see cref="TryProbe"/> in the shape of the shared slow paths: <paramref name="write"/> is 1 for a store check.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TryProbeShared(Cpu cpu, ulong addr, int len, ulong write) => TryProbe(cpu, addr, len, write != 0);

    /// <summary>
    /// Whether a store at logical <paramref name="addr"/> (<paramref name="len"/> bytes) overlaps translated code;
    /// under DAT through the translation the store would use (aliases: any virtual page of the frame). A store
    /// whose translation cannot be known here (it raises an exception) changes nothing: the CPU reports it.
    /// </summary>
    private bool ReexecuteIfCode(Cpu cpu, ulong addr, int len)
    {
        bool hit = false;
        ulong last = (addr + (ulong)len - 1) & cpu.AddrMask;
        for (int k = 0; k < 2; k++)
        {
            // the bytes in the first page from addr on, then those in the last page up to last
            ulong a = k == 0 ? addr : last & ~Cpu.PageMask;
            if (k == 1 && (last >> 12) == (addr >> 12)) break;
            ulong n = k == 0 ? ((addr >> 12) == (last >> 12) ? (ulong)len : 4096 - (addr & Cpu.PageMask)) : (last & Cpu.PageMask) + 1;
            if (!cpu.TryStoreFrame(a, out ulong frame)) continue;
            ulong abs = (frame << 12) | (a & Cpu.PageMask);
            if (!HitsCode(abs, n)) continue;
            FrameWritten(frame, Chunks(abs, n));
            hit = true;
        }
        if (hit) ReexecutePending = true;
        return hit;
    }
}
