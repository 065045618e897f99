using CnnMl.Datasets;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers.Tests;

/// <summary>Data faults during training and native failures surface as clear managed errors.</summary>
[TestClass]
public sealed class ReliabilityTests
{
    private static LeNetTrainer.Options Options(bool skip) => new()
    {
        Variant = "lenet_20_50", Epochs = 1, BatchSize = 16, Optimizer = CnnOptimizer.Adam, LearningRate = 1e-3, WeightDecay = 0, Seed = 1,
        SkipUnreadableImages = skip,
    };

    [TestMethod]
    public void AnUnreadableImageIsAnErrorNamingTheFileOrIsSkippedAndCounted()
    {
        var ml = new MLContext(seed: 1);
        var folder = Path.Combine(Path.GetTempPath(), $"cnnml-unreadable-{Guid.NewGuid():N}");
        try
        {
            ml.Data.ExportToImageFolder(FashionMnist.Load(ml, train: true, options: new DatasetLoadOptions { MaxRows = 60 }), folder);
            var corrupt = Path.Combine(Directory.GetDirectories(folder).Order().First(), "zz-corrupt.png");
            File.WriteAllBytes(corrupt, new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5 });
            var data = ImageFolder.Load(ml, folder);
            var skippedReported = -1;
            IEstimator<ITransformer> Pipeline(bool skip)
            {
                var options = Options(skip);
                options.MetricsCallback = m => { if (m.IsEpochEnd) skippedReported = m.SkippedImages; };
                return ml.Transforms.LoadImages("Image", null, "ImagePath")
                    .Append(ml.Transforms.ResizeImages("Image", 28, 28))
                    .Append(ml.Transforms.ConvertToGrayscale("Image"))
                    .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
                    .Append(ml.MulticlassClassification.Trainers.LeNet(options));
            }

            var error = Assert.ThrowsException<InvalidDataException>(() => Pipeline(skip: false).Fit(data));
            StringAssert.Contains(error.Message, "zz-corrupt.png");
            StringAssert.Contains(error.Message, "row");

            Pipeline(skip: true).Fit(data);
            Assert.AreEqual(1, skippedReported, "the skipped image is counted in the epoch metrics");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ANonFiniteLossStopsTrainingNamingEpochAndBatch()
    {
        var ml = new MLContext(seed: 1);
        var rows = TrainerData.Rows(train: true, 0, 64);
        rows[40].Features[3] = float.NaN;
        var data = TrainerData.Keyed(ml, rows);
        var options = Options(skip: false);
        options.BatchSize = 64;
        var e = Assert.ThrowsException<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.LeNet(options).Fit(data));
        StringAssert.Contains(e.Message, "epoch 1, batch 1");
        StringAssert.Contains(e.Message, "learning rate");
    }

    [TestMethod]
    public void NativeFailuresAreManagedExceptionsAndTheProcessStaysUsable()
    {
        // 2^50 floats: libtorch's allocator refuses and says how much was asked for (4 PiB).
        var huge = Assert.ThrowsException<TorchException>(() => empty(new long[] { 1L << 40, 1L << 10 }));
        StringAssert.Contains(huge.Message, "tried to allocate 4503599627370496 bytes");

        using var network = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(10, 2));
        using (var scope = NewDisposeScope())
        {
            var deep = Assert.ThrowsException<TorchException>(() => network.call(randn(2, 3, 8, 8)));
            StringAssert.Contains(deep.Message, "shapes cannot be multiplied");
        }

        using var after = NewDisposeScope();
        var x = ones(2, 3);
        Assert.AreEqual(6f, x.sum().item<float>(), "tensors still work after native failures");
    }
}
