using CnnMl.Onnx;
using CnnMl.Trainers;
using CnnMl.Trainers.Tests;

namespace CnnMl.Models.Tests;

/// <summary>A trained CnnMl pipeline converted to ML.NET's OnnxTransformer scores like the original.</summary>
[TestClass]
public sealed class OnnxDeploymentTests
{
    [TestMethod]
    public void DeploymentScoresLikeTheLibtorchPipelineAndSurvivesSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 600));
        var test = TrainerData.Keyed(ml, TrainerData.Rows(train: false, 0, 100));
        var pipeline = ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options { Variant = "lenet5_relu", Epochs = 2, BatchSize = 32, Optimizer = CnnOptimizer.Adam, LearningRate = 2e-3 });
        using var model = pipeline.Fit(train);

        var deployment = ml.Model.CreateOnnxDeployment(model, train);
        var expected = TrainerData.Scores(model.Transform(test));
        var deployed = deployment.Transform(test);
        var actual = TrainerData.Scores(deployed);
        Assert.AreEqual(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsTrue(worst <= 1e-4, $"Score differs by {worst:E2}");

        var label = deployed.Schema["PredictedLabel"];
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        label.GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(Datasets.FashionMnist.ClassNames.ToArray(), keyValues.DenseValues().Select(v => v.ToString()).ToArray());
        var predicted = Labels(deployed);
        var original = Labels(model.Transform(test));
        CollectionAssert.AreEqual(original, predicted);

        var path = Path.Combine(Path.GetTempPath(), $"cnnml-onnx-deployment-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(deployment, train.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            CollectionAssert.AreEqual(original, Labels(loaded.Transform(test)));
            var metrics = ml.MulticlassClassification.Evaluate(loaded.Transform(test));
            var reference = ml.MulticlassClassification.Evaluate(model.Transform(test));
            Console.WriteLine($"deployment: micro accuracy {metrics.MicroAccuracy:P1} on 100 test images, libtorch {reference.MicroAccuracy:P1}");
            Assert.AreEqual(reference.MicroAccuracy, metrics.MicroAccuracy, "ML.NET's evaluation of the loaded deployment");
            Assert.AreEqual(reference.LogLoss, metrics.LogLoss, 1e-4);
            Assert.IsTrue(metrics.MicroAccuracy > 0.5, $"a trained LeNet-5 should classify most images, got {metrics.MicroAccuracy:P0}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void PipelineWithoutACnnTransformerIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new ImageRow { Features = new float[784], Label = "a" } });
        Assert.ThrowsException<ArgumentException>(() => ml.Model.CreateOnnxDeployment(ml.Transforms.CopyColumns("X", "Label").Fit(data), data));
    }

    private static uint[] Labels(IDataView scored)
    {
        var column = scored.Schema["PredictedLabel"];
        using var cursor = scored.GetRowCursor([column]);
        var labels = new List<uint>();
        if (column.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<uint>>(column);
            VBuffer<uint> value = default;
            while (cursor.MoveNext())
            {
                getter(ref value);
                labels.Add(value.GetValues()[0]);
            }
        }
        else
        {
            var getter = cursor.GetGetter<uint>(column);
            uint value = 0;
            while (cursor.MoveNext())
            {
                getter(ref value);
                labels.Add(value);
            }
        }
        return labels.ToArray();
    }
}
