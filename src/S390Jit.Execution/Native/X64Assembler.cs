namespace S390Jit.Execution.Native;

/// <summary>x86-64 general registers (the encoding numbers).</summary>
public enum Reg : byte { Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15 }

/// <summary>x86-64 condition codes (the low nibble of Jcc, SETcc and CMOVcc).</summary>
public enum Cond : byte { O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G }

/// <summary>
/// A small x86-64 assembler for the native first tier: the integer instructions it needs, register and
/// [base + disp32] / [base + index + disp32] operands, forward and backward rel32 jumps to labels. Code is
/// position independent (no absolute addresses), so the bytes may be copied anywhere. A mark taken with
/// <see cref="Mark"/> can be rolled back (<see cref="Rollback"/>) with its labels and jumps.
/// </summary>
public sealed class X64Assembler
{
    private byte[] _code = new byte[4096];
    private int _len;
    private readonly List<int> _labels = new();               // label -> offset (-1: not bound)
    private readonly List<(int At, int Label)> _fixups = new(); // rel32 fields to patch

    public int Length => _len;
    public ReadOnlySpan<byte> Code => _code.AsSpan(0, _len);

    public readonly record struct Position(int Length, int Labels, int Fixups);
    public Position Mark() => new(_len, _labels.Count, _fixups.Count);
    public void Rollback(Position p)
    {
        _len = p.Length;
        _labels.RemoveRange(p.Labels, _labels.Count - p.Labels);
        _used.RemoveRange(p.Labels, _used.Count - p.Labels);
        _fixups.RemoveRange(p.Fixups, _fixups.Count - p.Fixups);
    }

    public int NewLabel() { _labels.Add(-1); _used.Add(false); return _labels.Count - 1; }
    public void Bind(int label) => _labels[label] = _len;
    public void BindAt(int label, int offset) => _labels[label] = offset;
    public void Reset() { _len = 0; _labels.Clear(); _used.Clear(); _fixups.Clear(); }
    /// <summary>Whether a jump to the label was emitted (one rolled back since may still count: then its target is merely unused code).</summary>
    public bool IsUsed(int label) => _used[label];
    /// <summary>The offset a bound label stands for.</summary>
    public int LabelOffset(int label) => _labels[label];
    private readonly List<bool> _used = new();

    /// <summary>Patches every jump; throws when a used label was never bound.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        foreach (var (at, label) in _fixups)
        {
            int target = _labels[label];
            if (target < 0) throw new InvalidOperationException("unbound label");
            BitConverter.TryWriteBytes(_code.AsSpan(at, 4), target - (at + 4));
        }
        return _code.AsSpan(0, _len);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void B(byte b)
    {
        if ((uint)_len >= (uint)_code.Length) Grow();
        _code[_len++] = b;
    }
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void D32(int v)
    {
        if (_len + 4 > _code.Length) Grow();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(_code.AsSpan(_len, 4), v);
        _len += 4;
    }
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Grow() => Array.Resize(ref _code, _code.Length * 2);
    private void D64(ulong v) { D32((int)v); D32((int)(v >> 32)); }

    private void Rex(bool w, int reg, int index, int rm, bool force = false)
    {
        int rex = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | ((index >> 3) << 1) | (rm >> 3);
        if (rex != 0x40 || force) B((byte)rex);
    }

    // ModRM for a register operand
    private void ModRR(int reg, int rm) => B((byte)(0xC0 | ((reg & 7) << 3) | (rm & 7)));

    // ModRM (+SIB) for [base + disp] or [base + index + disp], with the shortest displacement: none when it is 0 (but rbp and
    // r13 as base always take one), 8 bits when it fits, else 32
    private void ModMem(int reg, Reg b, int disp, Reg? index)
    {
        int mod = disp == 0 && ((int)b & 7) != 5 ? 0x00 : disp == (sbyte)disp ? 0x40 : 0x80;
        if (index is Reg ix)
        {
            if (ix == Reg.Rsp) throw new ArgumentException("rsp cannot index");
            B((byte)(mod | ((reg & 7) << 3) | 4));
            B((byte)(((int)ix & 7) << 3 | ((int)b & 7)));
        }
        else
        {
            B((byte)(mod | ((reg & 7) << 3) | ((int)b & 7)));
            if (((int)b & 7) == 4) B(0x24);
        }
        if (mod == 0x40) B((byte)(sbyte)disp);
        else if (mod == 0x80) D32(disp);
    }

    private void OpRR(bool w, byte op, Reg reg, Reg rm) { Rex(w, (int)reg, 0, (int)rm); B(op); ModRR((int)reg, (int)rm); }
    private void OpRM(bool w, byte op, Reg reg, Reg b, int disp, Reg? index = null)
    {
        Rex(w, (int)reg, index is Reg ix ? (int)ix : 0, (int)b); B(op); ModMem((int)reg, b, disp, index);
    }
    private void Op0F(bool w, byte op, Reg reg, Reg rm) { Rex(w, (int)reg, 0, (int)rm); B(0x0F); B(op); ModRR((int)reg, (int)rm); }
    private void Op0FM(bool w, byte op, Reg reg, Reg b, int disp, Reg? index = null)
    {
        Rex(w, (int)reg, index is Reg ix ? (int)ix : 0, (int)b); B(0x0F); B(op); ModMem((int)reg, b, disp, index);
    }

    // ---- moves ----
    public void MovRR(Reg dst, Reg src) => OpRR(true, 0x89, src, dst);
    /// <summary>dst = src &amp; 0xFFFFFFFF (a 32-bit move zero-extends).</summary>
    public void MovRR32(Reg dst, Reg src) => OpRR(false, 0x89, src, dst);
    public void Lea(Reg dst, Reg b, int disp) => OpRM(true, 0x8D, dst, b, disp);
    public void Load64(Reg dst, Reg b, int disp, Reg? index = null) => OpRM(true, 0x8B, dst, b, disp, index);
    public void Load32(Reg dst, Reg b, int disp, Reg? index = null) => OpRM(false, 0x8B, dst, b, disp, index);
    public void Load16Zx(Reg dst, Reg b, int disp, Reg? index = null) => Op0FM(false, 0xB7, dst, b, disp, index);
    public void Load8Zx(Reg dst, Reg b, int disp, Reg? index = null) => Op0FM(false, 0xB6, dst, b, disp, index);
    public void Store64(Reg b, int disp, Reg src, Reg? index = null) => OpRM(true, 0x89, src, b, disp, index);
    public void Store32(Reg b, int disp, Reg src, Reg? index = null) => OpRM(false, 0x89, src, b, disp, index);
    public void Store16(Reg b, int disp, Reg src, Reg? index = null) { B(0x66); OpRM(false, 0x89, src, b, disp, index); }
    public void Store8(Reg b, int disp, Reg src, Reg? index = null)
    {
        // (rex forced so that sil/dil and not dh/bh are meant for registers 4-7)
        Rex(false, (int)src, index is Reg ix ? (int)ix : 0, (int)b, force: (int)src >= 4); B(0x88); ModMem((int)src, b, disp, index);
    }
    /// <summary>mov qword [b + disp], imm32 (sign-extended).</summary>
    public void StoreImm32Sx(Reg b, int disp, int imm) { Rex(true, 0, 0, (int)b); B(0xC7); ModMem(0, b, disp, null); D32(imm); }
    public void StoreImm8(Reg b, int disp, byte imm) { Rex(false, 0, 0, (int)b); B(0xC6); ModMem(0, b, disp, null); B(imm); }

    public void MovImm(Reg dst, ulong imm)
    {
        if (imm <= uint.MaxValue) { Rex(false, 0, 0, (int)dst); B((byte)(0xB8 + ((int)dst & 7))); D32((int)(uint)imm); }
        else if ((long)imm >= int.MinValue && (long)imm <= int.MaxValue) { Rex(true, 0, 0, (int)dst); B(0xC7); ModRR(0, (int)dst); D32((int)imm); }
        else { Rex(true, 0, 0, (int)dst); B((byte)(0xB8 + ((int)dst & 7))); D64(imm); }
    }

    public void MovSx8(Reg dst, Reg src) => Op0F(true, 0xBE, dst, src);
    public void MovSx16(Reg dst, Reg src) => Op0F(true, 0xBF, dst, src);
    public void MovSx32(Reg dst, Reg src) => OpRR(true, 0x63, dst, src);

    // ---- arithmetic: op = 0 add, 1 or, 4 and, 5 sub, 6 xor, 7 cmp ----
    public const int Add = 0, Or = 1, And = 4, Sub = 5, Xor = 6, Cmp = 7;
    public void Alu(int op, Reg dst, Reg src, bool w = true) => OpRR(w, (byte)(op * 8 + 1), src, dst);
    public void AluImm(int op, Reg dst, int imm, bool w = true)
    {
        Rex(w, 0, 0, (int)dst);
        if (imm == (sbyte)imm) { B(0x83); ModRR(op, (int)dst); B((byte)(sbyte)imm); }
        else { B(0x81); ModRR(op, (int)dst); D32(imm); }
    }
    /// <summary>op qword [b + disp], imm32 (sign-extended).</summary>
    public void AluImmToMem(int op, Reg b, int disp, int imm)
    {
        Rex(true, 0, 0, (int)b);
        if (imm == (sbyte)imm) { B(0x83); ModMem(op, b, disp, null); B((byte)(sbyte)imm); }
        else { B(0x81); ModMem(op, b, disp, null); D32(imm); }
    }
    /// <summary>op reg, [b + disp] (reg is the destination; cmp compares reg with memory).</summary>
    public void AluMem(int op, Reg reg, Reg b, int disp, Reg? index = null) => OpRM(true, (byte)(op * 8 + 3), reg, b, disp, index);
    /// <summary>add [b + disp], src</summary>
    public void AddToMem(Reg b, int disp, Reg src) => OpRM(true, 0x01, src, b, disp);
    /// <summary>jmp qword [b + disp]</summary>
    public void JmpMem(Reg b, int disp) { Rex(false, 0, 0, (int)b); B(0xFF); ModMem(4, b, disp, null); }
    public void IMul(Reg dst, Reg src) => Op0F(true, 0xAF, dst, src);
    /// <summary>rdx:rax = rax * src (unsigned).</summary>
    public void Mul(Reg src) { Rex(true, 0, 0, (int)src); B(0xF7); ModRR(4, (int)src); }
    public void Test(Reg a, Reg b) => OpRR(true, 0x85, b, a);

    // ---- shifts: op = 0 rol, 4 shl, 5 shr, 7 sar ----
    public const int Rol = 0, Shl = 4, Shr = 5, Sar = 7;
    public void ShiftCl(int op, Reg dst, bool w = true) { Rex(w, 0, 0, (int)dst); B(0xD3); ModRR(op, (int)dst); }
    public void ShiftImm(int op, Reg dst, byte n, bool w = true) { Rex(w, 0, 0, (int)dst); B(0xC1); ModRR(op, (int)dst); B(n); }
    /// <summary>rol r16, 8 (swaps the two low bytes).</summary>
    public void Rol16By8(Reg dst) { B(0x66); Rex(false, 0, 0, (int)dst); B(0xC1); ModRR(0, (int)dst); B(8); }

    /// <summary>dst = index of the highest set bit of src (ZF when src is 0, dst then undefined).</summary>
    public void Bsr(Reg dst, Reg src) => Op0F(true, 0xBD, dst, src);

    public void Bswap(Reg r, bool w) { Rex(w, 0, 0, (int)r); B(0x0F); B((byte)(0xC8 + ((int)r & 7))); }

    /// <summary>dst = cond ? 1 : 0 (dst one of rax, rcx, rdx, rbx: no rex needed for the byte form).</summary>
    public void SetCc(Cond c, Reg dst)
    {
        Rex(false, 0, 0, (int)dst, force: (int)dst >= 4);
        B(0x0F); B((byte)(0x90 + (int)c)); ModRR(0, (int)dst);
        // movzx dst32, dst8 (rex forced as for the setcc: registers 4-7 are spl/bpl/sil/dil, not ah/ch/dh/bh)
        Rex(false, (int)dst, 0, (int)dst, force: (int)dst >= 4); B(0x0F); B(0xB6); ModRR((int)dst, (int)dst);
    }
    public void CMov(Cond c, Reg dst, Reg src) => Op0F(true, (byte)(0x40 + (int)c), dst, src);

    // ---- control ----
    public void Jcc(Cond c, int label) { B(0x0F); B((byte)(0x80 + (int)c)); _fixups.Add((_len, label)); _used[label] = true; D32(0); }
    public void Jmp(int label) { B(0xE9); _fixups.Add((_len, label)); _used[label] = true; D32(0); }
    public void Ret() => B(0xC3);
    /// <summary>jmp r64</summary>
    public void JmpReg(Reg r) { Rex(false, 0, 0, (int)r); B(0xFF); ModRR(4, (int)r); }
    /// <summary>call r64</summary>
    public void CallReg(Reg r) { Rex(false, 0, 0, (int)r); B(0xFF); ModRR(2, (int)r); }
    public void Push(Reg r) { Rex(false, 0, 0, (int)r); B((byte)(0x50 + ((int)r & 7))); }
    public void Pop(Reg r) { Rex(false, 0, 0, (int)r); B((byte)(0x58 + ((int)r & 7))); }
}
