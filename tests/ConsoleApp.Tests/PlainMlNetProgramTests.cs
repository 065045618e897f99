using System.Globalization;
using System.Text.RegularExpressions;
using CnnMl.Datasets;
using Microsoft.ML;

namespace CnnMl.ConsoleApp.Tests;

/// <summary>
/// A plain ML.NET program (tests/PlainMlNetProgram, whose only usings are Microsoft.ML,
/// Microsoft.ML.Data and Microsoft.ML.Transforms.Image) trains ResNet-18 on a folder of PNG files
/// through LoadImages, ResizeImages and ExtractPixels, evaluates it, cross-validates a LeNet and saves
/// the model; a second process that names nothing of CnnMl loads the zip with Model.Load and its
/// PredictionEngine gives the same labels and scores.
/// </summary>
[TestClass]
public sealed class PlainMlNetProgramTests
{
    private static readonly string[] Classes = ["Bag", "Sneaker", "Trouser"];

    private const string Project = "tests/PlainMlNetProgram";

    private static CliResult RunProgram(params string[] args) =>
        Cli.RunDll(Cli.RepositoryFile(Project, "bin", "CnnMl.PlainMlNetProgram.dll"), TimeSpan.FromSeconds(180), args);

    /// <summary>Fashion-MNIST test images of three classes as PNG files in class folders.</summary>
    private static string ExportImages()
    {
        var folder = Cli.TempFolder("plain-mlnet-images");
        var ml = new MLContext(seed: 1);
        ml.Data.ExportToImageFolder(FashionMnist.Load(ml, train: false, options: new DatasetLoadOptions { MaxRows = 200 }), folder);
        foreach (var other in Directory.GetDirectories(folder).Where(d => !Classes.Contains(Path.GetFileName(d))))
            Directory.Delete(other, recursive: true);
        return folder;
    }

    /// <summary>The prediction file: relative path to (predicted label, scores).</summary>
    private static Dictionary<string, (string Label, float[] Scores)> ReadPredictions(string path) =>
        File.ReadAllLines(path).Select(line => line.Split('\t')).ToDictionary(
            f => f[0],
            f => (f[1], f[2].Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray()));

    private static string Line(string output, string prefix) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..]
        ?? throw new AssertFailedException($"no line starting with '{prefix}' in:\n{output}");

    [TestMethod]
    [Timeout(300_000)]
    public void ASecondProcessLoadsTheZipAndPredictsTheSameLabelsAndScores()
    {
        var source = File.ReadAllLines(Cli.RepositoryFile(Project, "Program.cs"));
        var usings = source.Where(l => Regex.IsMatch(l, @"^\s*(global\s+)?using\s+(static\s+)?[\w.]+(\s*=\s*[\w.]+)?\s*;"))
            .Where(l => !Regex.IsMatch(l, @"^using System(\.[\w.]+)?;$")).ToList();
        CollectionAssert.AreEqual(new[] { "using Microsoft.ML;", "using Microsoft.ML.Data;", "using Microsoft.ML.Transforms.Image;" }, usings, $"the program's usings besides System ones: {string.Join(" ", usings)}");
        Assert.IsFalse(source.Any(l => Regex.IsMatch(l, @"\bCnnMl\.(?!PlainMlNetProgram\b)")), "the program names no CnnMl namespace or type");

        var images = ExportImages();
        var work = Cli.TempFolder("plain-mlnet");
        try
        {
            var files = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories);
            Assert.IsTrue(files.Length >= 50, $"{files.Length} images exported");
            var model = Path.Combine(work, "model.zip");
            var trained = Path.Combine(work, "trained.tsv");
            var loaded = Path.Combine(work, "loaded.tsv");

            var train = RunProgram("train", images, model, trained);
            Assert.AreEqual(0, train.ExitCode, train.ToString());
            StringAssert.Contains(train.Output, "ResNet-18 Features: Vector<Single, 3, 32, 32>", train.ToString());
            StringAssert.Contains(train.Output, "LeNet Features: Vector<Single, 1, 32, 32>", train.ToString());
            StringAssert.Matches(train.Output, new Regex(@"ResNet-18 MicroAccuracy: [01]\.\d{4}"), train.ToString());
            foreach (var fold in new[] { 0, 1 })
                StringAssert.Matches(train.Output, new Regex($@"LeNet fold {fold} MicroAccuracy: [01]\.\d{{4}}"), train.ToString());

            var predict = RunProgram("predict", model, images, loaded);
            Assert.AreEqual(0, predict.ExitCode, predict.ToString());
            var before = Line(predict.Output, "assemblies before Model.Load: ").Split(' ');
            var after = Line(predict.Output, "assemblies after Model.Load: ").Split(' ');
            Assert.IsFalse(before.Any(a => a.StartsWith("CnnMl.", StringComparison.Ordinal) && a != "CnnMl.PlainMlNetProgram"), $"nothing of CnnMl is loaded before Model.Load: {string.Join(' ', before)}");
            CollectionAssert.Contains(after, "CnnMl.CnnEstimators", "Model.Load loads the trainers' assembly by itself");

            var fromTraining = ReadPredictions(trained);
            var fromLoaded = ReadPredictions(loaded);
            Assert.AreEqual(files.Length, fromTraining.Count, "a prediction for every image file");
            CollectionAssert.AreEquivalent(fromTraining.Keys.ToList(), fromLoaded.Keys.ToList());
            foreach (var (file, (label, scores)) in fromTraining)
            {
                var (loadedLabel, loadedScores) = fromLoaded[file];
                CollectionAssert.Contains(Classes, label, file);
                Assert.AreEqual(label, loadedLabel, $"{file}: the loaded model's label");
                Assert.AreEqual(Classes.Length, scores.Length, file);
                Assert.AreEqual(scores.Length, loadedScores.Length, file);
                for (int i = 0; i < scores.Length; i++)
                    Assert.AreEqual(scores[i], loadedScores[i], 1e-5f, $"{file}: score {i}");
            }
        }
        finally
        {
            Directory.Delete(images, recursive: true);
            Directory.Delete(work, recursive: true);
        }
    }
}
