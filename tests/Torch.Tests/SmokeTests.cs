using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Tests;

[TestClass]
public sealed class SmokeTests
{
    [TestMethod]
    public void CreatesTensorsAndReadsThemBack()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        CollectionAssert.AreEqual(new long[] { 2, 3 }, a.shape);
        var b = (a * 2 + 1).sum();
        Assert.AreEqual(48f, b.item<float>());
        Assert.AreEqual(ScalarType.Float32, a.dtype);
        Assert.AreEqual(DeviceType.CPU, a.device_type);
    }

    [TestMethod]
    public void Conv2dShapeMismatchThrowsWithLibtorchMessage()
    {
        using var scope = NewDisposeScope();
        var input = zeros(1, 3, 8, 8);
        var weight = zeros(4, 2, 3, 3);
        var e = Assert.ThrowsException<TorchException>(() => nn.functional.conv2d(input, weight));
        StringAssert.Contains(e.Message, "expected input[1, 3, 8, 8] to have 2 channels");
    }

    [TestMethod]
    public void TrainsTinyNetworkWithAutograd()
    {
        random.manual_seed(1);
        using var model = nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 2));
        using var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
        float first = 0, last = 0;
        for (int i = 0; i < 30; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn(8, 1, 4, 4);
            var y = x.sum(new long[] { 1, 2, 3 }).gt(0).to(ScalarType.Int64);
            var loss = nn.functional.cross_entropy(model.call(x), y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            if (i == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.IsTrue(last < first, $"loss did not fall: {first} -> {last}");
        CollectionAssert.Contains(model.state_dict().Keys.ToList(), "1.num_batches_tracked");
    }
}
