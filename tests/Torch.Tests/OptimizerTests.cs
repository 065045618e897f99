using System.Text.Json;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;
using static CnnMl.Torch.torch.optim.lr_scheduler;

namespace CnnMl.Torch.Tests;

/// <summary>
/// Optimizer steps and learning-rate schedules against PyTorch (tests/python/reference.py optim):
/// same initial parameters, same gradient sequence, hyper-parameters read from the file's metadata.
/// </summary>
[TestClass]
public sealed class OptimizerTests
{
    private static string? directory;
    private static Dictionary<string, Tensor> reference = new();
    private static Dictionary<string, JsonElement> configs = new();
    private static Dictionary<string, JsonElement> schedules = new();
    private static int steps;
    private static int epochs;

    public static IEnumerable<object[]> ConfigNames => new[]
    {
        "sgd", "sgd_momentum", "sgd_nesterov_weight_decay", "sgd_dampening_weight_decay",
        "adam", "adam_weight_decay_betas", "adam_amsgrad", "adamw", "adamw_amsgrad",
    }.Select(n => new object[] { n });

    public static IEnumerable<object[]> ScheduleNames => new[] { "step", "multistep", "cosine", "linear", "warmup_cosine" }.Select(n => new object[] { n });

    [ClassInitialize]
    public static void Generate(TestContext context)
    {
        directory = PythonReference.NewTempDirectory();
        reference = PythonReference.Generate("optim", directory, out var metadata);
        configs = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(metadata["configs"])!;
        schedules = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(metadata["schedules"])!;
        steps = int.Parse(metadata["steps"], System.Globalization.CultureInfo.InvariantCulture);
        epochs = int.Parse(metadata["epochs"], System.Globalization.CultureInfo.InvariantCulture);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        foreach (var t in reference.Values) t.Dispose();
        reference.Clear();
        PythonReference.DeleteQuietly(directory);
    }

    private static double Number(JsonElement config, string name, double fallback) =>
        config.TryGetProperty(name, out var v) ? v.GetDouble() : fallback;

    private static bool Flag(JsonElement config, string name) => config.TryGetProperty(name, out var v) && v.GetBoolean();

    private static optim.Optimizer Create(JsonElement c, IEnumerable<nn.Parameter> parameters)
    {
        var lr = c.GetProperty("lr").GetDouble();
        return c.GetProperty("kind").GetString() switch
        {
            "sgd" => optim.SGD(parameters, lr, momentum: Number(c, "momentum", 0), dampening: Number(c, "dampening", 0),
                weight_decay: Number(c, "weight_decay", 0), nesterov: Flag(c, "nesterov")),
            "adam" => optim.Adam(parameters, lr, beta1: Number(c, "beta1", 0.9), beta2: Number(c, "beta2", 0.999), eps: Number(c, "eps", 1e-8),
                weight_decay: Number(c, "weight_decay", 0), amsgrad: Flag(c, "amsgrad")),
            "adamw" => optim.AdamW(parameters, lr, beta1: Number(c, "beta1", 0.9), beta2: Number(c, "beta2", 0.999), eps: Number(c, "eps", 1e-8),
                weight_decay: Number(c, "weight_decay", 0.01), amsgrad: Flag(c, "amsgrad")),
            var kind => throw new InvalidOperationException($"unknown optimizer kind {kind}"),
        };
    }

    private static nn.Parameter[] InitialParameters(Device? device = null) =>
        new[] { new nn.Parameter(reference["init.p0"].to(device ?? CPU, copy: true)), new nn.Parameter(reference["init.p1"].to(device ?? CPU, copy: true)) };

    private static void SetGradients(nn.Parameter[] parameters, int step)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            using var g = reference[$"grad.{step}.p{i}"].to(parameters[i].device, copy: true);
            parameters[i].grad = g;
        }
    }

    [TestMethod]
    public void ReferenceCoversTheSameConfigurations()
    {
        CollectionAssert.AreEquivalent(ConfigNames.Select(r => (string)r[0]).ToList(), configs.Keys.ToList());
        CollectionAssert.AreEquivalent(ScheduleNames.Select(r => (string)r[0]).ToList(), schedules.Keys.ToList());
    }

    [TestMethod]
    [DynamicData(nameof(ConfigNames))]
    public void StepsEqualPyTorch(string name) => CheckSteps(name, CPU);

    /// <summary>The same steps with parameters, gradients and optimizer state on the GPU.</summary>
    [TestMethod]
    [DynamicData(nameof(ConfigNames))]
    public void StepsEqualPyTorchOnCuda(string name) => CheckSteps(name, global::CnnMl.Tests.CudaTestDevice.Get());

    private static void CheckSteps(string name, Device device)
    {
        var parameters = InitialParameters(device);
        try
        {
            using var optimizer = Create(configs[name], parameters);
            for (int k = 0; k < steps; k++)
            {
                SetGradients(parameters, k);
                optimizer.step();
                for (int i = 0; i < parameters.Length; i++)
                {
                    Assert.AreEqual(device.type, parameters[i].device_type, "the parameter stays on its device");
                    TensorAssert.Close(reference[$"{name}.{k}.p{i}"], parameters[i], $"{name} step {k + 1} parameter {i}");
                }
            }
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }

    [TestMethod]
    [DynamicData(nameof(ConfigNames))]
    public void StateDictRoundTripThroughSafetensorsResumesExactly(string name)
    {
        var path = Path.Combine(directory!, name + ".optimizer.safetensors");
        var first = InitialParameters();
        var second = Array.Empty<nn.Parameter>();
        try
        {
            using var original = Create(configs[name], first);
            const int split = 3;
            for (int k = 0; k < split; k++)
            {
                SetGradients(first, k);
                original.step();
            }
            using (var state = original.state_dict())
            {
                var metadata = state.Values.ToDictionary(kv => kv.Key, kv => kv.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                Safetensors.Save(state.Tensors, path, metadata);
            }

            second = first.Select(p => new nn.Parameter(p.detach().clone())).ToArray();
            using var resumed = Create(configs[name], second);
            var tensors = Safetensors.Load(path, null, out var savedValues);
            using (var loaded = new optim.OptimizerState(tensors, savedValues.ToDictionary(kv => kv.Key, kv => double.Parse(kv.Value, System.Globalization.CultureInfo.InvariantCulture))))
                resumed.load_state_dict(loaded);

            for (int k = split; k < steps; k++)
            {
                SetGradients(first, k);
                SetGradients(second, k);
                original.step();
                resumed.step();
                for (int i = 0; i < first.Length; i++)
                {
                    Assert.IsTrue(first[i].equal(second[i]), $"{name}: parameter {i} after step {k + 1} differs between the original and the resumed optimizer");
                    TensorAssert.Close(reference[$"{name}.{k}.p{i}"], second[i], $"{name} resumed step {k + 1} parameter {i}");
                }
            }
        }
        finally
        {
            foreach (var p in first.Concat(second)) p.Dispose();
        }
    }

    [TestMethod]
    public void LoadingStateRestoresMomentumAndWeightDecay()
    {
        using var a = new nn.Parameter(ones(3));
        using var b = new nn.Parameter(ones(3));
        using var sgd = optim.SGD(new[] { a }, 0.1, momentum: 0.8, weight_decay: 0.01);
        using var adam = optim.AdamW(new[] { a }, 0.1, weight_decay: 0.05);
        using var sgdTarget = optim.SGD(new[] { b }, 0.2);
        using var adamTarget = optim.AdamW(new[] { b }, 0.2);
        using (var state = sgd.state_dict()) sgdTarget.load_state_dict(state);
        using (var state = adam.state_dict()) adamTarget.load_state_dict(state);
        Assert.AreEqual(0.1, sgdTarget.LearningRate);
        Assert.AreEqual(0.8, sgdTarget.Momentum);
        Assert.AreEqual(0.01, sgdTarget.WeightDecay);
        Assert.AreEqual(0.05, adamTarget.WeightDecay);
        Assert.AreSame(b, sgdTarget.Parameters.Single(), "the optimizer reports the parameters it updates");
    }

    /// <summary>
    /// A parameter whose first gradient comes a step later than its group's (a frozen head, an unused
    /// branch) starts its optimizer state then, while the others' state moves on in the same update:
    /// each ends exactly where an optimizer of its own, given only its gradients, takes it.
    /// </summary>
    [TestMethod]
    [DataRow("sgd_momentum")]
    [DataRow("sgd_nesterov_weight_decay")]
    [DataRow("adam_amsgrad")]
    [DataRow("adamw")]
    public void ParameterJoiningLateMatchesItsOwnOptimizer(string name)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var grads = Enumerable.Range(0, 3).Select(_ => (early: randn(4), late: randn(2, 3))).ToList();
        var early = new nn.Parameter(randn(4));
        var late = new nn.Parameter(randn(2, 3));
        var earlyAlone = new nn.Parameter(early.clone());
        var lateAlone = new nn.Parameter(late.clone());
        using var together = Create(configs[name], new[] { early, late });
        using var earlyOnly = Create(configs[name], new[] { earlyAlone });
        using var lateOnly = Create(configs[name], new[] { lateAlone });
        for (int step = 0; step < grads.Count; step++)
        {
            early.grad = grads[step].early;
            earlyAlone.grad = grads[step].early;
            late.grad = step == 0 ? null : grads[step].late;
            together.step();
            earlyOnly.step();
            if (step > 0)
            {
                lateAlone.grad = grads[step].late;
                lateOnly.step();
            }
        }
        Assert.IsTrue(early.equal(earlyAlone), $"{name}: the parameter with gradients from the first step");
        Assert.IsTrue(late.equal(lateAlone), $"{name}: the parameter whose first gradient came at the second step");
    }

    [TestMethod]
    public void LoadingStateOfOtherShapesFails()
    {
        using var a = new nn.Parameter(ones(3));
        using var b = new nn.Parameter(ones(4));
        using var source = optim.SGD(new[] { a }, 0.1, momentum: 0.9);
        using (var g = ones(3)) a.grad = g;
        source.step();
        using var target = optim.SGD(new[] { b }, 0.1, momentum: 0.9);
        using var state = source.state_dict();
        var e = Assert.ThrowsException<ArgumentException>(() => target.load_state_dict(state));
        StringAssert.Contains(e.Message, "momentum_buffer");
    }

    private static LRScheduler Schedule(JsonElement s, optim.Optimizer optimizer)
    {
        switch (s.GetProperty("kind").GetString())
        {
            case "step":
                return new StepLR(optimizer, s.GetProperty("step_size").GetInt32(), s.GetProperty("gamma").GetDouble());
            case "multistep":
                return new MultiStepLR(optimizer, s.GetProperty("milestones").EnumerateArray().Select(m => m.GetInt32()).ToArray(), s.GetProperty("gamma").GetDouble());
            case "cosine":
                return new CosineAnnealingLR(optimizer, s.GetProperty("T_max").GetInt32(), s.GetProperty("eta_min").GetDouble());
            case "linear":
                return new LinearLR(optimizer, s.GetProperty("start_factor").GetDouble(), s.GetProperty("end_factor").GetDouble(), s.GetProperty("total_iters").GetInt32());
            case "sequential":
                var w = s.GetProperty("warmup");
                var c = s.GetProperty("cosine");
                var warmup = new LinearLR(optimizer, w.GetProperty("start_factor").GetDouble(), w.GetProperty("end_factor").GetDouble(), w.GetProperty("total_iters").GetInt32());
                var cosine = new CosineAnnealingLR(optimizer, c.GetProperty("T_max").GetInt32(), c.GetProperty("eta_min").GetDouble());
                return new SequentialLR(optimizer, new LRScheduler[] { warmup, cosine }, new[] { s.GetProperty("milestone").GetInt32() });
            default:
                throw new InvalidOperationException("unknown schedule");
        }
    }

    [TestMethod]
    [DynamicData(nameof(ScheduleNames))]
    public void LearningRateSequenceEqualsPyTorch(string name)
    {
        var s = schedules[name];
        using var p = new nn.Parameter(zeros(1));
        using var optimizer = optim.SGD(new[] { p }, s.GetProperty("lr").GetDouble());
        var scheduler = Schedule(s, optimizer);
        var lrs = new List<double> { optimizer.LearningRate };
        for (int e = 0; e < epochs; e++)
        {
            optimizer.step();
            scheduler.step();
            Assert.AreEqual(optimizer.LearningRate, scheduler.get_last_lr());
            lrs.Add(optimizer.LearningRate);
        }
        TensorAssert.Close(reference[name + ".lrs"].ToArray<double>(), lrs.ToArray(), $"{name} learning rates", rtol: 1e-9, atol: 1e-12);
    }
}
