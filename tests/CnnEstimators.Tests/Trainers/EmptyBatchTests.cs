using CnnMl.Models;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// A data-parallel rank whose batch held only unreadable images trains on a batch of no images, so
/// that it still runs the step the other ranks wait for. What that relies on, for one network of each
/// family: in training mode, a (0, C, H, W) batch gives (0, classes) logits, every parameter a zero
/// gradient (so DDP's reducer hears from all of them), and leaves the batch-norm statistics as they were.
/// </summary>
[TestClass]
public sealed class EmptyBatchTests
{
    [TestMethod]
    [DataRow("lenet5")]
    [DataRow("nin")]
    [DataRow("resnet18_small")]
    [DataRow("googlenet")]
    [DataRow("inception_v3")]
    [DataRow("densenet_small")]
    [DataRow("efficientnet_b0")]
    public void AnEmptyBatchTrainsNothingAndChangesNothing(string name)
    {
        var info = ModelZoo.Describe(name);
        using var scope = NewDisposeScope();
        var model = info.Factory(7, 3);
        model.train();
        var statistics = model.buffers().Where(b => b.dtype == ScalarType.Float32).ToArray();
        var before = statistics.Select(b => b.data<float>().ToArray()).ToArray();

        var logits = model.call(zeros([0, 3, info.DefaultInputSize, info.DefaultInputSize]));
        CollectionAssert.AreEqual(new long[] { 0, 7 }, logits.shape);
        var loss = logits.sum();
        Assert.AreEqual(0f, loss.item<float>());
        loss.backward();

        foreach (var (parameter, index) in model.parameters().Select((p, i) => (p, i)))
        {
            Assert.IsNotNull(parameter.grad, $"{name}: parameter {index} has no gradient");
            Assert.AreEqual(0f, parameter.grad.abs().sum().item<float>(), $"{name}: parameter {index}'s gradient is not zero");
        }
        for (int i = 0; i < statistics.Length; i++)
            CollectionAssert.AreEqual(before[i], statistics[i].data<float>().ToArray(), $"{name}: buffer {i} changed");
    }
}
