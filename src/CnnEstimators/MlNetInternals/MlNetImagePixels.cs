namespace CnnMl.MlNetInternals;

/// <summary>
/// Encoded image bytes to the planar floats ML.NET's image transforms give for the same file:
/// <c>LoadImages</c> (SkiaSharp decodes) → <c>ResizeImages</c> (default IsoCrop, centre anchor; an image
/// already of the target size is not resampled) → <c>ConvertToGrayscale</c> for one channel →
/// <c>ExtractPixels(scaleImage: 1f / 255)</c> (the red plane of the gray image, or R, G, B planes). It
/// calls ML.NET's own <see cref="MLImage"/> code, whose resizing and grayscale ML.NET keeps internal,
/// so there is one definition of those pixels, not a copy of it.
/// </summary>
internal static class MlNetImagePixels
{
    private const float Scale = 1f / 255;

    /// <summary>Fills <paramref name="destination"/> ([C, H, W]); undecodable bytes throw ArgumentException (SkiaSharp's message).</summary>
    public static void Decode(byte[] encoded, int channels, int height, int width, Span<float> destination)
    {
        using var stream = new MemoryStream(encoded, writable: false);
        using var source = MLImage.CreateFromStream(stream);
        var resized = source.Width == width && source.Height == height ? source : source.CloneWithResizing(width, height, ImageResizeMode.CropAnchorCentral);
        try
        {
            var image = channels == 1 ? resized.CloneWithGrayscale() : resized;
            try
            {
                Extract(image, channels, destination[..(channels * height * width)]);
            }
            finally
            {
                if (!ReferenceEquals(image, resized)) image.Dispose();
            }
        }
        finally
        {
            if (!ReferenceEquals(resized, source)) resized.Dispose();
        }
    }

    private static void Extract(MLImage image, int channels, Span<float> destination)
    {
        var (red, green, blue) = image.PixelFormat switch
        {
            MLPixelFormat.Bgra32 => (2, 1, 0),
            MLPixelFormat.Rgba32 => (0, 1, 2),
            var other => throw new InvalidDataException($"image pixel format {other} is not supported"),
        };
        var pixels = image.Pixels;
        var plane = image.Width * image.Height;
        for (int o = 0, i = 0; o < plane; o++, i += 4)
        {
            destination[o] = pixels[i + red] * Scale;
            if (channels == 1) continue;
            destination[plane + o] = pixels[i + green] * Scale;
            destination[2 * plane + o] = pixels[i + blue] * Scale;
        }
    }
}
