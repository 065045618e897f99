using CnnMl.Core.Tests.Support;
using CnnMl.Data;

namespace CnnMl.Core.Tests.Evaluation;

[TestClass]
public sealed class CrossValidationTests
{
    [ClassInitialize]
    public static void Register(TestContext _) => TestPipeline.EnsureRegistered();

    private static List<uint> HeldOutIds(MLContext context, IDataView scored) =>
        context.Data.CreateEnumerable<IdRow>(scored, reuseRowObject: false).Select(r => r.Id).ToList();

    public sealed class IdRow
    {
        public uint Id { get; set; }
    }

    public sealed class IdFeatureRow
    {
        public uint Id { get; set; }

        [KeyType(3)]
        public uint Label { get; set; }

        [VectorType(4)]
        public float[] Features { get; set; } = Array.Empty<float>();

        public string Group { get; set; } = "";
    }

    private static IDataView Data(MLContext context, int count) =>
        context.Data.LoadFromEnumerable(TestPipeline.Clusters(count, seed: 4)
            .Select((r, i) => new IdFeatureRow { Id = (uint)i, Label = r.Label, Features = r.Features, Group = r.Group }).ToList());

    [TestMethod]
    public void CrossValidate_FoldsPartitionTheRows_AndEachFoldIsEvaluated()
    {
        var context = new MLContext(seed: 11);
        var results = context.MulticlassClassification.CrossValidate(Data(context, 600), TestPipeline.Estimator(), numberOfFolds: 4, seed: 3);
        Assert.AreEqual(4, results.Count);
        var seen = new List<uint>();
        for (int f = 0; f < 4; f++)
        {
            var r = results[f];
            Assert.AreEqual(f, r.Fold);
            Assert.IsNotNull(r.Model);
            Assert.IsTrue(r.Metrics.MicroAccuracy > 0.9, $"fold {f} accuracy {r.Metrics.MicroAccuracy}");
            var ids = HeldOutIds(context, r.ScoredHoldOutSet);
            Assert.IsTrue(ids.Count is > 100 and < 200, $"fold {f} holds {ids.Count} of 600 rows");
            Assert.AreEqual(ids.Count, r.Metrics.ConfusionMatrix.Counts.Sum(row => row.Sum()));
            seen.AddRange(ids);
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 600).Select(i => (uint)i).ToList(), seen, "every row is held out exactly once");
    }

    [TestMethod]
    public void CrossValidate_SameSeedSameFolds_SamplingKeyKeepsGroupsTogether()
    {
        var context = new MLContext();
        var data = Data(context, 300);
        var a = context.MulticlassClassification.CrossValidate(data, TestPipeline.Estimator(), numberOfFolds: 3, seed: 9);
        var b = context.MulticlassClassification.CrossValidate(data, TestPipeline.Estimator(), numberOfFolds: 3, seed: 9);
        for (int f = 0; f < 3; f++) CollectionAssert.AreEqual(HeldOutIds(context, a[f].ScoredHoldOutSet), HeldOutIds(context, b[f].ScoredHoldOutSet));

        var grouped = context.MulticlassClassification.CrossValidate(data, TestPipeline.Estimator(), numberOfFolds: 3, samplingKeyColumnName: "Group", seed: 9);
        var foldOfGroup = new Dictionary<uint, int>();
        for (int f = 0; f < 3; f++)
            foreach (var id in HeldOutIds(context, grouped[f].ScoredHoldOutSet))
            {
                var group = id / 3;
                if (foldOfGroup.TryGetValue(group, out var other)) Assert.AreEqual(other, f, $"group {group} split across folds");
                foldOfGroup[group] = f;
            }
        Assert.AreEqual(100, foldOfGroup.Count);
    }

    [TestMethod]
    public void CrossValidate_BadArguments()
    {
        var context = new MLContext();
        var data = Data(context, 30);
        Assert.ThrowsException<ArgumentOutOfRangeException>(() => context.MulticlassClassification.CrossValidate(data, TestPipeline.Estimator(), numberOfFolds: 1));
        var e = Assert.ThrowsException<ArgumentOutOfRangeException>(() => context.MulticlassClassification.CrossValidate(data, TestPipeline.Estimator(), labelColumnName: "Target"));
        StringAssert.Contains(e.Message, "'Target'");
    }
}
