using Microsoft.ML.Data;

namespace CnnMl.Datasets.Tests;

/// <summary>The CIFAR-10/100 binary readers on batches the tests write.</summary>
[TestClass]
public sealed class CifarTests
{
    private static void WriteCifar10(TempFolder folder, int perBatch = 3)
    {
        for (int b = 1; b <= 5; b++)
            DatasetFiles.WriteCifar(folder.File($"data_batch_{b}.bin"), Enumerable.Range(0, perBatch).Select(i => new[] { (byte)((b * perBatch + i) % 10) }).ToArray(), (b - 1) * perBatch);
        DatasetFiles.WriteCifar(folder.File("test_batch.bin"), new[] { new byte[] { 9 }, new byte[] { 0 } });
    }

    [TestMethod]
    public void Cifar10ReadsAllBatchesInOrderWithRgbChw()
    {
        using var folder = new TempFolder();
        WriteCifar10(folder);
        var data = Cifar10.Load(new MLContext(), folder.Path);
        Assert.AreEqual(15L, data.GetRowCount());
        CollectionAssert.AreEqual(Enumerable.Range(0, 15).Select(i => (uint)((i + 3) % 10 + 1)).ToList(), Rows.Keys(data));
        CollectionAssert.AreEqual(Cifar10.DefaultClassNames.ToArray(), Rows.KeyValues(data));
        CollectionAssert.AreEqual(new[] { 3, 32, 32 }, ((VectorDataViewType)data.Schema["Features"].Type).Dimensions.ToArray());
        var features = Rows.Features(data);
        for (int i = 0; i < 15; i++)
            CollectionAssert.AreEqual(DatasetFiles.Pixels(i + 1, 3072).AsSpan(i * 3072).ToArray(), Rows.Bytes(features[i]), $"row {i}");
        CollectionAssert.AreEqual(new uint[] { 10, 1 }, Rows.Keys(Cifar10.Load(new MLContext(), folder.Path, train: false)));
    }

    [TestMethod]
    public void Cifar10TakesNamesFromBatchesMeta()
    {
        using var folder = new TempFolder();
        WriteCifar10(folder);
        var names = Enumerable.Range(0, 10).Select(i => $"class {i}").ToArray();
        File.WriteAllText(folder.File("batches.meta.txt"), string.Join("\n", names) + "\n\n");
        CollectionAssert.AreEqual(names, Rows.KeyValues(Cifar10.Load(new MLContext(), folder.Path)));
        File.WriteAllText(folder.File("batches.meta.txt"), "only\ntwo\n");
        var e = Assert.ThrowsException<InvalidDataException>(() => Cifar10.Load(new MLContext(), folder.Path));
        StringAssert.Contains(e.Message, folder.File("batches.meta.txt"));
    }

    [TestMethod]
    public void Cifar100HasFineAndCoarseLabels()
    {
        using var folder = new TempFolder();
        DatasetFiles.WriteCifar(folder.File("train.bin"), new[] { new byte[] { 4, 72 }, new byte[] { 19, 99 }, new byte[] { 0, 0 } });
        File.WriteAllLines(folder.File("coarse_label_names.txt"), Enumerable.Range(0, 20).Select(i => $"super{i}"));
        var data = Cifar100.Load(new MLContext(), folder.Path);
        CollectionAssert.AreEqual(new uint[] { 73, 100, 1 }, Rows.Keys(data, "Label"));
        CollectionAssert.AreEqual(new uint[] { 5, 20, 1 }, Rows.Keys(data, "CoarseLabel"));
        Assert.AreEqual("seal", Rows.KeyValues(data, "Label")[72]);
        Assert.AreEqual("super19", Rows.KeyValues(data, "CoarseLabel")[19]);
        CollectionAssert.AreEqual(DatasetFiles.Pixels(3, 3072).AsSpan(2 * 3072).ToArray(), Rows.Bytes(Rows.Features(data)[2]));
    }

    [TestMethod]
    public void TruncatedBatchNamesTheFile()
    {
        using var folder = new TempFolder();
        WriteCifar10(folder);
        var batch = folder.File("data_batch_3.bin");
        var bytes = File.ReadAllBytes(batch);
        File.WriteAllBytes(batch, bytes[..^100]);
        var e = Assert.ThrowsException<InvalidDataException>(() => Cifar10.Load(new MLContext(), folder.Path));
        StringAssert.Contains(e.Message, batch);
        StringAssert.Contains(e.Message, "3073-byte records");
    }

    [TestMethod]
    public void LabelOutOfRangeNamesTheFileAndRecord()
    {
        using var folder = new TempFolder();
        DatasetFiles.WriteCifar(folder.File("test.bin"), new[] { new byte[] { 1, 5 }, new byte[] { 20, 5 } });
        var e = Assert.ThrowsException<InvalidDataException>(() => Cifar100.Load(new MLContext(), folder.Path, train: false));
        StringAssert.Contains(e.Message, folder.File("test.bin"));
        StringAssert.Contains(e.Message, "record 1");
        StringAssert.Contains(e.Message, "CoarseLabel 20");
    }

    [TestMethod]
    public void MissingBatchNamesTheFileAndWhereToGetIt()
    {
        using var folder = new TempFolder();
        WriteCifar10(folder);
        File.Delete(folder.File("data_batch_4.bin"));
        var e = Assert.ThrowsException<FileNotFoundException>(() => Cifar10.Load(new MLContext(), folder.Path));
        StringAssert.Contains(e.Message, folder.File("data_batch_4.bin"));
        StringAssert.Contains(e.Message, "cifar-10-binary.tar.gz");
    }
}
