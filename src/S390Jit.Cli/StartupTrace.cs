using System.Diagnostics;

namespace S390Jit.Cli;

/// <summary>
/// S390JIT_STARTUP_TRACE=1: one stderr line per start-up phase, milliseconds since the process started
/// (the runtime's own start-up is the first line's figure). Off, it costs one environment read.
/// </summary>
internal static class StartupTrace
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("S390JIT_STARTUP_TRACE") is "1";
    private static readonly DateTime s_processStart = Enabled ? Process.GetCurrentProcess().StartTime.ToUniversalTime() : default;
    private static double s_last;

    public static void Mark(string phase)
    {
        if (!Enabled) return;
        double now = (DateTime.UtcNow - s_processStart).TotalMilliseconds;
        Console.Error.WriteLine($"startup: {now,8:F1} ms  (+{now - s_last,7:F1})  {phase}");
        s_last = now;
    }
}
