using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Tests;

/// <summary>Safetensors files written by CnnMl read in PyTorch and the reverse; corrupted files are rejected.</summary>
[TestClass]
public sealed class SafetensorsInteropTests
{
    private static string? directory;

    [ClassInitialize]
    public static void Initialize(TestContext context) => directory = PythonReference.NewTempDirectory();

    [ClassCleanup]
    public static void Cleanup() => PythonReference.DeleteQuietly(directory);

    private static readonly Dictionary<ScalarType, string> Names = new()
    {
        [ScalarType.Float32] = "F32",
        [ScalarType.Float64] = "F64",
        [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64",
        [ScalarType.Int32] = "I32",
        [ScalarType.Byte] = "U8",
        [ScalarType.Bool] = "BOOL",
    };

    private static double[] Values(Tensor t) =>
        is_floating_point(t.dtype) ? t.to(ScalarType.Float64).ToArray<double>() : t.to(ScalarType.Int64).ToArray<long>().Select(v => (double)v).ToArray();

    /// <summary>Compares tensors with a JSON description: same dtype, shape and exactly the same values.</summary>
    private static void AssertDescribes(JsonElement description, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var described = description.GetProperty("tensors");
        CollectionAssert.AreEquivalent(tensors.Keys.ToList(), described.EnumerateObject().Select(p => p.Name).ToList());
        foreach (var (name, t) in tensors)
        {
            var d = described.GetProperty(name);
            Assert.AreEqual(Names[t.dtype], d.GetProperty("dtype").GetString(), $"{name} dtype");
            CollectionAssert.AreEqual(t.shape, d.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()).ToArray(), $"{name} shape");
            var values = d.GetProperty("values").EnumerateArray().ToArray();
            if (t.dtype == ScalarType.Int64)
            {
                CollectionAssert.AreEqual(t.ToArray<long>(), values.Select(v => v.GetInt64()).ToArray(), $"{name} values");
                continue;
            }
            CollectionAssert.AreEqual(values.Select(v => v.GetDouble()).ToArray(), Values(t), $"{name} values");
        }
    }

    private static Dictionary<string, Tensor> TensorsOfEveryDType()
    {
        random.manual_seed(31);
        return new Dictionary<string, Tensor>
        {
            ["f32"] = randn(3, 4),
            ["f64"] = randn(new long[] { 2, 2 }, ScalarType.Float64).div(3),
            ["bf16"] = (randn(6) * 1000).to(ScalarType.BFloat16),
            ["i64"] = tensor(new long[] { long.MinValue, -1, 0, 1L << 53, long.MaxValue }),
            ["i32"] = tensor(new int[] { int.MinValue, -7, 0, int.MaxValue }, new long[] { 2, 2 }),
            ["u8"] = tensor(new byte[] { 0, 1, 127, 128, 255 }),
            ["bool"] = tensor(new bool[] { true, false, true, true }, new long[] { 1, 4 }),
            ["scalar"] = tensor(2.5f),
            ["empty"] = zeros(0, 2),
            ["transposed"] = arange(0, 6, ScalarType.Float32).reshape(2, 3).t(),
            ["0.running_mean"] = full(new long[] { 2 }, 0.1),
        };
    }

    [TestMethod]
    public void FileWrittenByCSharpLoadsInPythonWithTheSameValues()
    {
        using var scope = NewDisposeScope();
        var tensors = TensorsOfEveryDType();
        var path = Path.Combine(directory!, "from-csharp.safetensors");
        Safetensors.Save(tensors, path, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "written by CnnMl" });
        using var description = JsonDocument.Parse(PythonReference.Run("safetensors_interop.py", "dump", path));
        AssertDescribes(description.RootElement, tensors);
        var metadata = description.RootElement.GetProperty("metadata");
        Assert.AreEqual("pt", metadata.GetProperty("format").GetString());
        Assert.AreEqual("written by CnnMl", metadata.GetProperty("note").GetString());
    }

    [TestMethod]
    public void FileWrittenByPythonLoadsInCSharpWithTheSameValues()
    {
        var path = Path.Combine(directory!, "from-python.safetensors");
        using var description = JsonDocument.Parse(PythonReference.Run("safetensors_interop.py", "write", path));
        var tensors = Safetensors.Load(path, null, out var metadata);
        try
        {
            AssertDescribes(description.RootElement, tensors);
            Assert.AreEqual("python", metadata["written_by"]);
            Assert.AreEqual(ScalarType.BFloat16, tensors["bf16"].dtype);
            CollectionAssert.AreEqual(Array.Empty<long>(), tensors["scalar"].shape);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [TestMethod]
    public void RoundTripInCSharpPreservesEveryDTypeBitForBit()
    {
        using var scope = NewDisposeScope();
        var tensors = TensorsOfEveryDType();
        using var stream = new MemoryStream();
        Safetensors.Save(tensors, stream);
        stream.Position = 0;
        var loaded = Safetensors.Load(stream, null, out _);
        try
        {
            foreach (var (name, t) in tensors)
            {
                Assert.AreEqual(t.dtype, loaded[name].dtype, name);
                Assert.IsTrue(t.equal(loaded[name]), $"{name} differs after the round trip");
            }
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    private static byte[] ValidFile()
    {
        using var scope = NewDisposeScope();
        using var stream = new MemoryStream();
        Safetensors.Save(new Dictionary<string, Tensor> { ["a"] = ones(2, 2), ["b"] = zeros(new long[] { 3 }, ScalarType.Int64) }, stream);
        return stream.ToArray();
    }

    /// <summary>A file with the given header (padded to 8 bytes) and data section.</summary>
    private static byte[] FileWithHeader(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var result = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)json.Length);
        json.CopyTo(result, 8);
        return result;
    }

    public static IEnumerable<object[]> Corruptions => new[]
    {
        "shorter than the length field", "header length beyond the file", "header not JSON", "header a JSON array",
        "unknown dtype", "offsets beyond the data", "shape and offsets disagree", "offsets that are strings",
        "gap between tensors", "negative dimension", "truncated data", "missing data_offsets", "header of invalid UTF-8",
        "huge dimension product",
    }.Select(n => new object[] { n });

    private static byte[] Corrupt(string kind)
    {
        switch (kind)
        {
            case "shorter than the length field":
                return new byte[] { 1, 2, 3 };
            case "header length beyond the file":
            {
                var bytes = ValidFile();
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
                return bytes;
            }
            case "header not JSON":
                return FileWithHeader("{\"a\": {\"dtype\": \"F32\",", 16);
            case "header a JSON array":
                return FileWithHeader("[1, 2, 3]", 0);
            case "unknown dtype":
                return FileWithHeader("{\"a\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
            case "offsets beyond the data":
                return FileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
            case "shape and offsets disagree":
                return FileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16);
            case "offsets that are strings":
                return FileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",\"4\"]}}", 4);
            case "gap between tensors":
                return FileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12);
            case "negative dimension":
                return FileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4);
            case "truncated data":
            {
                var bytes = ValidFile();
                return bytes[..^5];
            }
            case "missing data_offsets":
                return FileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4);
            case "header of invalid UTF-8":
            {
                var bytes = FileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
                bytes[10] = 0xFF;
                return bytes;
            }
            case "huge dimension product":
                return FileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,4]}}", 4);
            default:
                throw new ArgumentException(kind);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Corruptions))]
    public void CorruptedFileGivesInvalidDataException(string kind)
    {
        var bytes = Corrupt(kind);
        var path = Path.Combine(directory!, "corrupt-" + Guid.NewGuid().ToString("N") + ".safetensors");
        File.WriteAllBytes(path, bytes);
        var fromFile = Assert.ThrowsException<InvalidDataException>(() => Safetensors.Load(path));
        StringAssert.Contains(fromFile.Message, "not a valid safetensors file");
        using var stream = new MemoryStream(bytes);
        Assert.ThrowsException<InvalidDataException>(() => Safetensors.Load(stream, null, out _));
        if (bytes.Length >= 8) Assert.ThrowsException<InvalidDataException>(() => Safetensors.ReadHeader(path));
        // The process stays usable: a valid file still loads.
        File.WriteAllBytes(path, ValidFile());
        var loaded = Safetensors.Load(path);
        Assert.AreEqual(2, loaded.Count);
        foreach (var t in loaded.Values) t.Dispose();
    }
}
