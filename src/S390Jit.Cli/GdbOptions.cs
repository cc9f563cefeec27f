using System.CommandLine;
using System.Net;
using S390Jit.Debug;
using S390Jit.Vmm;

namespace S390Jit.Cli;

/// <summary>QEMU's gdb options: -s (tcp::1234), -gdb tcp::PORT | tcp:HOST:PORT, -S (start stopped).</summary>
internal sealed class GdbOptions
{
    private readonly Option<bool> _s = new("-s") { Description = "gdb stub on tcp::1234 (as -gdb tcp::1234)" };
    private readonly Option<bool> _startStopped = new("-S") { Description = "start stopped: wait for gdb before the first instruction" };
    private readonly Option<string[]> _gdb = new("-gdb")
    {
        Description = "gdb stub on tcp::PORT or tcp:HOST:PORT (gdb-multiarch: target remote :PORT; reverse-stepi/-continue work)",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public IEnumerable<Option> All => [_s, _startStopped, _gdb];

    public GdbSettings? Bind(ParseResult pr)
    {
        string? spec = pr.GetValue(_gdb) is { Length: > 0 } v ? v[^1] : pr.GetValue(_s) ? "tcp::1234" : null;
        bool stopped = pr.GetValue(_startStopped);
        return spec == null && !stopped ? null : new GdbSettings(spec, stopped);
    }
}

internal sealed record GdbSettings(string? Spec, bool StartStopped)
{
    /// <summary>The error line for a bad spec, or null.</summary>
    public string? Check(out IPAddress address, out int port)
    {
        address = IPAddress.Loopback;
        port = 0;
        if (Spec == null) return "-S needs a gdb stub to continue from (add -s or -gdb tcp::PORT)";
        return RspServer.TryParseSpec(Spec, out address, out port, out var error) ? null : error;
    }

    /// <summary>Attaches the stub to a built machine and listens; null (with one line on stderr) when the port cannot be had.</summary>
    public (GdbStub Stub, RspServer Server)? Attach(Machine machine, ConsoleGate gate, TextWriter stderr)
    {
        Check(out var address, out int port);
        var stub = new GdbStub(machine, gate, StartStopped);
        try
        {
            var server = new RspServer(stub, address, port, stderr);
            if (port == 0) stderr.WriteLine($"s390jit: gdb stub listening on tcp::{server.Port}");
            return (stub, server);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            stderr.WriteLine($"s390jit: error: -gdb {Spec}: cannot listen: {e.Message}");
            return null;
        }
    }
}

/// <summary>
/// A run's gdb stub: the console gate made before the machine, the stub and server attached to it. A class of its own
/// so that a run without gdb options never loads S390Jit.Debug (ReadyToRun code loads the types a method names before
/// the method first runs).
/// </summary>
internal sealed class GdbSession : IDisposable
{
    private readonly GdbSettings _settings;
    private readonly ConsoleGate _gate;
    private GdbStub? _stub;
    private RspServer? _server;

    private GdbSession(GdbSettings settings, ConsoleGate gate)
    {
        _settings = settings;
        _gate = gate;
    }

    /// <summary>The gate in front of the machine's console (the stub holds console output while the guest is stopped).</summary>
    public static GdbSession Begin(GdbSettings settings, MachineOptions opt)
    {
        var gate = new ConsoleGate(opt.Console);
        opt.Console = gate;
        return new GdbSession(settings, gate);
    }

    /// <summary>Attaches the stub to the built machine and listens; false (with one line on stderr) when the port cannot be had.</summary>
    public bool Attach(Machine machine, TextWriter stderr)
    {
        if (_settings.Attach(machine, _gate, stderr) is not { } attached) return false;
        (_stub, _server) = attached;
        return true;
    }

    /// <summary>Tells gdb the run ended and waits (at most 2 s) until it has been told.</summary>
    public void RunEnded(RunResult result)
    {
        _stub?.RunEnded(result);
        _server?.WaitExitReported(2000);
    }

    public void Dispose() => _server?.Dispose();
}
