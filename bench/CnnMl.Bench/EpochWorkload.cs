using System.Diagnostics;
using System.Globalization;
using CnnMl.Datasets;
using CnnMl.Trainers;
using static CnnMl.Torch.torch;

namespace CnnMl.Bench;

/// <summary>
/// End to end: one epoch of a network on the real Fashion-MNIST training set (or its first
/// <c>--train-limit</c> rows), data loading included, in float32 or under bfloat16 autocast
/// (<c>--amp bf16</c>, the trainers' <see cref="CnnTrainerOptions.Precision"/>). The clock starts
/// before FashionMnist.Load reads the IDX files and stops when the trainer's Fit returns, so it covers
/// reading, decoding, batching, shuffling and the training steps, as bench/python/epoch.py does with a
/// Dataset over the same files and a DataLoader. Pixels are scaled to 0..1 with no normalization and
/// no augmentation on both sides; the epoch's mean training loss (final_train_loss) checks that both
/// sides trained alike.
/// </summary>
public sealed class EpochWorkload : IWorkload
{
    public string Description => "one epoch on Fashion-MNIST through a trainer, from reading the files to the end of Fit";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        new("model", "lenet5", "lenet5 or lenet5_relu (LeNet trainer), resnet18_small or resnet50_small (ResNet trainer, that Depth, SmallInputStem), or any other ModelZoo name (Cnn trainer)"),
        new("batch", "64", "images per step"),
        new("optimizer", "adam", "sgd (momentum 0.9), adam or adamw"),
        new("lr", "0.002", "learning rate"),
        new("threads", "1", "libtorch intra-op threads"),
        new("seed", "0", "random seed"),
        new("amp", "none", "none (float32) or bf16 (Precision = BFloat16: autocast forward and loss)"),
        new("train-limit", "0", "first N training rows (0: all 60,000)"),
        new("dir", FashionMnist.DefaultDirectory, "folder of the Fashion-MNIST IDX files"),
    ];

    public BenchResult Run(BenchArgs a)
    {
        var modelName = a.String("model");
        int batch = a.Int("batch"), threads = a.Int("threads"), seed = a.Int("seed", 0), limit = a.Int("train-limit", 0);
        var amp = a.String("amp");
        var precision = BenchTrainers.Precision(amp);
        var optimizerName = a.String("optimizer");
        var optimizer = BenchTrainers.Optimizer(optimizerName);
        var lr = a.Double("lr", positive: true);

        set_num_threads(threads);
        var mlContext = new MLContext(seed);
        double trainLoss = double.NaN;
        var trainer = BenchTrainers.Create(mlContext, modelName, o =>
        {
            o.Epochs = 1;
            o.BatchSize = batch;
            o.Optimizer = optimizer;
            o.LearningRate = lr;
            o.Momentum = 0.9;
            o.WeightDecay = 0;
            o.Seed = seed;
            o.Device = TrainingDevice.Cpu;
            o.Precision = precision;
            o.MetricsCallback = m => { if (m.IsEpochEnd) trainLoss = m.TrainCrossEntropy; };
        });

        var clock = Stopwatch.StartNew();
        var train = FashionMnist.Load(mlContext, train: true, a.String("dir"), limit > 0 ? new DatasetLoadOptions { MaxRows = limit } : null);
        var loadSeconds = clock.Elapsed.TotalSeconds;
        using var model = trainer.Fit(train);
        var seconds = clock.Elapsed.TotalSeconds;
        var rows = train.GetRowCount() ?? (limit > 0 ? Math.Min(limit, 60_000) : 60_000);
        long paramCount = model.Model.parameters().Sum(p => p.numel());

        return new BenchResult()
            .Add("workload", "epoch").Add("model", modelName).Add("impl", "cnnml")
            .Add("optimizer", optimizerName).Add("lr", lr).Add("batch", batch).Add("threads", get_num_threads())
            .Add("params", paramCount).Add("train_rows", rows)
            .Add("images_per_sec", Math.Round(rows / seconds, 1)).Add("seconds", Math.Round(seconds, 2))
            .Add("load_seconds", Math.Round(loadSeconds, 3)).Add("loader", "FashionMnist.Load")
            .Add("final_train_loss", Math.Round(trainLoss, 4))
            .Add("peak_rss_mb", BenchResult.PeakRssMb()).Add("amp", amp);
    }
}
