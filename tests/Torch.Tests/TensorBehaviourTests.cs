using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Tests;

/// <summary>Dispose scopes, seeding, bfloat16, channels_last, autograd modes, shape and type queries.</summary>
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
        Tensor inner, detached, survivor, pairFirst, pairSecond;
        using (var outer = NewDisposeScope())
        {
            Assert.IsNull(outer.Outer);
            using (var nested = NewDisposeScope())
            {
                Assert.AreSame(outer, nested.Outer);
                inner = zeros(2);
                survivor = nested.MoveToOuter(ones(2));
                detached = nested.Detach(full(new long[] { 2 }, 7.0));
                (pairFirst, pairSecond) = (zeros(1), zeros(1));
                nested.MoveToOuter(pairFirst, pairSecond);
            }
            Assert.IsTrue(inner.IsInvalid);
            Assert.IsFalse(survivor.IsInvalid, "moved to the outer scope");
            Assert.IsFalse(pairFirst.IsInvalid || pairSecond.IsInvalid, "both moved to the outer scope");
            Assert.AreEqual(3, outer.Count);
            Assert.AreEqual(2f, survivor.sum().item<float>());
        }
        Assert.IsTrue(survivor.IsInvalid && pairFirst.IsInvalid && pairSecond.IsInvalid, "disposed with the outer scope");
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
        // As PyTorch: a 1x1 convolution's weight is contiguous in both layouts; contiguous() keeps its
        // strides, to(memory_format) gives it channels-last ones (those autograd gives its gradient).
        using var pointwise = zeros([8, 4, 1, 1]);
        CollectionAssert.AreEqual(new long[] { 4, 1, 1, 1 }, pointwise.contiguous(channels_last).stride());
        CollectionAssert.AreEqual(new long[] { 4, 1, 4, 4 }, pointwise.to(channels_last).stride());

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
        using (set_grad_enabled(false))
        {
            Assert.IsFalse((w * 2).requires_grad);
            using (set_grad_enabled(true)) Assert.IsTrue((w * 2).requires_grad);
            Assert.IsFalse(is_grad_enabled(), "the inner scope restores the outer one");
        }
        var detached = w * 3;
        Assert.AreSame(detached, detached.detach_());
        Assert.IsFalse(detached.requires_grad, "detach_ takes the tensor out of the graph");
        Assert.IsTrue(detached.is_leaf);
        var y = (w * w).sum();
        Assert.IsTrue(y.requires_grad);
        y.backward();
        CollectionAssert.AreEqual(new float[] { 2, 2, 2 }, w.grad!.ToArray<float>());
        Assert.IsTrue(w.is_leaf);
    }

    [TestMethod]
    public void ShapeDeviceAndTypeQueriesAnswerAsPyTorch()
    {
        using var scope = NewDisposeScope();
        var x = zeros(2, 3, 4);
        Assert.AreEqual(3L, x.ndim);
        Assert.AreEqual(3L, x.dim());
        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, x.size());
        Assert.AreEqual(-1, x.device_index, "a CPU tensor has no device index");
        Assert.AreEqual(DeviceType.CPU, x.to("cpu").device_type);
        Assert.AreEqual(CPU, x.cpu().device);
        Assert.AreEqual(CPU, device(DeviceType.CPU));
        Assert.AreEqual(3.0, ((Scalar)3).ToDouble());
        Assert.AreEqual(2.5, ((Scalar)2.5f).ToDouble());

        var aliases = new (ScalarType alias, ScalarType type, int bytes)[]
        {
            (uint8, ScalarType.Byte, 1), (int8, ScalarType.Int8, 1), (int16, ScalarType.Int16, 2), (int32, ScalarType.Int32, 4),
            (int64, ScalarType.Int64, 8), (float16, ScalarType.Float16, 2), (bfloat16, ScalarType.BFloat16, 2),
            (float32, ScalarType.Float32, 4), (float64, ScalarType.Float64, 8), (@bool, ScalarType.Bool, 1),
        };
        foreach (var (alias, type, bytes) in aliases)
        {
            Assert.AreEqual(type, alias);
            var t = ones(new long[] { 3 }, alias);
            Assert.AreEqual(type, t.dtype, $"libtorch creates {type}");
            Assert.AreEqual((long)bytes, t.element_size(), $"{type} element size");
        }
    }

    [TestMethod]
    public void TensorsFromAScalarAndARectangularArray()
    {
        using var scope = NewDisposeScope();
        var scalar = tensor(7L);
        Assert.AreEqual(0L, scalar.ndim);
        Assert.AreEqual(ScalarType.Int64, scalar.dtype);
        Assert.AreEqual(7L, scalar.item<long>());
        var matrix = tensor(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        CollectionAssert.AreEqual(new long[] { 2, 3 }, matrix.shape);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, matrix.ToArray<float>(), "row-major, as torch.tensor([[1, 2, 3], [4, 5, 6]])");
        var columns = new float[6];
        matrix.t().CopyTo<float>(columns);
        CollectionAssert.AreEqual(new float[] { 1, 4, 2, 5, 3, 6 }, columns, "CopyTo reads a transposed view in its logical order");
        StringAssert.Contains(Assert.ThrowsException<TorchException>(() => matrix.CopyTo<float>(new float[5])).Message, "needs 24");
    }
}
