using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

/// <summary>A batch norm folded (or foldable) into the convolution that produces its input.</summary>
/// <param name="Convolution">Dotted module name of the convolution, e.g. <c>layer1.0.conv1</c>.</param>
/// <param name="BatchNorm">Dotted module name of the batch norm, e.g. <c>layer1.0.bn1</c>.</param>
public sealed record ConvBatchNormPair(string Convolution, string BatchNorm);

/// <summary>
/// Folds evaluation-mode batch normalization into the preceding convolution (Jacob et al. 2018,
/// "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference",
/// section 3.2): with s = gamma / sqrt(running_var + eps), the convolution's weight becomes W * s
/// (per output channel) and its bias (b - running_mean) * s + beta, after which the batch norm is an
/// identity. One pass over the activations per batch norm disappears at no cost in accuracy.
/// </summary>
/// <remarks>
/// Pairs come from the real dataflow, not from names: one forward pass with hooks records every
/// convolution's output, and a batch norm is paired with a convolution only when its input is that
/// very output, unmodified, and both modules run exactly once. A batch norm fed by anything else (a
/// concatenation, an activation, DenseNet's pre-activation <c>norm1</c>) stays as it is. After
/// folding, the network's logits on the probe input are checked against the unfolded ones; a
/// mismatch (say, a convolution output also used elsewhere) restores the network and throws.
/// </remarks>
public static class BatchNormFolding
{
    /// <summary>Relative tolerance of the post-fold check of the logits (float32 rounding only).</summary>
    private const double CheckRelativeTolerance = 1e-3;
    private const double CheckAbsoluteTolerance = 1e-4;

    /// <summary>
    /// The convolution / batch norm pairs of <paramref name="network"/> that <see cref="Fold"/> would fold,
    /// in execution order, found by one forward pass on a deterministic probe batch. The network is
    /// left unchanged (it runs in evaluation mode; its training flags are restored).
    /// </summary>
    /// <param name="network">The network to inspect.</param>
    /// <param name="inputSize">Height and width of the probe input; default the smallest size the network accepts.</param>
    public static IReadOnlyList<ConvBatchNormPair> FindPairs(ClassifierNetwork network, int? inputSize = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var evaluation = EvaluationMode.Enter(network);
        using var scope = NewDisposeScope();
        using var probe = Probe(network, inputSize);
        return Trace(network, probe).Select(p => new ConvBatchNormPair(p.ConvName, p.NormName)).ToList();
    }

    /// <summary>
    /// Folds every batch norm of <paramref name="network"/> that directly follows a convolution into
    /// that convolution, in place, and returns the folded pairs. The network must be in evaluation
    /// mode and stays usable only for inference: fold a copy to keep trainable (and savable in the
    /// original layout) weights. Already folded layers are skipped, so folding twice is harmless.
    /// </summary>
    /// <param name="network">The network to fold, in evaluation mode.</param>
    /// <param name="inputSize">Height and width of the probe input; default the smallest size the network accepts.</param>
    /// <exception cref="InvalidOperationException">The network (or one of its modules) is in training mode, or folding changed its output.</exception>
    public static IReadOnlyList<ConvBatchNormPair> Fold(ClassifierNetwork network, int? inputSize = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        RequireEvaluationMode(network, "batch norm folding");

        using var scope = NewDisposeScope();
        using var probe = Probe(network, inputSize);
        var pairs = Trace(network, probe);
        if (pairs.Count == 0) return [];

        Tensor before;
        using (inference_mode()) before = network.call(probe).clone();
        var saved = new List<(Conv2d conv, Tensor weight, Tensor? bias)>();
        using (no_grad())
        {
            foreach (var p in pairs)
            {
                saved.Add((p.Conv, p.Conv.weight.clone(), p.Conv.bias?.clone()));
                FoldInto(p.Conv, p.Norm);
            }
        }
        foreach (var p in pairs) p.Norm.IsFolded = true;

        Tensor after;
        using (inference_mode()) after = network.call(probe);
        if (!after.allclose(before, CheckRelativeTolerance, CheckAbsoluteTolerance))
        {
            // Not expected for any zoo network: restore what was changed and say so.
            using (no_grad())
            {
                foreach (var (conv, weight, bias) in saved)
                {
                    conv.weight.copy_(weight);
                    if (bias is null) conv.bias = null;
                    else conv.bias!.copy_(bias);
                }
            }
            foreach (var p in pairs) p.Norm.IsFolded = false;
            throw new InvalidOperationException($"{network.GetName()}: folding batch norms changed the logits beyond float rounding; the network was restored. Is a convolution's output used by more than its batch norm?");
        }
        return pairs.Select(p => new ConvBatchNormPair(p.ConvName, p.NormName)).ToList();
    }

    /// <summary>Throws, naming the first module in training mode, unless the whole network is in evaluation mode.</summary>
    internal static void RequireEvaluationMode(ClassifierNetwork network, string operation)
    {
        var training = network.named_modules().FirstOrDefault(m => m.module.training);
        if (training.module is not null)
            throw new InvalidOperationException($"{network.GetName()}: {operation} needs evaluation mode, but {(training.name.Length == 0 ? "the network" : $"module '{training.name}'")} is in training mode (call eval() first)");
    }

    /// <summary>A deterministic (N = 1) input of the network's channels, without touching the random generator.</summary>
    private static Tensor Probe(ClassifierNetwork network, int? inputSize)
    {
        var size = inputSize ?? network.RequiredInputSize ?? Math.Max(network.MinimumInputSize, 1);
        var first = network.parameters().FirstOrDefault();
        long count = (long)network.InChannels * size * size;
        using var ramp = arange(count, ScalarType.Float32);
        // Values spread over [-1, 1) in a pattern no layer maps to a constant.
        using var wrapped = ramp.remainder(29).div(14.5).sub(1);
        var probe = wrapped.reshape(1, network.InChannels, size, size).to(first?.dtype ?? ScalarType.Float32, first?.device ?? CPU);
        return probe.DetachFromDisposeScope();
    }

    private sealed record TracedPair(string ConvName, Conv2d Conv, string NormName, BatchNorm2d Norm);

    /// <summary>One forward pass with hooks: which batch norm receives which convolution's unmodified output.</summary>
    private static List<TracedPair> Trace(ClassifierNetwork network, Tensor probe)
    {
        var names = network.named_modules().ToDictionary(m => m.module, m => m.name, (IEqualityComparer<nn.Module>)ReferenceEqualityComparer.Instance);
        var calls = new Dictionary<nn.Module, int>((IEqualityComparer<nn.Module>)ReferenceEqualityComparer.Instance);
        // Each convolution output (by object identity) with a copy of its values, to detect in-place changes.
        var outputs = new Dictionary<Tensor, (Conv2d conv, Tensor copy)>((IEqualityComparer<Tensor>)ReferenceEqualityComparer.Instance);
        var found = new List<(Conv2d conv, BatchNorm2d norm)>();
        var hooks = new List<IDisposable>();
        try
        {
            foreach (var (_, module) in network.named_modules())
            {
                switch (module)
                {
                    case Conv2d conv:
                        hooks.Add(conv.register_forward_hook((m, input, output) =>
                        {
                            Count(calls, m);
                            outputs[output] = (conv, output.clone().DetachFromDisposeScope());
                        }));
                        break;
                    case BatchNorm2d norm:
                        hooks.Add(norm.register_forward_hook((m, input, output) =>
                        {
                            Count(calls, m);
                            if (norm.IsFolded || !norm.track_running_stats || norm.running_mean is null || norm.running_var is null) return;
                            if (outputs.TryGetValue(input, out var producer) && producer.conv.out_channels == norm.num_features && input.equal(producer.copy))
                                found.Add((producer.conv, norm));
                        }));
                        break;
                }
            }
            using (inference_mode()) network.call(probe).Dispose();
        }
        finally
        {
            foreach (var hook in hooks) hook.Dispose();
            foreach (var (_, copy) in outputs.Values) copy.Dispose();
        }
        // Modules called more than once (shared weights) could pair differently per call: leave them.
        return found
            .Where(p => calls[p.conv] == 1 && calls[p.norm] == 1)
            .GroupBy(p => p.conv, (IEqualityComparer<Conv2d>)ReferenceEqualityComparer.Instance).Where(g => g.Count() == 1).Select(g => g.Single())
            .Select(p => new TracedPair(names[p.conv], p.conv, names[p.norm], p.norm))
            .ToList();
    }

    private static void Count(Dictionary<nn.Module, int> calls, nn.Module module) =>
        calls[module] = calls.GetValueOrDefault(module) + 1;

    private static void FoldInto(Conv2d conv, BatchNorm2d norm)
    {
        using var scope = NewDisposeScope();
        var (weight, bias) = Folded(conv.weight, conv.bias, norm.running_mean!, norm.running_var!, norm.weight, norm.bias, norm.eps);
        conv.weight.copy_(weight);
        if (conv.bias is null) conv.bias = new nn.Parameter(bias.DetachFromDisposeScope(), requires_grad: false);
        else conv.bias.copy_(bias);
    }

    /// <summary>
    /// The weight and bias of a convolution followed by an evaluation-mode batch norm, as one
    /// convolution: W' = W * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps), computed in
    /// float64 and returned in the weight's dtype (new tensors in the current dispose scope).
    /// </summary>
    internal static (Tensor Weight, Tensor Bias) Folded(Tensor convWeight, Tensor? convBias, Tensor runningMean, Tensor runningVar, Tensor? gamma, Tensor? beta, double eps)
    {
        var dtype = convWeight.dtype;
        using var scope = NewDisposeScope();
        var mean = runningMean.to(ScalarType.Float64);
        var scale = runningVar.to(ScalarType.Float64).add(eps).rsqrt();
        if (gamma is not null) scale = scale.mul(gamma.to(ScalarType.Float64));
        var weight = convWeight.to(ScalarType.Float64).mul(scale.reshape(-1, 1, 1, 1));
        var bias = convBias is null ? mean.neg() : convBias.to(ScalarType.Float64).sub(mean);
        bias = bias.mul(scale);
        if (beta is not null) bias = bias.add(beta.to(ScalarType.Float64));
        return (scope.MoveToOuter(weight.to(dtype)), scope.MoveToOuter(bias.to(dtype)));
    }
}
