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
        ["square"] = (t, e) => t["x"].square(),
        ["sign"] = (t, e) => t["x"].sign(),
        ["floor"] = (t, e) => t["x"].floor(),
        ["ceil"] = (t, e) => t["x"].ceil(),
        ["round"] = (t, e) => t["x"].round(),
        ["reciprocal"] = (t, e) => t["x"].reciprocal(),
        ["erfinv"] = (t, e) => t["x"].erfinv(),
        ["isnan_isfinite"] = (t, e) =>
        {
            e["isfinite"] = t["x"].isfinite();
            return t["x"].isnan();
        },
        ["logical"] = (t, e) =>
        {
            e["and"] = t["a"].logical_and(t["b"]);
            e["or"] = t["a"].logical_or(t["b"]);
            return t["a"].logical_not();
        },
        ["maximum"] = (t, e) => t["a"].maximum(t["b"]),
        ["minimum"] = (t, e) => t["a"].minimum(t["b"]),
        ["mm"] = (t, e) => t["a"].mm(t["b"]),
        ["bmm"] = (t, e) => t["a"].bmm(t["b"]),
        ["clamp"] = (t, e) => t["x"].clamp(-1.0, 0.5),
        ["clamp_min"] = (t, e) => t["x"].clamp(min: -0.5),
        ["clamp_max"] = (t, e) => t["x"].clamp(max: 0.25),
        ["masked_fill"] = (t, e) => t["x"].masked_fill(t["mask"], -2.5),
        ["addcmul"] = (t, e) => t["a"].addcmul(t["b"], t["c"], 0.5),
        ["addcdiv"] = (t, e) => t["a"].addcdiv(t["b"], t["c"], -2.0),
        ["pow_tensor"] = (t, e) => t["a"].pow(t["b"]),
        ["remainder"] = (t, e) =>
        {
            e["scalar"] = t["a"] % 1.5;
            return t["a"] % t["b"];
        },
        ["rsub_rdiv"] = (t, e) => (2 - t["a"]) + 3 / t["b"],
        ["cmp_scalar"] = (t, e) =>
        {
            e["ne"] = t["a"].ne(2);
            e["lt"] = t["a"].lt(2.5);
            e["le"] = t["a"].le(2);
            e["gt"] = t["a"].gt(2);
            e["ge"] = t["a"].ge(3);
            return t["a"].eq(2);
        },
        ["squeeze_all"] = (t, e) => t["x"].squeeze(),
        ["expand"] = (t, e) => t["x"].expand(2, 3, 4),
        ["repeat"] = (t, e) => t["x"].repeat(2, 1, 2),
        ["gather"] = (t, e) => t["x"].gather(1, t["i"]),
        ["min_all"] = (t, e) => t["x"].min(),
        ["min_dim"] = (t, e) =>
        {
            var (values, indexes) = t["x"].min(1);
            e["indices"] = indexes;
            return values;
        },
        ["argmin_dim"] = (t, e) => t["x"].argmin(2),
        ["argmin_all"] = (t, e) => t["x"].argmin(),
        ["topk"] = (t, e) =>
        {
            var (values, indexes) = t["x"].topk(3, dim: 1);
            e["indices"] = indexes;
            return values;
        },
        ["topk_smallest"] = (t, e) =>
        {
            var (values, indexes) = t["x"].topk(2, largest: false);
            e["indices"] = indexes;
            return values;
        },
        ["sum_dtype"] = (t, e) => t["x"].sum(ScalarType.Float64),
        ["sum_dim0"] = (t, e) => t["x"].sum(0),
        ["sum_dim"] = (t, e) => t["x"].sum(1L),
        ["hardsigmoid"] = (t, e) => F.hardsigmoid(t["x"]),
        ["leaky_relu"] = (t, e) => F.leaky_relu(t["x"], 0.2),
        ["adaptive_max_pool2d"] = (t, e) => F.adaptive_max_pool2d(t["x"], new long[] { 4, 3 }),
        ["mse_loss"] = (t, e) => F.mse_loss(t["x"], t["y"]),
        ["mse_loss_sum"] = (t, e) => F.mse_loss(t["x"], t["y"], nn.Reduction.Sum),
        ["mse_loss_none"] = (t, e) => F.mse_loss(t["x"], t["y"], nn.Reduction.None),
        ["one_hot"] = (t, e) => F.one_hot(t["y"], 5),
        ["one_hot_inferred"] = (t, e) => F.one_hot(t["y"]),
        ["to_dtypes"] = (t, e) =>
        {
            e["float"] = t["x"].@double().@float();
            e["long"] = t["x"].@long();
            e["int"] = t["x"].@int();
            e["bool"] = t["x"].@bool();
            return t["x"].@double();
        },
        ["allclose_equal"] = (t, e) =>
        {
            var (a, b) = (t["a"], t["b"]);
            return tensor(new[] { a.allclose(b), allclose(a, b, rtol: 0, atol: 1e-9), allclose(a, b, rtol: 1e-3, atol: 0), equal(a, a.clone()), equal(a, b) }, a.device);
        },
        ["like_creation"] = (t, e) =>
        {
            var x = full(new long[] { 2, 3 }, 0.5, ScalarType.Float64);
            random.manual_seed(31);
            e["rand_like"] = rand_like(x);
            e["zeros_like"] = zeros_like(x);
            e["ones_like"] = ones_like(x);
            e["randint_high"] = randint(7, new long[] { 4 });
            return randn_like(x);
        },
        ["init_xavier"] = (t, e) =>
        {
            random.manual_seed(5);
            var w = nn.init.xavier_uniform_(empty(4, 6), 1.5);
            e["normal"] = nn.init.xavier_normal_(empty(5, 3, 2, 2), 0.5);
            return w;
        },
    };

    /// <summary>
    /// The torch.* function forms of tensor methods, each against the PyTorch case of its method
    /// (output and gradients).
    /// </summary>
    private static readonly Dictionary<string, (string Case, Op Op)> FunctionForms = new()
    {
        ["torch.exp log sqrt abs"] = ("pow_exp_log_sqrt", (t, e) => sqrt(log(exp(t["b"].pow(2)))) + abs(t["b"]).neg()),
        ["torch.tanh"] = ("tanh", (t, e) => tanh(t["x"])),
        ["torch.sigmoid"] = ("sigmoid", (t, e) => sigmoid(t["x"])),
        ["torch.relu"] = ("relu", (t, e) => relu(t["x"])),
        ["torch.maximum"] = ("maximum", (t, e) => maximum(t["a"], t["b"])),
        ["torch.minimum"] = ("minimum", (t, e) => minimum(t["a"], t["b"])),
        ["torch.clamp"] = ("clamp", (t, e) => clamp(t["x"], -1.0, 0.5)),
        ["torch.flatten"] = ("flatten", (t, e) => flatten(t["x"], 1)),
        ["torch.reshape"] = ("reshape", (t, e) => reshape(t["x"], 4, -1)),
        ["torch.permute"] = ("permute_contiguous", (t, e) => permute(t["x"], 2, 0, 1).contiguous()),
        ["torch.sum"] = ("sum_all", (t, e) => sum(t["x"])),
        ["torch.mean"] = ("mean_all", (t, e) => mean(t["x"])),
        ["torch.argmax"] = ("argmax_dim", (t, e) => argmax(t["x"], 2)),
    };

    public static IEnumerable<object[]> Cases => Ops.Keys.Select(k => new object[] { k });

    public static IEnumerable<object[]> FunctionFormCases => FunctionForms.Keys.Select(k => new object[] { k });

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

    [TestMethod]
    [DynamicData(nameof(FunctionFormCases))]
    public void FunctionFormAgreesWithPyTorch(string name) => CheckOp(FunctionForms[name].Case, CPU, FunctionForms[name].Op);

    [TestMethod]
    [DynamicData(nameof(FunctionFormCases))]
    public void FunctionFormAgreesWithPyTorchOnCuda(string name) => CheckOp(FunctionForms[name].Case, global::CnnMl.Tests.CudaTestDevice.Get(), FunctionForms[name].Op);

    /// <summary>
    /// CUDA kernels sum in another order than the CPU ones the reference ran: an element that results from
    /// cancellation may be off by float32 rounding of its terms, so the CUDA runs take torch.testing's
    /// float32 absolute tolerance.
    /// </summary>
    private const double CudaAbsoluteTolerance = 1e-5;

    private static void CheckOp(string name, Device device, Op? op = null)
    {
        var atol = device.type == DeviceType.CUDA ? CudaAbsoluteTolerance : TensorAssert.AbsoluteTolerance;
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
        var output = (op ?? Ops[name])(inputs, extra);
        if (inputs.Count > 0) Assert.AreEqual(device.type, output.device_type, $"{name}: the output is on {output.device}");
        TensorAssert.Close(reference[name + ".out"], output, name + " output", atol: atol);
        foreach (var (key, expected) in reference.Where(kv => kv.Key.StartsWith(name + ".out.", StringComparison.Ordinal)))
        {
            var extraName = key[(name.Length + 5)..];
            Assert.IsTrue(extra.TryGetValue(extraName, out var actual), $"{name} produced no '{extraName}'");
            TensorAssert.Close(expected, actual, $"{name} {extraName}", atol: atol);
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
            TensorAssert.Close(expectedGrad, grad, $"{name} d/d{input}", atol: atol);
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

    /// <summary>
    /// The tolerance is per element: beside entries up to 20, a gradient entry of 1e-3 that is 0.5% off,
    /// or one of 2e-6 with the wrong sign, is an error (a tolerance scaled by the largest entry let both pass).
    /// </summary>
    [TestMethod]
    public void ComparisonChecksSmallElementsOfALargeTensor()
    {
        var expected = reference["conv2d_basic.grad.x"].ToArray<float>().Select(v => (double)v).ToArray();
        Assert.IsTrue(expected.Max(Math.Abs) > 10, "the gradient has large entries beside the small ones");
        expected[3] = 1e-3;
        expected[7] = 2e-6;
        TensorAssert.Close(expected, (double[])expected.Clone(), "identical");
        var offByHalfAPercent = (double[])expected.Clone();
        offByHalfAPercent[3] *= 1.005;
        Assert.ThrowsException<AssertFailedException>(() => TensorAssert.Close(expected, offByHalfAPercent, "small entry 0.5% off"));
        var wrongSign = (double[])expected.Clone();
        wrongSign[7] = -2e-6;
        Assert.ThrowsException<AssertFailedException>(() => TensorAssert.Close(expected, wrongSign, "small entry of the wrong sign"));
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
        var p = reference["pow_exp_log_sqrt.in.b"];
        TensorAssert.Close(reference["pow_exp_log_sqrt.out"], p.clone().pow_(2).exp_().log_().sqrt_().add_(p.clone().abs_().neg_()), "pow_ exp_ log_ sqrt_ abs_ neg_");
        TensorAssert.Close(reference["clamp.out"], reference["clamp.in.x"].clone().clamp_(-1.0, 0.5), "clamp_");
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
        TensorAssert.Close(reference["relu6.out"], nn.ReLU6().call(reference["relu6.in.x"]), "ReLU6");
        TensorAssert.Close(reference["hardswish.out"], nn.Hardswish().call(reference["hardswish.in.x"]), "Hardswish");
        TensorAssert.Close(reference["max_pool2d_padding_ceil.out"], nn.MaxPool2d((3, 3), stride: (2, 2), padding: (1, 1), ceil_mode: true).call(x), "MaxPool2d of pairs");
        using var nll = nn.NLLLoss(weight: reference["nll_loss_weight.in.cw"]);
        TensorAssert.Close(reference["nll_loss_weight.out"], nll.call(reference["nll_loss_weight.in.x"], reference["nll_loss_weight.in.y"]), "NLLLoss");

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
