using CnnMl.Onnx.Protocol;
using CnnMl.Torch;
using static CnnMl.Onnx.OnnxGraphBuilder;
using static CnnMl.Torch.torch;

namespace CnnMl.Onnx;

/// <summary>
/// Turns the operations of a traced evaluation-mode forward pass into ONNX nodes (opset
/// <see cref="OnnxExport.Opset"/>), the way PyTorch's symbolic functions map aten operations. A
/// tensor the pass reads is either a value an earlier traced operation produced, the traced input, or
/// one of the network's parameters and buffers (exported as an initializer named by its state_dict
/// key); anything else came from an operation the binding does not trace, and export stops there.
/// The batch dimension stays symbolic: no node bakes in the traced batch size.
/// </summary>
internal sealed class OnnxTraceTranslator : IOperationTracer
{
    private readonly OnnxGraphBuilder graph;
    private readonly Dictionary<Tensor, string> values = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, string> parameterNames = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, double> batchNormEpsilon = new(StringComparer.Ordinal);

    public OnnxTraceTranslator(OnnxGraphBuilder graph, nn.Module network)
    {
        this.graph = graph;
        foreach (var (name, parameter) in network.named_parameters()) parameterNames.TryAdd(parameter, name);
        foreach (var (name, buffer) in network.named_buffers()) parameterNames.TryAdd(buffer, name);
    }

    /// <summary>Declares that <paramref name="tensor"/> holds the graph value <paramref name="name"/>.</summary>
    public void Bind(Tensor tensor, string name) => values[tensor] = name;

    /// <summary>The graph value a traced tensor holds.</summary>
    public string ValueOf(Tensor tensor, string consumer)
    {
        if (values.TryGetValue(tensor, out var name)) return name;
        if (parameterNames.TryGetValue(tensor, out var key))
        {
            name = graph.Initializer(key, tensor);
            values[tensor] = name;
            return name;
        }
        throw new NotSupportedException(
            $"ONNX export: '{consumer}' read a tensor that is neither the input, a traced result nor a parameter or buffer of the network: " +
            "it was made by an operation the exporter cannot see (export the network as trained, not one optimized for inference, and build the forward pass from traced operations)");
    }

    public void Record(TracedOperation op)
    {
        var output = op.Name switch
        {
            "conv2d" => Convolution(op),
            "batch_norm" => BatchNorm(op),
            "linear" => Linear(op),
            "relu" or "relu_" => Unary(op, "Relu"),
            "sigmoid" => Unary(op, "Sigmoid"),
            "hardswish" or "hardswish_" => Unary(op, "HardSwish"),
            "hardsigmoid" => graph.Add("HardSigmoid", [In(op, 0)], "hardsigmoid", Float("alpha", 1.0 / 6), Float("beta", 0.5)),
            "leaky_relu" => graph.Add("LeakyRelu", [In(op, 0)], "leaky_relu", Float("alpha", op.Attribute<double>("negative_slope"))),
            "silu" or "silu_" => graph.Add("Mul", [In(op, 0), graph.Add("Sigmoid", [In(op, 0)], "silu_gate")], "silu"),
            "relu6" or "relu6_" => graph.Add("Clip", [In(op, 0), graph.FloatConstant("zero", [0f]), graph.FloatConstant("six", [6f])], "relu6"),
            "max_pool2d" => Pool(op, "MaxPool"),
            "avg_pool2d" => Pool(op, "AveragePool"),
            "adaptive_avg_pool2d" => AdaptiveAveragePool(op),
            "dropout" or "dropout_" => Dropout(op),
            "alias" => In(op, 0),
            "cat" => graph.Add("Concat", op.Inputs.Select((_, i) => In(op, i)), "concat", Int("axis", op.Attribute<long>("dim"))),
            "flatten" => Flatten(op),
            "slice" => Slice(op),
            "pad" => Pad(op),
            "softmax" => graph.Add("Softmax", [In(op, 0)], "softmax", Int("axis", op.Attribute<long>("dim"))),
            "local_response_norm" => LocalResponseNorm(op),
            "add" or "add_" or "sub" or "sub_" or "mul" or "mul_" or "div" or "div_" => Arithmetic(op),
            _ => throw new NotSupportedException($"ONNX export: the operation '{op.Name}' has no ONNX translation"),
        };
        values[op.Output] = output;
    }

    private string In(TracedOperation op, int index) =>
        op.Inputs[index] is { } tensor ? ValueOf(tensor, op.Name) : throw new NotSupportedException($"ONNX export: '{op.Name}' is missing input {index}");

    private string Unary(TracedOperation op, string onnxOp) => graph.Add(onnxOp, [In(op, 0)], op.Name.TrimEnd('_'));

    private string Convolution(TracedOperation op)
    {
        var weight = op.Inputs[1]!;
        var inputs = new List<string> { In(op, 0), In(op, 1) };
        if (op.Inputs[2] is not null) inputs.Add(In(op, 2));
        var padding = op.Attribute<long[]>("padding");
        return graph.Add("Conv", inputs, "conv",
            Ints("kernel_shape", weight.shape[2..]),
            Ints("strides", op.Attribute<long[]>("stride")),
            Ints("pads", [padding[0], padding[1], padding[0], padding[1]]),
            Ints("dilations", op.Attribute<long[]>("dilation")),
            Int("group", op.Attribute<long>("groups")));
    }

    private string BatchNorm(TracedOperation op)
    {
        if (op.Attribute<bool>("training"))
            throw new NotSupportedException("ONNX export: a batch norm ran in training mode (export a network in evaluation mode)");
        var x = op.Inputs[0]!;
        if (op.Inputs[1] is null || op.Inputs[2] is null)
            throw new NotSupportedException("ONNX export: a batch norm without running statistics cannot be exported");
        var channels = x.shape[1];
        var scale = op.Inputs[3] is null ? graph.FloatConstant("bn_ones", Enumerable.Repeat(1f, (int)channels).ToArray(), channels) : In(op, 3);
        var bias = op.Inputs[4] is null ? graph.FloatConstant("bn_zeros", new float[channels], channels) : In(op, 4);
        var name = graph.Add("BatchNormalization", [In(op, 0), scale, bias, In(op, 1), In(op, 2)], "batch_norm", Float("epsilon", op.Attribute<double>("eps")));
        batchNormEpsilon[name] = op.Attribute<double>("eps");
        return name;
    }

    private string Linear(TracedOperation op)
    {
        if (op.Inputs[0]!.dim() != 2)
            throw new NotSupportedException($"ONNX export: linear on a {op.Inputs[0]!.dim()}-D input (only (N, features) is exported)");
        var inputs = new List<string> { In(op, 0), In(op, 1) };
        if (op.Inputs[2] is not null) inputs.Add(In(op, 2));
        return graph.Add("Gemm", inputs, "linear", Int("transB", 1));
    }

    private string Pool(TracedOperation op, string onnxOp)
    {
        var padding = op.Attribute<long[]>("padding");
        var attributes = new List<AttributeProto>
        {
            Ints("kernel_shape", op.Attribute<long[]>("kernel_size")),
            Ints("strides", op.Attribute<long[]>("stride")),
            Ints("pads", [padding[0], padding[1], padding[0], padding[1]]),
            Int("ceil_mode", op.Attribute<bool>("ceil_mode") ? 1 : 0),
        };
        if (onnxOp == "MaxPool") attributes.Add(Ints("dilations", op.Attribute<long[]>("dilation")));
        else attributes.Add(Int("count_include_pad", op.Attribute<bool>("count_include_pad") ? 1 : 0));
        return graph.Add(onnxOp, [In(op, 0)], onnxOp == "MaxPool" ? "max_pool" : "avg_pool", attributes.ToArray());
    }

    /// <summary>
    /// Global pooling for a 1x1 output, a plain average pool where the output divides the input, and
    /// otherwise the exact PyTorch bins as one matrix product over the flattened map.
    /// </summary>
    private string AdaptiveAveragePool(TracedOperation op)
    {
        var x = op.Inputs[0]!;
        var (c, h, w) = (x.shape[1], x.shape[2], x.shape[3]);
        var size = op.Attribute<long[]>("output_size");
        var (oh, ow) = (size[0], size[1]);
        if (oh == 1 && ow == 1) return graph.Add("GlobalAveragePool", [In(op, 0)], "global_avg_pool");
        if (h % oh == 0 && w % ow == 0)
            return graph.Add("AveragePool", [In(op, 0)], "avg_pool", Ints("kernel_shape", [h / oh, w / ow]), Ints("strides", [h / oh, w / ow]));
        var bins = new float[h * w * oh * ow];
        for (long i = 0; i < oh; i++)
        {
            var (h0, h1) = (i * h / oh, ((i + 1) * h + oh - 1) / oh);
            for (long j = 0; j < ow; j++)
            {
                var (w0, w1) = (j * w / ow, ((j + 1) * w + ow - 1) / ow);
                var weight = 1f / ((h1 - h0) * (w1 - w0));
                for (var y = h0; y < h1; y++)
                    for (var x0 = w0; x0 < w1; x0++)
                        bins[(y * w + x0) * oh * ow + i * ow + j] = weight;
            }
        }
        var flat = graph.Add("Reshape", [In(op, 0), graph.Int64Constant("shape", [0, c, h * w])], "adaptive_pool_flat");
        var pooled = graph.Add("MatMul", [flat, graph.FloatConstant("adaptive_pool_bins", bins, h * w, oh * ow)], "adaptive_pool_bins_out");
        return graph.Add("Reshape", [pooled, graph.Int64Constant("shape", [0, c, oh, ow])], "adaptive_avg_pool");
    }

    private string Dropout(TracedOperation op)
    {
        if (op.Attribute<bool>("training") && op.Attribute<double>("p") > 0)
            throw new NotSupportedException("ONNX export: dropout ran in training mode (export a network in evaluation mode)");
        return In(op, 0);
    }

    private string Flatten(TracedOperation op)
    {
        var rank = op.Inputs[0]!.dim();
        var start = op.Attribute<long>("start_dim");
        var end = op.Attribute<long>("end_dim");
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        if (start == 1 && end == rank - 1) return graph.Add("Flatten", [In(op, 0)], "flatten", Int("axis", 1));
        var target = op.Output.shape;
        target[0] = start == 0 ? -1 : 0;
        return graph.Add("Reshape", [In(op, 0), graph.Int64Constant("shape", target)], "flatten");
    }

    private string Slice(TracedOperation op)
    {
        var dim = op.Attribute<long>("dim");
        if (dim < 0) dim += op.Inputs[0]!.dim();
        if (dim == 0) throw new NotSupportedException("ONNX export: slicing the batch dimension is not exported");
        return graph.Add("Slice",
        [
            In(op, 0),
            graph.Int64Constant("starts", [op.Attribute<long>("start")]),
            graph.Int64Constant("ends", [op.Attribute<long>("end")]),
            graph.Int64Constant("axes", [dim]),
            graph.Int64Constant("steps", [op.Attribute<long>("step")]),
        ], "slice");
    }

    private string Pad(TracedOperation op)
    {
        var rank = op.Inputs[0]!.dim();
        var pad = op.Attribute<long[]>("pad");
        var pads = new long[2 * rank];
        for (int pair = 0; pair < pad.Length / 2; pair++)
        {
            var axis = rank - 1 - pair;
            pads[axis] = pad[2 * pair];
            pads[rank + axis] = pad[2 * pair + 1];
        }
        if (pads[0] != 0 || pads[rank] != 0) throw new NotSupportedException("ONNX export: padding the batch dimension is not exported");
        return graph.Add("Pad", [In(op, 0), graph.Int64Constant("pads", pads), graph.FloatConstant("pad_value", [(float)op.Attribute<double>("value")])], "pad",
            new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("constant") });
    }

    private string LocalResponseNorm(TracedOperation op)
    {
        var size = op.Attribute<long>("size");
        // PyTorch sums channels [c - size/2, c + (size-1)/2], ONNX [c - (size-1)/2, c + size/2]: equal for odd sizes.
        if (size % 2 == 0) throw new NotSupportedException($"ONNX export: local response norm over an even number of channels ({size}) sums a different window in ONNX");
        return graph.Add("LRN", [In(op, 0)], "lrn",
            Int("size", size), Float("alpha", op.Attribute<double>("alpha")), Float("beta", op.Attribute<double>("beta")), Float("bias", op.Attribute<double>("k")));
    }

    private string Arithmetic(TracedOperation op)
    {
        var onnxOp = op.Name.TrimEnd('_') switch { "add" => "Add", "sub" => "Sub", "mul" => "Mul", _ => "Div" };
        string other;
        if (op.Inputs.Count > 1 && op.Inputs[1] is not null)
        {
            other = In(op, 1);
            if (op.Attributes.TryGetValue("alpha", out var alpha) && (double)alpha != 1)
                other = graph.Add("Mul", [other, graph.FloatConstant("alpha", [(float)(double)alpha])], "scaled");
        }
        else other = graph.FloatConstant("scalar", [(float)op.Attribute<double>("scalar")]);
        return graph.Add(onnxOp, [In(op, 0), other], op.Name.TrimEnd('_'));
    }

    /// <summary>
    /// Folds every batch normalization whose input is a convolution's output read by nothing else into
    /// that convolution's weights (the computation <c>BatchNormFolding</c> does on a network), removing
    /// the node. The new weights belong to the current dispose scope.
    /// </summary>
    public int FoldBatchNorms()
    {
        var producers = graph.Nodes.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n, StringComparer.Ordinal);
        var readers = graph.Nodes.SelectMany(n => n.Input).GroupBy(i => i, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var folded = 0;
        foreach (var bn in graph.Nodes.Where(n => n.OpType == "BatchNormalization" && batchNormEpsilon.ContainsKey(n.Output[0])).ToList())
        {
            if (!producers.TryGetValue(bn.Input[0], out var conv) || conv.OpType != "Conv" || readers[bn.Input[0]] != 1) continue;
            var parameters = bn.Input.Skip(1).Select(graph.InitializerTensor).ToArray();
            var convWeight = graph.InitializerTensor(conv.Input[1]);
            var convBias = conv.Input.Count > 2 ? graph.InitializerTensor(conv.Input[2]) : null;
            if (parameters.Any(p => p is null) || convWeight is null || (conv.Input.Count > 2 && convBias is null)) continue;
            var eps = batchNormEpsilon[bn.Output[0]];
            var (weight, bias) = Models.BatchNormFolding.Folded(convWeight, convBias, parameters[2]!, parameters[3]!, parameters[0], parameters[1], eps);
            var weightName = graph.Initializer(conv.Input[1] + "_folded", weight);
            var biasName = graph.Initializer((conv.Input.Count > 2 ? conv.Input[2] : conv.Input[1]) + "_folded_bias", bias);
            conv.Input[1] = weightName;
            if (conv.Input.Count > 2) conv.Input[2] = biasName;
            else conv.Input.Add(biasName);
            renamed[bn.Output[0]] = conv.Output[0];
            graph.Nodes.Remove(bn);
            folded++;
        }
        foreach (var node in graph.Nodes)
            for (int i = 0; i < node.Input.Count; i++)
                while (renamed.TryGetValue(node.Input[i], out var to)) node.Input[i] = to;
        foreach (var (tensor, name) in values.ToList())
            if (renamed.TryGetValue(name, out var to)) values[tensor] = to;
        return folded;
    }
}
