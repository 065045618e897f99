using System.Text.Json;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

[TestClass]
public sealed class ArchitectureTests
{
    /// <summary>
    /// Parameter counts of the same networks built in torch.nn from their published descriptions
    /// (tests/python/architecture_reference.py cites each): torchvision has none of them.
    /// </summary>
    private static readonly Lazy<JsonElement> ReferenceCounts =
        new(() => JsonDocument.Parse(PythonReference.Run("architecture_reference.py", 120, "counts")).RootElement);

    private static long Count(nn.Module model) => model.parameters().Sum(p => p.numel());

    private static long Reference(string name) => ReferenceCounts.Value.GetProperty(name).GetInt64();

    [TestMethod]
    public void LeNetParameterCounts()
    {
        using var lenet28 = LeNet.LeNet5(10, 1, inputSize: 28);
        using var lenet32 = LeNet.LeNet5(10, 1, inputSize: 32);
        using var c5 = LeNet.LeNet5C5(10, 1);
        using var lenet2050 = LeNet.LeNet20x50(10, 1, inputSize: 28);
        Assert.AreEqual(Reference("lenet5"), Count(lenet28));
        Assert.AreEqual(Reference("lenet5_32"), Count(lenet32));
        Assert.AreEqual(Reference("lenet5_c5"), Count(c5));
        Assert.AreEqual(Reference("lenet_20_50"), Count(lenet2050));
        // The figure the XML docs give.
        Assert.AreEqual(61_706, Count(lenet28));
    }

    [TestMethod]
    public void SmallNetworkParameterCounts()
    {
        using var small = new SmallCnn(10, 1);
        using var cifar = CifarResNet.ResNet20(10);
        using var nin = new NiN(10, 3);
        Assert.AreEqual(Reference("smallcnn"), Count(small));
        Assert.AreEqual(Reference("cifar_resnet20"), Count(cifar));
        Assert.AreEqual(Reference("nin"), Count(nin));
        // He et al. 2016, Table 6: ResNet-20 has 0.27M parameters.
        Assert.AreEqual(0.27, Count(cifar) / 1e6, 0.005);
    }

    [TestMethod]
    public void TooSmallInputFailsWithClearMessage()
    {
        using var scope = NewDisposeScope();
        using var alexnet = new AlexNet(10);
        var e = Assert.ThrowsException<ArgumentException>(() => alexnet.call(zeros(1, 3, 28, 28)));
        StringAssert.Contains(e.Message, "AlexNet needs at least 63x63 input, got 28x28");
        using var vgg = Vgg.Vgg11(10);
        StringAssert.Contains(Assert.ThrowsException<ArgumentException>(() => vgg.call(zeros(1, 3, 31, 40))).Message, "needs at least 32x32 input, got 31x40");
        using var lenet = LeNet.LeNet5();
        StringAssert.Contains(Assert.ThrowsException<ArgumentException>(() => lenet.call(zeros(1, 1, 32, 32))).Message, "LeNet-5 needs exactly 28x28 input, got 32x32");
        StringAssert.Contains(Assert.ThrowsException<ArgumentException>(() => lenet.call(zeros(1, 3, 28, 28))).Message, "expects 1 input channel(s), got 3");
    }

    [TestMethod]
    public void MinimumSizesAreTight()
    {
        // One pixel less than the documented minimum really fails inside the network.
        using var scope = NewDisposeScope();
        using var alexnet = new AlexNet(10);
        using var nin = new NiN(10);
        using (no_grad())
        {
            alexnet.eval();
            nin.eval();
            CollectionAssert.AreEqual(new long[] { 1, 10 }, alexnet.call(zeros(1, 3, 63, 63)).shape);
            CollectionAssert.AreEqual(new long[] { 1, 10 }, nin.call(zeros(1, 3, 67, 67)).shape);
            Assert.ThrowsException<TorchException>(() => alexnet.features(zeros(1, 3, 62, 62)));
            Assert.ThrowsException<TorchException>(() => nin.features(zeros(1, 3, 66, 66)));
        }
    }

    [TestMethod]
    public void FeaturesThenHeadEqualsForward()
    {
        using var scope = NewDisposeScope();
        using var model = ResNet.ResNet18(7, inChannels: 1, smallInput: true);
        model.eval();
        var x = randn(2, 1, 32, 32);
        using (no_grad())
        {
            var features = model.features(x);
            CollectionAssert.AreEqual(new long[] { 2, 512, 4, 4 }, features.shape);
            Assert.IsTrue(model.head(features).allclose(model.call(x)));
        }
    }

    [TestMethod]
    public void ZeroInitResidualZeroesLastNormOfEachBlock()
    {
        using var model = ResNet.ResNet50(10, zeroInitResidual: true);
        var bn3 = model.named_parameters().Where(p => p.name.EndsWith(".bn3.weight", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(16, bn3.Count);
        foreach (var (name, p) in bn3) Assert.AreEqual(0.0, p.abs().sum().item<float>(), name);
        Assert.AreEqual(1.0f, model.named_parameters().Single(p => p.name == "layer1.0.bn2.weight").parameter.mean().item<float>());
    }

    [TestMethod]
    public void VggFromAnyBlockList()
    {
        using var scope = NewDisposeScope();
        using var model = new Vgg([new(1, 8), new(2, 16)], numClasses: 3, inChannels: 1, batchNorm: true, hiddenUnits: 32, poolSize: 1);
        Assert.AreEqual(4, model.MinimumInputSize);
        var keys = model.state_dict().Keys.ToList();
        CollectionAssert.Contains(keys, "features.0.weight");
        CollectionAssert.Contains(keys, "features.1.running_var");
        CollectionAssert.Contains(keys, "features.8.weight");
        CollectionAssert.Contains(keys, "classifier.6.bias");
        CollectionAssert.AreEqual(new long[] { 2, 3 }, model.call(randn(2, 1, 4, 4)).shape);
    }

    [TestMethod]
    public void AlexNetWithLocalResponseNormalization()
    {
        using var scope = NewDisposeScope();
        using var model = new AlexNet(10, localResponseNorm: true);
        Assert.AreEqual(61_100_840 - 4097 * 990, model.parameters().Sum(p => p.numel()));
        Assert.AreEqual(2, model.modules().OfType<CnnMl.Torch.Modules.LocalResponseNorm>().Count());
        model.eval();
        using (no_grad()) CollectionAssert.AreEqual(new long[] { 1, 10 }, model.call(randn(1, 3, 63, 63)).shape);
    }
}
