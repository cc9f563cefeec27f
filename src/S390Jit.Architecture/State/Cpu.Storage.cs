using System.Runtime.CompilerServices;
using S390Jit.Memory;

namespace S390Jit.Architecture.State;

/// <summary>A software TLB entry: a logical page and the host pointer of its absolute frame.</summary>
public unsafe struct TlbEntry
{
    public ulong Tag;
    public byte* Host;
}

[InlineArray(Cpu.TlbEntries)]
public struct TlbArray { private TlbEntry _e; }

/// <summary>
/// Storage access as the CPU sees it: logical address -> (DAT) real -> (prefixing) absolute -> host.
/// A small direct-mapped TLB per access kind makes the common case one compare; every exception
/// condition (addressing, low-address protection, key-controlled protection) is found on the slow path.
/// </summary>
public unsafe partial class Cpu
{
    public const int TlbEntries = 256;
    public const ulong PageMask = 0xFFF;
    private const ulong InvalidTag = ulong.MaxValue;

    /// <summary>Guest absolute storage (the memslot) and its size.</summary>
    public byte* Mem;
    public ulong MemSize;
    /// <summary>Prefix register (8 KiB aligned absolute address of the lowcore).</summary>
    public uint Prefix;
    /// <summary>Storage keys, one per 4 KiB frame (ACC in bits 0-3, F, R, C).</summary>
    public byte[] StorageKeys = [];

    /// <summary>The TLBs are inline in the CPU object: compiled code reaches an entry at a constant offset from the CPU.</summary>
    public TlbArray ReadTlb;
    public TlbArray WriteTlb;

    /// <summary>Called (if set) after a store to a page that is watched (e.g. holds translated code).</summary>
    public Action<ulong>? OnWatchedPageWrite;
    /// <summary>One bit per 4 KiB absolute frame: stores there are reported through <see cref="OnWatchedPageWrite"/>.</summary>
    public ulong[] WatchedFrames = [];

    public void AttachStorage(byte* mem, ulong size)
    {
        Mem = mem;
        MemSize = size;
        StorageKeys = new byte[(size + PageMask) >> 12];
        WatchedFrames = new ulong[((size >> 12) + 63) / 64];
        InvalidateTranslation();
    }

    /// <summary>Drops every cached translation (prefix, DAT, key or control-register change).</summary>
    public void InvalidateTranslation()
    {
        for (int i = 0; i < TlbEntries; i++) { ReadTlb[i].Tag = InvalidTag; WriteTlb[i].Tag = InvalidTag; }
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

    /// <summary>Logical to real address. DAT is not modelled yet: with DAT on, the run ends with a clear error.</summary>
    public ulong LogicalToReal(ulong addr, bool write)
    {
        if ((PswMask & Psw.Dat) != 0)
            throw new NotSupportedException($"dynamic address translation (PSW DAT bit) is not implemented yet (address 0x{addr:x})");
        return addr;
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

    /// <summary>Slow path: translate one byte's address for fetch or store, check it, and fill the TLB.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public byte* TranslateSlow(ulong addr, bool write)
    {
        ulong real = LogicalToReal(addr, write);
        ulong abs = RealToAbsolute(real);
        if (abs >= MemSize) throw Pgm(PgmCode.Addressing);
        bool cacheable = true;
        if (write)
        {
            // Low-address protection (CR0 bit 35) on effective addresses 0-511 and 4096-4607.
            if ((Cr[0] & (1UL << 28)) != 0 && (addr & ~0x11FFUL) == 0)
                throw Pgm(PgmCode.Protection);
            if ((Cr[0] & (1UL << 28)) != 0 && (addr >> 12) <= 1) cacheable = false;
            int key = PswKey;
            if (key != 0 && (StorageKeys[abs >> 12] >> 4) != key)
                throw Pgm(PgmCode.Protection);
            StorageKeys[abs >> 12] |= 0x06; // reference + change
            if (WriteJournal != null) { Journal(abs); cacheable = false; }
            ulong frame = abs >> 12;
            if ((WatchedFrames[frame >> 6] & (1UL << (int)(frame & 63))) != 0)
            {
                cacheable = false;
                OnWatchedPageWrite?.Invoke(frame << 12);
            }
        }
        else
        {
            int key = PswKey;
            byte sk = StorageKeys[abs >> 12];
            if (key != 0 && (sk & 0x08) != 0 && (sk >> 4) != key)
                throw Pgm(PgmCode.Protection);
            StorageKeys[abs >> 12] |= 0x04;
        }
        if (cacheable)
        {
            ref var e = ref (write ? ref WriteTlb[(int)((addr >> 12) & (TlbEntries - 1))] : ref ReadTlb[(int)((addr >> 12) & (TlbEntries - 1))]);
            e.Tag = addr >> 12;
            e.Host = Mem + (abs & ~PageMask);
        }
        return Mem + abs;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* ReadPtr(ulong addr, int size)
    {
        ref var e = ref ReadTlb[(int)((addr >> 12) & (TlbEntries - 1))];
        if (e.Tag == addr >> 12 && (addr & PageMask) <= (ulong)(4096 - size)) return e.Host + (addr & PageMask);
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* WritePtr(ulong addr, int size)
    {
        ref var e = ref WriteTlb[(int)((addr >> 12) & (TlbEntries - 1))];
        if (e.Tag == addr >> 12 && (addr & PageMask) <= (ulong)(4096 - size)) return e.Host + (addr & PageMask);
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
        if (p == null) p = TranslateSlow(addr, true);
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
            byte* p = TranslateSlow(addr, true);
            switch (size) { case 2: BigEndian.Put16(p, (ushort)v); break; case 4: BigEndian.Put32(p, (uint)v); break; default: BigEndian.Put64(p, v); break; }
            return;
        }
        TranslateSlow(addr, true);
        TranslateSlow(last, true);
        for (int i = size - 1; i >= 0; i--, v >>= 8) WriteU8((addr + (ulong)i) & AddrMask, (byte)v);
    }

    /// <summary>
    /// Checks that a whole operand [addr, addr+len) is accessible before any byte is changed
    /// (instructions that are suppressed or nullified as a unit on access exceptions).
    /// </summary>
    public void CheckAccess(ulong addr, ulong len, bool write)
    {
        if (len == 0) return;
        ulong a = addr;
        ulong end = addr + len - 1;
        while (true)
        {
            TranslateSlow(a & AddrMask, write);
            ulong nextPage = (a | PageMask) + 1;
            if (nextPage > end || nextPage == 0) break;
            a = nextPage;
        }
    }

    /// <summary>Reads storage at a real address (no DAT, prefixing applied): lowcore and host-provided blocks.</summary>
    public ulong ReadReal64(ulong real) => BigEndian.U64(RealPtr(real, 8));
    public uint ReadReal32(ulong real) => BigEndian.U32(RealPtr(real, 4));
    public ushort ReadReal16(ulong real) => BigEndian.U16(RealPtr(real, 2));
    public void WriteReal64(ulong real, ulong v) => BigEndian.Put64(RealPtr(real, 8), v);
    public void WriteReal32(ulong real, uint v) => BigEndian.Put32(RealPtr(real, 4), v);
    public void WriteReal16(ulong real, ushort v) => BigEndian.Put16(RealPtr(real, 2), v);
    public void WriteReal8(ulong real, byte v) => *RealPtr(real, 1) = v;
}
