using System.Text.Json;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>EfficientNet B0–B7 against torchvision: layout, numerics, cost, compound scaling, stochastic depth.</summary>
[TestClass]
public sealed class EfficientNetTests
{
    private static TorchvisionFamilyReference? reference;

    [ClassInitialize]
    public static void Export(TestContext context) =>
        reference = TorchvisionFamilyReference.Export("efficientnet", Enumerable.Range(0, 8).Select(i => $"efficientnet_b{i}").ToArray());

    [ClassCleanup]
    public static void Cleanup() => reference?.Dispose();

    [TestMethod]
    [DataRow(0, 5_288_548L)]
    [DataRow(1, 7_794_184L)]
    [DataRow(2, 9_109_994L)]
    [DataRow(3, 12_233_232L)]
    [DataRow(4, 19_341_616L)]
    [DataRow(5, 30_389_784L)]
    [DataRow(6, 43_040_704L)]
    [DataRow(7, 66_347_960L)]
    public void ParameterCountsAndStateDictEqualTorchvision(int index, long parameters)
    {
        using var model = ModelZoo.Create($"efficientnet_b{index}");
        Assert.AreEqual(parameters, model.parameters().Sum(p => p.numel()));
        reference!.AssertSameStateDict($"efficientnet_b{index}", model);
    }

    [TestMethod]
    public void ReproducesTorchvisionLogitsLossAndGradient()
    {
        using var model = EfficientNet.Create(0, stochasticDepthProb: 0, dropout: 0);
        reference!.AssertReproduces("efficientnet_b0", model);
    }

    [TestMethod]
    public void MultiplyAccumulatesMatchTorchvision()
    {
        using var model = ModelZoo.Create("efficientnet_b0");
        FamilyChecks.AssertMacs(model, 224, 0.386);
    }

    [TestMethod]
    public void CompoundScalingGivesTorchvisionsStageTables()
    {
        // What torchvision's builders pass and compute (architecture_reference.py efficientnet).
        using var json = JsonDocument.Parse(PythonReference.Run("architecture_reference.py", 120, "efficientnet"));
        foreach (var pair in json.RootElement.GetProperty("make_divisible").EnumerateArray())
        {
            var channels = pair[0].GetDouble();
            Assert.AreEqual(pair[1].GetInt64(), EfficientNet.MakeDivisible(channels), $"MakeDivisible({channels})");
        }
        for (int i = 0; i < 8; i++)
        {
            var expected = json.RootElement.GetProperty("variants").GetProperty($"efficientnet_b{i}");
            var variant = EfficientNet.Variants[i];
            var what = variant.Name;
            Assert.AreEqual(expected.GetProperty("width_mult").GetDouble(), variant.WidthMult, what);
            Assert.AreEqual(expected.GetProperty("depth_mult").GetDouble(), variant.DepthMult, what);
            Assert.AreEqual(expected.GetProperty("dropout").GetDouble(), variant.Dropout, what);
            Assert.AreEqual(expected.GetProperty("norm_eps").GetDouble(), variant.NormEps, what);
            Assert.AreEqual(expected.GetProperty("norm_momentum").GetDouble(), variant.NormMomentum, what);
            var stages = EfficientNet.Scale(EfficientNet.BaselineStages, variant.WidthMult, variant.DepthMult);
            var torchvision = expected.GetProperty("stages").EnumerateArray().Select(s => new MBConvStage(
                s[0].GetDouble(), s[1].GetInt32(), s[2].GetInt32(), s[3].GetInt32(), s[4].GetInt32(), s[5].GetInt32())).ToList();
            CollectionAssert.AreEqual(torchvision, stages.ToList(), $"{what}: stages (expand, kernel, stride, in, out, layers)");
        }
    }

    [TestMethod]
    public void LargeVariantsUseTensorFlowBatchNormSettings()
    {
        using var b5 = EfficientNet.B5(numClasses: 10);
        Assert.IsTrue(b5.modules().OfType<BatchNorm2d>().All(bn => bn.eps == 0.001 && bn.momentum == 0.01));
        using var b0 = EfficientNet.B0(numClasses: 10);
        Assert.IsTrue(b0.modules().OfType<BatchNorm2d>().All(bn => bn.eps == 1e-5 && bn.momentum == 0.1));
        Assert.AreEqual(0.2, b0.modules().OfType<Dropout>().Single().p);
        // Stochastic depth grows linearly with the block index: 0 for the first block, 0.2 x 15/16 for the last.
        var probabilities = b0.modules().OfType<StochasticDepth>().Select(s => s.p).ToList();
        Assert.AreEqual(16, probabilities.Count);
        Assert.AreEqual(0.0, probabilities[0]);
        Assert.AreEqual(0.2 * 15 / 16, probabilities[^1], 1e-12);
    }

    [TestMethod]
    public void StochasticDepthDropsWholeSamplesInTrainingOnly()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        var x = ones(64, 3, 2, 2);
        using var layer = new StochasticDepth(0.5);
        layer.eval();
        Assert.IsTrue(layer.call(x).equal(x), "identity in eval mode");
        layer.train();
        var y = layer.call(x);
        var perSample = y.flatten(1);
        var kept = 0;
        for (int i = 0; i < 64; i++)
        {
            var row = perSample[i];
            var value = row[0].item<float>();
            Assert.IsTrue(value == 0f || value == 2f, $"sample {i}: {value}");
            Assert.AreEqual(0L, row.ne(value).sum().item<long>(), $"sample {i} is dropped or kept as a whole");
            if (value != 0) kept++;
        }
        Assert.IsTrue(kept is > 16 and < 48, $"{kept} of 64 samples kept at p = 0.5");
        layer.p = 0;
        Assert.IsTrue(layer.call(x).equal(x));
        layer.p = 1;
        Assert.AreEqual(0f, layer.call(x).abs().sum().item<float>());
    }

    [TestMethod]
    public void AcceptsOnePixelInputAndResetsClassifier()
    {
        using var model = EfficientNet.B0(numClasses: 10);
        Assert.AreEqual(1, model.MinimumInputSize);
        CollectionAssert.AreEqual(new[] { "classifier.1.weight", "classifier.1.bias" }, model.ClassifierParameterNames.ToArray());
        FamilyChecks.AssertResetClassifier(model, 1);
        Assert.AreEqual(0.2, model.modules().OfType<Dropout>().Single().p, "dropout kept");
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsException<ArgumentException>(() => model.call(zeros(1, 1, 8, 8)));
        StringAssert.Contains(e.Message, "expects 3 input channel(s), got 1");
    }
}
