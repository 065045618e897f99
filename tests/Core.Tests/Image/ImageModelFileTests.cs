using CnnMl.Data;
using CnnMl.Transforms.Image;
using static CnnMl.Core.Tests.Image.ImageTestSupport;

namespace CnnMl.Core.Tests.Image;

/// <summary>An image pipeline saved with Model.Save and loaded with Model.Load gives identical output.</summary>
[TestClass]
public sealed class ImageModelFileTests
{
    [TestMethod]
    public void ImagePipelineRoundTripsThroughAModelFile()
    {
        var directory = NewTempDirectory();
        try
        {
            MakeImage(9, 5, (x, y) => ((byte)(x * 25), (byte)(y * 50), 7, 255)).Save(Path.Combine(directory, "a.png"));
            MakeImage(4, 6, (x, y) => (9, (byte)(x * 60), (byte)(y * 40), 255)).Save(Path.Combine(directory, "b.jpg"));
            var ml = new MLContext(1);
            var paths = Paths(ml, "a.png", "b.jpg");
            var model = ml.Transforms.LoadImages("Image", directory, nameof(ImagePathRow.ImagePath))
                .Append(ml.Transforms.ConvertToGrayscale("Gray", "Image"))
                .Append(ml.Transforms.ResizeImages("Image", 6, 4, resizing: ImageResizingEstimator.ResizingKind.IsoPad))
                .Append(ml.Transforms.ExtractPixels("Features", "Image", ImagePixelExtractingEstimator.ColorBits.All, scaleImage: 1f / 255))
                .Append(ml.Transforms.LoadRawImageBytes("Raw", directory, nameof(ImagePathRow.ImagePath)))
                .Fit(paths);
            var file = Path.Combine(directory, "model.zip");
            ml.Model.Save(model, paths.Schema, file);
            var loaded = ml.Model.Load(file, out var schema);
            Assert.AreEqual(paths.Schema.ToString(), schema.ToString());
            var expected = model.Transform(paths);
            var actual = loaded.Transform(paths);
            Assert.AreEqual(expected.Schema.ToString(), actual.Schema.ToString());
            var e = Column<VBuffer<float>>(expected, "Features");
            var a = Column<VBuffer<float>>(actual, "Features");
            for (int i = 0; i < e.Count; i++) CollectionAssert.AreEqual(e[i].GetValues().ToArray(), a[i].GetValues().ToArray());
            var er = Column<VBuffer<byte>>(expected, "Raw");
            var ar = Column<VBuffer<byte>>(actual, "Raw");
            for (int i = 0; i < er.Count; i++) CollectionAssert.AreEqual(er[i].GetValues().ToArray(), ar[i].GetValues().ToArray());
        }
        finally
        {
            DeleteQuietly(directory);
        }
    }
}
