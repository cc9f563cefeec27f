using System.Diagnostics;

namespace S390Jit.Cli;

/// <summary>
/// S390JIT_STARTUP_TRACE=1: one stderr line per start-up phase, milliseconds since the process started
/// (the runtime's own start-up is the first line's figure), the process's CPU time (every thread: user + system),
/// and the methods RyuJIT compiled so far with the time it took (ReadyToRun code is not counted). Off, it costs
/// one environment read. S390JIT_STARTUP_TRACE=asm also prints each assembly as it is loaded, with the stack that
/// loaded it (what pulled it onto the run's path). S390JIT_STARTUP_TRACE=2 records the same lines but prints them
/// when the process ends, and runs as a plain run does (the kernel read and the table built on the second thread):
/// the figures of a real start-up, without the trace's own console output among them; a phase's CPU then includes
/// what the second thread did meanwhile.
/// </summary>
internal static class StartupTrace
{
    private static readonly string? s_mode = Environment.GetEnvironmentVariable("S390JIT_STARTUP_TRACE");
    public static readonly bool Enabled = s_mode is "1" or "asm" or "2";
    /// <summary>S390JIT_STARTUP_TRACE=2: recorded, printed at the end, and the run's threads as without the trace.</summary>
    public static readonly bool Deferred = s_mode == "2";
    private static double s_last, s_lastCpu, s_lastJitMs;
    private static long s_lastJitted;
    private static bool s_hooked;
    private static List<(string Phase, DateTime At, double Cpu, long Jitted, double JitMs)>? s_marksList;
    private static List<(string Phase, DateTime At, double Cpu, long Jitted, double JitMs)> s_marks => s_marksList ??= new();

    public static void Mark(string phase)
    {
        if (!Enabled) return;
        if (s_mode == "asm" && !s_hooked)
        {
            s_hooked = true;
            AppDomain.CurrentDomain.AssemblyLoad += (_, e) =>
                Program.StdErr.WriteLine($"startup: assembly {e.LoadedAssembly.GetName().Name} loaded from{Environment.NewLine}{new StackTrace(false)}");
        }
        var at = DateTime.UtcNow;
        var usage = Environment.CpuUsage;
        double cpu = (usage.UserTime + usage.PrivilegedTime).TotalMilliseconds;
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        double jitMs = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds;
        lock (s_marks) s_marks.Add((phase, at, cpu, jitted, jitMs));
        if (!Deferred && s_mode != "asm") Flush();   // asm: printed at the end (Console.Error would load System.Console here)
    }

    /// <summary>Prints the lines recorded so far.</summary>
    public static void Flush()
    {
        if (!Enabled) return;
        lock (s_marks)
        {
            if (s_marks.Count == 0) return;
            var start = Process.GetCurrentProcess().StartTime.ToUniversalTime();
            foreach (var (phase, at, cpu, jitted, jitMs) in s_marks)
            {
                double now = (at - start).TotalMilliseconds;
                Console.Error.WriteLine($"startup: {now,8:F1} ms  (+{now - s_last,7:F1})  cpu +{cpu - s_lastCpu,6:F1} ms  " +
                                        $"jit +{jitted - s_lastJitted,4} methods +{jitMs - s_lastJitMs,5:F1} ms  {phase}");
                s_last = now;
                s_lastCpu = cpu;
                s_lastJitted = jitted;
                s_lastJitMs = jitMs;
            }
            s_marks.Clear();
        }
    }
}
