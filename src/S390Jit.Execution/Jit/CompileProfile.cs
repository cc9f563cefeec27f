using System.Text;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Measurement aid: with S390JIT_COMPILE_PROFILE=file, the compiler thread appends one line per region
/// ("region key blocks insns exits il-bytes locals emit-us jit-us") and one per guest instruction
/// ("insn mnemonic il-bytes simple|helper") to the file, for perf/issue14-compile.md.
/// </summary>
public static class CompileProfile
{
    private static readonly StreamWriter? s_out = Open();
    public static bool Enabled => s_out != null;

    private static StreamWriter? Open()
    {
        var path = Environment.GetEnvironmentVariable("S390JIT_COMPILE_PROFILE");
        if (string.IsNullOrEmpty(path)) return null;
        var w = new StreamWriter(path, append: false, Encoding.ASCII) { AutoFlush = true };
        return w;
    }

    public static void Insn(string mnemonic, int ilBytes, bool simple)
    {
        lock (s_out!) s_out.WriteLine($"insn {mnemonic} {ilBytes} {(simple ? "simple" : "helper")}");
    }

    public static void Line(string line)
    {
        if (s_out == null) return;
        lock (s_out) s_out.WriteLine(line);
    }

    public static void Region(RegionKey key, int blocks, int insns, int exits, int ilBytes, int locals, double emitUs, double jitUs)
    {
        if (s_out == null) return;
        lock (s_out) s_out.WriteLine($"region {key.Address:x} {blocks} {insns} {exits} {ilBytes} {locals} {emitUs:F0} {jitUs:F0}");
    }
}
