using Microsoft.ML.Runtime;
using System.Security.Cryptography;
using CnnMl.MlNetInternals;
using CnnMl.Trainers;

[assembly: LoadableClass(typeof(CnnClassificationTransformer), typeof(CnnModelFile), null, typeof(SignatureLoadModel),
    "CnnMl CNN classifier", CnnModelFile.LoaderSignature)]

namespace CnnMl.MlNetInternals;

/// <summary>
/// A trained network inside ML.NET's model zip. The transformer's directory holds the model stream
/// (format version, the description as UTF-8 JSON, and the length and SHA-256 of both parts) and
/// <c>Weights.safetensors</c>. Loading checks sizes and digests before anything is parsed, so a damaged
/// entry is an <see cref="InvalidDataException"/> ("CnnMl model entry is damaged: ..."), never a
/// different model; ML.NET calls <see cref="Create"/> by reflection, so <c>Model.Load</c> hands it on
/// inside a TargetInvocationException, as it does its own loaders' errors. <c>Model.Load</c> finds
/// <see cref="Create"/> from the loader signature and assembly name in the header by itself.
/// </summary>
internal static class CnnModelFile
{
    public const string LoaderSignature = "CnnMlClassifier";
    private const string WeightsStream = "Weights.safetensors";
    private const int FormatVersion = 1;
    private const int MaxDescriptionBytes = 16 << 20;
    private const long MaxWeightsBytes = int.MaxValue - 64;

    private static VersionInfo Version => VersionOf("CNNMLCLS", LoaderSignature);

    /// <summary>
    /// The version header of a CnnMl entry (format 1.1): the 8-character model signature, and the loader
    /// signature and this assembly's full name, from which <c>Model.Load</c> finds the loader.
    /// </summary>
    internal static VersionInfo VersionOf(string modelSignature, string loaderSignature) => new(
        modelSignature,
        verWrittenCur: 0x00010001,
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: loaderSignature,
        loaderAssemblyName: typeof(CnnModelFile).Assembly.FullName);

    public static void Save(ModelSaveContext ctx, byte[] description, Action<Stream> writeWeights)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(Version);
        long weightsLength = 0;
        byte[] weightsDigest = [];
        ctx.SaveBinaryStream(WeightsStream, writer =>
        {
            var start = writer.BaseStream.Position;
            using var sha = SHA256.Create();
            using (var hashing = new CryptoStream(writer.BaseStream, sha, CryptoStreamMode.Write, leaveOpen: true))
                writeWeights(hashing);
            weightsLength = writer.BaseStream.Position - start;
            weightsDigest = sha.Hash!;
        });
        WriteChecked(ctx.Writer, description);
        ctx.Writer.Write(weightsLength);
        ctx.Writer.Write(weightsDigest);
    }

    /// <summary>Writes the format version, then <paramref name="bytes"/> with its length and SHA-256 digest.</summary>
    internal static void WriteChecked(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(FormatVersion);
        writer.Write(bytes.Length);
        writer.Write(bytes);
        writer.Write(SHA256.HashData(bytes));
    }

    /// <summary>Reads what <see cref="WriteChecked"/> wrote, refusing another format version, an out-of-range length or a wrong digest.</summary>
    internal static byte[] ReadChecked(BinaryReader reader, string what)
    {
        var format = reader.ReadInt32();
        if (format != FormatVersion) throw Damaged($"format version {format}; this CnnMl reads version {FormatVersion}");
        var length = reader.ReadInt32();
        if (length is < 2 or > MaxDescriptionBytes) throw Damaged($"a {what} of {length} bytes");
        var bytes = ReadExactly(reader, length, what);
        if (!SHA256.HashData(bytes).AsSpan().SequenceEqual(ReadExactly(reader, 32, $"{what} digest")))
            throw Damaged($"the {what} does not match its SHA-256 digest");
        return bytes;
    }

    private static CnnClassificationTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ArgumentNullException.ThrowIfNull(env);
        ctx.CheckAtModel(Version);
        return ReadingModelStream(() =>
        {
            var (description, weights) = Read(ctx);
            return CnnClassificationTransformer.Load(description, weights);
        });
    }

    /// <summary>Runs <paramref name="read"/>, reporting a model stream that ends early as damage.</summary>
    internal static T ReadingModelStream<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (EndOfStreamException e)
        {
            throw Damaged($"its model stream ends early ({e.Message})", e);
        }
    }

    private static (byte[] Description, byte[] Weights) Read(ModelLoadContext ctx)
    {
        var r = ctx.Reader;
        var description = ReadChecked(r, "description");
        var weightsLength = r.ReadInt64();
        if (weightsLength is < 8 or > MaxWeightsBytes) throw Damaged($"a weights entry of {weightsLength} bytes");
        var expectedDigest = ReadExactly(r, 32, "weights digest");

        byte[]? weights = null;
        if (!ctx.TryLoadBinaryStream(WeightsStream, reader => weights = ReadWeights(reader.BaseStream, weightsLength)))
            throw Damaged($"its {WeightsStream} entry is missing");
        if (!SHA256.HashData(weights!).AsSpan().SequenceEqual(expectedDigest))
            throw Damaged($"{WeightsStream} does not match its SHA-256 digest");
        return (description, weights!);
    }

    /// <summary>
    /// The weights entry, which must hold exactly <paramref name="length"/> bytes. Memory is taken only
    /// for bytes that are there, so a damaged length field cannot make the reader allocate gigabytes.
    /// </summary>
    private static byte[] ReadWeights(Stream stream, long length)
    {
        if (stream.CanSeek && stream.Length - stream.Position != length)
            throw Damaged($"{WeightsStream} holds {stream.Length - stream.Position} bytes, the model stream says {length}");
        if (stream.CanSeek)
        {
            var bytes = GC.AllocateUninitializedArray<byte>((int)length);
            stream.ReadExactly(bytes);
            return bytes;
        }
        using var content = new MemoryStream();
        var chunk = new byte[1 << 20];
        int read;
        while (content.Length <= length && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, length + 1 - content.Length))) > 0)
            content.Write(chunk, 0, read);
        if (content.Length != length)
            throw Damaged($"{WeightsStream} holds {(content.Length > length ? "more than " : "")}{content.Length} bytes, the model stream says {length}");
        return content.ToArray();
    }

    private static byte[] ReadExactly(BinaryReader reader, int count, string what)
    {
        var bytes = reader.ReadBytes(count);
        if (bytes.Length != count) throw Damaged($"its {what} ends after {bytes.Length} of {count} bytes");
        return bytes;
    }

    internal static InvalidDataException Damaged(string what, Exception? inner = null) =>
        new($"CnnMl model entry is damaged: {what}", inner);
}
