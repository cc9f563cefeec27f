namespace S390Jit.Hardware.Sie;

/// <summary>SIE interception codes (ICPTCODE).</summary>
public static class InterceptCode
{
    public const byte None = 0x00, Instruction = 0x04, ProgramInterruption = 0x08, InstructionAndProgram = 0x0C,
        ExternalRequest = 0x10, ExternalInterruption = 0x14, IoRequest = 0x18, WaitState = 0x1C, Validity = 0x20,
        Stop = 0x28, OperationException = 0x2C, PartialExecution = 0x38, IoInstruction = 0x40;

    public static string Name(byte code) => code switch
    {
        None => "host", Instruction => "instruction", ProgramInterruption => "program", InstructionAndProgram => "instruction+program",
        ExternalRequest => "external-request", ExternalInterruption => "external", IoRequest => "io-request", WaitState => "wait",
        Validity => "validity", Stop => "stop", OperationException => "operation", PartialExecution => "partial", IoInstruction => "io-instruction",
        _ => $"0x{code:x2}",
    };
}
