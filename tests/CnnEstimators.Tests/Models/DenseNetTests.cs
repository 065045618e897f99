using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>DenseNet against torchvision's densenet121/169/201 (and its DenseNet class for 264); the small DenseNet.</summary>
[TestClass]
public sealed class DenseNetTests
{
    private static TorchvisionFamilyReference? reference;

    [ClassInitialize]
    public static void Export(TestContext context) =>
        reference = TorchvisionFamilyReference.Export("densenet", "densenet121", "densenet169", "densenet201", "densenet264");

    [ClassCleanup]
    public static void Cleanup() => reference?.Dispose();

    [TestMethod]
    [DataRow("densenet121", 7_978_856L)]
    [DataRow("densenet169", 14_149_480L)]
    [DataRow("densenet201", 20_013_928L)]
    [DataRow("densenet264", 33_337_704L)]
    public void ParameterCountsAndStateDictEqualTorchvision(string name, long parameters)
    {
        using var model = ModelZoo.Create(name);
        Assert.AreEqual(parameters, model.parameters().Sum(p => p.numel()));
        reference!.AssertSameStateDict(name, model);
        Assert.IsTrue(model.state_dict().ContainsKey("features.denseblock1.denselayer1.norm1.weight"));
    }

    [TestMethod]
    public void ReproducesTorchvisionLogitsLossAndGradient()
    {
        using var model = DenseNet.DenseNet121();
        reference!.AssertReproduces("densenet121", model);
    }

    [TestMethod]
    public void MultiplyAccumulatesMatchTorchvision()
    {
        using var model = ModelZoo.Create("densenet121");
        FamilyChecks.AssertMacs(model, 224, 2.834);
    }

    [TestMethod]
    public void GrowthRateAndBottleneckSizeShapeTheLayers()
    {
        using var model = DenseNet.DenseNet121(numClasses: 10, inChannels: 1, growthRate: 12, bnSize: 2);
        var sd = model.state_dict();
        CollectionAssert.AreEqual(new long[] { 64, 1, 7, 7 }, sd["features.conv0.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 24, 64, 1, 1 }, sd["features.denseblock1.denselayer1.conv1.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 12, 24, 3, 3 }, sd["features.denseblock1.denselayer1.conv2.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 24, 64 + 5 * 12, 1, 1 }, sd["features.denseblock1.denselayer6.conv1.weight"].shape);
        // 64 + 6*12 = 136 -> 68; + 12*12 = 212 -> 106; + 24*12 = 394 -> 197; + 16*12 = 389.
        CollectionAssert.AreEqual(new long[] { 68, 136, 1, 1 }, sd["features.transition1.conv.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 10, 389 }, sd["classifier.weight"].shape);
        using var scope = NewDisposeScope();
        model.eval();
        using (no_grad()) CollectionAssert.AreEqual(new long[] { 2, 10 }, model.call(randn(2, 1, 32, 32)).shape);
    }

    [TestMethod]
    public void SmallDenseNetHasFourBlocksOfFourPlainLayers()
    {
        using var model = ModelZoo.Create("densenet_small", numClasses: 10);
        Assert.AreEqual(1, model.InChannels);
        var sd = model.state_dict();
        for (int block = 1; block <= 4; block++)
        {
            Assert.IsTrue(sd.ContainsKey($"features.denseblock{block}.denselayer4.conv1.weight"));
            Assert.IsFalse(sd.ContainsKey($"features.denseblock{block}.denselayer5.conv1.weight"));
            Assert.IsFalse(sd.ContainsKey($"features.denseblock{block}.denselayer1.conv2.weight"), "no bottleneck");
        }
        CollectionAssert.AreEqual(new long[] { 32, 64, 3, 3 }, sd["features.denseblock1.denselayer1.conv1.weight"].shape);
        // Channels: 64 + 4*32 = 192 -> 96 -> 224 -> 112 -> 240 -> 120 -> 248.
        CollectionAssert.AreEqual(new long[] { 96, 192, 1, 1 }, sd["features.transition1.conv.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 112, 224, 1, 1 }, sd["features.transition2.conv.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 120, 240, 1, 1 }, sd["features.transition3.conv.weight"].shape);
        Assert.IsFalse(sd.ContainsKey("features.transition4.conv.weight"));
        CollectionAssert.AreEqual(new long[] { 10, 248 }, sd["classifier.weight"].shape);
        Assert.AreEqual(96, ModelZoo.Describe("densenet_small").DefaultInputSize);
        using var scope = NewDisposeScope();
        model.train();
        var features = model.features(randn(2, 1, 96, 96));
        CollectionAssert.AreEqual(new long[] { 2, 248, 3, 3 }, features.shape);
        CollectionAssert.AreEqual(new long[] { 2, 10 }, model.head(features).shape);
    }

    [TestMethod]
    public void RejectsInputBelowMinimumSize()
    {
        using var model = ModelZoo.Create("densenet121", numClasses: 10);
        FamilyChecks.AssertMinimumSize(model, 29);
    }

    [TestMethod]
    public void ResetClassifierKeepsFeatures()
    {
        using var model = DenseNet.Small(numClasses: 10);
        CollectionAssert.AreEqual(new[] { "classifier.weight", "classifier.bias" }, model.ClassifierParameterNames.ToArray());
        FamilyChecks.AssertResetClassifier(model, 32);
    }

    [TestMethod]
    public void DropRateAppliesInTrainingOnly()
    {
        using var scope = NewDisposeScope();
        using var model = DenseNet.Small(numClasses: 3, dropRate: 0.5);
        var x = randn(2, 1, 40, 40);
        using (no_grad())
        {
            model.eval();
            Assert.IsTrue(model.call(x).equal(model.call(x)), "eval is deterministic");
            // Batch norm with batch statistics is deterministic too, so any difference is the dropout.
            model.train();
            Assert.IsFalse(model.call(x).equal(model.call(x)), "dropout after every dense layer in training");
        }
        using var plain = DenseNet.Small(numClasses: 3);
        plain.train();
        using (no_grad()) Assert.IsTrue(plain.call(x).equal(plain.call(x)), "no dropout by default");
    }
}
