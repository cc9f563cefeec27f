using System.Runtime.CompilerServices;
using S390Jit.Memory;

namespace S390Jit.Architecture.State;

/// <summary>
/// Storage access as the CPU sees it: logical address -> (DAT) real -> (prefixing) absolute -> host.
/// A small cache per access kind (read and write: two-way; instruction fetch: direct-mapped) makes the common case
/// one compare; it holds only the current translation context and is refilled from the DAT TLB.
/// Every exception condition (translation, addressing, low-address, DAT, key-controlled and
/// instruction-execution protection) is found on the slow path.
/// </summary>
public unsafe partial class Cpu
{
    /// <summary>The IPTE page-index range (256): a multiple of it is the size of the access caches.</summary>
    public const int TlbEntries = 256;
    /// <summary>
    /// Entries of the direct-mapped instruction-fetch cache (entry = page &amp; (ExecTlbEntries - 1)), a multiple of 256: 8192
    /// (32 MiB of code) keeps the kernel's text (~10 MiB) from evicting itself (256 entries: ~70 k conflicts per Debian boot;
    /// 1024 still conflicted between pages 4 MiB apart).
    /// </summary>
    public const int ExecTlbEntries = 8192;
    /// <summary>Ways of the data caches (read, write): a page that conflicts with a hot one (an output stream
    /// crossing the page of the decompressor's state every MiB) no longer evicts it.</summary>
    public const int DataTlbWays = 2;
    /// <summary>
    /// Sets of the data caches (set = page &amp; (DataTlbSets - 1)): a multiple of 256, the IPTE page-index range. 4096 sets of
    /// two ways (32 MiB per cache): the Debian boot's TLB-miss re-executions in compiled code fell from 71.7 k (512 sets)
    /// to 16.2 k, its wall time by ~2 % (clearing all three caches, ~0.2 % of the vcpu thread, is not measurable).
    /// </summary>
    public const int DataTlbSets = 4096;
    public const ulong PageMask = 0xFFF;
    private const ulong InvalidTag = ulong.MaxValue;

    /// <summary>Guest absolute storage (the memslot) and its size.</summary>
    public byte* Mem;
    public ulong MemSize;
    /// <summary>Prefix register (8 KiB aligned absolute address of the lowcore).</summary>
    public uint Prefix;
    /// <summary>Storage keys, one per 4 KiB frame (ACC in bits 0-3, F, R, C).</summary>
    public byte[] StorageKeys = [];

    /// <summary>
    /// Instruction-fetch cache (instruction-execution protection and key checks differ from operand fetches).
    /// Declared first of the three: the runtime places these struct fields last, in declaration order, and ReadyToRun
    /// code of another assembly (the first tier's <c>BlockCache</c>) may use a field only below offset 2 KiB of the
    /// object (larger offsets fail the runtime's field-offset fixup and the method is compiled by RyuJIT instead).
    /// Other assemblies reach <see cref="ReadTlb"/> and <see cref="WriteTlb"/> through methods of this class.
    /// </summary>
    public ExecTlbArray ExecTlb;
    /// <summary>
    /// The access caches are inline in the CPU object: compiled code reaches an entry at a constant offset from the CPU.
    /// Their placement is alignment-sensitive: as the CPU is laid out now they start at 32 mod 64 in memory, so each set (two
    /// 16-byte entries) lies in one cache line; one more reference field in the CPU moved them to 40 mod 64 and the sieve
    /// guest's compiled loop ran 12 % slower (2.61 -> 2.98 s). Check the sieve after adding fields here.
    /// </summary>
    public DataTlbArray ReadTlb;
    public DataTlbArray WriteTlb;

    /// <summary>The execution layer's watch on frames (the JIT's translated code), or null: stores there are reported to it.</summary>
    public IStorageObserver? StorageObserver;

    /// <summary>
    /// Reports a store of <paramref name="length"/> bytes at absolute <paramref name="abs"/> if its frame is watched
    /// (the bytes up to the frame's end where the length is 0: unknown, or more than the frame holds); true when it was.
    /// </summary>
    private bool ReportStore(ulong abs, ulong length)
    {
        if (StorageObserver is not { } o || !o.Watches(abs >> 12)) return false;
        ulong room = 4096 - (abs & PageMask);
        o.Stored(abs, length == 0 || length > room ? room : length);
        return true;
    }

    public void AttachStorage(byte* mem, ulong size)
    {
        Mem = mem;
        MemSize = size;
        StorageKeys = new byte[(size + PageMask) >> 12];
        CachedFrames = new byte[StorageKeys.Length];
        PurgeTlb();
    }

    /// <summary>
    /// Per absolute frame, the access caches that may hold an entry for it since they were last cleared (<see cref="CachedRead"/>,
    /// <see cref="CachedWrite"/>, <see cref="CachedExec"/>, set when an entry is filled): the scans that drop one frame's
    /// entries (<see cref="ForgetWriteFrame"/>, <see cref="InvalidateFrame"/>) skip the caches that never held it. A frame the
    /// JIT starts watching (code) usually never was in the write cache: with 8192 entries per data cache the scan each new
    /// code frame cost was ~1.5 % of the kernel-init stretch of a boot. (The array hangs off <see cref="DatTlb"/>, not off the
    /// CPU: a field added to the CPU object moves the access caches' alignment, and the sieve guest's loop ran 12 % slower.)
    /// </summary>
    private byte[] CachedFrames { get => DatTlb.AccessFrames; set => DatTlb.AccessFrames = value; }
    private const byte CachedRead = 1, CachedWrite = 2, CachedExec = 4;

    /// <summary>The caches <paramref name="frame"/> may be in, cleared from the flags (the caller drops its entries), or all three when unknown.</summary>
    private byte TakeCached(ulong frame, byte which)
    {
        if (frame >= (ulong)CachedFrames.Length) return which;
        byte had = (byte)(CachedFrames[frame] & which);
        CachedFrames[frame] &= (byte)~which;
        return had;
    }

    /// <summary>Drops the write-cache entries of the frame at <paramref name="host"/>: stores there take the slow path (which reports them).</summary>
    public void ForgetWriteFrame(byte* host)
    {
        if (TakeCached((ulong)(host - Mem) >> 12, CachedWrite) == 0) return;
        for (int i = 0; i < DataTlbSets * DataTlbWays; i++)
            if (WriteTlb[i].Host == host) WriteTlb[i].Tag = InvalidTag;
    }

    /// <summary>Drops the access caches (the DAT TLB stays): the next access of each page takes the slow path.</summary>
    public void InvalidateTranslation()
    {
        for (int i = 0; i < DataTlbSets * DataTlbWays; i++) { ReadTlb[i].Tag = InvalidTag; WriteTlb[i].Tag = InvalidTag; }
        for (int i = 0; i < ExecTlbEntries; i++) ExecTlb[i].Tag = InvalidTag;
        Array.Clear(CachedFrames);
        StorageObserver?.TranslationChanged();
    }

    /// <summary>
    /// Whether an instruction fetch at <paramref name="addr"/> now reaches absolute frame <paramref name="frame"/>
    /// (compiled code translated from that frame may run there). One compare when the fetch cache holds the
    /// page; otherwise the page is translated as the interpreter's fetch would (filling the caches, setting
    /// the reference bit); an access exception answers false and leaves no exception state behind.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool InstructionFrameIs(ulong addr, ulong frame)
    {
        ref var e = ref ExecTlb[(int)((addr >> 12) & (ExecTlbEntries - 1))];
        if (e.Tag == addr >> 12) return e.Host == Mem + (frame << 12);
        return TryInstructionFrame(addr, out ulong f) && f == frame;
    }

    /// <summary>The absolute frame an instruction fetch at <paramref name="addr"/> reaches now (see <see cref="InstructionFrameIs"/>); false on an access exception.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool TryInstructionFrame(ulong addr, out ulong frame)
    {
        ref var e = ref ExecTlb[(int)((addr >> 12) & (ExecTlbEntries - 1))];
        if (e.Tag == addr >> 12) { frame = (ulong)(e.Host - Mem) >> 12; return true; }
        var (teid, teidValid, accessId, accessIdValid) = (PendingTeid, PendingTeidValid, PendingExcAccessId, PendingExcAccessIdValid);
        try
        {
            frame = (ulong)(Access(addr & AddrMask, AccessKind.Instr) - Mem) >> 12;
            return true;
        }
        catch (ProgramInterruptException) { frame = 0; return false; }
        finally { (PendingTeid, PendingTeidValid, PendingExcAccessId, PendingExcAccessIdValid) = (teid, teidValid, accessId, accessIdValid); }
    }

    /// <summary>
    /// The absolute frame a store at logical address <paramref name="addr"/> would reach in the current mode,
    /// without side effects (no exception, no cache fill, no reference bit): the DAT TLB's translation if it
    /// holds one, else the tables'. False when it cannot be known here (a translation exception, the
    /// access-register mode, beyond storage).
    /// </summary>
    public bool TryStoreFrame(ulong addr, out ulong frame)
    {
        frame = 0;
        ulong real = addr;
        bool absolute = false;
        if ((PswMask & Psw.Dat) != 0)
        {
            ulong asce;
            switch (Asc)
            {
                case Space.Primary: asce = Cr[1]; break;
                case Space.Secondary: asce = Cr[7]; break;
                case Space.Home: asce = Cr[13]; break;
                default: return false;
            }
            if ((asce & Asce.RealSpace) != 0) real = addr;
            else if (DatTlb.TryGet(asce, addr, out var t)) { real = t.Real | (addr & PageMask); absolute = (t.Flags & DatTlb.Absolute) != 0; }
            else
            {
                try
                {
                    var r = Walk(addr, asce);
                    if (r.Code != 0) return false;
                    real = r.Real;
                    absolute = r.Large;
                }
                catch (ProgramInterruptException) { return false; }
            }
        }
        ulong abs = absolute ? real : RealToAbsolute(real);
        if (abs >= MemSize) return false;
        frame = abs >> 12;
        return true;
    }

    /// <summary>Real to absolute address (prefixing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong RealToAbsolute(ulong real)
    {
        ulong page = real & ~0x1FFFUL;
        if (page == 0) return real + Prefix;
        if (page == Prefix) return real - Prefix;
        return real;
    }

    /// <summary>Host pointer to a real address's absolute byte, checking addressing only (lowcore, SIE fields).</summary>
    public byte* RealPtr(ulong real, int length)
    {
        ulong abs = RealToAbsolute(real);
        if (abs >= MemSize || (ulong)length > MemSize - abs) throw Pgm(PgmCode.Addressing);
        return Mem + abs;
    }

    public byte* AbsPtr(ulong abs, int length)
    {
        if (abs >= MemSize || (ulong)length > MemSize - abs) throw Pgm(PgmCode.Addressing);
        return Mem + abs;
    }

    /// <summary>
    /// Slow path: translate one byte's logical address for fetch or store in the current mode, check it, and fill the
    /// cache. <paramref name="length"/>: the bytes a store changes from <paramref name="addr"/> on (0: unknown, up to
    /// the page's end; only for the code watch).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public byte* TranslateSlow(ulong addr, bool write, ulong length = 0) => Access(addr, write ? AccessKind.Store : AccessKind.Fetch, length: length);

    /// <summary>
    /// One access at a logical address in the current translation mode with the PSW key; <paramref name="length"/>:
    /// the bytes a store changes from <paramref name="addr"/> on, 0 when unknown (see <see cref="TranslateSlow"/>).
    /// </summary>
    public byte* Access(ulong addr, AccessKind kind, int ar = -1, ulong length = 0)
    {
        if ((PswMask & Psw.Dat) == 0)
        {
            if (kind == AccessKind.Store && LowAddressProtected(addr, false))
                throw ProtectionException(addr, Asc, kind, Teid.LowAddress);
            return CheckedAccess(addr, addr, kind, PswKey, Asc, privateSpace: false, cache: true, length: length);
        }
        ulong asce = SpaceAsce(kind, addr, ar, out int space);
        // AR-mode operand accesses are not cached: their space depends on the operand's access register
        bool cache = kind == AccessKind.Instr || Asc != Space.AccessRegister;
        return LogicalAccess(addr, kind, asce, space, PswKey, cache, length);
    }

    /// <summary>
    /// An access at a virtual address of a given space with a given key (operands of MVCOS, MVCP,
    /// MVCS, MVCK...): low-address protection, DAT, DAT/IEP/access-list protection, addressing,
    /// key-controlled protection.
    /// </summary>
    internal byte* LogicalAccess(ulong addr, AccessKind kind, ulong asce, int space, int key, bool cache, ulong length = 0)
    {
        bool priv = (asce & (Asce.Private | Asce.RealSpace)) != 0;
        if (kind == AccessKind.Store && LowAddressProtected(addr, priv))
            throw ProtectionException(addr, space, kind, Teid.LowAddress);
        _aleFetchOnly = false;
        ulong real = DatTranslate(addr, asce, space, kind, out bool absolute);
        if (_aleFetchOnly && kind == AccessKind.Store) throw ProtectionException(addr, space, kind, Teid.AccessList);
        return CheckedAccess(addr, real, kind, key, space, priv, cache, absolute, length);
    }

    /// <summary>An access at a real address (LURA, STURA, ...): low-address and key-controlled protection apply, DAT does not.</summary>
    internal byte* RealAccess(ulong real, AccessKind kind, int key, ulong length = 0)
    {
        if (kind == AccessKind.Store && LowAddressProtected(real, false))
            throw ProtectionException(real, Asc, kind, Teid.LowAddress);
        return CheckedAccess(real, real, kind, key, Asc, privateSpace: false, cache: false, length: length);
    }

    /// <summary>
    /// The store access check of a real address with key 0 (host handlers such as KVM's TEST BLOCK): low-address
    /// protection and addressing apply, key-controlled protection passes; raises the program interruption.
    /// </summary>
    public void CheckRealStore(ulong real) => RealAccess(real, AccessKind.Store, 0);

    /// <summary>Low-address protection: CR0 bit 35, effective addresses 0-511 and 4096-4607, not in a private space.</summary>
    private bool LowAddressProtected(ulong addr, bool privateSpace) =>
        (Cr[0] & Cr0.LowAddressProtection) != 0 && (addr & ~0x11FFUL) == 0 && !privateSpace;

    /// <summary>
    /// Key-controlled protection (PoO "Key-Controlled Protection"): a store needs key 0 or the storage
    /// key's access-control bits; a fetch also succeeds when the page is not fetch-protected. The
    /// storage-protection override (CR0 bit 39) exempts storage key 9; the fetch-protection override
    /// (CR0 bit 38) exempts fetches from effective addresses 0-2047 outside private spaces.
    /// </summary>
    private bool KeyAllows(byte sk, int key, AccessKind kind, ulong addr, bool privateSpace, out bool partial)
    {
        partial = false;
        int acc = sk >> 4;
        if (key == 0 || acc == key) return true;
        if ((Cr[0] & Cr0StorageProtectionOverride) != 0 && acc == 9) return true;
        if (kind == AccessKind.Store) return false;
        if ((sk & 0x08) == 0) return true;
        // the override covers only part of the page: never cache it
        partial = true;
        return (Cr[0] & Cr0FetchProtectionOverride) != 0 && addr < 2048 && !privateSpace;
    }

    /// <param name="length">For a store, the bytes it changes from <paramref name="addr"/> on (reported to the code watch; 0: unknown, up to the page's end).</param>
    private byte* CheckedAccess(ulong addr, ulong real, AccessKind kind, int key, int space, bool privateSpace, bool cache, bool absolute = false, ulong length = 0)
    {
        ulong abs = absolute ? real : RealToAbsolute(real);
        if (abs >= MemSize) throw Pgm(PgmCode.Addressing);
        ulong frame = abs >> 12;
        if (!KeyAllows(StorageKeys[frame], key, kind, addr, privateSpace, out bool partial))
            throw ProtectionException(addr, space, kind, Teid.Key);
        if (partial) cache = false;
        if (kind == AccessKind.Store)
        {
            if ((Cr[0] & Cr0.LowAddressProtection) != 0 && (addr >> 12) <= 1) cache = false;
            if ((PswMask & Psw.Per) != 0) cache = false;
            // compiled code also reads through a write-cache entry (a load before a store to the same operand): none
            // while reads are watched, so every read reaches the watch
            if (FetchWatch != null) cache = false;
            StorageKeys[frame] |= 0x06; // reference + change
            if (WriteJournal != null) { Journal(abs); cache = false; }
            if (ReportStore(abs, length)) cache = false;
        }
        else
        {
            StorageKeys[frame] |= 0x04;
            if (FetchWatch != null && kind == AccessKind.Fetch) { cache = false; FetchWatch(abs); }
        }
        if (cache)
        {
            int i = (int)((addr >> 12) & (ExecTlbEntries - 1)), set = (int)((addr >> 12) & (DataTlbSets - 1));
            byte* host = Mem + (abs & ~PageMask);
            CachedFrames[frame] |= kind == AccessKind.Store ? CachedWrite : kind == AccessKind.Instr ? CachedExec : CachedRead;
            if (TlbStats.On) CountFill(kind, kind == AccessKind.Instr ? i : set, addr >> 12);
            if (kind == AccessKind.Store) Fill(ref WriteTlb[set * DataTlbWays], addr >> 12, host);
            else if (kind == AccessKind.Instr) ExecTlb[i].Set(addr >> 12, host);
            else Fill(ref ReadTlb[set * DataTlbWays], addr >> 12, host);
        }
        return Mem + abs;
    }

    /// <summary>
    /// Fills a data-cache set with <paramref name="page"/>: it goes to way 0, the page way 0 held to way 1 (evicting way 1's),
    /// and no page is in both ways.
    /// </summary>
    private static void Fill(ref TlbEntry way0, ulong page, byte* host)
    {
        ref var way1 = ref Unsafe.Add(ref way0, 1);
        if (way0.Tag != page)
        {
            if (way0.Tag != InvalidTag) way1 = way0;
            else if (way1.Tag == page) way1.Tag = InvalidTag;
        }
        way0.Set(page, host);
    }

    private void CountFill(AccessKind kind, int i, ulong page)
    {
        // a conflict: the fill evicts a valid entry of another page (way 1's, from a full set)
        int w = i * DataTlbWays;
        ulong old = kind == AccessKind.Instr ? ExecTlb[i].Tag
            : (kind == AccessKind.Store ? WriteTlb[w].Tag : ReadTlb[w].Tag) is var t0 && (t0 == page || t0 == InvalidTag) ? InvalidTag
            : kind == AccessKind.Store ? WriteTlb[w + 1].Tag : ReadTlb[w + 1].Tag;
        bool conflict = old != InvalidTag && old != page;
        if (kind == AccessKind.Store) { TlbStats.WriteFills++; if (conflict) TlbStats.WriteConflicts++; }
        else if (kind == AccessKind.Instr) { TlbStats.ExecFills++; if (conflict) TlbStats.ExecConflicts++; }
        else { TlbStats.ReadFills++; if (conflict) TlbStats.ReadConflicts++; }
        if (conflict && kind != AccessKind.Instr) TlbStats.Conflict(old, page | (kind == AccessKind.Store ? 1UL << 63 : 0));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* ReadPtr(ulong addr, int size)
    {
        ref var e = ref ReadTlb[(int)((addr >> 12) & (DataTlbSets - 1)) * DataTlbWays];
        if ((addr & PageMask) > (ulong)(4096 - size)) return null;
        if (e.Tag == addr >> 12) return e.At(addr);
        e = ref Unsafe.Add(ref e, 1);
        if (e.Tag == addr >> 12) return e.At(addr);
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* WritePtr(ulong addr, int size)
    {
        ref var e = ref WriteTlb[(int)((addr >> 12) & (DataTlbSets - 1)) * DataTlbWays];
        if ((addr & PageMask) > (ulong)(4096 - size)) return null;
        if (e.Tag == addr >> 12) return e.At(addr);
        e = ref Unsafe.Add(ref e, 1);
        if (e.Tag == addr >> 12) return e.At(addr);
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadU8(ulong addr)
    {
        byte* p = ReadPtr(addr, 1);
        return p != null ? *p : *TranslateSlow(addr, false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort ReadU16(ulong addr)
    {
        byte* p = ReadPtr(addr, 2);
        return p != null ? BigEndian.U16(p) : (ushort)ReadSlow(addr, 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadU32(ulong addr)
    {
        byte* p = ReadPtr(addr, 4);
        return p != null ? BigEndian.U32(p) : (uint)ReadSlow(addr, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadU64(ulong addr)
    {
        byte* p = ReadPtr(addr, 8);
        return p != null ? BigEndian.U64(p) : ReadSlow(addr, 8);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong ReadSlow(ulong addr, int size)
    {
        ulong last = (addr + (ulong)size - 1) & AddrMask;
        if ((addr >> 12) == (last >> 12))
        {
            byte* p = TranslateSlow(addr, false);
            return size switch { 2 => BigEndian.U16(p), 4 => BigEndian.U32(p), _ => BigEndian.U64(p) };
        }
        TranslateSlow(last, false); // both pages must be accessible
        ulong v = 0;
        for (int i = 0; i < size; i++) v = (v << 8) | ReadU8((addr + (ulong)i) & AddrMask);
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteU8(ulong addr, byte v)
    {
        byte* p = WritePtr(addr, 1);
        if (p == null) { p = TranslateSlow(addr, true, 1); if ((PswMask & Psw.Per) != 0) PerStore(addr, 1); }
        *p = v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteU16(ulong addr, ushort v)
    {
        byte* p = WritePtr(addr, 2);
        if (p != null) BigEndian.Put16(p, v); else WriteSlow(addr, v, 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteU32(ulong addr, uint v)
    {
        byte* p = WritePtr(addr, 4);
        if (p != null) BigEndian.Put32(p, v); else WriteSlow(addr, v, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteU64(ulong addr, ulong v)
    {
        byte* p = WritePtr(addr, 8);
        if (p != null) BigEndian.Put64(p, v); else WriteSlow(addr, v, 8);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteSlow(ulong addr, ulong v, int size)
    {
        ulong last = (addr + (ulong)size - 1) & AddrMask;
        if ((addr >> 12) == (last >> 12))
        {
            byte* p = TranslateSlow(addr, true, (ulong)size);
            if ((PswMask & Psw.Per) != 0) PerStore(addr, (ulong)size);
            switch (size) { case 2: BigEndian.Put16(p, (ushort)v); break; case 4: BigEndian.Put32(p, (uint)v); break; default: BigEndian.Put64(p, v); break; }
            return;
        }
        // (each byte is reported again as it is stored)
        TranslateSlow(addr, true, (ulong)size);
        TranslateSlow(last, true, 1);
        for (int i = size - 1; i >= 0; i--, v >>= 8) WriteU8((addr + (ulong)i) & AddrMask, (byte)v);
    }

    /// <summary>
    /// Checks that a whole operand [addr, addr+len) is accessible before any byte is changed
    /// (instructions that are suppressed or nullified as a unit on access exceptions).
    /// </summary>
    public void CheckAccess(ulong addr, ulong len, bool write)
    {
        if (len == 0) return;
        // an operand in one page whose cache entry hits is accessible: each byte's access would take the cached path too
        if ((write ? WriteSpan(addr, len) : ReadSpan(addr, len)) != null) return;
        ulong a = addr;
        ulong end = addr + len - 1;
        while (true)
        {
            TranslateSlow(a & AddrMask, write, end - a + 1);
            ulong nextPage = (a | PageMask) + 1;
            if (nextPage > end || nextPage == 0) break;
            a = nextPage;
        }
    }

    /// <summary>
    /// The host bytes of a fetch operand [addr, addr+len) when it lies in one page whose read-cache entry hits (every
    /// <see cref="ReadU8"/> of it would take the cached path, with no side effect), else null.
    /// </summary>
    public byte* ReadSpan(ulong addr, ulong len) => len - 1 < 4096 ? ReadPtr(addr, (int)len) : null;

    /// <summary>The host bytes of a store operand when it lies in one page whose write-cache entry hits (as <see cref="WriteU8"/>'s fast path), else null.</summary>
    public byte* WriteSpan(ulong addr, ulong len) => len - 1 < 4096 ? WritePtr(addr, (int)len) : null;

    /// <summary>Reads storage at a real address (no DAT, prefixing applied): lowcore and host-provided blocks.</summary>
    public ulong ReadReal64(ulong real) => BigEndian.U64(RealPtr(real, 8));
    public uint ReadReal32(ulong real) => BigEndian.U32(RealPtr(real, 4));
    public ushort ReadReal16(ulong real) => BigEndian.U16(RealPtr(real, 2));
    public void WriteReal64(ulong real, ulong v) => BigEndian.Put64(RealPtr(real, 8), v);
    public void WriteReal32(ulong real, uint v) => BigEndian.Put32(RealPtr(real, 4), v);
    public void WriteReal16(ulong real, ushort v) => BigEndian.Put16(RealPtr(real, 2), v);
    public void WriteReal8(ulong real, byte v) => *RealPtr(real, 1) = v;
}
