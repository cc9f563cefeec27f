using System.Globalization;

namespace S390Jit.Cli;

/// <summary>
/// What scripts written for qemu-system-s390x pass: options accepted and ignored (with their values
/// checked), options known to QEMU that S390Jit does not support (refused by name), QEMU's -cpu feature
/// names and -smp syntax, and the "did you mean" for near misses.
/// </summary>
internal static class QemuCompat
{
    /// <summary>QEMU options S390Jit accepts and ignores, or uses without its own option syntax (the console is always stdio, there is no display, no reboot).</summary>
    public static readonly (string Name, bool TakesValue, string Help)[] Ignored =
    [
        ("-display", true, "none (there is no display)"),
        ("-serial", true, "stdio | mon:stdio | none (the console is stdio)"),
        ("-no-reboot", false, "accepted: a reboot always ends the run"),
        ("-no-shutdown", false, "accepted: a shutdown always ends the run"),
        ("-no-user-config", false, "accepted"),
        ("-accel", true, "tcg | kvm (accepted: guests always run under S390Jit's modelled KVM)"),
        ("-enable-kvm", false, "accepted (guests always run under S390Jit's modelled KVM)"),
        ("-action", true, "reboot=..,shutdown=..,panic=..,watchdog=.. (watchdog= is -watchdog-action; the others are accepted)"),
        ("-watchdog-action", true, "reset | shutdown | poweroff | inject-nmi | pause | debug | none: what the diag288 watchdog's expiry does"),
        ("-uuid", true, "UUID of the VM (STSI 3.2.2)"),
    ];

    /// <summary>qemu-system-s390x options S390Jit does not support (yet): flags and options with a value.</summary>
    public static readonly string[] UnsupportedFlags =
        ["-snapshot", "-daemonize", "-mem-prealloc", "-full-screen", "-no-acpi", "-nodefconfig", "-old-param"];

    public static readonly string[] UnsupportedWithValue =
    [
        "-monitor", "-mon", "-qmp", "-qmp-pretty", "-drive", "-hda", "-hdb", "-hdc", "-hdd", "-cdrom", "-blockdev", "-netdev", "-net", "-nic",
        "-fsdev", "-virtfs", "-object", "-global", "-bios", "-boot", "-rtc", "-icount", "-dfilter", "-incoming", "-loadvm",
        "-pidfile", "-vnc", "-vga", "-spice", "-sandbox", "-trace", "-overcommit", "-mem-path", "-numa", "-readconfig", "-writeconfig", "-L",
        "-plugin", "-semihosting-config", "-audiodev", "-k", "-option-rom", "-fw_cfg", "-add-fd", "-set", "-runas", "-chroot", "-msg", "-iscsi",
        "-tpmdev", "-parallel", "-debugcon", "-compat", "-run-with", "-smbios", "-dtb", "-device-list",
    ];

    /// <summary>Why an option S390Jit knows from QEMU is refused.</summary>
    public static string UnsupportedMessage(string option) => option switch
    {
        "-dfilter" => $"{option} is not supported by S390Jit yet (-d logs every address)",
        "-monitor" or "-mon" or "-qmp" or "-qmp-pretty" => $"{option} is not supported by S390Jit: it has no monitor",
        _ => $"{option} is not supported by S390Jit yet",
    };

    /// <summary>Checks the value of an accepted-and-ignored option; returns an error line or null.</summary>
    public static string? CheckIgnored(string option, string? value) => option switch
    {
        "-display" when value!.Split(',')[0] != "none" =>
            $"-display {value} is not supported: S390Jit has no display (use -display none or -nographic)",
        "-serial" when value is not ("stdio" or "mon:stdio" or "none" or "null") =>
            $"-serial {value} is not supported: the console is stdio (use -serial stdio, mon:stdio or none)",
        "-accel" when value!.Split(',')[0] is not ("tcg" or "kvm") =>
            $"-accel {value} is not supported: guests run under S390Jit's modelled KVM (use -accel kvm, -accel tcg or leave it out)",
        "-action" => CheckKeys(value!, "-action", ["reboot", "shutdown", "panic", "watchdog"]),
        "-watchdog-action" when !IsWatchdogAction(value!) =>
            $"-watchdog-action {value}: expected reset, shutdown, poweroff, inject-nmi, pause, debug or none",
        "-uuid" when !Guid.TryParseExact(value, "D", out _) => $"-uuid {value}: not a UUID (expected e.g. 12345678-1234-1234-1234-123456789abc)",
        _ => null,
    };

    public static bool IsWatchdogAction(string value) => value is "reset" or "shutdown" or "poweroff" or "inject-nmi" or "pause" or "debug" or "none";

    /// <summary>The watchdog action a -watchdog-action value names (checked with <see cref="IsWatchdogAction"/>).</summary>
    public static Vmm.WatchdogAction WatchdogAction(string value) => value switch
    {
        "shutdown" => Vmm.WatchdogAction.Shutdown,
        "poweroff" => Vmm.WatchdogAction.Poweroff,
        "inject-nmi" => Vmm.WatchdogAction.InjectNmi,
        "pause" => Vmm.WatchdogAction.Pause,
        "debug" => Vmm.WatchdogAction.Debug,
        "none" => Vmm.WatchdogAction.None,
        _ => Vmm.WatchdogAction.Reset,
    };

    private static string? CheckKeys(string value, string option, string[] keys)
    {
        foreach (var p in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string key = p.Split('=')[0];
            if (!keys.Contains(key) || !p.Contains('='))
                return $"{option} {value}: unknown action '{p}' (expected {string.Join("=.., ", keys)}=..)";
        }
        return null;
    }

    /// <summary>
    /// QEMU's s390x CPU feature names for facilities (STFLE bit numbers, target/s390x/cpu_features_def.h.inc).
    /// A feature can be switched on when S390Jit implements its facility; off always.
    /// </summary>
    public static IReadOnlyDictionary<string, int> FacilityFeatures => Features.Table;

    // (a class of its own: built on first use, not by every run's first look at QemuCompat)
    private static class Features
    {
        public static readonly IReadOnlyDictionary<string, int> Table = ParseFeatures(
        "esan3:0 zarch:1 dateh:3 idtes:4 idter:5 asnlxr:6 stfle:7 edat:8 srs:9 csske:10 ctop:11 ipter:13 nonqks:14 etf2:16 " +
        "msa-base:17 ldisp:18 ldisphp:19 hfpm:20 eimm:21 etf3:22 hfpue:23 etf2eh:24 stckf:25 parseh:26 mvcos:27 tods-base:28 etf3eh:30 " +
        "ectg:31 csst:32 csst2:33 ginste:34 exrl:35 emon:36 fpe:37 opc:38 sprogp:40 fpseh:41 dfp:42 dfphp:43 pfpo:44 stfle45:45 " +
        "cmpsceh:47 dfpzc:48 stfle49:49 cte:50 ltlbc:51 iacc2:52 stfle53:53 eec:54 msa5-base:57 minste2:58 sema:59 tsi:60 minste3:61 " +
        "ri:64 zpci:69 aen:71 ais:72 te:73 sthyi:74 aefsi:75 msa3-base:76 msa4-base:77 edat2:78 dfppc:80 ppa15:81 bpb:82 vx:129 iep:130 " +
        "sea_esop2:131 gs:133 vxpd:134 vxeh:135 mepoch:139 els:140 tpei:144 irbm:145 msa8-base:146 cmmnt:147 vxeh2:148 esort-base:150 " +
        "deflate-base:151 vxpdeh:152 msa9-base:155 etoken:156 unpack:161 nnpa:165 vxpdeh2:192 beareh:193 rdp:194 pai:196 paie:197");
    }

    /// <summary>QEMU feature names that are no facility bit (SCLP, SIE, subfunctions): not modelled.</summary>
    public static readonly string[] OtherFeatures =
    [
        "gsls", "esop", "hpma2", "kss", "64bscao", "cmma", "pfmfi", "ibs", "diag318", "sief2", "skey", "gpereh", "siif", "sigpif", "ib",
        "cei", "dateh2", "cmm",
    ];

    /// <summary>The features the AP model handles itself (see RunCommand.BuildAp).</summary>
    public static readonly string[] ApFeatures = ["ap", "apqci", "apft", "apqi", "msa3"];

    private static Dictionary<string, int> ParseFeatures(string table) =>
        table.Split(' ').Select(e => e.Split(':')).ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));

    /// <summary>
    /// QEMU's -smp: "[cpus=]N[,maxcpus=M][,sockets=S][,dies=D][,clusters=C][,books=B][,drawers=W][,cores=C][,threads=T]".
    /// The number of CPUs (N; without it the topology's product, or maxcpus); maxcpus may exceed it (no hotplug: ignored).
    /// </summary>
    public static int ParseSmp(string smp, out string? error) => ParseSmp(smp, out error, out _);

    /// <summary>As <see cref="ParseSmp(string, out string?)"/>, also giving maxcpus (the number of CPUs without it).</summary>
    public static int ParseSmp(string smp, out string? error, out int maxCpus)
    {
        error = null;
        maxCpus = 0;
        long? cpus = null, maxcpus = null, product = null;
        foreach (var part in smp.Split(','))
        {
            int eq = part.IndexOf('=');
            string key = eq < 0 ? "cpus" : part[..eq], value = eq < 0 ? part : part[(eq + 1)..];
            if (!Vmm.MachineOptions.TryParseDigits(value, out ulong digits) || digits > long.MaxValue || (digits == 0 && key is "cpus" or "maxcpus"))
            {
                error = $"-smp {smp}: '{part}' is not a valid count";
                return 0;
            }
            long n = (long)digits;
            switch (key)
            {
                case "cpus": cpus = n; break;
                case "maxcpus": maxcpus = n; break;
                case "sockets" or "dies" or "clusters" or "books" or "drawers" or "cores" or "threads":
                    if (n > 0) product = Math.Min((product ?? 1) * n, 1L << 20);
                    break;
                default:
                    error = $"-smp {smp}: unknown parameter '{key}' (cpus, maxcpus, drawers, books, sockets, cores, threads)";
                    return 0;
            }
        }
        long count = cpus ?? product ?? maxcpus ?? 1;
        if (maxcpus is { } max && max < count) error = $"-smp {smp}: maxcpus ({max}) must be equal to or greater than the number of CPUs ({count})";
        else if (count is < 1 or > 248) error = $"-smp {smp}: {count} CPUs (S390Jit runs 1-248)";
        maxCpus = (int)Math.Min(maxcpus ?? count, 248);
        return (int)count;
    }

    /// <summary>The candidate nearest to <paramref name="word"/> if it is a plausible typo of it (edit distance at most 2), else null.</summary>
    public static string? DidYouMean(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(word, c);
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return bestDistance <= Math.Min(2, Math.Max(1, word.TrimStart('-').Length / 3)) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var prev = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            var cur = new int[b.Length + 1];
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            prev = cur;
        }
        return prev[b.Length];
    }
}
