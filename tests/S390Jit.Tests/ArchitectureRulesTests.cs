using System.Reflection;
using System.Reflection.Emit;

namespace S390Jit.Tests;

/// <summary>
/// The dependency direction of the layers, read from the built assemblies (their assembly references
/// and the types every type's signatures and method bodies refer to):
/// <code>
/// Memory &lt;- Loader / Architecture &lt;- Execution &lt;- Hardware (the machine) &lt;- Host &lt;- Vmm &lt;- Cli
/// </code>
/// Nothing points up or sideways (Loader and Architecture know nothing of each other); Architecture
/// knows no IL (System.Reflection.Emit); the machine layer names no type of the host model, the VMM
/// or the CLI; the host model knows nothing of how instructions are executed (no S390Jit.Execution);
/// inside the host, KVM knows nothing of ap_bus / vfio_ap (vfio_ap uses KVM, as in Linux).
/// <para>
/// How it was checked that a wrong arrow fails (each undone afterwards): a field
/// <c>internal object Wrong = new S390Jit.Execution.Interpreter.Interpreter();</c> in Host/Kvm/KvmVcpu.cs made
/// <see cref="Assemblies_reference_only_layers_below_them"/> ("S390Jit.Host" references "S390Jit.Execution") and
/// <see cref="Host_knows_nothing_of_how_instructions_are_executed"/> ("S390Jit.Host.Kvm.KvmVcpu -&gt;
/// S390Jit.Execution.Interpreter.Interpreter") fail; since S390Jit.Host.csproj disables transitive project
/// references, the same line no longer even compiles. A field of type <c>S390Jit.Host.Crypto.ApBus</c> in
/// Host/Kvm/KvmCrypto.cs made <see cref="Kvm_does_not_know_ap_bus_or_vfio_ap"/> fail ("KvmCrypto -&gt; ApBus"); a
/// method returning <c>new System.Reflection.Emit.DynamicMethod(...)</c> in Architecture/State/Cpu.Ap.cs made
/// <see cref="Architecture_knows_no_il"/> fail ("Cpu -&gt; DynamicMethod"). A project reference from the machine
/// layer to the host cannot be built at all (MSBuild reports the cycle). <see cref="The_rule_check_reports_an_upward_arrow"/>
/// keeps the rank check honest on a made-up graph, <see cref="The_walker_sees_signatures_and_method_bodies"/> the walk.
/// </para>
/// </summary>
public class ArchitectureRulesTests
{
    /// <summary>The layers from the bottom; an assembly may reference only assemblies of a lower rank.</summary>
    private static readonly (string Assembly, int Rank)[] Layers =
    [
        ("S390Jit.Memory", 0),
        ("S390Jit.Loader", 1),
        ("S390Jit.Architecture", 1),
        ("S390Jit.Execution", 2),
        ("S390Jit.Hardware", 3),
        ("S390Jit.Host", 4),
        ("S390Jit.Vmm", 5),
        ("S390Jit.Debug", 6),
        ("s390jit", 7), // S390Jit.Cli
    ];

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    /// <summary>The arrows that point up or sideways: (from, to) pairs among <paramref name="layers"/>.</summary>
    public static List<string> WrongArrows(IEnumerable<(string From, string To)> references, IReadOnlyList<(string Assembly, int Rank)> layers)
    {
        var rank = layers.ToDictionary(l => l.Assembly, l => l.Rank);
        return references
            .Where(r => rank.ContainsKey(r.From) && rank.ContainsKey(r.To) && rank[r.To] >= rank[r.From])
            .Select(r => $"{r.From} -> {r.To}")
            .ToList();
    }

    [Test]
    public void Assemblies_reference_only_layers_below_them()
    {
        var refs = Layers.SelectMany(l => Load(l.Assembly).GetReferencedAssemblies().Select(r => (l.Assembly, r.Name!))).ToList();
        Assert.That(WrongArrows(refs, Layers), Is.Empty);
        Assert.That(refs.Where(r => r.Item1 == "S390Jit.Host").Select(r => r.Item2), Does.Not.Contain("S390Jit.Execution"),
            "the host model reaches the machine, never the execution engines");
    }

    [Test]
    public void The_rule_check_reports_an_upward_arrow()
    {
        var graph = new[] { ("S390Jit.Host", "S390Jit.Hardware"), ("S390Jit.Hardware", "S390Jit.Host"), ("S390Jit.Loader", "S390Jit.Architecture") };
        Assert.That(WrongArrows(graph, Layers), Is.EqualTo(new[] { "S390Jit.Hardware -> S390Jit.Host", "S390Jit.Loader -> S390Jit.Architecture" }));
    }

    [Test]
    public void Architecture_knows_no_il()
    {
        Assert.That(ReferencesInto("S390Jit.Architecture", "S390Jit.Architecture", "System.Reflection.Emit"), Is.Empty);
    }

    [Test]
    public void The_machine_layer_names_no_host_type()
    {
        Assert.That(ReferencesInto("S390Jit.Hardware", "S390Jit.Hardware", "S390Jit.Host", "S390Jit.Vmm", "S390Jit.Cli"), Is.Empty);
        Assert.That(Load("S390Jit.Hardware").GetTypes().Where(t => !(t.Namespace ?? "").StartsWith("S390Jit.Hardware", StringComparison.Ordinal) && !IsCompilerType(t)),
            Is.Empty, "every machine type lives in S390Jit.Hardware");
    }

    [Test]
    public void Host_knows_nothing_of_how_instructions_are_executed()
    {
        Assert.That(ReferencesInto("S390Jit.Host", "S390Jit.Host", "S390Jit.Execution", "System.Reflection.Emit"), Is.Empty);
    }

    [Test]
    public void Kvm_does_not_know_ap_bus_or_vfio_ap()
    {
        Assert.That(ReferencesInto("S390Jit.Host", "S390Jit.Host.Kvm", "S390Jit.Host.Crypto"), Is.Empty);
    }

    [Test]
    public void The_walker_sees_signatures_and_method_bodies()
    {
        // the JIT emits IL: the walk must find System.Reflection.Emit there (else the checks above prove nothing)
        Assert.That(ReferencesInto("S390Jit.Execution", "S390Jit.Execution.Jit", "System.Reflection.Emit"), Is.Not.Empty);
        // KVM's vcpu runs the machine's SIE in a method body only
        Assert.That(ReferencesInto("S390Jit.Host", "S390Jit.Host.Kvm", "S390Jit.Hardware.Sie"), Has.Some.Contains("SieFacility"));
    }

    // ---- the walk ---------------------------------------------------------------------------------

    private static bool IsCompilerType(Type t) => t.Namespace == null || t.Name.StartsWith('<') || t.Namespace.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)
        || t.Namespace.StartsWith("System.Runtime.CompilerServices", StringComparison.Ordinal);

    /// <summary>"Type -> referenced type" for every type of <paramref name="assembly"/> in namespace <paramref name="from"/> that refers to a type in one of <paramref name="forbidden"/>.</summary>
    private static List<string> ReferencesInto(string assembly, string from, params string[] forbidden)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var t in Load(assembly).GetTypes().Where(t => InNamespace(t.Namespace, from)))
            foreach (var r in Referenced(t))
                if (forbidden.Any(f => InNamespace(r.Namespace, f))) found.Add($"{t.FullName} -> {r.FullName}");
        return found.ToList();
    }

    private static bool InNamespace(string? ns, string prefix) => ns != null && (ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal));

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The types a type's base, interfaces, fields, properties, signatures and method bodies refer to.</summary>
    private static IEnumerable<Type> Referenced(Type t)
    {
        var seen = new HashSet<Type>();
        void Add(Type? x)
        {
            if (x == null || !seen.Add(x)) return;
            if (x.HasElementType) Add(x.GetElementType());
            if (x.IsGenericType) foreach (var a in x.GetGenericArguments()) Add(a);
        }
        Add(t.BaseType);
        foreach (var i in t.GetInterfaces()) Add(i);
        foreach (var f in t.GetFields(All)) Add(f.FieldType);
        foreach (var p in t.GetProperties(All)) Add(p.PropertyType);
        foreach (var m in t.GetMethods(All).Cast<MethodBase>().Concat(t.GetConstructors(All)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
            var body = m.GetMethodBody();
            if (body == null) continue;
            foreach (var v in body.LocalVariables) Add(v.LocalType);
            foreach (var r in BodyReferences(m, body.GetILAsByteArray() ?? [])) Add(r);
        }
        return seen;
    }

    private static readonly Dictionary<short, OpCode> s_opcodes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The declaring types of the members and the types the IL's token operands name.</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase m, byte[] il)
    {
        var module = m.Module;
        var typeArgs = m.DeclaringType is { IsGenericType: true } dt ? dt.GetGenericArguments() : null;
        var methodArgs = m.IsGenericMethod ? m.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            short code = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = s_opcodes[code];
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    {
                        int token = BitConverter.ToInt32(il, i);
                        i += 4;
                        MemberInfo? member = null;
                        try { member = module.ResolveMember(token, typeArgs, methodArgs); }
                        catch (Exception e) when (e is ArgumentException or BadImageFormatException) { }
                        if ((member as Type ?? member?.DeclaringType) is { } r) yield return r;
                        if (member is FieldInfo f) yield return f.FieldType;
                        if (member is MethodInfo mi) yield return mi.ReturnType;
                        break;
                    }
                default: i += 4; break; // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
            }
        }
    }
}
