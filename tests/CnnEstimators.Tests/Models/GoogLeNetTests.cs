using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>GoogLeNet against torchvision's googlenet: layout, numerics, cost, auxiliary heads.</summary>
[TestClass]
public sealed class GoogLeNetTests
{
    private static TorchvisionFamilyReference? reference;

    [ClassInitialize]
    public static void Export(TestContext context) => reference = TorchvisionFamilyReference.Export("googlenet", "googlenet", "googlenet_noaux");

    [ClassCleanup]
    public static void Cleanup() => reference?.Dispose();

    [TestMethod]
    public void ParameterCountsMatchTorchvision()
    {
        using var withAux = new GoogLeNet();
        Assert.AreEqual(13_004_888, withAux.parameters().Sum(p => p.numel()));
        using var withoutAux = ModelZoo.Create("googlenet");
        Assert.AreEqual(6_624_904, withoutAux.parameters().Sum(p => p.numel()));
    }

    [TestMethod]
    public void StateDictKeysAndShapesEqualTorchvision()
    {
        using var withAux = new GoogLeNet(auxLogits: true);
        reference!.AssertSameStateDict("googlenet", withAux);
        using var withoutAux = new GoogLeNet(auxLogits: false);
        reference.AssertSameStateDict("googlenet_noaux", withoutAux);
    }

    [TestMethod]
    public void ReproducesTorchvisionLogitsLossAndGradient()
    {
        using var model = new GoogLeNet(dropout: 0, dropoutAux: 0);
        reference!.AssertReproduces("googlenet", model, expectedAuxHeads: 2);
    }

    [TestMethod]
    public void MultiplyAccumulatesMatchTorchvision()
    {
        using var model = ModelZoo.Create("googlenet");
        FamilyChecks.AssertMacs(model, 224, 1.498);
    }

    [TestMethod]
    public void AuxiliaryLogitsOnlyInTraining()
    {
        using var scope = NewDisposeScope();
        using var model = new GoogLeNet(numClasses: 3, inChannels: 1);
        var x = randn(2, 1, 32, 32);
        model.train();
        using (var outputs = model.forward_with_aux(x))
        {
            CollectionAssert.AreEqual(new long[] { 2, 3 }, outputs.Logits.shape);
            Assert.AreEqual(2, outputs.AuxLogits.Count);
            foreach (var aux in outputs.AuxLogits) CollectionAssert.AreEqual(new long[] { 2, 3 }, aux.shape);
        }
        CollectionAssert.AreEqual(new long[] { 2, 3 }, model.call(x).shape, "forward returns the main logits only");
        model.eval();
        using (no_grad())
        using (var outputs = model.forward_with_aux(x))
            Assert.AreEqual(0, outputs.AuxLogits.Count, "no auxiliary logits in eval mode");
        using var plain = new GoogLeNet(numClasses: 3, inChannels: 1, auxLogits: false);
        using var plainOutputs = plain.forward_with_aux(x);
        Assert.AreEqual(0, plainOutputs.AuxLogits.Count);
        Assert.IsFalse(plain.named_parameters().Any(p => p.name.StartsWith("aux", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void RejectsInputBelowMinimumSize()
    {
        using var model = ModelZoo.Create("googlenet", numClasses: 10);
        FamilyChecks.AssertMinimumSize(model, 15);
        Assert.AreEqual(15, ModelZoo.Describe("googlenet").MinimumInputSize);
    }

    [TestMethod]
    public void ResetClassifierAlsoReplacesAuxiliaryHeads()
    {
        using var model = new GoogLeNet(numClasses: 10);
        CollectionAssert.AreEqual(new[] { "fc.weight", "fc.bias" }, model.ClassifierParameterNames.ToArray());
        FamilyChecks.AssertResetClassifier(model, 32, "aux1.fc2.", "aux2.fc2.");
        using var scope = NewDisposeScope();
        model.train();
        using var outputs = model.forward_with_aux(randn(2, 3, 32, 32));
        foreach (var aux in outputs.AuxLogits) CollectionAssert.AreEqual(new long[] { 2, 4 }, aux.shape);
    }
}
