using CnnMl.Torch.Imaging;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// The trainer's decode of encoded image bytes gives the pixels ML.NET's image transforms give for the
/// same file (LoadImages → ResizeImages, default IsoCrop as the cnnml CLI uses → ConvertToGrayscale for
/// one channel → ExtractPixels(scaleImage: 1f / 255)): PNG (RGB, gray, with alpha) and JPEG files that
/// need enlarging, shrinking (by less and by more than 2), non-square crops, or no resampling at all.
/// </summary>
/// <remarks>
/// The trainer runs ML.NET's own image code (MLImage's resizing and grayscale), so every value must be
/// equal; a different crop, filter, gray formula or channel order would move many values.
/// </remarks>
[TestClass]
public sealed class EncodedImageDecoderTests
{
    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    /// <summary>
    /// A smooth picture with hard-edged shapes and a little noise (or, with <paramref name="noise"/>, every
    /// byte random), interleaved as OpenCV encodes it (gray, BGR or BGRA; alpha a ramp from 0 to 255).
    /// </summary>
    private static byte[] Picture(int w, int h, int c, int seed, bool noise)
    {
        var random = new Random(seed);
        var pixels = new byte[w * h * c];
        if (noise)
        {
            random.NextBytes(pixels);
            return pixels;
        }
        double cx = w * 0.3, cy = h * 0.6, radius = Math.Min(w, h) * 0.25;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++)
                {
                    double v = 128 + 60 * Math.Sin((x + 3 * k) / (w / 5.0)) + 40 * Math.Cos((y - 2 * k) / (h / 4.0));
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius) v = 40 + 50 * k;
                    if (x > w * 0.7 && y < h * 0.3) v = 230 - 60 * k;
                    v = k == 3 ? 255.0 * x / Math.Max(1, w - 1) : v + random.Next(-6, 7);
                    pixels[(y * w + x) * c + k] = (byte)Math.Clamp(Math.Round(v), 0, 255);
                }
        return pixels;
    }

    /// <summary>ExtractPixels' output for each file, through ML.NET's transforms.</summary>
    private static List<float[]> MlNetPixels(IReadOnlyList<string> paths, int channels, int size)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(paths.Select(p => new PathRow { ImagePath = p }).ToList());
        IEstimator<ITransformer> chain = ml.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(ml.Transforms.ResizeImages("Image", size, size, "Image", ImageResizingEstimator.ResizingKind.IsoCrop));
        if (channels == 1) chain = chain.Append(ml.Transforms.ConvertToGrayscale("Image"));
        var colors = channels == 1 ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb;
        chain = chain.Append(ml.Transforms.ExtractPixels("Features", "Image", colors, ImagePixelExtractingEstimator.ColorsOrder.ARGB, scaleImage: 1f / 255));
        var features = chain.Fit(data).Transform(data);
        var column = features.Schema["Features"];
        using var cursor = features.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var all = new List<float[]>();
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            all.Add(value.DenseValues().ToArray());
        }
        return all;
    }

    [TestMethod]
    public void DecodesEncodedBytesAsTheImageTransformsDo()
    {
        // (source width, height, channels of the file, format, channels and size of the target, random bytes)
        var cases = new (int W, int H, int C, string Format, int Channels, int Size, bool Noise)[]
        {
            (32, 32, 3, ".png", 3, 32, false), (28, 28, 3, ".png", 1, 28, false), (28, 28, 1, ".png", 1, 28, false), (32, 32, 4, ".png", 3, 32, false),
            (32, 32, 3, ".jpg", 3, 32, false), (28, 40, 3, ".png", 3, 28, false), (50, 28, 1, ".png", 1, 28, false), (70, 64, 3, ".png", 3, 64, true), // crops only
            (20, 13, 3, ".png", 3, 32, false), (13, 20, 3, ".jpg", 3, 32, false), (23, 23, 1, ".png", 1, 28, false), (9, 14, 4, ".png", 3, 32, false),
            (37, 40, 3, ".png", 3, 64, true), // enlarged
            (45, 45, 3, ".png", 3, 32, false), (97, 61, 3, ".png", 3, 32, false), (61, 97, 3, ".jpg", 1, 28, false), (46, 50, 3, ".png", 1, 28, false),
            (99, 77, 3, ".png", 3, 64, true), // shrunk, < 2x
            (64, 64, 3, ".png", 3, 32, false), (300, 200, 3, ".jpg", 3, 32, false), (151, 433, 4, ".png", 1, 28, false), (600, 500, 3, ".png", 3, 64, true), // shrunk through mipmaps
        };
        var folder = Path.Combine(Path.GetTempPath(), $"cnnml-decode-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var paths = cases.Select((k, i) =>
            {
                var path = Path.Combine(folder, $"{i:D2}-{k.W}x{k.H}x{k.C}{k.Format}");
                File.WriteAllBytes(path, ImageCodec.Encode(Picture(k.W, k.H, k.C, i, k.Noise), k.W, k.H, k.C, k.Format));
                return path;
            }).ToArray();
            var expected = new float[cases.Length][];
            foreach (var group in Enumerable.Range(0, cases.Length).GroupBy(i => (cases[i].Channels, cases[i].Size)))
            {
                var pixels = MlNetPixels(group.Select(i => paths[i]).ToList(), group.Key.Channels, group.Key.Size);
                foreach (var (i, image) in group.Zip(pixels)) expected[i] = image;
            }

            for (int i = 0; i < cases.Length; i++)
            {
                var (_, _, _, _, channels, size, _) = cases[i];
                var actual = new float[channels * size * size];
                EncodedImageDecoder.Decode(File.ReadAllBytes(paths[i]), channels, size, size, actual);
                CollectionAssert.AreEqual(expected[i], actual, $"{Path.GetFileName(paths[i])} as {channels}x{size}x{size}: the trainer's pixels must be ML.NET's");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
