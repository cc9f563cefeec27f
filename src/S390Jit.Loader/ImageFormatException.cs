namespace S390Jit.Loader;

/// <summary>
/// The only exception the loader throws for a bad kernel or initrd file. <see cref="Exception.Message"/> is
/// always a single line that names the problem in plain words (control characters are replaced by spaces),
/// without the file name: callers say which file ("could not load kernel 'x': ...").
/// </summary>
public sealed class ImageFormatException : Exception
{
    public ImageFormatException(string message) : base(OneLine(message)) { }

    public ImageFormatException(string message, Exception? innerException) : base(OneLine(message), innerException) { }

    private static string OneLine(string message)
    {
        if (!message.Any(char.IsControl)) return message;
        return string.Create(message.Length, message, static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = char.IsControl(src[i]) ? ' ' : src[i];
        });
    }
}
