using System.Text.Json.Nodes;
using CnnMl.Data;
using CnnMl.Transforms.Image;
using static CnnMl.Core.Tests.Image.ImageTestSupport;
using ColorBits = CnnMl.Transforms.Image.ImagePixelExtractingEstimator.ColorBits;
using ColorsOrder = CnnMl.Transforms.Image.ImagePixelExtractingEstimator.ColorsOrder;

namespace CnnMl.Core.Tests.Image;

/// <summary>ExtractPixels and ConvertToGrayscale against Pillow's decode of the same files (written by Pillow).</summary>
[TestClass]
public sealed class ImagePixelExtractionTests
{
    private static string directory = "";
    private static JsonObject reference = null!;
    private static string[] files = Array.Empty<string>();

    [ClassInitialize]
    public static void WriteImages(TestContext context)
    {
        directory = NewTempDirectory();
        RunReference("pixels", directory);
        reference = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "reference.json")))!.AsObject();
        files = reference.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal).ToArray();
    }

    [ClassCleanup]
    public static void Delete() => DeleteQuietly(directory);

    private static IDataView Resized(MLContext ml)
    {
        int width = reference[files[0]]!["width"]!.GetValue<int>(), height = reference[files[0]]!["height"]!.GetValue<int>();
        var images = ml.Transforms.LoadImages("Image", directory, nameof(ImagePathRow.ImagePath)).Fit(Paths(ml, files)).Transform(Paths(ml, files));
        // Same size and Fill: the images pass unchanged and get the fixed-size type ExtractPixels needs.
        return ml.Transforms.ResizeImages("Image", width, height, resizing: ImageResizingEstimator.ResizingKind.Fill).Fit(images).Transform(images);
    }

    private static int[] Expected(string file, string key) => reference[file]!["combos"]![key]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();

    [TestMethod]
    public void EveryColorBitsOrderAndInterleaveMatchesPillow()
    {
        var ml = new MLContext(1);
        var resized = Resized(ml);
        int height = reference[files[0]]!["height"]!.GetValue<int>(), width = reference[files[0]]!["width"]!.GetValue<int>();
        int checkedCombos = 0;
        for (int bits = 1; bits < 16; bits++)
            foreach (var order in Enum.GetValues<ColorsOrder>())
                foreach (var interleave in new[] { false, true })
                {
                    var key = $"{bits}-{(int)order}-{(interleave ? 1 : 0)}";
                    var floats = ml.Transforms.ExtractPixels("Features", "Image", (ColorBits)bits, order, interleave).Fit(resized).Transform(resized);
                    var bytes = ml.Transforms.ExtractPixels("Features", "Image", (ColorBits)bits, order, interleave, outputAsFloatArray: false).Fit(resized).Transform(resized);
                    int planes = System.Numerics.BitOperations.PopCount((uint)bits);
                    var dims = ((VectorDataViewType)floats.Schema["Features"].Type).Dimensions.ToArray();
                    CollectionAssert.AreEqual(interleave ? new[] { height, width, planes } : new[] { planes, height, width }, dims, key);
                    var floatRows = Column<VBuffer<float>>(floats, "Features");
                    var byteRows = Column<VBuffer<byte>>(bytes, "Features");
                    for (int i = 0; i < files.Length; i++)
                    {
                        var expected = Expected(files[i], key);
                        AssertSame(expected, floatRows[i].GetValues().ToArray().Select(v => (double)v).ToArray(), files[i], key);
                        AssertSame(expected, byteRows[i].GetValues().ToArray().Select(v => (double)v).ToArray(), files[i], key + " (bytes)");
                    }
                    checkedCombos++;
                }
        Assert.AreEqual(15 * 6 * 2, checkedCombos);
    }

    /// <summary>
    /// Exact, JPEG included: OpenCV and Pillow on Debian both decode JPEG with libjpeg-turbo's default
    /// (islow IDCT, fancy upsampling), so even lossy files decode to the same levels.
    /// </summary>
    private static void AssertSame(int[] expected, double[] actual, string file, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{file} {what}: length");
        for (int j = 0; j < expected.Length; j++)
            if (expected[j] != actual[j])
                Assert.Fail($"{file} {what}: value {j} is {actual[j]}, Pillow gives {expected[j]}");
    }

    [TestMethod]
    public void OffsetIsSubtractedBeforeScaling()
    {
        var ml = new MLContext(1);
        var resized = Resized(ml);
        var view = ml.Transforms.ExtractPixels("Features", "Image", ColorBits.All, offsetImage: 128f, scaleImage: 1f / 128).Fit(resized).Transform(resized);
        var rows = Column<VBuffer<float>>(view, "Features");
        for (int i = 0; i < files.Length; i++)
        {
            var expected = reference[files[i]]!["scaled"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var actual = rows[i].GetValues().ToArray();
            for (int j = 0; j < expected.Length; j++)
                Assert.AreEqual(expected[j], actual[j], 1e-6, $"{files[i]} value {j}");
        }
    }

    [TestMethod]
    public void GrayscaleMatchesPillowConvertL()
    {
        var ml = new MLContext(1);
        var resized = Resized(ml);
        var gray = ml.Transforms.ConvertToGrayscale("Gray", "Image").Fit(resized).Transform(resized);
        Assert.AreEqual(resized.Schema["Image"].Type, gray.Schema["Gray"].Type);
        var view = ml.Transforms.ExtractPixels("Features", "Gray", ColorBits.Rgb, interleavePixelColors: true).Fit(gray).Transform(gray);
        var rows = Column<VBuffer<float>>(view, "Features");
        for (int i = 0; i < files.Length; i++)
        {
            var expected = reference[files[i]]!["gray"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
            var actual = rows[i].GetValues().ToArray();
            for (int p = 0; p < expected.Length; p++)
                for (int c = 0; c < 3; c++)
                    Assert.AreEqual((float)expected[p], actual[p * 3 + c], $"{files[i]} pixel {p} channel {c}");
        }
    }

    [TestMethod]
    public void ByteOutputRejectsOffsetAndScale()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsException<ArgumentException>(() => ml.Transforms.ExtractPixels("F", "Image", scaleImage: 2f, outputAsFloatArray: false));
        StringAssert.Contains(e.Message, "scaleImage");
        Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractPixels("F", "Image", colorsToExtract: ColorBits.None));
    }

    [TestMethod]
    public void ExtractPixelsNeedsAFixedSizeImageColumn()
    {
        var ml = new MLContext(1);
        var paths = Paths(ml, files);
        var loaded = ml.Transforms.LoadImages("Image", directory, nameof(ImagePathRow.ImagePath)).Fit(paths).Transform(paths);
        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractPixels("Features", "Image").Fit(loaded));
        StringAssert.Contains(e.Message, "'Image'");
        StringAssert.Contains(e.Message, "ResizeImages");
        var wrong = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractPixels("Features", nameof(ImagePathRow.ImagePath)).Fit(loaded));
        StringAssert.Contains(wrong.Message, "'ImagePath'");
        StringAssert.Contains(wrong.Message, "String");
        StringAssert.Contains(wrong.Message, "expected Image");
    }
}
