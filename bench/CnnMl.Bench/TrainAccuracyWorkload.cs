using System.Diagnostics;
using System.Globalization;
using CnnMl.Datasets;
using CnnMl.Models;
using CnnMl.Torch;
using CnnMl.Trainers;
using static CnnMl.Torch.torch;

namespace CnnMl.Bench;

/// <summary>
/// Trains a zoo network with one recipe on the Fashion-MNIST training set (or its first
/// <c>--train-limit</c> rows) through the pipeline, FashionMnist.Load → LeNet/ResNet trainer →
/// MulticlassClassification.Evaluate on the 10,000 test images, as bench/python/train_accuracy.py
/// does in PyTorch with the same options: the same architecture and default initialization, the
/// same optimizer and hyper-parameters, batch size, epochs and normalization, the training rows
/// reshuffled every epoch (the trainer's policy), the last partial batch kept.
/// </summary>
public sealed class TrainAccuracyWorkload : IWorkload
{
    public string Description => "trains on Fashion-MNIST through the pipeline and prints the test accuracy";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        new("model", "lenet5", "lenet5 or lenet5_relu (LeNet trainer), resnet18_small or resnet50_small (ResNet trainer, that Depth, SmallInputStem), or any other ModelZoo name (Cnn trainer)"),
        new("epochs", "2", "passes over the training rows"),
        new("batch", "64", "images per step"),
        new("optimizer", "adam", "sgd, adam or adamw"),
        new("lr", "0.002", "learning rate"),
        new("momentum", "0.9", "SGD momentum"),
        new("weight-decay", "0", "L2 (sgd, adam) or decoupled (adamw) weight decay"),
        new("schedule", "constant", "per-epoch learning rate: constant, cosine or step (times --step-gamma every --step-size epochs)"),
        new("step-size", "1", "epochs between decays of the step schedule"),
        new("step-gamma", "0.1", "factor of each decay of the step schedule"),
        new("normalize", "none", "'mean,std' subtracted and divided, or 'none'"),
        new("train-limit", "0", "first N training rows (0: all 60,000)"),
        new("threads", "1", "libtorch intra-op threads"),
        new("device", "cpu", "cpu or cuda[:N] (MLContext.GpuDeviceId N, Device = Cuda)"),
        new("seed", "0", "random seed"),
        new("amp", "none", "none (float32) or bf16 (Precision = BFloat16: autocast forward and loss; the test pass stays float32)"),
        new("dir", FashionMnist.DefaultDirectory, "folder of the Fashion-MNIST IDX files"),
    ];

    public BenchResult Run(BenchArgs a)
    {
        var modelName = a.String("model");
        int epochs = a.Int("epochs"), batch = a.Int("batch"), limit = a.Int("train-limit", 0);
        int threads = a.Int("threads"), seed = a.Int("seed", 0);
        var optimizerName = a.String("optimizer");
        double lr = a.Double("lr", positive: true), momentum = a.Double("momentum"), weightDecay = a.Double("weight-decay");
        int stepSize = a.Int("step-size", 1);
        double stepGamma = a.Double("step-gamma");
        var schedule = a.String("schedule") switch
        {
            "constant" => LearningRateSchedule.Constant,
            "cosine" => LearningRateSchedule.Cosine,
            "step" => LearningRateSchedule.Step,
            var s => throw new ArgumentException($"--schedule must be constant, cosine or step, got '{s}'"),
        };
        var optimizer = BenchTrainers.Optimizer(optimizerName);
        var amp = a.String("amp");
        var precision = BenchTrainers.Precision(amp);
        var normalize = a.String("normalize");
        var augmentation = new AugmentationOptions();
        if (normalize != "none")
        {
            var parts = normalize.Split(',');
            if (parts.Length != 2) throw new ArgumentException($"--normalize must be 'mean,std' or 'none', got '{normalize}'");
            augmentation.NormalizeMean = [float.Parse(parts[0], CultureInfo.InvariantCulture)];
            augmentation.NormalizeStd = [float.Parse(parts[1], CultureInfo.InvariantCulture)];
        }

        var device = a.Device();

        set_num_threads(threads);
        var mlContext = new MLContext(seed) { GpuDeviceId = device.type == DeviceType.CUDA ? Math.Max(device.index, 0) : null };
        var directory = a.String("dir");
        var train = FashionMnist.Load(mlContext, train: true, directory, limit > 0 ? new DatasetLoadOptions { MaxRows = limit } : null);
        var test = FashionMnist.Load(mlContext, train: false, directory);

        double lastLoss = double.NaN;
        void Common(CnnTrainerOptions o)
        {
            o.Epochs = epochs;
            o.BatchSize = batch;
            o.Optimizer = optimizer;
            o.LearningRate = lr;
            o.Momentum = momentum;
            o.WeightDecay = weightDecay;
            o.LearningRateSchedule = schedule;
            o.StepSize = stepSize;
            o.StepGamma = stepGamma;
            o.Seed = seed;
            o.Device = device.type == DeviceType.CUDA ? TrainingDevice.Cuda : TrainingDevice.Cpu;
            o.Augmentation = augmentation;
            o.Precision = precision;
            o.MetricsCallback = m =>
            {
                if (!m.IsEpochEnd) return;
                lastLoss = Math.Round(m.TrainCrossEntropy, 4);
                Console.Error.WriteLine($"epoch {m.Epoch}: train loss {m.TrainCrossEntropy:F4}, train accuracy {m.TrainAccuracy:F4}, {m.ImagesPerSecond:F0} img/s");
            };
        }
        var trainer = BenchTrainers.Create(mlContext, modelName, Common);

        var clock = Stopwatch.StartNew();
        using var model = trainer.Fit(train);
        var trainSeconds = clock.Elapsed.TotalSeconds;
        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
        var rows = limit > 0 ? Math.Min(limit, 60_000) : 60_000;
        long paramCount = model.Model.parameters().Sum(p => p.numel());

        return new BenchResult()
            .Add("model", modelName).Add("impl", "cnnml").Add("recipe", Recipe(optimizerName, lr, batch, momentum, weightDecay, ScheduleName(a.String("schedule"), stepSize, stepGamma), normalize, amp))
            .Add("epochs", epochs).Add("batch", batch).Add("threads", get_num_threads()).Add("train_rows", rows).Add("params", paramCount)
            .Add("test_accuracy", Math.Round(metrics.MicroAccuracy, 4)).Add("train_seconds", Math.Round(trainSeconds, 2))
            .Add("images_per_sec", Math.Round(rows * epochs / trainSeconds, 1)).Add("final_train_loss", lastLoss)
            .Add("peak_rss_mb", BenchResult.PeakRssMb())
            .AddDevice(device, amp);
    }

    private static string ScheduleName(string schedule, int stepSize, double stepGamma) =>
        schedule == "step" ? $"step({stepSize},{G(stepGamma)})" : schedule;

    /// <summary>The recipe as one string, built exactly as train_accuracy.py's recipe_name.</summary>
    private static string Recipe(string optimizer, double lr, int batch, double momentum, double weightDecay, string schedule, string normalize, string amp)
    {
        var parts = new List<string> { optimizer, $"lr={G(lr)}", $"b={batch}" };
        if (optimizer == "sgd") parts.Add($"m={G(momentum)}");
        parts.Add($"wd={G(weightDecay)}");
        if (schedule != "constant") parts.Add(schedule);
        parts.Add("norm=" + normalize);
        if (amp != "none") parts.Add("amp=" + amp);
        return string.Join(' ', parts);
    }

    private static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
