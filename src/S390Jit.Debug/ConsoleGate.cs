namespace S390Jit.Debug;

/// <summary>
/// The guest console as the debugger sees it: when reverse execution re-runs a stretch of the guest, the
/// bytes the console already showed are not written again. <see cref="GuestBytes"/> counts the guest's
/// bytes (restored with a snapshot); only bytes beyond the furthest count reached pass through.
/// </summary>
public sealed class ConsoleGate(Stream inner) : Stream
{
    public long GuestBytes { get; set; }
    public long Frontier { get; private set; }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        long skip = Math.Clamp(Frontier - GuestBytes, 0, buffer.Length);
        if (skip < buffer.Length) inner.Write(buffer[(int)skip..]);
        GuestBytes += buffer.Length;
        Frontier = Math.Max(Frontier, GuestBytes);
    }

    public override void Flush() => inner.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => GuestBytes;
    public override long Position { get => GuestBytes; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
