using System.Diagnostics;
using static CnnMl.Torch.torch;

namespace CnnMl.Models.Tests;

/// <summary>Runs the torchvision reference scripts (tests/python, copied next to the test assembly).</summary>
internal static class PythonReference
{
    /// <summary>Debian's python3-torch belongs to the system interpreter; another python3 on PATH does not see it; CNNML_PYTHON names another interpreter.</summary>
    public static readonly string Interpreter = Environment.GetEnvironmentVariable("CNNML_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cnnml-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Runs a script and returns its standard output; a non-zero exit throws with the script's error output.</summary>
    public static string Run(string script, int timeoutSeconds, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["OMP_NUM_THREADS"] = "2";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {string.Join(' ', arguments)} did not finish within {timeoutSeconds} s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{error.Result}");
        return output;
    }

    public static void DeleteQuietly(string? directory)
    {
        try
        {
            if (directory is not null && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Tensor comparisons relative to the reference's largest magnitude.</summary>
internal static class Agreement
{
    /// <summary>Fails unless max |actual - expected| &lt;= rtol * max |expected| (and the shapes match).</summary>
    public static void Close(Tensor expected, Tensor actual, string what, double rtol = 1e-4)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape [{string.Join(", ", actual.shape)}] differs from [{string.Join(", ", expected.shape)}]");
        using var scope = NewDisposeScope();
        var e = expected.to(ScalarType.Float64);
        var a = actual.detach().to(ScalarType.Float64);
        var scale = e.abs().max().item<double>();
        var error = (a - e).abs().max().item<double>();
        Assert.IsTrue(error <= rtol * scale, $"{what}: max abs difference {error:G4} exceeds {rtol:G2} x max |expected| = {rtol * scale:G4}");
    }
}

/// <summary>Zoo networks prepared for equivalence tests.</summary>
internal static class ZooTestNetworks
{
    /// <summary>
    /// A zoo network in evaluation mode whose batch norms have random running statistics and affine
    /// parameters (seeded with <paramref name="seed"/>), so that its outputs depend on the input and
    /// folding a batch norm changes every weight. Freshly initialized statistics (mean 0, variance 1)
    /// leave some networks giving the same output for every input.
    /// </summary>
    public static ClassifierNetwork WithRandomNormStatistics(string name, int classes, int seed)
    {
        manual_seed(seed);
        var info = ModelZoo.Describe(name);
        var network = info.Factory(classes, info.DefaultInChannels);
        using (no_grad())
        {
            foreach (var norm in network.modules().OfType<CnnMl.Torch.Modules.BatchNorm2d>())
            {
                norm.running_mean!.copy_(randn(norm.num_features).mul(0.2));
                norm.running_var!.copy_(rand(norm.num_features).mul(1.5).add(0.5));
                norm.weight!.copy_(rand(norm.num_features).mul(1.0).add(0.5));
                norm.bias!.copy_(randn(norm.num_features).mul(0.2));
            }
        }
        network.eval();
        return network;
    }

    /// <summary>
    /// A zoo network in evaluation mode whose batch norms hold the statistics of one batch of
    /// <paramref name="images"/> (as after training on such data, so every layer passes on how its
    /// input varies, which random statistics can wash out in deep networks) and random affine
    /// parameters; the last classifier layer is scaled and centred so the logits of those images have
    /// mean 0 and standard deviation 2 per class: probabilities far from one-hot that differ per image.
    /// Each norm's affine parameters stay 1 and 0, so no channel carries a constant offset that later
    /// layers would have to cancel (what makes a random deep network's outputs sensitive to rounding).
    /// </summary>
    public static ClassifierNetwork Calibrated(string name, int classes, int seed, Tensor images)
    {
        manual_seed(seed);
        var info = ModelZoo.Describe(name);
        var network = info.Factory(classes, info.DefaultInChannels);
        var norms = network.modules().OfType<CnnMl.Torch.Modules.BatchNorm2d>().ToList();
        var hooks = norms.Select(norm => norm.register_forward_hook((_, input, _) =>
        {
            using var scope = NewDisposeScope();
            norm.running_mean!.copy_(input.mean([0, 2, 3]));
            // With few images a channel's variance can be nearly zero deep in a network, where the map is
            // 1x1, and dividing by it would magnify float rounding beyond any trained network's: floor
            // each variance at a tenth of the layer's mean variance.
            var variance = input.var([0, 2, 3], unbiased: false);
            norm.running_var!.copy_(variance.add(variance.mean().mul(0.1)));
        })).ToList();
        // Each convolution and linear layer scaled so its output has unit variance on these images (and
        // the output itself, so later layers see the scaled values): random initialization shrinks the
        // signal through networks without batch norms until the logits no longer depend on the input.
        foreach (var conv in network.modules().OfType<CnnMl.Torch.Modules.Conv2d>())
            hooks.Add(conv.register_forward_hook((_, _, output) => ToUnitVariance(output, conv.weight, conv.bias)));
        foreach (var linear in network.modules().OfType<CnnMl.Torch.Modules.Linear>())
            hooks.Add(linear.register_forward_hook((_, _, output) => ToUnitVariance(output, linear.weight, linear.bias)));
        using (no_grad())
        {
            // Norms in training mode (normalizing with the batch's own statistics, which the hooks keep),
            // everything else (dropout, stochastic depth) as in evaluation.
            network.eval();
            foreach (var norm in norms) norm.train();
            network.call(images).Dispose();
            foreach (var hook in hooks) hook.Dispose();
            network.eval();
            var last = info.ClassifierParameters[^2..];
            var weights = network.state_dict();
            using var logits = network.call(images);
            // Centring through the bias is exact where the last layer is linear; NiN's ends in a ReLU, so
            // there the spread of all logits (per-class offsets included) sets the scale instead.
            var lastLayer = last[0][..last[0].LastIndexOf('.')];
            var linear = network.named_modules().First(m => m.name == lastLayer).module is CnnMl.Torch.Modules.Linear;
            using var deviation = linear ? logits.var([0L], unbiased: false).mean().sqrt() : logits.var([0L, 1L], unbiased: false).sqrt();
            var scale = 2 / Math.Max(deviation.item<float>(), 1e-12f);
            if (scale > 1e3) throw new InvalidOperationException($"{name}: its logits barely depend on the input (standard deviation {deviation.item<float>():E1} across images)");
            weights[last[0]].mul_(scale);
            weights[last[1]].mul_(scale);
            if (linear)
            {
                using var centre = logits.mean([0L]).mul(scale);
                weights[last[1]].sub_(centre);
            }
        }
        return network;
    }

    private static void ToUnitVariance(Tensor output, Tensor weight, Tensor? bias)
    {
        using var scope = NewDisposeScope();
        var deviation = Math.Sqrt(output.var([0L], unbiased: false).mean().item<float>());
        if (!(deviation > 1e-20)) return;
        var scale = 1 / deviation;
        output.mul_(scale);
        weight.mul_(scale);
        bias?.mul_(scale);
    }
}
