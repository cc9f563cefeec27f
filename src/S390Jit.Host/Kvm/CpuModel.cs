using S390Jit.Architecture.Isa;

namespace S390Jit.Host.Kvm;

/// <summary>What the CPU model offers a guest (QEMU's -cpu and KVM's facility lists).</summary>
public sealed class CpuModel
{
    /// <summary>Facility bits (STFLE numbering) the machine offers this guest.</summary>
    public SortedSet<int> Facilities { get; } = Default();

    // (added one by one and read back by Contains: SortedSet<int>'s constructor from a collection and its enumerator
    // are compiled by RyuJIT at every start, perf/startup.md)
    private static SortedSet<int> Default()
    {
        var s = new SortedSet<int>();
        foreach (int f in DefaultFacilities) s.Add(f);
        return s;
    }
    /// <summary>QEMU's "ap" feature: AP instructions available to the guest (the VMM then enables APIE).</summary>
    public bool Ap { get; set; }
    /// <summary>CPU type for STIDP/STSI (z16 = 0x3931).</summary>
    public ushort CpuType { get; init; } = 0x3931;

    /// <summary>The facilities whose instructions the emulator implements (z196/zEC12 general instructions and the basics, FP (BFP, HFP and DFP), the vector facility with enhancements 1 and 2).</summary>
    public static readonly int[] DefaultFacilities =
    [
        Fac.N3, Fac.ZArchInstalled, Fac.ZArchActive, Fac.Stfle, Fac.ExtTranslation2, Fac.LongDisplacement,
        Fac.LongDisplacementHp, Fac.ExtendedImmediate, Fac.ExtTranslation3, Fac.Stckf, Fac.GeneralInstructionsExtension,
        Fac.ExecuteExtensions, Fac.Z196, Fac.MiscInstructionExtensions, Fac.LoadStoreOnCondition2,
        Fac.HfpMultAdd, Fac.HfpUnnormExt, Fac.FpExtension, Fac.FpsEnh, Fac.Dfp, Fac.DfpHp, Fac.DfpZonedConversion, Fac.DfpPackedConversion,
        Fac.MiscInstructionExtensions2, Fac.MiscInstructionExtensions3,
        Fac.Idte, 4, 5, Fac.Edat1, Fac.ConditionalSske, Fac.IpteRange, Fac.NonquiescingKeySetting, Fac.Mvcos, Fac.Csst, Fac.Csst2, Fac.LocalTlbClearing,
        Fac.AccessExceptionFetchStoreIndication, Fac.EnhancedDat2, Fac.InstructionExecutionProtection,
        Fac.Vector, Fac.VectorEnh1, Fac.VectorEnh2,
    ];

    public ulong[] ToList(int doublewords = 4)
    {
        var l = new ulong[doublewords];
        for (int f = 0; f < doublewords * 64; f++)
            if (Facilities.Contains(f)) l[f >> 6] |= 0x8000_0000_0000_0000UL >> (f & 63);
        return l;
    }
}
