namespace CnnMl.Datasets.Tests;

/// <summary>The IDX reader on files the tests write: values, gzip and raw, options, and every error naming its file.</summary>
[TestClass]
public sealed class IdxDatasetTests
{
    private static readonly string[] Classes = { "a", "b", "c" };

    private static (string Images, string Labels) Write(TempFolder folder, bool gzip, int count = 6, int height = 4, int width = 5, byte[]? labels = null)
    {
        var images = folder.File(gzip ? "images.gz" : "images");
        var labelFile = folder.File(gzip ? "labels.gz" : "labels");
        DatasetFiles.WriteIdx(images, new[] { count, height, width }, DatasetFiles.Pixels(count, height * width), gzip);
        DatasetFiles.WriteIdx(labelFile, new[] { labels?.Length ?? count }, labels ?? Enumerable.Range(0, count).Select(i => (byte)(i % 3)).ToArray(), gzip);
        return (images, labelFile);
    }

    [DataTestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void ReadsPixelsAndLabelsGzipOrRaw(bool gzip)
    {
        using var folder = new TempFolder();
        var (images, labels) = Write(folder, gzip);
        var data = IdxDataset.Load(new MLContext(), images, labels, Classes);
        Assert.AreEqual(6L, data.GetRowCount());
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3, 1, 2, 3 }, Rows.Keys(data));
        CollectionAssert.AreEqual(Classes, Rows.KeyValues(data));
        var features = Rows.Features(data);
        var expected = DatasetFiles.Pixels(6, 20);
        for (int i = 0; i < 6; i++)
        {
            Assert.AreEqual(20, features[i].Length);
            for (int j = 0; j < 20; j++) Assert.AreEqual(expected[i * 20 + j] / 255f, features[i][j], $"row {i} item {j}");
        }
    }

    [TestMethod]
    public void FeaturesAreChwWithOneChannel()
    {
        using var folder = new TempFolder();
        var (images, labels) = Write(folder, gzip: false);
        var type = (VectorDataViewType)IdxDataset.Load(new MLContext(), images, labels, Classes).Schema["Features"].Type;
        CollectionAssert.AreEqual(new[] { 1, 4, 5 }, type.Dimensions.ToArray());
    }

    [TestMethod]
    public void CursorShuffleAndIdsFollowTheRows()
    {
        using var folder = new TempFolder();
        var (images, labels) = Write(folder, gzip: false, count: 30, labels: Enumerable.Range(0, 30).Select(i => (byte)(i % 3)).ToArray());
        var data = IdxDataset.Load(new MLContext(), images, labels, Classes);
        var column = data.Schema["Features"];
        using var cursor = data.GetRowCursor(new[] { column }, new Random(3));
        var get = cursor.GetGetter<VBuffer<float>>(column);
        var id = cursor.GetIdGetter();
        var pixels = DatasetFiles.Pixels(30, 20);
        var seen = new List<ulong>();
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            get(ref value);
            DataViewRowId rowId = default;
            id(ref rowId);
            seen.Add(rowId.Low);
            CollectionAssert.AreEqual(pixels.AsSpan((int)rowId.Low * 20, 20).ToArray(), Rows.Bytes(value.GetValues().ToArray()), $"row {rowId.Low}");
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 30).Select(i => (ulong)i).ToList(), seen);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 30).Select(i => (ulong)i).ToList(), seen, "a cursor with a Random visits rows shuffled");
    }

    [TestMethod]
    public void WrongMagicNumberNamesTheFile()
    {
        using var folder = new TempFolder();
        var (_, labels) = Write(folder, gzip: true);
        var images = folder.File("bad-magic");
        DatasetFiles.WriteIdx(images, new[] { 6, 4, 5 }, DatasetFiles.Pixels(6, 20), gzip: true, magic: 0x12340803);
        var e = Assert.ThrowsException<InvalidDataException>(() => IdxDataset.Load(new MLContext(), images, labels, Classes));
        StringAssert.Contains(e.Message, images);
        StringAssert.Contains(e.Message, "magic");
    }

    [DataTestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void TruncatedFileNamesTheFile(bool gzip)
    {
        using var folder = new TempFolder();
        var (_, labels) = Write(folder, gzip);
        var images = folder.File("truncated");
        DatasetFiles.WriteIdx(images, new[] { 6, 4, 5 }, DatasetFiles.Pixels(5, 20), gzip);
        var e = Assert.ThrowsException<InvalidDataException>(() => IdxDataset.Load(new MLContext(), images, labels, Classes));
        StringAssert.Contains(e.Message, images);
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void ImageLabelCountMismatchNamesBothFiles()
    {
        using var folder = new TempFolder();
        var (images, labels) = Write(folder, gzip: true, count: 6, labels: new byte[] { 0, 1, 2, 0, 1 });
        var e = Assert.ThrowsException<InvalidDataException>(() => IdxDataset.Load(new MLContext(), images, labels, Classes));
        StringAssert.Contains(e.Message, images);
        StringAssert.Contains(e.Message, labels);
        StringAssert.Contains(e.Message, "6 images");
        StringAssert.Contains(e.Message, "5 labels");
    }

    [TestMethod]
    public void LabelOutOfRangeNamesTheFileAndRow()
    {
        using var folder = new TempFolder();
        var (images, labels) = Write(folder, gzip: false, labels: new byte[] { 0, 1, 2, 3, 1, 0 });
        var e = Assert.ThrowsException<InvalidDataException>(() => IdxDataset.Load(new MLContext(), images, labels, Classes));
        StringAssert.Contains(e.Message, labels);
        StringAssert.Contains(e.Message, "row 3");
    }

    [TestMethod]
    public void MissingFileIsNamed()
    {
        using var folder = new TempFolder();
        var missing = folder.File("nothing-here");
        var e = Assert.ThrowsException<FileNotFoundException>(() => IdxDataset.Load(new MLContext(), missing, missing, Classes));
        StringAssert.Contains(e.Message, missing);
    }

    [TestMethod]
    public void MnistAndKmnistReadTheStandardFileNames()
    {
        using var folder = new TempFolder();
        DatasetFiles.WriteIdx(folder.File("t10k-images-idx3-ubyte"), new[] { 4, 28, 28 }, DatasetFiles.Pixels(4, 784), gzip: false);
        DatasetFiles.WriteIdx(folder.File("t10k-labels-idx1-ubyte.gz"), new[] { 4 }, new byte[] { 7, 2, 1, 0 }, gzip: true);
        var mnist = Mnist.Load(new MLContext(), folder.Path, train: false);
        CollectionAssert.AreEqual(new uint[] { 8, 3, 2, 1 }, Rows.Keys(mnist));
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray(), Rows.KeyValues(mnist));
        Assert.AreEqual("ya", Rows.KeyValues(Kmnist.Load(new MLContext(), folder.Path, train: false))[7]);
        var e = Assert.ThrowsException<FileNotFoundException>(() => Mnist.Load(new MLContext(), folder.Path, train: true));
        StringAssert.Contains(e.Message, folder.File("train-images-idx3-ubyte.gz"));
    }
}
