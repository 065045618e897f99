using System.Diagnostics;
using System.Globalization;
using CnnMl.Datasets;
using CnnMl.Trainers;
using static CnnMl.Torch.torch;

namespace CnnMl.Bench;

/// <summary>
/// End to end: one epoch of LeNet-5 on the real Fashion-MNIST training set, data loading included.
/// The clock starts before FashionMnist.Load reads the IDX files and stops when the LeNet trainer's
/// Fit returns, so it covers reading, decoding, batching, shuffling and the training steps, as
/// bench/python/epoch.py does with a Dataset over the same files and a DataLoader. Pixels are
/// scaled to 0..1 with no normalization and no augmentation on both sides; the epoch's mean training
/// loss (final_train_loss) checks that both sides trained alike.
/// </summary>
public sealed class EpochWorkload : IWorkload
{
    public string Description => "one epoch of LeNet-5 on Fashion-MNIST, from reading the files to the end of Fit";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        new("model", "lenet5", "lenet5 or lenet5_relu (the LeNet trainer's Variant)"),
        new("batch", "64", "images per step"),
        new("optimizer", "adam", "sgd (momentum 0.9) or adam"),
        new("lr", "0.002", "learning rate"),
        new("threads", "1", "libtorch intra-op threads"),
        new("seed", "0", "random seed"),
        new("dir", FashionMnist.DefaultDirectory, "folder of the Fashion-MNIST IDX files"),
    ];

    public BenchResult Run(BenchArgs a)
    {
        var modelName = a.String("model");
        int batch = a.Int("batch"), threads = a.Int("threads"), seed = a.Int("seed", 0);
        var optimizerName = a.String("optimizer");
        var optimizer = optimizerName switch
        {
            "sgd" => CnnOptimizer.Sgd,
            "adam" => CnnOptimizer.Adam,
            _ => throw new ArgumentException($"--optimizer must be sgd or adam, got '{optimizerName}'"),
        };
        if (!double.TryParse(a.String("lr"), NumberStyles.Float, CultureInfo.InvariantCulture, out var lr) || !(lr > 0))
            throw new ArgumentException($"--lr must be a positive number, got '{a.String("lr")}'");
        if (modelName is not ("lenet5" or "lenet5_relu"))
            throw new ArgumentException($"--model must be lenet5 or lenet5_relu, got '{modelName}'");

        set_num_threads(threads);
        var mlContext = new MLContext(seed);
        double trainLoss = double.NaN;
        var trainer = mlContext.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options
        {
            Variant = modelName,
            Epochs = 1,
            BatchSize = batch,
            Optimizer = optimizer,
            LearningRate = lr,
            Momentum = 0.9,
            WeightDecay = 0,
            Seed = seed,
            Device = TrainingDevice.Cpu,
            MetricsCallback = m => { if (m.IsEpochEnd) trainLoss = m.TrainCrossEntropy; },
        });

        var clock = Stopwatch.StartNew();
        var train = FashionMnist.Load(mlContext, train: true, a.String("dir"));
        var loadSeconds = clock.Elapsed.TotalSeconds;
        using var model = trainer.Fit(train);
        var seconds = clock.Elapsed.TotalSeconds;
        var rows = train.GetRowCount() ?? 60_000;
        long paramCount = model.Model.parameters().Sum(p => p.numel());

        return new BenchResult()
            .Add("workload", "epoch").Add("model", modelName).Add("impl", "cnnml")
            .Add("optimizer", optimizerName).Add("lr", lr).Add("batch", batch).Add("threads", get_num_threads())
            .Add("params", paramCount).Add("train_rows", rows)
            .Add("images_per_sec", Math.Round(rows / seconds, 1)).Add("seconds", Math.Round(seconds, 2))
            .Add("load_seconds", Math.Round(loadSeconds, 3)).Add("loader", "FashionMnist.Load")
            .Add("final_train_loss", Math.Round(trainLoss, 4))
            .Add("peak_rss_mb", BenchResult.PeakRssMb());
    }
}
