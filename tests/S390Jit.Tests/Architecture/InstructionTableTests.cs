using System.Reflection;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

/// <summary>Invariants of the one instruction table (what QEMU gets from its compiler, as tests).</summary>
public class InstructionTableTests
{
    private static IEnumerable<InsnDef> Rows => InstructionTable.All;

    [Test]
    public void Length_from_first_byte_agrees_with_format()
    {
        foreach (var r in Rows)
            Assert.That(Formats.LengthFromFirstByte(r.Op1), Is.EqualTo(r.Length), r.ToString());
    }

    [Test]
    public void Opcodes_and_mnemonics_are_unique()
    {
        Assert.That(Rows.Select(r => (r.Op1, Decoder.Op2Of(r.Op1) == Op2Kind.None ? 0 : r.Op2)).Distinct().Count(), Is.EqualTo(Rows.Count()));
        Assert.That(Rows.Select(r => r.Mnemonic).Distinct().Count(), Is.EqualTo(Rows.Count()));
    }

    [Test]
    public void Every_row_has_cost_group_and_sie_behaviour()
    {
        foreach (var r in Rows)
        {
            Assert.That(r.Cycles, Is.GreaterThanOrEqualTo(0), r.ToString());
            Assert.That(r.Group, Is.Not.Empty, r.ToString());
            if (r.Sie == SieAction.Conditional) Assert.That(r.SieCheck, Is.Not.Null, r.ToString());
            if (r.Sie == SieAction.Interpreted && r.Cycles == 0) Assert.Fail($"{r}: interpreted rows must cost cycles");
            if (r.Has(InsnFlags.Io)) Assert.That(r.Has(InsnFlags.EndsBlock), r.ToString());
        }
    }

    [Test]
    public void Each_semantic_body_belongs_to_exactly_one_row()
    {
        var bodies = InstructionTable.FindMethods(m => m.ReturnType == typeof(void));
        var used = Rows.Where(r => r.Body != null).Select(r => r.Body!).ToHashSet();
        var orphans = bodies.Values.Where(m => !used.Contains(m)).Select(m => m.Name).ToList();
        Assert.That(orphans, Is.Empty, "semantic bodies without a table row");
        foreach (var r in Rows.Where(r => r.Body != null))
            Assert.That(r.Body!.Name, Is.EqualTo(r.Mnemonic));
    }

    /// <summary>
    /// The binding generated at build time (S390Jit.Generators) is the one reflection finds by the table's rule:
    /// the same bodies and checks, and each row's entry point is that method's.
    /// </summary>
    [Test]
    public unsafe void Generated_binding_matches_the_reflection_rule()
    {
        var bodies = InstructionTable.FindMethods(m => m.ReturnType == typeof(void));
        var checks = InstructionTable.FindMethods(m => m.ReturnType == typeof(bool));
        foreach (var r in Rows)
        {
            Assert.That(r.Body, Is.EqualTo(bodies.GetValueOrDefault(r.Mnemonic)), r.ToString());
            Assert.That(r.Implemented, Is.EqualTo(r.Body != null), r.ToString());
            if (r.Body is { } body)
            {
                nint entry = r.IsSimple ? (nint)r.ExecSimple : (nint)r.Exec;
                Assert.That(entry, Is.EqualTo(body.MethodHandle.GetFunctionPointer()), r.ToString());
                Assert.That(r.IsSimple, Is.EqualTo(body.DeclaringType!.IsGenericType), r.ToString());
                if (r.IsSimple) Assert.That(r.SimpleBodyClass, Is.EqualTo(body.DeclaringType.GetGenericTypeDefinition()), r.ToString());
            }
            if (r.Sie == SieAction.Conditional)
            {
                Assert.That(r.SieCheck, Is.EqualTo(checks["Sie_" + r.Mnemonic]), r.ToString());
                Assert.That((nint)r.SieCheckFn, Is.EqualTo(r.SieCheck!.MethodHandle.GetFunctionPointer()), r.ToString());
            }
        }
    }

    /// <summary>
    /// The rows the generator parsed at build time (S390Jit.Generators, TableRows) are the table text's: every
    /// column of every line, read again here the plain way.
    /// </summary>
    [Test]
    public void Generated_rows_match_the_table_text()
    {
        var lines = InstructionTable.Text.Split('\n');
        var rows = Rows.ToList();
        int k = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var c = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var r = rows[k++];
            string at = $"line {i + 1}: {line}";
            Assert.That(r.OpcodeText, Is.EqualTo(c[0].ToUpperInvariant()), at);
            Assert.That(r.Mnemonic, Is.EqualTo(c[1]), at);
            Assert.That(r.Format.ToString(), Is.EqualTo(c[2]), at);
            Assert.That(r.Facility, Is.EqualTo(c[3] == "-" ? Fac.None : int.Parse(c[3])), at);
            var flags = InsnFlags.None;
            if (c[4] != "-")
                foreach (char ch in c[4])
                    flags |= ch switch
                    {
                        'P' => InsnFlags.Priv, 'U' => InsnFlags.UImm, 'B' => InsnFlags.Branch, 'E' => InsnFlags.EndsBlock,
                        '1' => InsnFlags.EvenR1, '2' => InsnFlags.EvenR2, '3' => InsnFlags.EvenR3, 'O' => InsnFlags.Io | InsnFlags.EndsBlock,
                        'X' => InsnFlags.Execute | InsnFlags.EndsBlock, 'Q' => InsnFlags.SemiPriv, 'H' => InsnFlags.HostHandled,
                        'V' => InsnFlags.Vector, 'K' => InsnFlags.Continues, _ => throw new AssertionException($"unknown flag {ch}"),
                    };
            Assert.That(r.Flags, Is.EqualTo(flags), at);
            Assert.That(r.Sie, Is.EqualTo(c[5] switch { "I" => SieAction.Interpreted, "X" => SieAction.Intercept, _ => SieAction.Conditional }), at);
            Assert.That(r.Cycles, Is.EqualTo(int.Parse(c[6])), at);
            Assert.That(r.Group, Is.EqualTo(c[7]), at);
            Assert.That(r.SyntaxText, Is.EqualTo(c[8]), at);
            Assert.That(r.TableLine, Is.EqualTo(i + 1), at);
            Assert.That(r.Op1, Is.EqualTo(Convert.ToByte(c[0][..2], 16)), at);
            if (Decoder.Op2Of(r.Op1) != Op2Kind.None) Assert.That(r.Op2, Is.EqualTo(Convert.ToByte(c[0][2..], 16)), at);
            Assert.That(InstructionTable.ByMnemonic(c[1]), Is.SameAs(r), at);
        }
        Assert.That(k, Is.EqualTo(rows.Count));
    }

    /// <summary>Issue 2's required set: what gcc -O2 emits for z196/zEC12 plus supervisor start-up code.</summary>
    private static readonly string[] Required =
    [
        "AR", "A", "AH", "AHI", "AG", "AGR", "AGF", "AGFR", "AGHI", "AFI", "AGFI", "ARK", "AGRK", "AHIK", "AGHIK", "ASI", "AGSI",
        "ALR", "AL", "ALG", "ALGR", "ALGF", "ALGFR", "ALFI", "ALGFI", "ALRK", "ALGRK", "ALHSIK", "ALGHSIK", "ALCR", "ALCGR", "ALC", "ALCG",
        "SR", "S", "SH", "SG", "SGR", "SGF", "SGFR", "SRK", "SGRK", "SLR", "SL", "SLG", "SLGR", "SLGF", "SLGFR", "SLFI", "SLGFI", "SLBR", "SLBGR",
        "MR", "M", "MH", "MHI", "MGHI", "MS", "MSR", "MSG", "MSGR", "MSGF", "MSGFR", "MSFI", "MSGFI", "MLR", "MLGR", "ML", "MLG",
        "DR", "D", "DLR", "DLGR", "DL", "DLG", "DSGR", "DSG", "DSGFR", "DSGF",
        "CR", "C", "CH", "CHI", "CG", "CGR", "CGF", "CGFR", "CGHI", "CFI", "CGFI", "CLR", "CL", "CLG", "CLGR", "CLGF", "CLGFR", "CLFI", "CLGFI",
        "CLI", "CLIY", "CHHSI", "CHSI", "CGHSI", "CLHHSI", "CLFHSI", "CLGHSI", "CRL", "CGRL", "CLRL", "CLGRL",
        "NR", "N", "NG", "NGR", "NI", "NC", "NILL", "NILH", "NIHF", "NILF", "NRK", "NGRK", "OR", "O", "OG", "OGR", "OI", "OC", "OILL", "OIHF", "OILF",
        "XR", "X", "XG", "XGR", "XI", "XC", "XILF", "XIHF", "TM", "TMLL", "TMLH", "TMHH", "TMHL",
        "SLL", "SRL", "SLA", "SRA", "SLLG", "SRLG", "SLAG", "SRAG", "SLDL", "SRDL", "SLDA", "SRDA", "SLLK", "SRLK", "SLAK", "SRAK", "RLL", "RLLG",
        "RISBG", "RISBGN", "RNSBG", "ROSBG", "RXSBG", "RISBHG", "RISBLG",
        "L", "LY", "LG", "LGF", "LGFR", "LLGF", "LLGFR", "LH", "LHY", "LGH", "LHR", "LGHR", "LLH", "LLGH", "LLHR", "LLGHR", "LB", "LGB", "LBR", "LGBR",
        "LLC", "LLGC", "LLCR", "LLGCR", "LR", "LGR", "LHI", "LGHI", "LGFI", "LLILF", "LLIHF", "LLILL", "IILF", "IIHF", "IILL", "LT", "LTG", "LTR", "LTGR", "LTGF",
        "LCR", "LCGR", "LNR", "LNGR", "LPR", "LPGR", "LM", "LMG", "STM", "STMG", "LMH", "STMH",
        "ST", "STY", "STG", "STH", "STHY", "STC", "STCY", "MVI", "MVHI", "MVGHI", "MVHHI",
        "LRL", "LGRL", "LGFRL", "LLGFRL", "STRL", "STGRL", "LFH", "STFH", "LHH", "LLHH", "LLCH", "LBH", "STCH", "STHH", "AIH", "CIH", "CLIH",
        "LOC", "LOCG", "LOCR", "LOCGR", "STOC", "STOCG",
        "CRJ", "CGRJ", "CLRJ", "CLGRJ", "CIJ", "CGIJ", "CLIJ", "CLGIJ", "CRB", "CGRB", "CIB", "CGIB", "CIT", "CGIT", "CLFIT", "CLGIT", "CRT", "CGRT",
        "BRC", "BRCL", "BC", "BCR", "BRAS", "BRASL", "BAS", "BASR", "BCT", "BCTR", "BCTG", "BCTGR", "BRCT", "BRCTG", "BRXH", "BRXLE", "BXH", "BXLE", "BRXHG", "BRXLG",
        "MVC", "CLC", "XC", "NC", "OC", "TR", "TRT", "EX", "EXRL", "MVCL", "MVCLE", "CLCL", "SRST", "CLST", "MVST", "CS", "CSG", "CDS",
        "IC", "ICY", "ICM", "ICMY", "ICMH", "STCM", "STCMY", "LA", "LAY", "LARL", "POPCNT", "FLOGR",
        "LPSW", "LPSWE", "SSM", "STOSM", "STNSM", "LCTL", "LCTLG", "STCTL", "STCTG", "SPX", "STPX", "STAP", "SAM24", "SAM31", "SAM64",
        "EPSW", "IPM", "SPM", "STFLE", "STCK", "STCKF", "STCKE", "SCKC", "STCKC", "SPT", "STPT", "SVC",
    ];

    [Test]
    public void Required_instructions_are_implemented()
    {
        var missing = Required.Where(m => InstructionTable.ByMnemonic(m) is not { Implemented: true }).ToList();
        Assert.That(missing, Is.Empty);
    }

    [Test]
    public void Intercepted_rows_need_no_body_and_are_privileged_or_conditional()
    {
        foreach (var r in Rows.Where(r => r.Sie == SieAction.Intercept))
            Assert.That(r.Has(InsnFlags.Priv), r.ToString());
    }

    private static List<string> BinutilsMnemonics() =>
        File.ReadLines(Repo.Path("tests", "S390Jit.Tests", "Architecture", "Golden", "binutils-z16-mnemonics.txt"))
            .Where(l => l.Length > 0 && l[0] != '#').ToList();

    [Test]
    public void Coverage_report_lists_rows_by_facility()
    {
        var report = Coverage.Report(BinutilsMnemonics());
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("rows"));
        Assert.That(report, Does.Contain("missing from the table: 0"));
        Assert.That(Coverage.Implemented, Is.GreaterThan(400));
    }

    [Test]
    public void Every_binutils_z16_mnemonic_is_a_row_or_an_extended_mnemonic()
    {
        var list = BinutilsMnemonics();
        Assert.That(list, Has.Count.GreaterThan(2000));
        Assert.That(Coverage.Missing(list), Is.Empty);
    }

    [Test]
    public void Every_row_has_facility_privilege_sie_cost_and_syntax()
    {
        foreach (var r in Rows)
        {
            Assert.That(r.Facility, Is.GreaterThanOrEqualTo(-1).And.LessThan(256), r.ToString());
            Assert.That(r.PrivilegeClass, Is.AnyOf("privileged", "semiprivileged", "unprivileged"), r.ToString());
            Assert.That(!(r.Has(InsnFlags.Priv) && r.Has(InsnFlags.SemiPriv)), r.ToString());
            Assert.That(Enum.IsDefined(r.Sie), r.ToString());
            Assert.That(r.Cycles, Is.GreaterThanOrEqualTo(0), r.ToString());
            Assert.That(r.Syntax, Is.Not.Null, r.ToString());
            // printed fields, ignored bits and must-be-zero bits never overlap the opcode
            Assert.That(r.Syntax.FieldBits & r.OpcodeMask, Is.Zero, r.ToString());
            Assert.That(r.ZeroMask & r.OpcodeMask, Is.Zero, r.ToString());
        }
    }

    [Test]
    public void Extended_mnemonics_fix_bits_of_their_row_fields_only()
    {
        foreach (var a in InstructionTable.Aliases)
        {
            ulong fields = 0;
            foreach (var fs in Formats.Fields(a.Base.Format)) fields |= OperandSyntax.FieldMask(fs);
            Assert.That(a.FixedMask & ~fields, Is.Zero, a.ToString());
            Assert.That(a.FixedValue & ~a.FixedMask, Is.Zero, a.ToString());
            Assert.That(a.Syntax.FieldBits & a.Base.OpcodeMask, Is.Zero, a.ToString());
        }
    }

    [Test]
    public void Assembler_encodes_extended_mnemonics_through_their_row()
    {
        Assert.That(Assembler.Encode("jne", ri2: 8), Is.EqualTo(new byte[] { 0xa7, 0x74, 0x00, 0x08 }));
        Assert.That(Assembler.Encode("br", r2: 14), Is.EqualTo(new byte[] { 0x07, 0xfe }));
        Assert.That(Assembler.Encode("vfadb", v1: 17, v2: 2, v3: 3), Is.EqualTo(new byte[] { 0xe7, 0x12, 0x30, 0x00, 0x38, 0xe3 }));
        Assert.That(Assembler.Encode("VL", v1: 1, b2: 2, m3: 3), Is.EqualTo(new byte[] { 0xe7, 0x10, 0x20, 0x00, 0x30, 0x06 }));
    }
}
