using System.Globalization;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Cli;

/// <summary>"s390jit run": validates the configuration, builds the machine, boots and reports.</summary>
internal static class RunCommand
{
    /// <summary>A configuration error: one line, exit code 2.</summary>
    private sealed class UsageException(string message) : Exception(message);

    public static int Execute(RunSettings s, TextWriter stdout, TextWriter stderr)
    {
        MachineOptions opt;
        ElfImage elf;
        try
        {
            opt = BuildOptions(s, stderr);
            if (s.Kernel == null) throw new UsageException("no kernel given (s390jit run KERNEL)");
            if (s.KernelBoth) throw new UsageException("kernel given twice (argument and -kernel)");
            elf = ElfImage.Load(s.Kernel);
            elf.CheckFits(opt.MemoryBytes);
        }
        catch (UsageException e) { stderr.WriteLine($"s390jit: error: {e.Message}"); return 2; }
        catch (ElfFormatException e) { stderr.WriteLine($"s390jit: {s.Kernel}: {e.Message}"); return 2; }

        using var machine = CreateMachine(opt, stderr, out int code);
        if (machine == null) return code;
        try { machine.LoadKernel(elf); }
        catch (Exception e) when (e is ArgumentException or ElfFormatException)
        {
            stderr.WriteLine($"s390jit: error: {Program.OneLine(e.Message)}");
            return 2;
        }
        var result = machine.Run();
        stdout.Flush();
        if (result.End != RunEnd.Stopped) stderr.WriteLine($"s390jit: {result.Message}");
        // the run's statistics; then QEMU's exit: the vfio-ap device is released, the VM destroyed, and the
        // host model reports what it still holds
        string? stats = s.Stats ? machine.Statistics(result) : null;
        var leaks = machine.Teardown();
        if (stats != null)
        {
            stderr.Write(stats);
            stderr.WriteLine(Machine.LeakLine(leaks));
        }
        return result.ExitCode;
    }

    private static Machine? CreateMachine(MachineOptions opt, TextWriter stderr, out int code)
    {
        code = 0;
        try { return new Machine(opt); }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"s390jit: error: {Program.OneLine(e.Message)}");
            code = 2;
            return null;
        }
    }

    private static MachineOptions BuildOptions(RunSettings s, TextWriter stderr)
    {
        var opt = new MachineOptions();
        try { opt.MemoryBytes = MachineOptions.ParseSize(s.Memory); }
        catch (Exception e) when (e is FormatException or OverflowException) { throw new UsageException(e.Message); }
        opt.Append = s.Append;
        opt.InitrdPath = s.Initrd;
        opt.Cpus = ParseSmp(s.Smp);
        if (s.MaxCycles is { } mc) opt.MaxCycles = mc;
        if (s.CpuMhz == 0) throw new UsageException("--cpu-mhz must be positive");
        opt.CpuMhz = s.CpuMhz;
        if (s.Engine is not ("jit" or "interp" or "jit-sync")) throw new UsageException($"unknown engine '{s.Engine}' (available: jit, interp)");
        opt.Engine = s.Engine;
        if (s.VerifyJit && s.Engine == "interp") throw new UsageException("--verify-jit needs the jit engine");
        opt.VerifyJit = s.VerifyJit;
        opt.Profile = s.Profile;
        foreach (var t in s.Trace.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (t == "host") opt.HostTrace = line => stderr.WriteLine(line);
            else throw new UsageException($"unknown trace category '{t}' (available: host)");
        }
        if (s.Machine != null)
        {
            var parts = s.Machine.Split(',');
            if (parts[0] is not ("s390-ccw-virtio" or "s390-ccw-virtio-7.2" or ""))
                throw new UsageException($"unsupported machine '{parts[0]}' (only s390-ccw-virtio)");
            foreach (var p in parts.Skip(1))
                if (!p.StartsWith("accel=", StringComparison.Ordinal) && !p.StartsWith("dump-guest-core=", StringComparison.Ordinal))
                    throw new UsageException($"unsupported machine property '{p}'");
        }
        var chardevIds = new HashSet<string>();
        foreach (var c in s.Chardevs)
        {
            var kv = ParseDeviceSpec(c, out string backend);
            if (backend != "stdio") throw new UsageException($"unsupported chardev backend '{backend}' (only stdio)");
            if (!kv.TryGetValue("id", out var id)) throw new UsageException($"-chardev {c}: missing id=");
            chardevIds.Add(id);
        }
        Guid? vfioAp = null;
        foreach (var d in s.Devices)
        {
            var kv = ParseDeviceSpec(d, out string driver);
            switch (driver)
            {
                case "sclpconsole":
                case "sclplmconsole":
                    if (kv.TryGetValue("chardev", out var cd) && !chardevIds.Contains(cd))
                        throw new UsageException($"-device {d}: chardev '{cd}' not defined by -chardev");
                    break;
                case "vfio-ap":
                    if (vfioAp != null) throw new UsageException("only one vfio-ap device is supported");
                    if (!kv.TryGetValue("sysfsdev", out var dev)) throw new UsageException($"-device {d}: missing sysfsdev=");
                    if (!Host.Crypto.VfioAp.TryParseSysfsdev(dev, out var uuid))
                        throw new UsageException($"-device {d}: sysfsdev must be {Host.Crypto.VfioAp.MatrixDevicePath}/UUID");
                    vfioAp = uuid;
                    break;
                default:
                    throw new UsageException($"unsupported device '{driver}' (supported: sclpconsole, sclplmconsole, vfio-ap)");
            }
        }
        opt.Ap = BuildAp(s, vfioAp);
        var quirks = Host.HostQuirks.None;
        foreach (var q in s.Quirks.SelectMany(q => q.Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!Host.HostQuirks.ByName.TryGetValue(q.Trim(), out var set))
                throw new UsageException($"unknown quirk '{q}' (available: {string.Join(", ", Host.HostQuirks.ByName.Keys)})");
            quirks = set(quirks);
        }
        opt.Quirks = quirks;
        foreach (var e in s.ApEvents.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            try { opt.ApEvents.Add(ApLifecycleEvent.Parse(e.Trim())); }
            catch (FormatException ex) { throw new UsageException(ex.Message); }
        }
        if (opt.ApEvents.Count > 0 && opt.Ap == null) throw new UsageException("--ap-event needs an AP configuration (--ap)");
        if (s.Host != null)
            foreach (var p in s.Host.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = p.IndexOf('=');
                string name = eq < 0 ? p : p[..eq], value = eq < 0 ? "on" : p[(eq + 1)..];
                bool on = value switch
                {
                    "on" or "true" => true,
                    "off" or "false" => false,
                    _ => throw new UsageException($"--host {name}: expected on or off, got '{value}'"),
                };
                switch (name)
                {
                    case "aiv": opt.HostAiv = on; break;
                    case "fac65": opt.HostFacility65 = on; break;
                    case "gisaf": opt.HostGisaFormat1 = on; break;
                    default: throw new UsageException($"unknown host feature '{name}' (aiv, fac65, gisaf)");
                }
            }
        return opt;
    }

    /// <summary>
    /// AP crypto: --ap queues, --ap-type, --ap-off, -cpu features and -device vfio-ap (whose sysfsdev
    /// names the mdev; its queues come from --ap). Null when nothing asks for AP: a host without AP.
    /// </summary>
    private static ApOptions? BuildAp(RunSettings s, Guid? vfioAp)
    {
        var features = new Dictionary<string, bool>();
        if (s.Cpu != null)
        {
            var parts = s.Cpu.Split(',');
            if (parts[0] is not ("host" or "max" or "qemu" or "z13" or "z14" or "z15" or "z16"))
                throw new UsageException($"unsupported CPU model '{parts[0]}' (host, max, z16)");
            foreach (var p in parts.Skip(1))
            {
                int eq = p.IndexOf('=');
                string name = eq < 0 ? p.TrimStart('+', '-') : p[..eq];
                if (name is not ("ap" or "apqci" or "apft" or "apqi" or "msa3"))
                    throw new UsageException($"unsupported CPU feature '{name}' (ap, apqci, apft, apqi, msa3)");
                string value = eq < 0 ? (p.StartsWith('-') ? "off" : "on") : p[(eq + 1)..];
                features[name] = value switch
                {
                    "on" or "true" => true,
                    "off" or "false" => false,
                    _ => throw new UsageException($"CPU feature {name}: expected on or off, got '{value}'"),
                };
            }
        }
        if (s.ApOff) features["ap"] = false;
        var queues = new List<ushort>();
        foreach (var token in s.Ap.SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!Host.Crypto.Apqn.TryParse(token, out ushort q))
                throw new UsageException($"malformed APQN '{token}' (expected APID.APQI in hex, each 00-ff, e.g. 05.0004)");
            if (queues.Contains(q)) throw new UsageException($"AP queue {Host.Crypto.Apqn.Name(q)} assigned twice");
            queues.Add(q);
        }
        var type = Host.Crypto.ApDeviceType.Cex7;
        if (s.ApType != null)
        {
            if (!Host.Crypto.Apqn.TryParseType(s.ApType, out type))
                throw new UsageException($"unsupported AP type '{s.ApType}' (cex5, cex6, cex7, cex8: accelerator mode)");
            if (queues.Count == 0) throw new UsageException("--ap-type needs --ap queues");
        }
        if (queues.Count == 0 && vfioAp == null && features.Count == 0) return null;
        bool ap = features.GetValueOrDefault("ap", true);
        foreach (var f in new[] { "apqci", "apft", "apqi" })
            if (!ap && features.GetValueOrDefault(f)) throw new UsageException($"CPU feature {f} requires ap");
        var o = new ApOptions
        {
            Type = type,
            CpuAp = ap,
            Apqci = features.GetValueOrDefault("apqci", true),
            Apft = features.GetValueOrDefault("apft", true),
            Apqi = features.GetValueOrDefault("apqi", ap),
            Msa3 = features.GetValueOrDefault("msa3", true),
            MdevUuid = vfioAp,
        };
        o.Queues.AddRange(queues);
        return o;
    }

    private static Dictionary<string, string> ParseDeviceSpec(string spec, out string head)
    {
        var parts = spec.Split(',');
        head = parts[0];
        var kv = new Dictionary<string, string>();
        foreach (var p in parts.Skip(1))
        {
            int eq = p.IndexOf('=');
            if (eq <= 0) throw new UsageException($"malformed option '{spec}' (expected key=value after '{head}')");
            kv[p[..eq]] = p[(eq + 1)..];
        }
        return kv;
    }

    private static int ParseSmp(string smp)
    {
        string v = smp.StartsWith("cpus=", StringComparison.Ordinal) ? smp[5..] : smp.Split(',')[0];
        if (v.StartsWith("cpus=", StringComparison.Ordinal)) v = v[5..];
        if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > 248)
            throw new UsageException($"invalid -smp '{smp}' (1-248 CPUs)");
        return n;
    }
}
