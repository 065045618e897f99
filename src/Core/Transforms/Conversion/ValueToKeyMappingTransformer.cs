using System.Text.Json.Nodes;
using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;

namespace CnnMl.Transforms;

/// <summary>Maps values to keys 1..N by a learned dictionary; values not in it map to 0 (missing).</summary>
public sealed class ValueToKeyMappingTransformer : RowToRowTransformerBase
{
    internal const string Kind = "ValueToKeyMapping";

    private readonly string outputColumnName;
    private readonly string inputColumnName;
    private readonly PrimitiveDataViewType valueType;
    private readonly IReadOnlyList<string> terms;

    internal ValueToKeyMappingTransformer(string outputColumnName, string inputColumnName, PrimitiveDataViewType valueType, IReadOnlyList<string> terms)
    {
        if (terms.Count == 0) throw new InvalidOperationException($"MapValueToKey: column '{inputColumnName}' has no values to map to keys");
        this.outputColumnName = outputColumnName;
        this.inputColumnName = inputColumnName;
        this.valueType = valueType;
        this.terms = terms;
    }

    /// <summary>The values of keys 1..N, as text.</summary>
    public IReadOnlyList<string> Terms => terms;

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var input = ColumnChecks.Require(inputSchema, inputColumnName, "MapValueToKey", t => t.Equals(valueType), $"{valueType}");
        var method = typeof(ValueToKeyMappingTransformer).GetMethod(nameof(Column), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .MakeGenericMethod(valueType.RawType);
        return new[] { (ComputedColumn)method.Invoke(this, new object[] { input })! };
    }

    private ComputedColumn Column<T>(DataViewSchema.Column input) where T : notnull
    {
        var values = terms.Select(KeyValueText.Parse<T>).ToArray();
        var keys = new Dictionary<string, uint>(StringComparer.Ordinal);
        for (int i = 0; i < terms.Count; i++) keys[terms[i]] = (uint)(i + 1);
        var annotations = new DataViewSchema.AnnotationsBuilder();
        annotations.Add(AnnotationKinds.KeyValues, new VectorDataViewType(valueType, values.Length),
            (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => value = new VBuffer<T>(values.Length, (T[])values.Clone())));
        return new ComputedColumn(outputColumnName, new KeyDataViewType(typeof(uint), terms.Count), annotations.ToAnnotations(), new[] { inputColumnName }, row =>
        {
            var getter = row.GetGetter<T>(input);
            return (ValueGetter<uint>)((ref uint key) =>
            {
                T value = default!;
                getter(ref value);
                key = keys.TryGetValue(KeyValueText.Format(value), out var k) ? k : 0;
            });
        });
    }

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = Kind;
        ctx.Options["outputColumnName"] = outputColumnName;
        ctx.Options["inputColumnName"] = inputColumnName;
        ctx.Options["valueType"] = KeyValueText.TypeName(valueType);
        ctx.Options["terms"] = new JsonArray(terms.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray());
    }

    internal static ValueToKeyMappingTransformer Load(ModelLoadContext ctx) =>
        new(ctx.Get<string>("outputColumnName"), ctx.Get<string>("inputColumnName"), KeyValueText.TypeFromName(ctx.Get<string>("valueType")), ctx.GetStrings("terms"));
}
