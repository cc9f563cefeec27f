using System.Text;

namespace S390Jit.Architecture.Isa;

/// <summary>
/// Coverage of the instruction table: rows, rows with semantics (a body, or an intercept the host model
/// handles) and known gaps (rows that raise the operation exception), by facility and by group; and,
/// given binutils' list of z16 mnemonics, the ones neither a row nor an extended mnemonic spells.
/// </summary>
public static class Coverage
{
    public static int Rows => InstructionTable.All.Count;
    public static int Implemented => InstructionTable.All.Count(Covered);
    public static int Gaps => Rows - Implemented;

    /// <summary>A row has semantics when it has a body, or is intercepted and handled by the host model.</summary>
    public static bool Covered(InsnDef r) => r.Implemented || (r.Sie == SieAction.Intercept && r.Has(InsnFlags.HostHandled));

    /// <summary>Mnemonics of <paramref name="binutils"/> that are neither a row nor an extended mnemonic.</summary>
    public static List<string> Missing(IEnumerable<string> binutils) =>
        binutils.Where(m => InstructionTable.ByMnemonic(m) == null && InstructionTable.AliasByMnemonic(m) == null).ToList();

    public static string Report(IEnumerable<string>? binutilsMnemonics = null)
    {
        var sb = new StringBuilder();
        int bodies = InstructionTable.All.Count(r => r.Implemented);
        int host = Implemented - bodies;
        sb.AppendLine($"{Rows} rows: {Implemented} with semantics ({bodies} semantic bodies, {host} intercepts handled by the host model), " +
                      $"{Gaps} known gaps (operation exception); {InstructionTable.Aliases.Count()} extended mnemonics");
        if (binutilsMnemonics != null)
        {
            var list = binutilsMnemonics.ToList();
            var missing = Missing(list);
            sb.AppendLine($"binutils 2.40 z16 mnemonics: {list.Count}, missing from the table: {missing.Count}" +
                          (missing.Count > 0 ? $" ({string.Join(' ', missing)})" : ""));
        }
        sb.AppendLine();
        sb.AppendLine($"{"group",-10} {"rows",5} {"impl",5} {"gaps",5}");
        foreach (var g in InstructionTable.All.GroupBy(r => r.Group).OrderByDescending(g => g.Count()))
            sb.AppendLine($"{g.Key,-10} {g.Count(),5} {g.Count(Covered),5} {g.Count(r => !Covered(r)),5}");
        sb.AppendLine();
        sb.AppendLine($"{"facility",-10} {"rows",5} {"impl",5} {"gaps",5}  missing");
        foreach (var g in InstructionTable.All.GroupBy(r => r.Facility).OrderBy(g => g.Key))
        {
            var gaps = g.Where(r => !Covered(r)).Select(r => r.Mnemonic).ToList();
            string fac = g.Key < 0 ? "base" : g.Key.ToString();
            sb.AppendLine($"{fac,-10} {g.Count(),5} {g.Count() - gaps.Count,5} {gaps.Count,5}  {string.Join(' ', gaps)}");
        }
        return sb.ToString();
    }
}
