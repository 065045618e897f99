using CnnMl.Data;
using CnnMl.Transforms.Image;
using static CnnMl.Core.Tests.Image.ImageTestSupport;
using Anchor = CnnMl.Transforms.Image.ImageResizingEstimator.Anchor;
using ResizingKind = CnnMl.Transforms.Image.ImageResizingEstimator.ResizingKind;

namespace CnnMl.Core.Tests.Image;

/// <summary>ResizeImages against the documented geometry of Fill, IsoCrop and IsoPad, on hand-computable images.</summary>
[TestClass]
public sealed class ImageResizingTests
{
    private static readonly (byte, byte, byte, byte) A = (10, 20, 30, 255), B = (100, 110, 120, 255), C = (200, 210, 220, 255);
    private static readonly (byte, byte, byte, byte) Padding = (0, 0, 0, 0);

    public sealed class ImageRow
    {
        public MLImage Image { get; set; } = null!;
    }

    private static MLImage Resize(MLImage source, int width, int height, ResizingKind kind, Anchor anchor)
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new List<ImageRow> { new() { Image = source } });
        Assert.IsInstanceOfType(data.Schema["Image"].Type, typeof(ImageDataViewType));
        var view = ml.Transforms.ResizeImages("Resized", width, height, "Image", kind, anchor).Fit(data).Transform(data);
        Assert.AreEqual(new ImageDataViewType(height, width), view.Schema["Resized"].Type);
        var image = Column<MLImage>(view, "Resized").Single();
        Assert.AreEqual(width, image.Width);
        Assert.AreEqual(height, image.Height);
        return image;
    }

    private static void AssertRegion(MLImage image, int x0, int y0, int x1, int y1, (byte, byte, byte, byte) color, string what)
    {
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                Assert.AreEqual(color, At(image, x, y), $"{what}: pixel ({x}, {y})");
    }

    [TestMethod]
    public void IsoCropKeepsTheAnchoredWindowOfAWideImage()
    {
        // 6x2, three 2-pixel-wide stripes A|B|C; to 2x2 the scale is max(2/6, 2/2) = 1 and a 2x2 window is kept.
        var wide = MakeImage(6, 2, (x, _) => x < 2 ? A : x < 4 ? B : C);
        var expected = new Dictionary<Anchor, (byte, byte, byte, byte)> { [Anchor.Left] = A, [Anchor.Right] = C, [Anchor.Center] = B, [Anchor.Top] = B, [Anchor.Bottom] = B };
        foreach (var (anchor, color) in expected)
            AssertRegion(Resize(wide, 2, 2, ResizingKind.IsoCrop, anchor), 0, 0, 2, 2, color, $"wide {anchor}");
    }

    [TestMethod]
    public void IsoCropKeepsTheAnchoredWindowOfATallImage()
    {
        var tall = MakeImage(2, 6, (_, y) => y < 2 ? A : y < 4 ? B : C);
        var expected = new Dictionary<Anchor, (byte, byte, byte, byte)> { [Anchor.Top] = A, [Anchor.Bottom] = C, [Anchor.Center] = B, [Anchor.Left] = B, [Anchor.Right] = B };
        foreach (var (anchor, color) in expected)
            AssertRegion(Resize(tall, 2, 2, ResizingKind.IsoCrop, anchor), 0, 0, 2, 2, color, $"tall {anchor}");
    }

    [TestMethod]
    public void IsoCropScalesThenCrops()
    {
        // 8x4 with A in columns 0-3 and B in 4-7; to 2x2 the scale is max(2/8, 2/4) = 1/2, so a 4x4 source window
        // is halved: Left keeps only A, Right only B, Center columns 2-5 = one output column of each.
        var wide = MakeImage(8, 4, (x, _) => x < 4 ? A : B);
        AssertRegion(Resize(wide, 2, 2, ResizingKind.IsoCrop, Anchor.Left), 0, 0, 2, 2, A, "left");
        AssertRegion(Resize(wide, 2, 2, ResizingKind.IsoCrop, Anchor.Right), 0, 0, 2, 2, B, "right");
        var center = Resize(wide, 2, 2, ResizingKind.IsoCrop, Anchor.Center);
        AssertRegion(center, 0, 0, 1, 2, A, "center, left column");
        AssertRegion(center, 1, 0, 2, 2, B, "center, right column");
    }

    [TestMethod]
    public void IsoPadCentersAndPadsWithTransparentBlackWhateverTheAnchor()
    {
        foreach (var anchor in Enum.GetValues<Anchor>())
        {
            // 4x2 into 4x4: scale min(4/4, 4/2) = 1, content rows 1-2, padding rows 0 and 3.
            var wide = Resize(MakeImage(4, 2, (_, _) => A), 4, 4, ResizingKind.IsoPad, anchor);
            AssertRegion(wide, 0, 0, 4, 1, Padding, $"wide {anchor} top");
            AssertRegion(wide, 0, 1, 4, 3, A, $"wide {anchor} content");
            AssertRegion(wide, 0, 3, 4, 4, Padding, $"wide {anchor} bottom");
            // 4x8 into 4x4: scale 1/2, content 2x4 in columns 1-2.
            var tall = Resize(MakeImage(4, 8, (_, _) => B), 4, 4, ResizingKind.IsoPad, anchor);
            AssertRegion(tall, 0, 0, 1, 4, Padding, $"tall {anchor} left");
            AssertRegion(tall, 1, 0, 3, 4, B, $"tall {anchor} content");
            AssertRegion(tall, 3, 0, 4, 4, Padding, $"tall {anchor} right");
        }
        // Odd leftover: 3x1 into 3x4 puts the row at y = (4 - 1) / 2 = 1.
        var odd = Resize(MakeImage(3, 1, (_, _) => C), 3, 4, ResizingKind.IsoPad, Anchor.Center);
        AssertRegion(odd, 0, 0, 3, 1, Padding, "odd top");
        AssertRegion(odd, 0, 1, 3, 2, C, "odd content");
        AssertRegion(odd, 0, 2, 3, 4, Padding, "odd bottom");
    }

    [TestMethod]
    public void FillStretchesTheWholeImage()
    {
        foreach (var anchor in Enum.GetValues<Anchor>())
        {
            // 8x2 (A left half, B right half) to 2x4: both halves survive, each one output column.
            var image = Resize(MakeImage(8, 2, (x, _) => x < 4 ? A : B), 2, 4, ResizingKind.Fill, anchor);
            AssertRegion(image, 0, 0, 1, 4, A, $"fill {anchor} left");
            AssertRegion(image, 1, 0, 2, 4, B, $"fill {anchor} right");
        }
        AssertRegion(Resize(MakeImage(3, 5, (_, _) => C), 9, 7, ResizingKind.Fill, Anchor.Center), 0, 0, 9, 7, C, "enlarged uniform image");
    }

    [TestMethod]
    public void SameSizeIsACopy()
    {
        var source = MakeImage(5, 3, (x, y) => ((byte)(x * 40), (byte)(y * 60), (byte)(x + y), (byte)(255 - x)));
        foreach (var kind in Enum.GetValues<ResizingKind>())
            CollectionAssert.AreEqual(source.Pixels.ToArray(), Resize(source, 5, 3, kind, Anchor.Center).Pixels.ToArray(), kind.ToString());
    }

    [TestMethod]
    public void RgbaImagesAreResizedInTheirColors()
    {
        var rgba = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, new byte[] { 30, 20, 10, 255, 30, 20, 10, 255 });
        var resized = Resize(rgba, 1, 1, ResizingKind.Fill, Anchor.Center);
        Assert.AreEqual(MLPixelFormat.Bgra32, resized.PixelFormat);
        Assert.AreEqual(((byte)10, (byte)20, (byte)30, (byte)255), At(resized, 0, 0));
    }

    [TestMethod]
    public void WrongColumnTypeNamesColumnExpectedAndActual()
    {
        var ml = new MLContext(1);
        var data = Paths(ml, "a.png");
        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.Transforms.ResizeImages("Out", 4, 4, nameof(ImagePathRow.ImagePath)).Fit(data));
        StringAssert.Contains(e.Message, "ResizeImages");
        StringAssert.Contains(e.Message, "'ImagePath'");
        StringAssert.Contains(e.Message, "String");
        StringAssert.Contains(e.Message, "Image");
        var missing = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.Transforms.ResizeImages("Out", 4, 4, "Nope").Fit(data));
        StringAssert.Contains(missing.Message, "'ImagePath'");
    }
}
