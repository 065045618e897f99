using CnnMl.Core.Tests.Support;
using CnnMl.Core.Tests.Model;
using CnnMl.Data;

namespace CnnMl.Core.Tests.Prediction;

[TestClass]
public sealed class PredictionEngineTests
{
    [ClassInitialize]
    public static void Register(TestContext _) => TestPipeline.EnsureRegistered();

    public sealed class ExtraMemberPrediction
    {
        [VectorType(3)]
        public float[] Score { get; set; } = Array.Empty<float>();

        public float Probability { get; set; }
    }

    public sealed class WrongTypePrediction
    {
        public string PredictedLabel { get; set; } = "";
    }

    [TestMethod]
    public void Predict_GivesTheSameResultsAsTransform()
    {
        var (model, data) = ModelFileTests.Fitted();
        var context = new MLContext();
        var expected = ModelFileTests.Scores(model, data);
        var rows = TestPipeline.Clusters(120, seed: 8);
        using var engine = context.Model.CreatePredictionEngine<FeatureRow, ScoreRow>(model);
        var predicted = rows.Select(engine.Predict).ToList();
        ModelFileTests.AssertSameScores(expected, predicted);

        ScoreRow reused = new();
        var first = reused;
        engine.Predict(rows[5], ref reused);
        Assert.AreSame(first, reused, "Predict(example, ref prediction) fills the given object");
        CollectionAssert.AreEqual(expected[5].Score, reused.Score);
        Assert.IsNotNull(engine.OutputSchema.GetColumnOrNull("Score"));
    }

    [TestMethod]
    public void EngineOnALoadedModel_PredictsTheSame()
    {
        var (model, data) = ModelFileTests.Fitted();
        using var stream = new MemoryStream();
        var context = new MLContext();
        context.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _);
        var rows = TestPipeline.Clusters(30, seed: 21);
        var a = context.Model.CreatePredictionEngine<FeatureRow, ScoreRow>(model);
        var b = new MLContext().Model.CreatePredictionEngine<FeatureRow, ScoreRow>(loaded);
        ModelFileTests.AssertSameScores(rows.Select(a.Predict).ToList(), rows.Select(b.Predict).ToList());
    }

    [TestMethod]
    public void MissingOutputColumns_IgnoredByDefault_ErrorOtherwise()
    {
        var (model, _) = ModelFileTests.Fitted();
        var context = new MLContext();
        var row = TestPipeline.Clusters(1, seed: 1)[0];
        var p = context.Model.CreatePredictionEngine<FeatureRow, ExtraMemberPrediction>(model).Predict(row);
        Assert.AreEqual(3, p.Score.Length);
        Assert.AreEqual(0f, p.Probability);

        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => context.Model.CreatePredictionEngine<FeatureRow, ExtraMemberPrediction>(model, ignoreMissingColumns: false));
        StringAssert.Contains(e.Message, "'Probability'");
        StringAssert.Contains(e.Message, "'Score'");

        e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => context.Model.CreatePredictionEngine<FeatureRow, WrongTypePrediction>(model));
        StringAssert.Contains(e.Message, "PredictedLabel");
        StringAssert.Contains(e.Message, "Key<");
    }

    [TestMethod]
    public void ConcurrentUse_IsRefused_NotCorrupted()
    {
        var (model, _) = ModelFileTests.Fitted();
        var engine = new MLContext().Model.CreatePredictionEngine<FeatureRow, ScoreRow>(model);
        var rows = TestPipeline.Clusters(200, seed: 2);
        var expected = rows.Select(engine.Predict).ToList();
        int refused = 0;
        Parallel.For(0, 4, worker =>
        {
            for (int i = 0; i < rows.Count; i++)
            {
                try
                {
                    var p = engine.Predict(rows[i]);
                    CollectionAssert.AreEqual(expected[i].Score, p.Score);
                }
                catch (InvalidOperationException e) when (e.Message.Contains("not thread-safe"))
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });
        Console.WriteLine($"{refused} concurrent calls refused");
        engine.Dispose();
        Assert.ThrowsException<ObjectDisposedException>(() => engine.Predict(rows[0]));
    }
}
