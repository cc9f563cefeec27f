using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace S390Jit.Memory;

/// <summary>Big-endian loads and stores on raw host pointers (bswap/movbe after JIT).</summary>
public static unsafe class BigEndian
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ushort U16(byte* p) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint U32(byte* p) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong U64(byte* p) => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(p));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Put16(byte* p, ushort v) => Unsafe.WriteUnaligned(p, BinaryPrimitives.ReverseEndianness(v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Put32(byte* p, uint v) => Unsafe.WriteUnaligned(p, BinaryPrimitives.ReverseEndianness(v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Put64(byte* p, ulong v) => Unsafe.WriteUnaligned(p, BinaryPrimitives.ReverseEndianness(v));
}
