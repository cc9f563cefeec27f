using System.Runtime.CompilerServices;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// The PoO's IEEE-exception rule, shared by binary and decimal floating point ("IEEE Exceptions" in the
/// BFP and DFP chapters): a trapping invalid operation or division by zero suppresses the instruction; a
/// trapping overflow or underflow completes it with the scaled result and DXC 0x20/0x10 plus the scaled
/// result's inexact/incremented bits; untrapped conditions set their FPC flags (underflow only when tiny
/// and inexact); a trapping inexact completes with DXC 0x08/0x0C. The inexact-suppression control (XxC)
/// hides the inexact condition, of the result and of the scaled result.
/// </summary>
public static class IeeeExceptions
{
    private static byte InexactBits(bool inexact, bool incremented) => (byte)(inexact ? (incremented ? 0x0C : 0x08) : 0);

    /// <summary>
    /// Applies the FPC masks to <paramref name="env"/>: throws for a suppressing trap, sets the flags of untrapped
    /// conditions and returns the DXC of a completion trap (0: none), to be raised with <see cref="Trap"/> after
    /// the result and condition code are stored. <paramref name="scaled"/> says the result must be replaced by
    /// the scaled result (a trapping overflow or underflow).
    /// </summary>
    public static byte Apply(Cpu c, in IeeeConditions env, bool xxc, out bool scaled)
    {
        byte masks = Fpc.MaskByte(c.Fpc);
        byte flags = 0;
        scaled = false;
        if (env.Invalid)
        {
            if ((masks & Fpc.Invalid) != 0) throw c.DataException(Dxc.IeeeInvalid);
            flags |= Fpc.Invalid;
        }
        if (env.DivideByZero)
        {
            if ((masks & Fpc.DivideByZero) != 0) throw c.DataException(Dxc.IeeeDivideByZero);
            flags |= Fpc.DivideByZero;
        }
        bool underflow = env.Tiny && env.Inexact;
        bool inexact = env.Inexact && !xxc, scaledInexact = env.ScaledInexact && !xxc;
        byte dxc = 0;
        if (env.Overflow && (masks & Fpc.Overflow) != 0)
        {
            scaled = true;
            dxc = (byte)(Dxc.IeeeOverflowExact | InexactBits(scaledInexact, env.ScaledIncremented));
        }
        else if (env.Tiny && (masks & Fpc.Underflow) != 0)
        {
            scaled = true;
            dxc = (byte)(Dxc.IeeeUnderflowExact | InexactBits(scaledInexact, env.ScaledIncremented));
        }
        else
        {
            if (env.Overflow) flags |= Fpc.Overflow;
            if (underflow) flags |= Fpc.Underflow;
            if (inexact)
            {
                if ((masks & Fpc.Inexact) != 0) dxc = InexactBits(true, env.Incremented);
                else flags |= Fpc.Inexact;
            }
        }
        c.Fpc |= (uint)flags << (int)Fpc.FlagShift;
        return dxc;
    }

    /// <summary>Raises the completion trap <see cref="Apply"/> returned, if any.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Trap(Cpu c, byte dxc)
    {
        if (dxc != 0) throw c.DataException(dxc);
    }
}
