using CnnMl.Torch;
using CnnMl.Torch.Imaging;

namespace CnnMl.Data;

/// <summary>The layout of an <see cref="MLImage"/>'s pixels: 4 bytes per pixel, in the order named.</summary>
public enum MLPixelFormat
{
    /// <summary>Not known.</summary>
    Unknown = 0,

    /// <summary>Blue, green, red, alpha; what decoded files have.</summary>
    Bgra32 = 1,

    /// <summary>Red, green, blue, alpha.</summary>
    Rgba32 = 2,
}

/// <summary>
/// An image held in memory as 32-bit pixels (as ML.NET's MLImage). Files are decoded by OpenCV in the
/// native library: PNG, JPEG and BMP, gray, color or with alpha; gray images get R = G = B and
/// images without alpha get A = 255. EXIF orientation is not applied. The pixels are managed memory;
/// <see cref="Dispose"/> releases them and makes later use an <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class MLImage : IDisposable
{
    private byte[]? pixels;

    private MLImage(byte[] pixels, int width, int height, MLPixelFormat pixelFormat)
    {
        this.pixels = pixels;
        Width = width;
        Height = height;
        PixelFormat = pixelFormat;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The order of each pixel's 4 bytes.</summary>
    public MLPixelFormat PixelFormat { get; }

    /// <summary>Always 32.</summary>
    public int BitsPerPixel => 32;

    /// <summary>A free-form label; <see cref="CreateFromFile"/> sets it to the path.</summary>
    public string? Tag { get; set; }

    /// <summary>The pixels, rows top to bottom, 4 bytes each in <see cref="PixelFormat"/> order.</summary>
    public ReadOnlySpan<byte> Pixels => Storage;

    internal byte[] Storage => pixels ?? throw new ObjectDisposedException(nameof(MLImage));

    /// <summary>Decodes a PNG, JPEG or BMP file. Throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> naming the file.</summary>
    public static MLImage CreateFromFile(string imagePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagePath);
        var image = Decode(File.ReadAllBytes(imagePath), imagePath);
        image.Tag = imagePath;
        return image;
    }

    /// <summary>Decodes a PNG, JPEG or BMP image from the rest of <paramref name="imageStream"/>.</summary>
    public static MLImage CreateFromStream(Stream imageStream)
    {
        ArgumentNullException.ThrowIfNull(imageStream);
        using var buffer = new MemoryStream();
        imageStream.CopyTo(buffer);
        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), "stream");
    }

    /// <summary>An image from raw pixels (copied): <paramref name="width"/> x <paramref name="height"/> x 4 bytes in <paramref name="pixelFormat"/> order.</summary>
    public static MLImage CreateFromPixels(int width, int height, MLPixelFormat pixelFormat, ReadOnlySpan<byte> imagePixelData)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        if (pixelFormat is not (MLPixelFormat.Bgra32 or MLPixelFormat.Rgba32))
            throw new ArgumentOutOfRangeException(nameof(pixelFormat), pixelFormat, "pixel format must be Bgra32 or Rgba32");
        if (imagePixelData.Length != (long)width * height * 4)
            throw new ArgumentException($"a {width}x{height} 32-bit image needs {(long)width * height * 4} bytes, got {imagePixelData.Length}", nameof(imagePixelData));
        return new MLImage(imagePixelData.ToArray(), width, height, pixelFormat);
    }

    /// <summary>Encodes the image to a file; the extension (.png, .jpg/.jpeg, .bmp) picks the format (JPEG and BMP drop alpha).</summary>
    public void Save(string imagePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagePath);
        var extension = Path.GetExtension(imagePath).ToLowerInvariant();
        var bgra = ToBgra();
        byte[] encoded;
        if (extension == ".png")
        {
            encoded = ImageCodec.Encode(bgra, Width, Height, 4, extension);
        }
        else if (extension is ".jpg" or ".jpeg" or ".bmp")
        {
            var bgr = new byte[Width * Height * 3];
            for (int i = 0, j = 0; j < bgr.Length; i += 4, j += 3)
            {
                bgr[j] = bgra[i];
                bgr[j + 1] = bgra[i + 1];
                bgr[j + 2] = bgra[i + 2];
            }
            encoded = ImageCodec.Encode(bgr, Width, Height, 3, extension);
        }
        else
        {
            throw new ArgumentException($"cannot save '{imagePath}': the extension must be .png, .jpg, .jpeg or .bmp", nameof(imagePath));
        }
        File.WriteAllBytes(imagePath, encoded);
    }

    /// <summary>Releases the pixels.</summary>
    public void Dispose() => pixels = null;

    /// <summary>An image over BGRA pixels the caller gives up (not copied).</summary>
    internal static MLImage FromBgra(byte[] bgra, int width, int height) => new(bgra, width, height, MLPixelFormat.Bgra32);

    /// <summary>The pixels in BGRA order (the storage itself when already BGRA).</summary>
    internal ReadOnlySpan<byte> ToBgra()
    {
        var storage = Storage;
        if (PixelFormat == MLPixelFormat.Bgra32) return storage;
        var bgra = new byte[storage.Length];
        for (int i = 0; i < storage.Length; i += 4)
        {
            bgra[i] = storage[i + 2];
            bgra[i + 1] = storage[i + 1];
            bgra[i + 2] = storage[i];
            bgra[i + 3] = storage[i + 3];
        }
        return bgra;
    }

    /// <summary>Decodes encoded bytes; <paramref name="source"/> names them in the error.</summary>
    internal static MLImage Decode(ReadOnlySpan<byte> encoded, string source)
    {
        byte[] decoded;
        int width, height, channels;
        try
        {
            decoded = ImageCodec.Decode(encoded, out width, out height, out channels);
        }
        catch (TorchException e)
        {
            throw new InvalidDataException($"cannot decode image '{source}': {e.Message}", e);
        }
        return FromBgra(ExpandToBgra(decoded, width * height, channels), width, height);
    }

    private static byte[] ExpandToBgra(byte[] decoded, int pixelCount, int channels)
    {
        if (channels == 4) return decoded;
        var bgra = GC.AllocateUninitializedArray<byte>(pixelCount * 4);
        if (channels == 3)
        {
            for (int i = 0, j = 0; i < pixelCount; i++, j += 3)
            {
                int o = i * 4;
                bgra[o] = decoded[j];
                bgra[o + 1] = decoded[j + 1];
                bgra[o + 2] = decoded[j + 2];
                bgra[o + 3] = 255;
            }
        }
        else
        {
            for (int i = 0; i < pixelCount; i++)
            {
                byte v = decoded[i];
                int o = i * 4;
                bgra[o] = v;
                bgra[o + 1] = v;
                bgra[o + 2] = v;
                bgra[o + 3] = 255;
            }
        }
        return bgra;
    }
}
