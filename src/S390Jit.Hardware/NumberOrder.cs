namespace S390Jit.Hardware;

/// <summary>
/// Ascending order of unsigned numbers, for sorted collections: given to their constructors, it keeps them from making
/// <c>Comparer&lt;T&gt;.Default</c>, which the runtime creates by reflection and RyuJIT compiles at every start (perf/startup.md).
/// </summary>
public sealed class NumberOrder : IComparer<ulong>, IComparer<ushort>
{
    public static readonly NumberOrder Instance = new();
    private NumberOrder() { }
    public int Compare(ulong x, ulong y) => x.CompareTo(y);
    public int Compare(ushort x, ushort y) => x.CompareTo(y);
}
