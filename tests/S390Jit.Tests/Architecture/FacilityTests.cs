using S390Jit.Architecture.Isa;
using S390Jit.Host.Kvm;

namespace S390Jit.Tests.Architecture;

/// <summary>Every facility the CPU model offers works: each row of an offered facility has semantics.</summary>
public class FacilityTests
{
    [Test]
    public void Every_row_of_an_offered_facility_has_semantics()
    {
        var offered = new HashSet<int>(CpuModel.DefaultFacilities);
        var gaps = InstructionTable.All.Where(r => r.Facility >= 0 && offered.Contains(r.Facility) && !Coverage.Covered(r))
            .Select(r => $"{r.Mnemonic} (facility {r.Facility})").ToList();
        Assert.That(gaps, Is.Empty, "offered facilities with instructions that raise the operation exception");
    }

    [Test]
    public void Debian_z10_level_is_offered()
    {
        // the facilities Debian's s390x kernel (built for z10) checks in its decompressor
        int[] z10 = [0, 1, 18, 21, 25, 27, 32, 33, 34, 35];
        Assert.That(CpuModel.DefaultFacilities, Is.SupersetOf(z10));
    }
}
