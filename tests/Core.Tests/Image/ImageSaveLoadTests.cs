using CnnMl.Data;
using CnnMl.Transforms.Image;
using static CnnMl.Core.Tests.Image.ImageTestSupport;

namespace CnnMl.Core.Tests.Image;

/// <summary>Every image transformer saved and loaded back (through the registry, as from a model file) gives identical output.</summary>
[TestClass]
public sealed class ImageSaveLoadTests
{
    private string directory = "";
    private string[] files = Array.Empty<string>();

    [TestInitialize]
    public void CreateImages()
    {
        directory = NewTempDirectory();
        files = new[] { "a.png", "b.jpg", "c.bmp" };
        MakeImage(9, 5, (x, y) => ((byte)(x * 25), (byte)(y * 50), (byte)(x * y * 5), 255)).Save(Path.Combine(directory, files[0]));
        MakeImage(6, 8, (x, y) => ((byte)(x * 40), 128, (byte)(y * 30), 255)).Save(Path.Combine(directory, files[1]));
        MakeImage(7, 7, (x, y) => ((byte)(255 - x * 30), (byte)(y * 30), 60, 255)).Save(Path.Combine(directory, files[2]));
    }

    [TestCleanup]
    public void DeleteImages() => DeleteQuietly(directory);

    [TestMethod]
    public void EachTransformerRoundTripsWithIdenticalOutput()
    {
        var ml = new MLContext(1);
        var paths = Paths(ml, files);
        var pipeline = ml.Transforms.LoadImages("Image", directory, nameof(ImagePathRow.ImagePath))
            .Append(ml.Transforms.ConvertToGrayscale("Gray", "Image"))
            .Append(ml.Transforms.ResizeImages("Small", 4, 3, "Gray", ImageResizingEstimator.ResizingKind.IsoPad, ImageResizingEstimator.Anchor.Left))
            .Append(ml.Transforms.ResizeImages("Cropped", 5, 5, "Image", ImageResizingEstimator.ResizingKind.IsoCrop, ImageResizingEstimator.Anchor.Bottom))
            .Append(ml.Transforms.ExtractPixels("Features", "Cropped", ImagePixelExtractingEstimator.ColorBits.All, ImagePixelExtractingEstimator.ColorsOrder.AGBR,
                interleavePixelColors: true, offsetImage: 3.5f, scaleImage: 1f / 255))
            .Append(ml.Transforms.ExtractPixels("Bytes", "Small", outputAsFloatArray: false));
        var raw = ml.Transforms.LoadRawImageBytes("Raw", directory, nameof(ImagePathRow.ImagePath));
        var model = pipeline.Fit(paths);
        var rawModel = raw.Fit(paths);

        var loaded = model.Select(RoundTrip).ToList();
        CollectionAssert.AreEqual(model.Select(t => t.GetType()).ToList(), loaded.Select(t => t.GetType()).ToList());
        IDataView reloaded = paths;
        foreach (var t in loaded) reloaded = t.Transform(reloaded);
        var original = model.Transform(paths);

        Assert.AreEqual(original.Schema.ToString(), reloaded.Schema.ToString());
        AssertSameVectors(Column<VBuffer<float>>(original, "Features"), Column<VBuffer<float>>(reloaded, "Features"));
        AssertSameVectors(Column<VBuffer<byte>>(original, "Bytes"), Column<VBuffer<byte>>(reloaded, "Bytes"));
        AssertSameVectors(Column<VBuffer<byte>>(rawModel.Transform(paths), "Raw"), Column<VBuffer<byte>>(RoundTrip(rawModel).Transform(paths), "Raw"));
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 5, 5, 4), reloaded.Schema["Features"].Type);
    }

    private static void AssertSameVectors<T>(List<VBuffer<T>> expected, List<VBuffer<T>> actual)
    {
        Assert.AreEqual(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) CollectionAssert.AreEqual(expected[i].GetValues().ToArray(), actual[i].GetValues().ToArray(), $"row {i}");
    }

    [TestMethod]
    public void UnknownEnumNameInAModelIsAClearError()
    {
        var ml = new MLContext(1);
        var transformer = ml.Transforms.ResizeImages("Small", 4, 4, "Image").Fit(ml.Data.LoadFromEnumerable(new List<ImageResizingTests.ImageRow>()));
        var loaded = (ImageResizingTransformer)RoundTrip(transformer);
        Assert.AreEqual(ImageResizingEstimator.ResizingKind.IsoCrop, loaded.Resizing);
        Assert.AreEqual(ImageResizingEstimator.Anchor.Center, loaded.CropAnchor);
        var options = new System.Text.Json.Nodes.JsonObject { ["outputColumnName"] = "a", ["inputColumnName"] = "b", ["imageWidth"] = 2, ["imageHeight"] = 2, ["resizing"] = "Stretch", ["cropAnchor"] = "Center" };
        var context = new CnnMl.Model.ModelLoadContext(ImageResizingTransformer.Kind, options, Array.Empty<string>(), Array.Empty<CnnMl.Model.ModelLoadContext>(), _ => Stream.Null);
        var e = Assert.ThrowsException<InvalidDataException>(() => CnnMl.Model.TransformerRegistry.Load(context));
        StringAssert.Contains(e.Message, "Stretch");
    }
}
