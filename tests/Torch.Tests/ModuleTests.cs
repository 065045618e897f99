using System.Text.Json;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Torch.Tests;

/// <summary>Module registration and state_dict naming as PyTorch's, strict loading, train/eval behaviour.</summary>
[TestClass]
public sealed class ModuleTests
{
    private static string? directory;
    private static Dictionary<string, Tensor> reference = new();
    private static string[] pytorchKeys = Array.Empty<string>();

    [ClassInitialize]
    public static void Generate(TestContext context)
    {
        directory = PythonReference.NewTempDirectory();
        reference = PythonReference.Generate("model", directory, out var metadata);
        pytorchKeys = JsonSerializer.Deserialize<string[]>(metadata["keys"])!;
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        foreach (var t in reference.Values) t.Dispose();
        reference.Clear();
        PythonReference.DeleteQuietly(directory);
    }

    /// <summary>The same network as reference.py's run_model.</summary>
    private static Sequential SmallCnn() => nn.Sequential(
        nn.Conv2d(3, 4, 3, padding: 1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 5));

    private static Dictionary<string, Tensor> PyTorchStateDict() =>
        reference.Where(kv => kv.Key.StartsWith("sd.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[3..], kv => kv.Value);

    [TestMethod]
    public void StateDictKeysFollowPyTorchNamingAndOrder()
    {
        using var model = SmallCnn();
        var expected = new[]
        {
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "5.weight", "5.bias",
        };
        CollectionAssert.AreEqual(expected, model.state_dict().Keys.ToArray());
        CollectionAssert.AreEqual(pytorchKeys, model.state_dict().Keys.ToArray(), "PyTorch's nn.Sequential gives the same keys in the same order");
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias" }, model.named_parameters().Select(p => p.name).ToArray());
        CollectionAssert.AreEqual(new[] { "1.running_mean", "1.running_var", "1.num_batches_tracked" }, model.named_buffers().Select(b => b.name).ToArray());
        CollectionAssert.AreEqual(model.named_buffers().Select(b => b.buffer).ToArray(), model.buffers().ToArray());
        Assert.AreEqual(ScalarType.Int64, model.state_dict()["1.num_batches_tracked"].dtype);
        foreach (var (key, value) in PyTorchStateDict())
            CollectionAssert.AreEqual(value.shape, model.state_dict()[key].shape, $"shape of {key}");
    }

    [TestMethod]
    public void PyTorchWeightsLoadStrictlyAndGiveTheSameEvalOutput()
    {
        using var model = SmallCnn();
        var (missing, unexpected) = model.load_state_dict(PyTorchStateDict(), strict: true);
        Assert.AreEqual(0, missing.Count);
        Assert.AreEqual(0, unexpected.Count);
        model.eval();
        using var scope = NewDisposeScope();
        using (no_grad())
            TensorAssert.Close(reference["y"], model.call(reference["x"]), "eval output of the PyTorch-trained model");
        Assert.AreEqual(3L, model.state_dict()["1.num_batches_tracked"].item<long>());
    }

    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1 = nn.Conv2d(2, 2, 3, padding: 1, bias: false);
        private readonly BatchNorm2d bn1 = nn.BatchNorm2d(2);
        private readonly nn.Parameter scale = new(ones(1));
        private readonly Tensor counter = zeros(2);

        public Block() : base(nameof(Block)) => RegisterComponents();

        public override Tensor forward(Tensor input) => bn1.call(conv1.call(input)) * scale + counter.sum();
    }

    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d stem = nn.Conv2d(1, 2, 1);
        private readonly Sequential layer1 = nn.Sequential(new Block(), new Block());
        private readonly ModuleList<Linear> heads = nn.ModuleList(nn.Linear(2, 3), nn.Linear(2, 1, hasBias: false));
        private readonly ModuleDict<Dropout> drops = nn.ModuleDict(("pre", nn.Dropout(0.1)));

        public Net() : base(nameof(Net)) => RegisterComponents();

        public ModuleList<Linear> Heads => heads;
        public ModuleDict<Dropout> Drops => drops;

        public override Tensor forward(Tensor input) => layer1.call(stem.call(input)).mean(new long[] { 2, 3 });
    }

    [TestMethod]
    public void NestedModulesUseDottedFieldNames()
    {
        using var net = new Net();
        var keys = net.state_dict().Keys.ToArray();
        var expected = new[]
        {
            "stem.weight", "stem.bias",
            "layer1.0.scale", "layer1.0.counter", "layer1.0.conv1.weight",
            "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked",
            "layer1.1.scale", "layer1.1.counter", "layer1.1.conv1.weight",
            "layer1.1.bn1.weight", "layer1.1.bn1.bias", "layer1.1.bn1.running_mean", "layer1.1.bn1.running_var", "layer1.1.bn1.num_batches_tracked",
            "heads.0.weight", "heads.0.bias", "heads.1.weight",
        };
        CollectionAssert.AreEqual(expected, keys);
        CollectionAssert.AreEqual(
            new[] { "", "stem", "layer1", "layer1.0", "layer1.0.conv1", "layer1.0.bn1", "layer1.1", "layer1.1.conv1", "layer1.1.bn1", "heads", "heads.0", "heads.1", "drops", "drops.pre" },
            net.named_modules().Select(m => m.name).ToArray());
        Assert.IsFalse(net.named_parameters().Any(p => p.name.EndsWith("counter", StringComparison.Ordinal)), "a plain tensor field is a buffer, not a parameter");

        Assert.AreEqual(2, net.Heads.Count);
        Assert.AreEqual(1L, net.Heads[1].out_features);
        CollectionAssert.AreEqual(new[] { 3L, 1L }, net.Heads.Select(h => h.out_features).ToArray());
        Assert.AreEqual(1, net.Drops.Count);
        Assert.IsTrue(net.Drops.ContainsKey("pre") && !net.Drops.ContainsKey("post"));
        Assert.IsTrue(net.Drops.TryGetValue("pre", out var pre) && ReferenceEquals(pre, net.Drops["pre"]));
        Assert.AreEqual(0.1, pre!.p);
        CollectionAssert.AreEqual(new[] { "pre" }, net.Drops.Keys.ToArray());
        CollectionAssert.AreEqual(new[] { pre }, net.Drops.Values.ToArray());
        CollectionAssert.AreEqual(new[] { "pre" }, net.Drops.Select(kv => kv.Key).ToArray());
    }

    [TestMethod]
    public void NamedSequentialUsesTheGivenNames()
    {
        using var model = nn.Sequential(("conv", nn.Conv2d(1, 2, 3)), ("act", nn.ReLU()), ("fc", nn.Linear(2, 1)));
        CollectionAssert.AreEqual(new[] { "conv.weight", "conv.bias", "fc.weight", "fc.bias" }, model.state_dict().Keys.ToArray());
        Assert.AreEqual(3, model.Count);
        Assert.IsInstanceOfType<ReLU>(model[1]);
    }

    [TestMethod]
    public void StrictLoadListsMissingAndUnexpectedKeys()
    {
        using var model = SmallCnn();
        var source = PyTorchStateDict();
        source.Remove("1.running_var");
        source.Remove("5.bias");
        using var extra = zeros(3);
        source["9.weight"] = extra;
        var e = Assert.ThrowsException<ArgumentException>(() => model.load_state_dict(source));
        StringAssert.Contains(e.Message, "missing key(s) in state_dict: \"1.running_var\", \"5.bias\"");
        StringAssert.Contains(e.Message, "unexpected key(s) in state_dict: \"9.weight\"");
        using var scope = NewDisposeScope();
        Assert.IsFalse(model.state_dict()["0.weight"].equal(reference["sd.0.weight"]), "a failed strict load must not copy anything");

        var (missing, unexpected) = model.load_state_dict(source, strict: false);
        CollectionAssert.AreEqual(new[] { "1.running_var", "5.bias" }, missing.ToArray());
        CollectionAssert.AreEqual(new[] { "9.weight" }, unexpected.ToArray());
        Assert.IsTrue(model.state_dict()["0.weight"].equal(reference["sd.0.weight"]), "a non-strict load copies the keys present");
    }

    [TestMethod]
    public void ShapeMismatchIsReportedEvenWhenNotStrict()
    {
        using var model = SmallCnn();
        var source = PyTorchStateDict();
        using var wrong = zeros(5, 60);
        source["5.weight"] = wrong;
        foreach (var strict in new[] { true, false })
        {
            var e = Assert.ThrowsException<ArgumentException>(() => model.load_state_dict(source, strict));
            StringAssert.Contains(e.Message, "size mismatch for 5.weight");
            StringAssert.Contains(e.Message, "[5, 60]");
            StringAssert.Contains(e.Message, "[5, 64]");
        }
    }

    [TestMethod]
    public void SafetensorsCheckpointRoundTrip()
    {
        var path = Path.Combine(directory!, "checkpoint.safetensors");
        using var trained = SmallCnn();
        trained.load_state_dict(PyTorchStateDict());
        trained.save_safetensors(path);
        using var fresh = SmallCnn();
        fresh.load_safetensors(path);
        foreach (var (key, value) in trained.state_dict())
            Assert.IsTrue(value.equal(fresh.state_dict()[key]), key);
    }

    [TestMethod]
    public void TrainAndEvalSwitchDropout()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(nn.Dropout(0.5));
        var x = ones(10000);
        Assert.IsTrue(model.training && model[0].training);
        random.manual_seed(3);
        var dropped = model.call(x).ToArray<float>();
        var zerosCount = dropped.Count(v => v == 0);
        Assert.IsTrue(zerosCount is > 4500 and < 5500, $"about half should be dropped, got {zerosCount}");
        Assert.IsTrue(dropped.All(v => v == 0 || v == 2), "kept elements are scaled by 1/(1-p)");

        model.eval();
        Assert.IsFalse(model[0].training, "eval() reaches the children");
        Assert.IsTrue(model.call(x).equal(x), "dropout is the identity in eval mode");
        model.train();
        Assert.IsFalse(model.call(x).equal(x));
    }

    [TestMethod]
    public void TrainAndEvalSwitchBatchNorm()
    {
        using var scope = NewDisposeScope();
        using var bn = nn.BatchNorm2d(2);
        random.manual_seed(4);
        var x = randn(8, 2, 3, 3) * 3 + 5;
        var batchMean = x.mean(new long[] { 0, 2, 3 });
        var batchVar = x.var(new long[] { 0, 2, 3 }, unbiased: true);

        var y = bn.call(x);
        foreach (var m in y.mean(new long[] { 0, 2, 3 }).ToArray<float>()) Assert.AreEqual(0, m, 1e-5, "train mode normalizes with the batch mean");
        foreach (var v in y.var(new long[] { 0, 2, 3 }, unbiased: false).ToArray<float>()) Assert.AreEqual(1, v, 1e-3, "train mode normalizes with the batch variance");
        TensorAssert.Close(batchMean * 0.1, bn.running_mean!, "running_mean after one batch");
        TensorAssert.Close(batchVar * 0.1 + 0.9, bn.running_var!, "running_var after one batch (unbiased)");
        Assert.AreEqual(1L, bn.num_batches_tracked!.item<long>());

        bn.eval();
        var runningMean = bn.running_mean!.clone();
        var runningVar = bn.running_var!.clone();
        var evaluated = bn.call(x);
        var expected = (x - runningMean.reshape(1, 2, 1, 1)) / (runningVar.reshape(1, 2, 1, 1) + 1e-5).sqrt();
        TensorAssert.Close(expected, evaluated, "eval mode uses the running statistics");
        Assert.IsTrue(bn.running_mean!.equal(runningMean) && bn.running_var!.equal(runningVar), "eval does not update the statistics");
        Assert.AreEqual(1L, bn.num_batches_tracked!.item<long>());
    }

    [TestMethod]
    public void ToDoubleConvertsFloatingStateOnly()
    {
        using var model = SmallCnn();
        var weight = model.named_parameters().First().parameter;
        model.to(ScalarType.Float64);
        Assert.AreEqual(ScalarType.Float64, model.state_dict()["0.weight"].dtype);
        Assert.AreEqual(ScalarType.Float64, model.state_dict()["1.running_mean"].dtype);
        Assert.AreEqual(ScalarType.Int64, model.state_dict()["1.num_batches_tracked"].dtype);
        Assert.AreSame(weight, model.named_parameters().First().parameter, "parameters keep their identity so optimizers stay valid");
        Assert.AreSame(model, model.cpu());
        Assert.AreSame(weight, model.named_parameters().First().parameter, "cpu() keeps the parameters too");
        Assert.AreEqual(ScalarType.Float64, weight.dtype, "cpu() keeps the dtype");
        using var scope = NewDisposeScope();
        Assert.AreEqual(ScalarType.Float64, model.call(randn(new long[] { 1, 3, 8, 8 }, ScalarType.Float64)).dtype);
    }
}
