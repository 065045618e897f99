using Microsoft.ML.Data;
using CnnMl.Datasets;
using CnnMl.Tests;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// GPU smoke test: ResNet-18 and EfficientNet-B0 train a few steps on Fashion-MNIST through the
/// pipeline with Device = Cuda, score on the GPU, and a saved model scores the same on the CPU: the
/// same weights, so logits, labels and scores agree within float32 rounding of this network.
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

    /// <summary>Float16 mixed precision with loss scaling trains on the GPU, to bfloat16's accuracy within 5 points.</summary>
    [TestMethod]
    public void TrainsInFloat16WithLossScalingOnTheGpu()
    {
        var gpu = CudaTestDevice.Get();
        var ml = new MLContext(seed: 1) { GpuDeviceId = gpu.index };
        var folder = Environment.GetEnvironmentVariable("CNNML_FASHION_MNIST_DIR") is { Length: > 0 } dir ? dir : null;
        var train = FashionMnist.Load(ml, train: true, folder, new DatasetLoadOptions { MaxRows = 2048 });
        var test = FashionMnist.Load(ml, train: false, folder, new DatasetLoadOptions { MaxRows = 512 });
        double Accuracy(TrainingPrecision precision)
        {
            var losses = new List<double>();
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options
            {
                Architecture = "resnet18_small", Epochs = 2, BatchSize = 64, Device = TrainingDevice.Cuda, Precision = precision, Seed = 4,
                MetricsCallback = m => { if (!m.IsEpochEnd) losses.Add(m.TrainCrossEntropy); }, MetricsBatchInterval = 1,
            }).Fit(train);
            Assert.IsTrue(losses.All(double.IsFinite), $"{precision} losses: {string.Join(", ", losses)}");
            Assert.IsTrue(model.Model.parameters().All(p => p.dtype == ScalarType.Float32), $"{precision}: float32 weights");
            return ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        }
        var half = Accuracy(TrainingPrecision.Float16);
        var brain = Accuracy(TrainingPrecision.BFloat16);
        Console.WriteLine($"float16 {half:P1}, bfloat16 {brain:P1}");
        Assert.AreEqual(brain, half, 0.05);
    }

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

        // The model file is written from GPU tensors; loaded, it scores on the CPU. Same weights, so the
        // two may differ only by float32 rounding: within what this network's float32 evaluation warrants.
        var path = Path.Combine(Path.GetTempPath(), $"cnnml-cuda-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var cpuScores = ml.Data.CreateEnumerable<Scored>(loaded.Transform(test), reuseRowObject: false).ToList();

            using var scope = NewDisposeScope();
            var images = Images(test);
            var gpuLogits = Logits(Network(model), images, gpu);
            var cpuLogits = Logits(Network(loaded), images, CPU);
            // A third copy, evaluated in float32 and in float64: how finely float32 resolves this network's function.
            var reference = Network(new MLContext().Model.Load(path, out _)).Model;
            var referenceLogits = Logits(reference, images, CPU);
            reference.to(ScalarType.Float64);
            var exact = Logits(reference, images.to(ScalarType.Float64), CPU);
            var float32Error = referenceLogits.Zip(exact, (a, e) => Math.Abs(a - e)).Max();
            var scale = exact.Max(Math.Abs);
            // Float32 convolutions agree to about 1e-6 of the logit scale across algorithms on a well
            // conditioned network (ResNet-18 here: 6e-7 against float64); 1e-4 leaves room for cuDNN's
            // Winograd or FFT algorithms, whose float32 error can be ten times a direct convolution's (TF32
            // is off). A network whose function float32 resolves more coarsely (EfficientNet-B0 after 16
            // steps: batch-norm statistics far from converged, logits near 1e5, float32 off by 1e-3 of that
            // on the CPU) gets 20 times the error measured here: the GPU rounds differently, not better.
            var tolerance = Math.Max(1e-4 * scale, 20 * float32Error);
            var worst = gpuLogits.Zip(cpuLogits, (g, c) => Math.Abs(g - c)).Max();
            var context = $"{architecture}: logits up to {scale:G3}, CPU float32 error {float32Error:G3} against float64, GPU vs CPU {worst:G3}, tolerance {tolerance:G3}";
            Console.WriteLine(context);
            Assert.IsTrue(worst <= tolerance, $"{context}: the logits differ by more than float32 rounding warrants");

            var classes = gpuScores[0].Score.Length;
            var nearTies = 0;
            for (int row = 0; row < gpuScores.Count; row++)
            {
                var ranked = exact.Skip(row * classes).Take(classes).OrderDescending().ToArray();
                if (ranked[0] - ranked[1] <= 2 * tolerance)
                {
                    // Within rounding of a tie: either label is right.
                    nearTies++;
                    continue;
                }
                Assert.AreEqual(cpuScores[row].PredictedLabel, gpuScores[row].PredictedLabel, $"{context}: row {row}'s label (top two logits {ranked[0]:G6} and {ranked[1]:G6})");
                // Softmax moves no probability by more than twice the largest logit change.
                var scoreDifference = gpuScores[row].Score.Zip(cpuScores[row].Score, (g, c) => Math.Abs(g - c)).Max();
                Assert.IsTrue(scoreDifference <= 2 * tolerance + 1e-6, $"{context}: row {row}'s scores differ by {scoreDifference:G3}");
            }
            Assert.IsTrue(nearTies <= gpuScores.Count / 2, $"{context}: {nearTies} of {gpuScores.Count} rows are within rounding of a tie, too many for the labels to say anything");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The CNN of a fitted pipeline.</summary>
    private static CnnClassificationTransformer Network(ITransformer model) =>
        ((IEnumerable<ITransformer>)model).OfType<CnnClassificationTransformer>().Single();

    /// <summary>The Features column as an [N, C, H, W] CPU tensor.</summary>
    private static Tensor Images(IDataView data)
    {
        var column = data.Schema["Features"];
        var shape = ((VectorDataViewType)column.Type).Dimensions;
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var values = new List<float>();
        VBuffer<float> row = default;
        long rows = 0;
        while (cursor.MoveNext())
        {
            getter(ref row);
            values.AddRange(row.DenseValues());
            rows++;
        }
        return tensor(values.ToArray(), new[] { rows, shape[0], shape[1], shape[2] });
    }

    /// <summary>The network's eval-mode logits for <paramref name="images"/> on <paramref name="device"/>, as doubles.</summary>
    private static double[] Logits(CnnClassificationTransformer network, Tensor images, Device device) => Logits(network.Model, images, device);

    /// <inheritdoc cref="Logits(CnnClassificationTransformer, Tensor, Device)"/>
    private static double[] Logits(Models.ClassifierNetwork network, Tensor images, Device device)
    {
        network.eval();
        using var noGrad = no_grad();
        return network.call(images.to(device)).to(ScalarType.Float64).cpu().ToArray<double>();
    }
}
