using System.Collections.Concurrent;
using System.Reflection;

namespace S390Jit.Debug;

/// <summary>
/// The managed half of a machine snapshot: every field of every object reachable from the roots (the
/// machine's devices, the host model, the CPUs), restored in place, so objects keep their identity. Arrays
/// keep their contents. Left alone: the execution engine (its code cache follows storage through its own
/// invalidation), delegates, streams, threads, locks, exceptions, types and strings (immutable), and the
/// instruction tables.
/// </summary>
internal sealed class ObjectState
{
    private readonly List<(object Obj, FieldInfo[] Fields, object?[] Values)> _objects = new();
    private readonly List<(Array Array, Array Copy)> _arrays = new();

    private static readonly ConcurrentDictionary<Type, FieldInfo[]> s_fields = new();
    private static readonly ConcurrentDictionary<Type, bool> s_skip = new();

    /// <summary>Names of fields that belong to the execution engine's bookkeeping, not to the machine.</summary>
    private static readonly HashSet<string> s_skipFields = ["WatchedFrames", "CodeModified", "FetchWatch", "WriteJournal"];

    public int ObjectCount => _objects.Count + _arrays.Count;

    public static ObjectState Capture(IEnumerable<object> roots)
    {
        var s = new ObjectState();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var work = new Stack<object>();
        foreach (var r in roots) if (seen.Add(r)) work.Push(r);
        void Visit(object? o)
        {
            if (o == null || Skip(o.GetType()) || !seen.Add(o)) return;
            work.Push(o);
        }
        while (work.Count > 0)
        {
            var o = work.Pop();
            if (o is Array a)
            {
                var copy = (Array)a.Clone();
                s._arrays.Add((a, copy));
                var et = a.GetType().GetElementType()!;
                if (et.IsPrimitive || et.IsEnum || et.IsPointer) continue;
                if (!et.IsValueType) { foreach (var e in a) Visit(e); continue; }
                var ef = FieldsOf(et);
                if (ef.All(f => IsPlain(f.FieldType))) continue;
                foreach (var e in a) if (e != null) VisitStruct(e, ef, Visit);
                continue;
            }
            var fields = FieldsOf(o.GetType());
            var values = new object?[fields.Length];
            for (int i = 0; i < fields.Length; i++)
            {
                var v = values[i] = fields[i].GetValue(o);
                if (v == null || fields[i].FieldType.IsPointer) continue;
                if (!fields[i].FieldType.IsValueType || fields[i].FieldType.IsInterface) Visit(v);
                else if (!IsPlain(fields[i].FieldType)) VisitStruct(v, FieldsOf(fields[i].FieldType), Visit);
            }
            s._objects.Add((o, fields, values));
        }
        return s;
    }

    private static void VisitStruct(object boxed, FieldInfo[] fields, Action<object?> visit)
    {
        foreach (var f in fields)
        {
            if (IsPlain(f.FieldType)) continue;
            var v = f.GetValue(boxed);
            if (v == null) continue;
            if (!f.FieldType.IsValueType) visit(v);
            else VisitStruct(v, FieldsOf(f.FieldType), visit);
        }
    }

    private static bool IsPlain(Type t) => t.IsPrimitive || t.IsEnum || t.IsPointer || t == typeof(string) || t == typeof(decimal)
        || (t.IsValueType && t.IsGenericType == false && t.Namespace == "System" && t != typeof(ValueType));

    public void Restore()
    {
        foreach (var (o, fields, values) in _objects)
            for (int i = 0; i < fields.Length; i++) fields[i].SetValue(o, values[i]);
        foreach (var (a, copy) in _arrays) Array.Copy(copy, a, a.Length);
    }

    private static FieldInfo[] FieldsOf(Type t) => s_fields.GetOrAdd(t, static t =>
    {
        var list = new List<FieldInfo>();
        for (var c = t; c != null && c != typeof(object); c = c.BaseType)
            foreach (var f in c.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (s_skipFields.Contains(f.Name)) continue;
                if (typeof(Delegate).IsAssignableFrom(f.FieldType)) continue;
                list.Add(f);
            }
        return list.ToArray();
    });

    private static bool Skip(Type t) => s_skip.GetOrAdd(t, static t =>
        t == typeof(string) || typeof(Delegate).IsAssignableFrom(t) || typeof(Stream).IsAssignableFrom(t) || typeof(TextWriter).IsAssignableFrom(t)
        || typeof(TextReader).IsAssignableFrom(t) || typeof(Thread).IsAssignableFrom(t) || typeof(Exception).IsAssignableFrom(t)
        || typeof(MemberInfo).IsAssignableFrom(t) || typeof(WaitHandle).IsAssignableFrom(t) || typeof(System.Diagnostics.Stopwatch) == t
        || t == typeof(ReaderWriterLockSlim) || t == typeof(SemaphoreSlim) || t == typeof(ManualResetEventSlim) || t == typeof(Lock)
        || typeof(Execution.IExecutionEngine).IsAssignableFrom(t) || typeof(Vmm.IMachineDebugger).IsAssignableFrom(t)
        || typeof(System.Threading.Tasks.Task).IsAssignableFrom(t) || typeof(CancellationTokenSource).IsAssignableFrom(t)
        || t.Namespace == "S390Jit.Architecture.Isa" || t.FullName?.StartsWith("System.Collections.Concurrent.", StringComparison.Ordinal) == true
        || t.FullName?.StartsWith("System.Runtime.CompilerServices.ConditionalWeakTable", StringComparison.Ordinal) == true
        || t == typeof(object) || t.IsCOMObject || typeof(System.Runtime.InteropServices.SafeHandle).IsAssignableFrom(t));
}
