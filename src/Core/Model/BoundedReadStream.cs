namespace CnnMl.Model;

/// <summary>
/// A read-only view of a zip entry that yields exactly its declared size: more data (a lying
/// header, a zip bomb) or less (a truncated entry) is an <see cref="InvalidDataException"/>, and
/// errors of the decompressor are reported as such too, naming the entry. When a CRC-32 is given,
/// the data is checked against it as its last byte is read, so damaged contents (a flipped bit
/// the inflater does not notice) are refused rather than loaded.
/// </summary>
internal sealed class BoundedReadStream(Stream inner, long declaredLength, string entryName, uint? expectedCrc = null) : Stream
{
    private long position;
    private Crc32 crc = new();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => declaredLength;

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException("model entries are read forward only");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        var remaining = declaredLength - position;
        if (remaining == 0)
        {
            // One probe byte tells whether the entry holds more than it declares.
            Span<byte> probe = stackalloc byte[1];
            if (ReadInner(probe) != 0) throw new InvalidDataException($"model entry '{entryName}' holds more data than its declared {declaredLength} bytes");
            return 0;
        }
        var wanted = (int)Math.Min(buffer.Length, remaining);
        var read = ReadInner(buffer[..wanted]);
        if (read == 0) throw new InvalidDataException($"model entry '{entryName}' is truncated: {position} of its declared {declaredLength} bytes");
        position += read;
        if (expectedCrc is { } expected)
        {
            crc.Append(buffer[..read]);
            if (position == declaredLength && crc.Value != expected)
                throw new InvalidDataException($"model entry '{entryName}' is damaged: its CRC-32 is {crc.Value:x8}, the archive says {expected:x8}");
        }
        return read;
    }

    private int ReadInner(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (Exception e) when (e is IOException or NotSupportedException && e is not InvalidDataException)
        {
            throw new InvalidDataException($"model entry '{entryName}' cannot be read: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"model entry '{entryName}' is corrupt: {e.Message}", e);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("model entries are read forward only");
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
