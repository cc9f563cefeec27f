using BenchmarkDotNet.Attributes;
using S390Jit.Architecture.Isa;
using S390Jit.Loader;

namespace S390Jit.Benchmarks;

/// <summary>
/// Decoder throughput over the instruction stream of a real guest's text: the interpreter's per-instruction
/// work (table lookup + generic field extraction), the lookup alone, and the disassembler.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private ulong[] _stream = [];
    private byte[] _text = [];

    [GlobalSetup]
    public void Setup()
    {
        var elf = ElfImage.Load(Path.Combine(FindRoot(), "guests", "insns.elf"));
        var text = elf.FindSection(".text") ?? throw new InvalidOperationException("no .text");
        _text = text.Data.ToArray();
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

    /// <summary>Instructions in the stream (divide a run's time by this for the per-instruction cost).</summary>
    public int Instructions => _stream.Length;

    [Benchmark(Description = "decode (lookup + fields), whole .text")]
    public int DecodeAll()
    {
        int n = 0;
        foreach (var raw in _stream)
            if (Decoder.Decode(raw, out var insn)) n += insn.Length;
        return n;
    }

    [Benchmark(Description = "lookup only, whole .text")]
    public int LookupAll()
    {
        int n = 0;
        foreach (var raw in _stream)
            if (Decoder.Lookup(raw) is { } def) n += def.Cycles;
        return n;
    }

    [Benchmark(Description = "disassemble (objdump spelling), whole .text")]
    public int DisassembleAll()
    {
        int n = 0;
        foreach (var line in Disassembler.Walk(_text, 0x10000)) n += line.Operands.Length;
        return n;
    }
}
