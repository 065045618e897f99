using System.Diagnostics;
using System.Text.Json.Nodes;
using CnnMl.Models;
using CnnMl.Torch;
using CnnMl.Trainers;
using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Bench;

/// <summary>
/// SGD (momentum 0.9) training steps on fixed synthetic tensors created once, as
/// bench/python/train_step.py does. The hot loop is one dispose scope per step around
/// zero_grad, forward, cross_entropy, backward and step; nothing else crosses into libtorch.
/// The result also carries the model's forward multiply-accumulates per image (<see cref="ModelSummary"/>),
/// from which the report derives both sides' achieved GFLOP/s. Under a launcher (<c>cnnml launch</c>,
/// WORLD_SIZE > 1) each rank trains its batch data-parallel as the trainers do (<see cref="DataParallel"/>:
/// c10d's Reducer over Gloo, rank 0's buffers sent before each step) and rank 0 reports the job's
/// images/s and c10d's all-reduce timings, as bench/python/train_step.py does under torchrun.
/// </summary>
public sealed class TrainStepWorkload : IWorkload
{
    public string Description => "SGD(momentum 0.9) training steps on synthetic data; images/s over the timed steps";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        new("model", "lenet5", "ModelZoo name (lenet5, resnet18_small, ...)"),
        new("batch", "64", "images per step"),
        new("size", "28", "image height and width"),
        new("channels", "1", "input channels"),
        new("classes", "10", "output classes"),
        new("threads", "1", "libtorch intra-op threads"),
        new("warmup", "10", "untimed steps first"),
        new("steps", "50", "timed steps"),
        new("seed", "0", "random seed"),
        new("phases", "0", "1: also time zero_grad/forward/backward/step separately (ms per step)"),
        new("device", "cpu", "cpu or cuda[:N]"),
        new("amp", "none", "none or bf16 (autocast forward and loss)"),
        new("channels-last", "-1", "1: channels-last weights and batch; 0: NCHW; -1: the trainer's choice (ChannelsLastLayout)"),
    ];

    public BenchResult Run(BenchArgs a)
    {
        var modelName = a.String("model");
        int batch = a.Int("batch"), size = a.Int("size"), channels = a.Int("channels"), classes = a.Int("classes", 2);
        int threads = a.Int("threads"), warmup = a.Int("warmup", 0), steps = a.Int("steps"), seed = a.Int("seed", 0);
        bool phases = a.Int("phases", 0) != 0;
        var device = a.Device();
        var amp = a.String("amp");
        if (amp is not ("none" or "bf16")) throw new ArgumentException($"--amp must be none or bf16, got '{amp}'");

        set_num_threads(threads);
        random.manual_seed(seed);
        using var model = ModelZoo.Create(modelName, classes, channels);
        model.train();
        var parameters = model.parameters().ToArray();
        long paramCount = parameters.Sum(p => p.numel());
        // Forward multiply-accumulates per image, for the report's achieved GFLOP/s (training ≈ 3 × forward).
        var gmacs = ModelSummary.Summary(model, channels, size, size).GigaMacs;
        model.to(device); // after the summary, which runs on the CPU; parameters keep their identity
        // The trainer's rule (CnnTrainerOptions.ChannelsLast = null): channels-last on the CPU where it pays.
        var channelsLast = a.Int("channels-last", -1) switch
        {
            < 0 => device.type == DeviceType.CPU && (amp == "bf16" ? ChannelsLastLayout.PaysInBFloat16(model) : ChannelsLastLayout.Pays(model)),
            0 => false,
            _ => true,
        };
        if (channelsLast) ChannelsLastLayout.ConvertWeights(model);
        using var optimizer = optim.SGD(parameters, lr: 0.01, momentum: 0.9);
        var job = DistributedTrainingOptions.FromEnvironment() is { WorldSize: > 1 } distributed ? CnnDistributed.Join(distributed) : null;
        using var parallel = job is null ? null : new DataParallel(job, (ClassifierNetwork)model, parameters);
        parallel?.Reducer.SetRuntimeStatisticsSampleRate(1);
        var ranks = parallel?.WorldSize ?? 1;
        using var x = randn(new long[] { batch, channels, size, size }, device: device);
        using var y = randint(0, classes, new long[] { batch }, device: device);
        var autocastType = amp == "bf16" ? device.type : (DeviceType?)null;

        var timer = phases ? new PhaseTimer() : null;
        long step = 0;
        for (int i = 0; i < warmup; i++) Step(model, optimizer, x, y, null, autocastType, channelsLast, parallel, step++);
        timer?.Reset();
        cuda.synchronize();
        parallel?.Barrier("the timed steps' start");
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var cpuStart = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step(model, optimizer, x, y, timer, autocastType, channelsLast, parallel, step++);
        cuda.synchronize();
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        var allReduce = parallel?.Reducer.AverageTime("avg_backward_comm_time");
        var overlap = parallel?.Reducer.AverageTime("avg_backward_compute_comm_overlap_time");
        parallel?.Barrier("the timed steps' end");

        var result = new BenchResult()
            .Add("model", modelName).Add("impl", "cnnml")
            .Add("batch", batch).Add("size", size).Add("channels", channels).Add("classes", classes)
            .Add("threads", get_num_threads()).Add("params", paramCount)
            .Add("images_per_sec", Math.Round(batch * ranks * steps / seconds, 2)).Add("steps", steps).Add("ranks", ranks)
            .Add("seconds", Math.Round(seconds, 4)).Add("cpu_seconds", Math.Round(cpuSeconds, 4)).Add("gmacs_per_image", Math.Round(gmacs, 5))
            .Add("peak_rss_mb", BenchResult.PeakRssMb()).Add("channels_last", channelsLast);
        result.AddDevice(device, amp);
        if (parallel is not null)
        {
            // c10d's averages over the recorded steps (all of them, warm-up included), as PyTorch's DDP logging reports them.
            result.Add("allreduce_ms", Math.Round(allReduce?.TotalMilliseconds ?? 0, 3)).Add("overlap_ms", Math.Round(overlap?.TotalMilliseconds ?? 0, 3));
        }
        timer?.AddTo(result, steps);
        return result;
    }

    /// <summary>One step as the trainer takes it: a channels-last run converts each batch, as TrainingSession does.</summary>
    private static void Step(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y, PhaseTimer? timer, DeviceType? autocastType, bool channelsLast,
        DataParallel? parallel, long step)
    {
        using var scope = NewDisposeScope();
        if (channelsLast) x = ChannelsLastLayout.Batch(x);
        optimizer.zero_grad();
        timer?.Mark(0);
        parallel?.BeforeForward(step);
        Tensor loss;
        using (autocastType is { } type ? autocast(type, ScalarType.BFloat16) : null)
            loss = F.cross_entropy(model.call(x), y);
        parallel?.PrepareForBackward(loss);
        timer?.Mark(1);
        loss.backward();
        timer?.Mark(2);
        optimizer.step();
        timer?.Mark(3);
    }

    /// <summary>Accumulates the time spent in each phase of the step (zero_grad, forward+loss, backward, step).</summary>
    private sealed class PhaseTimer
    {
        private static readonly string[] Names = ["zero_grad_ms", "forward_ms", "backward_ms", "step_ms"];
        private readonly long[] ticks = new long[Names.Length];
        private long last = Stopwatch.GetTimestamp();

        public void Reset()
        {
            Array.Clear(ticks);
            last = Stopwatch.GetTimestamp();
        }

        public void Mark(int phase)
        {
            var now = Stopwatch.GetTimestamp();
            // zero_grad opens the step: the time since the previous step's end includes the scope's disposal.
            ticks[phase] += now - last;
            last = now;
        }

        public void AddTo(BenchResult result, int steps)
        {
            for (int i = 0; i < Names.Length; i++)
                result.Add(Names[i], Math.Round(ticks[i] * 1000.0 / Stopwatch.Frequency / steps, 3));
        }
    }
}
