using CnnMl.Torch;
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

    [TestMethod]
    public void AutoFallsBackToLibtorchWhereTheExportFailsAndSaysWhy()
    {
        var ml = new MLContext(seed: 1);
        var test = TrainerData.Keyed(ml, TrainerData.Rows(train: false, 0, 5));
        var classes = CnnMl.Datasets.FashionMnist.ClassNames.ToArray();
        using var model = new CnnClassificationTransformer(new UntraceableNetwork(), "untraceable", classes, 1, 28, 28, null, null, "Features", "Score", "PredictedLabel", encodedImages: false);
        var scores = TrainerData.Scores(model.Transform(test));
        Assert.AreEqual(5 * 10, scores.Length);
        StringAssert.StartsWith(model.ScoringEngineInUse, "libtorch (NotSupportedException: ONNX export: 'linear' read a tensor");

        model.ScoringEngine = CnnScoringEngine.OnnxRuntime;
        var error = Assert.ThrowsException<NotSupportedException>(() => TrainerData.Scores(model.Transform(test)));
        StringAssert.Contains(error.Message, "made by an operation the exporter cannot see");
    }

    /// <summary>A classifier whose forward pass uses exp, an operation the binding does not trace.</summary>
    private sealed class UntraceableNetwork : ClassifierNetwork
    {
        private readonly CnnMl.Torch.Modules.Linear fc = torch.nn.Linear(28 * 28, 10);

        public UntraceableNetwork() : base("Untraceable", 10, 1, 28)
        {
            RegisterComponents();
            eval();
        }

        public override string ClassifierName => "fc";

        public override torch.Tensor features(torch.Tensor input) => input.flatten(1).exp();

        public override torch.Tensor head(torch.Tensor features) => fc.call(features);

        public override void ResetClassifier(int numClasses) => throw new NotSupportedException();
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }
}
