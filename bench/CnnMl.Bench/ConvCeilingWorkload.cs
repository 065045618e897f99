using System.Diagnostics;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Bench;

/// <summary>
/// The machine's convolution ceiling: GFLOP/s of one large 3x3 convolution (stride 1, padding 1,
/// forward only, no gradients) on fixed random tensors, as bench/python/conv_ceiling.py does, in
/// float32 or (<c>--amp bf16</c>) on bfloat16 tensors, NCHW or channels-last. FLOPs per call are
/// 2·N·Cout·H·W·Cin·9; the report divides each train-step model's achieved GFLOP/s by the ceiling
/// of its precision.
/// </summary>
public sealed class ConvCeilingWorkload : IWorkload
{
    public string Description => "GFLOP/s of a large 3x3 convolution, forward only (the practical peak of the machine)";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        new("batch", "16", "images per call"),
        new("size", "56", "image height and width"),
        new("channels", "256", "input channels"),
        new("out-channels", "256", "output channels"),
        new("threads", "2", "libtorch intra-op threads"),
        new("warmup", "3", "untimed calls first"),
        new("steps", "20", "timed calls"),
        new("seed", "0", "random seed"),
        new("amp", "none", "none (float32) or bf16 (input, weight and bias in bfloat16, as autocast gives the convolution)"),
        new("channels-last", "0", "1: input and weight channels-last; 0: NCHW"),
    ];

    public BenchResult Run(BenchArgs a)
    {
        int batch = a.Int("batch"), size = a.Int("size"), channels = a.Int("channels"), outChannels = a.Int("out-channels");
        int threads = a.Int("threads"), warmup = a.Int("warmup", 0), steps = a.Int("steps"), seed = a.Int("seed", 0);
        var amp = a.String("amp");
        if (amp is not ("none" or "bf16")) throw new ArgumentException($"--amp must be none or bf16, got '{amp}'");
        var dtype = amp == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
        var format = a.Int("channels-last", 0) != 0 ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous;

        set_num_threads(threads);
        random.manual_seed(seed);
        using var x = Prepare(randn(batch, channels, size, size), dtype, format);
        using var weight = Prepare(randn(outChannels, channels, 3, 3), dtype, format);
        using var bias = Prepare(randn(outChannels), dtype, MemoryFormat.Contiguous);
        long[] stride = [1, 1], padding = [1, 1];

        using var noGrad = no_grad();
        void Call()
        {
            using var y = F.conv2d(x, weight, bias, stride, padding);
        }
        for (int i = 0; i < warmup; i++) Call();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Call();
        var seconds = clock.Elapsed.TotalSeconds;

        double flopsPerCall = 2.0 * batch * outChannels * size * size * channels * 9;
        return new BenchResult()
            .Add("workload", "conv-ceiling").Add("model", "conv3x3").Add("impl", "cnnml")
            .Add("batch", batch).Add("size", size).Add("channels", channels).Add("out_channels", outChannels)
            .Add("threads", get_num_threads()).Add("params", weight.numel() + bias.numel())
            .Add("images_per_sec", Math.Round(batch * steps / seconds, 2)).Add("steps", steps)
            .Add("seconds", Math.Round(seconds, 4)).Add("gflops", Math.Round(flopsPerCall * steps / seconds / 1e9, 1))
            .Add("peak_rss_mb", BenchResult.PeakRssMb()).Add("amp", amp).Add("channels_last", format == MemoryFormat.ChannelsLast);
    }

    private static Tensor Prepare(Tensor fp32, ScalarType dtype, MemoryFormat format)
    {
        using (fp32)
        using (var converted = fp32.to(dtype, copy: true))
            return converted.contiguous(format);
    }
}
