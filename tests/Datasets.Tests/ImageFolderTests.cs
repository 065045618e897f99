using Microsoft.ML.Data;
using CnnMl.Torch.Imaging;

namespace CnnMl.Datasets.Tests;

/// <summary>ExportToImageFolder and the image folder dataset, round trip through PNG files.</summary>
[TestClass]
public sealed class ImageFolderTests
{
    private static IDataView SmallCifar(TempFolder folder, int rows = 12)
    {
        DatasetFiles.WriteCifar(folder.File("test_batch.bin"), Enumerable.Range(0, rows).Select(i => new[] { (byte)(i % 3) }).ToArray());
        return Cifar10.Load(new MLContext(), folder.Path, train: false);
    }

    [TestMethod]
    public void ExportWritesPngsInClassFoldersThatDecodeToTheSamePixels()
    {
        using var source = new TempFolder();
        using var target = new TempFolder();
        var data = SmallCifar(source);
        var mlContext = new MLContext();
        Assert.AreEqual(12L, mlContext.Data.ExportToImageFolder(data, target.Path));
        CollectionAssert.AreEqual(new[] { "airplane", "automobile", "bird" }, Directory.GetDirectories(target.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        var path = Path.Combine(target.Path, "automobile", "00004.png");
        var bgr = ImageCodec.Decode(File.ReadAllBytes(path), out var width, out var height, out var channels);
        Assert.AreEqual((32, 32, 3), (width, height, channels));
        var expected = DatasetFiles.Pixels(5, 3072).AsSpan(4 * 3072).ToArray();
        for (int p = 0; p < 1024; p++)
            for (int c = 0; c < 3; c++)
                Assert.AreEqual(expected[c * 1024 + p], bgr[p * 3 + (2 - c)], $"pixel {p} channel {c}");
    }

    [TestMethod]
    public void FolderReadsBackClassesPathsAndLabels()
    {
        using var source = new TempFolder();
        using var target = new TempFolder();
        var mlContext = new MLContext();
        mlContext.Data.ExportToImageFolder(SmallCifar(source), target.Path);
        var folder = ImageFolder.Load(mlContext, target.Path);
        Assert.AreEqual(12L, folder.GetRowCount());
        CollectionAssert.AreEqual(new[] { "airplane", "automobile", "bird" }, Rows.KeyValues(folder));
        Assert.AreEqual(TextDataViewType.Instance, folder.Schema[ImageFolder.ImagePathColumnName].Type);
        var paths = Rows.Texts(folder, ImageFolder.ImagePathColumnName);
        var keys = Rows.Keys(folder);
        CollectionAssert.AreEqual(Enumerable.Repeat(1u, 4).Concat(Enumerable.Repeat(2u, 4)).Concat(Enumerable.Repeat(3u, 4)).ToList(), keys);
        Assert.AreEqual(Path.Combine(target.Path, "airplane", "00000.png"), paths[0]);
        Assert.AreEqual(Path.Combine(target.Path, "bird", "00011.png"), paths[^1]);
    }

    [TestMethod]
    public void GrayExportKeepsBytesAndMakesSafeFolderNames()
    {
        var mlContext = new MLContext();
        var data = FashionMnist.Load(mlContext, train: false, options: new DatasetLoadOptions { MaxRows = 20 });
        using var target = new TempFolder();
        mlContext.Data.ExportToImageFolder(data, target.Path);
        var loaded = ImageFolder.Load(mlContext, target.Path);
        Assert.IsTrue(Rows.KeyValues(loaded).Contains("T-shirt_top"), "'T-shirt/top' becomes a single folder name");
        var features = Rows.Features(data);
        var keys = Rows.Keys(data);
        var names = Rows.KeyValues(data);
        for (int i = 0; i < 20; i++)
        {
            var file = Path.Combine(target.Path, names[keys[i] - 1].Replace('/', '_'), $"{i:D5}.png");
            var gray = ImageCodec.Decode(File.ReadAllBytes(file), out var w, out var h, out var c);
            Assert.AreEqual((28, 28, 1), (w, h, c));
            CollectionAssert.AreEqual(Rows.Bytes(features[i]), gray, file);
        }
    }

    [TestMethod]
    public void SplitIsSeededAndStratified()
    {
        using var source = new TempFolder();
        using var target = new TempFolder();
        var mlContext = new MLContext();
        mlContext.Data.ExportToImageFolder(SmallCifar(source, rows: 30), target.Path);
        var split = ImageFolder.LoadSplit(mlContext, target.Path, validationFraction: 0.2, seed: 5);
        var again = ImageFolder.LoadSplit(mlContext, target.Path, validationFraction: 0.2, seed: 5);
        var other = ImageFolder.LoadSplit(mlContext, target.Path, validationFraction: 0.2, seed: 6);
        var validation = Rows.Texts(split.ValidationSet, ImageFolder.ImagePathColumnName);
        var train = Rows.Texts(split.TrainSet, ImageFolder.ImagePathColumnName);
        Assert.AreEqual(6, validation.Count);
        Assert.AreEqual(24, train.Count);
        Assert.AreEqual(0, validation.Intersect(train).Count());
        CollectionAssert.AreEqual(validation, Rows.Texts(again.ValidationSet, ImageFolder.ImagePathColumnName));
        CollectionAssert.AreNotEqual(validation, Rows.Texts(other.ValidationSet, ImageFolder.ImagePathColumnName));
        CollectionAssert.AreEqual(new[] { 2, 2, 2 }, Rows.Keys(split.ValidationSet).GroupBy(k => k).OrderBy(g => g.Key).Select(g => g.Count()).ToArray());
    }

    [TestMethod]
    public void UnreadableImageIsAnErrorNamingTheFile()
    {
        using var source = new TempFolder();
        using var target = new TempFolder();
        var mlContext = new MLContext();
        mlContext.Data.ExportToImageFolder(SmallCifar(source, rows: 3), target.Path);
        var broken = Path.Combine(target.Path, "bird", "broken.png");
        File.WriteAllText(broken, "not a png");
        var e = Assert.ThrowsException<InvalidDataException>(() => ImageFolder.Load(mlContext, target.Path, validateImages: true));
        StringAssert.Contains(e.Message, broken);
        // Without validation the folder loads (the image transforms meet the file later).
        Assert.AreEqual(4L, ImageFolder.Load(mlContext, target.Path).GetRowCount());
    }

    [TestMethod]
    public void FolderErrorsNameTheFolder()
    {
        using var root = new TempFolder();
        var missing = Path.Combine(root.Path, "missing");
        StringAssert.Contains(Assert.ThrowsException<DirectoryNotFoundException>(() => ImageFolder.Load(new MLContext(), missing)).Message, missing);
        StringAssert.Contains(Assert.ThrowsException<InvalidDataException>(() => ImageFolder.Load(new MLContext(), root.Path)).Message, root.Path);
        var empty = Directory.CreateDirectory(Path.Combine(root.Path, "cats")).FullName;
        File.WriteAllText(Path.Combine(empty, "notes.txt"), "no images");
        StringAssert.Contains(Assert.ThrowsException<InvalidDataException>(() => ImageFolder.Load(new MLContext(), root.Path)).Message, empty);
    }
}
