using System.CommandLine;
using S390Jit.Loader;

namespace S390Jit.Cli;

/// <summary>
/// "s390jit mkinitramfs SOURCE... -o initrd.gz": a gzip-compressed newc cpio archive for -initrd, made
/// from host directories (their contents at /) and files (at /NAME, or at the path after a colon:
/// busybox:/bin/busybox). The archive is reproducible (sorted, owner root, mtime 0).
/// </summary>
internal static class MkinitramfsCommand
{
    private static readonly Argument<string[]> s_sources = new("source")
    {
        Description = "DIR (its contents at /), FILE (at /NAME) or SRC:/PATH (at PATH)",
        Arity = ArgumentArity.OneOrMore,
    };
    private static readonly Option<string> s_output = new("--output", "-o") { Description = "the archive to write (e.g. initrd.gz)", Required = true };
    private static readonly Option<bool> s_noGzip = new("--no-gzip") { Description = "write the plain cpio archive" };

    /// <summary>The command's line in 's390jit --help'.</summary>
    public const string Summary = "Make an initramfs for -initrd: a gzip-compressed newc cpio archive of host files and directories.";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("mkinitramfs", Summary);
        cmd.Arguments.Add(s_sources);
        cmd.Options.Add(s_output);
        cmd.Options.Add(s_noGzip);
        cmd.SetAction(pr => Execute(pr.GetValue(s_sources)!, pr.GetValue(s_output)!, pr.GetValue(s_noGzip), stdout, stderr));
        return cmd;
    }

    public static int Execute(string[] sources, string output, bool noGzip, TextWriter stdout, TextWriter stderr)
    {
        var archive = new Initramfs();
        try
        {
            foreach (var source in sources)
            {
                int colon = source.IndexOf(":/", StringComparison.Ordinal);
                string host = colon > 0 ? source[..colon] : source;
                string path = colon > 0 ? source[(colon + 1)..] : Directory.Exists(host) ? "/" : "/" + Path.GetFileName(host.TrimEnd('/'));
                archive.AddHost(host, path);
            }
            if (!archive.Paths.Contains("init"))
                stderr.WriteLine("s390jit: warning: the archive has no /init (Linux then looks for a root device)");
            byte[] bytes = noGzip ? archive.ToCpio() : archive.ToGzip();
            try { File.WriteAllBytes(output, bytes); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"s390jit: mkinitramfs: {output}: cannot write the archive ({Program.IoProblem(e)})");
                return 2;
            }
            int n = archive.Paths.Count();
            stdout.WriteLine($"{output}: {n} {(n == 1 ? "entry" : "entries")}, {bytes.Length} bytes");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            stderr.WriteLine($"s390jit: mkinitramfs: {Program.OneLine(e.Message)}");
            return 2;
        }
    }
}
