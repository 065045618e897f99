using CnnMl.Trainers;
using CnnMl.Trainers.Tests;

namespace CnnMl.Models.Tests;

/// <summary>A trained transformer scores through ONNX Runtime by default, with libtorch's probabilities.</summary>
[TestClass]
public sealed class OnnxScoringEngineTests
{
    [TestMethod]
    public void AutoScoresWithOnnxRuntimeLikeLibtorchAndEitherEngineCanBeChosen()
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 96));
        var test = TrainerData.Keyed(ml, TrainerData.Rows(train: false, 0, 70));
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options { Architecture = "resnet20_cifar", Epochs = 1, BatchSize = 32, Seed = 3 }).Fit(train);
        Assert.AreEqual(CnnScoringEngine.Auto, model.ScoringEngine);
        Assert.IsNull(model.ScoringEngineInUse, "nothing is chosen before scoring");

        var auto = TrainerData.Scores(model.Transform(test));
        StringAssert.StartsWith(model.ScoringEngineInUse, "ONNX Runtime");
        model.ScoringEngine = CnnScoringEngine.Libtorch;
        var libtorch = TrainerData.Scores(model.Transform(test));
        Assert.AreEqual("libtorch (chosen)", model.ScoringEngineInUse);
        Assert.AreEqual(auto.Length, libtorch.Length);
        var worst = auto.Zip(libtorch, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsTrue(worst <= 1e-4, $"ONNX Runtime vs libtorch: {worst:E2}");

        model.ScoringEngine = CnnScoringEngine.OnnxRuntime;
        var engine = ml.Model.CreatePredictionEngine<ImageRow, Prediction>(model);
        var first = TrainerData.Rows(train: false, 0, 1)[0];
        var single = engine.Predict(first).Score;
        for (int i = 0; i < single.Length; i++) Assert.AreEqual(libtorch[i], single[i], 1e-4, $"PredictionEngine score {i}");
        StringAssert.StartsWith(model.ScoringEngineInUse, "ONNX Runtime");
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }
}
