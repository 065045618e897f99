using CnnMl.Data;
using CnnMl.Transforms.Image;
using static CnnMl.Core.Tests.Image.ImageTestSupport;

namespace CnnMl.Core.Tests.Image;

/// <summary>LoadImages, LoadRawImageBytes and MLImage: laziness, errors that name file and row, and the MLImage API.</summary>
[TestClass]
public sealed class ImageLoadingTests
{
    private string directory = "";

    [TestInitialize]
    public void CreateFolder()
    {
        directory = NewTempDirectory();
        MakeImage(3, 2, (x, y) => ((byte)(x * 50), (byte)(y * 70), 90, 255)).Save(Path.Combine(directory, "good.png"));
        File.WriteAllBytes(Path.Combine(directory, "corrupt.png"), new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5, 6, 7 });
    }

    [TestCleanup]
    public void DeleteFolder() => DeleteQuietly(directory);

    private IDataView Load(MLContext ml, params string[] files)
    {
        var paths = Paths(ml, files);
        return ml.Transforms.LoadImages("Image", directory, nameof(ImagePathRow.ImagePath)).Fit(paths).Transform(paths);
    }

    [TestMethod]
    public void LoadsImagesWithTheirSizeAndTag()
    {
        var ml = new MLContext(1);
        var view = Load(ml, "good.png", "good.png");
        Assert.AreEqual(new ImageDataViewType(), view.Schema["Image"].Type);
        var images = Column<MLImage>(view, "Image");
        Assert.AreEqual(2, images.Count);
        Assert.AreEqual(3, images[0].Width);
        Assert.AreEqual(2, images[0].Height);
        Assert.AreEqual(Path.Combine(directory, "good.png"), images[0].Tag);
        Assert.AreEqual(((byte)100, (byte)70, (byte)90, (byte)255), At(images[0], 2, 1));
    }

    [TestMethod]
    public void MissingFileErrorNamesFileAndRowOnlyWhenRead()
    {
        var ml = new MLContext(1);
        var view = Load(ml, "good.png", "missing.png");
        var column = view.Schema["Image"];
        using var cursor = view.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<MLImage>(column);
        MLImage image = null!;
        Assert.IsTrue(cursor.MoveNext());
        getter(ref image);
        Assert.IsTrue(cursor.MoveNext()); // lazy: moving onto the row reads nothing
        var e = Assert.ThrowsException<InvalidOperationException>(() => getter(ref image));
        StringAssert.Contains(e.Message, "LoadImages");
        StringAssert.Contains(e.Message, "missing.png");
        StringAssert.Contains(e.Message, "(row 1)");
        StringAssert.Contains(e.Message, "does not exist");
    }

    [TestMethod]
    public void CorruptFileErrorNamesFileAndRow()
    {
        var ml = new MLContext(1);
        var view = Load(ml, "good.png", "good.png", "corrupt.png");
        var e = Assert.ThrowsException<InvalidOperationException>(() => Column<MLImage>(view, "Image"));
        StringAssert.Contains(e.Message, "corrupt.png");
        StringAssert.Contains(e.Message, "(row 2)");
        StringAssert.Contains(e.Message, "decode");
        // The error surfaces through downstream transforms unchanged.
        var pixels = ml.Transforms.ResizeImages("Small", 2, 2, "Image").Append(ml.Transforms.ExtractPixels("Features", "Small")).Fit(view).Transform(view);
        var through = Assert.ThrowsException<InvalidOperationException>(() => Column<VBuffer<float>>(pixels, "Features"));
        StringAssert.Contains(through.Message, "corrupt.png");
    }

    [TestMethod]
    public void EmptyPathIsAnErrorNamingTheColumnAndRow()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsException<InvalidOperationException>(() => Column<MLImage>(Load(ml, "good.png", ""), "Image"));
        StringAssert.Contains(e.Message, "row 1");
        StringAssert.Contains(e.Message, "'ImagePath'");
    }

    [TestMethod]
    public void WrongInputColumnTypeNamesColumnExpectedAndActual()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new List<NumberRow> { new() { Path = 1f } });
        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.Transforms.LoadImages("Image", directory, "Path").Fit(data));
        StringAssert.Contains(e.Message, "'Path'");
        StringAssert.Contains(e.Message, "R4");
        StringAssert.Contains(e.Message, "String");
    }

    public sealed class NumberRow
    {
        public float Path { get; set; }
    }

    [TestMethod]
    public void RawBytesAreTheFileBytes()
    {
        var ml = new MLContext(1);
        var paths = Paths(ml, "good.png", "corrupt.png");
        var view = ml.Transforms.LoadRawImageBytes("Bytes", directory, nameof(ImagePathRow.ImagePath)).Fit(paths).Transform(paths);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Byte), view.Schema["Bytes"].Type);
        var rows = Column<VBuffer<byte>>(view, "Bytes");
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(directory, "good.png")), rows[0].GetValues().ToArray());
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(directory, "corrupt.png")), rows[1].GetValues().ToArray());
        var missing = ml.Transforms.LoadRawImageBytes("Bytes", directory, nameof(ImagePathRow.ImagePath)).Fit(paths).Transform(Paths(ml, "none.jpg"));
        var e = Assert.ThrowsException<InvalidOperationException>(() => Column<VBuffer<byte>>(missing, "Bytes"));
        StringAssert.Contains(e.Message, "LoadRawImageBytes");
        StringAssert.Contains(e.Message, "none.jpg");
    }

    [TestMethod]
    public void NullImageFolderUsesPathsAsTheyAre()
    {
        var ml = new MLContext(1);
        var paths = Paths(ml, Path.Combine(directory, "good.png"));
        var view = ml.Transforms.LoadImages("Image", null, nameof(ImagePathRow.ImagePath)).Fit(paths).Transform(paths);
        Assert.AreEqual(3, Column<MLImage>(view, "Image").Single().Width);
    }

    [TestMethod]
    public void MLImageRoundTripsThroughFilesStreamsAndPixels()
    {
        var source = MakeImage(4, 3, (x, y) => ((byte)(x * 60), (byte)(y * 80), (byte)(x * y * 20), (byte)(200 + x)));
        var png = Path.Combine(directory, "saved.png");
        source.Save(png);
        var fromFile = MLImage.CreateFromFile(png);
        Assert.AreEqual(MLPixelFormat.Bgra32, fromFile.PixelFormat);
        Assert.AreEqual(32, fromFile.BitsPerPixel);
        CollectionAssert.AreEqual(source.Pixels.ToArray(), fromFile.Pixels.ToArray());
        using (var stream = File.OpenRead(png))
            CollectionAssert.AreEqual(source.Pixels.ToArray(), MLImage.CreateFromStream(stream).Pixels.ToArray());
        var bmp = Path.Combine(directory, "saved.bmp");
        source.Save(bmp);
        var fromBmp = MLImage.CreateFromFile(bmp);
        Assert.AreEqual(((byte)180, (byte)160, (byte)120, (byte)255), At(fromBmp, 3, 2)); // BMP drops alpha
        Assert.ThrowsException<FileNotFoundException>(() => MLImage.CreateFromFile(Path.Combine(directory, "none.png")));
        var corrupt = Assert.ThrowsException<InvalidDataException>(() => MLImage.CreateFromFile(Path.Combine(directory, "corrupt.png")));
        StringAssert.Contains(corrupt.Message, "corrupt.png");
        Assert.ThrowsException<ArgumentException>(() => MLImage.CreateFromPixels(2, 2, MLPixelFormat.Bgra32, new byte[15]));
        fromFile.Dispose();
        Assert.ThrowsException<ObjectDisposedException>(() => fromFile.Pixels.Length);
    }

    [TestMethod]
    public void MLImageMembersMapToImageColumnsBothWays()
    {
        var ml = new MLContext(1);
        var image = MakeImage(2, 2, (_, _) => (1, 2, 3, 4));
        var data = ml.Data.LoadFromEnumerable(new List<ImageResizingTests.ImageRow> { new() { Image = image } });
        Assert.AreEqual(new ImageDataViewType(), data.Schema["Image"].Type);
        var back = ml.Data.CreateEnumerable<ImageResizingTests.ImageRow>(data, reuseRowObject: false).Single();
        Assert.AreSame(image, back.Image);
    }
}
