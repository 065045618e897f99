using Microsoft.ML.Data;
using CnnMl.Models;
using CnnMl.Torch.Modules;

namespace CnnMl.Trainers.Tests;

/// <summary>libtorch scoring runs a folded copy of the network; the transformer's model and its model file keep the original weights.</summary>
[TestClass]
public sealed class OptimizedScoringTests
{
    [TestMethod]
    public void FoldedScoringMatchesTheUnfoldedNetworkAndSavingKeepsTheOriginalWeights()
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 96));
        var test = TrainerData.Keyed(ml, TrainerData.Rows(train: false, 0, 70));
        var options = new CnnTrainer.Options { Architecture = "resnet20_cifar", Epochs = 1, BatchSize = 32, Seed = 3 };
        using var model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(train);
        model.ScoringEngine = CnnScoringEngine.Libtorch;
        var keys = model.Model.state_dict().Keys.ToList();

        model.InferenceOptions = InferenceOptions.None;
        var plain = TrainerData.Scores(model.Transform(test));
        model.InferenceOptions = new InferenceOptions();
        var folded = TrainerData.Scores(model.Transform(test));
        AssertClose(plain, folded, "default (folded) scoring vs the unfolded network");

        Assert.IsFalse(model.Model.modules().OfType<BatchNorm2d>().Any(n => n.IsFolded), "the transformer's own network stays unfolded");
        CollectionAssert.AreEqual(keys, model.Model.state_dict().Keys.ToList(), "no folded bias in the saved weights");

        var path = Path.Combine(Path.GetTempPath(), $"cnnml-folded-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var loaded = (CnnClassificationTransformer)new MLContext().Model.Load(path, out _);
            using var dispose = loaded;
            loaded.ScoringEngine = CnnScoringEngine.Libtorch;
            CollectionAssert.AreEqual(keys, loaded.Model.state_dict().Keys.ToList());
            foreach (var (key, value) in model.Model.state_dict())
                Assert.IsTrue(value.equal(loaded.Model.state_dict()[key]), $"{key} saved as trained");
            AssertClose(plain, TrainerData.Scores(loaded.Transform(test)), "loaded, folded scoring");
            loaded.InferenceOptions = InferenceOptions.None;
            CollectionAssert.AreEqual(plain, TrainerData.Scores(loaded.Transform(test)), "loaded, unfolded scoring is bit-identical to before");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-4, $"{what}: score {i}");
    }
}
