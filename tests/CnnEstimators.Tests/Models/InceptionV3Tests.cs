using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>Inception v3 against torchvision's inception_v3: layout, numerics, cost, auxiliary head.</summary>
[TestClass]
public sealed class InceptionV3Tests
{
    private static TorchvisionFamilyReference? reference;

    [ClassInitialize]
    public static void Export(TestContext context) => reference = TorchvisionFamilyReference.Export("inception", "inception_v3", "inception_v3_noaux");

    [ClassCleanup]
    public static void Cleanup() => reference?.Dispose();

    [TestMethod]
    public void ParameterCountsMatchTorchvision()
    {
        using var withAux = new InceptionV3();
        Assert.AreEqual(27_161_264, withAux.parameters().Sum(p => p.numel()));
        using var withoutAux = ModelZoo.Create("inception_v3");
        Assert.AreEqual(23_834_568, withoutAux.parameters().Sum(p => p.numel()));
    }

    [TestMethod]
    public void StateDictKeysAndShapesEqualTorchvision()
    {
        using var withAux = new InceptionV3(auxLogits: true);
        reference!.AssertSameStateDict("inception_v3", withAux);
        using var withoutAux = new InceptionV3(auxLogits: false);
        reference.AssertSameStateDict("inception_v3_noaux", withoutAux);
    }

    [TestMethod]
    public void ReproducesTorchvisionLogitsLossAndGradient()
    {
        // 299x299, batch 2: the auxiliary head needs a 17x17 grid, so the train-mode check runs at full size.
        using var model = new InceptionV3(dropout: 0);
        reference!.AssertReproduces("inception_v3", model, expectedAuxHeads: 1);
    }

    [TestMethod]
    public void MultiplyAccumulatesMatchTorchvision()
    {
        using var model = ModelZoo.Create("inception_v3");
        FamilyChecks.AssertMacs(model, 299, 5.713);
    }

    [TestMethod]
    public void RejectsInputBelowMinimumSize()
    {
        using var model = ModelZoo.Create("inception_v3", numClasses: 10);
        FamilyChecks.AssertMinimumSize(model, 75);
        Assert.AreEqual(299, ModelZoo.Describe("inception_v3").DefaultInputSize);
    }

    [TestMethod]
    public void AuxiliaryHeadNeedsFullSizeInputInTrainingOnly()
    {
        using var scope = NewDisposeScope();
        using var model = new InceptionV3(numClasses: 5);
        var x = randn(2, 3, 75, 75);
        model.train();
        var e = Assert.ThrowsException<ArgumentException>(() => model.forward_with_aux(x));
        StringAssert.Contains(e.Message, "auxiliary classifier needs at least 299x299 input in training, got 75x75");
        CollectionAssert.AreEqual(new long[] { 2, 5 }, model.call(x).shape, "forward skips the auxiliary head");
        model.eval();
        using (no_grad())
        using (var outputs = model.forward_with_aux(x))
        {
            Assert.AreEqual(0, outputs.AuxLogits.Count);
            CollectionAssert.AreEqual(new long[] { 2, 5 }, outputs.Logits.shape);
        }
    }

    [TestMethod]
    public void ResetClassifierAlsoReplacesAuxiliaryHead()
    {
        using var model = new InceptionV3(numClasses: 10);
        FamilyChecks.AssertResetClassifier(model, 75, "AuxLogits.fc.");
    }
}
