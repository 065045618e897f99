using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;

namespace CnnMl.Transforms.Image;

/// <summary>
/// Converts the images of a column to gray (ConvertToGrayscale): each pixel's red, green and blue become its
/// ITU-R BT.601 luma, round(0.299 R + 0.587 G + 0.114 B) in the fixed-point form Pillow's convert("L") uses;
/// alpha is kept. The output is an image column of the input's size.
/// </summary>
public sealed class ImageGrayscalingTransformer : RowToRowTransformerBase
{
    internal const string Kind = "ImageGrayscaling";
    private const string Name = "ConvertToGrayscale";

    private readonly string outputColumnName;
    private readonly string inputColumnName;

    internal ImageGrayscalingTransformer(string outputColumnName, string? inputColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        this.outputColumnName = outputColumnName;
        this.inputColumnName = string.IsNullOrEmpty(inputColumnName) ? outputColumnName : inputColumnName;
    }

    /// <summary>The (output, input) column pairs.</summary>
    public IReadOnlyCollection<(string outputColumnName, string inputColumnName)> Columns => new[] { (outputColumnName, inputColumnName) };

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var input = ImageColumns.RequireImage(inputSchema, inputColumnName, Name);
        return new[]
        {
            new ComputedColumn(outputColumnName, input.Type, null, new[] { inputColumnName }, row =>
            {
                var getImage = row.GetGetter<MLImage>(input);
                return ImageColumns.CachePerRow(row, () => ToGray(ImageColumns.Read(getImage, row, inputColumnName, Name)));
            }),
        };
    }

    internal static MLImage ToGray(MLImage image)
    {
        var source = image.ToBgra();
        var gray = GC.AllocateUninitializedArray<byte>(source.Length);
        for (int i = 0; i < source.Length; i += 4)
        {
            byte luma = (byte)((source[i + 2] * 19595 + source[i + 1] * 38470 + source[i] * 7471 + 0x8000) >> 16);
            gray[i] = luma;
            gray[i + 1] = luma;
            gray[i + 2] = luma;
            gray[i + 3] = source[i + 3];
        }
        return MLImage.FromBgra(gray, image.Width, image.Height);
    }

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx) => ImageColumns.SaveNames(ctx, Kind, outputColumnName, inputColumnName);

    internal static ImageGrayscalingTransformer Load(ModelLoadContext ctx)
    {
        var (output, input) = ImageColumns.LoadNames(ctx);
        return new ImageGrayscalingTransformer(output, input);
    }
}

/// <summary>Estimator of <see cref="ImageGrayscalingTransformer"/> (ConvertToGrayscale); needs no training.</summary>
public sealed class ImageGrayscalingEstimator : TrivialEstimator<ImageGrayscalingTransformer>
{
    internal ImageGrayscalingEstimator(string outputColumnName, string? inputColumnName) : base(new ImageGrayscalingTransformer(outputColumnName, inputColumnName)) { }
}
