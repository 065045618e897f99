using System.Text.Json.Nodes;
using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;

namespace CnnMl.Transforms;

/// <summary>Concatenates scalar and vector columns of one item type into one vector column.</summary>
public sealed class ColumnConcatenatingTransformer : RowToRowTransformerBase
{
    internal const string Kind = "Concatenate";

    private readonly string outputColumnName;
    private readonly string[] inputColumnNames;

    internal ColumnConcatenatingTransformer(string outputColumnName, string[] inputColumnNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        if (inputColumnNames is null || inputColumnNames.Length == 0) throw new ArgumentException("Concatenate needs at least one input column", nameof(inputColumnNames));
        this.outputColumnName = outputColumnName;
        this.inputColumnNames = inputColumnNames.ToArray();
    }

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var inputs = inputColumnNames.Select(n => ColumnChecks.Find(inputSchema, n, "Concatenate")).ToArray();
        PrimitiveDataViewType Item(DataViewSchema.Column c) => c.Type switch
        {
            VectorDataViewType v => v.ItemType,
            PrimitiveDataViewType p and not KeyDataViewType => p,
            _ => throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Concatenate: column '{c.Name}' has type {c.Type}, expected a number, text or boolean scalar or vector"),
        };
        var itemType = Item(inputs[0]);
        foreach (var c in inputs.Skip(1))
            if (!Item(c).Equals(itemType))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Concatenate: column '{c.Name}' holds {Item(c)} items but '{inputs[0].Name}' holds {itemType}; all inputs must have one item type");
        var sizes = inputs.Select(c => c.Type is VectorDataViewType v ? v.Size : 1).ToArray();
        var total = sizes.Contains(0) ? 0 : sizes.Sum();
        var method = typeof(ColumnConcatenatingTransformer).GetMethod(nameof(Getter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(itemType.RawType);
        return new[]
        {
            new ComputedColumn(outputColumnName, new VectorDataViewType(itemType, total), null, inputColumnNames,
                row => (Delegate)method.Invoke(null, new object[] { row, inputs })!),
        };
    }

    private static ValueGetter<VBuffer<T>> Getter<T>(DataViewRow row, DataViewSchema.Column[] inputs)
    {
        var parts = inputs.Select(c => c.Type is VectorDataViewType
            ? (Func<VBuffer<T>>)VectorPart(row.GetGetter<VBuffer<T>>(c))
            : ScalarPart(row.GetGetter<T>(c))).ToArray();
        return (ref VBuffer<T> value) =>
        {
            var pieces = parts.Select(p => p()).ToArray();
            var length = pieces.Sum(p => p.Length);
            var storage = value.Reuse(length);
            var offset = 0;
            foreach (var piece in pieces)
            {
                piece.GetValues().CopyTo(storage.AsSpan(offset));
                offset += piece.Length;
            }
            value = new VBuffer<T>(length, storage);
        };
    }

    private static Func<VBuffer<T>> VectorPart<T>(ValueGetter<VBuffer<T>> getter) => () =>
    {
        VBuffer<T> v = default;
        getter(ref v);
        return v;
    };

    private static Func<VBuffer<T>> ScalarPart<T>(ValueGetter<T> getter) => () =>
    {
        T v = default!;
        getter(ref v);
        return new VBuffer<T>(1, new[] { v });
    };

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = Kind;
        ctx.Options["outputColumnName"] = outputColumnName;
        ctx.Options["inputColumnNames"] = new JsonArray(inputColumnNames.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray());
    }

    internal static ColumnConcatenatingTransformer Load(ModelLoadContext ctx) => new(ctx.Get<string>("outputColumnName"), ctx.GetStrings("inputColumnNames"));
}

/// <summary>Estimator of <see cref="ColumnConcatenatingTransformer"/>.</summary>
public sealed class ColumnConcatenatingEstimator : TrivialEstimator<ColumnConcatenatingTransformer>
{
    internal ColumnConcatenatingEstimator(string outputColumnName, string[] inputColumnNames) : base(new ColumnConcatenatingTransformer(outputColumnName, inputColumnNames)) { }
}
