using System.Runtime.CompilerServices;

namespace S390Jit.Architecture.State;

/// <summary>
/// A software TLB entry of the access caches: a logical page and where its absolute frame is in host
/// memory, kept as <see cref="Addend"/> (the frame's host pointer minus the page's logical address, as
/// QEMU does): the host pointer of a byte of the page is Addend + its address, with no page-offset mask.
/// Compiled code reads <see cref="Tag"/> and <see cref="Addend"/> at constant offsets 0 and 8 (16-byte
/// entries; see <see cref="DataTlbArray"/> for the sets): keep the layout.
/// </summary>
public unsafe struct TlbEntry
{
    public ulong Tag;
    public nint Addend;

    /// <summary>Host pointer of the page's frame (meaningful while the entry is valid).</summary>
    public readonly byte* Host => (byte*)(Addend + (nint)(Tag << 12));

    /// <summary>Host pointer of the byte at <paramref name="addr"/> (in the entry's page).</summary>
    public readonly byte* At(ulong addr) => (byte*)(Addend + (nint)addr);

    public void Set(ulong page, byte* host) { Tag = page; Addend = (nint)host - (nint)(page << 12); }
}

/// <summary>The instruction-fetch cache (<see cref="Cpu.ExecTlb"/>): direct-mapped, entry = page &amp; (<see cref="Cpu.ExecTlbEntries"/> - 1).</summary>
[InlineArray(Cpu.ExecTlbEntries)]
public struct ExecTlbArray { private TlbEntry _e; }

/// <summary>
/// A two-way data-access cache (<see cref="Cpu.ReadTlb"/>, <see cref="Cpu.WriteTlb"/>): set s = page &amp; (DataTlbSets - 1) is
/// entries 2s (way 0, the most recently filled) and 2s + 1 (way 1, the entry way 0 held before), 32 bytes, one host
/// cache line. A page is in at most one way. Compiled code compares way 0 inline and way 1 out of line: keep the layout.
/// </summary>
[InlineArray(Cpu.DataTlbSets * Cpu.DataTlbWays)]
public struct DataTlbArray { private TlbEntry _e; }

/// <summary>A translation the DAT TLB keeps: what the tables said for one 4 KiB page of one address space.</summary>
public struct DatTlbEntry
{
    /// <summary>The ASCE the entry was formed with (its table origin, type and length).</summary>
    public ulong Asce;
    /// <summary>Page address (bits 0-51 of the virtual address) | 1 while the entry is valid.</summary>
    public ulong Tag;
    /// <summary>Real address of the page frame.</summary>
    public ulong Real;
    /// <summary>Absolute address of the table entry that gave the frame (PTE, or STE/RTTE of a large frame).</summary>
    public ulong EntryAbs;
    /// <summary><see cref="DatTlb.Protected"/> / <see cref="DatTlb.NoExec"/>.</summary>
    public byte Flags;
}

/// <summary>
/// The CPU's translation-lookaside buffer proper: DAT results keyed by ASCE and page, so that
/// translations of several address spaces (primary, secondary, home, AR-designated) survive mode
/// switches. The per-access caches (<see cref="Cpu.ReadTlb"/>, <see cref="Cpu.WriteTlb"/>,
/// <see cref="Cpu.ExecTlb"/>) hold only the current context and are refilled from here.
/// Organisation: 256 sets by page index (virtual-address bits 44-51, the IPTE index) of 16 entries
/// each, so IPTE clears one set; entries with invalid table entries are never formed.
/// </summary>
public sealed class DatTlb
{
    /// <summary>Flags: DAT protection, instruction-execution protection, frame address is absolute (EDAT large frame).</summary>
    public const byte Protected = 1, NoExec = 2, Absolute = 4;
    private const int Ways = 16;
    private readonly DatTlbEntry[] _e = new DatTlbEntry[256 * Ways];

    /// <summary>The CPU's per-frame flags of the access caches that may hold the frame (<see cref="Cpu"/>'s CachedFrames).</summary>
    internal byte[] AccessFrames = [];

    private static int Index(ulong asce, ulong vaddr)
    {
        ulong h = ((vaddr >> 20) ^ (asce >> 12)) * 0x9E37_79B9_7F4A_7C15UL;
        return (int)((vaddr >> 12) & 0xFF) * Ways + (int)(h >> 60);
    }

    public bool TryGet(ulong asce, ulong vaddr, out DatTlbEntry entry)
    {
        entry = _e[Index(asce, vaddr)];
        return entry.Tag == ((vaddr & ~0xFFFUL) | 1) && entry.Asce == asce;
    }

    public void Add(ulong asce, ulong vaddr, ulong real, ulong entryAbs, byte flags) =>
        _e[Index(asce, vaddr)] = new DatTlbEntry { Asce = asce, Tag = (vaddr & ~0xFFFUL) | 1, Real = real & ~0xFFFUL, EntryAbs = entryAbs, Flags = flags };

    public void Clear() => Array.Clear(_e);

    /// <summary>Clears every entry of the set of page index <paramref name="px"/> formed from the table entry at <paramref name="entryAbs"/>.</summary>
    public void ClearPageIndex(int px, ulong entryAbs)
    {
        for (int i = px * Ways; i < (px + 1) * Ways; i++)
            if (_e[i].EntryAbs == entryAbs) _e[i].Tag = 0;
    }

    /// <summary>Clears the entries formed with an ASCE of table origin <paramref name="origin"/> (clearing by ASCE).</summary>
    public void ClearAsce(ulong origin)
    {
        for (int i = 0; i < _e.Length; i++)
            if ((_e[i].Asce & ~0xFFFUL) == origin) _e[i].Tag = 0;
    }

    /// <summary>
    /// Clears the entries whose virtual address has a table index in [index, index + count) at the
    /// level whose index starts at bit 63 - <paramref name="shift"/> (the region or segment entries an
    /// IDTE or CRDTE changed; the higher index bits are not known, so every space is cleared).
    /// </summary>
    public void ClearTableIndexes(int shift, ulong index, int count)
    {
        for (int i = 0; i < _e.Length; i++)
        {
            if (_e[i].Tag == 0) continue;
            ulong x = ((_e[i].Tag >> shift) - index) & 0x7FF;
            if (x < (ulong)count) _e[i].Tag = 0;
        }
    }
}
