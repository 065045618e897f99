using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Tests;

/// <summary>Dispose scopes, seeding, bfloat16, channels_last and autograd modes.</summary>
[TestClass]
public sealed class TensorBehaviourTests
{
    [TestMethod]
    public void DisposeScopeFreesWhatItCreated()
    {
        Tensor a, b, kept;
        using (var scope = NewDisposeScope())
        {
            a = ones(3);
            b = a * 2;
            kept = (b + 1).MoveToOuterDisposeScope();
            Assert.AreEqual(2, scope.Count);
        }
        Assert.IsTrue(a.IsInvalid && b.IsInvalid, "tensors created in the scope are freed with it");
        Assert.IsFalse(kept.IsInvalid, "MoveToOuter with no outer scope hands the tensor to the caller");
        CollectionAssert.AreEqual(new float[] { 3, 3, 3 }, kept.ToArray<float>());
        kept.Dispose();
    }

    [TestMethod]
    public void MoveToOuterHandsTheTensorToTheEnclosingScope()
    {
        Tensor inner, detached, survivor;
        using (var outer = NewDisposeScope())
        {
            using (var nested = NewDisposeScope())
            {
                inner = zeros(2);
                survivor = nested.MoveToOuter(ones(2));
                detached = nested.Detach(full(new long[] { 2 }, 7.0));
            }
            Assert.IsTrue(inner.IsInvalid);
            Assert.IsFalse(survivor.IsInvalid, "moved to the outer scope");
            Assert.AreEqual(1, outer.Count);
            Assert.AreEqual(2f, survivor.sum().item<float>());
        }
        Assert.IsTrue(survivor.IsInvalid, "disposed with the outer scope");
        Assert.IsFalse(detached.IsInvalid, "detached tensors belong to no scope");
        Assert.AreEqual(14f, detached.sum().item<float>());
        detached.Dispose();
    }

    [TestMethod]
    public void TensorsOutsideAnyScopeAreTheCallersToDispose()
    {
        var t = ones(2);
        using (NewDisposeScope()) _ = t + 1;
        Assert.IsFalse(t.IsInvalid);
        t.Dispose();
        Assert.IsTrue(t.IsInvalid);
    }

    [TestMethod]
    public void ManualSeedRepeatsRandomNumbersAndTraining()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(123);
        var first = randn(50).ToArray<float>();
        var firstInts = randint(0, 1000, new long[] { 20 }).ToArray<long>();
        random.manual_seed(123);
        CollectionAssert.AreEqual(first, randn(50).ToArray<float>());
        CollectionAssert.AreEqual(firstInts, randint(0, 1000, new long[] { 20 }).ToArray<long>());
        random.manual_seed(124);
        CollectionAssert.AreNotEqual(first, randn(50).ToArray<float>());

        CollectionAssert.AreEqual(Train(7), Train(7), "CPU training with the same seed is repeatable bit for bit");
        CollectionAssert.AreNotEqual(Train(7), Train(8));
    }

    private static float[] Train(long seed)
    {
        random.manual_seed(seed);
        using var model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Dropout(0.2), nn.Flatten(), nn.Linear(3 * 4 * 4, 2));
        using var optimizer = optim.SGD(model.parameters(), 0.05, momentum: 0.9);
        for (int i = 0; i < 10; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn(4, 1, 6, 6);
            var loss = F.cross_entropy(model.call(x), randint(0, 2, new long[] { 4 }));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        using var all = NewDisposeScope();
        return cat(model.parameters().Select(p => p.flatten()).ToList()).ToArray<float>();
    }

    [TestMethod]
    public void BFloat16RoundTrips()
    {
        using var scope = NewDisposeScope();
        var values = new float[] { 0f, 1f, -2.5f, 3.14159265f, 1e-3f, 65504f, -1e20f, 1.00390625f };
        var asBf16 = tensor(values).to(ScalarType.BFloat16);
        Assert.AreEqual(ScalarType.BFloat16, asBf16.dtype);
        Assert.AreEqual(2L, asBf16.element_size());
        var read = asBf16.ToArray<BFloat16>();
        CollectionAssert.AreEqual(values.Select(v => (BFloat16)v).ToArray(), read, "libtorch and BFloat16 round to nearest even alike");
        Assert.AreEqual(3.140625f, (float)read[3]);
        Assert.AreEqual(1.0f, (float)read[7], "1.00390625 is a tie and rounds to even");

        var created = tensor(read, new long[] { 2, 4 });
        CollectionAssert.AreEqual(read, created.ToArray<BFloat16>());
        CollectionAssert.AreEqual(read.Select(v => (float)v).ToArray(), created.to(ScalarType.Float32).ToArray<float>(), "widening to float32 is exact");
        Assert.AreEqual((float)read[1] + (float)read[2], (created[0][1] + created[0][2]).to(ScalarType.Float32).item<float>());
    }

    [TestMethod]
    public void ChannelsLastKeepsValuesAndChangesStrides()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var x = randn(2, 3, 4, 5);
        var nhwc = x.contiguous(channels_last);
        Assert.IsTrue(nhwc.is_contiguous(channels_last));
        Assert.IsFalse(nhwc.is_contiguous());
        CollectionAssert.AreEqual(new long[] { 2, 3, 4, 5 }, nhwc.shape);
        CollectionAssert.AreEqual(new long[] { 60, 1, 15, 3 }, nhwc.stride());
        CollectionAssert.AreEqual(x.ToArray<float>(), nhwc.ToArray<float>(), "ToArray reads in logical (NCHW) order");
        Assert.ThrowsException<InvalidOperationException>(() => nhwc.data<float>());
        Assert.IsTrue(x.to(channels_last).is_contiguous(channels_last));

        var w = randn(6, 3, 3, 3);
        var expected = F.conv2d(x, w, padding: new long[] { 1 });
        var actual = F.conv2d(nhwc, w.contiguous(channels_last), padding: new long[] { 1 });
        Assert.IsTrue(actual.is_contiguous(channels_last), "convolution keeps the channels-last layout");
        TensorAssert.Close(expected, actual, "conv2d on channels_last input");
        CollectionAssert.AreEqual(x.ToArray<float>(), nhwc.contiguous().ToArray<float>());
    }

    [TestMethod]
    public void FactoriesHonourRequiresGrad()
    {
        using var scope = NewDisposeScope();
        var shape = new long[] { 2, 2 };
        var made = new[]
        {
            zeros(shape, requires_grad: true), ones(shape, requires_grad: true),
            full(shape, 1.5, requires_grad: true), rand(shape, requires_grad: true), randn(shape, requires_grad: true),
            arange(0.0, 4.0, 1.0, requires_grad: true), tensor(new float[] { 1, 2, 3, 4 }, shape, requires_grad: true),
        };
        foreach (var t in made)
        {
            Assert.IsTrue(t.requires_grad && t.is_leaf, $"{t} should be a leaf that requires grad");
            (t * t).sum().backward();
            TensorAssert.Close(t.detach() * 2, t.grad!, "d(sum t^2)/dt");
        }
        Assert.IsTrue(empty(shape, requires_grad: true).requires_grad, "empty (values uninitialized, so not differentiated here)");
        Assert.IsFalse(zeros(shape).requires_grad);
    }

    [TestMethod]
    public void NoGradAndInferenceModeStopRecording()
    {
        using var scope = NewDisposeScope();
        var w = ones(new long[] { 3 }, requires_grad: true);
        using (no_grad())
        {
            Assert.IsFalse(is_grad_enabled());
            Assert.IsFalse((w * 2).requires_grad);
        }
        Assert.IsTrue(is_grad_enabled());
        using (inference_mode())
        {
            Assert.IsTrue(is_inference_mode_enabled());
            Assert.IsFalse((w * 2).requires_grad);
        }
        Assert.IsFalse(is_inference_mode_enabled());
        var y = (w * w).sum();
        Assert.IsTrue(y.requires_grad);
        y.backward();
        CollectionAssert.AreEqual(new float[] { 2, 2, 2 }, w.grad!.ToArray<float>());
        Assert.IsTrue(w.is_leaf);
    }
}
