using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;

namespace CnnMl.Transforms;

/// <summary>Maps keys back to their values using the column's KeyValues annotation (0 gives the default value).</summary>
public sealed class KeyToValueMappingTransformer : RowToRowTransformerBase
{
    internal const string Kind = "KeyToValueMapping";

    private readonly string outputColumnName;
    private readonly string inputColumnName;

    internal KeyToValueMappingTransformer(string outputColumnName, string? inputColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        this.outputColumnName = outputColumnName;
        this.inputColumnName = inputColumnName ?? outputColumnName;
    }

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var input = ColumnChecks.Require(inputSchema, inputColumnName, "MapKeyToValue", t => t is KeyDataViewType { RawType: var r } && r == typeof(uint), "a key column (Key<UInt32>)");
        var keyValues = input.Annotations.Schema.GetColumnOrNull(AnnotationKinds.KeyValues)
            ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"MapKeyToValue: key column '{inputColumnName}' has no KeyValues annotation to map keys back to values");
        if (keyValues.Type is not VectorDataViewType vector)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"MapKeyToValue: KeyValues of '{inputColumnName}' is {keyValues.Type}, expected a vector");
        var method = typeof(KeyToValueMappingTransformer).GetMethod(nameof(Column), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .MakeGenericMethod(vector.ItemType.RawType);
        return new[] { (ComputedColumn)method.Invoke(this, new object[] { input, vector.ItemType })! };
    }

    private ComputedColumn Column<T>(DataViewSchema.Column input, PrimitiveDataViewType itemType)
    {
        VBuffer<T> names = default;
        input.Annotations.GetValue(AnnotationKinds.KeyValues, ref names);
        var values = names.GetValues().ToArray();
        return new ComputedColumn(outputColumnName, itemType, null, new[] { inputColumnName }, row =>
        {
            var getter = row.GetGetter<uint>(input);
            return (ValueGetter<T>)((ref T value) =>
            {
                uint key = 0;
                getter(ref key);
                value = key >= 1 && key <= values.Length ? values[key - 1] : default!;
            });
        });
    }

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = Kind;
        ctx.Options["outputColumnName"] = outputColumnName;
        ctx.Options["inputColumnName"] = inputColumnName;
    }

    internal static KeyToValueMappingTransformer Load(ModelLoadContext ctx) =>
        new(ctx.Get<string>("outputColumnName"), ctx.Get<string>("inputColumnName"));
}

/// <summary>Estimator of <see cref="KeyToValueMappingTransformer"/> (needs no data).</summary>
public sealed class KeyToValueMappingEstimator : TrivialEstimator<KeyToValueMappingTransformer>
{
    internal KeyToValueMappingEstimator(string outputColumnName, string? inputColumnName)
        : base(new KeyToValueMappingTransformer(outputColumnName, inputColumnName))
    {
        this.outputColumnName = outputColumnName;
        this.inputColumnName = inputColumnName ?? outputColumnName;
    }

    private readonly string outputColumnName;
    private readonly string inputColumnName;

    /// <summary>The output holds the KeyValues item type of the input key column.</summary>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (!inputSchema.TryFindColumn(inputColumnName, out var input))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"MapKeyToValue: input column '{inputColumnName}' not found; the columns are: {string.Join(", ", inputSchema.Select(c => $"'{c.Name}'"))}");
        if (!input.IsKey) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"MapKeyToValue: column '{inputColumnName}' has type {input.ItemType}, expected a key column");
        var itemType = input.Annotations.TryFindColumn(AnnotationKinds.KeyValues, out var kv) ? kv.ItemType : TextDataViewType.Instance;
        var columns = inputSchema.Where(c => c.Name != outputColumnName).Append(new SchemaShape.Column(outputColumnName, input.Kind, itemType, false));
        return new SchemaShape(columns);
    }
}
