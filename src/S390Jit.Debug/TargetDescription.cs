using System.Text;

namespace S390Jit.Debug;

/// <summary>
/// The registers the stub offers gdb, in gdb's numbering, and the target description XML that names
/// them with gdb's s390x features: core (PSW mask/address, r0-r15), access registers, FPRs with the FPC,
/// vector registers (v0l-v15l: bits 64-127 of VR0-15, whose bits 0-63 are the FPRs; v16-v31 whole),
/// control registers and the system registers (prefix, CPU timer, clock comparator, TOD programmable register).
/// </summary>
public static class TargetDescription
{
    public const int PswMask = 0, PswAddr = 1, R0 = 2, Acr0 = 18, Fpc = 34, F0 = 35, V0l = 51, V16 = 67, Cr0 = 83,
        Prefix = 99, CpuTimer = 100, Ckc = 101, TodCmp = 102, Count = 103;

    /// <summary>The size of register <paramref name="n"/> in bytes.</summary>
    public static int Size(int n) => n switch
    {
        >= Acr0 and < Fpc => 4,
        Fpc => 4,
        >= V16 and < Cr0 => 16,
        Prefix => 4,
        TodCmp => 4,
        _ => 8,
    };

    public static string Xml { get; } = Build();

    private static string Build()
    {
        var b = new StringBuilder();
        b.Append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n<architecture>s390:64-bit</architecture>\n");
        b.Append("<feature name=\"org.gnu.gdb.s390.core\">\n");
        b.Append("<reg name=\"pswm\" bitsize=\"64\" type=\"uint64\" group=\"psw\" regnum=\"0\"/>\n");
        b.Append("<reg name=\"pswa\" bitsize=\"64\" type=\"code_ptr\" group=\"psw\"/>\n");
        for (int i = 0; i < 16; i++) b.Append($"<reg name=\"r{i}\" bitsize=\"64\" type=\"uint64\" group=\"general\"/>\n");
        b.Append("</feature>\n<feature name=\"org.gnu.gdb.s390.acr\">\n");
        for (int i = 0; i < 16; i++) b.Append($"<reg name=\"acr{i}\" bitsize=\"32\" type=\"uint32\" group=\"access\"{(i == 0 ? $" regnum=\"{Acr0}\"" : "")}/>\n");
        b.Append("</feature>\n<feature name=\"org.gnu.gdb.s390.fpr\">\n");
        b.Append($"<reg name=\"fpc\" bitsize=\"32\" type=\"uint32\" group=\"float\" regnum=\"{Fpc}\"/>\n");
        for (int i = 0; i < 16; i++) b.Append($"<reg name=\"f{i}\" bitsize=\"64\" type=\"ieee_double\" group=\"float\"/>\n");
        b.Append("</feature>\n<feature name=\"org.gnu.gdb.s390.vx\">\n");
        b.Append("<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n");
        b.Append("<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n");
        b.Append("<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n");
        b.Append("<union id=\"vec128\">\n<field name=\"v4_float\" type=\"v4f\"/>\n<field name=\"v2_double\" type=\"v2d\"/>\n");
        b.Append("<field name=\"v16_int8\" type=\"v16i8\"/>\n<field name=\"v8_int16\" type=\"v8i16\"/>\n<field name=\"v4_int32\" type=\"v4i32\"/>\n");
        b.Append("<field name=\"v2_int64\" type=\"v2i64\"/>\n<field name=\"uint128\" type=\"uint128\"/>\n</union>\n");
        for (int i = 0; i < 16; i++) b.Append($"<reg name=\"v{i}l\" bitsize=\"64\" type=\"uint64\"{(i == 0 ? $" regnum=\"{V0l}\"" : "")}/>\n");
        for (int i = 16; i < 32; i++) b.Append($"<reg name=\"v{i}\" bitsize=\"128\" type=\"vec128\"/>\n");
        b.Append("</feature>\n<feature name=\"org.gnu.gdb.s390.cr\">\n");
        for (int i = 0; i < 16; i++) b.Append($"<reg name=\"cr{i}\" bitsize=\"64\" type=\"uint64\" group=\"control\"{(i == 0 ? $" regnum=\"{Cr0}\"" : "")}/>\n");
        b.Append("</feature>\n<feature name=\"org.gnu.gdb.s390.system\">\n");
        b.Append($"<reg name=\"prefix\" bitsize=\"32\" type=\"uint32\" group=\"system\" regnum=\"{Prefix}\"/>\n");
        b.Append("<reg name=\"cputm\" bitsize=\"64\" type=\"uint64\" group=\"system\"/>\n");
        b.Append("<reg name=\"ckc\" bitsize=\"64\" type=\"uint64\" group=\"system\"/>\n");
        b.Append("<reg name=\"todcmp\" bitsize=\"32\" type=\"uint32\" group=\"system\"/>\n");
        b.Append("</feature>\n</target>\n");
        return b.ToString();
    }
}
