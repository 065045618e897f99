using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// A trained CNN as a featurizer for ML.NET's other trainers: its column holds the activations
/// entering the final classifier layer, which that layer maps to the network's own scores.
/// </summary>
[TestClass]
public sealed class FeaturizerTests
{
    private static (MLContext Ml, IDataView Train, IDataView Test, CnnClassificationTransformer Network) Trained()
    {
        var ml = new MLContext(seed: 3);
        var train = TrainerData.Keyed(ml, TrainerData.Rows(train: true, 0, 1200));
        var test = TrainerData.Keyed(ml, TrainerData.Rows(train: false, 0, 300));
        var network = ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options
        {
            Variant = "lenet5_relu", Epochs = 2, BatchSize = 32, Optimizer = CnnOptimizer.Adam, LearningRate = 2e-3, WeightDecay = 0,
        }).Fit(train);
        return (ml, train, test, network);
    }

    private static float[] Column(IDataView data, string name)
    {
        var column = data.Schema[name];
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var all = new List<float>();
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            all.AddRange(value.DenseValues());
        }
        return all.ToArray();
    }

    [TestMethod]
    public void FeaturesAreTheClassifierInputsAndAnotherMlNetTrainerLearnsFromThem()
    {
        var (ml, train, test, network) = Trained();
        using var owned = network;
        var featurizer = ml.Transforms.FeaturizeImageWithCnn(network).Fit(train);
        Assert.AreEqual(84, featurizer.FeatureSize, "LeNet-5's last layer maps 84 activations to the classes");
        var featurized = featurizer.Transform(test);
        var type = (VectorDataViewType)featurized.Schema["CnnFeatures"].Type;
        Assert.AreEqual(84, type.Size);

        // The final layer applied to the features gives the network's own probabilities.
        var features = Column(featurized, "CnnFeatures");
        var scores = TrainerData.Scores(network.Transform(test));
        var state = network.Model.state_dict();
        using (var scope = NewDisposeScope())
        {
            var weight = state[network.Model.ClassifierName + ".weight"];
            var bias = state[network.Model.ClassifierName + ".bias"];
            var logits = tensor(features, new long[] { features.Length / 84, 84 }).matmul(weight.t()) + bias;
            var probabilities = nn.functional.softmax(logits, 1).ToArray<float>();
            Assert.AreEqual(scores.Length, probabilities.Length);
            for (int i = 0; i < scores.Length; i++) Assert.AreEqual(scores[i], probabilities[i], 1e-5, $"probability {i}");
        }

        // ML.NET's own trainers learn from the CNN features.
        var sdca = ml.Transforms.FeaturizeImageWithCnn(network)
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(featureColumnName: "CnnFeatures", maximumNumberOfIterations: 20));
        var sdcaMetrics = ml.MulticlassClassification.Evaluate(sdca.Fit(train).Transform(test));
        Assert.IsTrue(sdcaMetrics.MicroAccuracy > 0.6, $"SDCA on CNN features: {sdcaMetrics.MicroAccuracy:P1}");
        var lightGbm = ml.Transforms.FeaturizeImageWithCnn(network)
            .Append(ml.MulticlassClassification.Trainers.LightGbm(featureColumnName: "CnnFeatures", numberOfIterations: 30));
        var lightGbmMetrics = ml.MulticlassClassification.Evaluate(lightGbm.Fit(train).Transform(test));
        Assert.IsTrue(lightGbmMetrics.MicroAccuracy > 0.6, $"LightGBM on CNN features: {lightGbmMetrics.MicroAccuracy:P1}");
    }

    [TestMethod]
    public void AFeaturizerSavesAndLoadsAndOneFromExportedWeightsGivesTheSameFeatures()
    {
        var (ml, train, test, network) = Trained();
        using var owned = network;
        var expected = Column(ml.Transforms.FeaturizeImageWithCnn(network).Fit(train).Transform(test), "CnnFeatures");
        var folder = Path.Combine(Path.GetTempPath(), $"cnnml-featurizer-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var zip = Path.Combine(folder, "featurizer.zip");
            ml.Model.Save(ml.Transforms.FeaturizeImageWithCnn(network, "Embedding").Fit(train), train.Schema, zip);
            var loaded = new MLContext().Model.Load(zip, out _);
            CollectionAssert.AreEqual(expected, Column(loaded.Transform(test), "Embedding"));
            (loaded as IDisposable)?.Dispose();

            var weights = Path.Combine(folder, "lenet5_relu.safetensors");
            network.Model.save_safetensors(weights);
            using var fromWeights = ml.Transforms.FeaturizeImageWithCnn("lenet5_relu", weights, channels: 1, height: 28, width: 28).Fit(train);
            CollectionAssert.AreEqual(expected, Column(fromWeights.Transform(test), "CnnFeatures"));

            var missing = Assert.ThrowsException<FileNotFoundException>(() => ml.Transforms.FeaturizeImageWithCnn("lenet5_relu", Path.Combine(folder, "none.safetensors"), 1, 28, 28));
            StringAssert.Contains(missing.Message, "none.safetensors");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
