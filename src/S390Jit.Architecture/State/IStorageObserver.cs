namespace S390Jit.Architecture.State;

/// <summary>
/// Stores into absolute frames that the execution layer watches (the JIT: frames holding
/// translated code). The CPU asks <see cref="Watches"/> on the slow path of a store (a watched
/// frame never gets a write-cache entry, so every store there reaches the slow path) and reports
/// the store's absolute address and length through <see cref="Stored"/>; it knows nothing else of
/// what is watched or why.
/// </summary>
public interface IStorageObserver
{
    /// <summary>Whether a store into absolute 4 KiB frame <paramref name="frame"/> must be reported.</summary>
    bool Watches(ulong frame);
    /// <summary>
    /// A store of <paramref name="length"/> bytes at absolute <paramref name="abs"/> reached a watched frame (before
    /// the bytes change). The bytes lie within <paramref name="abs"/>'s frame; where the CPU does not know how many
    /// bytes an access changes (a host pointer handed to an instruction), the length runs to the frame's end.
    /// </summary>
    void Stored(ulong abs, ulong length);
    /// <summary>
    /// The CPU dropped translations (its access caches, or the TLB entries of one page index): the
    /// translation context changed, a TLB purge or IPTE-like clearing happened. What was translated
    /// under the old translations must be looked up again before it runs on.
    /// </summary>
    void TranslationChanged() { }
}
