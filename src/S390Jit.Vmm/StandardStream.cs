using System.Runtime.InteropServices;

namespace S390Jit.Vmm;

/// <summary>
/// The process's standard output or error as a plain write-only stream: write(2) on the file descriptor, not
/// System.Console, whose streams set up the terminal and its signal handling on their first write and whose Console.Out
/// finds the locale's encoding by reflection (~7 ms of CPU at every start for a guest that prints one line,
/// perf/startup.md). write(2) moves the descriptor's offset as Console does (a FileStream would pwrite at its own
/// position and overwrite what another process sharing the descriptor wrote). When a write fails (a closed pipe, a
/// non-blocking descriptor, not Linux), that write and every later one go through Console's own stream, which handles
/// those cases (it ignores a closed pipe, it waits on EAGAIN).
/// </summary>
public sealed class StandardStream : Stream
{
    private readonly int _fd;
    private Stream? _console;

    private StandardStream(int fd) => _fd = fd;

    private static StandardStream? s_output, s_error;
    /// <summary>File descriptor 1.</summary>
    public static StandardStream Output => s_output ??= new StandardStream(1);
    /// <summary>File descriptor 2.</summary>
    public static StandardStream Error => s_error ??= new StandardStream(2);

    /// <summary>A UTF-8 writer (no byte-order mark, flushed at every write, thread-safe) over <paramref name="stream"/>.</summary>
    public static TextWriter Writer(StandardStream stream) =>
        TextWriter.Synchronized(new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1024, leaveOpen: true) { AutoFlush = true });

    // blittable, errno read as LibraryImport does: no marshalling stub for RyuJIT at start-up
    [DllImport("libc", EntryPoint = "write")]
    private static extern unsafe nint write(int fd, byte* buffer, nint count);

    [DllImport("libc", EntryPoint = "isatty")]
    private static extern int isatty(int fd);

    /// <summary>Whether file descriptor <paramref name="fd"/> (0, 1 or 2) is a terminal: isatty(3), System.Console's answer off Linux.</summary>
    public static bool IsTerminal(int fd)
    {
        if (OperatingSystem.IsLinux()) return isatty(fd) == 1;
        return IsConsoleTerminal(fd);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool IsConsoleTerminal(int fd) =>
        fd switch { 0 => !Console.IsInputRedirected, 1 => !Console.IsOutputRedirected, _ => !Console.IsErrorRedirected };

    private const int EINTR = 4;

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        if (_console == null && OperatingSystem.IsLinux())
        {
            fixed (byte* p = buffer)
            {
                int done = 0;
                while (done < buffer.Length)
                {
                    nint n = write(_fd, p + done, buffer.Length - done);
                    if (n > 0) done += (int)n;
                    // errno read only after a failure (write sets it then): Marshal's errno accessors are P/Invoke stubs
                    // RyuJIT compiles on first use, ~0.5 ms at every start (perf/startup.md)
                    else if (n < 0 && Marshal.GetLastSystemError() == EINTR) continue;
                    else break;
                }
                if (done == buffer.Length) return;
                buffer = buffer[done..];
            }
        }
        WriteToConsole(buffer);
    }

    /// <summary>
    /// Through System.Console's stream, from now on. A method of its own: ReadyToRun code loads the assemblies a method
    /// names before it first runs, and a plain run's writes should not load System.Console.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void WriteToConsole(ReadOnlySpan<byte> buffer)
    {
        _console ??= _fd == 1 ? Console.OpenStandardOutput() : Console.OpenStandardError();
        _console.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void WriteByte(byte value) => Write([value]);
    public override void Flush() { }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
