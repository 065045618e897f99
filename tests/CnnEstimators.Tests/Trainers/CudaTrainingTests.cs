using Microsoft.ML.Data;
using CnnMl.Datasets;
using CnnMl.Tests;
using CnnMl.Torch;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// GPU smoke test: ResNet-18 and EfficientNet-B0 train a few steps on Fashion-MNIST through the
/// pipeline with Device = Cuda, score on the GPU, and a saved model scores the same on the CPU.
/// Skipped (inconclusive) without CUDA. CNNML_FASHION_MNIST_DIR names a folder of IDX files
/// (the GPU kit carries a slice); Debian's dataset-fashion-mnist is the default.
/// </summary>
[TestClass]
public sealed class CudaTrainingTests
{
    private sealed class Scored
    {
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    public static IEnumerable<object[]> Networks => new[]
    {
        new object[] { "resnet18" },
        new object[] { "efficientnet_b0" },
    };

    [TestMethod]
    [DynamicData(nameof(Networks))]
    public void TrainsOnTheGpuThroughThePipeline(string architecture)
    {
        var gpu = CudaTestDevice.Get();
        var ml = new MLContext(seed: 1) { GpuDeviceId = gpu.index };
        var folder = Environment.GetEnvironmentVariable("CNNML_FASHION_MNIST_DIR") is { Length: > 0 } dir ? dir : null;
        var train = FashionMnist.Load(ml, train: true, folder, new DatasetLoadOptions { MaxRows = 512 });
        var test = FashionMnist.Load(ml, train: false, folder, new DatasetLoadOptions { MaxRows = 128 });
        var losses = new List<double>();
        var pipeline = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options
        {
            Architecture = architecture,
            Epochs = 2,
            BatchSize = 64,
            Device = TrainingDevice.Cuda,
            MetricsCallback = m => { if (!m.IsEpochEnd) losses.Add(m.TrainCrossEntropy); },
            MetricsBatchInterval = 1,
        }).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);
        Assert.IsTrue(losses.Count >= 8 && losses.All(double.IsFinite), $"losses: {string.Join(", ", losses)}");

        var gpuScores = ml.Data.CreateEnumerable<Scored>(model.Transform(test), reuseRowObject: false).ToList();
        Assert.AreEqual(128, gpuScores.Count);
        foreach (var row in gpuScores)
        {
            Assert.AreEqual(10, row.Score.Length);
            Assert.AreEqual(1.0, row.Score.Sum(), 1e-3);
        }

        // The model file is written from GPU tensors; loaded, it scores on the CPU.
        var path = Path.Combine(Path.GetTempPath(), $"cnnml-cuda-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var cpuScores = ml.Data.CreateEnumerable<Scored>(loaded.Transform(test), reuseRowObject: false).ToList();
            var agree = gpuScores.Zip(cpuScores).Count(p => p.First.PredictedLabel == p.Second.PredictedLabel);
            Assert.IsTrue(agree >= 124, $"GPU and CPU predictions agree on {agree} of 128 rows");
            var worst = gpuScores.Zip(cpuScores).Max(p => p.First.Score.Zip(p.Second.Score).Max(s => Math.Abs(s.First - s.Second)));
            Assert.IsTrue(worst < 1e-2, $"largest score difference GPU vs CPU {worst}");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
