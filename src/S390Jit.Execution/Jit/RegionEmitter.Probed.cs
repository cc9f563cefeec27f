using System.Reflection.Emit;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Multiple-register loads and stores (LM/LMG/STM/STMG): their body probes the whole operand
/// first; a TLB hit for it proves the operand lies in one page and gives its host address, so the
/// accesses that follow in the same instruction at constant offsets from the probed address use
/// that address directly instead of one TLB lookup each.
/// </summary>
public sealed unsafe partial class RegionEmitter
{
    /// <summary>Address values known as (probed base, constant offset): the base is a local or, when null, a constant.</summary>
    private readonly Dictionary<object, (LocalBuilder? Base, ulong Offset)> _derived = new(ReferenceEqualityComparer.Instance);
    private (Val Addr, int Len, bool Write, LocalBuilder Host)? _probe;

    /// <summary>After a probe's TLB hit (host address of the operand on the IL stack): keep it for this instruction.</summary>
    private void KeepProbe(Val addr, int len, bool write)
    {
        var host = Scratch(typeof(nint));
        _il.Emit(OpCodes.Stloc, host);
        // a probe after the instruction changed state, or in a region that stays on a TLB miss, has a slow path
        // that continues without the host address
        _probe = _dirty || StayOnMiss ? null : (addr, len, write, host);
    }

    /// <summary>Records <paramref name="result"/> = <paramref name="a"/> + <paramref name="offset"/> (or masked by the addressing mode).</summary>
    private void NoteDerived(object result, Val a, ulong offset)
    {
        if (_probe == null) return;
        if (a.IsConst) return;
        var (b, o) = _derived.TryGetValue((object?)a.Expr ?? a.Local!, out var d) ? d : (a.Local, 0UL);
        _derived[result] = (b, o + offset);
    }

    /// <summary>Whether an access of <paramref name="size"/> bytes at <paramref name="addr"/> lies in the probed operand; if so, its host address is on the IL stack.</summary>
    private bool ProbedHost(Val addr, int size, bool write)
    {
        if (_probe is not { } p || p.Write != write) return false;
        ulong off;
        if (p.Addr.IsConst)
        {
            if (!addr.IsConst || addr.Value < p.Addr.Value) return false;
            off = addr.Value - p.Addr.Value;
        }
        else
        {
            if (addr.IsConst) return false;
            if (addr.Local != null && addr.Local == p.Addr.Local) off = 0;
            else if (_derived.TryGetValue((object?)addr.Expr ?? addr.Local!, out var d) && d.Base == p.Addr.Local) off = d.Offset;
            else return false;
        }
        if (off + (ulong)size > (ulong)p.Len) return false;
        _il.Emit(OpCodes.Ldloc, p.Host);
        if (off != 0) { LdcI4((int)off); _il.Emit(OpCodes.Add); }
        return true;
    }

    private Val LoadHost(int size)
    {
        _il.Emit(OpCodes.Unaligned, (byte)1);
        switch (size)
        {
            case 1: _il.Emit(OpCodes.Ldind_U1); _il.Emit(OpCodes.Conv_U8); break;
            case 2: _il.Emit(OpCodes.Ldind_U2); _il.Emit(OpCodes.Call, M_Bswap16); _il.Emit(OpCodes.Conv_U8); break;
            case 4: _il.Emit(OpCodes.Ldind_U4); _il.Emit(OpCodes.Call, M_Bswap32); _il.Emit(OpCodes.Conv_U8); break;
            default: _il.Emit(OpCodes.Ldind_I8); _il.Emit(OpCodes.Call, M_Bswap64); break;
        }
        var v = Pop();
        if (size <= 4) _zext.Add(v.Local!);
        if (size == 2) _zext16.Add(v.Local!);
        return v;
    }

    private void StoreHost(int size, Val value)
    {
        // the host address is on the stack
        Push(value);
        switch (size)
        {
            case 1: _il.Emit(OpCodes.Conv_U1); _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I1); break;
            case 2: _il.Emit(OpCodes.Conv_U2); _il.Emit(OpCodes.Call, M_Bswap16); _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I2); break;
            case 4: _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Call, M_Bswap32); _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I4); break;
            default: _il.Emit(OpCodes.Call, M_Bswap64); _il.Emit(OpCodes.Unaligned, (byte)1); _il.Emit(OpCodes.Stind_I8); break;
        }
    }

    private void ForgetProbe()
    {
        _probe = null;
        _derived.Clear();
    }
}
