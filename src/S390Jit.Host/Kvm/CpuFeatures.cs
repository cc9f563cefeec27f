using S390Jit.Architecture.Isa;

namespace S390Jit.Host.Kvm;

/// <summary>
/// QEMU's -cpu feature names for facilities of the CPU model (target/s390x/cpu_features_def.h.inc):
/// a feature switched off removes its facility from STFLE (and its instructions raise the operation
/// exception); switching on a facility the emulator does not implement is an error.
/// </summary>
public static class CpuFeatures
{
    public static readonly IReadOnlyDictionary<string, int> Facilities = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["mie2"] = Fac.MiscInstructionExtensions2, ["mie3"] = Fac.MiscInstructionExtensions3,
        ["vx"] = Fac.Vector, ["vxeh"] = Fac.VectorEnh1, ["vxeh2"] = Fac.VectorEnh2,
        ["vxpd"] = Fac.VectorPackedDecimal, ["vxpdeh"] = Fac.VectorPackedDecimalEnh, ["vxpdeh2"] = Fac.VectorPackedDecimalEnh2,
        ["nnpa"] = Fac.NnpAssist,
    };

    /// <summary>Applies feature switches to a model; an unknown name or an unimplemented facility is an <see cref="ArgumentException"/>.</summary>
    public static void Apply(CpuModel model, IReadOnlyDictionary<string, bool> features)
    {
        foreach (var (name, on) in features)
        {
            if (!Facilities.TryGetValue(name, out int bit)) throw new ArgumentException($"unknown CPU feature '{name}'");
            if (on && !CpuModel.DefaultFacilities.Contains(bit))
                throw new ArgumentException($"CPU feature {name} (facility {bit}) is not available: its instructions are not implemented");
            if (on) model.Facilities.Add(bit); else model.Facilities.Remove(bit);
        }
    }
}
