using System.Globalization;
using System.Text;
using CnnMl.Torch.Modules;
using static CnnMl.Torch.torch;

namespace CnnMl.Models;

/// <summary>One row of a <see cref="ModelSummary"/>: one call of a leaf module.</summary>
/// <param name="Name">Dotted module name (the state_dict prefix), e.g. <c>layer1.0.conv1</c>.</param>
/// <param name="Type">Module type, e.g. <c>Conv2d</c>.</param>
/// <param name="OutputShape">Shape of the output, batch dimension included.</param>
/// <param name="Parameters">Parameters of the module (counted on its first call only, so the column sums to the total).</param>
/// <param name="MultiplyAccumulates">Multiply-accumulates per sample (convolutions and dense layers; 0 for everything else).</param>
public sealed record LayerSummary(string Name, string Type, long[] OutputShape, long Parameters, long MultiplyAccumulates);

/// <summary>
/// A torchsummary-like table of a network: every leaf module called in one forward pass of a zero
/// batch, with output shape, parameters and multiply-accumulates (MACs, the "FLOPS" torchvision
/// publishes). Only convolutions and dense layers count MACs; normalization, activations and pooling are ignored.
/// </summary>
public sealed class ModelSummary
{
    private ModelSummary(long[] inputShape, IReadOnlyList<LayerSummary> layers, long totalParameters, long trainableParameters)
    {
        InputShape = inputShape;
        Layers = layers;
        TotalParameters = totalParameters;
        TrainableParameters = trainableParameters;
        TotalMultiplyAccumulates = layers.Sum(l => l.MultiplyAccumulates);
    }

    /// <summary>The input shape the model was run on (N, C, H, W).</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>One row per leaf-module call, in execution order.</summary>
    public IReadOnlyList<LayerSummary> Layers { get; }

    /// <summary>All parameters of the model.</summary>
    public long TotalParameters { get; }

    /// <summary>Parameters that require gradients.</summary>
    public long TrainableParameters { get; }

    /// <summary>Multiply-accumulates for one sample.</summary>
    public long TotalMultiplyAccumulates { get; }

    /// <summary>Multiply-accumulates for one sample in billions (torchvision's "GFLOPS").</summary>
    public double GigaMacs => TotalMultiplyAccumulates / 1e9;

    /// <summary>
    /// Runs <paramref name="model"/> once in eval mode without gradients on a zero tensor of
    /// <paramref name="inputShape"/> ((C, H, W) or (N, C, H, W)) and records every leaf module's output.
    /// The model's training flags are restored afterwards.
    /// </summary>
    public static ModelSummary Summary(nn.Module<Tensor, Tensor> model, params long[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        var shape = inputShape.Length switch
        {
            3 => [1, .. inputShape],
            4 => inputShape.ToArray(),
            _ => throw new ArgumentException($"input shape must be (C, H, W) or (N, C, H, W), got [{string.Join(", ", inputShape)}]", nameof(inputShape)),
        };
        var batch = shape[0];
        var rows = new List<LayerSummary>();
        var counted = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
        var hooks = new List<IDisposable>();
        var evaluation = EvaluationMode.Enter(model);
        try
        {
            foreach (var (name, module) in model.named_modules())
            {
                if (module.children().Any() || module is not nn.Module<Tensor, Tensor> leaf) continue;
                var layerName = name.Length == 0 ? module.GetName() : name;
                hooks.Add(leaf.register_forward_hook((m, input, output) =>
                {
                    var parameters = counted.Add(m) ? m.parameters(recurse: false).Sum(p => p.numel()) : 0;
                    rows.Add(new(layerName, m.GetName(), output.shape, parameters, MacsPerSample(m, output, batch)));
                }));
            }
            var first = model.parameters().FirstOrDefault();
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                var input = zeros(shape, first?.dtype, first?.device);
                model.call(input);
            }
        }
        finally
        {
            foreach (var hook in hooks) hook.Dispose();
            evaluation.Dispose();
        }
        var all = model.parameters().ToList();
        return new(shape, rows, all.Sum(p => p.numel()), all.Where(p => p.requires_grad).Sum(p => p.numel()));
    }

    private static long MacsPerSample(nn.Module module, Tensor output, long batch) => module switch
    {
        Conv2d conv => output.numel() / batch * (conv.in_channels / conv.groups) * conv.kernel_size.Item1 * conv.kernel_size.Item2,
        Linear linear => output.numel() / batch * linear.in_features,
        _ => 0,
    };

    /// <summary>The table: one line per layer, then the totals.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var table = Layers.Select(l => (l.Name, l.Type, Shape: "[" + string.Join(", ", l.OutputShape) + "]",
            Params: l.Parameters.ToString("N0", c), Macs: l.MultiplyAccumulates.ToString("N0", c))).ToList();
        var w = new[]
        {
            Math.Max(5, table.Select(r => r.Name.Length).DefaultIfEmpty().Max()),
            Math.Max(4, table.Select(r => r.Type.Length).DefaultIfEmpty().Max()),
            Math.Max(12, table.Select(r => r.Shape.Length).DefaultIfEmpty().Max()),
            Math.Max(7, table.Select(r => r.Params.Length).DefaultIfEmpty().Max()),
            Math.Max(4, table.Select(r => r.Macs.Length).DefaultIfEmpty().Max()),
        };
        var width = w.Sum() + 8;
        var sb = new StringBuilder();
        sb.AppendLine(new string('-', width));
        sb.AppendLine($"{"Layer".PadRight(w[0])}  {"Type".PadRight(w[1])}  {"Output shape".PadRight(w[2])}  {"Params".PadLeft(w[3])}  {"MACs".PadLeft(w[4])}");
        sb.AppendLine(new string('=', width));
        foreach (var r in table)
            sb.AppendLine($"{r.Name.PadRight(w[0])}  {r.Type.PadRight(w[1])}  {r.Shape.PadRight(w[2])}  {r.Params.PadLeft(w[3])}  {r.Macs.PadLeft(w[4])}");
        sb.AppendLine(new string('=', width));
        sb.AppendLine(c, $"Input shape: [{string.Join(", ", InputShape)}]");
        sb.AppendLine(c, $"Total params: {TotalParameters:N0}");
        sb.AppendLine(c, $"Trainable params: {TrainableParameters:N0}");
        sb.AppendLine(c, $"Non-trainable params: {TotalParameters - TrainableParameters:N0}");
        sb.AppendLine(c, $"Multiply-accumulates per sample: {TotalMultiplyAccumulates:N0} ({GigaMacs:F3} G)");
        sb.AppendLine(new string('-', width));
        return sb.ToString();
    }
}
