using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Tests.Differential;
using S390Jit.Tests.Fp;

namespace S390Jit.Tests.Vector;

/// <summary>
/// The vector differential suite: every vector row QEMU 7.2 implements (vector facility, enhancements 1
/// and 2 on <c>-cpu max</c>; not vector packed decimal) in the instruction forms of guests/vector's
/// exerciser (every valid element size and flag combination and the invalid ones, see <see cref="Forms"/>),
/// each form on a run of consecutive cases (so that the JIT compiles it) with random vector registers
/// (all 32, operands sometimes overlapping), operands biased to zero and equal elements, extremes,
/// block and element boundaries, FP special values of the element format, every FPC rounding mode, IEEE
/// masks on and off, and sometimes the AFP or vector enablement control off.
/// </summary>
public sealed class VectorDiffSuite(int count = 60_000, ulong seed = 0x11_0F_00_02) : DiffSuite
{
    public override string Name => "vector";
    public override IReadOnlyList<string> QemuArgs => ["-cpu", "max"];

    /// <summary>How a form's inputs are prepared (as guests/vector/gen-cases.py's kinds).</summary>
    public enum Kind { V, M, G, L, X, S, F }
    public const int NoNaN = 0x10, PresetInexact = 0x20;

    public sealed record Form(Kind Kind, string Text, int Fp, InsnDef Def, Dictionary<Field, long> Fields);

    // ---- the forms --------------------------------------------------------------------------------------------

    /// <summary>The instruction forms: guests/vector/gen-cases.py's list (with VCKSM), parsed against the table's operand syntax.</summary>
    public static List<Form> Forms()
    {
        var l = new List<(Kind, string, int)>();
        void C(Kind k, string t, int fp = 0) => l.Add((k, t, fp));
        void Es(string mn, string ops, IEnumerable<int> valid, IEnumerable<int>? invalid = null, Kind k = Kind.V, string extra = "")
        {
            foreach (int es in valid.Concat(invalid ?? [])) C(k, $"{mn} {ops},{es}{extra}");
        }
        var bToD = Enumerable.Range(0, 4);
        foreach (var mn in new[] { "vn", "vnc", "vo", "vno", "vx", "vnx", "vnn", "voc", "vsl", "vsrl", "vsra", "vslb", "vsrlb", "vsrab", "vcksm", "vbperm" })
            C(Kind.V, $"{mn} %v20,%v16,%v17");
        C(Kind.V, "vlr %v20,%v16");
        C(Kind.V, "vtm %v16,%v17");
        C(Kind.V, "vperm %v20,%v16,%v17,%v18");
        C(Kind.V, "vsel %v20,%v16,%v17,%v18");
        foreach (int m4 in new[] { 0, 1, 4, 5 }) C(Kind.V, $"vpdi %v20,%v16,%v17,{m4}");
        foreach (int i4 in new[] { 0, 1, 7, 8, 15 }) C(Kind.V, $"vsldb %v20,%v16,%v17,{i4}");
        foreach (var mn in new[] { "vsld", "vsrd" })
            foreach (int i4 in new[] { 0, 1, 5, 7, 8 }) C(Kind.V, $"{mn} %v20,%v16,%v17,{i4}");
        foreach (var mn in new[] { "va", "vs", "vacc", "vscbi" }) Es(mn, "%v20,%v16,%v17", Enumerable.Range(0, 5), [5]);
        foreach (var mn in new[] { "vavg", "vavgl", "vmx", "vmn", "vmxl", "vmnl", "vmrh", "vmrl", "verllv", "veslv", "vesrav", "vesrlv", "vgfm" })
            Es(mn, "%v20,%v16,%v17", bToD, [4]);
        foreach (var mn in new[] { "vml", "vmh", "vmlh", "vme", "vmle", "vmo", "vmlo" }) Es(mn, "%v20,%v16,%v17", Enumerable.Range(0, 3), [3]);
        Es("vpk", "%v20,%v16,%v17", Enumerable.Range(1, 3), [0, 4]);
        foreach (var mn in new[] { "vpks", "vpkls" })
            foreach (int es in new[] { 1, 2, 3, 0 })
                foreach (int cs in new[] { 0, 1 }) C(Kind.V, $"{mn} %v20,%v16,%v17,{es},{cs}");
        Es("vsum", "%v20,%v16,%v17", [0, 1], [2]);
        Es("vsumg", "%v20,%v16,%v17", [1, 2], [0, 3]);
        Es("vsumq", "%v20,%v16,%v17", [2, 3], [1, 4]);
        foreach (var mn in new[] { "vceq", "vch", "vchl" })
            foreach (int es in Enumerable.Range(0, 5))
                foreach (int cs in new[] { 0, 1 }) C(Kind.V, $"{mn} %v20,%v16,%v17,{es},{cs}");
        foreach (var mn in new[] { "vclz", "vctz", "vlc", "vlp", "vpopct" }) Es(mn, "%v20,%v16", bToD, [4]);
        foreach (var mn in new[] { "vuph", "vupl", "vuplh", "vupll", "vseg" }) Es(mn, "%v20,%v16", Enumerable.Range(0, 3), [3]);
        foreach (var mn in new[] { "vec", "vecl" }) Es(mn, "%v16,%v17", bToD, [4]);
        foreach (var mn in new[] { "vac", "vaccc", "vsbi", "vsbcbi" }) Es(mn, "%v20,%v16,%v17,%v18", [4], [3]);
        foreach (var mn in new[] { "vmal", "vmah", "vmalh", "vmae", "vmale", "vmao", "vmalo" }) Es(mn, "%v20,%v16,%v17,%v18", Enumerable.Range(0, 3), [3]);
        Es("vgfma", "%v20,%v16,%v17,%v18", bToD, [4]);
        foreach (int m6 in new[] { 0, 4, 8, 12 }) C(Kind.V, $"vmsl %v20,%v16,%v17,%v18,3,{m6}");
        C(Kind.V, "vmsl %v20,%v16,%v17,%v18,2,0");
        foreach (int es in bToD)
            foreach (int i4 in new[] { 0, 1, 13, 63 }) C(Kind.V, $"verim %v20,%v16,%v17,{i4},{es}");
        foreach (var mn in new[] { "vesl", "vesrl", "vesra", "verll" })
            foreach (int es in Enumerable.Range(0, 5))
            {
                C(Kind.S, $"{mn} %v20,%v16,0(%r2),{es}");
                if (es < 4) C(Kind.V, $"{mn} %v20,%v16,{3 + 8 * es}(%r0),{es}");
            }
        foreach (var mn in new[] { "vfae", "vfee", "vfene" })
            foreach (int es in bToD)
                foreach (int m5 in mn == "vfae" ? Enumerable.Range(0, 16) : [0, 1, 2, 3, 4])
                    C(Kind.V, $"{mn} %v20,%v16,%v17,{es},{m5}");
        foreach (int es in bToD)
            foreach (int m5 in new[] { 0, 1, 2 }) C(Kind.V, $"vistr %v20,%v16,{es},{m5}");
        foreach (int es in bToD)
            foreach (int m6 in Enumerable.Range(0, 16)) C(Kind.V, $"vstrc %v20,%v16,%v17,%v18,{es},{m6}");
        foreach (int es in bToD)
            foreach (int m6 in new[] { 0, 2, 1 }) C(Kind.V, $"vstrs %v20,%v16,%v17,%v18,{es},{m6}");
        foreach (int i2 in new[] { 0, 1, 0x8000, 0xffff, 0x1234, 0xa5c3 }) C(Kind.V, $"vgbm %v20,{i2}");
        foreach (int es in Enumerable.Range(0, 5))
        {
            foreach (var (i2, i3) in new[] { (0, 0), (3, 5), (5, 3), (0, 63), (62, 1), (200, 7) }) C(Kind.V, $"vgm %v20,{i2},{i3},{es}");
            foreach (int i2 in new[] { 0, 1, -1, 0x7fff, -32768, 0x1234 }) C(Kind.V, $"vrepi %v20,{i2},{es}");
            foreach (int idx in new[] { 0, 1, 7, 15 }) C(Kind.V, $"vrep %v20,%v16,{idx},{es}");
        }
        foreach (var (mn, n) in new[] { ("vleib", 16), ("vleih", 8), ("vleif", 4), ("vleig", 2) })
            foreach (int idx in new SortedSet<int> { 0, 1, n - 1, n }.Where(x => x <= 15))
                foreach (int i2 in new[] { -1, 0x1234, -0x7ff0 }) C(Kind.V, $"{mn} %v20,{i2},{idx}");
        foreach (int es in Enumerable.Range(0, 5))
        {
            C(Kind.G, $"vlgv %r1,%v16,0(%r2),{es}");
            C(Kind.G, $"vlgv %r1,%v16,5(%r0),{es}");
            C(Kind.G, $"vlvg %v20,%r1,0(%r2),{es}");
            C(Kind.G, $"vlvg %v20,%r1,9(%r0),{es}");
        }
        C(Kind.G, "vlvgp %v20,%r1,%r3");
        C(Kind.M, "vl %v20,0(%r2)");
        C(Kind.M, "vl %v20,1(%r2),3");
        C(Kind.M, "vst %v16,0(%r2)");
        C(Kind.M, "vst %v16,7(%r2),4");
        C(Kind.M, "vlm %v20,%v21,0(%r2)");
        C(Kind.M, "vstm %v16,%v17,0(%r2)");
        C(Kind.M, "vlm %v21,%v20,0(%r2)");
        foreach (var (mn, n) in new[] { ("vleb", 16), ("vleh", 8), ("vlef", 4), ("vleg", 2), ("vsteb", 16), ("vsteh", 8), ("vstef", 4), ("vsteg", 2) })
            foreach (int idx in new SortedSet<int> { 0, 1, n - 1, n }.Where(x => x <= 15))
                C(Kind.M, mn.StartsWith("vst") ? $"{mn} %v16,0(%r2),{idx}" : $"{mn} %v20,0(%r2),{idx}");
        foreach (int es in Enumerable.Range(0, 5)) C(Kind.M, $"vlrep %v20,0(%r2),{es}");
        foreach (int m3 in new[] { 0, 1, 2, 3, 4, 6 }) C(Kind.M, $"vllez %v20,0(%r2),{m3}");
        foreach (int m3 in new[] { 0, 1, 3, 6, 7 })
        {
            C(Kind.M, $"vlbb %v20,0(%r2),{m3}");
            C(Kind.M, $"lcbb %r1,0(%r2),{m3}");
        }
        C(Kind.L, "vll %v20,%r1,0(%r2)");
        C(Kind.L, "vstl %v16,%r1,0(%r2)");
        foreach (var (mn, es) in new[] { ("vgef", 2), ("vgeg", 3), ("vscef", 2), ("vsceg", 3) })
            for (int idx = 0; idx <= 16 >> es; idx++)
                C(Kind.X, mn.StartsWith("vsc") ? $"{mn} %v16,0(%v17,%r2),{idx}" : $"{mn} %v20,0(%v17,%r2),{idx}");
        foreach (int es in Enumerable.Range(0, 6))
        {
            C(Kind.M, $"vlbr %v20,0(%r2),{es}");
            C(Kind.M, $"vstbr %v16,0(%r2),{es}");
            C(Kind.M, $"vler %v20,0(%r2),{es}");
            C(Kind.M, $"vster %v16,0(%r2),{es}");
            C(Kind.M, $"vlbrrep %v20,0(%r2),{es}");
        }
        foreach (int m3 in new[] { 0, 1, 2, 3, 4, 6 }) C(Kind.M, $"vllebrz %v20,0(%r2),{m3}");
        foreach (var (mn, n) in new[] { ("vlebrh", 8), ("vlebrf", 4), ("vlebrg", 2), ("vstebrh", 8), ("vstebrf", 4), ("vstebrg", 2) })
            foreach (int idx in new[] { 0, n - 1, n })
                C(Kind.M, mn.StartsWith("vst") ? $"{mn} %v16,0(%r2),{idx}" : $"{mn} %v20,0(%r2),{idx}");

        // vector floating point (fp: the element format of the FP source operands, 0: integers)
        foreach (var mn in new[] { "vfa", "vfs", "vfm", "vfd" })
            foreach (int fpf in new[] { 2, 3, 4, 1 })
                foreach (int m5 in new[] { 0, 8, 1 }) C(Kind.F, $"{mn} %v20,%v16,%v17,{fpf},{m5}", fpf);
        foreach (var mn in new[] { "vfma", "vfms", "vfnma", "vfnms" })
            foreach (int fpf in new[] { 2, 3, 4, 5 })
                foreach (int m5 in new[] { 0, 8 }) C(Kind.F, $"{mn} %v20,%v16,%v17,%v18,{m5},{fpf}", fpf | NoNaN);
        foreach (int fpf in new[] { 2, 3, 4, 0 })
        {
            foreach (int m4 in new[] { 0, 8, 4 }) C(Kind.F, $"vfsq %v20,%v16,{fpf},{m4}", fpf);
            foreach (int m4 in new[] { 0, 8, 4, 12, 1 })
                foreach (int m5 in Enumerable.Range(0, 9))
                    if (m4 is 0 or 4 || m5 is 0 or 4) C(Kind.F, $"vfi %v20,%v16,{fpf},{m4},{m5}", fpf | ((m4 & 4) != 0 ? PresetInexact : 0));
            foreach (int m4 in new[] { 0, 8, 1 })
                foreach (int m5 in new[] { 0, 1, 2, 3 }) C(Kind.F, $"vfpso %v20,%v16,{fpf},{m4},{m5}", fpf);
            foreach (int i3 in new[] { 0xfff, 0x800, 0x30, 0x0f, 0x3c0 })
                foreach (int m5 in new[] { 0, 8 }) C(Kind.F, $"vftci %v20,%v16,{i3},{fpf},{m5}", fpf);
            foreach (var mn in new[] { "wfc", "wfk" })
                foreach (int m4 in new[] { 0, 1 }) C(Kind.F, $"{mn} %v16,%v17,{fpf},{m4}", fpf);
            foreach (var mn in new[] { "vfce", "vfch", "vfche" })
                foreach (int m5 in new[] { 0, 8, 4, 12, 1 })
                    foreach (int m6 in new[] { 0, 1, 2 }) C(Kind.F, $"{mn} %v20,%v16,%v17,{fpf},{m5},{m6}", fpf);
            foreach (var mn in new[] { "vfmin", "vfmax" })
                foreach (int m6 in Enumerable.Range(0, 14))
                    foreach (int m5 in new[] { 0, 8 })
                        if (m5 == 0 || m6 is 0 or 1 or 9) C(Kind.F, $"{mn} %v20,%v16,%v17,{fpf},{m5},{m6}", fpf);
        }
        foreach (int m3 in new[] { 2, 3, 4 })
            foreach (int m4 in new[] { 0, 8, 1 }) C(Kind.F, $"vfll %v20,%v16,{m3},{m4}", m3);
        foreach (int m3 in new[] { 3, 4, 2 })
            foreach (int m4 in new[] { 0, 8, 4, 12, 2 })
                foreach (int m5 in new[] { 0, 1, 3, 4, 5, 6, 7, 2 })
                    if (m4 is 0 or 4 || m5 == 0) C(Kind.F, $"vflr %v20,%v16,{m3},{m4},{m5}", m3 | ((m4 & 4) != 0 ? PresetInexact : 0));
        foreach (var mn in new[] { "vcfps", "vcfpl", "vcsfp", "vclfp" })
            foreach (int m3 in new[] { 2, 3, 4 })
                foreach (int m4 in new[] { 0, 8, 4, 1 })
                    foreach (int m5 in new[] { 0, 1, 3, 4, 5, 6, 7, 2 })
                        if (m4 is 0 or 4 || m5 == 0)
                            C(Kind.F, $"{mn} %v20,%v16,{m3},{m4},{m5}",
                              (mn is "vcsfp" or "vclfp" ? (m3 != 4 ? m3 : 3) | NoNaN : 0) | ((m4 & 4) != 0 ? PresetInexact : 0));
        return l.Select(x => Parse(x.Item1, x.Item2, x.Item3)).ToList();
    }

    /// <summary>Parses "mnemonic op,op,..." (GNU as spelling, D(X,B) storage operands) against the row's operand syntax.</summary>
    public static Form Parse(Kind kind, string text, int fp)
    {
        int sp = text.IndexOf(' ');
        string mn = text[..sp].ToUpperInvariant();
        var def = InstructionTable.ByMnemonic(mn) ?? throw new ArgumentException($"no row {mn}");
        var ops = new List<string>();
        int depth = 0, start = sp + 1;
        string rest = text;
        for (int k = sp + 1; k <= rest.Length; k++)
        {
            if (k == rest.Length || (rest[k] == ',' && depth == 0)) { ops.Add(rest[start..k].Trim()); start = k + 1; continue; }
            if (rest[k] == '(') depth++;
            else if (rest[k] == ')') depth--;
        }
        static long Num(string s) => s.StartsWith('%') ? long.Parse(s[2..]) : long.Parse(s);
        var fields = new Dictionary<Field, long>();
        int o = 0;
        List<string>? inner = null;
        foreach (var item in def.Syntax.Items)
        {
            var f = item.Spec.Field;
            switch (item.Role)
            {
                case OperandRole.Displacement:
                    {
                        string op = ops[o++];
                        int p = op.IndexOf('(');
                        fields[f] = long.Parse(op[..p]);
                        inner = op[(p + 1)..^1].Split(',').Select(x => x.Trim()).ToList();
                        break;
                    }
                case OperandRole.Index:
                    fields[f] = inner!.Count == 2 ? Num(inner[0]) : 0;
                    break;
                case OperandRole.Base:
                    fields[f] = Num(inner![^1]);
                    break;
                default:
                    fields[f] = o < ops.Count ? Num(ops[o++]) : 0;
                    break;
            }
        }
        if (o != ops.Count) throw new ArgumentException($"'{text}': {ops.Count - o} operands left over for {def.Syntax.Text}");
        return new Form(kind, text, fp, def, fields);
    }

    // ---- the cases ----------------------------------------------------------------------------------------------

    public override List<DiffCase> Generate()
    {
        var rng = new FpRandom(seed);
        var forms = Forms();
        var cases = new List<DiffCase>(count);
        // every form gets runs of its share; the runs are shuffled so that neighbouring runs differ
        var runs = new List<List<DiffCase>>();
        int perForm = count / forms.Count;
        foreach (var form in forms)
        {
            int left = perForm;
            while (left > 0)
            {
                var enc = Encoding(rng, form);
                int run = Math.Min(left, 50 + rng.Below(40)); // the JIT compiles the slot after 40 runs
                var r = new List<DiffCase>(run);
                for (int k = 0; k < run; k++) r.Add(Case(rng, form, enc));
                runs.Add(r);
                left -= run;
            }
        }
        int total = runs.Sum(r => r.Count);
        while (total < count)
        {
            var form = forms[rng.Below(forms.Count)];
            runs.Add([Case(rng, form, Encoding(rng, form))]);
            total++;
        }
        for (int k = runs.Count - 1; k > 0; k--)
        {
            int j = rng.Below(k + 1);
            (runs[k], runs[j]) = (runs[j], runs[k]);
        }
        foreach (var r in runs) cases.AddRange(r);
        return cases;
    }

    /// <summary>One encoding of a form: its fields with the vector and general registers renumbered at random.</summary>
    private sealed record Enc(byte[] Bytes, Dictionary<Field, long> Fields);

    private static Enc Encoding(FpRandom rng, Form form)
    {
        var fields = new Dictionary<Field, long>(form.Fields);
        var usedV = new List<int>();
        var usedG = new List<int>();
        foreach (var item in form.Def.Syntax.Items)
        {
            var f = item.Spec.Field;
            bool isV = item.Print == PrintKind.Vr || (item.Role == OperandRole.Index && form.Kind == Kind.X);
            if (isV)
            {
                // VLM/VSTM keep their register order (a range), other operands are distinct mostly
                if (form.Def.Mnemonic is "VLM" or "VSTM" && f == Field.V3)
                {
                    int first = (int)fields[Field.V1];
                    fields[f] = form.Fields[Field.V3] > form.Fields[Field.V1] ? Math.Min(31, first + 1 + rng.Below(3)) : (first + 31) % 32;
                    continue;
                }
                int v;
                do v = rng.Below(32);
                while (usedV.Contains(v) && !rng.Chance(8));
                usedV.Add(v);
                fields[f] = v;
            }
            else if (item.Print == PrintKind.Gpr && item.Role is OperandRole.Plain or OperandRole.Base or OperandRole.Index && fields[f] != 0)
            {
                int g;
                do g = 1 + rng.Below(15);
                while (usedG.Contains(g));
                usedG.Add(g);
                fields[f] = g;
            }
        }
        var raw = Assembler.EncodeRaw(form.Def, f => fields.GetValueOrDefault(f));
        return new Enc(Assembler.ToBytes(raw, form.Def.Length), fields);
    }

    private static readonly ulong[] Patterns =
    [
        0, ulong.MaxValue, 0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8080_8080_8080_8080, 0x7F7F_7F7F_7F7F_7F7F, 0x8000_8000_8000_8000,
        0x7FFF_7FFF_7FFF_7FFF, 0x8000_0000_8000_0000, 0x7FFF_FFFF_7FFF_FFFF, 0x0101_0101_0101_0101, 0x0001_0001_0001_0001, 0x0000_0001_0000_0001, 1,
    ];

    /// <summary>A biased 64-bit half: patterns, zero and equal bytes (string searches), small values, random.</summary>
    private static ulong Half(FpRandom rng)
    {
        switch (rng.Below(8))
        {
            case 0: return Patterns[rng.Below(Patterns.Length)];
            case 1:
            case 2:
                {
                    // bytes from a small alphabet with zeros: equal and zero elements of every size
                    ulong v = 0;
                    for (int k = 0; k < 8; k++) v = (v << 8) | (uint)(rng.Chance(20) ? 0 : 0x41 + rng.Below(4));
                    return v;
                }
            case 3: return rng.Next() >> rng.Below(64);
            case 4: return rng.Next() & rng.Next() & rng.Next();
            default: return rng.Next();
        }
    }

    private static (ulong Hi, ulong Lo) VecValue(FpRandom rng, (ulong Hi, ulong Lo)? like)
    {
        if (like is { } x && rng.Chance(25))
        {
            // mostly equal to another operand, some elements changed
            ulong m = rng.Next() & rng.Next() & rng.Next();
            return rng.Chance(50) ? x : (x.Hi ^ (m & rng.Next()), x.Lo ^ (m & rng.Next()));
        }
        return (Half(rng), Half(rng));
    }

    private static uint FpcValue(FpRandom rng, bool fp, int fpFlags)
    {
        if (!fp) return rng.Chance(85) ? 0 : (uint)rng.Next() & 0xF8F8_FF03;
        uint mode = new uint[] { 0, 1, 2, 3, 7 }[rng.Below(5)];
        uint fpc = mode;
        if (rng.Chance(40)) fpc |= (uint)(rng.Next() & 0xF8) << 24;
        if (rng.Chance(40)) fpc |= (uint)(rng.Next() & 0xF8) << 16;
        if (rng.Chance(10)) fpc |= (uint)rng.Below(256) << 8;
        if ((fpFlags & PresetInexact) != 0) fpc |= 0x0008_0000;
        return fpc;
    }

    /// <summary>FP elements of a 128-bit register (format: 2 short, 3 long, 4 extended; else integers).</summary>
    private static (ulong Hi, ulong Lo) FpVec(FpRandom rng, int fmt, int flags, uint fpc, (ulong Hi, ulong Lo)? like)
    {
        var f = fmt switch { 2 => BinaryFormat.Short, 3 => BinaryFormat.Long, 4 => BinaryFormat.Extended, _ => null };
        if (f == null)
        {
            // integer sources (conversions from fixed): extremes, small, random
            ulong I() => rng.Below(4) switch { 0 => Patterns[rng.Below(Patterns.Length)], 1 => (ulong)(long)(rng.Below(2001) - 1000), 2 => rng.Next() >> rng.Below(64), _ => rng.Next() };
            return (I(), I());
        }
        UInt128 El(UInt128? near)
        {
            while (true)
            {
                UInt128 v = near is { } n && rng.Chance(30) ? rng.Near(f, n) : rng.Operand(f);
                if ((flags & NoNaN) != 0 && f.IsNaN(v)) continue;
                // no exact tiny results with the underflow mask on (QEMU 7.2 recognizes underflow only when inexact)
                if ((fpc & 0x1000_0000) != 0 && f.IsFinite(v) && !f.IsZero(v) && f.BiasedExp(v) <= 4 + f.Precision) continue;
                return v;
            }
        }
        int w = f.Width, per = 128 / w;
        UInt128 old = like is { } x ? new UInt128(x.Hi, x.Lo) : 0;
        UInt128 r = 0;
        for (int k = 0; k < per; k++)
        {
            UInt128 mask = w == 128 ? UInt128.MaxValue : ((UInt128.One << w) - 1);
            int shift = 128 - w * (k + 1);
            UInt128 e = El(like != null ? (old >> shift) & mask : null);
            r |= (e & mask) << shift;
        }
        return ((ulong)(r >> 64), (ulong)r);
    }

    private static DiffCase Case(FpRandom rng, Form form, Enc enc)
    {
        var f = enc.Fields;
        bool fp = form.Kind == Kind.F;
        var c = new DiffCase
        {
            Insn = enc.Bytes,
            Cc = rng.Below(4),
            ProgramMask = rng.Below(16),
            Fpc = FpcValue(rng, fp, form.Fp),
        };
        if (rng.Below(60) == 0) { if (rng.Chance(50)) c.VectorOff = true; else c.AfpOff = true; }
        // vector operands (the first operand too: its old value shows what an instruction leaves)
        (ulong, ulong)? prev = null;
        foreach (var item in form.Def.Syntax.Items)
        {
            bool isV = item.Print == PrintKind.Vr || (item.Role == OperandRole.Index && form.Kind == Kind.X);
            if (!isV) continue;
            int r = (int)f[item.Spec.Field];
            if (c.Vrs.ContainsKey(r)) continue;
            (ulong, ulong) v;
            if (form.Kind == Kind.X && item.Role == OperandRole.Index)
            {
                // gather/scatter offsets inside the buffer, sometimes misaligned
                int es = form.Def.Mnemonic.EndsWith('F') ? 2 : 3;
                ulong Off() => (ulong)(rng.Chance(80) ? (rng.Below(256 >> es) << es) & 0xF8 : rng.Below(256 - 8));
                v = es == 2 ? ((Off() << 32) | Off(), (Off() << 32) | Off()) : (Off(), Off());
            }
            else if (fp) v = FpVec(rng, form.Fp & 7, form.Fp, c.Fpc, prev);
            else v = VecValue(rng, prev);
            c.Vrs[r] = v;
            prev = v;
        }
        // general registers
        foreach (var item in form.Def.Syntax.Items)
        {
            if (item.Print != PrintKind.Gpr) continue;
            int r = (int)f[item.Spec.Field];
            if (r == 0) continue;
            ulong v;
            if (item.Role == OperandRole.Base)
            {
                v = form.Kind switch
                {
                    Kind.X => DiffCase.Buffer,
                    Kind.M or Kind.L => DiffCase.Buffer + (ulong)(rng.Chance(50) ? 8 * rng.Below(24) : rng.Below(192)) - (ulong)f[Field.D2],
                    Kind.S => rng.Chance(50) ? (ulong)rng.Below(128) : rng.Next(),
                    // element indexes: in range mostly
                    _ => rng.Chance(80) ? (ulong)rng.Below(18) : rng.Next(),
                };
            }
            else if (form.Kind == Kind.L) v = rng.Chance(80) ? (ulong)rng.Below(20) : rng.Next() >> rng.Below(64);
            else v = rng.Chance(50) ? Half(rng) : rng.Next();
            c.Gprs[r] = v;
        }
        if (form.Kind is Kind.M or Kind.L or Kind.X)
        {
            // the bytes an operand can reach (gather/scatter: the whole buffer)
            int from = 0, to = DiffCase.BufferSize;
            if (form.Kind != Kind.X)
            {
                int b = (int)f[Field.B2];
                from = (int)(c.Gprs[b] + (ulong)f[Field.D2] - DiffCase.Buffer) & ~7;
                to = Math.Min(DiffCase.BufferSize, from + 72);
            }
            var mem = new byte[to - from];
            for (int k = 0; k < mem.Length; k += 8)
            {
                ulong h = Half(rng);
                for (int b = 0; b < 8 && k + b < mem.Length; b++) mem[k + b] = (byte)(h >> (56 - 8 * b));
            }
            c.Memory = mem;
            c.MemoryOffset = from;
        }
        return c;
    }

    // ---- QEMU 7.2's deviations from the PoO ---------------------------------------------------------------------

    public const string VxcOldPsw = "a vector-processing exception leaves the old PSW at the instruction (PoO ch. 6, Vector-Processing Exception: the operation is suppressed, so the old PSW points to the next sequential instruction)";
    public const string VcksmCarry = "VCKSM adds each word as sum + (sum + word) + carry, doubling the running sum (tcg add2 with aliased operands) (PoO ch. 22, VECTOR CHECKSUM: 32-bit additions with end-around carry)";
    public const string ExactTinyNoTrap = "an exact tiny result with the underflow mask on completes without trap (PoO ch. 9, IEEE underflow, as used by the vector FP instructions of ch. 24: with the mask one, underflow is recognized for any tiny result); the generator avoids tiny operands with the mask on, residual results are modelled";

    public override (DiffRecord Qemu, string Deviation)? QemuDeviation(DiffCase c, DiffRecord ours)
    {
        string m = c.Mnemonic;
        if (ours.Pgm is { Code: 0x1B } p)
        {
            // exact tiny result with the underflow mask on: QEMU sees no exception for that element
            if ((p.Dxc & 0xF) == 4)
            {
                // tiny and inexact shows as the underflow flag with every mask off
                var probe = DiffInProcess.Run(Copy(c, c.Fpc & ~0xF8F8_0000u), vector: true);
                if ((probe.Fpc & 0x0010_0000) == 0)
                {
                    var r = DiffInProcess.Run(Copy(c, c.Fpc & ~0x1000_0000u), vector: true);
                    r.Fpc |= 0x1000_0000;
                    if (r.Pgm is { Code: 0x1B } rp) r.Pgm = rp with { Offset = 0 };
                    return (r, ExactTinyNoTrap);
                }
            }
            var q = DiffRecord.Parse(ours.ToString());
            q.Pgm = p with { Offset = 0 };
            return (q, VxcOldPsw);
        }
        if (m == "VCKSM" && ours.Pgm == null)
        {
            var i = c.Decoded;
            var v2 = c.Vrs.TryGetValue(i.V2, out var a) ? a : (DiffCase.DefaultVrHi(i.V2), DiffCase.DefaultVrLo(i.V2));
            var v3 = c.Vrs.TryGetValue(i.V3, out var b) ? b : (DiffCase.DefaultVrHi(i.V3), DiffCase.DefaultVrLo(i.V3));
            uint sum = (uint)v3.Item1;
            foreach (uint w in new[] { (uint)(v2.Item1 >> 32), (uint)v2.Item1, (uint)(v2.Item2 >> 32), (uint)v2.Item2 })
            {
                ulong lo = (ulong)sum + w;
                sum = (uint)((ulong)sum + (uint)lo + (lo >> 32));
            }
            var q = new DiffRecord();
            q.Tokens.AddRange(ours.Tokens.Where(t => t.Key != $"f{i.V1}" && t.Key != $"l{i.V1}"));
            ulong hi = sum, loHalf = 0;
            var old = c.Vrs.TryGetValue(i.V1, out var o) ? o : (DiffCase.DefaultVrHi(i.V1), DiffCase.DefaultVrLo(i.V1));
            if (hi != old.Item1) q.Set($"f{i.V1}", hi.ToString("x16"));
            if (loHalf != old.Item2) q.Set($"l{i.V1}", loHalf.ToString("x16"));
            return q.ToString() == ours.ToString() ? null : (q, VcksmCarry);
        }
        return null;
    }

    private static DiffCase Copy(DiffCase c, uint fpc)
    {
        var n = new DiffCase { Insn = c.Insn, AfpOff = c.AfpOff, VectorOff = c.VectorOff, Cc = c.Cc, ProgramMask = c.ProgramMask, Fpc = fpc, Memory = c.Memory, MemoryOffset = c.MemoryOffset };
        foreach (var (r, v) in c.Gprs) n.Gprs[r] = v;
        foreach (var (r, v) in c.Vrs) n.Vrs[r] = v;
        return n;
    }
}
