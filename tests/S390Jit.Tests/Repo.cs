namespace S390Jit.Tests;

/// <summary>Paths inside the repository checkout the tests run from.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (d != null && !File.Exists(System.IO.Path.Combine(d.FullName, "S390Jit.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root (S390Jit.sln) not found");
    }

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
}
