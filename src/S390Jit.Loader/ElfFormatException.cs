namespace S390Jit.Loader;

/// <summary>
/// The only exception the ELF loader throws for bad input. <see cref="Exception.Message"/> is always a
/// single line that names the problem in plain words (control characters are replaced by spaces).
/// </summary>
public sealed class ElfFormatException : Exception
{
    public ElfFormatException(string message) : base(OneLine(message)) { }

    public ElfFormatException(string message, Exception? innerException) : base(OneLine(message), innerException) { }

    private static string OneLine(string message)
    {
        if (!message.Any(char.IsControl)) return message;
        return string.Create(message.Length, message, static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = char.IsControl(src[i]) ? ' ' : src[i];
        });
    }
}
