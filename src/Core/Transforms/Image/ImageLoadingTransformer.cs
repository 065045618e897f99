using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;

namespace CnnMl.Transforms.Image;

/// <summary>
/// Loads images (LoadImages: an <see cref="ImageDataViewType"/> column of <see cref="MLImage"/>) or their
/// undecoded bytes (LoadRawImageBytes: a vector of bytes) from the paths in a text column, relative to
/// <see cref="ImageFolder"/>. Lazy: a file is read only when its row's value is asked for. A missing,
/// unreadable or corrupt file, or an empty path, throws <see cref="InvalidOperationException"/> naming
/// the file and the row, with the cause as inner exception.
/// </summary>
public sealed class ImageLoadingTransformer : RowToRowTransformerBase
{
    internal const string Kind = "ImageLoading";

    private readonly string outputColumnName;
    private readonly string inputColumnName;
    private readonly bool rawBytes;

    internal ImageLoadingTransformer(string? imageFolder, string outputColumnName, string? inputColumnName, bool rawBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ImageFolder = string.IsNullOrEmpty(imageFolder) ? null : imageFolder;
        this.outputColumnName = outputColumnName;
        this.inputColumnName = string.IsNullOrEmpty(inputColumnName) ? outputColumnName : inputColumnName;
        this.rawBytes = rawBytes;
    }

    /// <summary>The folder paths are relative to; null when paths are used as they are.</summary>
    public string? ImageFolder { get; }

    /// <summary>The (output, input) column pairs.</summary>
    public IReadOnlyCollection<(string outputColumnName, string inputColumnName)> Columns => new[] { (outputColumnName, inputColumnName) };

    private string TransformName => rawBytes ? "LoadRawImageBytes" : "LoadImages";

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var input = ColumnChecks.Require(inputSchema, inputColumnName, TransformName, t => t is TextDataViewType, "String (image paths)");
        DataViewType type = rawBytes ? new VectorDataViewType(NumberDataViewType.Byte) : new ImageDataViewType();
        return new[] { new ComputedColumn(outputColumnName, type, null, new[] { inputColumnName }, row => MakeGetter(row, input)) };
    }

    private Delegate MakeGetter(DataViewRow row, DataViewSchema.Column input)
    {
        var getPath = row.GetGetter<ReadOnlyMemory<char>>(input);
        if (rawBytes)
        {
            return (ValueGetter<VBuffer<byte>>)((ref VBuffer<byte> value) =>
            {
                var bytes = Read(row, getPath, File.ReadAllBytes);
                value = new VBuffer<byte>(bytes.Length, bytes);
            });
        }
        return ImageColumns.CachePerRow(row, () => Read(row, getPath, path =>
        {
            var image = MLImage.Decode(File.ReadAllBytes(path), path);
            image.Tag = path;
            return image;
        }));
    }

    /// <summary>Loads the current row's file; every failure names the file and the row.</summary>
    private T Read<T>(DataViewRow row, ValueGetter<ReadOnlyMemory<char>> getPath, Func<string, T> load)
    {
        var path = PathOf(row, getPath);
        if (path.Length == 0)
            throw new InvalidOperationException($"{TransformName}: row {row.Position} has an empty path in column '{inputColumnName}'");
        var full = FullPath(path);
        try
        {
            return load(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            var reason = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "the file does not exist",
                InvalidDataException { InnerException: CnnMl.Torch.TorchException decode } => decode.Message,
                _ => e.Message,
            };
            throw new InvalidOperationException($"{TransformName}: cannot read image '{full}' (row {row.Position}): {reason}", e);
        }
    }

    private static string PathOf(DataViewRow row, ValueGetter<ReadOnlyMemory<char>> getPath)
    {
        ReadOnlyMemory<char> text = default;
        getPath(ref text);
        return text.ToString().Trim();
    }

    private string FullPath(string path) => ImageFolder is null ? path : Path.Combine(ImageFolder, path);

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx)
    {
        ImageColumns.SaveNames(ctx, Kind, outputColumnName, inputColumnName);
        ctx.Options["imageFolder"] = ImageFolder;
        ctx.Options["output"] = rawBytes ? "bytes" : "image";
    }

    internal static ImageLoadingTransformer Load(ModelLoadContext ctx)
    {
        var (output, input) = ImageColumns.LoadNames(ctx);
        var mode = ctx.Get<string>("output");
        if (mode is not ("bytes" or "image")) throw new InvalidDataException($"model manifest: {Kind} option 'output' is '{mode}', not 'image' or 'bytes'");
        return new ImageLoadingTransformer(ctx.GetOrDefault<string?>("imageFolder", null), output, input, mode == "bytes");
    }
}

/// <summary>Estimator of <see cref="ImageLoadingTransformer"/> (LoadImages, LoadRawImageBytes); needs no training.</summary>
public sealed class ImageLoadingEstimator : TrivialEstimator<ImageLoadingTransformer>
{
    internal ImageLoadingEstimator(string? imageFolder, string outputColumnName, string? inputColumnName, bool rawBytes)
        : base(new ImageLoadingTransformer(imageFolder, outputColumnName, inputColumnName, rawBytes)) { }
}
