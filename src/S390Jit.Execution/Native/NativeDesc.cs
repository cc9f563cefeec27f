using System.Runtime.InteropServices;

namespace S390Jit.Execution.Native;

/// <summary>
/// What native code knows of a translated block, in unmanaged memory (native code reads it; the first tier's loop writes
/// it): its code, its guest address, whether it is still valid, the entries chains may make into it before its heat
/// matters to the optimising tier, the bound of its cycles, its successors' descriptors and the entries chains made.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeDesc
{
    public nint Code;
    public ulong Addr;
    /// <summary>1 while the block is valid (0: a store reached its bytes, or every block was dropped).</summary>
    public long Alive;
    /// <summary>Entries chains may still make into the block (then the first tier's loop counts its heat again).</summary>
    public long Credit;
    /// <summary><see cref="Interpreter.DecodedBlock.FastCycles"/>: a chain enters the block only when no event can be due inside it.</summary>
    public ulong FastCycles;
    /// <summary>Descriptors of the block execution continued in after falling through and after branching (0: none).</summary>
    public nint LinkFall, LinkTaken;
    /// <summary>Entries chains made since the first tier's loop last folded them into the block's heat.</summary>
    public long Chained;
    /// <summary>A weak GC handle of the <see cref="Interpreter.DecodedBlock"/>.</summary>
    public nint Handle;
    /// <summary>Host address of the frame the block was decoded from: a chain enters it only while instruction fetch maps its page there.</summary>
    public nint Host;
    /// <summary>
    /// What the shared chain stubs (<see cref="NativeEmitter.ChainStub"/>) account for the block when it chains on: its cycles and
    /// instruction count, its last instruction's address and length, and the address after it (the fall-through successor).
    /// </summary>
    public ulong BlockCycles, BlockInsns, LastAddr, LastLength, NextAddr;
    /// <summary>The block's key but the address: addressing mode, overflow mask and DAT (<see cref="KeyBits"/>), and the ASCE (a branch found through <see cref="Architecture.State.Cpu.NativeTargets"/> goes on only into a block of the same key).</summary>
    public ulong KeyBits, Asce;

    public static readonly int OffCode = (int)Marshal.OffsetOf<NativeDesc>(nameof(Code)), OffAddr = (int)Marshal.OffsetOf<NativeDesc>(nameof(Addr)),
        OffAlive = (int)Marshal.OffsetOf<NativeDesc>(nameof(Alive)), OffCredit = (int)Marshal.OffsetOf<NativeDesc>(nameof(Credit)),
        OffFast = (int)Marshal.OffsetOf<NativeDesc>(nameof(FastCycles)), OffFall = (int)Marshal.OffsetOf<NativeDesc>(nameof(LinkFall)),
        OffTaken = (int)Marshal.OffsetOf<NativeDesc>(nameof(LinkTaken)), OffChained = (int)Marshal.OffsetOf<NativeDesc>(nameof(Chained)),
        OffHost = (int)Marshal.OffsetOf<NativeDesc>(nameof(Host)),
        OffBlockCycles = (int)Marshal.OffsetOf<NativeDesc>(nameof(BlockCycles)), OffBlockInsns = (int)Marshal.OffsetOf<NativeDesc>(nameof(BlockInsns)),
        OffLastAddr = (int)Marshal.OffsetOf<NativeDesc>(nameof(LastAddr)), OffLastLength = (int)Marshal.OffsetOf<NativeDesc>(nameof(LastLength)),
        OffNextAddr = (int)Marshal.OffsetOf<NativeDesc>(nameof(NextAddr)),
        OffKeyBits = (int)Marshal.OffsetOf<NativeDesc>(nameof(KeyBits)), OffAsce = (int)Marshal.OffsetOf<NativeDesc>(nameof(Asce));

    public static ulong KeyBitsOf(int mode, bool fixedOverflowMask, bool dat) => (uint)mode | (fixedOverflowMask ? 1UL << 8 : 0) | (dat ? 1UL << 9 : 0);
}
