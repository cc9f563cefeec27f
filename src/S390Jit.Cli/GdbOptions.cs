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
