using System.Numerics;
using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;

namespace CnnMl.Transforms.Image;

/// <summary>
/// Turns the images of a fixed-size image column (after ResizeImages) into a vector (ExtractPixels). The
/// colors in <see cref="ColorsToExtract"/> are taken in the order of <see cref="OrderOfExtraction"/>; the vector
/// has dimensions [planes, height, width], or [height, width, planes] when <see cref="InterleavePixelColors"/>.
/// Each float is (value - <see cref="OffsetImage"/>) * <see cref="ScaleImage"/>; byte output
/// (<see cref="OutputAsFloatArray"/> false) holds the values as they are.
/// </summary>
public sealed class ImagePixelExtractingTransformer : RowToRowTransformerBase
{
    internal const string Kind = "ImagePixelExtracting";
    private const string Name = "ExtractPixels";

    private readonly int[] channelOffsets;

    internal ImagePixelExtractingTransformer(string outputColumnName, string? inputColumnName, ImagePixelExtractingEstimator.ColorBits colorsToExtract,
        ImagePixelExtractingEstimator.ColorsOrder orderOfExtraction, bool interleavePixelColors, float offsetImage, float scaleImage, bool outputAsFloatArray)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        const ImagePixelExtractingEstimator.ColorBits all = ImagePixelExtractingEstimator.ColorBits.All;
        if (colorsToExtract == 0 || (colorsToExtract & ~all) != 0)
            throw new ArgumentOutOfRangeException(nameof(colorsToExtract), colorsToExtract, "choose at least one of Alpha, Red, Green, Blue");
        if (!Enum.IsDefined(orderOfExtraction)) throw new ArgumentOutOfRangeException(nameof(orderOfExtraction), orderOfExtraction, "unknown color order");
        if (!float.IsFinite(offsetImage)) throw new ArgumentOutOfRangeException(nameof(offsetImage), offsetImage, "the offset must be finite");
        if (!float.IsFinite(scaleImage) || scaleImage == 0) throw new ArgumentOutOfRangeException(nameof(scaleImage), scaleImage, "the scale must be finite and not 0");
        if (!outputAsFloatArray && (offsetImage != 0 || scaleImage != 1))
            throw new ArgumentException($"{Name}: byte output (outputAsFloatArray: false) cannot apply offsetImage {offsetImage} or scaleImage {scaleImage}; use float output");
        OutputColumnName = outputColumnName;
        InputColumnName = string.IsNullOrEmpty(inputColumnName) ? outputColumnName : inputColumnName;
        ColorsToExtract = colorsToExtract;
        OrderOfExtraction = orderOfExtraction;
        InterleavePixelColors = interleavePixelColors;
        OffsetImage = offsetImage;
        ScaleImage = scaleImage;
        OutputAsFloatArray = outputAsFloatArray;
        channelOffsets = ChannelOffsets(colorsToExtract, orderOfExtraction);
    }

    /// <summary>The vector column produced.</summary>
    public string OutputColumnName { get; }

    /// <summary>The image column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The colors extracted.</summary>
    public ImagePixelExtractingEstimator.ColorBits ColorsToExtract { get; }

    /// <summary>The order of the extracted colors.</summary>
    public ImagePixelExtractingEstimator.ColorsOrder OrderOfExtraction { get; }

    /// <summary>Whether a pixel's colors are adjacent ([H, W, C]) rather than in planes ([C, H, W]).</summary>
    public bool InterleavePixelColors { get; }

    /// <summary>Subtracted from each value before scaling.</summary>
    public float OffsetImage { get; }

    /// <summary>Multiplies each value after the offset.</summary>
    public float ScaleImage { get; }

    /// <summary>Whether the output is float (else byte).</summary>
    public bool OutputAsFloatArray { get; }

    /// <summary>Number of color planes extracted.</summary>
    public int Planes => channelOffsets.Length;

    /// <summary>The byte offsets within a BGRA pixel of the extracted colors, in output order.</summary>
    private static int[] ChannelOffsets(ImagePixelExtractingEstimator.ColorBits bits, ImagePixelExtractingEstimator.ColorsOrder order) =>
        order.ToString()
            .Select(letter => letter switch
            {
                'A' => (ImagePixelExtractingEstimator.ColorBits.Alpha, 3),
                'R' => (ImagePixelExtractingEstimator.ColorBits.Red, 2),
                'G' => (ImagePixelExtractingEstimator.ColorBits.Green, 1),
                _ => (ImagePixelExtractingEstimator.ColorBits.Blue, 0),
            })
            .Where(c => (bits & c.Item1) != 0)
            .Select(c => c.Item2)
            .ToArray();

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var input = ImageColumns.RequireImage(inputSchema, InputColumnName, Name);
        var image = (ImageDataViewType)input.Type;
        if (image.Height == 0)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"{Name}: column '{InputColumnName}' has type {image}, expected an image of known size; resize the images first (ResizeImages)");
        int h = image.Height, w = image.Width;
        var dims = InterleavePixelColors ? new[] { h, w, Planes } : new[] { Planes, h, w };
        var item = OutputAsFloatArray ? (PrimitiveDataViewType)NumberDataViewType.Single : NumberDataViewType.Byte;
        return new[]
        {
            new ComputedColumn(OutputColumnName, new VectorDataViewType(item, dims), null, new[] { InputColumnName }, row =>
            {
                var getImage = row.GetGetter<MLImage>(input);
                return OutputAsFloatArray
                    ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) => Fill(ref value, Checked(getImage, row, h, w)))
                    : (ValueGetter<VBuffer<byte>>)((ref VBuffer<byte> value) => Fill(ref value, Checked(getImage, row, h, w)));
            }),
        };
    }

    private MLImage Checked(ValueGetter<MLImage> getImage, DataViewRow row, int height, int width)
    {
        var image = ImageColumns.Read(getImage, row, InputColumnName, Name);
        if (image.Height != height || image.Width != width)
            throw new InvalidOperationException($"{Name}: the image in row {row.Position} of column '{InputColumnName}' is {image.Width}x{image.Height} (width x height), but the column's type is {height}x{width} (height x width)");
        return image;
    }

    private void Fill<T>(ref VBuffer<T> value, MLImage image) where T : unmanaged, INumberBase<T>
    {
        var pixels = image.ToBgra();
        int count = image.Width * image.Height, planes = Planes, size = count * planes;
        var storage = value.Reuse(size);
        var output = storage.AsSpan(0, size);
        bool affine = typeof(T) == typeof(float) && (OffsetImage != 0 || ScaleImage != 1);
        for (int c = 0; c < planes; c++)
        {
            int source = channelOffsets[c];
            int start = InterleavePixelColors ? c : c * count;
            int step = InterleavePixelColors ? planes : 1;
            if (affine)
            {
                var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(output);
                float offset = OffsetImage, scale = ScaleImage;
                for (int i = 0, o = start; i < count; i++, o += step) floats[o] = (pixels[i * 4 + source] - offset) * scale;
            }
            else
            {
                for (int i = 0, o = start; i < count; i++, o += step) output[o] = T.CreateTruncating(pixels[i * 4 + source]);
            }
        }
        value = new VBuffer<T>(size, storage);
    }

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx)
    {
        ImageColumns.SaveNames(ctx, Kind, OutputColumnName, InputColumnName);
        ctx.Options["colorsToExtract"] = (int)ColorsToExtract;
        ctx.Options["orderOfExtraction"] = OrderOfExtraction.ToString();
        ctx.Options["interleavePixelColors"] = InterleavePixelColors;
        ctx.Options["offsetImage"] = OffsetImage;
        ctx.Options["scaleImage"] = ScaleImage;
        ctx.Options["outputAsFloatArray"] = OutputAsFloatArray;
    }

    internal static ImagePixelExtractingTransformer Load(ModelLoadContext ctx)
    {
        var (output, input) = ImageColumns.LoadNames(ctx);
        return new ImagePixelExtractingTransformer(output, input, (ImagePixelExtractingEstimator.ColorBits)ctx.Get<int>("colorsToExtract"),
            ImageColumns.GetEnum<ImagePixelExtractingEstimator.ColorsOrder>(ctx, "orderOfExtraction"), ctx.Get<bool>("interleavePixelColors"),
            ctx.Get<float>("offsetImage"), ctx.Get<float>("scaleImage"), ctx.Get<bool>("outputAsFloatArray"));
    }
}

/// <summary>Estimator of <see cref="ImagePixelExtractingTransformer"/> (ExtractPixels); needs no training.</summary>
public sealed class ImagePixelExtractingEstimator : TrivialEstimator<ImagePixelExtractingTransformer>
{
    internal ImagePixelExtractingEstimator(string outputColumnName, string? inputColumnName, ColorBits colorsToExtract, ColorsOrder orderOfExtraction,
        bool interleavePixelColors, float offsetImage, float scaleImage, bool outputAsFloatArray)
        : base(new ImagePixelExtractingTransformer(outputColumnName, inputColumnName, colorsToExtract, orderOfExtraction, interleavePixelColors, offsetImage, scaleImage, outputAsFloatArray)) { }

    /// <summary>Which colors to extract (flags; combine them).</summary>
    [Flags]
    public enum ColorBits : byte
    {
        /// <summary>No color (not valid alone).</summary>
        None = 0,

        /// <summary>Alpha (255 for images without transparency).</summary>
        Alpha = 0x01,

        /// <summary>Red.</summary>
        Red = 0x02,

        /// <summary>Green.</summary>
        Green = 0x04,

        /// <summary>Blue.</summary>
        Blue = 0x08,

        /// <summary>Red, green and blue.</summary>
        Rgb = Red | Green | Blue,

        /// <summary>Alpha, red, green and blue.</summary>
        All = Alpha | Rgb,
    }

    /// <summary>The order in which the extracted colors appear; colors not extracted are skipped.</summary>
    public enum ColorsOrder : byte
    {
        /// <summary>Alpha, red, green, blue.</summary>
        ARGB = 1,

        /// <summary>Alpha, red, blue, green.</summary>
        ARBG = 2,

        /// <summary>Alpha, blue, red, green.</summary>
        ABRG = 3,

        /// <summary>Alpha, blue, green, red.</summary>
        ABGR = 4,

        /// <summary>Alpha, green, red, blue.</summary>
        AGRB = 5,

        /// <summary>Alpha, green, blue, red.</summary>
        AGBR = 6,
    }
}
