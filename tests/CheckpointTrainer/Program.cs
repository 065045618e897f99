using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using CnnMl.Torch;
using CnnMl.Trainers;

// Trains a small LeNet on deterministic synthetic images and writes the final weights.
// Arguments: <checkpoint folder or "-"> <weights output path> <checkpoint every N batches> <milliseconds to pause per batch>
// Prints "epoch E batch B" after every batch so a test can kill it at a chosen point.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: CnnMl.CheckpointTrainer <checkpoints|-> <weights.safetensors> <everyBatches> <pauseMs>");
    return 2;
}
var checkpoints = args[0] == "-" ? null : args[0];
var pause = int.Parse(args[3], CultureInfo.InvariantCulture);
var ml = new MLContext(seed: 3);
var random = new Random(3);
var rows = Enumerable.Range(0, 320).Select(i => new SyntheticImage
{
    Features = Enumerable.Range(0, 28 * 28).Select(p => (float)random.NextDouble() * (1 + i % 3) / 3).ToArray(),
    Label = (i % 3).ToString(CultureInfo.InvariantCulture),
}).ToList();
var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
var options = new LeNetTrainer.Options
{
    Variant = "lenet5",
    Epochs = 3,
    BatchSize = 16,
    Optimizer = CnnOptimizer.Adam,
    LearningRate = 1e-3,
    Seed = 21,
    Augmentation = new AugmentationOptions { RandomCropPadding = 2, RandomHorizontalFlip = true },
    CheckpointDirectory = checkpoints,
    CheckpointEveryBatches = checkpoints is null ? 0 : int.Parse(args[2], CultureInfo.InvariantCulture),
    MetricsBatchInterval = 1,
    MetricsCallback = m =>
    {
        if (m.IsEpochEnd) return;
        Console.WriteLine($"epoch {m.Epoch} batch {m.BatchesProcessed}");
        if (pause > 0) Thread.Sleep(pause);
    },
};
using var model = ml.MulticlassClassification.Trainers.LeNet(options).Fit(data);
Safetensors.Save(model.Model.state_dict(), args[1]);
Console.WriteLine("done");
return 0;

/// <summary>One synthetic 28x28 gray image and its class.</summary>
internal sealed class SyntheticImage
{
    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = Array.Empty<float>();

    public string Label { get; set; } = "";
}
