using System.Xml.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.ConsoleApp.Tests;

/// <summary>train, evaluate and predict on real Fashion-MNIST data at tiny scale, sharing one trained model.</summary>
[TestClass]
public sealed class TrainEvaluatePredictTests
{
    private static string folder = "";
    private static string modelPath = "";
    private static string curvesPath = "";
    private static CliResult train = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        folder = Cli.TempFolder("train");
        modelPath = Path.Combine(folder, "lenet.zip");
        curvesPath = Path.Combine(folder, "curves.svg");
        train = Cli.Run("train", "--model", "lenet_20_50", "--limit", "600", "--epochs", "2", "--batch-size", "32",
            "--output", modelPath, "--curves", curvesPath);
    }

    [TestMethod]
    public void TrainPrintsEpochsMetricsAndConfusionTableAndWritesFiles()
    {
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        StringAssert.Contains(train.Output, "epoch 2/2", train.ToString());
        StringAssert.Contains(train.Output, "validation accuracy");
        StringAssert.Contains(train.Output, "MicroAccuracy");
        StringAssert.Contains(train.Output, "Confusion table");
        StringAssert.Contains(train.Output, "Ankle boot");
        StringAssert.Contains(train.Output, modelPath);
        StringAssert.Contains(train.Output, curvesPath);
        Assert.AreEqual("", train.Error);
        Assert.IsTrue(new FileInfo(modelPath).Length > 1000);
        Assert.IsFalse(train.Output.Contains('\u001b'), "plain output must carry no ANSI escapes");
    }

    [TestMethod]
    public void CurvesAreValidSvgWithBothCurvesOfBothMetricsAndAxisLabels()
    {
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        var svg = XDocument.Load(curvesPath);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.AreEqual(ns + "svg", svg.Root!.Name);
        foreach (var series in new[] { "train-loss", "validation-loss", "train-accuracy", "validation-accuracy" })
        {
            var line = svg.Descendants(ns + "path").SingleOrDefault(p => (string?)p.Attribute("class") == series);
            Assert.IsNotNull(line, $"no {series} curve");
            var points = SvgPath.Points((string)line.Attribute("d")!).Select(p => $"{p.X.ToString(System.Globalization.CultureInfo.InvariantCulture)},{p.Y.ToString(System.Globalization.CultureInfo.InvariantCulture)}").ToArray();
            Assert.IsTrue(points.Length >= 2, $"{series} has {points.Length} points");
            foreach (var point in points)
            {
                var xy = point.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Assert.IsTrue(xy[0] >= 0 && xy[0] <= 980 && xy[1] >= 0 && xy[1] <= 430, $"{series} point {point} is off the picture");
            }
        }
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.AreEqual(2, texts.Count(t => t == "epoch"), "both panels label their x axis");
        CollectionAssert.Contains(texts, "cross-entropy");
        CollectionAssert.Contains(texts, "accuracy (%)");
        CollectionAssert.Contains(texts, "train (running mean)");
        CollectionAssert.Contains(texts, "validation");
    }

    [TestMethod]
    public void EvaluateReportsMetricsOfTheSavedModel()
    {
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        var result = Cli.Run("evaluate", "--model", modelPath, "--limit", "300");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "MicroAccuracy");
        StringAssert.Contains(result.Output, "300");
        StringAssert.Contains(result.Output, "Confusion table");
    }

    [TestMethod]
    public void ExportWritesAVerifiedOnnxFileAndADeploymentThatScoresLikeTheModel()
    {
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        var onnx = Path.Combine(folder, "lenet.onnx");
        var deployment = Path.Combine(folder, "lenet.deployment.zip");
        var result = Cli.Run("export", "--model", modelPath, "--output", onnx, "--deployment", deployment);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "ONNX opset 17");
        StringAssert.Contains(result.Output, "ONNX Runtime vs libtorch");
        var onnxBytes = File.ReadAllBytes(onnx);
        Assert.IsTrue(onnxBytes.Length > 100_000, $"{onnxBytes.Length} bytes");

        var ml = new MLContext();
        var original = ml.Model.Load(modelPath, out var schema);
        var deployed = ml.Model.Load(deployment, out var deployedSchema);
        Assert.AreEqual(schema.Count, deployedSchema.Count);
        var test = CnnMl.Datasets.FashionMnist.Load(ml, train: false, options: new CnnMl.Datasets.DatasetLoadOptions { MaxRows = 50 });
        var expected = original.Transform(test).GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        var actual = deployed.Transform(test).GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        Assert.AreEqual(expected.Length, actual.Length);
        Assert.IsTrue(expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max() <= 1e-4);
    }

    [TestMethod]
    public void PredictShowsTopThreeLabelsWithProbabilities()
    {
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        var images = Cli.ExportImages(4);
        var files = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var result = Cli.Run(new[] { "predict", "--model", modelPath }.Concat(files).ToArray());
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var rows = result.Output.Split('\n').Where(l => l.Contains(".png", StringComparison.Ordinal)).ToArray();
        Assert.AreEqual(files.Length, rows.Length, result.Output);
        foreach (var row in rows) Assert.AreEqual(3, row.Count(c => c == '%'), row);
    }

    [TestMethod]
    public void PredictOfAMissingImageIsOneLineAndExitCode1()
    {
        var result = Cli.Run("predict", "--model", modelPath, Path.Combine(folder, "nope.png"));
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Error, "nope.png' does not exist");
        Assert.AreEqual(1, result.Error.Trim().Split('\n').Length, result.Error);
    }
}
