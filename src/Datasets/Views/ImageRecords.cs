namespace CnnMl.Datasets.Views;

/// <summary>
/// Where one label column of a dataset lives in the raw bytes: byte <c>offset + i * stride</c> of
/// <see cref="Source"/> is row i's 0-based class, validated below <see cref="ClassNames"/>.Count at load.
/// </summary>
internal sealed record LabelField(string ColumnName, byte[] Source, int Offset, int Stride, IReadOnlyList<string> ClassNames)
{
    public byte this[int row] => Source[Offset + row * Stride];

    /// <summary>Throws naming <paramref name="file"/> when a row's label is not below the class count.</summary>
    public void Validate(int count, string file)
    {
        for (int i = 0; i < count; i++)
        {
            var label = this[i];
            if (label >= ClassNames.Count)
                throw new InvalidDataException($"'{file}' row {i} has {ColumnName} {label}, outside the {ClassNames.Count} classes 0..{ClassNames.Count - 1}");
        }
    }
}

/// <summary>
/// The one in-memory copy of a dataset's raw bytes: row i's pixels are the <c>C*H*W</c> bytes at
/// <c>PixelOffset + i * PixelStride</c> of <see cref="Pixels"/>, channel-major ([C,H,W]); labels are
/// read from the same or another array through <see cref="Labels"/>.
/// </summary>
internal sealed class ImageRecords
{
    public ImageRecords(byte[] pixels, int pixelOffset, int pixelStride, int count, int channels, int height, int width, IReadOnlyList<LabelField> labels)
    {
        if (channels <= 0 || height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(channels), $"image shape [{channels}, {height}, {width}] must be positive");
        if (count > 0 && (long)pixelOffset + (long)(count - 1) * pixelStride + (long)channels * height * width > pixels.Length)
            throw new ArgumentException("the pixel array is too short for the declared rows", nameof(pixels));
        Pixels = pixels;
        PixelOffset = pixelOffset;
        PixelStride = pixelStride;
        Count = count;
        Channels = channels;
        Height = height;
        Width = width;
        Labels = labels;
    }

    public byte[] Pixels { get; }
    public int PixelOffset { get; }
    public int PixelStride { get; }
    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int ImageSize => Channels * Height * Width;
    public IReadOnlyList<LabelField> Labels { get; }

    /// <summary>Row <paramref name="row"/>'s pixels, [C,H,W].</summary>
    public ReadOnlySpan<byte> Image(int row) => Pixels.AsSpan(PixelOffset + row * PixelStride, ImageSize);
}
