using S390Jit.Execution.Native;

namespace S390Jit.Tests.Execution;

/// <summary>
/// The native tier's assembler: every instruction form the emitter uses, against the bytes GNU objdump disassembles to
/// the instruction in the name (checked when the table was written: <c>objdump -D -b binary -mi386:x86-64 -M intel</c>).
/// Displacements and immediates take their shortest form (none, 8 or 32 bits; 0x83 for 8-bit ALU immediates).
/// </summary>
public class X64AssemblerTests
{
    private static readonly (string Name, Action<X64Assembler> Emit, string Hex)[] Forms =
    [
        ("mov rax, [rdi+0x10]", a => a.Load64(Reg.Rax, Reg.Rdi, 0x10), "488B4710"),
        ("mov r9, [r8+0x8348]", a => a.Load64(Reg.R9, Reg.R8, 0x8348), "4D8B8848830000"),
        ("mov rax, [rsp+8]", a => a.Load64(Reg.Rax, Reg.Rsp, 8), "488B442408"),
        ("mov r12, [r13-0x40]", a => a.Load64(Reg.R12, Reg.R13, -0x40), "4D8B65C0"),
        ("mov eax, [r9+rax]", a => a.Load32(Reg.Rax, Reg.R9, 0, Reg.Rax), "418B0401"),
        ("movzx esi, word [r9+rax]", a => a.Load16Zx(Reg.Rsi, Reg.R9, 0, Reg.Rax), "410FB73401"),
        ("movzx r10d, byte [r9+rax]", a => a.Load8Zx(Reg.R10, Reg.R9, 0, Reg.Rax), "450FB61401"),
        ("mov [rdi+0x20], r15", a => a.Store64(Reg.Rdi, 0x20, Reg.R15), "4C897F20"),
        ("mov [r9], eax", a => a.Store32(Reg.R9, 0, Reg.Rax), "418901"),
        ("mov [r9], ax", a => a.Store16(Reg.R9, 0, Reg.Rax), "66418901"),
        ("mov [r9], sil", a => a.Store8(Reg.R9, 0, Reg.Rsi), "418831"),
        ("add qword [rdi+0x28], 5", a => a.AluImmToMem(X64Assembler.Add, Reg.Rdi, 0x28, 5), "4883472805"),
        ("add qword [rcx+0x28], -5", a => a.AluImmToMem(X64Assembler.Add, Reg.Rcx, 0x28, -5), "48834128FB"),
        ("mov qword [rdi+0x28], -5", a => a.StoreImm32Sx(Reg.Rdi, 0x28, -5), "48C74728FBFFFFFF"),
        ("mov byte [rdi-0x14], 2", a => a.StoreImm8(Reg.Rdi, -0x14, 2), "C647EC02"),
        ("mov r11, rbx", a => a.MovRR(Reg.R11, Reg.Rbx), "4989DB"),
        ("mov ecx, r10d", a => a.MovRR32(Reg.Rcx, Reg.R10), "4489D1"),
        ("mov r8d, 0x12345678", a => a.MovImm(Reg.R8, 0x12345678), "41B878563412"),
        ("mov rax, -2", a => a.MovImm(Reg.Rax, unchecked((ulong)-2L)), "48C7C0FEFFFFFF"),
        ("movabs r14, 0x123456789", a => a.MovImm(Reg.R14, 0x123456789), "49BE8967452301000000"),
        ("movsx rbp, bpl", a => a.MovSx8(Reg.Rbp, Reg.Rbp), "480FBEED"),
        ("movsx r12, r13w", a => a.MovSx16(Reg.R12, Reg.R13), "4D0FBFE5"),
        ("movsxd rsi, eax", a => a.MovSx32(Reg.Rsi, Reg.Rax), "4863F0"),
        ("add rsi, r10", a => a.Alu(X64Assembler.Add, Reg.Rsi, Reg.R10), "4C01D6"),
        ("sub eax, ecx", a => a.Alu(X64Assembler.Sub, Reg.Rax, Reg.Rcx, w: false), "29C8"),
        ("and r15, -16", a => a.AluImm(X64Assembler.And, Reg.R15, -16), "4983E7F0"),
        ("cmp ecx, 0xff8", a => a.AluImm(X64Assembler.Cmp, Reg.Rcx, 0xff8, w: false), "81F9F80F0000"),
        ("cmp rdx, [r8+0x8340]", a => a.AluMem(X64Assembler.Cmp, Reg.Rdx, Reg.R8, 0x8340), "493B9040830000"),
        ("sub rax, [rdi+8]", a => a.AluMem(X64Assembler.Sub, Reg.Rax, Reg.Rdi, 8), "482B4708"),
        ("add [rdi+0x30], rax", a => a.AddToMem(Reg.Rdi, 0x30, Reg.Rax), "48014730"),
        ("imul r12, rcx", a => a.IMul(Reg.R12, Reg.Rcx), "4C0FAFE1"),
        ("mul r11", a => a.Mul(Reg.R11), "49F7E3"),
        ("test rdx, rdx", a => a.Test(Reg.Rdx, Reg.Rdx), "4885D2"),
        ("shl r13, cl", a => a.ShiftCl(X64Assembler.Shl, Reg.R13), "49D3E5"),
        ("sar rax, 3", a => a.ShiftImm(X64Assembler.Sar, Reg.Rax, 3), "48C1F803"),
        ("rol esi, cl", a => a.ShiftCl(X64Assembler.Rol, Reg.Rsi, w: false), "D3C6"),
        ("rol r10w, 8", a => a.Rol16By8(Reg.R10), "6641C1C208"),
        ("bswap r9", a => a.Bswap(Reg.R9, true), "490FC9"),
        ("bswap eax", a => a.Bswap(Reg.Rax, false), "0FC8"),
        ("bsr rax, rcx", a => a.Bsr(Reg.Rax, Reg.Rcx), "480FBDC1"),
        ("setl al; movzx eax, al", a => a.SetCc(Cond.L, Reg.Rax), "0F9CC00FB6C0"),
        ("setb sil; movzx esi, sil", a => a.SetCc(Cond.B, Reg.Rsi), "400F92C6400FB6F6"),
        ("sete r11b; movzx r11d, r11b", a => a.SetCc(Cond.E, Reg.R11), "410F94C3450FB6DB"),
        ("setg bpl; movzx ebp, bpl", a => a.SetCc(Cond.G, Reg.Rbp), "400F9FC5400FB6ED"),
        ("cmovne rbx, r14", a => a.CMov(Cond.NE, Reg.Rbx, Reg.R14), "490F45DE"),
        ("push r12", a => a.Push(Reg.R12), "4154"),
        ("pop rbp", a => a.Pop(Reg.Rbp), "5D"),
        ("jmp [r8]", a => a.JmpMem(Reg.R8, 0), "41FF20"),
        ("jmp rcx", a => a.JmpReg(Reg.Rcx), "FFE1"),
        ("jmp r9", a => a.JmpReg(Reg.R9), "41FFE1"),
        ("ret", a => a.Ret(), "C3"),
        ("mov rax, [rbp+0]", a => a.Load64(Reg.Rax, Reg.Rbp, 0), "488B4500"),
        ("mov rcx, [r13+0]", a => a.Load64(Reg.Rcx, Reg.R13, 0), "498B4D00"),
        ("mov rdx, [r12]", a => a.Load64(Reg.Rdx, Reg.R12, 0), "498B1424"),
        ("mov r9, [rdi+rcx+0x4348]", a => a.Load64(Reg.R9, Reg.Rdi, 0x4348, Reg.Rcx), "4C8B8C0F48430000"),
        ("mov rax, [rbp+rcx]", a => a.Load64(Reg.Rax, Reg.Rbp, 0, Reg.Rcx), "488B440D00"),
        ("cmp rdx, [rdi+rcx+0x4340]", a => a.AluMem(X64Assembler.Cmp, Reg.Rdx, Reg.Rdi, 0x4340, Reg.Rcx), "483B940F40430000"),
        ("cmp rdx, [rdi+rcx-0x80]", a => a.AluMem(X64Assembler.Cmp, Reg.Rdx, Reg.Rdi, -0x80, Reg.Rcx), "483B540F80"),
        ("lea rdx, [rax+7]", a => a.Lea(Reg.Rdx, Reg.Rax, 7), "488D5007"),
        ("lea r10, [r11+0x1000]", a => a.Lea(Reg.R10, Reg.R11, 0x1000), "4D8D9300100000"),
        ("add r10, 1", a => a.AluImm(X64Assembler.Add, Reg.R10, 1), "4983C201"),
        ("and ecx, 0x1ffe0", a => a.AluImm(X64Assembler.And, Reg.Rcx, 0x1ffe0, w: false), "81E1E0FF0100"),
        ("sub qword [rdi-0x100], 0x80", a => a.AluImmToMem(X64Assembler.Sub, Reg.Rdi, -0x100, 0x80), "4881AF00FFFFFF80000000"),
        ("add qword [rdi+0x7f], -0x80", a => a.AluImmToMem(X64Assembler.Add, Reg.Rdi, 0x7f, -0x80), "4883477F80"),
    ];

    public static IEnumerable<TestCaseData> Cases() => Forms.Select(f => new TestCaseData(f.Name).SetName($"Encodes({f.Name})"));

    [TestCaseSource(nameof(Cases))]
    public void Encodes(string name)
    {
        var (_, emit, hex) = Forms.Single(f => f.Name == name);
        var a = new X64Assembler();
        emit(a);
        Assert.That(Convert.ToHexString(a.Finish()), Is.EqualTo(hex));
    }

    [Test]
    public void Jumps_reach_their_labels_forward_and_backward()
    {
        var a = new X64Assembler();
        int back = a.NewLabel(), fwd = a.NewLabel();
        a.Bind(back);
        a.Jcc(Cond.E, fwd);  // 0: 0F 84 rel32 -> 11
        a.Jmp(back);         // 6: E9 rel32 -> 0
        a.Bind(fwd);         // 11
        a.Ret();
        Assert.That(Convert.ToHexString(a.Finish()), Is.EqualTo("0F8405000000" + "E9F5FFFFFF" + "C3"));
    }

    [Test]
    public void Rollback_forgets_code_labels_and_jumps()
    {
        var a = new X64Assembler();
        a.Ret();
        var mark = a.Mark();
        int l = a.NewLabel();
        a.Jmp(l);
        a.Rollback(mark);
        a.Ret();
        Assert.That(Convert.ToHexString(a.Finish()), Is.EqualTo("C3C3"));
    }
}
