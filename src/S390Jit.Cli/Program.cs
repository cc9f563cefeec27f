using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;

namespace S390Jit.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        StartupTrace.Mark("runtime started, Main entered");
        try
        {
            // (not Console.Out and Console.Error: see StandardStream)
            return Run(args, StdOut, StdErr);
        }
        catch (Exception e)
        {
            // last line of defence: never a .NET stack trace
            StdErr.WriteLine($"s390jit: internal error: {OneLine(e.Message)}");
            return 4;
        }
        finally { StartupTrace.Flush(); }
    }

    /// <summary>The process's standard output and error (UTF-8), as Main passes them to <see cref="Run"/>.</summary>
    internal static readonly TextWriter StdOut = Vmm.StandardStream.Writer(Vmm.StandardStream.Output),
                                        StdErr = Vmm.StandardStream.Writer(Vmm.StandardStream.Error);

    public static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    /// <summary>A file-system failure in words that name the problem (not .NET's message where it has a plain one).</summary>
    public static string IoProblem(Exception e) => e switch
    {
        DirectoryNotFoundException => "no such directory",
        FileNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path is too long",
        _ => OneLine(e.Message),
    };

    /// <summary>"0.1.0": the version a QEMU-version parser finds in "s390jit version 0.1.0".</summary>
    public static string Version
    {
        get
        {
            var v = typeof(Program).Assembly.GetName().Version ?? new Version(0, 0, 0);
            return $"{v.Major}.{v.Minor}.{Math.Max(0, v.Build)}";
        }
    }

    private const string Summary = "S390Jit: an IBM Z (s390x) system emulator with a modelled KVM host (not QEMU)";

    /// <summary>Entry point shared by Main and the tests.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Array.IndexOf(args, "-version") >= 0 || Array.IndexOf(args, "--version") >= 0)
        {
            stdout.WriteLine($"s390jit version {Version} ({Summary})");
            stdout.WriteLine("Boots s390x ELF kernels and s390 Linux boot images; accepts qemu-system-s390x's options.");
            return 0;
        }
        StartupTrace.Mark("Run entered");
        args = HoistRun(args);
        // a plain run does not need System.CommandLine's command tree (help and errors do)
        if (FastRunParser.TryParse(args) is { } settings)
        {
            StartupTrace.Mark("command line parsed (fast path)");
            return RunCommand.Execute(settings, stdout, stderr);
        }
        return ParseAndRun(args, stdout, stderr);
    }

    /// <summary>
    /// "s390jit OPTIONS run KERNEL ..." as "s390jit run OPTIONS KERNEL ...": the run command's options are the same wherever
    /// they stand (QEMU's convention); without this System.CommandLine took options before "run" as the root command's and
    /// dropped them silently ("--engine tier1 run ..." ran the JIT). A "run" that is the value of a preceding option
    /// ("-name run") stays where it is.
    /// </summary>
    internal static string[] HoistRun(string[] args)
    {
        int at = Array.IndexOf(args, "run");
        if (at <= 0 || !args[0].StartsWith('-') || FastRunParser.ValueOptions.ContainsKey(args[at - 1])) return args;
        var r = new string[args.Length];
        r[0] = "run";
        Array.Copy(args, 0, r, 1, at);
        Array.Copy(args, at + 1, r, at + 1, args.Length - at - 1);
        return r;
    }

    /// <summary>
    /// Every other command line, through System.CommandLine. A method of its own: ReadyToRun code loads the types a
    /// method names before it first runs, so a plain run (above) does not load System.CommandLine at all.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int ParseAndRun(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(Summary + ".\n" +
                                   "Boots s390x ELF kernels and s390 Linux boot images (vmlinuz). Accepts qemu-system-s390x's options\n" +
                                   "(-kernel, -initrd, -append, -m, -smp, -cpu, -machine, -nographic, ...), with or without 'run':\n" +
                                   "  s390jit -nographic -kernel vmlinuz -initrd initrd.gz -append console=ttysclp0 -m 512\n" +
                                   "QEMU options it does not support are refused by name.");
        var help = root.Options.OfType<HelpOption>().First();
        help.Aliases.Add("-help");
        help.Action = new NamedHelpAction((HelpAction)help.Action!);
        foreach (var v in root.Options.OfType<VersionOption>().ToList()) root.Options.Remove(v);

        // only the option sets this command line can use are built (each is about 90 options): "run ..." needs
        // no QEMU spellings on the root, "-kernel ..." no run subcommand's, "disasm ..." neither
        string? first = args.Length > 0 ? args[0] : null;
        bool subcommandFirst = first is "run" or "disasm" or "mkinitramfs";
        var run = new Command("run", "Boot an s390x kernel (qemu-system-s390x -kernel protocol) and run it to completion.");
        if (args.Contains("run"))
        {
            var runOptions = new RunOptions();
            runOptions.AddTo(run, withKernelArgument: true);
            run.SetAction(pr => RunCommand.Execute(runOptions.Bind(pr), stdout, stderr));
        }
        root.Subcommands.Add(run);
        root.Subcommands.Add(first == "disasm" || !subcommandFirst ? DisasmCommand.Create(stdout, stderr) : new Command("disasm", DisasmCommand.Summary));
        root.Subcommands.Add(first == "mkinitramfs" || !subcommandFirst ? MkinitramfsCommand.Create(stdout, stderr) : new Command("mkinitramfs", MkinitramfsCommand.Summary));

        // qemu-system-s390x spellings directly on the root command: "s390jit -kernel x.elf -nographic ..."
        if (!subcommandFirst)
        {
            var qemuOptions = new RunOptions();
            qemuOptions.AddTo(root, withKernelArgument: false);
            root.SetAction(pr =>
            {
                var o = qemuOptions.Bind(pr);
                if (o.Kernel == null && o.Unsupported == null)
                {
                    stderr.WriteLine("s390jit: error: no kernel given; try 's390jit -kernel FILE', 's390jit run FILE' or 's390jit --help'");
                    return 2;
                }
                return RunCommand.Execute(o, stdout, stderr);
            });
        }

        StartupTrace.Mark("command line built");
        args = Normalize(args, root);
        var parse = root.Parse(args, new ParserConfiguration { EnablePosixBundling = false, ResponseFileTokenReplacer = null });
        // "disasm --help" shows the help even though the command's argument is missing
        if (parse.Action is not NamedHelpAction && (parse.Errors.Count > 0 || MissingValue(args, parse.CommandResult.Command) is { }))
        {
            stderr.WriteLine($"s390jit: error: {MissingValue(args, parse.CommandResult.Command) ?? ErrorLine(parse)} (see 's390jit --help')");
            return 2;
        }
        StartupTrace.Mark("command line parsed");
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        return parse.Invoke(config);
    }

    /// <summary>
    /// QEMU takes "--kernel" for "-kernel": a double-dash spelling of a single-dash option becomes the latter;
    /// "--stats=FORMAT" becomes "--stats-format FORMAT".
    /// </summary>
    private static string[] Normalize(string[] args, RootCommand root)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        var single = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in root.Subcommands.Append(root))
        {
            foreach (var o in c.Options)
            {
                known.Add(o.Name);
                known.UnionWith(o.Aliases);
            }
            RunOptions.AddSingleDashNames(c, single);
        }
        var result = new List<string>(args.Length);
        foreach (var a in args)
        {
            if (a.StartsWith("--stats=", StringComparison.Ordinal)) result.AddRange(["--stats-format", a["--stats=".Length..]]);
            else if (a.StartsWith("--", StringComparison.Ordinal) && !known.Contains(a) && single.Contains(a[1..])) result.Add(a[1..]);
            else result.Add(a);
        }
        return result.ToArray();
    }

    /// <summary>An option that takes a value but is the last token or followed by another option ("-append -kernel x").</summary>
    private static string? MissingValue(string[] args, Command command)
    {
        var options = new Dictionary<string, Option>(StringComparer.Ordinal);
        foreach (var o in command.Options)
        {
            options[o.Name] = o;
            foreach (var a in o.Aliases) options[a] = o;
        }
        for (int i = 0; i < args.Length; i++)
            if (options.TryGetValue(args[i], out var o) && o.Arity.MinimumNumberOfValues > 0 && (i + 1 == args.Length || options.ContainsKey(args[i + 1])))
                return $"option '{args[i]}' needs a value";
        return null;
    }

    /// <summary>The first parse error in one line: unknown options with a "did you mean", never a .NET type name.</summary>
    private static string ErrorLine(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (parse.UnmatchedTokens.FirstOrDefault() is { } token)
        {
            if (!token.StartsWith('-')) return $"unexpected argument '{token}'";
            var names = command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Append(o.Name))
                .Concat(command.Subcommands.Select(c => c.Name)).Distinct();
            return QemuCompat.DidYouMean(token, names) is { } near
                ? $"unknown option '{token}' (did you mean '{near}'?)"
                : $"unknown option '{token}'";
        }
        string message = OneLine(parse.Errors[0].Message);
        return message.Contains("System.", StringComparison.Ordinal) ? "invalid value on the command line" : message.TrimEnd('.');
    }

    /// <summary>Help whose first line names the program, then System.CommandLine's help.</summary>
    private sealed class NamedHelpAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine($"s390jit {Version}: {Summary}");
            parseResult.InvocationConfiguration.Output.WriteLine();
            return inner.Invoke(parseResult);
        }
    }
}
