using System.Runtime.InteropServices;

namespace S390Jit.Loader;

/// <summary>
/// Reads a kernel or initrd file the way a careful loader must: what is not a regular file (a directory,
/// /dev/zero, a FIFO) or is larger than the guest's memory is refused before a byte is read.
/// </summary>
public static class ImageFile
{
    /// <summary>Reads <paramref name="path"/>; problems become <see cref="ImageFormatException"/>s naming them ("is a directory").</summary>
    public static byte[] Read(string path, ulong limit = ulong.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0) throw new ImageFormatException("empty file name");
        var (kind, size) = Stat(path);
        if (kind != null) throw new ImageFormatException(kind);
        if (size > limit) throw new ImageFormatException($"is larger than guest memory ({KernelImage.FormatSize(size)} > {KernelImage.FormatSize(limit)})");
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ImageFormatException(IoReason(e), e);
        }
    }

    /// <summary>Null and the size for a regular file, else what the path is instead.</summary>
    private static (string? Problem, ulong Size) Stat(string path)
    {
        if (StatxMode(path, out uint mode, out ulong size, out int errno))
            return ((mode & S_IFMT) switch
            {
                S_IFREG => null,
                S_IFDIR => "is a directory",
                S_IFCHR => "is not a regular file (a character device)",
                S_IFBLK => "is not a regular file (a block device)",
                S_IFIFO => "is not a regular file (a FIFO)",
                _ => "is not a regular file (a socket)",
            }, size);
        if (errno > 0) return (ErrnoText(errno), 0);
        // no statx (not Linux): what .NET can tell
        if (Directory.Exists(path)) return ("is a directory", 0);
        var info = new FileInfo(path);
        return info.Exists ? (null, (ulong)info.Length) : ("No such file or directory", 0);
    }

    private const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFIFO = 0x1000;

    // blittable (the path as UTF-8 bytes, errno read here as LibraryImport does): no marshalling stub for RyuJIT at start-up
    [DllImport("libc", EntryPoint = "statx")]
    private static extern unsafe int statx(int dirfd, byte* path, int flags, uint mask, byte* buffer);

    /// <summary>statx(2) (its layout is the same on every architecture): stx_mode at 0x1c, stx_size at 0x28.</summary>
    private static unsafe bool StatxMode(string path, out uint mode, out ulong size, out int errno)
    {
        mode = 0; size = 0; errno = 0;
        const int AT_FDCWD = -100;
        const uint STATX_TYPE = 0x1, STATX_SIZE = 0x200;
        byte* buffer = stackalloc byte[256];
        int n = System.Text.Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        byte[]? heap = n > 1024 ? new byte[n] : null;
        Span<byte> utf8 = heap ?? stackalloc byte[n];
        utf8[System.Text.Encoding.UTF8.GetBytes(path, utf8)] = 0;
        try
        {
            fixed (byte* p = utf8)
            {
                int r = statx(AT_FDCWD, p, 0, STATX_TYPE | STATX_SIZE, buffer);
                if (r != 0)
                {
                    // errno only after a failure (statx sets it then): Marshal's errno accessors are P/Invoke stubs
                    // RyuJIT compiles on first use (perf/startup.md), a cost a readable kernel does not pay
                    errno = Marshal.GetLastSystemError();
                    return false;
                }
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return false; }
        mode = *(ushort*)(buffer + 0x1c);
        size = *(ulong*)(buffer + 0x28);
        return true;
    }

    private static string ErrnoText(int errno) => errno switch
    {
        2 => "No such file or directory",
        13 => "Permission denied",
        20 => "No such file or directory (a path component is not a directory)",
        36 => "File name too long",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    private static string IoReason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        PathTooLongException => "File name too long",
        UnauthorizedAccessException => "Permission denied",
        IOException when e.HResult > 0 => Marshal.GetPInvokeErrorMessage(e.HResult), // Unix: HResult is errno
        _ => e.Message,
    };
}
