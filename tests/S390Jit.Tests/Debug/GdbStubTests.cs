using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using S390Jit.Debug;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Tests.Debug;

/// <summary>A machine with the gdb stub attached, running on its own thread (as the CLI's -S -gdb tcp::0).</summary>
internal sealed class DebugSession : IDisposable
{
    public readonly Machine Machine;
    public readonly GdbStub Stub;
    public readonly RspServer Server;
    public readonly MemoryStream Console = new();
    private readonly Thread _runner;
    public RunResult? Result;

    public DebugSession(string guest, string engine, Action<MachineOptions>? configure = null)
    {
        var gate = new ConsoleGate(Console);
        var opt = new MachineOptions { Console = gate, Engine = engine, MaxCycles = 2_000_000_000 };
        configure?.Invoke(opt);
        Machine = new Machine(opt);
        Machine.LoadKernel(ElfImage.Load(Repo.Path("guests", guest + ".elf")));
        Stub = new GdbStub(Machine, gate, startStopped: true);
        Server = new RspServer(Stub, IPAddress.Loopback, 0);
        _runner = new Thread(() => { Result = Machine.Run(); Stub.RunEnded(Result); }) { IsBackground = true };
        _runner.Start();
    }

    public string Output => Encoding.ASCII.GetString(Console.ToArray());

    public void Join() => Assert.That(_runner.Join(TimeSpan.FromMinutes(2)), "the run ended");

    /// <summary>The same guest run without a debugger: (cycles, instructions, console output).</summary>
    public static (ulong, ulong, string) Unattached(string guest, string engine, Action<MachineOptions>? configure = null)
    {
        var console = new MemoryStream();
        var opt = new MachineOptions { Console = console, Engine = engine, MaxCycles = 2_000_000_000 };
        configure?.Invoke(opt);
        using var m = new Machine(opt);
        m.LoadKernel(ElfImage.Load(Repo.Path("guests", guest + ".elf")));
        m.Run();
        return (m.Boot.Cpu.Cycles, m.Boot.Cpu.Instructions, Encoding.ASCII.GetString(console.ToArray()));
    }

    public void Dispose()
    {
        Server.Dispose();
        Machine.Dispose();
    }
}

/// <summary>A minimal gdb remote-protocol client (what gdb sends, without gdb).</summary>
internal sealed class RspClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _s;

    public RspClient(int port)
    {
        _tcp = new TcpClient();
        _tcp.Connect(IPAddress.Loopback, port);
        _tcp.ReceiveTimeout = 120_000;
        _s = _tcp.GetStream();
        Assert.That(Send("QStartNoAckMode", ack: true), Is.EqualTo("OK"));
    }

    public string Send(string payload, bool ack = false)
    {
        byte sum = 0;
        foreach (char c in payload) sum += (byte)c;
        _s.Write(Encoding.ASCII.GetBytes($"${payload}#{sum:x2}"));
        if (ack) Assert.That(_s.ReadByte(), Is.EqualTo('+'));
        return Receive(ack);
    }

    private string Receive(bool ack)
    {
        int c;
        while ((c = _s.ReadByte()) != '$') Assert.That(c, Is.Not.EqualTo(-1), "connection open");
        var sb = new StringBuilder();
        while ((c = _s.ReadByte()) != '#')
        {
            if (c == '}') c = _s.ReadByte() ^ 0x20;
            sb.Append((char)c);
        }
        _s.ReadByte();
        _s.ReadByte();
        if (ack) _s.WriteByte((byte)'+');
        return sb.ToString();
    }

    /// <summary>Sends a packet and, while the guest runs, Ctrl-C (0x03) after it.</summary>
    public string SendThenInterrupt(string payload, int delayMs)
    {
        byte sum = 0;
        foreach (char c in payload) sum += (byte)c;
        _s.Write(Encoding.ASCII.GetBytes($"${payload}#{sum:x2}"));
        Thread.Sleep(delayMs);
        _s.WriteByte(0x03);
        return Receive(false);
    }

    public string Monitor(string command) =>
        Encoding.ASCII.GetString(Convert.FromHexString(Send("qRcmd," + Convert.ToHexString(Encoding.ASCII.GetBytes(command)))));

    public ulong Register(int n) => ulong.Parse(Send($"p{n:x}"), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public void Dispose() => _tcp.Dispose();
}

public class GdbStubTests
{
    private static readonly ElfImage Hello = ElfImage.Load(Repo.Path("guests", "hello.elf"));
    private static ulong Symbol(string name) => Hello.Symbols.TryGetAddress(name, out var a) ? a : throw new InvalidOperationException(name);

    private static ulong PswAddr(RspClient c) => c.Register(TargetDescription.PswAddr);

    /// <summary>What gdb does to continue from a breakpoint: remove it, step, insert it again, continue.</summary>
    private static string ContinueOverBreakpoint(RspClient c, ulong bp, bool atIt)
    {
        if (atIt)
        {
            Assert.That(c.Send($"z0,{bp:x},2"), Is.EqualTo("OK"));
            string stepped = c.Send("vCont;s:1");
            Assert.That(stepped, Is.EqualTo("T05thread:01;"), () => $"{stepped}: {c.Send("?")}");
            Assert.That(c.Send($"Z0,{bp:x},2"), Is.EqualTo("OK"));
        }
        return c.Send("c");
    }

    /// <summary>
    /// The done-when session, protocol level: break at putchar, registers, memory read and write, a write
    /// watchpoint stopping right after the store, stepi, reverse-stepi back to the same registers,
    /// reverse-continue back to the breakpoint hit, the end of the run; the attached run counts the same
    /// cycles and prints the same output as an unattached one.
    /// </summary>
    [TestCase("interp")]
    [TestCase("jit-sync")]
    public void A_gdb_session_breaks_watches_steps_and_runs_backwards_without_changing_the_run(string engine)
    {
        ulong putchar = Symbol("putchar"), outLen = Symbol("out_len"), outBuf = Symbol("out_buf");
        using var session = new DebugSession("hello", engine);
        using var c = new RspClient(session.Server.Port);
        Assert.That(c.Send("qSupported:multiprocess+;swbreak+;hwbreak+"), Does.Contain("qXfer:features:read+").And.Contain("ReverseStep+"));
        string xml = c.Send("qXfer:features:read:target.xml:0,ffff");
        Assert.That(xml, Does.StartWith("l").And.Contain("org.gnu.gdb.s390.core").And.Contain("org.gnu.gdb.s390.vx").And.Contain("name=\"pswa\""));
        Assert.That(c.Send("?"), Is.EqualTo("T05thread:01;"));
        Assert.That(c.Send("qfThreadInfo"), Is.EqualTo("m1"));
        Assert.That(PswAddr(c), Is.EqualTo(Hello.Entry), "-S stops before the first instruction");

        // break at a symbol, continue
        Assert.That(c.Send($"Z0,{putchar:x},2"), Is.EqualTo("OK"));
        Assert.That(c.Send("c"), Is.EqualTo("T05swbreak:;thread:01;"));
        Assert.That(PswAddr(c), Is.EqualTo(putchar));
        string atBreak = c.Send("g");
        Assert.That(atBreak.Length, Is.EqualTo(2 * Enumerable.Range(0, TargetDescription.Count).Sum(TargetDescription.Size)));
        Assert.That(c.Register(TargetDescription.R0 + 2), Is.EqualTo((ulong)'H'), "putchar's argument, the first character");

        // memory: read, write, read back (bytes of the console buffer hello's short lines never reach: the run stays the same)
        string original = c.Send($"m{outBuf + 100:x},4");
        Assert.That(c.Send($"M{outBuf + 100:x},4:deadbeef"), Is.EqualTo("OK"));
        Assert.That(c.Send($"m{outBuf + 100:x},4"), Is.EqualTo("deadbeef"));
        Assert.That(c.Send("mffffffffffff0000,4"), Does.StartWith("E"), "beyond storage");

        // a write watchpoint stops right after the store into out_len
        ulong lenBefore = ulong.Parse(c.Send($"m{outLen:x},8"), NumberStyles.HexNumber);
        Assert.That(c.Send($"z0,{putchar:x},2"), Is.EqualTo("OK"));
        Assert.That(c.Send($"Z2,{outLen:x},8"), Is.EqualTo("OK"));
        Assert.That(c.Send("c"), Is.EqualTo($"T05watch:{outLen:x};thread:01;"));
        Assert.That(ulong.Parse(c.Send($"m{outLen:x},8"), NumberStyles.HexNumber), Is.EqualTo(lenBefore + 1));
        ulong afterStore = PswAddr(c);
        string atWatch = c.Send("g");
        Assert.That(c.Send($"z2,{outLen:x},8"), Is.EqualTo("OK"));

        // reverse-stepi: the store instruction itself, out_len not yet incremented
        Assert.That(c.Send("bs"), Is.EqualTo("T05thread:01;"));
        ulong store = PswAddr(c);
        Assert.That(store, Is.LessThan(afterStore).And.GreaterThanOrEqualTo(afterStore - 6));
        Assert.That(ulong.Parse(c.Send($"m{outLen:x},8"), NumberStyles.HexNumber), Is.EqualTo(lenBefore), "before the store");
        // stepi: the store again, to exactly the watchpoint's state
        Assert.That(c.Send("vCont;s:1;c"), Is.EqualTo("T05thread:01;"));
        Assert.That(c.Send("g"), Is.EqualTo(atWatch), "stepi after reverse-stepi gives every register back");
        // stepi once more, then reverse-stepi to the same PSW and registers
        Assert.That(c.Send("vCont;s:1;c"), Is.EqualTo("T05thread:01;"));
        Assert.That(c.Send("g"), Is.Not.EqualTo(atWatch));
        Assert.That(c.Send("bs"), Is.EqualTo("T05thread:01;"));
        Assert.That(c.Send("g"), Is.EqualTo(atWatch), "reverse-stepi: the previous PSW with all registers identical");

        // reverse-continue back to the breakpoint hit at putchar's entry
        Assert.That(c.Send($"Z0,{putchar:x},2"), Is.EqualTo("OK"));
        Assert.That(c.Send("bc"), Is.EqualTo("T05thread:01;"));
        Assert.That(c.Send("g"), Is.EqualTo(atBreak), "reverse-continue: the previous breakpoint hit, every register as then");
        Assert.That(c.Send($"m{outBuf + 100:x},4"), Is.EqualTo("deadbeef"), "the debugger's write, made here, is part of the replayed history");
        Assert.That(c.Send("bs"), Is.EqualTo("T05thread:01;"));
        Assert.That(c.Send($"m{outBuf + 100:x},4"), Is.EqualTo(original), "before the write");
        Assert.That(c.Send($"z0,{putchar:x},2"), Is.EqualTo("OK"));
        Assert.That(Encoding.ASCII.GetString(Convert.FromHexString(c.Send("qRcmd," + Convert.ToHexString("cycles"u8)))), Does.Contain("cycles"));

        // the rest of the run, at full speed
        Assert.That(c.Send("c"), Is.EqualTo("W00"));
        session.Join();
        var (cycles, insns, output) = DebugSession.Unattached("hello", engine);
        Assert.That((session.Machine.Boot.Cpu.Cycles, session.Machine.Boot.Cpu.Instructions), Is.EqualTo((cycles, insns)), "cycles as without gdb");
        Assert.That(session.Output, Is.EqualTo(output), "the console shows each byte once");
        Assert.That(session.Stub.Reexecutions, Is.GreaterThan(0));
    }

    /// <summary>
    /// Ctrl-C while the JIT runs the guest at full speed (until it is inside sieve's main loop, compiled by
    /// then), then a breakpoint at the top of that loop: the next iteration stops exactly there, and the
    /// run still counts the cycles of a run without the debugger.
    /// </summary>
    [Test]
    public void Ctrl_c_interrupts_the_jit_and_a_breakpoint_in_compiled_code_stops_exactly()
    {
        var sieve = ElfImage.Load(Repo.Path("guests", "sieve.elf"));
        Assert.That(sieve.Symbols.TryGetAddress("main", out ulong main));
        ulong loopTop = main + 0x36; // lghi %r3,0: the first instruction of each of main's iterations
        Action<MachineOptions> small = o => o.MemoryBytes = 16UL << 20;
        using var session = new DebugSession("sieve", "jit", small);
        using var c = new RspClient(session.Server.Port);
        var jit = (S390Jit.Execution.Jit.JitEngine)session.Machine.Engine;
        for (int i = 0; i < 50 && session.Machine.Boot.Cpu.Cycles < 20_000_000; i++)
            Assert.That(c.SendThenInterrupt("c", 50), Is.EqualTo("T02thread:01;"));
        Assert.That(session.Machine.Boot.Cpu.Cycles, Is.GreaterThanOrEqualTo(20_000_000UL), "Ctrl-C stopped the guest 50 times before 20M cycles");
        Assert.That(jit.Stats.RegionsCompiled, Is.GreaterThan(0), "the guest ran compiled code before the interrupt");
        Assert.That(c.Send($"Z0,{loopTop:x},2"), Is.EqualTo("OK"));
        Assert.That(ContinueOverBreakpoint(c, loopTop, atIt: PswAddr(c) == loopTop), Is.EqualTo("T05swbreak:;thread:01;"));
        Assert.That(PswAddr(c), Is.EqualTo(loopTop), "stopped on the breakpoint's instruction");
        Assert.That(c.Send($"z0,{loopTop:x},2"), Is.EqualTo("OK"));
        Assert.That(c.Send("c"), Is.EqualTo("W00"));
        session.Join();
        var (cycles, insns, output) = DebugSession.Unattached("sieve", "jit", small);
        Assert.That((session.Machine.Boot.Cpu.Cycles, session.Machine.Boot.Cpu.Instructions), Is.EqualTo((cycles, insns)));
        Assert.That(session.Output, Is.EqualTo(output));
    }

    /// <summary>
    /// Reverse-continue across many snapshots (a short time slice and snapshot interval): back through
    /// every putchar hit to the start of the recording, then forward again to the same states.
    /// </summary>
    [Test]
    public void Reverse_continue_walks_back_across_snapshots_to_the_beginning()
    {
        ulong putchar = Symbol("putchar");
        Action<MachineOptions> slices = o => o.TimeSliceCycles = 3000;
        using var session = new DebugSession("hello", "interp", slices);
        using var c = new RspClient(session.Server.Port);
        Assert.That(c.Monitor("snapshot-interval 5000"), Does.Contain("5000"));
        Assert.That(c.Send($"Z0,{putchar:x},2"), Is.EqualTo("OK"));
        var hits = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            Assert.That(ContinueOverBreakpoint(c, putchar, i > 0), Is.EqualTo("T05swbreak:;thread:01;"));
            hits.Add(c.Send("g"));
        }
        Assert.That(c.Monitor("snapshots"), Does.Match(@"^\d+ snapshots"));
        int snapshots = int.Parse(c.Monitor("snapshots").Split(' ')[0]);
        Assert.That(snapshots, Is.GreaterThan(4), "several snapshots to go back through");
        for (int i = 2; i >= 0; i--)
        {
            Assert.That(c.Send("bc"), Is.EqualTo("T05thread:01;"));
            Assert.That(c.Send("g"), Is.EqualTo(hits[i]), $"putchar hit {i}");
        }
        Assert.That(c.Send("bc"), Is.EqualTo("T05replaylog:begin;thread:01;"));
        Assert.That(PswAddr(c), Is.EqualTo(Hello.Entry), "the recording starts before the first instruction");
        for (int i = 0; i < 4; i++)
        {
            Assert.That(ContinueOverBreakpoint(c, putchar, i > 0), Is.EqualTo("T05swbreak:;thread:01;"));
            Assert.That(c.Send("g"), Is.EqualTo(hits[i]), $"forward again: putchar hit {i}");
        }
        Assert.That(c.Send($"z0,{putchar:x},2"), Is.EqualTo("OK"));
        Assert.That(c.Send("c"), Is.EqualTo("W00"));
        session.Join();
        var (cycles, _, output) = DebugSession.Unattached("hello", "interp", slices);
        Assert.That(session.Machine.Boot.Cpu.Cycles, Is.EqualTo(cycles));
        Assert.That(session.Output, Is.EqualTo(output));
    }

    /// <summary>Two CPUs are two threads; registers are read per thread; a read watchpoint stops after the load.</summary>
    [Test]
    public void Cpus_are_threads_and_read_watchpoints_stop_after_the_fetch()
    {
        ulong outLen = Symbol("out_len");
        using var session = new DebugSession("hello", "interp", o => o.Cpus = 2);
        using var c = new RspClient(session.Server.Port);
        Assert.That(c.Send("qfThreadInfo"), Is.EqualTo("m1,2"));
        Assert.That(c.Send("qsThreadInfo"), Is.EqualTo("l"));
        foreach (var bad in new[] { "pzz", "m12", "Mzz,1:00", "Z0,nope,2", "Hgq", "P1=" })
            Assert.That(c.Send(bad), Does.StartWith("E"), $"malformed {bad}: an error reply, the session goes on");
        Assert.That(c.Send("unknownpacket"), Is.EqualTo(""));
        Assert.That(c.Send("T2"), Is.EqualTo("OK"));
        Assert.That(c.Send("T3"), Does.StartWith("E"));
        Assert.That(Encoding.ASCII.GetString(Convert.FromHexString(c.Send("qThreadExtraInfo,2"))), Is.EqualTo("CPU 1 (stopped)"));
        Assert.That(c.Send("Hg2"), Is.EqualTo("OK"));
        Assert.That(PswAddr(c), Is.EqualTo(0UL), "CPU 1 has not been started");
        Assert.That(c.Send("Hg1"), Is.EqualTo("OK"));
        Assert.That(PswAddr(c), Is.EqualTo(Hello.Entry));
        Assert.That(c.Send($"Z3,{outLen:x},8"), Is.EqualTo("OK"));
        string stop = c.Send("c");
        Assert.That(stop, Is.EqualTo($"T05rwatch:{outLen:x};thread:01;"));
        Assert.That(c.Send($"z3,{outLen:x},8"), Is.EqualTo("OK"));
        Assert.That(c.Send("c"), Is.EqualTo("W00"));
        session.Join();
    }

    /// <summary>gdb-multiarch itself, in batch mode, when installed (CI without it runs the protocol-level test above).</summary>
    [TestCase("interp")]
    [TestCase("jit-sync")]
    public void Gdb_multiarch_drives_the_stub(string engine)
    {
        string? gdb = new[] { "/usr/bin/gdb-multiarch", "/usr/local/bin/gdb-multiarch" }.FirstOrDefault(File.Exists);
        if (gdb == null) Assert.Ignore("gdb-multiarch is not installed (the protocol-level test covers the stub)");
        using var session = new DebugSession("hello", engine);
        string script = Path.Combine(Path.GetTempPath(), $"s390jit-gdb-{Environment.ProcessId}-{engine}.gdb");
        File.WriteAllText(script, $$"""
            set pagination off
            set confirm off
            set architecture s390:64-bit
            target remote 127.0.0.1:{{session.Server.Port}}
            break putchar
            continue
            printf "AT %lx r2=%ld\n", $pswa, $r2
            info registers pswm acr0 fpc f0 cr0 prefix v16
            set var {char}((char *)&out_buf + 100) = 'x'
            printf "BYTE %c\n", {char}((char *)&out_buf + 100)
            set var {char}((char *)&out_buf + 100) = 0
            watch *(long *)&out_len
            continue
            printf "WATCH %lx len=%ld\n", $pswa, *(long *)&out_len
            delete
            stepi
            printf "STEP %lx\n", $pswa
            reverse-stepi
            printf "BACK %lx\n", $pswa
            break putchar
            reverse-continue
            printf "RC %lx r2=%ld\n", $pswa, $r2
            monitor cycles
            delete
            continue
            """);
        try
        {
            var psi = new ProcessStartInfo(gdb, ["-nx", "-batch", "-x", script, Repo.Path("guests", "hello.elf")])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            Assert.That(p.WaitForExit(120_000), "gdb finished");
            output += err.Result;
            session.Join();
            var lines = output.Split('\n');
            string Line(string tag) => lines.FirstOrDefault(l => l.StartsWith(tag + " ", StringComparison.Ordinal)) ?? throw new AssertionException($"no {tag} line in:\n{output}");
            string at = Line("AT");
            Assert.That(Line("BYTE"), Is.EqualTo("BYTE x"));
            Assert.That(output, Does.Contain("Hardware watchpoint").And.Contain("Old value = ").And.Contain("New value = "));
            string watch = Line("WATCH"), step = Line("STEP"), back = Line("BACK");
            Assert.That(back.Split(' ')[1], Is.EqualTo(watch.Split(' ')[1]), "reverse-stepi returns to the watchpoint's PSW");
            Assert.That(step.Split(' ')[1], Is.Not.EqualTo(watch.Split(' ')[1]));
            Assert.That(Line("RC"), Is.EqualTo(at.Replace("AT", "RC")), "reverse-continue returns to the first putchar hit");
            Assert.That(output, Does.Contain("cycles").And.Contain("exited normally"));
            var (cycles, _, console) = DebugSession.Unattached("hello", engine);
            Assert.That(session.Machine.Boot.Cpu.Cycles, Is.EqualTo(cycles));
            Assert.That(session.Output, Is.EqualTo(console));
        }
        finally { File.Delete(script); }
    }
}
