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
            var max = OneDnnPooling.Pool(input, OneDnnPooling.Kind.Max, k, s, p, d, ceil);
            Assert.IsTrue(max.equal(F.max_pool2d(input, k, s, p, d, ceil)), $"max {what}");
            Assert.AreEqual(channelsLast, !max.is_contiguous() && max.is_contiguous(MemoryFormat.ChannelsLast), $"layout kept: {what}");
            if (dilation != 1) continue;
            foreach (var include in new[] { true, false })
            {
                var kind = include ? OneDnnPooling.Kind.AverageIncludingPadding : OneDnnPooling.Kind.AverageExcludingPadding;
                TensorAssert.Close(F.avg_pool2d(input, k, s, p, ceil, include), OneDnnPooling.Pool(input, kind, k, s, p, null, ceil), $"avg include={include} {what}");
            }
        }
    }

    [TestMethod]
    public void ModulesUseOneDnnOnlyWithoutGradients()
    {
        using var scope = NewDisposeScope();
        using var pool = nn.MaxPool2d(2);
        pool.OneDnnInference = true;
        var input = randn(2, 3, 8, 8).requires_grad_(true);
        var output = pool.call(input);
        output.sum().backward();
        Assert.IsNotNull(input.grad, "with gradients on, the module keeps max_pool2d");
        using var _ = no_grad();
        Assert.IsTrue(pool.call(input).equal(F.max_pool2d(input, [2])));
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
