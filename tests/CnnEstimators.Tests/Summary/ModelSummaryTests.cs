using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

[TestClass]
public sealed class ModelSummaryTests
{
    [TestMethod]
    [DataRow("resnet18", 224, 1.814)]
    [DataRow("resnet50", 224, 4.089)]
    [DataRow("vgg16", 224, 15.47)]
    [DataRow("alexnet", 224, 0.714)]
    public void MultiplyAccumulatesMatchTorchvision(string name, int size, double gflops)
    {
        using var model = ModelZoo.Create(name);
        var summary = ModelSummary.Summary(model, 3, size, size);
        Console.WriteLine($"{name}: {summary.GigaMacs:F4} GMACs, {summary.TotalParameters:N0} parameters");
        Assert.AreEqual(gflops, summary.GigaMacs, gflops * 0.02, $"{name}: {summary.GigaMacs:F3} GMACs");
        Assert.AreEqual(model.parameters().Sum(p => p.numel()), summary.TotalParameters);
        Assert.AreEqual(summary.TotalParameters, summary.Layers.Sum(l => l.Parameters), "every parameter belongs to a leaf layer");
    }

    [TestMethod]
    public void TableListsLeafLayersWithShapesAndTotals()
    {
        using var model = LeNet.LeNet5();
        model.train();
        var summary = ModelSummary.Summary(model, 1, 28, 28);
        Assert.IsTrue(model.training, "training mode is restored");
        var first = summary.Layers[0];
        Assert.AreEqual("features.0", first.Name);
        Assert.AreEqual("Conv2d", first.Type);
        CollectionAssert.AreEqual(new long[] { 1, 6, 28, 28 }, first.OutputShape);
        Assert.AreEqual(156, first.Parameters);
        Assert.AreEqual(6L * 28 * 28 * 25, first.MultiplyAccumulates);
        var last = summary.Layers[^1];
        Assert.AreEqual("classifier.5", last.Name);
        CollectionAssert.AreEqual(new long[] { 1, 10 }, last.OutputShape);
        Assert.AreEqual(61_706, summary.TotalParameters);
        var text = summary.ToString();
        StringAssert.Contains(text, "features.3");
        StringAssert.Contains(text, "[1, 16, 10, 10]");
        StringAssert.Contains(text, "Total params: 61,706");
    }

    [TestMethod]
    public void BatchDimensionDoesNotChangePerSampleCounts()
    {
        using var model = ResNet.ResNet18(10, smallInput: true);
        var one = ModelSummary.Summary(model, 3, 32, 32);
        var four = ModelSummary.Summary(model, 4, 3, 32, 32);
        Assert.AreEqual(one.TotalMultiplyAccumulates, four.TotalMultiplyAccumulates);
        Assert.AreEqual(4, four.Layers[0].OutputShape[0]);
        Assert.AreEqual(one.Layers.Count, four.Layers.Count);
    }

    [TestMethod]
    public void ItsHooksAreGoneAfterwards()
    {
        using var model = LeNet.LeNet5();
        var summary = ModelSummary.Summary(model, 1, 28, 28);
        var rows = summary.Layers.Count;
        using var scope = NewDisposeScope();
        using (no_grad()) model.call(zeros(1, 1, 28, 28));
        Assert.AreEqual(rows, summary.Layers.Count, "a hook left behind would add a row to the summary at every later forward pass");
    }
}
