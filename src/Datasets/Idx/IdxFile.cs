using System.Buffers.Binary;
using System.IO.Compression;

namespace CnnMl.Datasets.Idx;

/// <summary>
/// Reads the IDX format of MNIST, Fashion-MNIST and KMNIST (raw or gzip-compressed): a magic number
/// whose third byte is the element type (0x08 = unsigned byte) and fourth the number of dimensions,
/// then the big-endian dimension sizes, then the data. Every malformed file is an
/// <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads a file of unsigned-byte data: its dimensions and all elements.</summary>
    public static (int[] Dimensions, byte[] Data) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist", path);
        using var file = File.OpenRead(path);
        using var stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        try
        {
            return Read(stream, path);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith($"'{path}'", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{path}' is not a valid IDX file: {e.Message}", e);
        }
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        var read = file.Read(magic);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static (int[] Dimensions, byte[] Data) Read(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[4];
        if (stream.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4) throw Invalid(path, "the file ends before the 4-byte magic number");
        if (header[0] != 0 || header[1] != 0) throw Invalid(path, $"wrong magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(header):X8} (expected 0x0000TTDD)");
        if (header[2] != UnsignedByte) throw Invalid(path, $"element type 0x{header[2]:X2} is not supported (only 0x08, unsigned byte)");
        var rank = header[3];
        if (rank is < 1 or > 4) throw Invalid(path, $"{rank} dimensions declared; expected 1 to 4");
        var dims = new int[rank];
        long total = 1;
        Span<byte> size = stackalloc byte[4];
        for (int i = 0; i < rank; i++)
        {
            if (stream.ReadAtLeast(size, 4, throwOnEndOfStream: false) < 4) throw Invalid(path, "the file ends inside the dimension sizes");
            var d = BinaryPrimitives.ReadInt32BigEndian(size);
            if (d < 0) throw Invalid(path, $"dimension {i} has negative size {d}");
            dims[i] = d;
            total *= d;
            if (total > Array.MaxLength) throw Invalid(path, $"declared size [{string.Join(", ", dims.Take(i + 1))}] is too large");
        }
        var data = new byte[total];
        var read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length) throw Invalid(path, $"truncated: the header declares {total} bytes of data [{string.Join(" x ", dims)}] but only {read} are present");
        return (dims, data);
    }

    private static InvalidDataException Invalid(string path, string problem) => new($"'{path}' is not a valid IDX file: {problem}");
}
