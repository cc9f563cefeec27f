using System.Runtime.InteropServices;

namespace S390Jit.Execution.Native;

/// <summary>
/// Executable memory for the native first tier: chunks mapped read-write-execute from the OS (Linux on x86-64 only),
/// filled by bump allocation and never freed (blocks are small; a flush of the first tier keeps them: stale code is
/// never called again). <see cref="Available"/> is false elsewhere or when the mapping is refused.
/// </summary>
public static unsafe class ExecutableMemory
{
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivate = 2, MapAnonymous = 0x20;
    private const int ChunkSize = 4 << 20;
    /// <summary>Total bytes mapped at most (then no more native code is made).</summary>
    private const long Limit = 256L << 20;

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint Mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    private static byte* s_chunk;
    private static int s_used = ChunkSize;
    private static long s_mapped;
    private static readonly object s_lock = new();

    public static bool Available { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64;

    /// <summary>Copies <paramref name="code"/> into executable memory; null when none can be had.</summary>
    public static byte* Place(ReadOnlySpan<byte> code)
    {
        if (!Available || code.Length > ChunkSize) return null;
        lock (s_lock)
        {
            int size = (code.Length + 15) & ~15;
            if (s_used + size > ChunkSize)
            {
                if (s_mapped + ChunkSize > Limit) return null;
                nint p;
                try { p = Mmap(0, ChunkSize, ProtRead | ProtWrite | ProtExec, MapPrivate | MapAnonymous, -1, 0); }
                catch (Exception) { return null; }
                if (p == -1 || p == 0) return null;
                s_chunk = (byte*)p;
                s_used = 0;
                s_mapped += ChunkSize;
            }
            byte* at = s_chunk + s_used;
            code.CopyTo(new Span<byte>(at, code.Length));
            s_used += size;
            return at;
        }
    }
}
