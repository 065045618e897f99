using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

[TestClass]
public sealed class ModelZooTests
{
    public static IEnumerable<object[]> RegisteredModels => ModelZoo.Names.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(RegisteredModels))]
    public void ForwardAndBackwardAtMinimumInputSize(string name)
    {
        var info = ModelZoo.Describe(name);
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        using var model = ModelZoo.Create(name, numClasses: 5);
        Assert.AreEqual(5, model.NumClasses);
        Assert.AreEqual(info.DefaultInChannels, model.InChannels);
        Assert.AreEqual(info.MinimumInputSize, model.MinimumInputSize, "metadata and model disagree on the minimum size");
        Assert.AreEqual(info.ExactInputSize, model.RequiredInputSize is not null);
        CollectionAssert.AreEqual(info.ClassifierParameters, model.ClassifierParameterNames.ToArray(), "classifier parameter names");

        var size = model.RequiredInputSize ?? model.MinimumInputSize;
        var x = randn(2, model.InChannels, size, size);
        model.train();
        var logits = model.call(x);
        CollectionAssert.AreEqual(new long[] { 2, 5 }, logits.shape);
        var loss = nn.functional.cross_entropy(logits, tensor(new long[] { 0, 4 }));
        Assert.IsTrue(float.IsFinite(loss.item<float>()), $"{name}: loss {loss.item<float>()}");
        loss.backward();
        foreach (var (pname, p) in model.named_parameters())
            Assert.IsNotNull(p.grad, $"{name}: no gradient for {pname}");
    }

    [TestMethod]
    public void NamesFollowTorchvisionAndDescribeGivesMetadata()
    {
        foreach (var name in new[] { "lenet5", "alexnet", "vgg16_bn", "nin", "resnet18", "resnet18_small", "resnet152" })
            CollectionAssert.Contains(ModelZoo.Names.ToList(), name);
        Assert.AreEqual(ModelZoo.Names.Count, ModelZoo.Names.Distinct().Count());
        var alexnet = ModelZoo.Describe("AlexNet");
        Assert.AreEqual(224, alexnet.DefaultInputSize);
        Assert.AreEqual(63, alexnet.MinimumInputSize);
        CollectionAssert.AreEqual(new[] { 0.485f, 0.456f, 0.406f }, alexnet.Normalization.Mean);
        CollectionAssert.AreEqual(new[] { "classifier.6.weight", "classifier.6.bias" }, alexnet.ClassifierParameters);
        StringAssert.Contains(alexnet.ToString(), "minimum 63x63");
        Assert.AreEqual(1, ModelZoo.Describe("lenet5").Normalization.ForChannels(1).Mean.Length);
        Assert.AreEqual(3, ModelZoo.Describe("lenet5").Normalization.ForChannels(3).Std.Length);
        var e = Assert.ThrowsException<ArgumentException>(() => ModelZoo.Describe("resnet17"));
        StringAssert.Contains(e.Message, "resnet18");
    }

    [TestMethod]
    public void CreateUsesInChannels()
    {
        using var model = ModelZoo.Create("resnet18", numClasses: 3, inChannels: 1);
        CollectionAssert.AreEqual(new long[] { 64, 1, 7, 7 }, model.state_dict()["conv1.weight"].shape);
        using var small = ModelZoo.Create("resnet18_small", numClasses: 3);
        CollectionAssert.AreEqual(new long[] { 64, 3, 3, 3 }, small.state_dict()["conv1.weight"].shape);
        // torchvision's resnet50(num_classes=10) with conv1 replaced by a 3x3 stride-1 convolution has 23,520,842 parameters.
        using var small50 = ModelZoo.Create("resnet50_small", numClasses: 10);
        CollectionAssert.AreEqual(new long[] { 64, 3, 3, 3 }, small50.state_dict()["conv1.weight"].shape);
        Assert.AreEqual(23_520_842L, small50.parameters().Sum(p => p.numel()));
    }

    [TestMethod]
    [DataRow("resnet18")]
    [DataRow("alexnet")]
    [DataRow("lenet5")]
    [DataRow("nin")]
    [DataRow("smallcnn")]
    public void ResetClassifierKeepsFeaturesAndChangesClassCount(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create(name, numClasses: 10);
        var info = ModelZoo.Describe(name);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        model.ResetClassifier(4);
        Assert.AreEqual(4, model.NumClasses);
        var after = model.state_dict();
        CollectionAssert.AreEqual(before.Keys.ToList(), after.Keys.ToList(), "keys keep their names and order");
        foreach (var (key, value) in after)
        {
            if (info.ClassifierParameters.Contains(key)) continue;
            Assert.IsTrue(value.equal(before[key]), $"{key} changed");
        }
        var size = model.RequiredInputSize ?? Math.Max(model.MinimumInputSize, 8);
        model.eval();
        using (no_grad()) CollectionAssert.AreEqual(new long[] { 1, 4 }, model.call(randn(1, model.InChannels, size, size)).shape);
    }
}
