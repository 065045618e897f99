using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Tests;

/// <summary>
/// The oneDNN inference convolution against <c>conv2d</c> (libtorch's own path): Winograd and direct
/// algorithms, both layouts, the plan cache across batch sizes and weight updates, and its refusals.
/// </summary>
[TestClass]
public sealed class OneDnnConvolutionTests
{
    /// <summary>Winograd's transforms reorder the float32 sums: agreement to 1e-4 relative.</summary>
    private const double Tolerance = 1e-4;

    /// <summary>
    /// Winograd's rounding error follows the magnitude of the summed terms, not of each result: an
    /// output near zero may be off by a few float32 ulps of the layer's scale (measured up to 1e-5 on
    /// outputs reaching 52).
    /// </summary>
    private const double AbsoluteTolerance = 3e-5;

    /// <summary>oneDNN 2.x has f32 Winograd kernels for AVX-512 only; elsewhere every layer runs direct.</summary>
    private static readonly bool CpuHasWinograd = File.Exists("/proc/cpuinfo") && File.ReadAllText("/proc/cpuinfo").Contains(" avx512f");

    [TestInitialize]
    public void RequireOneDnn()
    {
        if (!OneDnnConvolution.IsAvailable) Assert.Inconclusive("the native library was built without oneDNN (libdnnl-dev absent)");
    }

    private static Conv2d NewConv(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0, long dilation = 1, bool bias = true)
    {
        random.manual_seed(7);
        return nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, dilation: dilation, bias: bias);
    }

    private static Tensor Reference(Conv2d conv, Tensor input)
    {
        using var _ = no_grad();
        return F.conv2d(input, conv.weight, conv.bias, [conv.Stride.Item1, conv.Stride.Item2], [conv.Padding.Item1, conv.Padding.Item2],
            [conv.Dilation.Item1, conv.Dilation.Item2], conv.groups);
    }

    private static void ExpectWinograd(OneDnnConvolution fast, string what)
    {
        if (CpuHasWinograd) Assert.AreEqual(ConvolutionAlgorithm.Winograd, fast.LastAlgorithm, what);
    }

    [TestMethod]
    [DataRow(false, true)]
    [DataRow(true, true)]
    [DataRow(false, false)]
    public void WinogradAgreesWithConv2d(bool channelsLast, bool bias)
    {
        using var scope = NewDisposeScope();
        using var conv = NewConv(32, 48, 3, padding: 1, bias: bias);
        using var fast = new OneDnnConvolution(conv, 1L << 30);
        var input = randn(8, 32, 13, 11);
        if (channelsLast) input = input.contiguous(MemoryFormat.ChannelsLast);
        using var _ = inference_mode();
        var output = fast.Forward(input);
        ExpectWinograd(fast, "3x3 stride 1 on 16-aligned channels at batch 8");
        Assert.AreEqual(channelsLast, output.is_contiguous(MemoryFormat.ChannelsLast) && !output.is_contiguous(), "the output keeps the input's layout");
        TensorAssert.Close(Reference(conv, input), output, $"winograd channelsLast={channelsLast} bias={bias}", Tolerance, AbsoluteTolerance);
    }

    [TestMethod]
    [DataRow(16, 32, 1, 2, 0, 1)]
    [DataRow(3, 6, 5, 1, 2, 1)]
    [DataRow(8, 16, 3, 2, 1, 1)]
    [DataRow(16, 16, 3, 1, 2, 2)]
    [DataRow(3, 16, 7, 2, 3, 1)]
    [DataRow(32, 32, 3, 1, 0, 1)]
    public void OtherShapesRunDirectAndAgree(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation)
    {
        using var scope = NewDisposeScope();
        using var conv = NewConv(inChannels, outChannels, kernel, stride, padding, dilation);
        using var fast = new OneDnnConvolution(conv, 1L << 30);
        foreach (var channelsLast in new[] { false, true })
        {
            var input = randn(2, inChannels, 15, 15);
            if (channelsLast) input = input.contiguous(MemoryFormat.ChannelsLast);
            using var _ = no_grad();
            var output = fast.Forward(input);
            var what = $"k{kernel} s{stride} p{padding} d{dilation} {inChannels}->{outChannels} channelsLast={channelsLast}";
            if (stride != 1 || kernel != 3 || dilation != 1 || inChannels % 16 != 0)
                Assert.AreEqual(ConvolutionAlgorithm.Direct, fast.LastAlgorithm, what);
            TensorAssert.Close(Reference(conv, input), output, what, Tolerance, AbsoluteTolerance);
        }
    }

    [TestMethod]
    public void BatchesBelowEightNeverAddASecondCopyOfTheTransformedWeights()
    {
        using var scope = NewDisposeScope();
        using var conv = NewConv(16, 16, 3, padding: 1);
        using var fast = new OneDnnConvolution(conv, 1L << 30);
        using var _ = inference_mode();

        var small = randn(2, 16, 10, 10);
        TensorAssert.Close(Reference(conv, small), fast.Forward(small), "batch 2 first", Tolerance, AbsoluteTolerance);
        Assert.AreEqual(ConvolutionAlgorithm.Direct, fast.LastAlgorithm, "a small first batch transforms nothing");
        Assert.AreEqual(0, fast.CachedWeightBytes);

        var large = randn(8, 16, 10, 10);
        TensorAssert.Close(Reference(conv, large), fast.Forward(large), "batch 8", Tolerance, AbsoluteTolerance);
        ExpectWinograd(fast, "batch 8");
        var bytes = fast.CachedWeightBytes;
        if (CpuHasWinograd) Assert.IsTrue(bytes >= 16 * 16 * 9 * sizeof(float), $"transformed weights held: {bytes} bytes");

        var one = randn(1, 16, 10, 10);
        TensorAssert.Close(Reference(conv, one), fast.Forward(one), "batch 1 after batch 8", Tolerance, AbsoluteTolerance);
        Assert.AreEqual(bytes, fast.CachedWeightBytes, "batch 1 shares the transformed weights or runs direct");
    }

    [TestMethod]
    public void WinogradLimitBoundsTheTransformedWeights()
    {
        using var scope = NewDisposeScope();
        using var conv = NewConv(32, 32, 3, padding: 1);
        var input = randn(8, 32, 8, 8);
        using var _ = inference_mode();
        using (var none = new OneDnnConvolution(conv, 0))
        {
            TensorAssert.Close(Reference(conv, input), none.Forward(input), "limit 0", Tolerance, AbsoluteTolerance);
            Assert.AreEqual(ConvolutionAlgorithm.Direct, none.LastAlgorithm, "limit 0 disables Winograd");
            Assert.AreEqual(0, none.CachedWeightBytes);
        }
        // 32x32x3x3 weights take 36 KiB raw and about four times that transformed.
        using var tight = new OneDnnConvolution(conv, 64 * 1024);
        TensorAssert.Close(Reference(conv, input), tight.Forward(input), "over the limit", Tolerance, AbsoluteTolerance);
        Assert.AreEqual(ConvolutionAlgorithm.Direct, tight.LastAlgorithm, "transformed weights over the limit run direct");
        Assert.AreEqual(0, tight.CachedWeightBytes);
    }

    [TestMethod]
    public void AWeightWrittenInPlaceDropsTheTransformedCopy()
    {
        using var scope = NewDisposeScope();
        using var conv = NewConv(16, 32, 3, padding: 1);
        using var fast = new OneDnnConvolution(conv, 1L << 30);
        var input = randn(8, 16, 9, 9);
        using (no_grad())
        {
            fast.Forward(input).Dispose();
            ExpectWinograd(fast, "before the update");
            conv.weight.mul_(-2);
        }
        using var _ = no_grad();
        var after = fast.Forward(input);
        TensorAssert.Close(Reference(conv, input), after, "after weight.mul_(-2)", Tolerance, AbsoluteTolerance);

        using (no_grad()) conv.weight.set_data(randn(32, 16, 3, 3));
        TensorAssert.Close(Reference(conv, input), fast.Forward(input), "after weight.set_data", Tolerance, AbsoluteTolerance);
    }

    [TestMethod]
    public void CallsThatRecordGradientsAreRefusedAndConv2dKeepsThem()
    {
        using var scope = NewDisposeScope();
        using var conv = NewConv(16, 16, 3, padding: 1);
        using var fast = new OneDnnConvolution(conv, 1L << 30);
        var input = randn(8, 16, 6, 6);
        var error = Assert.ThrowsException<TorchException>(() => fast.Forward(input));
        StringAssert.Contains(error.Message, "no_grad");

        conv.EnableOneDnnInference(1L << 30);
        var output = conv.call(input);
        Assert.IsTrue(output.requires_grad, "with gradients on, the module keeps conv2d");
        output.sum().backward();
        Assert.IsNotNull(conv.weight.grad);
        using (no_grad()) TensorAssert.Close(Reference(conv, input), conv.call(input), "module under no_grad", Tolerance, AbsoluteTolerance);
        Assert.IsNotNull(conv.OneDnnInference);
        Assert.AreNotEqual(ConvolutionAlgorithm.None, conv.OneDnnInference.LastAlgorithm, "the no_grad call went through oneDNN");

        conv.DisableOneDnnInference();
        Assert.IsNull(conv.OneDnnInference);
        using (no_grad()) Assert.IsTrue(Reference(conv, input).equal(conv.call(input)), "disabled, the module runs conv2d again");
    }

    [TestMethod]
    public void ReplacingTheBiasRebuildsTheModulesConvolution()
    {
        using var scope = NewDisposeScope();
        using var conv = NewConv(16, 16, 3, padding: 1, bias: false);
        conv.EnableOneDnnInference(1L << 30);
        var input = randn(8, 16, 6, 6);
        using (no_grad()) conv.call(input).Dispose();
        conv.bias = new nn.Parameter(ones(16).mul(0.5));
        using var _ = no_grad();
        TensorAssert.Close(Reference(conv, input), conv.call(input), "after a bias was given", Tolerance, AbsoluteTolerance);
    }

    [TestMethod]
    public void BadInputIsAClearError()
    {
        using var scope = NewDisposeScope();
        using var conv = NewConv(16, 16, 3);
        using var fast = new OneDnnConvolution(conv, 1L << 30);
        using var _ = no_grad();
        StringAssert.Contains(Assert.ThrowsException<TorchException>(() => fast.Forward(randn(2, 8, 6, 6))).Message, "8 channels");
        StringAssert.Contains(Assert.ThrowsException<TorchException>(() => fast.Forward(randn(16, 6, 6))).Message, "4-D");
        StringAssert.Contains(Assert.ThrowsException<TorchException>(() => fast.Forward(randn(2, 16, 2, 2))).Message, "smaller than the kernel");
        StringAssert.Contains(Assert.ThrowsException<TorchException>(() => fast.Forward(randn(2, 16, 6, 6).to(ScalarType.Float64))).Message, "float32");
        using var grouped = nn.Conv2d(16, 16, 3, groups: 4);
        Assert.IsFalse(OneDnnConvolution.Supports(grouped));
        Assert.ThrowsException<TorchException>(() => new OneDnnConvolution(grouped, 0));
    }
}
