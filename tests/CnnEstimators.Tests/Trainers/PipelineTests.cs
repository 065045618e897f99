using Microsoft.ML.Data;
using CnnMl.Datasets;
using CnnMl.Models.Tests;
using CnnMl.Torch;

namespace CnnMl.Trainers.Tests;

/// <summary>The trainers inside whole ML.NET-style pipelines: datasets, image files, evaluation, model files, prediction.</summary>
[TestClass]
public sealed class PipelineTests
{
    public sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    public void FashionMnistTrainEvaluateSaveLoadPredict()
    {
        var ml = new MLContext(seed: 1);
        var train = FashionMnist.Load(ml, train: true, options: new DatasetLoadOptions { MaxRows = 1000 });
        var test = FashionMnist.Load(ml, train: false, options: new DatasetLoadOptions { MaxRows = 200 });
        var pipeline = ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options { Variant = "lenet_20_50", Epochs = 2, BatchSize = 32, Optimizer = CnnOptimizer.Adam, LearningRate = 2e-3, WeightDecay = 0 })
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);

        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.IsTrue(metrics.MicroAccuracy > 0.6, $"micro accuracy {metrics.MicroAccuracy:P1}");
        Assert.AreEqual(10, metrics.ConfusionMatrix.NumberOfClasses);
        StringAssert.Contains(metrics.ConfusionMatrix.GetFormattedConfusionTable(), "Ankle boot");

        var path = Path.Combine(Path.GetTempPath(), $"cnnml-pipeline-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var fresh = new MLContext();
            var loaded = fresh.Model.Load(path, out var inputSchema);
            Assert.IsNotNull(inputSchema.GetColumnOrNull("Features"));
            var before = TrainerData.Scores(model.Transform(test));
            var after = TrainerData.Scores(loaded.Transform(test));
            CollectionAssert.AreEqual(before, after, "a loaded model must give identical scores");

            var rows = ml.Data.CreateEnumerable<ImageRowWithKey>(test, reuseRowObject: false).Take(20).ToList();
            var engine = fresh.Model.CreatePredictionEngine<ImageRowWithKey, Prediction>(loaded);
            var predicted = ml.Data.CreateEnumerable<Prediction>(loaded.Transform(test), reuseRowObject: false).Take(20).ToList();
            for (int i = 0; i < rows.Count; i++)
            {
                var p = engine.Predict(rows[i]);
                Assert.AreEqual(predicted[i].PredictedLabel, p.PredictedLabel, $"row {i}: the prediction engine must agree with Transform");
                CollectionAssert.Contains(FashionMnist.ClassNames.ToList(), p.PredictedLabel);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Features as the dataset gives them; Label stays a key.</summary>
    public sealed class ImageRowWithKey
    {
        [VectorType(1, 28, 28)]
        public float[] Features { get; set; } = Array.Empty<float>();

        [KeyType(10)]
        public uint Label { get; set; }
    }

    [TestMethod]
    public void TrainsFromExportedImageFilesThroughLoadImagesResizeExtract()
    {
        var ml = new MLContext(seed: 4);
        var folder = Path.Combine(Path.GetTempPath(), $"cnnml-images-{Guid.NewGuid():N}");
        try
        {
            ml.Data.ExportToImageFolder(FashionMnist.Load(ml, train: true, options: new DatasetLoadOptions { MaxRows = 1200 }), folder);
            var split = ImageFolder.LoadSplit(ml, folder, validationFraction: 0.2, seed: 4);
            var pipeline = ml.Transforms.LoadImages("Image", null, "ImagePath")
                .Append(ml.Transforms.ResizeImages("Image", 28, 28))
                .Append(ml.Transforms.ConvertToGrayscale("Image"))
                .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
                .Append(ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options { Variant = "lenet_20_50", Epochs = 2, BatchSize = 32, Optimizer = CnnOptimizer.Adam, LearningRate = 2e-3, WeightDecay = 0 }));
            var model = pipeline.Fit(split.TrainSet);
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.ValidationSet));
            Assert.IsTrue(metrics.MicroAccuracy > 0.55, $"accuracy from image files {metrics.MicroAccuracy:P1}");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void TrainsAndScoresOnRawImageBytesDecodedByTheTrainer()
    {
        var ml = new MLContext(seed: 8);
        var folder = Path.Combine(Path.GetTempPath(), $"cnnml-bytes-{Guid.NewGuid():N}");
        var path = Path.Combine(Path.GetTempPath(), $"cnnml-bytes-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Data.ExportToImageFolder(FashionMnist.Load(ml, train: true, options: new DatasetLoadOptions { MaxRows = 1000 }), folder);
            var split = ImageFolder.LoadSplit(ml, folder, validationFraction: 0.2, seed: 8);
            var pipeline = ml.Transforms.LoadRawImageBytes("ImageBytes", null, "ImagePath")
                .Append(ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options
                {
                    Variant = "lenet_20_50", FeatureColumnName = "ImageBytes", Epochs = 2, BatchSize = 32,
                    Optimizer = CnnOptimizer.Adam, LearningRate = 2e-3, WeightDecay = 0,
                }));
            var model = pipeline.Fit(split.TrainSet);
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.ValidationSet));
            Assert.IsTrue(metrics.MicroAccuracy > 0.55, $"accuracy from raw image bytes {metrics.MicroAccuracy:P1}");
            ml.Model.Save(model, split.TrainSet.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            CollectionAssert.AreEqual(TrainerData.Scores(model.Transform(split.ValidationSet)), TrainerData.Scores(loaded.Transform(split.ValidationSet)));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            File.Delete(path);
        }
    }

    [TestMethod]
    public void FineTunesTorchvisionResNet18WeightsWithANewHead()
    {
        var directory = PythonReference.NewTempDirectory("finetune");
        try
        {
            var weights = Path.Combine(directory, "resnet18.safetensors");
            PythonReference.Run("export_resnet18.py", 300, weights);
            var ml = new MLContext(seed: 6);
            var rows = TrainerData.Rows(train: true, 0, 96).Select(r => new RgbRow { Features = Rgb(r.Features), Label = r.Label }).ToList();
            var data = ml.Data.LoadFromEnumerable(rows);
            var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
            var options = new ResNetTrainer.Options
            {
                Depth = 18, Epochs = 1, BatchSize = 16, PretrainedWeightsPath = weights, FreezeFeatures = true,
                Optimizer = CnnOptimizer.Adam, LearningRate = 1e-2, WeightDecay = 0,
            };
            using var model = ml.MulticlassClassification.Trainers.ResNet(options).Fit(keyed);

            var exported = Safetensors.Load(weights);
            try
            {
                var own = model.Model.state_dict();
                Assert.AreEqual(1000L, exported["fc.weight"].shape[0], "the export is torchvision's 1000-class head");
                Assert.AreEqual(10L, own["fc.weight"].shape[0], "the head is replaced for 10 classes");
                Assert.IsTrue(exported["layer4.1.conv2.weight"].equal(own["layer4.1.conv2.weight"]), "frozen features keep torchvision's weights");
                Assert.IsTrue(exported["conv1.weight"].equal(own["conv1.weight"]));
            }
            finally
            {
                foreach (var t in exported.Values) t.Dispose();
            }
        }
        finally
        {
            PythonReference.DeleteQuietly(directory);
        }
    }

    public sealed class RgbRow
    {
        [VectorType(3, 32, 32)]
        public float[] Features { get; set; } = Array.Empty<float>();

        public string Label { get; set; } = "";
    }

    private static float[] Rgb(float[] gray28)
    {
        var result = new float[3 * 32 * 32];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++)
                    result[c * 1024 + (y + 2) * 32 + x + 2] = gray28[y * 28 + x];
        return result;
    }
}
