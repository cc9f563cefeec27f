using System.IO.Compression;
using System.Text;
using S390Jit.Loader;

namespace S390Jit.Tests.Loader;

/// <summary>The initramfs writer: newc cpio as Linux's buffer-format.rst describes it, gzip, reproducible.</summary>
public class InitramfsTests
{
    private static (string Name, uint[] Fields, byte[] Data)[] Parse(byte[] cpio)
    {
        var entries = new List<(string, uint[], byte[])>();
        int off = 0;
        while (true)
        {
            Assert.That(Encoding.ASCII.GetString(cpio, off, 6), Is.EqualTo("070701"), $"magic at {off}");
            var f = Enumerable.Range(0, 13).Select(i => Convert.ToUInt32(Encoding.ASCII.GetString(cpio, off + 6 + 8 * i, 8), 16)).ToArray();
            int nameSize = (int)f[11], fileSize = (int)f[6];
            string name = Encoding.UTF8.GetString(cpio, off + 110, nameSize - 1);
            Assert.That(cpio[off + 110 + nameSize - 1], Is.EqualTo(0), "NUL after the name");
            off = (off + 110 + nameSize + 3) & ~3;
            var data = cpio[off..(off + fileSize)];
            off = (off + fileSize + 3) & ~3;
            entries.Add((name, f, data));
            if (name == "TRAILER!!!") break;
        }
        Assert.That(off, Is.EqualTo(cpio.Length), "nothing after the trailer");
        return entries.ToArray();
    }

    [Test]
    public void Newc_entries_are_sorted_with_their_parents_padded_to_4_and_end_with_the_trailer()
    {
        var ir = new Initramfs();
        ir.AddFile("init", "#!/bin/sh\n"u8.ToArray(), 0x1ED);
        ir.AddFile("/bin/busybox", [1, 2, 3]);
        ir.AddSymlink("bin/sh", "busybox");
        ir.AddCharDevice("dev/console", 5, 1);
        var e = Parse(ir.ToCpio());
        Assert.That(e.Select(x => x.Name), Is.EqualTo(new[] { "bin", "bin/busybox", "bin/sh", "dev", "dev/console", "init", "TRAILER!!!" }));
        Assert.That(e.Select(x => x.Fields[0]), Is.EqualTo(new uint[] { 1, 2, 3, 4, 5, 6, 0 }), "inode numbers");
        Assert.That(e.Select(x => x.Fields[1]), Is.EqualTo(new uint[] { 0x41ED, 0x81A4, 0xA1FF, 0x41ED, 0x2180, 0x81ED, 0 }), "modes");
        Assert.That(e.Select(x => x.Fields[4]), Is.EqualTo(new uint[] { 2, 1, 1, 2, 1, 1, 1 }), "nlink");
        Assert.That((e[4].Fields[9], e[4].Fields[10]), Is.EqualTo((5u, 1u)), "rdev of /dev/console");
        Assert.That(Encoding.ASCII.GetString(e[2].Data), Is.EqualTo("busybox"), "a symlink's data is its target");
        Assert.That(e[5].Data, Is.EqualTo("#!/bin/sh\n"u8.ToArray()));
        Assert.That(e.All(x => x.Fields[2] == 0 && x.Fields[3] == 0 && x.Fields[5] == 0), "owner root, mtime 0");
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Gzip_archive_unpacks_to_the_cpio_and_is_reproducible_from_a_host_tree()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"s390jit-ir-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "etc"));
            File.WriteAllText(Path.Combine(dir, "etc", "motd"), "hi\n");
            File.WriteAllText(Path.Combine(dir, "init"), "#!/bin/sh\n");
            File.SetUnixFileMode(Path.Combine(dir, "init"), (UnixFileMode)0x1ED);
            File.CreateSymbolicLink(Path.Combine(dir, "sh"), "init");
            byte[] Make() { var ir = new Initramfs(); ir.AddHost(dir, "/"); return ir.ToGzip(); }
            var gz = Make();
            Assert.That(Make(), Is.EqualTo(gz), "same tree, same bytes");
            var cpio = new MemoryStream();
            using (var g = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress)) g.CopyTo(cpio);
            var e = Parse(cpio.ToArray());
            Assert.That(e.Select(x => (x.Name, x.Fields[1])), Is.EqualTo(new[] { ("etc", 0x4000u | (uint)File.GetUnixFileMode(Path.Combine(dir, "etc"))),
                ("etc/motd", 0x8000u | (uint)File.GetUnixFileMode(Path.Combine(dir, "etc", "motd"))),
                ("init", 0x81EDu), ("sh", 0xA1FFu), ("TRAILER!!!", 0u) }));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void A_path_leaving_the_root_is_refused()
    {
        Assert.That(() => new Initramfs().AddFile("../x", []), Throws.ArgumentException);
    }
}
