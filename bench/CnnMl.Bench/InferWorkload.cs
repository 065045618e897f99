using System.Diagnostics;
using CnnMl.Models;
using CnnMl.Torch;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Bench;

/// <summary>
/// Inference throughput (batch <c>--batch</c>, images/s from the median timed call) and batch-1
/// latency (median ms) of one zoo network on fixed random input, through <see cref="InferenceNetwork"/>
/// with each optimization switchable, as bench/python/infer.py does for PyTorch eager
/// (model.eval() under torch.no_grad()). Warm-up calls are not timed.
/// </summary>
public sealed class InferWorkload : IWorkload
{
    public string Description => "inference: batch throughput (images/s) and batch-1 latency (ms), medians of timed calls";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        new("model", "lenet5", "ModelZoo name (lenet5, resnet18_small, resnet50, ...)"),
        new("batch", "64", "images per throughput call"),
        new("size", "28", "image height and width"),
        new("channels", "1", "input channels"),
        new("classes", "10", "output classes"),
        new("threads", "1", "libtorch intra-op threads"),
        new("warmup", "3", "untimed calls first, for each of the two measurements"),
        new("iters", "10", "timed batch calls (median reported)"),
        new("latency-iters", "20", "timed batch-1 calls (median reported)"),
        new("fold-bn", "1", "1: fold batch norms into their convolutions"),
        new("inference-mode", "1", "1: inference_mode; 0: no_grad"),
        new("channels-last", "-1", "1: channels-last weights and input; 0: NCHW; -1: the library's choice"),
        new("onednn", "1", "1: convolutions through oneDNN (Winograd for 3x3 stride 1); 0: at::conv2d"),
        new("winograd-limit-mb", "16", "largest Winograd-domain weights per convolution, MiB (0: no Winograd)"),
        new("seed", "0", "random seed"),
        new("device", "cpu", "cpu or cuda[:N] (each timed call ends with a device synchronization)"),
        new("pipeline", "0", "1: also time ML.NET's Transform over batch x iters rows of an IDataView, read through a cursor (the trained transformer's own scoring path)"),
        new("amp", "none", "none (float32) or bf16 (InferenceOptions.Precision = BFloat16: autocast; the libtorch engine only)"),
        new("engine", "libtorch", "libtorch (InferenceNetwork, the options above) or onnxruntime (the network exported to ONNX, run by ONNX Runtime with ORT_ENABLE_ALL)"),
    ];

    public BenchResult Run(BenchArgs a)
    {
        var modelName = a.String("model");
        int batch = a.Int("batch"), size = a.Int("size"), channels = a.Int("channels"), classes = a.Int("classes", 2);
        int threads = a.Int("threads"), warmup = a.Int("warmup", 0), iters = a.Int("iters"), latencyIters = a.Int("latency-iters");
        int seed = a.Int("seed", 0);
        var device = a.Device();
        var options = new InferenceOptions
        {
            FoldBatchNorm = a.Int("fold-bn", 0) != 0,
            InferenceMode = a.Int("inference-mode", 0) != 0,
            ChannelsLast = a.Int("channels-last", -1) switch { < 0 => null, 0 => false, _ => true },
            OneDnnKernels = a.Int("onednn", 0) != 0,
            WinogradWeightLimitBytes = (long)a.Int("winograd-limit-mb", 0) << 20,
            Precision = a.String("amp") switch
            {
                "none" => InferencePrecision.Float32,
                "bf16" => InferencePrecision.BFloat16,
                var amp => throw new ArgumentException($"--amp must be none or bf16, got '{amp}'"),
            },
        };
        // Which options differ from the library's defaults: the report's row key for this run.
        var variant = string.Join(", ", new[] { "fold-bn", "inference-mode", "channels-last", "onednn", "winograd-limit-mb", "amp", "engine" }
            .Where(o => a.String(o) != Options.First(d => d.Name == o).Default).Select(o => $"{o} {a.String(o)}"));

        set_num_threads(threads);
        var engine = a.String("engine");
        if (engine == "onnxruntime" && options.Precision != InferencePrecision.Float32)
            throw new ArgumentException("--amp bf16 runs the libtorch engine only: ONNX Runtime scores in float32");
        if (engine == "onnxruntime")
            return RunOnnxRuntime(modelName, batch, size, channels, classes, threads, warmup, iters, latencyIters, seed, device, variant, a.Int("pipeline", 0) != 0);
        if (engine != "libtorch") throw new ArgumentException($"--engine must be libtorch or onnxruntime, got '{engine}'");
        random.manual_seed(seed);
        var network = ModelZoo.Create(modelName, classes, channels);
        long paramCount = network.parameters().Sum(p => p.numel());
        network.eval();
        network.to(device);
        var prepare = Stopwatch.StartNew();
        using var fast = InferenceNetwork.Optimize(network, options, ownsNetwork: true);
        var prepareMs = prepare.Elapsed.TotalMilliseconds;
        using var x = randn(new long[] { batch, channels, size, size }, device: device);
        using var x1 = randn(new long[] { 1, channels, size, size }, device: device);

        var (batchSeconds, batchCpu) = Median(() => Call(fast, x), warmup, iters);
        var convs = network.modules().OfType<Conv2d>().Select(c => c.OneDnnInference).OfType<OneDnnConvolution>().ToList();
        int winogradLayers = convs.Count(c => c.LastAlgorithm == ConvolutionAlgorithm.Winograd);
        var (latencySeconds, latencyCpu) = Median(() => Call(fast, x1), warmup, latencyIters);
        long winogradBytes = convs.Sum(c => c.CachedWeightBytes);
        double? pipelineImagesPerSecond = a.Int("pipeline", 0) != 0 ? PipelineImagesPerSecond(modelName, classes, channels, size, seed, batch * Math.Max(iters, 1), batch * warmup, Trainers.CnnScoringEngine.Libtorch) : null;

        var result = new BenchResult()
            .Add("workload", "infer").Add("model", modelName).Add("impl", "cnnml")
            .Add("batch", batch).Add("size", size).Add("channels", channels).Add("classes", classes)
            .Add("threads", get_num_threads()).Add("params", paramCount)
            .Add("images_per_sec", Math.Round(batch / batchSeconds, 2))
            .Add("latency_ms", Math.Round(latencySeconds * 1000, 3))
            .Add("cpu_ms_per_batch", Math.Round(batchCpu * 1000, 3)).Add("cpu_ms_per_image", Math.Round(latencyCpu * 1000, 3))
            .Add("steps", iters).Add("latency_steps", latencyIters)
            .Add("fold_bn", options.FoldBatchNorm).Add("inference_mode", options.InferenceMode).Add("channels_last", fast.Options.ChannelsLast)
            .Add("variant", variant.Length == 0 ? "default" : variant)
            .Add("onednn", options.OneDnnKernels && OneDnnConvolution.IsAvailable)
            .Add("winograd_layers", winogradLayers).Add("winograd_weight_mb", Math.Round(winogradBytes / 1048576.0, 1))
            .Add("folded_pairs", fast.FoldedPairs.Count).Add("prepare_ms", Math.Round(prepareMs, 1))
            .Add("peak_rss_mb", BenchResult.PeakRssMb())
            .AddDevice(device, a.String("amp"));
        if (pipelineImagesPerSecond is { } perSecond)
            result.Add("pipeline_images_per_sec", Math.Round(perSecond, 2)).Add("pipeline_vs_direct", Math.Round(perSecond * batchSeconds / batch, 3));
        return result;
    }

    /// <summary>
    /// Images/s of a <see cref="Trainers.CnnClassificationTransformer"/> over the same network (same seed)
    /// scoring an in-memory IDataView through ML.NET's Transform and a cursor reading Score, as
    /// Evaluate does: the scoring path of a trained pipeline, with its batching and row copies.
    /// </summary>
    private static double PipelineImagesPerSecond(string modelName, int classes, int channels, int size, int seed, int rows, int warmupRows, Trainers.CnnScoringEngine engine)
    {
        random.manual_seed(seed);
        var network = ModelZoo.Create(modelName, classes, channels);
        network.eval();
        using var transformer = new Trainers.CnnClassificationTransformer(network, modelName, Enumerable.Range(0, classes).Select(i => $"c{i}").ToArray(),
            channels, size, size, null, null, "Features", "Score", "PredictedLabel", encodedImages: false) { ScoringEngine = engine };
        var ml = new MLContext(seed);
        var definition = Microsoft.ML.Data.SchemaDefinition.Create(typeof(PixelRow));
        definition["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, channels, size, size);
        var pixels = new Random(seed);
        IDataView Rows(int count) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, count)
            .Select(_ => new PixelRow { Features = Enumerable.Range(0, channels * size * size).Select(_ => (float)pixels.NextDouble()).ToArray() }).ToList(), definition);

        void Pass(IDataView data)
        {
            var scored = transformer.Transform(data);
            var score = scored.Schema["Score"];
            using var cursor = scored.GetRowCursor([score]);
            var getter = cursor.GetGetter<VBuffer<float>>(score);
            VBuffer<float> value = default;
            while (cursor.MoveNext()) getter(ref value);
        }
        if (warmupRows > 0) Pass(Rows(warmupRows));
        var timed = Rows(rows);
        var clock = Stopwatch.StartNew();
        Pass(timed);
        return rows / clock.Elapsed.TotalSeconds;
    }

    private sealed class PixelRow
    {
        public float[] Features { get; set; } = [];
    }

    /// <summary>
    /// Median wall seconds of one call (a <see cref="InferenceNetwork.Predict"/> with its output freed, or an ONNX Runtime run),
    /// and the process CPU seconds per call over the timed calls (less sensitive to a busy machine).
    /// On a GPU each call is timed to the end of its kernels (the CPU side returns before they finish).
    /// </summary>
    private static void Call(InferenceNetwork network, Tensor input)
    {
        network.Predict(input).Dispose();
        if (input.device_type == DeviceType.CUDA) cuda.synchronize();
    }

    /// <summary>
    /// The same measurements through ONNX Runtime: the network (same seed, so the same weights) exported by
    /// <see cref="Onnx.OnnxExport"/> and run by an <see cref="Onnx.OnnxScoringSession"/> with as many
    /// intra-op threads, on the same kind of input; each call returns the probabilities as a float array.
    /// </summary>
    private static BenchResult RunOnnxRuntime(string modelName, int batch, int size, int channels, int classes, int threads,
        int warmup, int iters, int latencyIters, int seed, Device device, string variant, bool pipeline)
    {
        if (device.type != DeviceType.CPU) throw new ArgumentException("--engine onnxruntime runs on the CPU here (the CUDA execution provider needs Microsoft.ML.OnnxRuntime.Gpu.Linux)");
        random.manual_seed(seed);
        var prepare = Stopwatch.StartNew();
        byte[] model;
        long paramCount;
        using (var network = ModelZoo.Create(modelName, classes, channels))
        {
            paramCount = network.parameters().Sum(p => p.numel());
            network.eval();
            model = Onnx.OnnxExport.Export(network, size, size);
        }
        using var session = new Onnx.OnnxScoringSession(model, threads);
        var modelMb = model.Length / 1048576.0;
        model = [];
        var prepareMs = prepare.Elapsed.TotalMilliseconds;
        var pixels = new Random(seed);
        var x = Enumerable.Range(0, batch * channels * size * size).Select(_ => (float)(pixels.NextDouble() * 2 - 1)).ToArray();
        var x1 = x[..(channels * size * size)];
        var (batchSeconds, batchCpu) = Median(() => session.Probabilities(x, batch), warmup, iters);
        var (latencySeconds, latencyCpu) = Median(() => session.Probabilities(x1, 1), warmup, latencyIters);
        double? pipelineImagesPerSecond = pipeline ? PipelineImagesPerSecond(modelName, classes, channels, size, seed, batch * Math.Max(iters, 1), batch * warmup, Trainers.CnnScoringEngine.OnnxRuntime) : null;
        var result = new BenchResult()
            .Add("workload", "infer").Add("model", modelName).Add("impl", "cnnml")
            .Add("batch", batch).Add("size", size).Add("channels", channels).Add("classes", classes)
            .Add("threads", threads).Add("params", paramCount)
            .Add("images_per_sec", Math.Round(batch / batchSeconds, 2))
            .Add("latency_ms", Math.Round(latencySeconds * 1000, 3))
            .Add("cpu_ms_per_batch", Math.Round(batchCpu * 1000, 3)).Add("cpu_ms_per_image", Math.Round(latencyCpu * 1000, 3))
            .Add("steps", iters).Add("latency_steps", latencyIters)
            .Add("variant", variant).Add("engine", "onnxruntime").Add("onnx_mb", Math.Round(modelMb, 1))
            .Add("prepare_ms", Math.Round(prepareMs, 1))
            .Add("peak_rss_mb", BenchResult.PeakRssMb())
            .AddDevice(device);
        if (pipelineImagesPerSecond is { } perSecond)
            result.Add("pipeline_images_per_sec", Math.Round(perSecond, 2)).Add("pipeline_vs_direct", Math.Round(perSecond * batchSeconds / batch, 3));
        return result;
    }

    private static (double wall, double cpu) Median(Action call, int warmup, int iters)
    {
        void Call() => call();
        for (int i = 0; i < warmup; i++) Call();
        var times = new double[iters];
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuStart = process.TotalProcessorTime;
        for (int i = 0; i < iters; i++)
        {
            var start = Stopwatch.GetTimestamp();
            Call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds / iters;
        Array.Sort(times);
        return (iters % 2 == 1 ? times[iters / 2] : (times[iters / 2 - 1] + times[iters / 2]) / 2, cpu);
    }
}
