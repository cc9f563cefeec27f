using System.Diagnostics;
using System.Text.RegularExpressions;

namespace S390Jit.Tests;

/// <summary>
/// Debian s390x packages fetched at test time with apt under another architecture (never committed):
/// lists and downloads live in .downloads/debian-s390x (git-ignored) and are reused by later runs.
/// Every method returns null with <paramref name="reason"/> set when the package cannot be had.
/// </summary>
public static class DebianPackages
{
    public static string CacheDir { get; } = Environment.GetEnvironmentVariable("S390JIT_DEB_CACHE") ?? Repo.Path(".downloads", "debian-s390x");

    private static readonly object s_lock = new();
    private static bool s_updated;

    /// <summary>The newest <c>linux-image-6.1.0-NN-s390x</c>'s vmlinuz (extracted), or null.</summary>
    public static string? DebianKernel(out string reason)
    {
        lock (s_lock)
        {
            var existing = Directory.Exists(Path.Combine(CacheDir, "root", "boot"))
                ? Directory.GetFiles(Path.Combine(CacheDir, "root", "boot"), "vmlinuz-6.1.0-*-s390x").Order().LastOrDefault() : null;
            if (existing != null) { reason = ""; return existing; }
            if (!Update(out reason)) return null;
            var search = Apt("apt-cache", out reason, "search", "^linux-image-6\\.1\\.0-[0-9]+-s390x$");
            var names = Regex.Matches(search ?? "", @"^(linux-image-6\.1\.0-(\d+)-s390x) ", RegexOptions.Multiline)
                .OrderBy(m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).Select(m => m.Groups[1].Value).ToList();
            if (names.Count == 0) { reason = $"no linux-image-6.1.0-NN-s390x in the s390x package lists {reason}"; return null; }
            if (Extract(names[^1], out reason) is not { } root) return null;
            return Directory.GetFiles(Path.Combine(root, "boot"), "vmlinuz-*").FirstOrDefault();
        }
    }

    /// <summary>busybox-static's busybox (extracted), or null.</summary>
    public static string? BusyboxStatic(out string reason)
    {
        lock (s_lock)
        {
            string bin = Path.Combine(CacheDir, "root", "bin", "busybox");
            reason = "";
            if (File.Exists(bin)) return bin;
            if (!Update(out reason)) return null;
            if (Extract("busybox-static", out reason) == null) return null;
            if (File.Exists(bin)) return bin;
            reason = "busybox-static has no /bin/busybox";
            return null;
        }
    }

    private static bool Update(out string reason)
    {
        reason = "";
        if (s_updated) return true;
        Directory.CreateDirectory(Path.Combine(CacheDir, "lists", "partial"));
        if (Apt("apt-get", out reason, "update") == null) return false;
        return s_updated = true;
    }

    /// <summary>Downloads a package and extracts it into CacheDir/root; returns that directory.</summary>
    private static string? Extract(string package, out string reason)
    {
        if (Apt("apt-get", out reason, "download", package) == null) return null;
        var deb = Directory.GetFiles(CacheDir, package + "_*.deb").FirstOrDefault();
        if (deb == null) { reason = $"apt-get download {package} left no .deb"; return null; }
        string root = Path.Combine(CacheDir, "root");
        if (Run("dpkg", CacheDir, out reason, "-x", deb, root) == null) return null;
        return root;
    }

    private static string? Apt(string tool, out string reason, params string[] args) =>
        Run(tool, CacheDir, out reason, [
            "-oAPT::Architecture=s390x", "-oAPT::Architectures=s390x", $"-oDir::State::Lists={CacheDir}/lists",
            $"-oDir::Cache={CacheDir}", "-oDebug::NoLocking=1", "-q", .. args]);

    private static string? Run(string tool, string dir, out string reason, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(300_000)) { p.Kill(true); reason = $"{tool} {args[^1]} timed out"; return null; }
            reason = p.ExitCode == 0 ? "" : $"{tool} {string.Join(' ', args.Where(a => !a.StartsWith("-o", StringComparison.Ordinal)))} failed: {stderr.Result.Trim().Split('\n')[^1]}";
            return p.ExitCode == 0 ? stdout.Result : null;
        }
        catch (System.ComponentModel.Win32Exception) { reason = $"{tool} is not installed"; return null; }
    }
}
