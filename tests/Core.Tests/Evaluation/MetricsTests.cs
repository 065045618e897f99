using System.Globalization;
using System.Text.Json.Nodes;
using CnnMl.Core.Tests.Support;
using CnnMl.Data;

namespace CnnMl.Core.Tests.Evaluation;

public sealed class SevenClassRow
{
    [KeyType(7)]
    public uint Label { get; set; }

    [VectorType(7)]
    public float[] Score { get; set; } = Array.Empty<float>();

    [KeyType(7)]
    public uint PredictedLabel { get; set; }
}

public sealed class FloatLabelRow
{
    public float Label { get; set; }

    [VectorType(2)]
    public float[] Score { get; set; } = Array.Empty<float>();

    [KeyType(2)]
    public uint PredictedLabel { get; set; }
}

[TestClass]
public sealed class MetricsTests
{
    private const double Tolerance = 1e-6;

    /// <summary>Labels in 0..5 (class 6 never occurs but can be predicted), softmax scores leaning to the label, PredictedLabel = argmax.</summary>
    private static List<SevenClassRow> RandomPredictions(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<SevenClassRow>();
        for (int i = 0; i < count; i++)
        {
            int label = random.Next(6);
            var logits = new double[7];
            for (int c = 0; c < 7; c++) logits[c] = 1.5 * Gaussian(random) + (c == label ? 1.8 : 0);
            var max = logits.Max();
            var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
            var scores = exp.Select(e => (float)(e / exp.Sum())).ToArray();
            int predicted = Array.IndexOf(scores, scores.Max());
            rows.Add(new SevenClassRow { Label = (uint)label + 1, Score = scores, PredictedLabel = (uint)predicted + 1 });
        }
        return rows;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [TestMethod]
    public void Evaluate_MatchesScikitLearn()
    {
        var rows = RandomPredictions(1000, seed: 7);
        var context = new MLContext(seed: 1);
        var metrics = context.MulticlassClassification.Evaluate(context.Data.LoadFromEnumerable(rows), topKPredictionCount: 6);

        using var folder = new TempFolder();
        var csv = folder.File("predictions.csv");
        File.WriteAllLines(csv, rows.Select(r => string.Join(",",
            new[] { (r.Label - 1).ToString(CultureInfo.InvariantCulture), (r.PredictedLabel - 1).ToString(CultureInfo.InvariantCulture) }
                .Concat(r.Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture))))));
        var expected = JsonNode.Parse(SklearnReference.Run("sklearn_metrics.py", csv))!.AsObject();

        var report = new List<string>();
        void Close(string what, double want, double got)
        {
            report.Add($"{what}: sklearn {want:R} cnnml {got:R} diff {Math.Abs(want - got):E2}");
            Assert.AreEqual(want, got, Tolerance, what);
        }

        Close("MicroAccuracy vs accuracy_score", (double)expected["micro"]!, metrics.MicroAccuracy);
        Close("MacroAccuracy vs balanced_accuracy_score", (double)expected["macro"]!, metrics.MacroAccuracy);
        Close("LogLoss vs log_loss", (double)expected["logloss"]!, metrics.LogLoss);
        Close("LogLossReduction", (double)expected["logLossReduction"]!, metrics.LogLossReduction);
        var topk = expected["topk"]!.AsArray();
        Assert.AreEqual(6, metrics.TopKPredictionCount);
        Assert.AreEqual(6, metrics.TopKAccuracyForAllK!.Count);
        for (int k = 1; k <= 6; k++) Close($"TopKAccuracyForAllK[{k - 1}] vs top_k_accuracy_score(k={k})", (double)topk[k - 1]!, metrics.TopKAccuracyForAllK[k - 1]);
        Assert.AreEqual(metrics.TopKAccuracyForAllK[5], metrics.TopKAccuracy);
        Close("TopK(1) = MicroAccuracy when PredictedLabel is the argmax", metrics.MicroAccuracy, metrics.TopKAccuracyForAllK[0]);

        var confusion = expected["confusion"]!.AsArray();
        Assert.AreEqual(7, metrics.ConfusionMatrix.NumberOfClasses);
        for (int a = 0; a < 7; a++)
            for (int p = 0; p < 7; p++)
            {
                Assert.AreEqual((double)confusion[a]![p]!, metrics.ConfusionMatrix.Counts[a][p], $"confusion_matrix[{a}][{p}]");
                Assert.AreEqual((double)confusion[a]![p]!, metrics.ConfusionMatrix.GetCountForClassPair(p, a), $"GetCountForClassPair({p}, {a})");
            }
        for (int c = 0; c < 7; c++)
        {
            Close($"PerClassPrecision[{c}] vs precision_score", (double)expected["precision"]![c]!, metrics.ConfusionMatrix.PerClassPrecision[c]);
            Close($"PerClassRecall[{c}] vs recall_score", (double)expected["recall"]![c]!, metrics.ConfusionMatrix.PerClassRecall[c]);
            if (expected["perClassLogLoss"]![c] is { } perClass) Close($"PerClassLogLoss[{c}] vs log_loss of the class's rows", (double)perClass, metrics.PerClassLogLoss[c]);
            else Assert.IsTrue(double.IsNaN(metrics.PerClassLogLoss[c]), "a class without rows has NaN log-loss");
        }
        Console.WriteLine(string.Join(Environment.NewLine, report));
        Console.WriteLine($"max |diff| = {report.Select(r => double.Parse(r[(r.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).Max():E2}");
    }

    [TestMethod]
    public void LogLoss_ClipsTheTrueClassProbabilityAt1e15()
    {
        var context = new MLContext();
        var rows = new[]
        {
            new SevenClassRow { Label = 1, Score = new float[] { 0, 1, 0, 0, 0, 0, 0 }, PredictedLabel = 2 },
            new SevenClassRow { Label = 2, Score = new float[] { 0, 1, 0, 0, 0, 0, 0 }, PredictedLabel = 2 },
        };
        var metrics = context.MulticlassClassification.Evaluate(context.Data.LoadFromEnumerable(rows));
        Assert.AreEqual(-Math.Log(1e-15) / 2, metrics.LogLoss, 1e-12);
        Assert.AreEqual(-Math.Log(1e-15), metrics.PerClassLogLoss[0], 1e-12);
        Assert.AreEqual(0, metrics.PerClassLogLoss[1], 1e-12);
        Assert.AreEqual(0.5, metrics.MicroAccuracy);
        Assert.AreEqual(0, metrics.TopKPredictionCount);
        Assert.IsNull(metrics.TopKAccuracyForAllK);
        Assert.AreEqual(0, metrics.TopKAccuracy);
    }

    [TestMethod]
    public void MissingLabels_AreSkipped_AndFloatLabelsAreClassIndices()
    {
        var context = new MLContext();
        var keyRows = RandomPredictions(50, seed: 3);
        var withMissing = keyRows.Concat(new[] { new SevenClassRow { Label = 0, Score = new float[7], PredictedLabel = 1 } }).ToList();
        var a = context.MulticlassClassification.Evaluate(context.Data.LoadFromEnumerable(keyRows));
        var b = context.MulticlassClassification.Evaluate(context.Data.LoadFromEnumerable(withMissing));
        Assert.AreEqual(a.MicroAccuracy, b.MicroAccuracy);
        Assert.AreEqual(a.LogLoss, b.LogLoss);

        var floatRows = new[]
        {
            new FloatLabelRow { Label = 0, Score = new[] { 0.8f, 0.2f }, PredictedLabel = 1 },
            new FloatLabelRow { Label = 1, Score = new[] { 0.6f, 0.4f }, PredictedLabel = 1 },
            new FloatLabelRow { Label = float.NaN, Score = new[] { 0.6f, 0.4f }, PredictedLabel = 1 },
        };
        var f = context.MulticlassClassification.Evaluate(context.Data.LoadFromEnumerable(floatRows));
        Assert.AreEqual(0.5, f.MicroAccuracy);
        Assert.AreEqual((-Math.Log(0.8f) - Math.Log(0.4f)) / 2, f.LogLoss, 1e-7);
    }

    [TestMethod]
    public void TopK_TiesRankTheLowerClassIndexFirst()
    {
        var context = new MLContext();
        var rows = new[]
        {
            new SevenClassRow { Label = 3, Score = new float[] { 0.25f, 0.25f, 0.25f, 0.25f, 0, 0, 0 }, PredictedLabel = 1 },
        };
        var metrics = context.MulticlassClassification.Evaluate(context.Data.LoadFromEnumerable(rows), topKPredictionCount: 4);
        CollectionAssert.AreEqual(new[] { 0.0, 0.0, 1.0, 1.0 }, metrics.TopKAccuracyForAllK!.ToArray());
    }

    [TestMethod]
    public void ConfusionTable_NamesTheClassesFromKeyValues()
    {
        TestPipeline.EnsureRegistered();
        var context = new MLContext(seed: 5);
        var data = context.Data.LoadFromEnumerable(TestPipeline.Clusters(300, seed: 2));
        var model = TestPipeline.Estimator().Fit(data);
        var metrics = context.MulticlassClassification.Evaluate(model.Transform(data));
        var table = metrics.ConfusionMatrix.GetFormattedConfusionTable();
        Console.WriteLine(table);
        StringAssert.Contains(table, "PREDICTED");
        foreach (var name in TestPipeline.ClassNames) StringAssert.Contains(table, name);
        StringAssert.Contains(table, "Precision");
        Assert.IsTrue(metrics.MicroAccuracy > 0.9, $"accuracy {metrics.MicroAccuracy}");
        Assert.AreEqual(300, metrics.ConfusionMatrix.Counts.Sum(r => r.Sum()));
    }

    [TestMethod]
    public void Evaluate_MissingColumn_ListsTheColumns()
    {
        var context = new MLContext();
        var data = context.Data.LoadFromEnumerable(RandomPredictions(5, 1));
        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => context.MulticlassClassification.Evaluate(data, scoreColumnName: "Scores"));
        StringAssert.Contains(e.Message, "'Scores'");
        StringAssert.Contains(e.Message, "'Score'");
        StringAssert.Contains(e.Message, "'PredictedLabel'");
    }

    [TestMethod]
    public void Evaluate_WrongTypes_NameTheColumnExpectedAndActual()
    {
        var context = new MLContext();
        var data = context.Data.LoadFromEnumerable(RandomPredictions(5, 1));
        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => context.MulticlassClassification.Evaluate(data, scoreColumnName: "Label"));
        StringAssert.Contains(e.Message, "'Label'");
        StringAssert.Contains(e.Message, "Key<UInt32");
        StringAssert.Contains(e.Message, "vector of Single");

        e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => context.MulticlassClassification.Evaluate(data, predictedLabelColumnName: "Score"));
        StringAssert.Contains(e.Message, "'Score'");
        StringAssert.Contains(e.Message, "expected a key type");

        var floats = context.Data.LoadFromEnumerable(new[] { new FloatLabelRow { Label = 0, Score = new[] { 1f, 0f }, PredictedLabel = 1 } });
        e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => context.MulticlassClassification.Evaluate(floats, topKPredictionCount: 3));
        StringAssert.Contains(e.Message, "topKPredictionCount");
    }

    [TestMethod]
    public void Evaluate_LabelOutsideTheScoredClasses_NamesTheRow()
    {
        var context = new MLContext();
        var rows = new[]
        {
            new FloatLabelRow { Label = 0, Score = new[] { 1f, 0f }, PredictedLabel = 1 },
            new FloatLabelRow { Label = 5, Score = new[] { 1f, 0f }, PredictedLabel = 1 },
        };
        var e = Assert.ThrowsException<InvalidDataException>(() => context.MulticlassClassification.Evaluate(context.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "row 1");
        StringAssert.Contains(e.Message, "'Label'");
    }
}
