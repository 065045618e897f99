using System.Runtime.InteropServices;
using CnnMl.Onnx.Protocol;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Onnx;

/// <summary>
/// Collects an ONNX graph: nodes in execution order, float initializers still held as tensors (so a
/// later pass can fold them before any bytes are written) and small constants.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly Dictionary<string, int> namesTaken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> tensorInitializers = new(StringComparer.Ordinal);
    private readonly List<TensorProto> constants = [];

    /// <summary>The nodes, in execution order.</summary>
    public List<NodeProto> Nodes { get; } = [];

    /// <summary>A value name not used before, from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        var count = namesTaken.GetValueOrDefault(hint);
        namesTaken[hint] = count + 1;
        return count == 0 ? hint : $"{hint}_{count}";
    }

    /// <summary>Adds a node with one output named after <paramref name="outputHint"/>; returns the output's name.</summary>
    public string Add(string opType, IEnumerable<string> inputs, string outputHint, params AttributeProto[] attributes)
    {
        var output = Fresh(outputHint);
        var node = new NodeProto { OpType = opType, Name = Fresh(opType + "_node") };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Nodes.Add(node);
        return output;
    }

    /// <summary>Registers <paramref name="tensor"/> (not copied: it must stay alive until <see cref="Build"/>) as a float initializer.</summary>
    public string Initializer(string hint, Tensor tensor)
    {
        var name = Fresh(hint);
        tensorInitializers[name] = tensor;
        return name;
    }

    /// <summary>The tensor behind an initializer, or null for a value computed by a node.</summary>
    public Tensor? InitializerTensor(string name) => tensorInitializers.GetValueOrDefault(name);

    /// <summary>Replaces the tensor behind initializer <paramref name="name"/>.</summary>
    public void ReplaceInitializer(string name, Tensor tensor) => tensorInitializers[name] = tensor;

    /// <summary>An int64 constant of shape [values.Length] (or a scalar with <paramref name="scalar"/>).</summary>
    public string Int64Constant(string hint, long[] values, bool scalar = false)
    {
        var proto = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        if (!scalar) proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        constants.Add(proto);
        return proto.Name;
    }

    /// <summary>A float32 constant of the given shape.</summary>
    public string FloatConstant(string hint, float[] values, params long[] dims)
    {
        var proto = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(dims);
        proto.RawData = Google.Protobuf.ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        constants.Add(proto);
        return proto.Name;
    }

    /// <summary>
    /// The graph: every node, the initializers some node still reads (as little-endian float32 raw
    /// data), and the given inputs and outputs.
    /// </summary>
    public GraphProto Build(string name, IEnumerable<ValueInfoProto> inputs, IEnumerable<ValueInfoProto> outputs)
    {
        var used = Nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var graph = new GraphProto { Name = name };
        graph.Node.AddRange(Nodes);
        foreach (var (initializerName, tensor) in tensorInitializers)
            if (used.Contains(initializerName)) graph.Initializer.Add(FloatTensor(initializerName, tensor));
        graph.Initializer.AddRange(constants.Where(c => used.Contains(c.Name)));
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        return graph;
    }

    private static TensorProto FloatTensor(string name, Tensor tensor)
    {
        if (!is_floating_point(tensor.dtype))
            throw new NotSupportedException($"ONNX export: initializer '{name}' is a {tensor.dtype} tensor; only floating-point weights are exported");
        using var single = tensor.to(ScalarType.Float32, CPU);
        var values = single.ToArray<float>();
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(tensor.shape);
        proto.RawData = Google.Protobuf.ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        return proto;
    }

    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An INTS attribute.</summary>
    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A FLOAT attribute.</summary>
    public static AttributeProto Float(string name, double value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    /// <summary>A float32 tensor value of the given dimensions; a null dimension is the symbolic batch size.</summary>
    public static ValueInfoProto FloatValue(string name, params long?[] dims) => Value(name, TensorProto.Types.DataType.Float, dims);

    /// <summary>A tensor value of the given element type and dimensions; a null dimension is the symbolic batch size.</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params long?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is { } value ? new TensorShapeProto.Types.Dimension { DimValue = value } : new TensorShapeProto.Types.Dimension { DimParam = OnnxExport.BatchDimension });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
