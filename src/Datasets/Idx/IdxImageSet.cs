namespace CnnMl.Datasets.Idx;

/// <summary>
/// A set of single-channel 8-bit images with integer labels, as read from an IDX image file and
/// its label file. Pixels are stored once, row-major, image after image.
/// </summary>
public sealed class IdxImageSet
{
    private IdxImageSet(byte[] pixels, byte[] labels, int height, int width, IReadOnlyList<string> classNames)
    {
        Pixels = pixels;
        Labels = labels;
        Height = height;
        Width = width;
        ClassNames = classNames;
    }

    /// <summary>All pixels, image after image, row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>The label of each image, 0-based.</summary>
    public byte[] Labels { get; }

    public int Height { get; }
    public int Width { get; }
    public int Count => Labels.Length;

    /// <summary>Class names indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The pixels of one image.</summary>
    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Height * Width, Height * Width);

    /// <summary>Reads an image file ([N, H, W]) and a label file ([N]) and checks they agree.</summary>
    public static IdxImageSet Load(string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        var (imageDims, pixels) = IdxFile.Read(imagesPath);
        if (imageDims.Length != 3) throw new InvalidDataException($"'{imagesPath}' holds a {imageDims.Length}-dimensional array; an image file has 3 dimensions [count, rows, columns]");
        var (labelDims, labels) = IdxFile.Read(labelsPath);
        if (labelDims.Length != 1) throw new InvalidDataException($"'{labelsPath}' holds a {labelDims.Length}-dimensional array; a label file has 1 dimension [count]");
        if (imageDims[0] != labelDims[0])
            throw new InvalidDataException($"'{imagesPath}' has {imageDims[0]} images but '{labelsPath}' has {labelDims[0]} labels");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classNames.Count)
                throw new InvalidDataException($"'{labelsPath}' row {i} has label {labels[i]}, outside the {classNames.Count} classes 0..{classNames.Count - 1}");
        return new IdxImageSet(pixels, labels, imageDims[1], imageDims[2], classNames);
    }
}
