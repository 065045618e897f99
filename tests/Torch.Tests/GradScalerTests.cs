using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Tests;

/// <summary>
/// Dynamic loss scaling (torch.amp.GradScaler) on hand-computable steps: one parameter w, loss c * w,
/// so the scaled gradient is c * scale and plain SGD moves w by -lr * c when the step is taken.
/// </summary>
[TestClass]
public sealed class GradScalerTests
{
    private static (nn.Parameter w, optim.Optimizer sgd) Setup()
    {
        var w = new nn.Parameter(tensor(new[] { 1.0f }, [1]));
        return (w, optim.SGD([w], lr: 0.1));
    }

    private static bool Step(amp.GradScaler scaler, nn.Parameter w, optim.Optimizer sgd, float c)
    {
        using var scope = NewDisposeScope();
        sgd.zero_grad();
        var loss = w.mul(tensor(new[] { c }, [1])).sum();
        scaler.scale(loss).backward();
        var stepped = scaler.step(sgd);
        scaler.update();
        return stepped;
    }

    [TestMethod]
    public void AFiniteStepUnscalesTheGradientAndSteps()
    {
        var (w, sgd) = Setup();
        using var _ = sgd;
        var scaler = new amp.GradScaler(initScale: 1024);
        using (var scope = NewDisposeScope())
        {
            sgd.zero_grad();
            scaler.scale(w.mul(3).sum()).backward();
            Assert.AreEqual(3 * 1024f, w.grad!.item<float>(), "backward of the scaled loss");
            scaler.unscale_(sgd);
            Assert.AreEqual(3f, w.grad!.item<float>(), "unscale_ divides by the scale");
            Assert.IsTrue(scaler.step(sgd));
            scaler.update();
        }
        Assert.AreEqual(1 - 0.1f * 3, w.item<float>(), 1e-6f);
        Assert.AreEqual(1024, scaler.Scale);
        Assert.AreEqual(1, scaler.GrowthTracker);
    }

    [TestMethod]
    public void AnInfiniteGradientSkipsTheStepAndHalvesTheScale()
    {
        var (w, sgd) = Setup();
        using var _ = sgd;
        var scaler = new amp.GradScaler(initScale: 1024);
        Assert.IsTrue(Step(scaler, w, sgd, 2));
        Assert.IsFalse(Step(scaler, w, sgd, float.PositiveInfinity), "an inf gradient skips the optimizer step");
        Assert.AreEqual(1 - 0.1f * 2, w.item<float>(), 1e-6f, "the skipped step leaves the weight alone");
        Assert.AreEqual(512, scaler.Scale);
        Assert.AreEqual(0, scaler.GrowthTracker);
        Assert.AreEqual(1, scaler.SkippedSteps);
        Assert.IsFalse(Step(scaler, w, sgd, float.NaN), "so does a NaN gradient");
        Assert.AreEqual(256, scaler.Scale);
    }

    [TestMethod]
    public void TheScaleGrowsAfterGrowthIntervalFiniteSteps()
    {
        var (w, sgd) = Setup();
        using var _ = sgd;
        var scaler = new amp.GradScaler(initScale: 8, growthFactor: 2, growthInterval: 3);
        Step(scaler, w, sgd, 1);
        Step(scaler, w, sgd, 1);
        Assert.AreEqual(8, scaler.Scale);
        Step(scaler, w, sgd, 1);
        Assert.AreEqual(16, scaler.Scale, "the third finite step in a row doubles the scale");
        Assert.AreEqual(0, scaler.GrowthTracker);
        Assert.AreEqual(1 - 0.1f * 3, w.item<float>(), 1e-6f, "the unscaled gradient steps the same at every scale");
    }

    [TestMethod]
    public void MisuseAndBadSettingsAreClearErrors()
    {
        var (_, sgd) = Setup();
        using var __ = sgd;
        var scaler = new amp.GradScaler();
        StringAssert.Contains(Assert.ThrowsException<InvalidOperationException>(scaler.update).Message, "needs a step");
        scaler.unscale_(sgd);
        StringAssert.Contains(Assert.ThrowsException<InvalidOperationException>(() => scaler.unscale_(sgd)).Message, "already called");
        Assert.ThrowsException<ArgumentOutOfRangeException>(() => new amp.GradScaler(initScale: 0));
        Assert.ThrowsException<ArgumentOutOfRangeException>(() => new amp.GradScaler(growthFactor: 1));
        Assert.ThrowsException<ArgumentOutOfRangeException>(() => new amp.GradScaler(backoffFactor: 1));
        Assert.ThrowsException<ArgumentOutOfRangeException>(() => new amp.GradScaler(growthInterval: 0));
    }
}
