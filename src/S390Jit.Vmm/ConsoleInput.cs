using System.Collections.Concurrent;

namespace S390Jit.Vmm;

/// <summary>
/// What the host types into the guest's console (QEMU's stdio chardev, read side). The SCLP takes the
/// next piece only at a point of the guest's execution (see <see cref="Sclp.OfferInput"/>), never when
/// it happens to arrive, so the guest's output and cycle count depend on the input's content alone:
/// <list type="bullet">
/// <item>a stream (a file, a pipe, the tests' memory stream) is cut into lines, each with its LF; at the
///   point where the SCLP wants the next line it waits for the whole line (or the end of the stream), so a
///   slow writer changes nothing but the wall time;</item>
/// <item>a terminal is read key by key (no host echo: the guest's tty echoes) and hands over what has been
///   typed so far; a person's typing is not reproducible anyway.</item>
/// </list>
/// </summary>
public sealed class ConsoleInput
{
    private readonly Stream? _stream;
    private readonly ConcurrentQueue<byte[]>? _typed;
    private bool _eof;

    private ConsoleInput(Stream? stream, ConcurrentQueue<byte[]>? typed)
    {
        _stream = stream;
        _typed = typed;
    }

    /// <summary>Input from a stream, line by line (deterministic).</summary>
    public static ConsoleInput FromStream(Stream stream) => new(stream, null);

    /// <summary>Input from a text, line by line (tests, scripted sessions).</summary>
    public static ConsoleInput FromText(string text) => FromStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// The process's standard input: line by line when redirected, key by key from a terminal (read only once
    /// the guest can take input, so a guest that never reads leaves the terminal alone).
    /// </summary>
    public static ConsoleInput Stdin() =>
        Console.IsInputRedirected ? FromStream(new BufferedStream(Console.OpenStandardInput())) : new ConsoleInput(null, new ConcurrentQueue<byte[]>());

    private Thread? _keyReader;

    private void StartKeyReader()
    {
        var typed = _typed!;
        _keyReader = new Thread(() =>
        {
            try
            {
                while (true) typed.Enqueue(KeyBytes(Console.ReadKey(intercept: true)));
            }
            catch (InvalidOperationException) { /* no console after all */ }
            catch (IOException) { /* the terminal went away */ }
        }) { IsBackground = true, Name = "console input" };
        _keyReader.Start();
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

    /// <summary>True once a stream has ended (a terminal never ends).</summary>
    public bool Ended => _eof;

    /// <summary>
    /// The next piece of input: the next line of a stream (waiting for it; null at its end), or what has been
    /// typed on a terminal since the last call (null when nothing was).
    /// </summary>
    public byte[]? Next()
    {
        if (_typed != null)
        {
            if (_keyReader == null) StartKeyReader();
            if (_typed.IsEmpty) return null;
            var all = new List<byte>();
            while (_typed.TryDequeue(out var k)) all.AddRange(k);
            return all.Count > 0 ? all.ToArray() : null;
        }
        if (_eof) return null;
        var line = new List<byte>();
        while (true)
        {
            int b;
            try { b = _stream!.ReadByte(); }
            catch (IOException) { b = -1; }
            if (b < 0) { _eof = true; break; }
            line.Add((byte)b);
            if (b == '\n') break;
        }
        return line.Count > 0 ? line.ToArray() : null;
    }
}
