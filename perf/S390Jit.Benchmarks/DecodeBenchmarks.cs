using BenchmarkDotNet.Attributes;
using S390Jit.Architecture.Isa;
using S390Jit.Loader;

namespace S390Jit.Benchmarks;

/// <summary>Decoder throughput over the instruction stream of a real guest's text.</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private ulong[] _stream = [];

    [GlobalSetup]
    public void Setup()
    {
        var elf = ElfImage.Load(Path.Combine(FindRoot(), "guests", "insns.elf"));
        var text = elf.FindSection(".text") ?? throw new InvalidOperationException("no .text");
        var bytes = text.Data.Span;
        var list = new List<ulong>();
        for (int off = 0; off + 6 <= bytes.Length;)
        {
            ulong raw = Decoder.LeftAlign(bytes.Slice(off, 6));
            list.Add(raw);
            off += Formats.LengthFromFirstByte(bytes[off]);
        }
        _stream = list.ToArray();
    }

    internal static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "S390Jit.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("run from inside the repository");
    }

    [Benchmark(Description = "decode (lookup + fields), per instruction", OperationsPerInvoke = 1)]
    public int DecodeAll()
    {
        int n = 0;
        foreach (var raw in _stream)
            if (Decoder.Decode(raw, out var insn)) n += insn.Length;
        return n;
    }
}
