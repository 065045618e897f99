using CnnMl.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.ConsoleApp.Tests;

/// <summary>
/// ML.NET's data operations in front of a CNN trainer, as a plain ML.NET program writes them:
/// TrainTestSplit, ShuffleRows and Cache (views without a row count, shuffled cursors, cached
/// columns) each feed a LeNet through the flat catalog overload, then Evaluate; so do image paths
/// from LoadFromEnumerable (a source that cannot shuffle) through LoadImages (an image column ML.NET's
/// cache cannot hold).
/// </summary>
[TestClass]
public sealed class PlainMlNetCompositionTests
{
    private static IDataView Rows(MLContext ml, bool train, int rows) =>
        FashionMnist.Load(ml, train, options: new DatasetLoadOptions { MaxRows = rows });

    private static ITransformer Fit(MLContext ml, IDataView train) =>
        ml.MulticlassClassification.Trainers.LeNet(variant: "lenet_20_50", epochs: 3, batchSize: 16, learningRate: 0.02).Fit(train);

    private static MulticlassClassificationMetrics FitAndEvaluate(MLContext ml, IDataView train, IDataView test) =>
        ml.MulticlassClassification.Evaluate(Fit(ml, train).Transform(test));

    [TestMethod]
    public void TrainTestSplitFeedsTheTrainer()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(Rows(ml, train: true, 500), testFraction: 0.25, seed: 1);
        Assert.IsNull(split.TrainSet.GetRowCount(), "a split has no row count up front");
        var metrics = FitAndEvaluate(ml, split.TrainSet, split.TestSet);
        Assert.IsTrue(metrics.MicroAccuracy > 0.3, $"micro accuracy after TrainTestSplit {metrics.MicroAccuracy:P1}");
        Assert.AreEqual(10, metrics.ConfusionMatrix.NumberOfClasses);
    }

    [TestMethod]
    public void ShuffleRowsFeedsTheTrainer()
    {
        var ml = new MLContext(seed: 2);
        var shuffled = ml.Data.ShuffleRows(Rows(ml, train: true, 400), seed: 2);
        var metrics = FitAndEvaluate(ml, shuffled, Rows(ml, train: false, 100));
        Assert.IsTrue(metrics.MicroAccuracy > 0.3, $"micro accuracy after ShuffleRows {metrics.MicroAccuracy:P1}");
    }

    [TestMethod]
    public void CacheFeedsTheTrainerAndChangesNothing()
    {
        var ml = new MLContext(seed: 3);
        var test = Rows(ml, train: false, 100);
        var cached = Fit(new MLContext(seed: 4), ml.Data.Cache(Rows(ml, train: true, 400))).Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(cached);
        Assert.IsTrue(metrics.MicroAccuracy > 0.3, $"micro accuracy after Cache {metrics.MicroAccuracy:P1}");

        var fromCache = cached.GetColumn<float[]>("Score").ToArray();
        var fromFile = Fit(new MLContext(seed: 4), Rows(ml, train: true, 400)).Transform(test).GetColumn<float[]>("Score").ToArray();
        Assert.AreEqual(fromFile.Length, fromCache.Length);
        for (int i = 0; i < fromFile.Length; i++)
            CollectionAssert.AreEqual(fromFile[i], fromCache[i], $"row {i}: a cached view must train the same model");
    }

    /// <summary>An image file and its class, as a program lists them.</summary>
    public sealed class ImageFile
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void ImagePathsFromLoadFromEnumerableThroughLoadImagesFeedTheTrainer()
    {
        var images = Cli.ExportImages(80);
        try
        {
            var ml = new MLContext(seed: 5);
            var files = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => new ImageFile { ImagePath = f, Label = Path.GetFileName(Path.GetDirectoryName(f)!) }).ToList();
            var data = ml.Data.LoadFromEnumerable(files);
            Assert.IsFalse(data.CanShuffle, "LoadFromEnumerable gives a view that cannot shuffle");
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.LoadImages("Image", null, "ImagePath"))
                .Append(ml.Transforms.ResizeImages("Image", 28, 28))
                .Append(ml.Transforms.ConvertToGrayscale("Image"))
                .Append(ml.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
                .Append(ml.MulticlassClassification.Trainers.LeNet(variant: "lenet_20_50", epochs: 1, batchSize: 16));
            var metrics = ml.MulticlassClassification.Evaluate(pipeline.Fit(data).Transform(data));
            Assert.AreEqual(files.Count, (int)metrics.ConfusionMatrix.Counts.Sum(row => row.Sum()), "every image is scored");
        }
        finally
        {
            Directory.Delete(images, recursive: true);
        }
    }
}
