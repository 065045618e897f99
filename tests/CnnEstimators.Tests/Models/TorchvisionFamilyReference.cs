using System.Text.Json;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>
/// Reference data for one family from export_inception_densenet_efficientnet.py (Debian's
/// python3-torchvision): state_dict keys, shapes and parameter counts of each requested variant,
/// and for the exported ones the weights, a batch, eval logits, train-mode loss and the first
/// convolution's gradient. Deletes its temporary directory when disposed.
/// </summary>
internal sealed class TorchvisionFamilyReference : IDisposable
{
    private const string Script = "export_inception_densenet_efficientnet.py";

    private readonly Dictionary<string, (List<(string key, long[] shape)> keys, long parameters)> variants = new();

    private TorchvisionFamilyReference(string directory) => Directory = directory;

    /// <summary>Where the files are.</summary>
    public string Directory { get; }

    /// <summary>Runs the export script for the named torchvision variants.</summary>
    public static TorchvisionFamilyReference Export(string family, params string[] names)
    {
        var reference = new TorchvisionFamilyReference(PythonReference.NewTempDirectory(family));
        try
        {
            PythonReference.Run(Script, 300, [reference.Directory, .. names]);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(reference.Directory, "keys.json")));
            foreach (var variant in json.RootElement.EnumerateObject())
            {
                var keys = variant.Value.GetProperty("keys").EnumerateArray()
                    .Select(k => (k[0].GetString()!, k[1].EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList();
                reference.variants[variant.Name] = (keys, variant.Value.GetProperty("parameters").GetInt64());
            }
            return reference;
        }
        catch
        {
            reference.Dispose();
            throw;
        }
    }

    /// <summary>Asserts that <paramref name="model"/> has torchvision's state_dict keys, in order, with the same shapes, and its parameter count.</summary>
    public void AssertSameStateDict(string variant, nn.Module model)
    {
        var (keys, parameters) = variants[variant];
        var ours = model.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
        CollectionAssert.AreEqual(keys.Select(k => k.key).ToList(), ours.Select(k => k.Key).ToList(), $"{variant}: state_dict keys or their order differ");
        for (int i = 0; i < keys.Count; i++)
            CollectionAssert.AreEqual(keys[i].shape, ours[i].shape, $"{variant}: shape of {keys[i].key}");
        Assert.AreEqual(parameters, model.parameters().Sum(p => p.numel()), $"{variant}: parameter count");
    }

    /// <summary>
    /// Loads the exported weights strictly into <paramref name="model"/> (built with dropout and
    /// stochastic depth off) and checks eval logits, the train-mode loss (auxiliary heads included)
    /// and the gradient of the first convolution within 1e-4 relative. Runs on one intra-op thread,
    /// as the export does: train-mode batch norm on two samples makes the gradient sensitive to the
    /// summation order.
    /// </summary>
    public void AssertReproduces(string variant, ClassifierNetwork model, int expectedAuxHeads = 0)
    {
        var threads = get_num_threads();
        set_num_threads(1);
        try
        {
            using var scope = NewDisposeScope();
            model.load_safetensors(Path.Combine(Directory, $"{variant}.weights.safetensors"), strict: true);
            var data = Safetensors.Load(Path.Combine(Directory, $"{variant}.data.safetensors"), null, out var metadata);
            var input = data["input"];
            var target = data["target"];

            model.eval();
            using (no_grad())
                Agreement.Close(data["eval_logits"], model.call(input), $"{variant} eval logits");

            model.train();
            Tensor loss;
            if (model is IAuxiliaryClassifierNetwork withAux)
            {
                using var outputs = withAux.forward_with_aux(input);
                Assert.AreEqual(expectedAuxHeads, outputs.AuxLogits.Count, $"{variant}: auxiliary logits in training");
                var weight = double.Parse(metadata["aux_weight"], System.Globalization.CultureInfo.InvariantCulture);
                Assert.AreEqual(weight, withAux.AuxLossWeight, $"{variant}: auxiliary loss weight");
                loss = nn.functional.cross_entropy(outputs.Logits, target);
                foreach (var aux in outputs.AuxLogits) loss = loss + nn.functional.cross_entropy(aux, target) * weight;
            }
            else
            {
                loss = nn.functional.cross_entropy(model.call(input), target);
            }
            loss.backward();
            Agreement.Close(data["train_loss"], loss.reshape(1), $"{variant} train loss");
            var firstConv = model.named_parameters().Single(p => p.name == metadata["first_conv"]).parameter;
            Agreement.Close(data["first_conv_grad"], firstConv.grad!, $"{variant} gradient of {metadata["first_conv"]}");
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    /// <summary>Deletes the temporary directory.</summary>
    public void Dispose() => PythonReference.DeleteQuietly(Directory);
}

/// <summary>Checks shared by the family tests.</summary>
internal static class FamilyChecks
{
    /// <summary>Asserts the summary's multiply-accumulates are within 2% of torchvision's published GFLOPS.</summary>
    public static void AssertMacs(ClassifierNetwork model, int size, double gflops)
    {
        var summary = ModelSummary.Summary(model, model.InChannels, size, size);
        Assert.AreEqual(gflops, summary.GigaMacs, gflops * 0.02, $"{model.GetName()}: {summary.GigaMacs:F4} GMACs at {size}x{size}, torchvision {gflops}");
    }

    /// <summary>Asserts that an input one pixel below the minimum fails with the clear message, and the minimum works (eval, batch 1).</summary>
    public static void AssertMinimumSize(ClassifierNetwork model, int minimum)
    {
        Assert.AreEqual(minimum, model.MinimumInputSize);
        using var scope = NewDisposeScope();
        model.eval();
        using (no_grad())
        {
            var e = Assert.ThrowsException<ArgumentException>(() => model.call(zeros(1, model.InChannels, minimum - 1, minimum + 5)));
            StringAssert.Contains(e.Message, $"{model.GetName()} needs at least {minimum}x{minimum} input, got {minimum - 1}x{minimum + 5}");
            CollectionAssert.AreEqual(new long[] { 1, model.NumClasses }, model.call(randn(1, model.InChannels, minimum, minimum)).shape);
        }
    }

    /// <summary>Asserts that <see cref="ClassifierNetwork.ResetClassifier"/> changes only the named parameters (and the ones <paramref name="alsoChanged"/> starts with) and the class count.</summary>
    public static void AssertResetClassifier(ClassifierNetwork model, int size, params string[] alsoChanged)
    {
        using var scope = NewDisposeScope();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var classifier = model.ClassifierParameterNames.ToList();
        model.ResetClassifier(4);
        Assert.AreEqual(4, model.NumClasses);
        var after = model.state_dict();
        CollectionAssert.AreEqual(before.Keys.ToList(), after.Keys.ToList(), "keys keep their names and order");
        foreach (var (key, value) in after)
        {
            if (classifier.Contains(key) || alsoChanged.Any(key.StartsWith))
            {
                Assert.AreEqual(4, value.size(0), $"{key} has 4 rows");
                continue;
            }
            Assert.IsTrue(value.equal(before[key]), $"{key} changed");
        }
        model.eval();
        using (no_grad()) CollectionAssert.AreEqual(new long[] { 2, 4 }, model.call(randn(2, model.InChannels, size, size)).shape);
    }
}
