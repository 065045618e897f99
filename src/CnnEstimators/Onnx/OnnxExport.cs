using System.Text.Json;
using CnnMl.Models;
using CnnMl.Onnx.Protocol;
using CnnMl.Torch;
using Google.Protobuf;
using static CnnMl.Torch.torch;

namespace CnnMl.Onnx;

/// <summary>
/// Exports a network of the zoo (or any <see cref="ClassifierNetwork"/> whose forward pass is built from
/// traced operations) to an ONNX model, ONNX opset <see cref="Opset"/>. The graph is a trace of the
/// network's own evaluation-mode forward pass through the binding (<see cref="OperationTracing"/>), not
/// a hand-written copy of the architecture:
/// <list type="bullet">
/// <item>input (default <see cref="InputName"/>): float [batch, C, H, W] with a symbolic batch dimension;</item>
/// <item>the normalization the network was trained with, as a subtraction and a division per channel;</item>
/// <item>every batch norm that follows a convolution folded into it, dropout gone;</item>
/// <item>outputs (default <see cref="ProbabilitiesName"/>) float [batch, classes], the softmax, and
/// (default <see cref="PredictedIndexName"/>) int64 [batch, 1], the most probable class, 0-based.</item>
/// </list>
/// The network is not changed. <see cref="OnnxVerification"/> checks an export against the network.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the graph uses.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version that goes with <see cref="Opset"/> (ONNX 1.12).</summary>
    public const long IrVersion = 8;

    /// <summary>The input's name.</summary>
    public const string InputName = "input";

    /// <summary>The class probabilities output's name.</summary>
    public const string ProbabilitiesName = "probabilities";

    /// <summary>The predicted class index output's name.</summary>
    public const string PredictedIndexName = "predicted_index";

    /// <summary>The symbolic name of the batch dimension.</summary>
    public const string BatchDimension = "batch";

    /// <summary>Model metadata key holding the class names as a JSON array.</summary>
    public const string ClassNamesKey = "cnnml.class_names";

    /// <summary>Model metadata key holding the zoo architecture name.</summary>
    public const string ArchitectureKey = "cnnml.architecture";

    /// <summary>Exports <paramref name="network"/> for <paramref name="height"/> x <paramref name="width"/> images; returns the ONNX model's bytes.</summary>
    /// <param name="network">The network; its training mode is restored afterwards.</param>
    /// <param name="height">Input height the graph is built for.</param>
    /// <param name="width">Input width the graph is built for.</param>
    /// <param name="normalization">Per-channel mean and standard deviation applied to the input before the network, as in training; null for none.</param>
    /// <param name="classNames">Class names stored in the model's metadata (<see cref="ClassNamesKey"/>); null for none.</param>
    /// <param name="architecture">Zoo name stored in the model's metadata (<see cref="ArchitectureKey"/>); null for none.</param>
    /// <param name="names">The names of the input and outputs; null for <see cref="OnnxTensorNames.Default"/>.</param>
    public static byte[] Export(ClassifierNetwork network, int height, int width, Normalization? normalization = null,
        IReadOnlyList<string>? classNames = null, string? architecture = null, OnnxTensorNames? names = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        names ??= OnnxTensorNames.Default;
        names.Validate();
        if (normalization is not null && (normalization.Mean.Length != network.InChannels || normalization.Std.Length != network.InChannels))
            throw new ArgumentException($"the normalization has {normalization.Mean.Length} means and {normalization.Std.Length} deviations for {network.InChannels} input channels", nameof(normalization));
        if (classNames is not null && classNames.Count != network.NumClasses)
            throw new ArgumentException($"{classNames.Count} class names for a network with {network.NumClasses} classes", nameof(classNames));
        var first = network.parameters().FirstOrDefault() ?? throw new ArgumentException("the network has no parameters", nameof(network));
        if (first.dtype != ScalarType.Float32)
            throw new NotSupportedException($"ONNX export takes a float32 network; this one's parameters are {first.dtype}");

        using (EvaluationMode.Enter(network))
        {
            using var scope = NewDisposeScope();
            var graph = new OnnxGraphBuilder();
            var translator = new OnnxTraceTranslator(graph, network);
            var channels = network.InChannels;
            var input = graph.Fresh(names.Input);
            var normalized = input;
            if (normalization is not null)
            {
                var centered = graph.Add("Sub", [input, graph.FloatConstant("normalize_mean", normalization.Mean, 1, channels, 1, 1)], "centered");
                normalized = graph.Add("Div", [centered, graph.FloatConstant("normalize_std", normalization.Std, 1, channels, 1, 1)], "normalized");
            }
            // Two images: a graph that baked in the traced batch size would fail verification at others.
            var probe = zeros([2, channels, height, width], ScalarType.Float32, first.device);
            translator.Bind(probe, normalized);
            Tensor logits;
            using (no_grad())
            using (OperationTracing.Trace(translator))
                logits = network.call(probe);
            var logitsName = translator.ValueOf(logits, "the network's output");
            if (logits.dim() != 2 || logits.shape[1] != network.NumClasses)
                throw new NotSupportedException($"ONNX export: the network's output has shape [{string.Join(", ", logits.shape)}], not (N, {network.NumClasses})");
            translator.FoldBatchNorms();
            var probabilities = graph.Add("Softmax", [logitsName], names.Probabilities, OnnxGraphBuilder.Int("axis", 1));
            var index = graph.Add("ArgMax", [probabilities], names.PredictedIndex, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 1));
            if (probabilities != names.Probabilities || index != names.PredictedIndex || input != names.Input)
                throw new ArgumentException($"ONNX export: the name '{(input != names.Input ? names.Input : probabilities != names.Probabilities ? names.Probabilities : names.PredictedIndex)}' is also a parameter's or an intermediate value's name", nameof(names));

            var model = new ModelProto
            {
                IrVersion = IrVersion,
                ProducerName = "CnnMl",
                ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
                DocString = $"{architecture ?? network.GetName()} exported by CnnMl from a traced forward pass",
                Graph = graph.Build(architecture ?? network.GetName(),
                    [OnnxGraphBuilder.FloatValue(names.Input, null, channels, height, width)],
                    [
                        OnnxGraphBuilder.FloatValue(names.Probabilities, null, network.NumClasses),
                        OnnxGraphBuilder.Value(names.PredictedIndex, TensorProto.Types.DataType.Int64, null, 1),
                    ]),
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            if (classNames is not null) model.MetadataProps.Add(new StringStringEntryProto { Key = ClassNamesKey, Value = JsonSerializer.Serialize(classNames) });
            if (architecture is not null) model.MetadataProps.Add(new StringStringEntryProto { Key = ArchitectureKey, Value = architecture });
            return graph.WriteModel(model);
        }
    }
}

/// <summary>The names an exported model gives its input and outputs (ML.NET's OnnxTransformer reads and writes columns of these names).</summary>
/// <param name="Input">The input images, float [batch, C, H, W].</param>
/// <param name="Probabilities">The class probabilities, float [batch, classes].</param>
/// <param name="PredictedIndex">The most probable class (0-based), int64 [batch, 1].</param>
public sealed record OnnxTensorNames(string Input, string Probabilities, string PredictedIndex)
{
    /// <summary><c>input</c>, <c>probabilities</c>, <c>predicted_index</c>.</summary>
    public static OnnxTensorNames Default { get; } = new(OnnxExport.InputName, OnnxExport.ProbabilitiesName, OnnxExport.PredictedIndexName);

    internal void Validate()
    {
        string[] all = [Input, Probabilities, PredictedIndex];
        if (all.Any(string.IsNullOrEmpty)) throw new ArgumentException("ONNX input and output names must not be empty");
        if (all.Distinct(StringComparer.Ordinal).Count() != 3) throw new ArgumentException($"ONNX input and output names must differ: {string.Join(", ", all)}");
    }
}
