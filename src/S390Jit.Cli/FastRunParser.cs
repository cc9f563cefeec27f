namespace S390Jit.Cli;

/// <summary>
/// The command lines of a plain run ("run KERNEL [OPTIONS]" or QEMU's "-kernel KERNEL [OPTIONS]") parsed without
/// System.CommandLine, whose command tree (about 90 options) costs more start-up time than a short guest's whole run.
/// It takes only what it can read exactly as <see cref="RunOptions"/> does: each option spelled as one of its
/// names, each value one token not starting with '-'. Anything else (help, errors, '=' spellings, gdb options, options
/// refused by name, a flag followed by true/false, ...) returns null, and System.CommandLine parses the line as before.
/// CliTests check that both give the same settings.
/// </summary>
internal static class FastRunParser
{
    /// <summary>The options taking one value per occurrence, by every spelling, with their first name.</summary>
    internal static readonly Dictionary<string, string> ValueOptions = Build(
    [
        ["-kernel"], ["--memory", "-m"], ["--append", "-append"], ["--initrd", "-initrd"], ["--smp", "-smp"], ["--max-cycles"],
        ["--stats-format"], ["--cpu-mhz"], ["--engine"], ["--trace"], ["-d"], ["-D"], ["--profile-out"], ["--symbols"], ["--trace-out"],
        ["-machine", "-M"], ["-name"], ["-chardev"], ["-device"], ["--ap"], ["--ap-type"], ["--cpu", "-cpu"], ["--quirk"], ["--host"], ["--ap-event"],
    ], takesValue: true);

    /// <summary>The flags (System.CommandLine's bool options), by name.</summary>
    internal static readonly Dictionary<string, string> Flags = Build(
        [["--stats"], ["--progress"], ["--verify-jit"], ["--profile"], ["-nographic"], ["-nodefaults"], ["--ap-off"]], takesValue: false);

    private static Dictionary<string, string> Build(string[][] names, bool takesValue)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in names)
            foreach (var s in n) d[s] = n[0];
        foreach (var (name, value, _) in QemuCompat.Ignored)
            if (value == takesValue) d[name] = name;
        return d;
    }

    private static bool Special(string token) =>
        token.Length == 0 || token[0] is '-' or '[' or '@' || token is "run" or "disasm" or "mkinitramfs";

    /// <summary>The settings of a plain run command line, or null when System.CommandLine must parse it.</summary>
    public static RunSettings? TryParse(string[] args)
    {
        bool runForm = args.Length > 0 && args[0] == "run";
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        string? kernelArg = null;
        for (int i = runForm ? 1 : 0; i < args.Length; i++)
        {
            string a = args[i];
            if (ValueOptions.TryGetValue(a, out var name))
            {
                if (i + 1 == args.Length || Special(args[i + 1])) return null;
                if (!values.TryGetValue(name, out var list)) values[name] = list = new List<string>(1);
                list.Add(args[++i]);
            }
            else if (Flags.TryGetValue(a, out name))
            {
                // a bool option takes an optional true/false
                if (i + 1 < args.Length && bool.TryParse(args[i + 1], out _)) return null;
                flags.Add(name);
            }
            else if (runForm && kernelArg == null && !Special(a)) kernelArg = a;
            else return null;
        }
        string? Last(string n) => values.TryGetValue(n, out var l) ? l[^1] : null;
        string[] All(string n) => values.TryGetValue(n, out var l) ? l.ToArray() : [];
        string? kernelOpt = Last("-kernel");
        if (kernelArg == null && kernelOpt == null) return null;
        var ignored = new List<(string Option, string? Value)>();
        foreach (var (n, takesValue, _) in QemuCompat.Ignored)
            if (takesValue ? values.ContainsKey(n) : flags.Contains(n)) ignored.Add((n, takesValue ? Last(n) : null));
        return new RunSettings
        {
            Kernel = kernelArg ?? kernelOpt,
            KernelBoth = kernelArg != null && kernelOpt != null,
            Memory = Last("--memory") ?? "128M",
            Append = Last("--append"),
            Initrd = Last("--initrd"),
            Smp = Last("--smp") ?? "1",
            MaxCycles = Last("--max-cycles"),
            Stats = flags.Contains("--stats") || Last("--stats-format") != null,
            StatsFormat = Last("--stats-format") ?? "text",
            Progress = flags.Contains("--progress"),
            CpuMhz = Last("--cpu-mhz") ?? "5200",
            Engine = Last("--engine") ?? "jit",
            VerifyJit = flags.Contains("--verify-jit"),
            Trace = All("--trace"),
            Log = All("-d"),
            LogFile = Last("-D"),
            Profile = flags.Contains("--profile") || Last("--profile-out") != null,
            ProfileOut = Last("--profile-out"),
            Symbols = Last("--symbols"),
            TraceOut = Last("--trace-out"),
            Machine = Last("-machine"),
            Name = Last("-name"),
            Chardevs = All("-chardev"),
            Devices = All("-device"),
            Ap = All("--ap"),
            ApType = Last("--ap-type"),
            ApOff = flags.Contains("--ap-off"),
            Cpu = Last("--cpu"),
            Quirks = All("--quirk"),
            Host = Last("--host"),
            ApEvents = All("--ap-event"),
            Gdb = null,
            Ignored = ignored,
            Unsupported = null,
        };
    }
}
