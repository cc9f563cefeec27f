using System.Collections.Concurrent;

namespace S390Jit.Vmm;

/// <summary>
/// What the host types into the guest's console (QEMU's stdio chardev, read side). The SCLP takes the
/// next piece only at a point of the guest's execution (see <see cref="Sclp.OfferInput"/>), never when
/// it happens to arrive, so the guest's output and cycle count depend on the input's content alone:
/// <list type="bullet">
/// <item>a stream (a file, a pipe, the tests' memory stream) is cut into lines, each with its LF; at the
///   point where the SCLP wants the next line it waits for the whole line (or the end of the stream), so a
///   slow writer changes nothing but the wall time (up to <see cref="LineTimeout"/>: a pipe nobody writes
///   to must not hang the guest);</item>
/// <item>a terminal is read key by key (no host echo: the guest's tty echoes) and hands over what has been
///   typed so far; a person's typing is not reproducible anyway.</item>
/// </list>
/// </summary>
public sealed class ConsoleInput
{
    /// <summary>How long the SCLP waits for a stream's next line before it stops waiting for input at all.</summary>
    public static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(5);

    private Stream? _stream;
    private readonly Func<Stream>? _openStream; // the stream, opened when the reader starts
    private readonly ConcurrentQueue<byte[]>? _typed;
    private readonly object _lock = new();
    private readonly List<byte> _buffer = new(); // read from the stream, not handed over yet
    private bool _eof, _nonBlocking;
    private Thread? _reader;

    private ConsoleInput(Stream? stream, ConcurrentQueue<byte[]>? typed)
    {
        _stream = stream;
        _typed = typed;
    }

    private ConsoleInput(Func<Stream> openStream) => _openStream = openStream;

    /// <summary>Input from a stream, line by line (deterministic).</summary>
    public static ConsoleInput FromStream(Stream stream) => new(stream, null);

    /// <summary>Input from a text, line by line (tests, scripted sessions).</summary>
    public static ConsoleInput FromText(string text) => FromStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// The process's standard input: line by line when redirected, key by key from a terminal (read only once
    /// the guest can take input, so a guest that never reads leaves the terminal alone).
    /// </summary>
    /// (Whether it is a terminal is asked with isatty, and System.Console is loaded only when the guest reads: Console's
    /// set-up costs ~5 ms of CPU at every start, perf/startup.md.)
    public static ConsoleInput Stdin() =>
        !StandardStream.IsTerminal(0) ? new ConsoleInput(OpenStandardInput) : new ConsoleInput(null, new ConcurrentQueue<byte[]>());

    /// <summary>Console's input stream. A method of its own: a delegate to Console's method itself would load System.Console
    /// at every start (ReadyToRun code resolves it before the method runs), not when the guest first reads.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Stream OpenStandardInput() => Console.OpenStandardInput();

    private void StartReader()
    {
        if (_typed is { } typed)
        {
            _reader = new Thread(() =>
            {
                try
                {
                    while (true) typed.Enqueue(KeyBytes(Console.ReadKey(intercept: true)));
                }
                catch (InvalidOperationException) { /* no console after all */ }
                catch (IOException) { /* the terminal went away */ }
            }) { IsBackground = true, Name = "console input" };
        }
        else
        {
            var stream = _stream ??= _openStream!();
            _reader = new Thread(() =>
            {
                var buf = new byte[4096];
                while (true)
                {
                    int n;
                    try { n = stream.Read(buf); }
                    catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException) { n = 0; }
                    lock (_lock)
                    {
                        if (n <= 0) _eof = true;
                        else _buffer.AddRange(buf.AsSpan(0, n));
                        Monitor.PulseAll(_lock);
                    }
                    if (n <= 0) return;
                }
            }) { IsBackground = true, Name = "console input" };
        }
        _reader.Start();
    }

    /// <summary>What a terminal sends for a key (Linux's tty turns CR into LF and takes DEL as erase).</summary>
    private static byte[] KeyBytes(ConsoleKeyInfo k) => k.Key switch
    {
        ConsoleKey.Enter => "\r"u8.ToArray(),
        ConsoleKey.Backspace => [0x7F],
        ConsoleKey.UpArrow => "\e[A"u8.ToArray(),
        ConsoleKey.DownArrow => "\e[B"u8.ToArray(),
        ConsoleKey.RightArrow => "\e[C"u8.ToArray(),
        ConsoleKey.LeftArrow => "\e[D"u8.ToArray(),
        ConsoleKey.Home => "\e[H"u8.ToArray(),
        ConsoleKey.End => "\e[F"u8.ToArray(),
        ConsoleKey.Delete => "\e[3~"u8.ToArray(),
        _ => k.KeyChar == '\0' ? [] : System.Text.Encoding.UTF8.GetBytes(k.KeyChar.ToString()),
    };

    /// <summary>True once a stream has ended and everything was handed over (a terminal never ends).</summary>
    public bool Ended
    {
        get { lock (_lock) return _eof && _buffer.Count == 0; }
    }

    /// <summary>
    /// The next piece of input: the next line of a stream, waiting for it (null at its end), or what has been
    /// typed on a terminal since the last call (null when nothing was). A stream whose next line does not come
    /// within <see cref="LineTimeout"/> (a pipe nobody writes to) is no longer waited for: from then on each
    /// call hands over the next line only if it has arrived, as from a terminal.
    /// </summary>
    public byte[]? Next()
    {
        if (_reader == null) StartReader();
        if (_typed != null)
        {
            if (_typed.IsEmpty) return null;
            var all = new List<byte>();
            while (_typed.TryDequeue(out var k)) all.AddRange(k);
            return all.Count > 0 ? all.ToArray() : null;
        }
        lock (_lock)
        {
            if (!_nonBlocking)
            {
                var deadline = DateTime.UtcNow + LineTimeout;
                while (_buffer.IndexOf((byte)'\n') < 0 && !_eof)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) { _nonBlocking = true; break; }
                    Monitor.Wait(_lock, left);
                }
            }
            int end = _buffer.IndexOf((byte)'\n');
            int take = end >= 0 ? end + 1 : _eof ? _buffer.Count : 0;
            if (take == 0) return null;
            var line = _buffer.GetRange(0, take).ToArray();
            _buffer.RemoveRange(0, take);
            return line;
        }
    }
}
