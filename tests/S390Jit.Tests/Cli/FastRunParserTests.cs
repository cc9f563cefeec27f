using System.CommandLine;
using System.Reflection;
using S390Jit.Cli;

namespace S390Jit.Tests.Cli;

/// <summary>The start-up fast path for plain run command lines gives exactly System.CommandLine's settings, or declines.</summary>
public class FastRunParserTests
{
    /// <summary>The settings System.CommandLine binds for a command line (the tree Program.Run builds for it).</summary>
    private static RunSettings? Slow(string[] args)
    {
        var root = new RootCommand();
        var run = new Command("run");
        var runOptions = new RunOptions();
        runOptions.AddTo(run, withKernelArgument: true);
        root.Subcommands.Add(run);
        var rootOptions = new RunOptions();
        if (args.Length == 0 || args[0] != "run")
        {
            rootOptions.AddTo(root, withKernelArgument: false);
            root.SetAction(_ => 0); // (a root command without an action requires a subcommand)
        }
        var parse = root.Parse(args, new ParserConfiguration { EnablePosixBundling = false, ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0) return null;
        return parse.CommandResult.Command == run ? runOptions.Bind(parse) : rootOptions.Bind(parse);
    }

    private static string Describe(RunSettings s)
    {
        var parts = new List<string>();
        foreach (var f in typeof(RunSettings).GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            object? v = f.GetValue(s);
            string text = v switch
            {
                null => "null",
                string[] a => "[" + string.Join("|", a) + "]",
                List<(string Option, string? Value)> l => "[" + string.Join("|", l.Select(x => $"{x.Option}={x.Value ?? "null"}")) + "]",
                _ => v.ToString()!,
            };
            parts.Add($"{f.Name}={text}");
        }
        return string.Join(" ", parts);
    }

    [TestCase("run guests/hello.elf")]
    [TestCase("run -m 64M guests/hello.elf --engine interp --stats")]
    [TestCase("run guests/hello.elf -m 64 -m 256M --append a --append b -d int,unimp -d cpu -D log.txt --max-cycles 1000")]
    [TestCase("-nodefaults -nographic -machine s390-ccw-virtio,accel=tcg -chardev stdio,id=con0 -device sclpconsole,chardev=con0 -kernel guests/hello.elf")]
    [TestCase("-kernel k.elf -initrd i.gz -append console=ttysclp0 -m 512 -smp 2 -cpu max,apqi=on -M s390-ccw-virtio -name guest=x")]
    [TestCase("run k.elf -kernel k2.elf")]
    [TestCase("run k.elf -serial mon:stdio -display none -no-reboot -enable-kvm -accel tcg -uuid 12345678-1234-1234-1234-123456789abc -serial none")]
    [TestCase("run k.elf --ap 05.0004 --ap 06.0004,07.0001 --ap-type cex8 --ap-off --quirk a --quirk b --host aiv=off --ap-event 100:reset")]
    [TestCase("run k.elf --profile --profile-out p.folded --symbols s.map --trace host --trace-out t.json --progress --verify-jit --cpu-mhz 1000")]
    [TestCase("run k.elf --stats-format json")]
    public void Plain_command_lines_give_the_same_settings(string line)
    {
        var args = line.Split(' ');
        var fast = FastRunParser.TryParse(args);
        Assert.That(fast, Is.Not.Null, "the fast path takes it");
        var slow = Slow(args);
        Assert.That(slow, Is.Not.Null, "System.CommandLine takes it");
        Assert.That(Describe(fast!), Is.EqualTo(Describe(slow!)));
    }

    [TestCase("run")]
    [TestCase("--help")]
    [TestCase("run --help")]
    [TestCase("run k.elf -h")]
    [TestCase("run k.elf --stats=json")]
    [TestCase("run k.elf --engine=interp")]
    [TestCase("run k.elf --stats false")]
    [TestCase("run k.elf -nographic true")]
    [TestCase("run k.elf -append")]
    [TestCase("run k.elf -append -kernel")]
    [TestCase("run k.elf other.elf")]
    [TestCase("run k.elf -s")]
    [TestCase("run k.elf -gdb tcp::1234")]
    [TestCase("run k.elf -snapshot")]
    [TestCase("run k.elf -drive file=x")]
    [TestCase("run k.elf --kernel k.elf")]
    [TestCase("run k.elf -- x")]
    [TestCase("-m 64")]
    [TestCase("k.elf")]
    [TestCase("-kernel k.elf run")]
    [TestCase("disasm k.elf")]
    [TestCase("mkinitramfs -o x")]
    [TestCase("run k.elf -name run")]
    [TestCase("run [diagram] k.elf")]
    [TestCase("run @args.rsp")]
    [TestCase("run k.elf --unknown")]
    public void Anything_else_goes_to_System_CommandLine(string line)
    {
        Assert.That(FastRunParser.TryParse(line.Split(' ')), Is.Null);
    }

    /// <summary>Every spelling the fast path reads is an option of "run" with the same kind (a value or a flag).</summary>
    [Test]
    public void The_fast_path_knows_only_run_options_of_the_same_kind()
    {
        var run = new Command("run");
        new RunOptions().AddTo(run, withKernelArgument: true);
        var byName = new Dictionary<string, Option>();
        foreach (var o in run.Options)
        {
            byName[o.Name] = o;
            foreach (var a in o.Aliases) byName[a] = o;
        }
        foreach (var (name, first) in FastRunParser.ValueOptions)
        {
            Assert.That(byName.TryGetValue(name, out var o), name);
            Assert.That(o, Is.InstanceOf<Option<string[]>>(), name);
            Assert.That(byName[first], Is.SameAs(o), $"{name} and {first} are one option");
        }
        foreach (var (name, first) in FastRunParser.Flags)
        {
            Assert.That(byName.TryGetValue(name, out var o), name);
            Assert.That(o, Is.InstanceOf<Option<bool>>(), name);
            Assert.That(byName[first], Is.SameAs(o), $"{name} and {first} are one option");
        }
    }
}
