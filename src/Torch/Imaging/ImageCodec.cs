using CnnMl.Torch.Native;

namespace CnnMl.Torch.Imaging;

/// <summary>
/// Advanced: PNG, JPEG and BMP decoding and encoding through OpenCV in the native library,
/// on 8-bit interleaved pixels with 1 (gray), 3 (BGR) or 4 (BGRA) channels. The datasets write and
/// check image folders with it; pipelines, and the trainers' decoding of encoded image bytes, use
/// ML.NET's image code instead, so pixels have one definition.
/// </summary>
public static unsafe class ImageCodec
{
    /// <summary>
    /// Decodes an encoded image. Returns its pixels, rows top to bottom, interleaved as gray, BGR or
    /// BGRA (16-bit images are scaled to 8 bits). Throws <see cref="TorchException"/> with OpenCV's
    /// reason when the bytes are not an image it can decode.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> encoded, out int width, out int height, out int channels)
    {
        IntPtr image;
        fixed (byte* p = encoded) image = NativeMethods.cnn_image_decode(p, encoded.Length, out width, out height, out channels);
        if (image == IntPtr.Zero) throw TorchException.FromNative();
        try
        {
            var pixels = GC.AllocateUninitializedArray<byte>(checked(width * height * channels));
            fixed (byte* d = pixels) TorchException.Check(NativeMethods.cnn_image_copy_pixels(image, d, pixels.Length));
            return pixels;
        }
        finally
        {
            NativeMethods.cnn_image_free(image);
        }
    }

    /// <summary>
    /// Encodes pixels (gray, BGR or BGRA, interleaved) in the format named by <paramref name="extension"/>
    /// (".png", ".jpg", ".bmp").
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels, string extension)
    {
        ArgumentException.ThrowIfNullOrEmpty(extension);
        CheckPixels(pixels.Length, width, height, channels, nameof(pixels));
        byte* buffer;
        long length;
        fixed (byte* s = pixels) buffer = NativeMethods.cnn_image_encode(s, width, height, channels, extension, out length);
        if (buffer == null) throw TorchException.FromNative();
        try
        {
            return new ReadOnlySpan<byte>(buffer, checked((int)length)).ToArray();
        }
        finally
        {
            NativeMethods.cnn_buffer_free(buffer);
        }
    }

    private static void CheckPixels(int length, int width, int height, int channels, string name)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(name, $"image size must be positive, got {width}x{height}");
        if (channels is not (1 or 3 or 4)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "images have 1, 3 or 4 channels");
        if ((long)width * height * channels != length)
            throw new ArgumentException($"{name} holds {length} bytes, but a {width}x{height} image with {channels} channels needs {(long)width * height * channels}", name);
    }
}
