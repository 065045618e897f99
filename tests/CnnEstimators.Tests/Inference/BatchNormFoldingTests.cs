using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>
/// Batch norm folding and the inference wrapper on the zoo networks at small inputs (batch 2), with
/// random batch-norm statistics and affine parameters so that folding changes every weight.
/// </summary>
[TestClass]
public sealed class BatchNormFoldingTests
{
    /// <summary>Folded logits must equal the unfolded ones within 1e-4 of their largest magnitude.</summary>
    private const double Tolerance = 1e-4;

    [TestMethod]
    [DataRow("resnet18", 32, 20)]
    [DataRow("resnet50", 32, 53)]
    [DataRow("vgg11_bn", 32, 8)]
    [DataRow("efficientnet_b0", 32, 49)]
    [DataRow("googlenet", 32, 57)]
    [DataRow("inception_v3", 75, 94)]
    public void FoldingEveryConvolutionNormKeepsTheLogits(string name, int size, int expectedPairs)
    {
        using var scope = NewDisposeScope();
        var (network, input) = Prepare(name, size);
        using var _ = network;
        var before = Logits(network, input);
        var norms = network.modules().OfType<BatchNorm2d>().Count();

        using var fast = InferenceNetwork.Optimize(network);
        Assert.AreEqual(expectedPairs, fast.FoldedPairs.Count, $"{name}: folded pairs");
        Assert.AreEqual(norms, expectedPairs, $"{name}: every batch norm follows a convolution");
        Assert.IsTrue(network.modules().OfType<BatchNorm2d>().All(n => n.IsFolded));
        Agreement.Close(before, fast.Predict(input), $"{name} folded", Tolerance);
    }

    [TestMethod]
    public void ResNet18PairsAreTheConvolutionsFeedingEachNorm()
    {
        using var network = ModelZoo.Create("resnet18", 10);
        network.eval();
        var pairs = BatchNormFolding.FindPairs(network);
        Assert.AreEqual(20, pairs.Count);
        Assert.AreEqual(new ConvBatchNormPair("conv1", "bn1"), pairs[0]);
        CollectionAssert.Contains(pairs.ToList(), new ConvBatchNormPair("layer1.0.conv2", "layer1.0.bn2"));
        CollectionAssert.Contains(pairs.ToList(), new ConvBatchNormPair("layer2.0.downsample.0", "layer2.0.downsample.1"));
        Assert.IsFalse(network.modules().OfType<BatchNorm2d>().Any(n => n.IsFolded), "FindPairs changes nothing");
    }

    [TestMethod]
    public void DenseNetKeepsItsPreActivationNorms()
    {
        using var scope = NewDisposeScope();
        var (network, input) = Prepare("densenet121", 29);
        using var _ = network;
        var before = Logits(network, input);
        using var fast = InferenceNetwork.Optimize(network);

        // norm0 after conv0, and each dense layer's norm2 after its conv1 (58 layers); norm1 (after the
        // concatenation), the transitions' norm and norm5 stay.
        Assert.AreEqual(1 + 58, fast.FoldedPairs.Count);
        Assert.IsTrue(fast.FoldedPairs.All(p => p.BatchNorm.EndsWith("norm2", StringComparison.Ordinal) || p.BatchNorm == "features.norm0"),
            string.Join(", ", fast.FoldedPairs.Select(p => p.BatchNorm).Where(n => !n.EndsWith("norm2", StringComparison.Ordinal))));
        var kept = network.named_modules().Where(m => m.module is BatchNorm2d { IsFolded: false }).Select(m => m.name).ToList();
        Assert.AreEqual(58 + 3 + 1, kept.Count);
        Assert.AreEqual(58, kept.Count(n => n.EndsWith("norm1", StringComparison.Ordinal)));
        CollectionAssert.Contains(kept, "features.norm5");
        Agreement.Close(before, fast.Predict(input), "densenet121 folded", Tolerance);
    }

    [TestMethod]
    [DataRow("lenet5", 28)]
    [DataRow("alexnet", 63)]
    public void NetworksWithoutBatchNormAreUnchanged(string name, int size)
    {
        using var scope = NewDisposeScope();
        var (network, input) = Prepare(name, size);
        using var _ = network;
        var before = Logits(network, input);
        var weights = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var fast = InferenceNetwork.Optimize(network, new InferenceOptions { ChannelsLast = false, OneDnnKernels = false });
        Assert.AreEqual(0, fast.FoldedPairs.Count);
        CollectionAssert.AreEquivalent(weights.Keys.ToList(), network.state_dict().Keys.ToList(), "no parameter added");
        foreach (var (key, value) in network.state_dict()) Assert.IsTrue(value.equal(weights[key]), key);
        Assert.IsTrue(before.equal(fast.Predict(input)), $"{name}: logits must be bit-identical");

        // oneDNN's own convolutions sum in another order: equal within the folding tolerance.
        using var oneDnn = InferenceNetwork.Optimize(network);
        Agreement.Close(before, oneDnn.Predict(input), $"{name} through oneDNN convolutions", Tolerance);
    }

    [TestMethod]
    public void TrainingModeIsRefused()
    {
        using var network = ModelZoo.Create("resnet18", 10);
        network.train();
        StringAssert.Contains(Assert.ThrowsException<InvalidOperationException>(() => BatchNormFolding.Fold(network)).Message, "evaluation mode");
        StringAssert.Contains(Assert.ThrowsException<InvalidOperationException>(() => InferenceNetwork.Optimize(network)).Message, "evaluation mode");
        Assert.IsFalse(network.modules().OfType<BatchNorm2d>().Any(n => n.IsFolded));

        network.eval();
        BatchNormFolding.Fold(network);
        network.train();
        using var scope = NewDisposeScope();
        using var input = randn(2, 3, 32, 32);
        StringAssert.Contains(Assert.ThrowsException<InvalidOperationException>(() => network.call(input)).Message, "folded");
    }

    [TestMethod]
    public void FoldingTwiceFoldsNothingMore()
    {
        using var scope = NewDisposeScope();
        var (network, input) = Prepare("resnet18", 16);
        using var _ = network;
        var before = Logits(network, input);
        Assert.AreEqual(20, BatchNormFolding.Fold(network).Count);
        Assert.AreEqual(0, BatchNormFolding.Fold(network).Count);
        Agreement.Close(before, Logits(network, input), "resnet18 folded twice", Tolerance);
    }

    [TestMethod]
    public void EachOptimizationCanBeSwitchedOff()
    {
        using var scope = NewDisposeScope();
        var (network, input) = Prepare("resnet18", 16);
        using var _ = network;
        var before = Logits(network, input);
        using var fast = InferenceNetwork.Optimize(network, new InferenceOptions { FoldBatchNorm = false, ChannelsLast = true });
        Assert.AreEqual(0, fast.FoldedPairs.Count);
        Assert.IsTrue(network.modules().OfType<Conv2d>().All(c => c.weight.is_contiguous(channels_last)));
        Agreement.Close(before, fast.Predict(input), "resnet18 channels-last", Tolerance);
    }

    [TestMethod]
    [DataRow("lenet5", 28, false)]
    [DataRow("resnet18", 16, true)]
    public void ChannelsLastIsChosenForWideNetworksOnly(string name, int size, bool expected)
    {
        using var scope = NewDisposeScope();
        var (network, input) = Prepare(name, size);
        using var _ = network;
        var before = Logits(network, input);
        using var fast = InferenceNetwork.Optimize(network);
        Assert.AreEqual(expected, fast.Options.ChannelsLast, $"{name}: channels-last chosen");
        Assert.IsTrue(network.modules().OfType<Conv2d>().All(c => c.weight.is_contiguous(expected ? channels_last : contiguous_format)), "weight layout");
        Agreement.Close(before, fast.Predict(input), $"{name} optimized", Tolerance);
    }

    [TestMethod]
    [DataRow("resnet18_small", 16)]
    [DataRow("vgg11_bn", 32)]
    public void WinogradConvolutionsKeepTheLogits(string name, int size)
    {
        if (!OneDnnConvolution.IsAvailable) Assert.Inconclusive("the native library was built without oneDNN");
        using var scope = NewDisposeScope();
        var (network, _) = Prepare(name, size);
        using var __ = network;
        // Batch 8: the smallest batch for which the Winograd weights are transformed.
        var input = randn(8, ModelZoo.Describe(name).DefaultInChannels, size, size);
        var before = Logits(network, input);
        using var fast = InferenceNetwork.Optimize(network);
        var logits = fast.Predict(input);
        var convs = network.modules().OfType<Conv2d>().ToList();
        Assert.IsTrue(convs.All(c => c.OneDnnInference is not null), "every convolution goes through oneDNN");
        if (File.ReadAllText("/proc/cpuinfo").Contains(" avx512f"))
            Assert.IsTrue(convs.Count(c => c.OneDnnInference!.LastAlgorithm == ConvolutionAlgorithm.Winograd) >= 3, $"{name}: 3x3 stride-1 layers run Winograd");
        Agreement.Close(before, logits, $"{name} with Winograd", Tolerance);
    }

    [TestMethod]
    public void OneDnnCanBeTurnedOff()
    {
        using var network = ModelZoo.Create("resnet18_small", 10);
        network.eval();
        using var fast = InferenceNetwork.Optimize(network, new InferenceOptions { OneDnnKernels = false });
        Assert.IsTrue(network.modules().OfType<Conv2d>().All(c => c.OneDnnInference is null));
        Assert.IsFalse(fast.Options.OneDnnKernels);
    }

    /// <summary>A zoo network in eval mode with random running statistics and affine parameters, and a batch of 2.</summary>
    private static (ClassifierNetwork network, Tensor input) Prepare(string name, int size)
    {
        var network = ZooTestNetworks.WithRandomNormStatistics(name, 10, seed: 7);
        return (network, randn(2, network.InChannels, size, size));
    }

    private static Tensor Logits(ClassifierNetwork network, Tensor input)
    {
        using (no_grad()) return network.call(input);
    }
}
