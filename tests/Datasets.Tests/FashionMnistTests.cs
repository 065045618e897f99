using System.Text.Json;
using Microsoft.ML.Data;

namespace CnnMl.Datasets.Tests;

/// <summary>The real Fashion-MNIST of Debian's dataset-fashion-mnist, against numpy's reading of the same files.</summary>
[TestClass]
public sealed class FashionMnistTests
{
    private static JsonElement reference;

    [ClassInitialize]
    public static void ReadReference(TestContext _)
    {
        Assert.IsTrue(Directory.Exists(FashionMnist.DefaultDirectory), $"{FashionMnist.DefaultDirectory} is missing: install dataset-fashion-mnist (scripts/bootstrap.sh does)");
        reference = JsonDocument.Parse(PythonReference.Run("fashion-mnist", FashionMnist.DefaultDirectory)).RootElement;
    }

    [DataTestMethod]
    [DataRow(true, "train", 60000, 6000)]
    [DataRow(false, "test", 10000, 1000)]
    public void CountsAndPerClassCountsMatchNumpy(bool train, string split, int rows, int perClass)
    {
        var data = FashionMnist.Load(new MLContext(1), train);
        Assert.AreEqual(rows, data.GetRowCount());
        var keys = Rows.Keys(data);
        Assert.AreEqual(rows, keys.Count);
        var counts = Enumerable.Range(1, 10).Select(k => keys.Count(x => x == k)).ToArray();
        CollectionAssert.AreEqual(Enumerable.Repeat(perClass, 10).ToArray(), counts);
        CollectionAssert.AreEqual(reference.GetProperty(split).GetProperty("per_class").EnumerateArray().Select(e => e.GetInt32()).ToArray(), counts);
    }

    [DataTestMethod]
    [DataRow(true, "train")]
    [DataRow(false, "test")]
    public void FirstAndLastImagesMatchNumpy(bool train, string split)
    {
        var expected = reference.GetProperty(split);
        var data = FashionMnist.Load(new MLContext(1), train);
        var keys = Rows.Keys(data);
        var features = Rows.Features(data);
        Assert.AreEqual(expected.GetProperty("first_label").GetInt32() + 1, (int)keys[0], "first label (key = label + 1)");
        Assert.AreEqual(expected.GetProperty("last_label").GetInt32() + 1, (int)keys[^1], "last label");
        Assert.AreEqual(expected.GetProperty("first_byte_sum").GetInt64(), Rows.Bytes(features[0]).Sum(b => (long)b), "first image byte sum");
        Assert.AreEqual(expected.GetProperty("last_byte_sum").GetInt64(), Rows.Bytes(features[^1]).Sum(b => (long)b), "last image byte sum");
        Assert.AreEqual(expected.GetProperty("first_float_sum").GetDouble(), features[0].Sum(v => (double)v), 1e-9, "first image float sum (b / 255f)");
        Assert.IsTrue(features.All(f => f.Length == 784 && f.All(v => v is >= 0 and <= 1)));
    }

    [TestMethod]
    public void SchemaHasKeyLabelWithClassNamesAndChwFeatures()
    {
        var data = FashionMnist.Load(new MLContext(), train: false);
        var label = data.Schema["Label"];
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), label.Type);
        CollectionAssert.AreEqual(new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" }, Rows.KeyValues(data));
        var features = (VectorDataViewType)data.Schema["Features"].Type;
        Assert.AreEqual(NumberDataViewType.Single, features.ItemType);
        CollectionAssert.AreEqual(new[] { 1, 28, 28 }, features.Dimensions.ToArray());
    }

    [TestMethod]
    public void MaxRowsAndSeededShuffleSelectAndOrderRows()
    {
        var all = Rows.Keys(FashionMnist.Load(new MLContext(), train: false));
        var first = FashionMnist.Load(new MLContext(), train: false, options: new DatasetLoadOptions { MaxRows = 100 });
        Assert.AreEqual(100, first.GetRowCount());
        CollectionAssert.AreEqual(all.Take(100).ToList(), Rows.Keys(first));
        var options = new DatasetLoadOptions { MaxRows = 100, Shuffle = true, Seed = 7 };
        var a = Rows.Keys(FashionMnist.Load(new MLContext(), train: false, options: options));
        var b = Rows.Keys(FashionMnist.Load(new MLContext(), train: false, options: options));
        CollectionAssert.AreEqual(a, b, "the same seed gives the same order");
        CollectionAssert.AreNotEqual(all.Take(100).ToList(), a, "shuffled");
        CollectionAssert.AreEquivalent(all.Take(100).ToList(), a, "the same rows");
    }

    [TestMethod]
    public void ReadImageSetStillAgreesWithTheView()
    {
        var set = FashionMnist.ReadImageSet(train: false);
        var features = Rows.Features(FashionMnist.Load(new MLContext(), train: false, options: new DatasetLoadOptions { MaxRows = 3 }));
        for (int i = 0; i < 3; i++) CollectionAssert.AreEqual(set.Image(i).ToArray(), Rows.Bytes(features[i]));
    }

    [TestMethod]
    public void MissingFolderNamesTheFileAndWhatToGet()
    {
        using var empty = new TempFolder();
        var e = Assert.ThrowsException<FileNotFoundException>(() => FashionMnist.Load(new MLContext(), directory: empty.Path));
        StringAssert.Contains(e.Message, empty.File("train-images-idx3-ubyte.gz"));
        StringAssert.Contains(e.Message, "never downloads");
    }
}
