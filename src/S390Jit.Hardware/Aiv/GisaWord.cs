using System.Buffers.Binary;

namespace S390Jit.Hardware.Aiv;

/// <summary>
/// The first doubleword of a GISA (spec 6.1) in host memory, which the machine, the SIE and the host
/// change concurrently and only ever with compare-and-swap: <c>next_alert</c> (bits 0-31: the next GISA
/// on the GIB alert list; its own origin when it is not on the list) | <c>IPM</c> (bits 32-39:
/// interruption pending mask, bit 0x80 &gt;&gt; ISC) | <c>IAM</c> (bits 56-63: interruption alert mask).
/// The layout is the architecture's; the machine and the host model (like Linux's headers) share it.
/// </summary>
public readonly unsafe struct GisaWord(long* word)
{
    public const int Format0Size = 16, Format1Size = 32;

    public ulong Value => BinaryPrimitives.ReverseEndianness((ulong)Volatile.Read(ref *word));

    public bool CompareAndSwap(ulong old, ulong value) =>
        Interlocked.CompareExchange(ref *word, (long)BinaryPrimitives.ReverseEndianness(value), (long)BinaryPrimitives.ReverseEndianness(old))
        == (long)BinaryPrimitives.ReverseEndianness(old);

    public uint NextAlert => (uint)(Value >> 32);
    public byte Ipm => (byte)(Value >> 24);
    public byte Iam => (byte)Value;
    /// <summary>On the alert list: next-alert is not the GISA's own origin.</summary>
    public bool OnAlertList(ulong origin) => NextAlert != (uint)origin;

    public static ulong IscBit(int isc) => (0x80UL >> isc) << 24;

    /// <summary>Sets the IPM bit of <paramref name="isc"/>.</summary>
    public void SetIpmBit(int isc)
    {
        while (true)
        {
            ulong w = Value;
            if (CompareAndSwap(w, w | IscBit(isc))) return;
        }
    }

    /// <summary>Clears the IPM bit of <paramref name="isc"/>; true if it was set.</summary>
    public bool TestAndClearIpm(int isc)
    {
        while (true)
        {
            ulong w = Value;
            if ((w & IscBit(isc)) == 0) return false;
            if (CompareAndSwap(w, w & ~IscBit(isc))) return true;
        }
    }

    /// <summary>next-alert := <paramref name="value"/>, IPM and IAM unchanged.</summary>
    public void SetNextAlert(uint value)
    {
        while (true)
        {
            ulong w = Value;
            if (CompareAndSwap(w, (w & 0xFFFF_FFFFUL) | ((ulong)value << 32))) return;
        }
    }

    /// <summary>The machine's push: next-alert := <paramref name="next"/> and IAM := 0 in one update.</summary>
    public void LinkAndClearIam(uint next)
    {
        while (true)
        {
            ulong w = Value;
            if (CompareAndSwap(w, (w & 0xFFFF_FF00UL) | ((ulong)next << 32))) return;
        }
    }
}

/// <summary>
/// The GIB (spec 6.2), one per host, 32 bytes below 2 GiB: the alert-list origin (0: empty, GAL
/// interruptions enabled; 1: empty, GAL suppressed; else the first GISA, linked through next-alert) at
/// offset 0 and the NISC (bits 5-7 of byte 8), the host ISC of GIB alerts.
/// </summary>
public readonly unsafe struct GibWord(int* origin)
{
    public const int Size = 32, NiscOffset = 8;
    public const uint NullGisa = 0, NoneGisa = 1, GisaAddressMask = 0xFFFF_F000;

    public uint AlertListOrigin => BinaryPrimitives.ReverseEndianness((uint)Volatile.Read(ref *origin));

    /// <summary>Atomically replaces the alert-list origin; returns the old one.</summary>
    public uint Exchange(uint value) =>
        BinaryPrimitives.ReverseEndianness((uint)Interlocked.Exchange(ref *origin, (int)BinaryPrimitives.ReverseEndianness(value)));
}
