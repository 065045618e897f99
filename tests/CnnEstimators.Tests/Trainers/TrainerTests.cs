using Microsoft.ML.Data;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers.Tests;

[TestClass]
public sealed class TrainerTests
{
    private static LeNetTrainer.Options SmallLeNet(int epochs = 1, int seed = 1) => new()
    {
        Variant = "lenet_20_50",
        Epochs = epochs,
        BatchSize = 32,
        Optimizer = CnnOptimizer.Adam,
        LearningRate = 2e-3,
        WeightDecay = 0,
        Seed = seed,
    };

    [TestMethod]
    public void TrainsLeNetOnFashionMnistAndScoresInOrder()
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 1200));
        var test = TrainerData.Keyed(ml, TrainerData.Rows(train: false, 0, 300));
        var epochs = new List<TrainingMetrics>();
        var options = SmallLeNet(epochs: 2);
        options.MetricsCallback = m => { if (m.IsEpochEnd) epochs.Add(m); };
        using var model = ml.MulticlassClassification.Trainers.LeNet(options).Fit(train);

        Assert.AreEqual(2, epochs.Count);
        Assert.IsTrue(epochs[1].TrainCrossEntropy < epochs[0].TrainCrossEntropy, "training loss should fall between epochs");
        var scored = model.Transform(test);
        var score = scored.Schema["Score"];
        Assert.AreEqual(10, ((VectorDataViewType)score.Type).Size);
        Assert.IsInstanceOfType(scored.Schema["PredictedLabel"].Type, typeof(KeyDataViewType));

        using var cursor = scored.GetRowCursor(scored.Schema);
        var scores = cursor.GetGetter<VBuffer<float>>(score);
        var predicted = cursor.GetGetter<uint>(scored.Schema["PredictedLabel"]);
        var labels = cursor.GetGetter<uint>(scored.Schema["Label"]);
        VBuffer<float> s = default;
        uint p = 0, l = 0;
        int correct = 0, rows = 0;
        var expectedLabels = TrainerData.Rows(train: false, 0, 300).Select(r => Datasets.FashionMnist.ClassNames.ToList().IndexOf(r.Label) + 1).ToArray();
        while (cursor.MoveNext())
        {
            scores(ref s);
            predicted(ref p);
            labels(ref l);
            Assert.AreEqual((uint)expectedLabels[rows], l, "rows must keep their order through batched scoring");
            Assert.AreEqual(1.0, s.GetValues().ToArray().Sum(), 1e-4, "scores are probabilities");
            var values = s.GetValues().ToArray();
            Assert.AreEqual((uint)(Array.IndexOf(values, values.Max()) + 1), p);
            if (p == l) correct++;
            rows++;
        }
        Assert.AreEqual(300, rows);
        Assert.IsTrue(correct / 300.0 > 0.6, $"accuracy {correct / 300.0:P1} after 2 epochs on 1,200 images is too low (training accuracy {epochs[1].TrainAccuracy:P1})");
    }

    [TestMethod]
    public void SameSeedGivesBitIdenticalWeightsAndOtherSeedsDiffer()
    {
        var ml = new MLContext(seed: 3);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 256));
        float[] Weights(int seed)
        {
            using var model = ml.MulticlassClassification.Trainers.LeNet(SmallLeNet(epochs: 1, seed: seed)).Fit(train);
            return model.Model.parameters().SelectMany(p => p.detach().flatten().ToArray<float>()).ToArray();
        }
        var a = Weights(7);
        var b = Weights(7);
        var c = Weights(8);
        CollectionAssert.AreEqual(a, b, "two runs with the same seed must give the same weights bit for bit");
        CollectionAssert.AreNotEqual(a, c, "different seeds must give different weights");
    }

    [DataTestMethod]
    [DataRow(EarlyStoppingMetric.Loss)]
    [DataRow(EarlyStoppingMetric.Accuracy)]
    public void EarlyStoppingStopsAtPatienceAndKeepsTheBestWeights(EarlyStoppingMetric metric)
    {
        var ml = new MLContext(seed: 5);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 200));
        // Validation labels are a fixed permutation of the true ones: fitting the training data
        // soon makes validation worse, so the best epoch comes early and patience runs out.
        var shuffled = TrainerData.Rows(train: true, 200, 200);
        var names = Datasets.FashionMnist.ClassNames;
        foreach (var row in shuffled) row.Label = names[(names.ToList().IndexOf(row.Label) + 3) % names.Count];
        var validation = TrainerData.Keyed(ml, shuffled);
        var reports = new List<TrainingMetrics>();
        var options = SmallLeNet(epochs: 12);
        options.LearningRate = 5e-3;
        options.ValidationSet = validation;
        options.EarlyStopping = new EarlyStoppingOptions { Metric = metric, Patience = 2 };
        options.MetricsCallback = m => { if (m.IsEpochEnd) reports.Add(m); };
        using var model = ml.MulticlassClassification.Trainers.LeNet(options).Fit(train);

        double Value(TrainingMetrics m) => metric == EarlyStoppingMetric.Loss ? m.ValidationCrossEntropy!.Value : m.ValidationAccuracy!.Value;
        bool Better(double a, double b) => metric == EarlyStoppingMetric.Loss ? a < b : a > b;
        int best = 0, expectedStop = reports.Count;
        for (int e = 1; e < reports.Count; e++)
        {
            if (Better(Value(reports[e]), Value(reports[best]))) best = e;
            else if (e - best >= 2)
            {
                expectedStop = e + 1;
                break;
            }
        }
        Assert.AreEqual(expectedStop, reports.Count, "training must stop once the metric has not improved for Patience epochs");
        Assert.IsTrue(reports.Count < 12, "the constructed case must stop early");

        // The kept weights are the best epoch's: re-scoring the validation set reproduces its loss.
        var scored = model.Transform(validation);
        using var cursor = scored.GetRowCursor(scored.Schema);
        var scores = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var labels = cursor.GetGetter<uint>(scored.Schema["Label"]);
        VBuffer<float> s = default;
        uint l = 0;
        double loss = 0;
        int rows = 0;
        while (cursor.MoveNext())
        {
            scores(ref s);
            labels(ref l);
            loss -= Math.Log(Math.Max(s.GetValues()[(int)l - 1], 1e-30));
            rows++;
        }
        Assert.AreEqual(reports[best].ValidationCrossEntropy!.Value, loss / rows, 1e-3, $"the kept weights must be those of epoch {best + 1}");
    }

    [TestMethod]
    public void ResumesFromCheckpointToTheSameWeightsAsAnUninterruptedRun()
    {
        var ml = new MLContext(seed: 9);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 192));
        var directory = Path.Combine(Path.GetTempPath(), "cnnml-checkpoint-" + Guid.NewGuid().ToString("N"));
        try
        {
            float[] Run(string? checkpoints, CancellationToken token = default, Action<TrainingMetrics>? callback = null)
            {
                var options = SmallLeNet(epochs: 3, seed: 11);
                options.CheckpointDirectory = checkpoints;
                options.CancellationToken = token;
                options.MetricsCallback = callback;
                using var model = ml.MulticlassClassification.Trainers.LeNet(options).Fit(train);
                return model.Model.parameters().SelectMany(p => p.detach().flatten().ToArray<float>()).ToArray();
            }
            var uninterrupted = Run(null);
            using (var cancel = new CancellationTokenSource())
            {
                Assert.ThrowsException<OperationCanceledException>(() => Run(directory, cancel.Token, m => { if (m.IsEpochEnd && m.Epoch == 1) cancel.Cancel(); }));
            }
            Assert.IsTrue(File.Exists(Path.Combine(directory, "checkpoint.safetensors")));
            var resumedEpochs = new List<int>();
            var resumed = Run(directory, callback: m => { if (m.IsEpochEnd) resumedEpochs.Add(m.Epoch); });
            CollectionAssert.AreEqual(new[] { 2, 3 }, resumedEpochs, "the restarted run must continue after the last completed epoch");
            CollectionAssert.AreEqual(uninterrupted, resumed, "a resumed run must end with the uninterrupted run's weights bit for bit");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void InvalidOptionsAndInputsAreClearErrorsBeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 64));
        StringAssert.Contains(Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.LeNet(epochs: 0)).Message, "Epochs");
        StringAssert.Contains(Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.LeNet(batchSize: 0)).Message, "BatchSize");
        StringAssert.Contains(Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.LeNet(learningRate: double.NaN)).Message, "LearningRate");
        StringAssert.Contains(Assert.ThrowsException<FileNotFoundException>(() => ml.MulticlassClassification.Trainers.ResNet(new ResNetTrainer.Options { PretrainedWeightsPath = "/nonexistent/resnet18.safetensors" })).Message, "PretrainedWeightsPath");
        StringAssert.Contains(Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.ResNet(depth: 20)).Message, "Depth");

        var raw = ml.Data.LoadFromEnumerable(TrainerData.Rows(train: true, 0, 8));
        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.LeNet(epochs: 1).Fit(raw));
        StringAssert.Contains(e.Message, "'Label'");
        StringAssert.Contains(e.Message, "MapValueToKey");
        var missing = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.LeNet(featureColumnName: "Pixels", epochs: 1).Fit(train));
        StringAssert.Contains(missing.Message, "'Pixels'");
        var small = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.AlexNet(epochs: 1).Fit(train));
        StringAssert.Contains(small.Message, "28x28");
        var noGpu = new MLContext(seed: 1) { FallbackToCpu = false };
        if (!cuda.is_available())
            StringAssert.Contains(Assert.ThrowsException<ArgumentException>(() => noGpu.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options { Device = TrainingDevice.Cuda, Epochs = 1 }).Fit(train)).Message, "FallbackToCpu");
    }

    private sealed class FlatRow
    {
        [VectorType(784)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void AFlatFeaturesVectorTakesItsShapeFromTheOptionsOrTheArchitecture()
    {
        var ml = new MLContext(seed: 1);
        var rows = TrainerData.Rows(train: true, 0, 64).Select(r => new FlatRow { Features = r.Features, Label = r.Label }).ToList();
        var flat = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));

        // 784 values are LeNet-5's default 1x28x28.
        using (var model = ml.MulticlassClassification.Trainers.LeNet(SmallLeNetFor("lenet5")).Fit(flat))
            Assert.AreEqual((1, 28, 28), (model.Channels, model.Height, model.Width));

        // lenet5_32 defaults to 1x32x32 = 1,024 values: the error names the options that fix it.
        var wrong = Assert.ThrowsException<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.LeNet(SmallLeNetFor("lenet5_32")).Fit(flat));
        StringAssert.Contains(wrong.Message, "flat vector of 784 values");
        StringAssert.Contains(wrong.Message, "ImageChannels");
        StringAssert.Contains(wrong.Message, "ImageSize");

        // A network that takes any size from its minimum up reads 784 values as 1x28x28 when told so.
        var options = new CnnTrainer.Options { Architecture = "resnet18_small", Epochs = 1, BatchSize = 32, ImageChannels = 1, ImageSize = 28 };
        using (var resnet = ml.MulticlassClassification.Trainers.Cnn(options).Fit(flat))
            Assert.AreEqual((1, 28, 28), (resnet.Channels, resnet.Height, resnet.Width));
    }

    private static LeNetTrainer.Options SmallLeNetFor(string variant)
    {
        var options = SmallLeNet();
        options.Variant = variant;
        return options;
    }

    [TestMethod]
    public void ResidentMemoryStaysFlatOverEpochs()
    {
        var ml = new MLContext(seed: 2);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 512));
        var resident = new Dictionary<int, long>();
        var options = SmallLeNet(epochs: 5);
        options.MetricsCallback = m => { if (m.IsEpochEnd) resident[m.Epoch] = TrainerData.ResidentBytes(); };
        using var model = ml.MulticlassClassification.Trainers.LeNet(options).Fit(train);
        var growth = (resident[5] - resident[1]) / (1024.0 * 1024.0);
        Assert.IsTrue(growth < 50, $"resident set grew {growth:F1} MB between epoch 1 and epoch 5");
    }
}
