using System.Text;

namespace S390Jit.Architecture.Isa;

/// <summary>Coverage of the instruction table: rows, rows with semantics and known gaps, by facility.</summary>
public static class Coverage
{
    public static int Rows => InstructionTable.All.Count;
    public static int Implemented => InstructionTable.All.Count(r => r.Implemented || r.Sie == SieAction.Intercept);

    public static string Report()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{Rows} rows, {Implemented} with semantics (or handled by the host model when intercepted), {Rows - Implemented} known gaps");
        sb.AppendLine($"{"facility",-10} {"rows",5} {"impl",5} {"gaps",5}  missing");
        foreach (var g in InstructionTable.All.GroupBy(r => r.Facility).OrderBy(g => g.Key))
        {
            var gaps = g.Where(r => !(r.Implemented || r.Sie == SieAction.Intercept)).Select(r => r.Mnemonic).ToList();
            string fac = g.Key < 0 ? "base" : g.Key.ToString();
            sb.AppendLine($"{fac,-10} {g.Count(),5} {g.Count() - gaps.Count,5} {gaps.Count,5}  {string.Join(' ', gaps)}");
        }
        return sb.ToString();
    }
}
