using System.Runtime.CompilerServices;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// The JIT's watch on guest frames that hold translated code, set on every CPU the engine runs
/// (<see cref="Cpu.StorageObserver"/>): one bit per 4 KiB absolute frame, shared by all vcpus. A
/// store there drops the frame's translations (<see cref="JitEngine"/>); compiled code does not
/// store there at all but hands the instruction to the interpreter (re-execution), so the next
/// instruction executed is always the current one (precise self-modifying code).
/// </summary>
public sealed class CodeWatch(Action<ulong> frameWritten) : IStorageObserver
{
    private ulong[] _frames = [];

    /// <summary>Set when a store hit a watched frame: the running region must stop (read by compiled code after helpers).</summary>
    public bool CodeModified;
    /// <summary>Set when a store hit a watched frame (not for translation changes); --verify-jit does not compare such runs.</summary>
    public bool CodeStored;
    /// <summary>A store of compiled code would have changed translated code: the interpreter runs the instruction again.</summary>
    public bool ReexecutePending;

    public int FrameCount => _frames.Length * 64;

    /// <summary>Covers storage of <paramref name="memSize"/> bytes.</summary>
    public void Cover(ulong memSize)
    {
        int words = (int)(((memSize >> 12) + 63) / 64);
        if (words > _frames.Length) Array.Resize(ref _frames, words);
    }

    public bool Watches(ulong frame) => frame >> 6 < (ulong)_frames.Length && (_frames[frame >> 6] & (1UL << (int)(frame & 63))) != 0;
    public void FrameWritten(ulong frame) => frameWritten(frame);
    public void Watch(ulong frame) { if (frame >> 6 < (ulong)_frames.Length) _frames[frame >> 6] |= 1UL << (int)(frame & 63); }
    public void Unwatch(ulong frame) { if (frame >> 6 < (ulong)_frames.Length) _frames[frame >> 6] &= ~(1UL << (int)(frame & 63)); }
    public void Clear() => Array.Clear(_frames);

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

    /// <summary>
    /// Whether a store at logical <paramref name="addr"/> (<paramref name="len"/> bytes) reaches a watched frame;
    /// under DAT through the translation the store would use (aliases: any virtual page of the frame). A store
    /// whose translation cannot be known here (it raises an exception) changes nothing: the CPU reports it.
    /// </summary>
    /// <summary><see cref="TryProbe"/> in the shape of the shared slow paths: <paramref name="write"/> is 1 for a store check.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TryProbeShared(Cpu cpu, ulong addr, int len, ulong write) => TryProbe(cpu, addr, len, write != 0);

    private bool ReexecuteIfCode(Cpu cpu, ulong addr, int len)
    {
        bool hit = false;
        ulong last = (addr + (ulong)len - 1) & cpu.AddrMask;
        for (int k = 0; k < 2; k++)
        {
            ulong a = k == 0 ? addr : last;
            if (k == 1 && (a >> 12) == (addr >> 12)) break;
            if (!cpu.TryStoreFrame(a, out ulong frame) || !Watches(frame)) continue;
            FrameWritten(frame);
            hit = true;
        }
        if (hit) ReexecutePending = true;
        return hit;
    }
}
