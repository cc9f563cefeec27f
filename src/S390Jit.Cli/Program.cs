using System.CommandLine;
using S390Jit.Loader;
using S390Jit.Vmm;

namespace S390Jit.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            return Run(args, Console.Out, Console.Error);
        }
        catch (Exception e)
        {
            // last line of defence: never a .NET stack trace
            Console.Error.WriteLine($"s390jit: internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            return 4;
        }
    }

    public static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    /// <summary>Entry point shared by Main and the tests.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("S390Jit: an IBM Z (s390x) system emulator with a modelled KVM host.\n" +
                                   "Runs s390x ELF kernels; also accepts qemu-system-s390x's -kernel style options.");
        var runOptions = new RunOptions();
        var run = new Command("run", "Boot an s390x ELF kernel (qemu-system-s390x -kernel protocol) and run it to completion.");
        runOptions.AddTo(run, withKernelArgument: true);
        run.SetAction(pr => RunCommand.Execute(runOptions.Bind(pr), stdout, stderr));
        root.Subcommands.Add(run);
        root.Subcommands.Add(DisasmCommand.Create(stdout, stderr));

        // qemu-system-s390x spellings directly on the root command: "s390jit -kernel x.elf -nographic ..."
        var qemuOptions = new RunOptions();
        qemuOptions.AddTo(root, withKernelArgument: false);
        root.SetAction(pr =>
        {
            var o = qemuOptions.Bind(pr);
            if (o.Kernel == null)
            {
                stderr.WriteLine("s390jit: error: no command given; try 's390jit run KERNEL' or 's390jit --help'");
                return 2;
            }
            return RunCommand.Execute(o, stdout, stderr);
        });

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine($"s390jit: error: {OneLine(parse.Errors[0].Message)} (see 's390jit --help')");
            return 2;
        }
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        return parse.Invoke(config);
    }
}
