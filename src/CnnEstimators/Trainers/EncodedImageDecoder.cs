using CnnMl.Torch.Imaging;

namespace CnnMl.Trainers;

/// <summary>
/// Turns encoded image bytes (PNG, JPEG, BMP, as LoadRawImageBytes gives) into the network's
/// planar float input: decoded, resized to the input size (area averaging when shrinking, bilinear
/// when enlarging), converted to the input's channels (gray or RGB) and scaled to 0..1.
/// </summary>
internal static class EncodedImageDecoder
{
    public static void Decode(ReadOnlySpan<byte> encoded, int channels, int height, int width, Span<float> destination)
    {
        var pixels = ImageCodec.Decode(encoded, out var w, out var h, out var c);
        if (w != width || h != height)
        {
            var resized = new byte[width * height * c];
            ImageCodec.Resize(pixels, w, h, c, resized, width, height, w > width || h > height ? ImageInterpolation.Area : ImageInterpolation.Bilinear);
            pixels = resized;
        }
        var plane = width * height;
        for (int i = 0; i < plane; i++)
        {
            // OpenCV decodes to gray, BGR or BGRA.
            float r, g, b;
            if (c == 1)
            {
                r = g = b = pixels[i];
            }
            else
            {
                b = pixels[i * c];
                g = pixels[i * c + 1];
                r = pixels[i * c + 2];
            }
            if (channels == 1)
            {
                destination[i] = c == 1 ? r / 255f : (0.299f * r + 0.587f * g + 0.114f * b) / 255f;
            }
            else
            {
                destination[i] = r / 255f;
                destination[plane + i] = g / 255f;
                destination[2 * plane + i] = b / 255f;
            }
        }
    }
}
