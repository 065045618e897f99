using System.Diagnostics;
using System.Globalization;
using CnnMl.Datasets;
using CnnMl.Models;
using CnnMl.Trainers;
using static CnnMl.Torch.torch;

namespace CnnMl.Bench;

/// <summary>
/// What bfloat16 scoring changes (issue 19): trains a network on Fashion-MNIST through the pipeline
/// (float32 by default), then scores the 10,000 test images three times through the transformer's
/// Transform: the default engine (ONNX Runtime, float32), libtorch in float32, and libtorch with
/// <see cref="InferenceOptions.Precision"/> = BFloat16. Reports each one's test accuracy and images/s,
/// and how far bfloat16 moves the predictions from libtorch's float32: the share of test images with
/// the same predicted label, and the largest and mean absolute difference of a class probability.
/// </summary>
public sealed class ScorePrecisionWorkload : IWorkload
{
    public string Description => "bfloat16 against float32 scoring of a trained network on the Fashion-MNIST test set";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        new("model", "lenet5_relu", "lenet5 or lenet5_relu (LeNet trainer), resnet18_small or resnet50_small (ResNet trainer, SmallInputStem), or any other ModelZoo name (Cnn trainer)"),
        new("epochs", "1", "passes over the training rows"),
        new("batch", "64", "images per training step"),
        new("optimizer", "adam", "sgd (momentum 0.9), adam or adamw"),
        new("lr", "0.002", "learning rate"),
        new("train-limit", "0", "first N training rows (0: all 60,000)"),
        new("amp", "none", "training precision: none (float32) or bf16"),
        new("threads", "2", "libtorch intra-op threads"),
        new("seed", "0", "random seed"),
        new("dir", FashionMnist.DefaultDirectory, "folder of the Fashion-MNIST IDX files"),
    ];

    public BenchResult Run(BenchArgs a)
    {
        var modelName = a.String("model");
        int epochs = a.Int("epochs"), batch = a.Int("batch"), limit = a.Int("train-limit", 0), threads = a.Int("threads"), seed = a.Int("seed", 0);
        var optimizer = BenchTrainers.Optimizer(a.String("optimizer"));
        var lr = a.Double("lr", positive: true);
        var precision = BenchTrainers.Precision(a.String("amp"));

        set_num_threads(threads);
        var mlContext = new MLContext(seed);
        var directory = a.String("dir");
        var train = FashionMnist.Load(mlContext, train: true, directory, limit > 0 ? new DatasetLoadOptions { MaxRows = limit } : null);
        var test = FashionMnist.Load(mlContext, train: false, directory);
        var trainer = BenchTrainers.Create(mlContext, modelName, o =>
        {
            o.Epochs = epochs;
            o.BatchSize = batch;
            o.Optimizer = optimizer;
            o.LearningRate = lr;
            o.WeightDecay = 0;
            o.Seed = seed;
            o.Device = TrainingDevice.Cpu;
            o.Precision = precision;
        });
        using var model = trainer.Fit(train);

        var onnx = Score(mlContext, model, test, CnnScoringEngine.Auto, InferencePrecision.Float32);
        var fp32 = Score(mlContext, model, test, CnnScoringEngine.Libtorch, InferencePrecision.Float32);
        var bf16 = Score(mlContext, model, test, CnnScoringEngine.Auto, InferencePrecision.BFloat16);

        int agree = 0;
        double maxDiff = 0, sumDiff = 0;
        long values = 0;
        for (int i = 0; i < fp32.Probabilities.Length; i++)
        {
            if (ArgMax(fp32.Probabilities[i]) == ArgMax(bf16.Probabilities[i])) agree++;
            for (int k = 0; k < fp32.Probabilities[i].Length; k++)
            {
                var d = Math.Abs(fp32.Probabilities[i][k] - bf16.Probabilities[i][k]);
                maxDiff = Math.Max(maxDiff, d);
                sumDiff += d;
                values++;
            }
        }
        int onnxAgree = Enumerable.Range(0, fp32.Probabilities.Length).Count(i => ArgMax(fp32.Probabilities[i]) == ArgMax(onnx.Probabilities[i]));

        return new BenchResult()
            .Add("workload", "score-precision").Add("model", modelName).Add("impl", "cnnml")
            .Add("epochs", epochs).Add("train_rows", train.GetRowCount() ?? limit).Add("train_amp", a.String("amp"))
            .Add("threads", get_num_threads()).Add("params", model.Model.parameters().Sum(p => p.numel()))
            .Add("test_rows", fp32.Probabilities.Length)
            .Add("onnx_engine", onnx.Engine).Add("bf16_engine", bf16.Engine)
            .Add("accuracy_onnxruntime", Math.Round(onnx.Accuracy, 4)).Add("accuracy_libtorch_fp32", Math.Round(fp32.Accuracy, 4))
            .Add("accuracy_libtorch_bf16", Math.Round(bf16.Accuracy, 4))
            .Add("images_per_sec_onnxruntime", Math.Round(onnx.ImagesPerSecond, 1)).Add("images_per_sec_libtorch_fp32", Math.Round(fp32.ImagesPerSecond, 1))
            .Add("images_per_sec_libtorch_bf16", Math.Round(bf16.ImagesPerSecond, 1))
            .Add("bf16_label_agreement", Math.Round((double)agree / fp32.Probabilities.Length, 5)).Add("bf16_labels_changed", fp32.Probabilities.Length - agree)
            .Add("bf16_max_probability_difference", Math.Round(maxDiff, 5)).Add("bf16_mean_probability_difference", Math.Round(sumDiff / values, 6))
            .Add("onnxruntime_labels_changed", fp32.Probabilities.Length - onnxAgree)
            .Add("peak_rss_mb", BenchResult.PeakRssMb());
    }

    private sealed record Scoring(float[][] Probabilities, double Accuracy, double ImagesPerSecond, string Engine);

    /// <summary>Scores the test set once through Transform with one engine and precision (the engine is set up on a first, untimed batch).</summary>
    private static Scoring Score(MLContext mlContext, CnnClassificationTransformer model, IDataView test, CnnScoringEngine engine, InferencePrecision precision)
    {
        model.ScoringEngine = engine;
        model.InferenceOptions = new InferenceOptions { Precision = precision };
        ReadScores(model.Transform(mlContext.Data.TakeRows(test, model.ScoringBatchSize)), model.ScoreColumnName);
        var clock = Stopwatch.StartNew();
        var scored = model.Transform(test);
        var probabilities = ReadScores(scored, model.ScoreColumnName);
        var seconds = clock.Elapsed.TotalSeconds;
        var metrics = mlContext.MulticlassClassification.Evaluate(scored);
        return new Scoring(probabilities, metrics.MicroAccuracy, probabilities.Length / seconds, model.ScoringEngineInUse ?? "?");
    }

    private static float[][] ReadScores(IDataView scored, string scoreColumn)
    {
        var column = scored.Schema[scoreColumn];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var buffer = default(VBuffer<float>);
        var rows = new List<float[]>();
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            rows.Add(buffer.DenseValues().ToArray());
        }
        return rows.ToArray();
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
