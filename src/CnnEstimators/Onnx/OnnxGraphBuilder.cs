using System.Runtime.InteropServices;
using CnnMl.Onnx.Protocol;
using Google.Protobuf;
using CnnMl.Torch;
using static CnnMl.Torch.torch;

namespace CnnMl.Onnx;

/// <summary>
/// Collects an ONNX graph: nodes in execution order, float initializers still held as tensors (so a
/// later pass can fold them, and the weights are copied only once, into the model's bytes) and small
/// constants.
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
    /// The graph: every node, the small constants, and the given inputs and outputs. The float
    /// initializers some node still reads are not in it: <see cref="WriteModel"/> streams them.
    /// </summary>
    public GraphProto Build(string name, IEnumerable<ValueInfoProto> inputs, IEnumerable<ValueInfoProto> outputs)
    {
        var used = UsedNames();
        var graph = new GraphProto { Name = name };
        graph.Node.AddRange(Nodes);
        graph.Initializer.AddRange(constants.Where(c => used.Contains(c.Name)));
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        return graph;
    }

    private HashSet<string> UsedNames() => Nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Serializes <paramref name="model"/> (whose graph came from <see cref="Build"/>) with the float
    /// initializers some node reads, each copied once from its tensor into the output as float32 raw
    /// data, so no second copy of the weights is held. Protobuf readers merge the graph's fields in
    /// any order, so the initializers follow the rest of the graph.
    /// </summary>
    public byte[] WriteModel(ModelProto model)
    {
        var used = UsedNames();
        var weights = tensorInitializers.Where(kv => used.Contains(kv.Key)).Select(kv => (Header: Header(kv.Key, kv.Value), kv.Value)).ToList();
        var graph = model.Graph;
        long graphSize = graph.CalculateSize();
        foreach (var (header, tensor) in weights)
            graphSize += FieldSize(GraphProto.InitializerFieldNumber, TensorSize(header, tensor));
        var rest = model.Clone();
        rest.Graph = null;
        var total = rest.CalculateSize() + FieldSize(ModelProto.GraphFieldNumber, graphSize);
        if (total > int.MaxValue)
            throw new NotSupportedException($"ONNX export: the model would take {total:N0} bytes; protobuf files are limited to 2 GB");

        var bytes = new byte[total];
        using var stream = new MemoryStream(bytes, writable: true);
        var output = new CodedOutputStream(stream, leaveOpen: true);
        rest.WriteTo(output);
        output.WriteTag(ModelProto.GraphFieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteLength(checked((int)graphSize));
        graph.WriteTo(output);
        var chunk = new byte[ChunkElements * sizeof(float)];
        foreach (var (header, tensor) in weights)
        {
            var raw = RawSize(tensor);
            output.WriteTag(GraphProto.InitializerFieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteLength(checked((int)TensorSize(header, tensor)));
            header.WriteTo(output);
            output.WriteTag(TensorProto.RawDataFieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteLength(checked((int)raw));
            output.Flush();
            WriteRaw(tensor, stream, chunk);
        }
        output.Flush();
        if (stream.Position != total) throw new InvalidOperationException($"ONNX export wrote {stream.Position:N0} bytes, {total:N0} were computed");
        return bytes;
    }

    private const int ChunkElements = 1 << 20;

    private static TensorProto Header(string name, Tensor tensor)
    {
        if (!is_floating_point(tensor.dtype))
            throw new NotSupportedException($"ONNX export: initializer '{name}' is a {tensor.dtype} tensor; only floating-point weights are exported");
        var header = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        header.Dims.AddRange(tensor.shape);
        return header;
    }

    private static long RawSize(Tensor tensor) => tensor.numel() * sizeof(float);

    private static long TensorSize(TensorProto header, Tensor tensor) => header.CalculateSize() + FieldSize(TensorProto.RawDataFieldNumber, RawSize(tensor));

    private static long FieldSize(int field, long length) =>
        CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize(checked((int)length)) + length;

    /// <summary>The tensor's values as little-endian float32 (x86 and ARM are little-endian, as ONNX raw data is), a chunk at a time.</summary>
    private static void WriteRaw(Tensor tensor, Stream stream, byte[] chunk)
    {
        using var scope = NewDisposeScope();
        var flat = tensor.to(ScalarType.Float32, CPU).flatten();
        var count = flat.numel();
        for (long start = 0; start < count; start += ChunkElements)
        {
            var length = (int)Math.Min(ChunkElements, count - start);
            using var part = flat.slice(0, start, start + length);
            var bytes = chunk.AsSpan(0, length * sizeof(float));
            part.CopyTo(MemoryMarshal.Cast<byte, float>(bytes));
            stream.Write(bytes);
        }
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
