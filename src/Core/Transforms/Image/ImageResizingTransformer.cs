using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;
using CnnMl.Torch.Imaging;

namespace CnnMl.Transforms.Image;

/// <summary>
/// Resizes the images of a column to <see cref="ImageWidth"/> x <see cref="ImageHeight"/> (ResizeImages).
/// The geometry, for a source of w x h and a target of W x H:
/// <list type="bullet">
/// <item><see cref="ImageResizingEstimator.ResizingKind.Fill"/>: the whole image is stretched to W x H.</item>
/// <item><see cref="ImageResizingEstimator.ResizingKind.IsoCrop"/>: scaled by s = max(W/w, H/h), keeping the aspect ratio, and
/// the W x H window is cut out of it at the anchor: Left/Right pick the window's horizontal side, Top/Bottom its vertical
/// side, the other direction (and Center) is centered. Equivalently the source region round(W/s) x round(H/s) at that
/// anchor is resized to W x H.</item>
/// <item><see cref="ImageResizingEstimator.ResizingKind.IsoPad"/>: scaled by s = min(W/w, H/h) to round(w*s) x round(h*s),
/// centered (offsets rounded down), the rest padded with transparent black (0, 0, 0, 0). The anchor is not used, as in ML.NET.</item>
/// </list>
/// Shrinking uses pixel-area averaging, enlarging bilinear interpolation (OpenCV); an image already of the target
/// size (after cropping) is copied unchanged.
/// </summary>
public sealed class ImageResizingTransformer : RowToRowTransformerBase
{
    internal const string Kind = "ImageResizing";
    private const string Name = "ResizeImages";

    internal ImageResizingTransformer(string outputColumnName, int imageWidth, int imageHeight, string? inputColumnName,
        ImageResizingEstimator.ResizingKind resizing, ImageResizingEstimator.Anchor cropAnchor)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageHeight);
        if (!Enum.IsDefined(resizing)) throw new ArgumentOutOfRangeException(nameof(resizing), resizing, "unknown resizing kind");
        if (!Enum.IsDefined(cropAnchor)) throw new ArgumentOutOfRangeException(nameof(cropAnchor), cropAnchor, "unknown anchor");
        OutputColumnName = outputColumnName;
        InputColumnName = string.IsNullOrEmpty(inputColumnName) ? outputColumnName : inputColumnName;
        ImageWidth = imageWidth;
        ImageHeight = imageHeight;
        Resizing = resizing;
        CropAnchor = cropAnchor;
    }

    /// <summary>The column of resized images.</summary>
    public string OutputColumnName { get; }

    /// <summary>The column of images to resize.</summary>
    public string InputColumnName { get; }

    /// <summary>Target width.</summary>
    public int ImageWidth { get; }

    /// <summary>Target height.</summary>
    public int ImageHeight { get; }

    /// <summary>How the aspect ratio is handled.</summary>
    public ImageResizingEstimator.ResizingKind Resizing { get; }

    /// <summary>Where <see cref="ImageResizingEstimator.ResizingKind.IsoCrop"/> keeps the image.</summary>
    public ImageResizingEstimator.Anchor CropAnchor { get; }

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var input = ImageColumns.RequireImage(inputSchema, InputColumnName, Name);
        return new[]
        {
            new ComputedColumn(OutputColumnName, new ImageDataViewType(ImageHeight, ImageWidth), null, new[] { InputColumnName }, row =>
            {
                var getImage = row.GetGetter<MLImage>(input);
                return ImageColumns.CachePerRow(row, () => Resize(ImageColumns.Read(getImage, row, InputColumnName, Name)));
            }),
        };
    }

    /// <summary>The resized image (a new one; the source is not changed).</summary>
    internal MLImage Resize(MLImage source)
    {
        int w = source.Width, h = source.Height, W = ImageWidth, H = ImageHeight;
        var pixels = source.ToBgra();
        return Resizing switch
        {
            ImageResizingEstimator.ResizingKind.Fill => MLImage.FromBgra(Scale(pixels, w, h, W, H), W, H),
            ImageResizingEstimator.ResizingKind.IsoCrop => Crop(pixels, w, h),
            _ => Pad(pixels, w, h),
        };
    }

    private MLImage Crop(ReadOnlySpan<byte> pixels, int w, int h)
    {
        double s = Math.Max((double)ImageWidth / w, (double)ImageHeight / h);
        int cw = Math.Clamp((int)Math.Round(ImageWidth / s), 1, w);
        int ch = Math.Clamp((int)Math.Round(ImageHeight / s), 1, h);
        int x = CropAnchor switch
        {
            ImageResizingEstimator.Anchor.Left => 0,
            ImageResizingEstimator.Anchor.Right => w - cw,
            _ => (w - cw) / 2,
        };
        int y = CropAnchor switch
        {
            ImageResizingEstimator.Anchor.Top => 0,
            ImageResizingEstimator.Anchor.Bottom => h - ch,
            _ => (h - ch) / 2,
        };
        byte[] region;
        if (cw == w && ch == h)
        {
            region = pixels.ToArray();
        }
        else
        {
            region = GC.AllocateUninitializedArray<byte>(cw * ch * 4);
            for (int row = 0; row < ch; row++)
                pixels.Slice(((y + row) * w + x) * 4, cw * 4).CopyTo(region.AsSpan(row * cw * 4));
        }
        return MLImage.FromBgra(cw == ImageWidth && ch == ImageHeight ? region : Scale(region, cw, ch, ImageWidth, ImageHeight), ImageWidth, ImageHeight);
    }

    private MLImage Pad(ReadOnlySpan<byte> pixels, int w, int h)
    {
        double s = Math.Min((double)ImageWidth / w, (double)ImageHeight / h);
        int sw = Math.Clamp((int)Math.Round(w * s), 1, ImageWidth);
        int sh = Math.Clamp((int)Math.Round(h * s), 1, ImageHeight);
        var scaled = Scale(pixels, w, h, sw, sh);
        if (sw == ImageWidth && sh == ImageHeight) return MLImage.FromBgra(scaled, sw, sh);
        var result = new byte[ImageWidth * ImageHeight * 4];
        int x = (ImageWidth - sw) / 2, y = (ImageHeight - sh) / 2;
        for (int row = 0; row < sh; row++)
            scaled.AsSpan(row * sw * 4, sw * 4).CopyTo(result.AsSpan(((y + row) * ImageWidth + x) * 4));
        return MLImage.FromBgra(result, ImageWidth, ImageHeight);
    }

    private static byte[] Scale(ReadOnlySpan<byte> pixels, int w, int h, int newWidth, int newHeight)
    {
        if (w == newWidth && h == newHeight) return pixels.ToArray();
        var result = GC.AllocateUninitializedArray<byte>(newWidth * newHeight * 4);
        var interpolation = newWidth <= w && newHeight <= h ? ImageInterpolation.Area : ImageInterpolation.Bilinear;
        ImageCodec.Resize(pixels, w, h, 4, result, newWidth, newHeight, interpolation);
        return result;
    }

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx)
    {
        ImageColumns.SaveNames(ctx, Kind, OutputColumnName, InputColumnName);
        ctx.Options["imageWidth"] = ImageWidth;
        ctx.Options["imageHeight"] = ImageHeight;
        ctx.Options["resizing"] = Resizing.ToString();
        ctx.Options["cropAnchor"] = CropAnchor.ToString();
    }

    internal static ImageResizingTransformer Load(ModelLoadContext ctx)
    {
        var (output, input) = ImageColumns.LoadNames(ctx);
        return new ImageResizingTransformer(output, ctx.Get<int>("imageWidth"), ctx.Get<int>("imageHeight"), input,
            ImageColumns.GetEnum<ImageResizingEstimator.ResizingKind>(ctx, "resizing"), ImageColumns.GetEnum<ImageResizingEstimator.Anchor>(ctx, "cropAnchor"));
    }
}

/// <summary>Estimator of <see cref="ImageResizingTransformer"/> (ResizeImages); needs no training.</summary>
public sealed class ImageResizingEstimator : TrivialEstimator<ImageResizingTransformer>
{
    internal ImageResizingEstimator(string outputColumnName, int imageWidth, int imageHeight, string? inputColumnName, ResizingKind resizing, Anchor cropAnchor)
        : base(new ImageResizingTransformer(outputColumnName, imageWidth, imageHeight, inputColumnName, resizing, cropAnchor)) { }

    /// <summary>How the aspect ratio of an image is handled (see <see cref="ImageResizingTransformer"/> for the geometry).</summary>
    public enum ResizingKind : byte
    {
        /// <summary>Keep the aspect ratio: scale to fit inside and pad the rest.</summary>
        IsoPad = 0,

        /// <summary>Keep the aspect ratio: scale to cover and crop the excess at the anchor.</summary>
        IsoCrop = 1,

        /// <summary>Stretch to the target size, ignoring the aspect ratio.</summary>
        Fill = 2,
    }

    /// <summary>Which part of the image <see cref="ResizingKind.IsoCrop"/> keeps.</summary>
    public enum Anchor : byte
    {
        /// <summary>Keep the right side.</summary>
        Right = 0,

        /// <summary>Keep the left side.</summary>
        Left = 1,

        /// <summary>Keep the top.</summary>
        Top = 2,

        /// <summary>Keep the bottom.</summary>
        Bottom = 3,

        /// <summary>Keep the center.</summary>
        Center = 4,
    }
}
