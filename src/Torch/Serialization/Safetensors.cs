using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text;
using System.Text.Json;
using static CnnMl.Torch.Native.NativeMethods;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch;

/// <summary>
/// Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header
/// of names, dtypes, shapes and byte offsets, then raw little-endian data), which Python's
/// safetensors and torch tooling read and write. Files are untrusted input: every header field is
/// validated before any tensor is allocated, and problems raise <see cref="InvalidDataException"/>.
/// </summary>
public static class Safetensors
{
    /// <summary>Largest header accepted, in bytes (the format's reference implementation uses the same bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private static readonly Dictionary<ScalarType, string> DTypeNames = new()
    {
        [ScalarType.Float64] = "F64",
        [ScalarType.Float32] = "F32",
        [ScalarType.Float16] = "F16",
        [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64",
        [ScalarType.Int32] = "I32",
        [ScalarType.Int16] = "I16",
        [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8",
        [ScalarType.Bool] = "BOOL",
    };

    private static readonly Dictionary<string, ScalarType> DTypesByName = DTypeNames.ToDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>One entry of a safetensors header.</summary>
    public sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    /// <summary>Writes tensors (any device, any layout) and optional string metadata to a file, atomically (temporary file, flush, rename).</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var temporary = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Save(tensors, stream, metadata);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Writes tensors and optional metadata to a stream.</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, Stream stream, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(stream);
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header[MetadataKey] = metadata;
        long offset = 0;
        foreach (var name in names)
        {
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
            var t = tensors[name];
            if (!DTypeNames.TryGetValue(t.dtype, out var dtypeName)) throw new ArgumentException($"tensor '{name}' has dtype {t.dtype}, which safetensors cannot store", nameof(tensors));
            var bytes = t.NumberOfElements * t.element_size();
            header[name] = new { dtype = dtypeName, shape = t.shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        var padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        var buffer = Array.Empty<byte>();
        foreach (var name in names)
        {
            var t = tensors[name];
            var bytes = checked((int)(t.NumberOfElements * t.element_size()));
            if (bytes == 0) continue;
            if (buffer.Length < bytes) buffer = new byte[bytes];
            CopyBytes(t, buffer.AsSpan(0, bytes));
            stream.Write(buffer, 0, bytes);
        }
    }

    private static unsafe void CopyBytes(Tensor t, Span<byte> destination)
    {
        fixed (byte* p = destination) TorchException.Check(cnn_tensor_copy_to(t.Handle, p, destination.Length));
    }

    /// <summary>Reads every tensor of a file onto a device (CPU by default). The caller owns the tensors.</summary>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null) => Load(path, device, out _);

    /// <summary>Reads every tensor and the metadata of a file.</summary>
    public static unsafe Dictionary<string, Tensor> Load(string path, Device? device, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file '{path}' does not exist", path);
        var fileLength = new FileInfo(path).Length;
        if (fileLength < 8) throw Invalid(path, $"the file is {fileLength} bytes long, shorter than the 8-byte header length");
        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            start += view.PointerOffset;
            return Parse(new ReadOnlySpan<byte>(start, checked((int)Math.Min(fileLength, int.MaxValue))), fileLength, path, device, out metadata, start);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>Reads every tensor and the metadata from a stream (read fully into memory first).</summary>
    public static unsafe Dictionary<string, Tensor> Load(Stream stream, Device? device, out IReadOnlyDictionary<string, string> metadata, string sourceName = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var bytes = memory.GetBuffer();
        fixed (byte* p = bytes)
            return Parse(new ReadOnlySpan<byte>(p, (int)memory.Length), memory.Length, sourceName, device, out metadata, p);
    }

    /// <summary>Reads only the header entries of a file (names, dtypes, shapes, offsets), validated.</summary>
    public static IReadOnlyList<Entry> ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> length = stackalloc byte[8];
        if (stream.ReadAtLeast(length, 8, throwOnEndOfStream: false) < 8) throw Invalid(path, "the file is shorter than the 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(length);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, stream.Length - 8)) throw Invalid(path, $"the header claims {headerLength} bytes but the file has {stream.Length - 8} after the length field");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        return ParseHeader(header, stream.Length - 8 - (long)headerLength, path, out _);
    }

    private static unsafe Dictionary<string, Tensor> Parse(ReadOnlySpan<byte> bytes, long totalLength, string source, Device? device, out IReadOnlyDictionary<string, string> metadata, byte* basePointer)
    {
        if (totalLength < 8) throw Invalid(source, $"the data is {totalLength} bytes long, shorter than the 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, totalLength - 8))
            throw Invalid(source, $"the header claims {headerLength} bytes but the file has {totalLength - 8} after the length field");
        var dataStart = 8 + (long)headerLength;
        var entries = ParseHeader(bytes.Slice(8, (int)headerLength), totalLength - dataStart, source, out metadata);
        var result = new Dictionary<string, Tensor>();
        try
        {
            var target = device ?? CPU;
            foreach (var e in entries)
            {
                fixed (long* shape = e.Shape)
                {
                    var handle = cnn_tensor_from_data(basePointer + dataStart + e.Begin, shape, e.Shape.Length, (int)e.DType, (int)target.type, target.index, 0);
                    result[e.Name] = new Tensor(handle).DetachFromDisposeScope();
                }
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    private static List<Entry> ParseHeader(ReadOnlySpan<byte> header, long dataLength, string source, out IReadOnlyDictionary<string, string> metadata)
    {
        if (!System.Text.Unicode.Utf8.IsValid(header)) throw Invalid(source, "the header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray(), new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw Invalid(source, "the header is not valid JSON: " + e.Message);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Invalid(source, "the header is not a JSON object");
            var meta = new Dictionary<string, string>();
            var entries = new List<Entry>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Invalid(source, "__metadata__ is not an object of strings");
                    foreach (var m in property.Value.EnumerateObject())
                        meta[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw Invalid(source, $"metadata '{m.Name}' is not a string");
                    continue;
                }
                entries.Add(ParseEntry(property, dataLength, source));
            }
            var ordered = entries.OrderBy(e => e.Begin).ToList();
            long expected = 0;
            foreach (var e in ordered)
            {
                if (e.Begin != expected) throw Invalid(source, $"tensor '{e.Name}' starts at byte {e.Begin} of the data, expected {expected} (entries must be contiguous and not overlap)");
                expected = e.End;
            }
            if (expected != dataLength) throw Invalid(source, $"the data section has {dataLength} bytes but the tensors cover {expected}");
            metadata = meta;
            return entries;
        }
    }

    private static Entry ParseEntry(JsonProperty property, long dataLength, string source)
    {
        var name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object) throw Invalid(source, $"entry '{name}' is not an object");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Invalid(source, $"tensor '{name}' has no dtype");
        var dtypeName = dtypeElement.GetString()!;
        if (!DTypesByName.TryGetValue(dtypeName, out var dtype)) throw Invalid(source, $"tensor '{name}' has dtype '{dtypeName}', which CnnMl does not read");
        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Invalid(source, $"tensor '{name}' has no shape");
        var shape = new List<long>();
        long elements = 1;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var size) || size < 0)
                throw Invalid(source, $"tensor '{name}' has an invalid dimension in its shape");
            shape.Add(size);
            elements = size == 0 ? 0 : elements > dataLength / size ? long.MaxValue : elements * size;
        }
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Invalid(source, $"tensor '{name}' has no [begin, end] data_offsets");
        if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number ||
            !offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw Invalid(source, $"tensor '{name}' has invalid data_offsets");
        if (end > dataLength) throw Invalid(source, $"tensor '{name}' ends at byte {end} but the data section has {dataLength} bytes");
        var elementSize = ElementSize(dtype);
        if (elements == long.MaxValue || elements * elementSize != end - begin)
            throw Invalid(source, $"tensor '{name}' of shape [{string.Join(", ", shape)}] and dtype {dtypeName} needs {(elements == long.MaxValue ? "more" : (elements * elementSize).ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes but its offsets span {end - begin}");
        return new Entry(name, dtype, shape.ToArray(), begin, end);
    }

    private static InvalidDataException Invalid(string source, string problem) => new($"'{source}' is not a valid safetensors file: {problem}");
}

/// <summary>Saving and loading a module's state_dict as safetensors.</summary>
public static class ModuleSafetensorsExtensions
{
    /// <summary>Writes the module's state_dict (PyTorch key names) to a safetensors file.</summary>
    public static void save_safetensors(this nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        Safetensors.Save(module.state_dict(), path, metadata);

    /// <summary>Loads a safetensors state_dict (e.g. exported from torchvision) into the module.</summary>
    public static (IList<string> missing_keys, IList<string> unexpected_keys) load_safetensors(this nn.Module module, string path, bool strict = true)
    {
        var tensors = Safetensors.Load(path);
        try
        {
            return module.load_state_dict(tensors, strict);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
