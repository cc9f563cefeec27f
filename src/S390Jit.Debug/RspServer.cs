using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using S390Jit.Architecture.State;

namespace S390Jit.Debug;

/// <summary>
/// gdb's remote serial protocol over TCP (QEMU's -gdb tcp::PORT): one client at a time, all-stop mode,
/// each CPU a thread (thread id = CPU index + 1). The server thread owns the socket; the machine runs on
/// its own thread and parks at instruction boundaries (<see cref="GdbStub"/>), and the server reads and
/// writes guest state only while it is parked.
/// </summary>
public sealed class RspServer : IDisposable
{
    private readonly GdbStub _stub;
    private readonly TcpListener _listener;
    private readonly Thread _thread;
    private readonly TextWriter? _log;
    private volatile bool _disposed;
    private Socket? _client;
    private bool _noAck;
    private int _gThread = -1;  // Hg: the thread registers and memory are read on (-1: the stopped one)
    private int _cThread = -1;  // Hc

    public RspServer(GdbStub stub, IPAddress address, int port, TextWriter? log = null)
    {
        _stub = stub;
        _log = log;
        _listener = new TcpListener(address, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _thread = new Thread(Serve) { IsBackground = true, Name = "s390jit-gdbstub" };
        _thread.Start();
    }

    private readonly ManualResetEventSlim _exitReported = new(false);

    /// <summary>
    /// After the run ended: gives a connected gdb that waits for the guest the time to read its exit status
    /// (true when it was reported or nobody waits).
    /// </summary>
    public bool WaitExitReported(int milliseconds) => _client == null || _exitReported.Wait(milliseconds);

    /// <summary>The port listened on (useful with port 0).</summary>
    public int Port { get; }

    /// <summary>Parses QEMU's -gdb spec: tcp::PORT, tcp:HOST:PORT (also :PORT, PORT).</summary>
    public static bool TryParseSpec(string spec, out IPAddress address, out int port, out string? error)
    {
        address = IPAddress.Loopback;
        port = 0;
        error = null;
        string s = spec.StartsWith("tcp:", StringComparison.Ordinal) ? spec[4..] : spec;
        int colon = s.LastIndexOf(':');
        string host = colon < 0 ? "" : s[..colon], p = colon < 0 ? s : s[(colon + 1)..];
        if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
        {
            error = $"-gdb {spec}: expected tcp::PORT or tcp:HOST:PORT";
            return false;
        }
        if (host is "" or "localhost") address = IPAddress.Loopback;
        else if (host is "0.0.0.0" or "*") address = IPAddress.Any;
        else if (!IPAddress.TryParse(host, out address!))
        {
            error = $"-gdb {spec}: unknown host '{host}' (give an IP address or localhost)";
            return false;
        }
        return true;
    }

    private void Serve()
    {
        while (!_disposed)
        {
            Socket client;
            try { client = _listener.AcceptSocket(); }
            catch (Exception) { return; }
            _client = client;
            _stub.Record();
            client.NoDelay = true;
            _noAck = false;
            _gThread = _cThread = -1;
            try
            {
                // as QEMU: a connecting debugger stops the machine
                if (!_stub.Parked && _stub.Ended == null) { _stub.RequestBreak(); _stub.WaitStopped(Timeout.Infinite); }
                Session(client);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                _log?.WriteLine($"s390jit: gdb connection closed ({e.Message})");
            }
            finally
            {
                try { client.Dispose(); } catch (Exception) { }
                _client = null;
            }
        }
    }

    // ---- packets ------------------------------------------------------------------------------------

    private readonly byte[] _buf = new byte[1];

    private int ReadByte(Socket s)
    {
        int n = s.Receive(_buf, 0, 1, SocketFlags.None);
        return n == 0 ? -1 : _buf[0];
    }

    /// <summary>The next packet's payload; "\x03" for an interrupt; null at the end of the connection.</summary>
    private string? ReadPacket(Socket s)
    {
        while (true)
        {
            int c = ReadByte(s);
            if (c < 0) return null;
            if (c == 0x03) return "\x03";
            if (c != '$') continue;
            var sb = new StringBuilder();
            while (true)
            {
                c = ReadByte(s);
                if (c < 0) return null;
                if (c == '#') break;
                if (c == '}') { c = ReadByte(s) ^ 0x20; }
                sb.Append((char)c);
            }
            int h1 = ReadByte(s), h2 = ReadByte(s);
            if (h1 < 0 || h2 < 0) return null;
            byte sum = 0;
            foreach (char ch in sb.ToString()) sum += (byte)ch;
            bool ok = byte.TryParse($"{(char)h1}{(char)h2}", NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte want) && want == sum;
            if (!_noAck) s.Send(ok ? "+"u8 : "-"u8);
            if (ok) return sb.ToString();
        }
    }

    private void Send(Socket s, string payload)
    {
        var sb = new StringBuilder("$");
        byte sum = 0;
        foreach (char ch in payload)
        {
            if (ch is '$' or '#' or '}' or '*')
            {
                sb.Append('}').Append((char)(ch ^ 0x20));
                sum += (byte)'}';
                sum += (byte)(ch ^ 0x20);
            }
            else { sb.Append(ch); sum += (byte)ch; }
        }
        sb.Append('#').Append(sum.ToString("x2", CultureInfo.InvariantCulture));
        s.Send(Encoding.Latin1.GetBytes(sb.ToString()));
        if (!_noAck)
        {
            // the ack; a '-' asks for the packet again
            int c = ReadByte(s);
            if (c == '-') Send(s, payload);
        }
    }

    private void Session(Socket s)
    {
        while (true)
        {
            var p = ReadPacket(s);
            if (p == null) return;
            if (p == "\x03") continue; // already stopped
            string? reply;
            bool resumed, close;
            try { reply = Handle(s, p, out resumed, out close); }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException)
            {
                // a malformed packet: an error reply, the session goes on
                reply = "E01";
                resumed = close = false;
            }
            if (resumed) reply = WaitForStop(s);
            if (reply != null) Send(s, reply);
            if (close) return;
        }
    }

    /// <summary>While the machine runs: Ctrl-C from gdb interrupts it; the stop (or the end of the run) is the reply.</summary>
    private string WaitForStop(Socket s)
    {
        while (true)
        {
            if (_stub.WaitStopped(10))
            {
                if (_stub.Ended is { } end && !_stub.Parked) { _exitReported.Set(); return $"W{Math.Clamp(end.ExitCode, 0, 255):x2}"; }
                if (_stub.Parked) return _stub.StopReply;
            }
            if (s.Poll(0, SelectMode.SelectRead))
            {
                int c = ReadByte(s);
                if (c < 0) throw new IOException("gdb disconnected while the guest ran");
                if (c == 0x03) _stub.RequestBreak();
            }
        }
    }

    private int CurrentThread(int selected) => selected > 0 && selected <= _stub.CpuCount ? selected - 1 : _stub.StopCpu;

    private string? Handle(Socket s, string p, out bool resumed, out bool close)
    {
        resumed = close = false;
        if (_stub.Ended != null && !_stub.Parked)
        {
            // the run is over: only the exit status is left to report
            if (p == "?") return $"W{Math.Clamp(_stub.Ended.ExitCode, 0, 255):x2}";
            if (p.StartsWith('k') || p.StartsWith('D')) { close = true; return p.StartsWith('D') ? "OK" : null; }
            return "E01";
        }
        char cmd = p[0];
        string arg = p[1..];
        switch (cmd)
        {
            case '?': return _stub.StopReply;
            case 'q': return Query(p);
            case 'Q':
                if (p == "QStartNoAckMode") { Send(s, "OK"); _noAck = true; return null; }
                return "";
            case 'H':
                {
                    int t = ParseThread(arg[1..]);
                    if (t > _stub.CpuCount || (t == -1 && arg[1..] is not ("-1" or ""))) return "E01";
                    if (arg[0] == 'g') _gThread = t; else _cThread = t;
                    return "OK";
                }
            case 'T': return ParseThread(arg) is var th && th >= 1 && th <= _stub.CpuCount ? "OK" : "E01";
            case 'g': return ReadRegisters(_stub.Cpu(CurrentThread(_gThread)));
            case 'G': WriteRegisters(_stub.Cpu(CurrentThread(_gThread)), arg); return "OK";
            case 'p':
                {
                    int n = int.Parse(arg, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    return n < TargetDescription.Count ? Hex(RegisterBytes(_stub.Cpu(CurrentThread(_gThread)), n)) : "E01";
                }
            case 'P':
                {
                    int eq = arg.IndexOf('=');
                    int n = int.Parse(arg[..eq], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (n >= TargetDescription.Count) return "E01";
                    var cpu = _stub.Cpu(CurrentThread(_gThread));
                    var bytes = FromHex(arg[(eq + 1)..]);
                    _stub.Edit(() => SetRegister(cpu, n, bytes));
                    return "OK";
                }
            case 'm':
                {
                    var (addr, len) = AddrLen(arg);
                    var data = GdbStub.ReadMemory(_stub.Cpu(CurrentThread(_gThread)), addr, (int)Math.Min(len, 0x10000));
                    return data.Length == 0 && len > 0 ? "E14" : Hex(data);
                }
            case 'M':
                {
                    int colon = arg.IndexOf(':');
                    var (addr, _) = AddrLen(arg[..colon]);
                    return _stub.WriteMemory(_stub.Cpu(CurrentThread(_gThread)), addr, FromHex(arg[(colon + 1)..])) ? "OK" : "E14";
                }
            case 'Z':
            case 'z':
                return Point(cmd == 'Z', arg);
            case 'c':
                if (arg.Length > 0) SetPswAddr(arg);
                _stub.Continue();
                resumed = true;
                return null;
            case 's':
                if (arg.Length > 0) SetPswAddr(arg);
                _stub.Step(CurrentThread(_cThread));
                resumed = true;
                return null;
            case 'b':
                if (arg is "s" or "c")
                {
                    if (!_stub.Reverse(arg == "s", CurrentThread(_cThread), out var immediate)) return immediate;
                    resumed = true;
                    return null;
                }
                return "";
            case 'v': return VPacket(p, out resumed);
            case 'D':
                _stub.Detach();
                close = true;
                return "OK";
            case 'k':
                _stub.Kill();
                close = true;
                return null;
            default:
                return "";
        }
    }

    private void SetPswAddr(string hex)
    {
        var cpu = _stub.Cpu(CurrentThread(_cThread));
        ulong a = ulong.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        _stub.Edit(() => cpu.PswAddr = a & cpu.AddrMask);
    }

    private string? VPacket(string p, out bool resumed)
    {
        resumed = false;
        if (p == "vCont?") return "vCont;c;C;s;S";
        if (p.StartsWith("vCont;", StringComparison.Ordinal))
        {
            // the first action naming a thread (or the default) decides: step that thread, or continue all
            int stepThread = -1;
            foreach (var a in p[6..].Split(';'))
            {
                var parts = a.Split(':');
                char act = parts[0][0];
                int t = parts.Length > 1 ? ParseThread(parts[1]) : -1;
                if (act is 's' or 'S' && stepThread < 0) stepThread = CurrentThread(t);
            }
            if (stepThread >= 0) _stub.Step(stepThread); else _stub.Continue();
            resumed = true;
            return null;
        }
        if (p.StartsWith("vKill", StringComparison.Ordinal)) { _stub.Kill(); return "OK"; }
        return "";
    }

    private string Query(string p)
    {
        if (p.StartsWith("qSupported", StringComparison.Ordinal))
            return "PacketSize=20000;qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+;ReverseStep+;ReverseContinue+";
        if (p.StartsWith("qXfer:features:read:", StringComparison.Ordinal))
        {
            var rest = p["qXfer:features:read:".Length..].Split(':');
            if (rest[0] != "target.xml") return "E00";
            var (off, len) = AddrLen(rest[1]);
            string xml = TargetDescription.Xml;
            if (off >= (ulong)xml.Length) return "l";
            string chunk = xml.Substring((int)off, (int)Math.Min(len, (ulong)xml.Length - off));
            return ((int)off + chunk.Length >= xml.Length ? "l" : "m") + chunk;
        }
        if (p == "qfThreadInfo") return "m" + string.Join(",", Enumerable.Range(1, _stub.CpuCount).Select(i => i.ToString("x", CultureInfo.InvariantCulture)));
        if (p == "qsThreadInfo") return "l";
        if (p == "qC") return $"QC{_stub.StopCpu + 1:x}";
        if (p == "qAttached") return "1";
        if (p.StartsWith("qThreadExtraInfo,", StringComparison.Ordinal))
        {
            int t = ParseThread(p[17..]);
            var c = _stub.Cpu(CurrentThread(t));
            return Hex(Encoding.ASCII.GetBytes($"CPU {c.CpuAddress}{(_stub.Machine.Kvm.Vcpus[CurrentThread(t)].Stopped ? " (stopped)" : "")}"));
        }
        if (p.StartsWith("qRcmd,", StringComparison.Ordinal))
        {
            string command = Encoding.ASCII.GetString(FromHex(p[6..]));
            return Hex(Encoding.ASCII.GetBytes(_stub.Monitor(command)));
        }
        if (p == "qOffsets") return "Text=0;Data=0;Bss=0";
        if (p == "qSymbol::") return "OK";
        return "";
    }

    private string Point(bool insert, string arg)
    {
        var parts = arg.Split(',');
        if (parts.Length < 3) return "E01";
        int type = parts[0][0] - '0';
        ulong addr = ulong.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        ulong len = ulong.Parse(parts[2].Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        switch (type)
        {
            case 0 or 1:
                if (insert) _stub.AddBreakpoint(addr); else _stub.RemoveBreakpoint(addr);
                return "OK";
            case 2 or 3 or 4:
                if (len == 0 || len > 256) return "E01";
                if (insert) _stub.AddWatch(type, addr, len); else _stub.RemoveWatch(type, addr, len);
                return "OK";
            default:
                return "";
        }
    }

    // ---- registers ----------------------------------------------------------------------------------

    private static string ReadRegisters(Cpu cpu)
    {
        var sb = new StringBuilder();
        for (int n = 0; n < TargetDescription.Count; n++) sb.Append(Hex(RegisterBytes(cpu, n)));
        return sb.ToString();
    }

    private void WriteRegisters(Cpu cpu, string hex)
    {
        var all = FromHex(hex);
        var regs = new List<(int, byte[])>();
        int off = 0;
        for (int n = 0; n < TargetDescription.Count && off < all.Length; n++)
        {
            int size = TargetDescription.Size(n);
            if (off + size > all.Length) break;
            var bytes = all[off..(off + size)];
            off += size;
            if (!bytes.AsSpan().SequenceEqual(RegisterBytes(cpu, n))) regs.Add((n, bytes));
        }
        if (regs.Count > 0) _stub.Edit(() => { foreach (var (n, b) in regs) SetRegister(cpu, n, b); });
    }

    public static byte[] RegisterBytes(Cpu cpu, int n)
    {
        var b = new byte[TargetDescription.Size(n)];
        switch (n)
        {
            case TargetDescription.PswMask: BinaryPrimitives.WriteUInt64BigEndian(b, cpu.FullPswMask); break;
            case TargetDescription.PswAddr: BinaryPrimitives.WriteUInt64BigEndian(b, cpu.PswAddr); break;
            case < TargetDescription.Acr0: BinaryPrimitives.WriteUInt64BigEndian(b, cpu.G[n - TargetDescription.R0]); break;
            case < TargetDescription.Fpc: BinaryPrimitives.WriteUInt32BigEndian(b, cpu.A[n - TargetDescription.Acr0]); break;
            case TargetDescription.Fpc: BinaryPrimitives.WriteUInt32BigEndian(b, cpu.Fpc); break;
            case < TargetDescription.V0l: BinaryPrimitives.WriteUInt64BigEndian(b, cpu.V[2 * (n - TargetDescription.F0)]); break;
            case < TargetDescription.V16: BinaryPrimitives.WriteUInt64BigEndian(b, cpu.V[2 * (n - TargetDescription.V0l) + 1]); break;
            case < TargetDescription.Cr0:
                {
                    int v = 16 + n - TargetDescription.V16;
                    BinaryPrimitives.WriteUInt64BigEndian(b, cpu.V[2 * v]);
                    BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(8), cpu.V[2 * v + 1]);
                    break;
                }
            case < TargetDescription.Prefix: BinaryPrimitives.WriteUInt64BigEndian(b, cpu.Cr[n - TargetDescription.Cr0]); break;
            case TargetDescription.Prefix: BinaryPrimitives.WriteUInt32BigEndian(b, cpu.Prefix); break;
            case TargetDescription.CpuTimer: BinaryPrimitives.WriteInt64BigEndian(b, cpu.CpuTimer); break;
            case TargetDescription.Ckc: BinaryPrimitives.WriteUInt64BigEndian(b, cpu.Ckc); break;
            case TargetDescription.TodCmp: BinaryPrimitives.WriteUInt32BigEndian(b, cpu.TodProgrammable); break;
        }
        return b;
    }

    public static void SetRegister(Cpu cpu, int n, byte[] b)
    {
        ulong U64(int o = 0) => BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(o));
        uint U32() => BinaryPrimitives.ReadUInt32BigEndian(b);
        switch (n)
        {
            case TargetDescription.PswMask: cpu.LoadPsw(U64(), cpu.PswAddr); break;
            case TargetDescription.PswAddr: cpu.PswAddr = U64() & cpu.AddrMask; break;
            case < TargetDescription.Acr0: cpu.G[n - TargetDescription.R0] = U64(); break;
            case < TargetDescription.Fpc: cpu.A[n - TargetDescription.Acr0] = U32(); break;
            case TargetDescription.Fpc: cpu.Fpc = U32(); break;
            case < TargetDescription.V0l: cpu.V[2 * (n - TargetDescription.F0)] = U64(); break;
            case < TargetDescription.V16: cpu.V[2 * (n - TargetDescription.V0l) + 1] = U64(); break;
            case < TargetDescription.Cr0:
                {
                    int v = 16 + n - TargetDescription.V16;
                    cpu.V[2 * v] = U64();
                    cpu.V[2 * v + 1] = U64(8);
                    break;
                }
            case < TargetDescription.Prefix:
                cpu.Cr[n - TargetDescription.Cr0] = U64();
                cpu.ControlRegistersChanged();
                break;
            case TargetDescription.Prefix: cpu.Prefix = U32() & 0x7FFF_E000; cpu.InvalidateTranslation(); break;
            case TargetDescription.CpuTimer: cpu.CpuTimer = (long)U64(); break;
            case TargetDescription.Ckc: cpu.SetClockComparator(U64()); break;
            case TargetDescription.TodCmp: cpu.TodProgrammable = U32() & 0xFFFF; break;
        }
        cpu.RecheckEvents();
    }

    // ---- encoding ------------------------------------------------------------------------------------

    private static int ParseThread(string t)
    {
        if (t is "-1" or "") return -1;
        if (t == "0") return 0;
        if (t.StartsWith('p')) t = t.Contains('.') ? t[(t.IndexOf('.') + 1)..] : "-1";
        return int.TryParse(t, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int v) ? v : -1;
    }

    private static (ulong, ulong) AddrLen(string s)
    {
        int comma = s.IndexOf(',');
        return (ulong.Parse(s[..comma], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(s[(comma + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    public static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexStringLower(b);

    public static byte[] FromHex(string s) => Convert.FromHexString(s.Length % 2 == 0 ? s : s[..^1]);

    public void Dispose()
    {
        _disposed = true;
        try { _listener.Stop(); } catch (Exception) { }
        try { _client?.Dispose(); } catch (Exception) { }
    }
}
