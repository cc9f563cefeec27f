using System.Text.Json;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Host.Kvm;
using S390Jit.Loader;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;
using S390Jit.Vmm.Diagnostics;

namespace S390Jit.Tests.Cli;

/// <summary>-d logs, --profile, --trace-out: what they report, and that they change no cycle and no output.</summary>
public class LogsAndProfilesTests
{
    private static (Machine M, RunResult R, string Console) Run(KernelImage image, string engine, LogItems log = LogItems.None, TextWriter? logWriter = null,
        bool profile = false, bool timeline = false, string? append = null, ushort[]? ap = null, ulong maxCycles = 5_000_000_000)
    {
        var console = new MemoryStream();
        ApOptions? apo = null;
        if (ap is { Length: > 0 }) { apo = new ApOptions(); apo.Queues.AddRange(ap); }
        var m = new Machine(new MachineOptions
        {
            Console = console, Engine = engine, Log = log, LogWriter = logWriter, Profile = profile, Timeline = timeline,
            Append = append, Ap = apo, MaxCycles = maxCycles,
        });
        m.LoadKernel(image);
        var r = m.Run();
        m.Log?.Flush();
        m.Profiler?.Finish();
        return (m, r, System.Text.Encoding.UTF8.GetString(console.ToArray()));
    }

    private static KernelImage Guest(string name) => ElfImage.Load(Repo.Path("guests", name + ".elf"));

    [Test]
    public void Int_log_lists_every_program_and_svc_interruption_of_the_sys_guest_under_both_engines()
    {
        var (plain, plainResult, plainOut) = Run(Guest("sys"), "interp");
        using (plain)
        {
            var logs = new Dictionary<string, string>();
            foreach (var engine in new[] { "interp", "jit-sync" })
            {
                var w = new StringWriter();
                var (m, r, output) = Run(Guest("sys"), engine, LogItems.Int, w);
                using (m)
                {
                    var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    var cpu = m.Boot.Cpu;
                    Assert.That(cpu.ProgramInterruptions, Is.GreaterThan(5));
                    Assert.That(cpu.SvcInterruptions, Is.GreaterThan(0));
                    Assert.That(lines.Count(l => l.StartsWith("do_program_interrupt: code=0x", StringComparison.Ordinal)), Is.EqualTo((int)cpu.ProgramInterruptions), engine);
                    Assert.That(lines.Count(l => l.StartsWith("do_svc_interrupt: code=0x", StringComparison.Ordinal)), Is.EqualTo((int)cpu.SvcInterruptions), engine);
                    Assert.That(lines.Count(l => l.StartsWith("do_ext_interrupt: code=0x", StringComparison.Ordinal)), Is.EqualTo((int)cpu.ExternalInterruptions), engine);
                    // the operation exception sys provokes: ILC 2, old PSW past the instruction, the handler's new PSW
                    Assert.That(lines, Has.Some.Match(@"^do_program_interrupt: code=0x1 ilen=2 psw: [0-9a-f]{16} [0-9a-f]{16} new psw: [0-9a-f]{16} [0-9a-f]{16} \(operation\) cpu=0 cycle=\d+$"));
                    // the log only reads: same cycles, same output
                    Assert.That(cpu.Cycles, Is.EqualTo(plain.Boot.Cpu.Cycles), engine);
                    Assert.That(output, Is.EqualTo(plainOut));
                    Assert.That(r.End, Is.EqualTo(plainResult.End));
                    logs[engine] = w.ToString();
                }
            }
            Assert.That(logs["jit-sync"], Is.EqualTo(logs["interp"]), "both engines take the same interruptions at the same cycles");
        }
    }

    [Test]
    public void Int_log_gives_the_teid_of_a_translation_exception()
    {
        var w = new StringWriter();
        var (m, _, _) = Run(Guest("dat"), "interp", LogItems.Int, w);
        using (m)
            Assert.That(w.ToString().Split('\n'), Has.Some.Match(@"^do_program_interrupt: code=0x1[01] ilen=\d .* teid=0x[0-9a-f]{16} \((segment|page) translation\)"));
    }

    /// <summary>A row of the table without a semantic body whose facility the default CPU model installs, or null.</summary>
    private static InsnDef? RowWithoutSemantics() => InstructionTable.All.FirstOrDefault(d =>
        d.Body == null && d.Sie == SieAction.Interpreted && (d.Facility < 0 || CpuModel.DefaultFacilities.Contains(d.Facility)));

    [TestCase("interp")]
    [TestCase("jit-sync")]
    public void Unimp_names_the_first_instruction_without_semantics(string engine)
    {
        var def = RowWithoutSemantics();
        string mnemonic;
        byte[] code;
        string expect;
        if (def != null)
        {
            mnemonic = def.Mnemonic;
            code = Assembler.ToBytes(Assembler.EncodeRaw(def, _ => 0), def.Length);
            expect = $"unimplemented instruction {mnemonic} (";
        }
        else
        {
            // every row has semantics: an opcode the table does not have at all is reported the same way
            mnemonic = "0xb2ff";
            code = [0xB2, 0xFF, 0x00, 0x00];
            Assert.That(Decoder.Lookup(Decoder.LeftAlign(code)), Is.Null);
            expect = "unimplemented opcode 0xb2ff0000";
        }
        // the program-check handler returns to the instruction: it is used again and again, logged once
        var g = new TestGuest().SetPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA, TestGuest.Entry).Bytes(code).Stop();
        var w = new StringWriter();
        var (m, r, _) = Run(g.Image(), engine, LogItems.Unimp, w, maxCycles: 200_000);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.MaxCycles));
            Assert.That(m.Boot.Cpu.ProgramInterruptions, Is.GreaterThan(10));
            var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(1), w.ToString());
            TestContext.Out.WriteLine(lines[0]);
            Assert.That(lines[0], Does.StartWith(expect));
            Assert.That(lines[0], Does.Contain($"at 0x{TestGuest.Entry:x}"));
        }
    }

    [Test]
    public void Guest_errors_log_an_invalid_sigp_order()
    {
        // SIGP 1,3,0xff to CPU 0: an invalid order (status stored, cc 1); then stop
        var g = new TestGuest().Asm("LGHI", r1: 3, i2: 0).Asm("SIGP", r1: 1, r3: 3, d2: 0xFF).Stop();
        var w = new StringWriter();
        var (m, r, _) = Run(g.Image(), "interp", LogItems.GuestErrors, w);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped));
            Assert.That(w.ToString(), Does.StartWith("sigp: order 0xff from cpu 0 to cpu 0: invalid order (status 0x00000002)"));
        }
    }

    [Test]
    public void In_asm_exec_and_cpu_log_blocks_in_qemu_spelling()
    {
        var w = new StringWriter();
        var (m, _, _) = Run(Guest("hello"), "jit-sync", LogItems.InAsm | LogItems.Exec | LogItems.Cpu, w);
        using (m)
        {
            string log = w.ToString();
            Assert.That(log, Does.Contain("----------------\nIN: _start\n0x00010000:  "));
            Assert.That(log, Does.Match(@"Trace 0: interp \[[0-9a-f]{16}/0000000000010000\] _start\n"));
            Assert.That(log, Does.Match(@"PSW=mask [0-9a-f]{16} addr [0-9a-f]{16} cc 0[0-3]\nR00=[0-9a-f]{16} R01="));
            Assert.That(log, Does.Contain("C15="));
        }
    }

    [Test]
    public void Sha256_profile_has_the_compression_function_on_top_and_keeps_cycles()
    {
        var (m, _, output) = Run(Guest("sha256"), "jit-sync", profile: true);
        using (m)
        {
            var p = m.Profiler!;
            var folded = p.Folded().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => (Stack: l[..l.LastIndexOf(' ')], Cycles: ulong.Parse(l[(l.LastIndexOf(' ') + 1)..]))).ToList();
            var hottest = folded.MaxBy(f => f.Cycles);
            Assert.That(hottest.Stack.Split(';')[^1], Is.EqualTo("compress"), "the hottest stack's leaf");
            Assert.That(hottest.Stack, Does.Contain(";sha256_update;compress"));
            var table = p.Table(out ulong all);
            Assert.That(table[0].Function, Is.EqualTo("compress"));
            Assert.That(table[0].Self, Is.GreaterThan(all / 2));
            // every cycle is attributed, and the profiled run is the unprofiled one
            Assert.That(folded.Aggregate(0UL, (a, f) => a + f.Cycles), Is.EqualTo(m.Boot.Cpu.Cycles));
            var baseline = File.ReadAllLines(Repo.Path("guests", "baseline.txt")).Single(l => l.StartsWith("sha256 jit ", StringComparison.Ordinal));
            Assert.That(baseline, Does.Contain($" cycles={m.Boot.Cpu.Cycles} "));
            Assert.That(output, Does.Contain("sha256:"));
        }
    }

    [Test]
    public void Profile_is_the_same_under_both_engines()
    {
        var folded = new Dictionary<string, string>();
        foreach (var engine in new[] { "interp", "jit-sync" })
        {
            var (m, _, _) = Run(Guest("sys"), engine, profile: true);
            using (m) folded[engine] = m.Profiler!.Folded();
        }
        Assert.That(folded["jit-sync"], Is.EqualTo(folded["interp"]));
        Assert.That(folded["interp"], Does.Contain("rt_entry;rt_start_c;main"));
    }

    [Test]
    public void Aqic_profile_shows_the_host_paths_as_frames()
    {
        var (m, _, _) = Run(Guest("aqic"), "jit-sync", profile: true, append: "apqn=0504", ap: [0x0504]);
        using (m)
        {
            string folded = m.Profiler!.Folded();
            Assert.That(folded, Does.Match(@";\[SIE_intercept_PQAP\];\[vfio_ap_irq_enable\] \d+\n"));
            Assert.That(folded, Does.Contain(";[vfio_pin_page] "));
            Assert.That(folded, Does.Contain("[wait_state]"));
        }
    }

    [Test]
    public void Aqic_timeline_is_valid_trace_event_json()
    {
        var (m, _, _) = Run(Guest("aqic"), "jit-sync", timeline: true, append: "apqn=0504", ap: [0x0504]);
        using (m)
        {
            var w = new StringWriter();
            m.Timeline!.Write(w);
            using var doc = JsonDocument.Parse(w.ToString());
            var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
            Assert.That(events.Count, Is.GreaterThan(50));
            var open = new Dictionary<(long, long), int>();
            var tracks = new Dictionary<long, string>();
            foreach (var e in events)
            {
                Assert.That(e.GetProperty("name").ValueKind, Is.EqualTo(JsonValueKind.String));
                string ph = e.GetProperty("ph").GetString()!;
                Assert.That(ph, Is.AnyOf("B", "E", "X", "i", "I", "M"));
                Assert.That(e.GetProperty("ts").GetDouble(), Is.GreaterThanOrEqualTo(0));
                long pid = e.GetProperty("pid").GetInt64(), tid = e.GetProperty("tid").GetInt64();
                if (ph == "X") Assert.That(e.GetProperty("dur").GetDouble(), Is.GreaterThanOrEqualTo(0));
                if (ph == "B") open[(pid, tid)] = open.GetValueOrDefault((pid, tid)) + 1;
                if (ph == "E") { open[(pid, tid)] = open.GetValueOrDefault((pid, tid)) - 1; Assert.That(open[(pid, tid)], Is.GreaterThanOrEqualTo(0)); }
                if (ph == "M" && e.GetProperty("name").GetString() == "thread_name") tracks[tid] = e.GetProperty("args").GetProperty("name").GetString()!;
            }
            Assert.That(open.Values, Has.All.EqualTo(0), "B/E balanced");
            Assert.That(tracks.Values, Is.SupersetOf(new[] { "vcpu 0", "AP queue 05.0004", "GISA / GIB" }));
            // the AQIC path in time order: NQAP, reply, NIB store, IPM bit, alert, delivery
            var timed = events.Where(e => e.GetProperty("ph").GetString() != "M")
                .Select(e => (Name: e.GetProperty("name").GetString()!, Ts: e.GetProperty("ts").GetDouble(), Tid: e.GetProperty("tid").GetInt64())).ToList();
            double t = 0;
            foreach (var name in new[] { "ap_nqap", "ap_reply_available", "ap_nib_store", "kvm_s390_gisa_ipm_set", "gib_alert_push", "kvm_s390_deliver_io_adapter" })
            {
                var first = timed.Where(x => x.Name == name && x.Ts >= t).ToList();
                Assert.That(first, Is.Not.Empty, $"{name} after ts {t}");
                t = first[0].Ts;
            }
            Assert.That(timed.Where(x => x.Name == "ap_nqap").Select(x => tracks[x.Tid]), Has.All.EqualTo("AP queue 05.0004"));
        }
    }

    [Test]
    public void System_map_symbols_name_functions()
    {
        var table = SymbolTable.FromSystemMap(
            ["0000000000100000 T _stext", "0000000000100100 t helper", "0000000000200000 D some_data", "0000000000100200 W weak_fn"], out var error);
        Assert.That(error, Is.Null);
        Assert.That(table.Describe(0x100010), Is.EqualTo("_stext+0x10"));
        Assert.That(table.Describe(0x100180), Is.EqualTo("helper+0x80"));
        Assert.That(table.Describe(0x100200), Is.EqualTo("weak_fn"));
        SymbolTable.FromSystemMap(["not a map line"], out error);
        Assert.That(error, Does.Contain("line 1"));
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = S390Jit.Cli.Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Test]
    public void Cli_d_help_lists_the_items()
    {
        var (code, output, _) = Cli("run", "-d", "help");
        Assert.That(code, Is.EqualTo(0));
        foreach (var item in new[] { "int", "in_asm", "exec", "cpu", "unimp", "guest_errors" })
            Assert.That(output, Does.Match($@"(^|\n){item} +\S"));
    }

    [TestCase(new[] { "-d", "bogus" }, "unknown log item 'bogus'")]
    [TestCase(new[] { "-D", "/tmp/x.log" }, "-D needs -d")]
    [TestCase(new[] { "-d", "int", "-D", "/nonexistent-dir/x.log" }, "-D /nonexistent-dir/x.log: cannot write the file (no such directory)")]
    [TestCase(new[] { "--profile-out", "/nonexistent-dir/x.folded" }, "--profile-out /nonexistent-dir/x.folded: cannot write the file (no such directory)")]
    [TestCase(new[] { "--symbols", "/nonexistent-file.map", "--profile" }, "--symbols /nonexistent-file.map: no such file")]
    public void Cli_bad_log_and_profile_options_are_one_line(string[] options, string message)
    {
        var (code, _, err) = Cli(["run", Repo.Path("guests", "hello.elf"), .. options]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Contain(message));
    }

    [Test]
    public void Cli_writes_the_log_the_folded_stacks_and_the_timeline()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"s390jit-logs-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string log = Path.Combine(dir, "int.log"), folded = Path.Combine(dir, "p.folded"), json = Path.Combine(dir, "t.json");
            var (code, _, err) = Cli("run", Repo.Path("guests", "sys.elf"), "-d", "int,unimp", "-D", log, "--profile-out", folded, "--trace-out", json);
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(File.ReadAllText(log), Does.Contain("do_program_interrupt: code=0x1 ilen=2"));
            Assert.That(File.ReadAllText(log), Does.Contain("unimplemented opcode 0x0000 at "));
            Assert.That(File.ReadAllText(folded), Does.Contain("rt_entry;rt_start_c;main"));
            Assert.That(err, Does.Match(@"profile: +self +self% +total +total% +function\n"));
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            Assert.That(doc.RootElement.GetProperty("traceEvents").GetArrayLength(), Is.GreaterThan(0));
        }
        finally { Directory.Delete(dir, true); }
    }
}
