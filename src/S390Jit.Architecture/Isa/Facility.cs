namespace S390Jit.Architecture.Isa;

/// <summary>STFLE facility bit numbers used by the table and the CPU model.</summary>
public static class Fac
{
    public const int None = -1;
    public const int N3 = 0, ZArchInstalled = 1, ZArchActive = 2, Idte = 3, Stfle = 7, Edat1 = 8;
    public const int ApQci = 12, ApFt = 15;
    public const int ExtTranslation2 = 16, Msa = 17, LongDisplacement = 18, LongDisplacementHp = 19,
        HfpMultAdd = 20, ExtendedImmediate = 21, ExtTranslation3 = 22, HfpUnnormExt = 23, Etf2Enh = 24,
        Stckf = 25, ParsingEnh = 26, Mvcos = 27, TodSteering = 28, Etf3Enh = 30, ExtractCpuTime = 31,
        Csst = 32, Csst2 = 33, GeneralInstructionsExtension = 34, ExecuteExtensions = 35, EnhancedMonitor = 36,
        FpExtension = 37, OrderPreservingCompression = 38, Lpp = 40, FpsEnh = 41, Dfp = 42, DfpHp = 43, Pfpo = 44,
        /// <summary>High-word, interlocked-access 1, load/store-on-condition 1, distinct-operands, population-count (z196).</summary>
        Z196 = 45,
        EnhancedDat2 = 78,
        DfpZonedConversion = 48, DfpPackedConversion = 80,
        /// <summary>Execution-hint, load-and-trap, miscellaneous-instruction-extensions, processor-assist (zEC12).</summary>
        MiscInstructionExtensions = 49,
        ConstrainedTx = 50, LocalTlbClearing = 51, InterlockedAccess2 = 52, LoadStoreOnCondition2 = 53,
        EntropyEncoding = 54, MessageSecurityAssist5 = 57, MiscInstructionExtensions2 = 58,
        MiscInstructionExtensions3 = 61, ApQueueInterruptControl = 65, Tx = 73, StoreHypervisorInfo = 74,
        AccessExceptionFetchStoreIndication = 75, Msa3 = 76, Msa4 = 77, Vector = 129,
        VectorEnh1 = 135, VectorPackedDecimal = 134, VectorEnh2 = 148, VectorPackedDecimalEnh = 152,
        NnpAssist = 165, VectorPackedDecimalEnh2 = 192,
        InstructionExecutionProtection = 130, IpteRange = 13, NonquiescingKeySetting = 14, ConditionalSske = 10,
        Bear = 193;
}
