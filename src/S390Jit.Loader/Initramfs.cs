using System.IO.Compression;
using System.Text;

namespace S390Jit.Loader;

/// <summary>
/// An initramfs as Linux unpacks it (Documentation/driver-api/early-userspace/buffer-format.rst): a cpio
/// archive in the "newc" format (magic 070701, thirteen 8-digit hex fields, the NUL-terminated name, file
/// data, each padded to 4 bytes, ended by TRAILER!!!), gzip-compressed. The archive is reproducible: entries
/// sorted by path, parents before children, inode numbers counted from 1, owner root, mtime 0.
/// </summary>
public sealed class Initramfs
{
    /// <summary>Mode bits of the entry kinds (S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR).</summary>
    public const uint Directory = 0x4000, Regular = 0x8000, Symlink = 0xA000, CharDevice = 0x2000;

    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(uint Mode, byte[] Data, uint RdevMajor = 0, uint RdevMinor = 0);

    /// <summary>The archive's paths (without the leading slash), in archive order.</summary>
    public IEnumerable<string> Paths => _entries.Keys;

    private static string Normalize(string path)
    {
        var parts = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Count == 0 || parts.Contains("..")) throw new ArgumentException($"invalid path in the initramfs: '{path}'");
        return string.Join('/', parts);
    }

    private void AddParents(string path)
    {
        for (int i = path.IndexOf('/'); i > 0; i = path.IndexOf('/', i + 1))
            _entries.TryAdd(path[..i], new Entry(Directory | 0x1ED, []));
    }

    private void Add(string path, Entry e)
    {
        path = Normalize(path);
        AddParents(path);
        _entries[path] = e;
    }

    /// <summary>Adds a directory (and its missing parents), mode 0755 unless given.</summary>
    public void AddDirectory(string path, uint permissions = 0x1ED) => Add(path, new Entry(Directory | (permissions & 0xFFF), []));

    /// <summary>Adds a regular file with the given contents, mode 0644 unless given (0755 for programs).</summary>
    public void AddFile(string path, byte[] contents, uint permissions = 0x1A4) => Add(path, new Entry(Regular | (permissions & 0xFFF), contents));

    /// <summary>Adds a symbolic link to <paramref name="target"/>.</summary>
    public void AddSymlink(string path, string target) => Add(path, new Entry(Symlink | 0x1FF, Encoding.UTF8.GetBytes(target)));

    /// <summary>Adds a character device node (e.g. /dev/console, 5:1).</summary>
    public void AddCharDevice(string path, uint major, uint minor, uint permissions = 0x180) =>
        Add(path, new Entry(CharDevice | (permissions & 0xFFF), [], major, minor));

    /// <summary>Adds a host file or directory tree at <paramref name="path"/> (a directory's contents at "/" when path is "/").</summary>
    public void AddHost(string hostPath, string path)
    {
        var info = new FileInfo(hostPath);
        if (info.LinkTarget is { } link) { AddSymlink(path, link); return; }
        if (System.IO.Directory.Exists(hostPath))
        {
            bool root = path.Trim('/').Length == 0;
            if (!root) AddDirectory(path, Permissions(hostPath));
            foreach (var child in System.IO.Directory.EnumerateFileSystemEntries(hostPath).Order(StringComparer.Ordinal))
                AddHost(child, (root ? "" : path.TrimEnd('/')) + "/" + Path.GetFileName(child));
            return;
        }
        if (!info.Exists) throw new FileNotFoundException($"'{hostPath}': no such file or directory");
        AddFile(path, File.ReadAllBytes(hostPath), Permissions(hostPath));
    }

    private static uint Permissions(string hostPath) =>
        OperatingSystem.IsWindows() ? 0x1ED : (uint)File.GetUnixFileMode(hostPath) & 0xFFF;

    /// <summary>The uncompressed newc archive.</summary>
    public byte[] ToCpio()
    {
        var o = new MemoryStream();
        uint ino = 1;
        foreach (var (path, e) in _entries)
            WriteEntry(o, path, ino++, e.Mode, e.Mode >> 12 == Directory >> 12 ? 2u : 1u, e.Data, e.RdevMajor, e.RdevMinor);
        WriteEntry(o, "TRAILER!!!", 0, 0, 1, [], 0, 0);
        return o.ToArray();
    }

    /// <summary>The gzip-compressed archive, as -initrd takes it.</summary>
    public byte[] ToGzip()
    {
        var o = new MemoryStream();
        using (var gz = new GZipStream(o, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(ToCpio());
        return o.ToArray();
    }

    private static void WriteEntry(Stream o, string name, uint ino, uint mode, uint nlink, byte[] data, uint rmajor, uint rminor)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var h = new StringBuilder("070701");
        foreach (uint f in new[] { ino, mode, 0u, 0u, nlink, 0u, (uint)data.Length, 0u, 0u, rmajor, rminor, (uint)nameBytes.Length + 1, 0u })
            h.Append(f.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        o.Write(Encoding.ASCII.GetBytes(h.ToString()));
        o.Write(nameBytes);
        o.WriteByte(0);
        Pad(o);
        o.Write(data);
        Pad(o);
    }

    private static void Pad(Stream o)
    {
        while (o.Length % 4 != 0) o.WriteByte(0);
    }
}
