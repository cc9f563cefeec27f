using System.Diagnostics;

namespace S390Jit.Tests.Cli;

/// <summary>
/// dotnet pack + dotnet tool install give an s390jit command (issue 10 item 8). The test packs the Release
/// build it runs from (S390JitQuickPack: portable, no ReadyToRun, no restore) and installs it from a
/// package source holding only that folder, so it needs no network.
/// </summary>
public class ToolPackageTests
{
    private static (int Code, string Out, string Err) Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(180_000)) { p.Kill(true); return (-1, o.Result, "timed out"); }
        return (p.ExitCode, o.Result, e.Result);
    }

    [Test]
    public void Packed_tool_installs_as_s390jit_and_runs_a_guest()
    {
        string config = TestContext.CurrentContext.TestDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        string dir = Path.Combine(Path.GetTempPath(), $"s390jit-tool-{Guid.NewGuid():N}");
        try
        {
            string packages = Path.Combine(dir, "packages"), tools = Path.Combine(dir, "tools"), nugetConfig = Path.Combine(dir, "nuget.config");
            var pack = Run("dotnet", "pack", Repo.Path("src", "S390Jit.Cli", "S390Jit.Cli.csproj"), "-c", config, "--no-build", "-o", packages,
                "-p:S390JitQuickPack=true");
            Assert.That(pack.Code, Is.EqualTo(0), pack.Out + pack.Err);
            var package = Directory.GetFiles(packages, "S390Jit.*.nupkg").Single();
            TestContext.Out.WriteLine($"{Path.GetFileName(package)}: {new FileInfo(package).Length} bytes");

            File.WriteAllText(nugetConfig, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>
                """);
            var install = Run("dotnet", "tool", "install", "--tool-path", tools, "--configfile", nugetConfig, "S390Jit");
            Assert.That(install.Code, Is.EqualTo(0), install.Out + install.Err);

            string s390jit = Path.Combine(tools, "s390jit");
            var version = Run(s390jit, "-version");
            Assert.That(version.Out.Split('\n')[0], Does.Match(@"^s390jit version \d+\.\d+\.\d+ "));
            var hello = Run(s390jit, "run", Repo.Path("guests", "hello.elf"));
            Assert.That((hello.Code, hello.Out.TrimEnd().Split('\n')[^1]), Is.EqualTo((0, "EXIT: STATUS=1")), hello.Err);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
