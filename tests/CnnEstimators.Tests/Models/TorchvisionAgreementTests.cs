using System.Text.Json;
using CnnMl.Torch;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>
/// AlexNet, VGG and ResNet against torchvision (Debian's python3-torchvision): same state_dict keys
/// and shapes for every variant, and for one network per depth the same eval logits, train-mode
/// loss and first-convolution gradient from the same random weights and batch.
/// </summary>
[TestClass]
public sealed class TorchvisionAgreementTests
{
    private static string? directory;
    private static Dictionary<string, (List<(string key, long[] shape)> keys, long parameters)> reference = new();

    private static readonly string[] Exported = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "alexnet", "vgg11_bn"];

    [ClassInitialize]
    public static void Export(TestContext context)
    {
        directory = PythonReference.NewTempDirectory("classic");
        PythonReference.Run("export_classic.py", 300, [directory, "keys", .. Exported]);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "classic_keys.json")));
        foreach (var variant in json.RootElement.EnumerateObject())
        {
            var keys = variant.Value.GetProperty("keys").EnumerateArray()
                .Select(k => (k[0].GetString()!, k[1].EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList();
            reference[variant.Name] = (keys, variant.Value.GetProperty("parameters").GetInt64());
        }
    }

    [ClassCleanup]
    public static void Cleanup() => PythonReference.DeleteQuietly(directory);

    [TestMethod]
    [DataRow("alexnet", 61_100_840L)]
    [DataRow("vgg11", 132_863_336L)]
    [DataRow("vgg11_bn", 132_868_840L)]
    [DataRow("vgg13", 133_047_848L)]
    [DataRow("vgg13_bn", 133_053_736L)]
    [DataRow("vgg16", 138_357_544L)]
    [DataRow("vgg16_bn", 138_365_992L)]
    [DataRow("vgg19", 143_667_240L)]
    [DataRow("vgg19_bn", 143_678_248L)]
    [DataRow("resnet18", 11_689_512L)]
    [DataRow("resnet34", 21_797_672L)]
    [DataRow("resnet50", 25_557_032L)]
    [DataRow("resnet101", 44_549_160L)]
    [DataRow("resnet152", 60_192_808L)]
    public void StateDictKeysAndShapesEqualTorchvision(string name, long expectedParameters)
    {
        var (keys, parameters) = reference[name];
        using var model = ModelZoo.Create(name);
        var ours = model.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
        CollectionAssert.AreEqual(keys.Select(k => k.key).ToList(), ours.Select(k => k.Key).ToList(), $"{name}: state_dict keys or their order differ");
        for (int i = 0; i < keys.Count; i++)
            CollectionAssert.AreEqual(keys[i].shape, ours[i].shape, $"{name}: shape of {keys[i].key}");
        Assert.AreEqual(expectedParameters, parameters, $"{name}: torchvision's parameter count");
        Assert.AreEqual(expectedParameters, model.parameters().Sum(p => p.numel()), $"{name}: parameter count");
    }

    [TestMethod]
    [DataRow("resnet18")]
    [DataRow("resnet34")]
    [DataRow("resnet50")]
    [DataRow("resnet101")]
    [DataRow("resnet152")]
    [DataRow("alexnet")]
    [DataRow("vgg11_bn")]
    public void ReproducesTorchvisionLogitsLossAndGradient(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create(name, numClasses: 10);
        model.load_safetensors(Path.Combine(directory!, $"{name}.weights.safetensors"), strict: true);
        var data = Safetensors.Load(Path.Combine(directory!, $"{name}.data.safetensors"), null, out var metadata);
        var input = data["input"];

        model.eval();
        using (no_grad())
            Agreement.Close(data["eval_logits"], model.call(input), $"{name} eval logits");

        // Train mode with dropout off (the reference sets p = 0), in float64: the first-conv gradient
        // of a deep network with tiny-batch statistics is too ill-conditioned in float32 for 1e-4.
        model.to(ScalarType.Float64);
        model.train();
        foreach (var m in model.modules().OfType<Dropout>()) m.eval();
        var loss = nn.functional.cross_entropy(model.call(input.to(ScalarType.Float64)), data["target"]);
        loss.backward();
        Agreement.Close(data["train_loss"], loss.reshape(1), $"{name} train loss");
        var firstConv = model.named_parameters().Single(p => p.name == metadata["first_conv"]).parameter;
        Agreement.Close(data["first_conv_grad"], firstConv.grad!, $"{name} gradient of {metadata["first_conv"]}");
    }
}
