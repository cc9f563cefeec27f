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

    [Test]
    public void Offered_facilities_satisfy_the_PoO_dependencies()
    {
        // facility -> facility it implies (PoO facility indications; kvm-unit-tests' cpumodel checks these)
        (int Facility, int Implied)[] deps =
        [
            (4, 3), (5, 3), (5, 4), (19, 18), (37, 42), (43, 42), (48, 42), (80, 42), (73, 49), (78, 8),
            (134, 129), (135, 129), (148, 129), (139, 25), (139, 28), (146, 76), (61, 45),
        ];
        var offered = new HashSet<int>(CpuModel.DefaultFacilities);
        var broken = deps.Where(d => offered.Contains(d.Facility) && !offered.Contains(d.Implied)).Select(d => $"{d.Facility} without {d.Implied}").ToList();
        Assert.That(broken, Is.Empty);
        Assert.That(offered, Does.Contain(Fac.Dfp).And.Contain(Fac.FpExtension));
    }
}
