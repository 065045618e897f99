using static CnnMl.Torch.torch;
using F = CnnMl.Torch.torch.nn.functional;

namespace CnnMl.Torch.Tests;

/// <summary>
/// Every op and its gradient against PyTorch 1.13 (tests/python/reference.py ops): the script writes
/// inputs, outputs and gradients of sum(out * gout); CnnMl runs the same op on the same inputs.
/// </summary>
[TestClass]
public sealed class OpsAgreementTests
{
    private delegate Tensor Op(IReadOnlyDictionary<string, Tensor> t, Dictionary<string, Tensor> extra);

    private static string? directory;
    private static Dictionary<string, Tensor> reference = new();

    private static Op BatchNorm(bool training, double momentum, double eps) => (t, e) =>
    {
        var y = F.batch_norm(t["x"], t["rm"], t["rv"], t["w"], t["b"], training, momentum, eps);
        e["running_mean"] = t["rm"];
        e["running_var"] = t["rv"];
        return y;
    };

    private static readonly Dictionary<string, Op> Ops = new()
    {
        ["conv2d_basic"] = (t, e) => F.conv2d(t["x"], t["w"], t["b"]),
        ["conv2d_stride_padding"] = (t, e) => F.conv2d(t["x"], t["w"], t["b"], stride: new long[] { 2, 1 }, padding: new long[] { 1, 2 }),
        ["conv2d_dilation"] = (t, e) => F.conv2d(t["x"], t["w"], null, padding: new long[] { 2 }, dilation: new long[] { 2 }),
        ["conv2d_groups"] = (t, e) => F.conv2d(t["x"], t["w"], t["b"], stride: new long[] { 2 }, padding: new long[] { 1 }, groups: 2),
        ["conv2d_depthwise"] = (t, e) => F.conv2d(t["x"], t["w"], null, padding: new long[] { 1 }, groups: 3),
        ["batch_norm_train"] = BatchNorm(true, 0.1, 1e-5),
        ["batch_norm_train_momentum"] = BatchNorm(true, 0.3, 1e-3),
        ["batch_norm_eval"] = BatchNorm(false, 0.1, 1e-5),
        ["relu"] = (t, e) => F.relu(t["x"]),
        ["relu6"] = (t, e) => F.relu6(t["x"]),
        ["silu"] = (t, e) => F.silu(t["x"]),
        ["sigmoid"] = (t, e) => F.sigmoid(t["x"]),
        ["hardswish"] = (t, e) => F.hardswish(t["x"]),
        ["gelu"] = (t, e) => F.gelu(t["x"]),
        ["gelu_tanh"] = (t, e) => F.gelu(t["x"], "tanh"),
        ["tanh"] = (t, e) => t["x"].tanh(),
        ["max_pool2d_basic"] = (t, e) => F.max_pool2d(t["x"], new long[] { 2 }),
        ["max_pool2d_padding_ceil"] = (t, e) => F.max_pool2d(t["x"], new long[] { 3 }, new long[] { 2 }, new long[] { 1 }, ceil_mode: true),
        ["max_pool2d_dilation"] = (t, e) => F.max_pool2d(t["x"], new long[] { 2, 3 }, new long[] { 1, 2 }, dilation: new long[] { 2 }),
        ["avg_pool2d_basic"] = (t, e) => F.avg_pool2d(t["x"], new long[] { 2 }),
        ["avg_pool2d_padding_include"] = (t, e) => F.avg_pool2d(t["x"], new long[] { 3 }, new long[] { 2 }, new long[] { 1 }),
        ["avg_pool2d_padding_exclude"] = (t, e) => F.avg_pool2d(t["x"], new long[] { 3 }, new long[] { 2 }, new long[] { 1 }, count_include_pad: false),
        ["avg_pool2d_ceil"] = (t, e) => F.avg_pool2d(t["x"], new long[] { 3, 2 }, new long[] { 2 }, new long[] { 1 }, ceil_mode: true, count_include_pad: false),
        ["adaptive_avg_pool2d_uneven"] = (t, e) => F.adaptive_avg_pool2d(t["x"], new long[] { 4, 3 }),
        ["adaptive_avg_pool2d_global"] = (t, e) => F.adaptive_avg_pool2d(t["x"], new long[] { 1 }),
        ["linear"] = (t, e) => F.linear(t["x"], t["w"], t["b"]),
        ["linear_no_bias_3d"] = (t, e) => F.linear(t["x"], t["w"]),
        ["softmax"] = (t, e) => F.softmax(t["x"], 1),
        ["log_softmax"] = (t, e) => F.log_softmax(t["x"], -1),
        ["cross_entropy"] = (t, e) => F.cross_entropy(t["x"], t["y"]),
        ["cross_entropy_label_smoothing"] = (t, e) => F.cross_entropy(t["x"], t["y"], label_smoothing: 0.1),
        ["cross_entropy_weight_smoothing"] = (t, e) => F.cross_entropy(t["x"], t["y"], weight: t["cw"], label_smoothing: 0.2),
        ["cross_entropy_sum"] = (t, e) => F.cross_entropy(t["x"], t["y"], reduction: nn.Reduction.Sum),
        ["cross_entropy_none_ignore"] = (t, e) => F.cross_entropy(t["x"], t["y"], reduction: nn.Reduction.None),
        ["nll_loss"] = (t, e) => F.nll_loss(t["x"], t["y"]),
        ["nll_loss_weight"] = (t, e) => F.nll_loss(t["x"], t["y"], weight: t["cw"]),
        ["nll_loss_none"] = (t, e) => F.nll_loss(t["x"], t["y"], reduction: nn.Reduction.None),
        ["local_response_norm_3"] = (t, e) => F.local_response_norm(t["x"], 3),
        ["local_response_norm_alexnet"] = (t, e) => F.local_response_norm(t["x"], 5, alpha: 1e-3, beta: 0.75, k: 2.0),
        ["sum_all"] = (t, e) => t["x"].sum(),
        ["sum_dims_keepdim"] = (t, e) => t["x"].sum(new long[] { 0, 2 }, keepdim: true),
        ["mean_all"] = (t, e) => t["x"].mean(),
        ["mean_dim"] = (t, e) => t["x"].mean(1),
        ["var_dim"] = (t, e) => t["x"].var(new long[] { 2 }),
        ["max_all"] = (t, e) => t["x"].max(),
        ["max_dim"] = (t, e) =>
        {
            var (values, indexes) = t["x"].max(1);
            e["indices"] = indexes;
            return values;
        },
        ["argmax_dim"] = (t, e) => t["x"].argmax(2),
        ["argmax_all"] = (t, e) => t["x"].argmax(),
        ["matmul_2d"] = (t, e) => t["a"].matmul(t["b"]),
        ["matmul_batched_broadcast"] = (t, e) => matmul(t["a"], t["b"]),
        ["matmul_vector"] = (t, e) => t["a"].matmul(t["b"]),
        ["add"] = (t, e) => t["a"] + t["b"],
        ["add_alpha"] = (t, e) => t["a"].add(t["b"], 2.5),
        ["sub"] = (t, e) => t["a"] - t["b"],
        ["mul"] = (t, e) => t["a"] * t["b"],
        ["div"] = (t, e) => t["a"] / t["b"],
        ["scalar_arith"] = (t, e) => (t["a"] * 3 + 1.5) / 2 - 0.25,
        ["pow_exp_log_sqrt"] = (t, e) => t["b"].pow(2).exp().log().sqrt() + t["b"].abs().neg(),
        ["cmp_eq"] = (t, e) => t["a"].eq(t["b"]),
        ["cmp_ne"] = (t, e) => t["a"].ne(t["b"]),
        ["cmp_lt"] = (t, e) => t["a"].lt(t["b"]),
        ["cmp_le"] = (t, e) => t["a"].le(t["b"]),
        ["cmp_gt"] = (t, e) => t["a"].gt(t["b"]),
        ["cmp_ge"] = (t, e) => t["a"].ge(t["b"]),
        ["reshape"] = (t, e) => t["x"].reshape(4, -1),
        ["view"] = (t, e) => t["x"].view(6, 4),
        ["permute_contiguous"] = (t, e) => t["x"].permute(2, 0, 1).contiguous(),
        ["flatten"] = (t, e) => t["x"].flatten(1),
        ["narrow"] = (t, e) => t["x"].narrow(2, 1, 2),
        ["select"] = (t, e) => t["x"].select(1, 2),
        ["index_select"] = (t, e) => t["x"].index_select(2, t["i"]),
        ["transpose"] = (t, e) => t["x"].transpose(0, 2),
        ["unsqueeze_squeeze"] = (t, e) => t["x"].unsqueeze(1).squeeze(1).unsqueeze(-1),
        ["cat"] = (t, e) => cat(new[] { t["a"], t["b"], t["c"] }, 1),
        ["stack"] = (t, e) => stack(new[] { t["a"], t["b"] }, 1),
        ["random_manual_seed"] = (t, e) =>
        {
            random.manual_seed(20240);
            e["rand"] = rand(3, 4);
            e["randint"] = randint(0, 10, new long[] { 5 });
            return randn(2, 3);
        },
    };

    public static IEnumerable<object[]> Cases => Ops.Keys.Select(k => new object[] { k });

    [ClassInitialize]
    public static void Generate(TestContext context)
    {
        directory = PythonReference.NewTempDirectory();
        reference = PythonReference.Generate("ops", directory, out _);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        foreach (var t in reference.Values) t.Dispose();
        reference.Clear();
        PythonReference.DeleteQuietly(directory);
    }

    [TestMethod]
    public void EveryReferenceCaseHasAnImplementation()
    {
        var python = reference.Keys.Where(k => k.EndsWith(".out", StringComparison.Ordinal)).Select(k => k[..^4]).OrderBy(k => k).ToList();
        CollectionAssert.AreEqual(python, Ops.Keys.OrderBy(k => k).ToList(), "the C# op table and reference.py must cover the same cases");
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void OpAndGradientAgreeWithPyTorch(string name) => CheckOp(name, CPU);

    /// <summary>The same op on CUDA tensors against the same (CPU) reference values and tolerances.</summary>
    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void OpAndGradientAgreeWithPyTorchOnCuda(string name) => CheckOp(name, global::CnnMl.Tests.CudaTestDevice.Get());

    private static void CheckOp(string name, Device device)
    {
        using var scope = NewDisposeScope();
        var prefix = name + ".in.";
        var inputs = new Dictionary<string, Tensor>();
        foreach (var (key, value) in reference.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var input = key[prefix.Length..];
            var leaf = value.to(device, copy: true);
            if (reference.ContainsKey($"{name}.grad.{input}")) leaf.requires_grad = true;
            inputs[input] = leaf;
        }
        var extra = new Dictionary<string, Tensor>();
        var output = Ops[name](inputs, extra);
        if (inputs.Count > 0) Assert.AreEqual(device.type, output.device_type, $"{name}: the output is on {output.device}");
        TensorAssert.Close(reference[name + ".out"], output, name + " output");
        foreach (var (key, expected) in reference.Where(kv => kv.Key.StartsWith(name + ".out.", StringComparison.Ordinal)))
        {
            var extraName = key[(name.Length + 5)..];
            Assert.IsTrue(extra.TryGetValue(extraName, out var actual), $"{name} produced no '{extraName}'");
            TensorAssert.Close(expected, actual, $"{name} {extraName}");
        }
        if (!reference.TryGetValue(name + ".gout", out var gout))
        {
            Assert.IsFalse(output.requires_grad, $"{name}: PyTorch's output is not differentiable but ours requires grad");
            return;
        }
        Assert.IsTrue(output.requires_grad, $"{name}: the output does not require grad");
        (output * gout.to(output.device)).sum().backward();
        int checkedGradients = 0;
        foreach (var (input, leaf) in inputs)
        {
            if (!reference.TryGetValue($"{name}.grad.{input}", out var expectedGrad)) continue;
            var grad = leaf.grad;
            Assert.IsNotNull(grad, $"{name}: no gradient for '{input}'");
            TensorAssert.Close(expectedGrad, grad, $"{name} d/d{input}");
            checkedGradients++;
        }
        Assert.IsTrue(checkedGradients > 0, $"{name}: PyTorch reported an upstream gradient but no input gradient");
    }

    [TestMethod]
    public void ComparisonDetectsASlightlyDifferentOp()
    {
        using var scope = NewDisposeScope();
        var x = reference["cross_entropy_label_smoothing.in.x"];
        var y = reference["cross_entropy_label_smoothing.in.y"];
        var expected = reference["cross_entropy_label_smoothing.out"];
        Assert.ThrowsException<AssertFailedException>(() => TensorAssert.Close(expected, F.cross_entropy(x, y, label_smoothing: 0.1001), "smoothing 0.1001"));
        Assert.ThrowsException<AssertFailedException>(() => TensorAssert.Close(reference["conv2d_basic.out"], reference["conv2d_basic.out"] * 1.00002f, "scaled by 1 + 2e-5"));
        TensorAssert.Close(reference["conv2d_basic.out"], reference["conv2d_basic.out"] * 1.000005f, "scaled by 1 + 5e-6");
    }

    [TestMethod]
    public void InPlaceArithmeticMatchesOutOfPlaceReference()
    {
        using var scope = NewDisposeScope();
        var a = reference["add.in.a"];
        var b = reference["add.in.b"];
        TensorAssert.Close(reference["add.out"], a.clone().add_(b), "add_");
        TensorAssert.Close(reference["add_alpha.out"], a.clone().add_(b, 2.5), "add_ alpha");
        TensorAssert.Close(reference["sub.out"], a.clone().sub_(b), "sub_");
        TensorAssert.Close(reference["mul.out"], a.clone().mul_(b), "mul_");
        TensorAssert.Close(reference["div.out"], a.clone().div_(b), "div_");
        TensorAssert.Close(reference["scalar_arith.out"], a.clone().mul_(3).add_(1.5).div_(2).sub_(0.25), "scalar in-place chain");
        TensorAssert.Close(reference["relu.out"], reference["relu.in.x"].clone().relu_(), "relu_");
        TensorAssert.Close(reference["relu6.out"], F.relu6(reference["relu6.in.x"].clone(), inplace: true), "relu6 inplace");
        TensorAssert.Close(reference["silu.out"], F.silu(reference["silu.in.x"].clone(), inplace: true), "silu inplace");
        TensorAssert.Close(reference["hardswish.out"], F.hardswish(reference["hardswish.in.x"].clone(), inplace: true), "hardswish inplace");
    }

    [TestMethod]
    public void LayerModulesMatchFunctionalReference()
    {
        using var scope = NewDisposeScope();
        var x = reference["max_pool2d_padding_ceil.in.x"];
        TensorAssert.Close(reference["max_pool2d_padding_ceil.out"], nn.MaxPool2d(3, stride: 2, padding: 1, ceil_mode: true).call(x), "MaxPool2d");
        TensorAssert.Close(reference["avg_pool2d_padding_exclude.out"], nn.AvgPool2d(3, stride: 2, padding: 1, count_include_pad: false).call(x), "AvgPool2d");
        TensorAssert.Close(reference["adaptive_avg_pool2d_uneven.out"], nn.AdaptiveAvgPool2d((4, 3)).call(x), "AdaptiveAvgPool2d");
        TensorAssert.Close(reference["local_response_norm_alexnet.out"], nn.LocalResponseNorm(5, 1e-3, 0.75, 2.0).call(reference["local_response_norm_alexnet.in.x"]), "LocalResponseNorm");
        TensorAssert.Close(reference["gelu_tanh.out"], nn.GELU("tanh").call(reference["gelu_tanh.in.x"]), "GELU");

        using var conv = nn.Conv2d(4, 6, 3, stride: 2, padding: 1, groups: 2);
        using (no_grad())
        {
            conv.weight.copy_(reference["conv2d_groups.in.w"]);
            conv.bias!.copy_(reference["conv2d_groups.in.b"]);
        }
        TensorAssert.Close(reference["conv2d_groups.out"], conv.call(reference["conv2d_groups.in.x"]), "Conv2d module");

        using var linear = nn.Linear(6, 4);
        using (no_grad())
        {
            linear.weight.copy_(reference["linear.in.w"]);
            linear.bias!.copy_(reference["linear.in.b"]);
        }
        TensorAssert.Close(reference["linear.out"], linear.call(reference["linear.in.x"]), "Linear module");

        using var loss = nn.CrossEntropyLoss(label_smoothing: 0.1);
        TensorAssert.Close(reference["cross_entropy_label_smoothing.out"], loss.call(reference["cross_entropy_label_smoothing.in.x"], reference["cross_entropy_label_smoothing.in.y"]), "CrossEntropyLoss");
    }

    [TestMethod]
    public void BatchNormModuleTracksRunningStatisticsLikePyTorch()
    {
        using var scope = NewDisposeScope();
        using var bn = nn.BatchNorm2d(3, eps: 1e-3, momentum: 0.3);
        using (no_grad())
        {
            bn.weight!.copy_(reference["batch_norm_train_momentum.in.w"]);
            bn.bias!.copy_(reference["batch_norm_train_momentum.in.b"]);
            bn.running_mean!.copy_(reference["batch_norm_train_momentum.in.rm"]);
            bn.running_var!.copy_(reference["batch_norm_train_momentum.in.rv"]);
        }
        var y = bn.call(reference["batch_norm_train_momentum.in.x"]);
        TensorAssert.Close(reference["batch_norm_train_momentum.out"], y, "BatchNorm2d train output");
        TensorAssert.Close(reference["batch_norm_train_momentum.out.running_mean"], bn.running_mean!, "running_mean");
        TensorAssert.Close(reference["batch_norm_train_momentum.out.running_var"], bn.running_var!, "running_var");
        Assert.AreEqual(1L, bn.num_batches_tracked!.item<long>());
    }
}
