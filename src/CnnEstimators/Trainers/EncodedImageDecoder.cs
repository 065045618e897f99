using CnnMl.MlNetInternals;

namespace CnnMl.Trainers;

/// <summary>
/// Turns encoded image bytes (PNG, JPEG, BMP, as LoadRawImageBytes gives) into the network's planar
/// float input: exactly the pixels ML.NET's LoadImages → ResizeImages (IsoCrop, centre) →
/// ConvertToGrayscale (one channel) → ExtractPixels(scaleImage: 1f / 255) give for the same file, by
/// running ML.NET's own image code (<see cref="MlNetImagePixels"/>).
/// </summary>
internal static class EncodedImageDecoder
{
    /// <summary>Fills <paramref name="destination"/> ([C, H, W] floats in 0..1) from <paramref name="encoded"/>; bytes that are no image throw InvalidDataException.</summary>
    public static void Decode(ReadOnlySpan<byte> encoded, int channels, int height, int width, Span<float> destination)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "encoded images decode to 1 (gray) or 3 (RGB) channels");
        try
        {
            MlNetImagePixels.Decode(encoded.ToArray(), channels, height, width, destination);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
