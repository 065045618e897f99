using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Tests;

/// <summary>oneDNN inference pooling against libtorch's max_pool2d / avg_pool2d, over PyTorch's parameter space.</summary>
[TestClass]
public sealed class OneDnnPoolingTests
{
    [TestInitialize]
    public void RequireOneDnn()
    {
        if (!OneDnnConvolution.IsAvailable) Assert.Inconclusive("the native library was built without oneDNN (libdnnl-dev absent)");
    }

    public static IEnumerable<object[]> Windows =>
    [
        [2, 2, 0, 1, false, 28],
        [3, 2, 1, 1, false, 15],
        [3, 2, 0, 1, true, 14],
        [3, 2, 1, 1, true, 14],
        [2, 1, 1, 1, true, 7],
        [3, 1, 1, 2, false, 9],
        [5, 3, 2, 1, true, 11],
    ];

    [TestMethod]
    [DynamicData(nameof(Windows))]
    public void MatchesLibtorchInBothLayouts(int kernel, int stride, int padding, int dilation, bool ceil, int size)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        foreach (var channelsLast in new[] { false, true })
        {
            var input = randn(3, 5, size, size + 1);
            if (channelsLast) input = input.contiguous(MemoryFormat.ChannelsLast);
            using var _ = inference_mode();
            var what = $"k{kernel} s{stride} p{padding} d{dilation} ceil={ceil} {size}x{size + 1} channelsLast={channelsLast}";
            long[] k = [kernel], s = [stride], p = [padding], d = [dilation];
            var executions = OneDnnPooling.ExecutionsOnThisThread;
            var max = OneDnnPooling.Pool(input, OneDnnPooling.Kind.Max, k, s, p, d, ceil);
            Assert.AreEqual(executions + 1, OneDnnPooling.ExecutionsOnThisThread, $"oneDNN computed max {what}");
            Assert.IsTrue(max.equal(F.max_pool2d(input, k, s, p, d, ceil)), $"max {what}");
            Assert.AreEqual(channelsLast, !max.is_contiguous() && max.is_contiguous(MemoryFormat.ChannelsLast), $"layout kept: {what}");
            if (dilation != 1) continue;
            foreach (var include in new[] { true, false })
            {
                var kind = include ? OneDnnPooling.Kind.AverageIncludingPadding : OneDnnPooling.Kind.AverageExcludingPadding;
                var expected = F.avg_pool2d(input, k, s, p, ceil, include);
                executions = OneDnnPooling.ExecutionsOnThisThread;
                TensorAssert.Close(expected, OneDnnPooling.Pool(input, kind, k, s, p, null, ceil), $"avg include={include} {what}");
                // oneDNN would divide a window reaching past the padding by a different count: libtorch pools those.
                var overhang = expected.shape.Skip(2).Zip(input.shape.Skip(2), (o, n) => (o - 1) * stride + kernel - n - padding > padding).Any(b => b);
                var byOneDnn = !(include && overhang);
                Assert.AreEqual(executions + (byOneDnn ? 1 : 0), OneDnnPooling.ExecutionsOnThisThread, $"avg include={include} {what} should run {(byOneDnn ? "oneDNN" : "avg_pool2d")}");
            }
        }
    }

    [TestMethod]
    public void LibtorchFallbacksAreNotCountedAsOneDnn()
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var input = randn(1, 2, 14, 15);
        var executions = OneDnnPooling.ExecutionsOnThisThread;
        OneDnnPooling.Pool(input, OneDnnPooling.Kind.AverageIncludingPadding, [3], [2], [0], null, ceil_mode: true);
        Assert.AreEqual(executions, OneDnnPooling.ExecutionsOnThisThread, "a ceil_mode window past the input, padding counted, runs avg_pool2d");
        OneDnnPooling.Pool(input.to(ScalarType.Float64), OneDnnPooling.Kind.Max, [2]);
        Assert.AreEqual(executions, OneDnnPooling.ExecutionsOnThisThread, "float64 input runs max_pool2d");
    }

    [TestMethod]
    public void ModulesUseOneDnnOnlyWithoutGradients()
    {
        using var scope = NewDisposeScope();
        using var pool = nn.MaxPool2d(2);
        pool.OneDnnInference = true;
        var input = randn(2, 3, 8, 8).requires_grad_(true);
        var executions = OneDnnPooling.ExecutionsOnThisThread;
        var output = pool.call(input);
        output.sum().backward();
        Assert.IsNotNull(input.grad, "with gradients on, the module keeps max_pool2d");
        Assert.AreEqual(executions, OneDnnPooling.ExecutionsOnThisThread, "no oneDNN pooling while gradients are recorded");
        using var _ = no_grad();
        Assert.IsTrue(pool.call(input).equal(F.max_pool2d(input, [2])));
        Assert.AreEqual(executions + 1, OneDnnPooling.ExecutionsOnThisThread, "MaxPool2d ran oneDNN under no_grad");
        pool.OneDnnInference = false;
        pool.call(input);
        Assert.AreEqual(executions + 1, OneDnnPooling.ExecutionsOnThisThread, "MaxPool2d with OneDnnInference off ran max_pool2d");

        using var average = nn.AvgPool2d(3, stride: 2, padding: 1, count_include_pad: false);
        average.OneDnnInference = true;
        TensorAssert.Close(F.avg_pool2d(input, [3], [2], [1], count_include_pad: false), average.call(input), "AvgPool2d");
        Assert.AreEqual(executions + 2, OneDnnPooling.ExecutionsOnThisThread, "AvgPool2d ran oneDNN under no_grad");

        var error = Assert.ThrowsException<TorchException>(() =>
        {
            using var grad = enable_grad();
            OneDnnPooling.Pool(input, OneDnnPooling.Kind.Max, [2]);
        });
        StringAssert.Contains(error.Message, "no_grad");
    }

    [TestMethod]
    public void BadWindowsAreClearErrors()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = randn(1, 2, 4, 4);
        StringAssert.Contains(Assert.ThrowsException<TorchException>(() => OneDnnPooling.Pool(input, OneDnnPooling.Kind.Max, [7])).Message, "larger than the padded input");
        StringAssert.Contains(Assert.ThrowsException<TorchException>(() => OneDnnPooling.Pool(input, OneDnnPooling.Kind.Max, [2], null, [2])).Message, "exceeds half the kernel");
    }
}
