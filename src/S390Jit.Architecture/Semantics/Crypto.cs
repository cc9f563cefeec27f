using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// AP (adjunct processor) instructions: when the SIE interprets them (ECA.APIE) and when it
/// intercepts (spec section 3.4). The interpreted bodies belong to the AP bus model.
/// </summary>
[SemanticBodies]
public static class Crypto
{
    private static bool ApieEffective(Cpu c) => c.Sie != null && (c.Sie.Eca & SieControls.EcaApie) != 0;

    /// <summary>PQAP: interpreted under APIE except AQIC (FC 3), which always intercepts.</summary>
    public static bool Sie_PQAP(Cpu c, ref Insn i) => !ApieEffective(c) || ((c.G[0] >> 24) & 0xFF) == 0x03;
    public static bool Sie_NQAP(Cpu c, ref Insn i) => !ApieEffective(c);
    public static bool Sie_DQAP(Cpu c, ref Insn i) => !ApieEffective(c);
}
