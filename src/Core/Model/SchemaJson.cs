using System.Text.Json.Nodes;
using CnnMl.Data;
using CnnMl.Transforms.Image;

namespace CnnMl.Model;

/// <summary>
/// Writes and reads a <see cref="DataViewSchema"/> in manifest.json: per column its name, type
/// (number name such as "R4", "Bool", "Text", "Key", "Vector", "Image"), vector item type and
/// dimensions, key raw type and count, and the KeyValues annotation (the class names).
/// </summary>
internal static class SchemaJson
{
    public static JsonArray Write(DataViewSchema schema)
    {
        var columns = new JsonArray();
        foreach (var column in schema)
        {
            var node = new JsonObject { ["name"] = column.Name };
            WriteType(node, column.Type, column.Name);
            if (KeyValues(column) is { } names) node["keyValues"] = new JsonArray(names.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray());
            columns.Add(node);
        }
        return columns;
    }

    private static void WriteType(JsonObject node, DataViewType type, string column)
    {
        switch (type)
        {
            case VectorDataViewType vector:
                node["type"] = "Vector";
                node["dims"] = new JsonArray(vector.Dimensions.Select(d => (JsonNode)JsonValue.Create(d)).ToArray());
                var item = new JsonObject();
                WriteType(item, vector.ItemType, column);
                node["itemType"] = item;
                break;
            case KeyDataViewType key:
                node["type"] = "Key";
                node["rawType"] = NumberDataViewType.All.First(n => n.RawType == key.RawType).ToString();
                node["count"] = key.Count;
                break;
            case NumberDataViewType number:
                node["type"] = number.ToString();
                break;
            case BooleanDataViewType:
                node["type"] = "Bool";
                break;
            case TextDataViewType:
                node["type"] = "Text";
                break;
            case ImageDataViewType image:
                node["type"] = "Image";
                node["height"] = image.Height;
                node["width"] = image.Width;
                break;
            default:
                throw new NotSupportedException($"the input schema's column '{column}' has type {type}, which a model file cannot describe");
        }
    }

    private static string[]? KeyValues(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull(AnnotationKinds.KeyValues) is not { Type: VectorDataViewType { ItemType: TextDataViewType } }) return null;
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.Annotations.GetValue(AnnotationKinds.KeyValues, ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    /// <summary>Reads a schema, validating every field; problems are <see cref="InvalidDataException"/>s naming the column.</summary>
    public static DataViewSchema Read(JsonNode? node)
    {
        var builder = new DataViewSchema.Builder();
        if (node is null) return builder.ToSchema();
        if (node is not JsonArray columns) throw Bad("'inputSchema' is not an array");
        foreach (var item in columns)
        {
            if (item is not JsonObject column) throw Bad("an 'inputSchema' column is not an object");
            var name = String(column, "name", "an 'inputSchema' column");
            if (name.Length == 0) throw Bad("an 'inputSchema' column has an empty name");
            var type = ReadType(column, $"input column '{name}'");
            DataViewSchema.Annotations? annotations = null;
            if (column["keyValues"] is { } values)
            {
                if (values is not JsonArray array) throw Bad($"input column '{name}': 'keyValues' is not an array");
                var names = array.Select(v => v is JsonValue s && s.TryGetValue<string>(out var text) ? text.AsMemory() : throw Bad($"input column '{name}': 'keyValues' holds a non-string")).ToArray();
                var itemType = type is VectorDataViewType v ? v.ItemType : type;
                if (itemType is not KeyDataViewType key || key.Count != (ulong)names.Length)
                    throw Bad($"input column '{name}' has {names.Length} keyValues but type {type}");
                var ab = new DataViewSchema.AnnotationsBuilder();
                ab.Add(AnnotationKinds.KeyValues, new VectorDataViewType(TextDataViewType.Instance, names.Length),
                    (ref VBuffer<ReadOnlyMemory<char>> value) => value = new VBuffer<ReadOnlyMemory<char>>(names.Length, names.ToArray()));
                annotations = ab.ToAnnotations();
            }
            builder.AddColumn(name, type, annotations);
        }
        return builder.ToSchema();
    }

    private static DataViewType ReadType(JsonObject node, string where)
    {
        var type = String(node, "type", where);
        switch (type)
        {
            case "Bool":
                return BooleanDataViewType.Instance;
            case "Text":
                return TextDataViewType.Instance;
            case "Key":
                var raw = String(node, "rawType", where);
                var rawType = NumberDataViewType.All.FirstOrDefault(n => n.ToString() == raw)?.RawType;
                if (rawType != typeof(byte) && rawType != typeof(ushort) && rawType != typeof(uint) && rawType != typeof(ulong))
                    throw Bad($"{where}: key raw type '{raw}' is not U1, U2, U4 or U8");
                var count = Number<ulong>(node, "count", where);
                if (count == 0) throw Bad($"{where}: key count is 0");
                return new KeyDataViewType(rawType, count);
            case "Vector":
                if (node["itemType"] is not JsonObject itemNode) throw Bad($"{where}: vector lacks an 'itemType' object");
                if (ReadType(itemNode, where + " item") is not PrimitiveDataViewType item) throw Bad($"{where}: vector items must be numbers, keys, booleans or text");
                if (node["dims"] is not JsonArray dimsNode || dimsNode.Count is 0 or > 8) throw Bad($"{where}: vector lacks 'dims' (1 to 8 dimensions)");
                var dims = dimsNode.Select(d => d is JsonValue v && v.TryGetValue<int>(out var n) && n >= 0 ? n : throw Bad($"{where}: a vector dimension is not a non-negative integer")).ToArray();
                try
                {
                    return new VectorDataViewType(item, dims);
                }
                catch (OverflowException)
                {
                    throw Bad($"{where}: vector dimensions [{string.Join(", ", dims)}] are too large");
                }
            case "Image":
                var height = Number<int>(node, "height", where);
                var width = Number<int>(node, "width", where);
                if (height < 0 || width < 0 || (height == 0) != (width == 0)) throw Bad($"{where}: image size {height}x{width} is invalid");
                return new ImageDataViewType(height, width);
            default:
                return NumberDataViewType.All.FirstOrDefault(n => n.ToString() == type) ?? throw Bad($"{where} has unknown type '{type}'");
        }
    }

    private static string String(JsonObject node, string field, string where) =>
        node[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Bad($"{where} lacks the string '{field}'");

    private static T Number<T>(JsonObject node, string field, string where) =>
        node[field] is JsonValue v && v.TryGetValue<T>(out var n) ? n : throw Bad($"{where} lacks the integer '{field}'");

    private static InvalidDataException Bad(string message) => new($"model manifest: {message}");
}
