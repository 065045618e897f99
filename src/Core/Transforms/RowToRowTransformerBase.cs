using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;

namespace CnnMl.Transforms;

/// <summary>
/// Base of transformers that add (or replace) columns computed from the same row. Subclasses
/// describe the computed columns for an input schema, validating it; the base makes the lazy
/// view and the output schema from that one description.
/// </summary>
public abstract class RowToRowTransformerBase : ITransformer
{
    /// <summary>Always true: each output row depends only on the same input row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The computed columns for an input schema; throws a clear error when the input does not fit.</summary>
    internal abstract IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema);

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var c in ComputeColumns(inputSchema)) builder.AddColumn(c.Name, c.Type, c.Annotations);
        return builder.ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ColumnsDataView(input, ComputeColumns(input.Schema));
    }

    /// <inheritdoc />
    public abstract void Save(ModelSaveContext ctx);
}

/// <summary>An estimator that needs no data: Fit returns a transformer fixed by its options.</summary>
public abstract class TrivialEstimator<TTransformer> : IEstimator<TTransformer> where TTransformer : class, ITransformer
{
    private protected TrivialEstimator(TTransformer transformer) => Transformer = transformer;

    private protected TTransformer Transformer { get; }

    /// <inheritdoc />
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Transformer.GetOutputSchema(input.Schema);
        return Transformer;
    }

    /// <inheritdoc />
    public virtual SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        SchemaShape.Create(Transformer.GetOutputSchema(SchemaShapes.ToSchema(inputSchema)));
}

/// <summary>Checks of input columns with messages that name the column, the expected and the actual type.</summary>
internal static class ColumnChecks
{
    /// <summary>The visible column of that name; the error lists the columns that exist.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string transform)
    {
        if (schema.GetColumnOrNull(name) is { } column) return column;
        throw new ArgumentOutOfRangeException(nameof(name), $"{transform}: input column '{name}' not found; the columns are: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}");
    }

    /// <summary>The column, which must satisfy <paramref name="accept"/>.</summary>
    public static DataViewSchema.Column Require(DataViewSchema schema, string name, string transform, Func<DataViewType, bool> accept, string expected)
    {
        var column = Find(schema, name, transform);
        if (!accept(column.Type))
            throw new ArgumentOutOfRangeException(nameof(name), $"{transform}: column '{name}' has type {column.Type}, expected {expected}");
        return column;
    }
}

/// <summary>Builds a stand-in schema from a schema shape, so trivial estimators can reuse their transformer's checks.</summary>
internal static class SchemaShapes
{
    public static DataViewSchema ToSchema(SchemaShape shape)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var c in shape)
        {
            DataViewType type = c.Kind == SchemaShape.Column.VectorKind.Scalar || c.ItemType is not PrimitiveDataViewType item
                ? c.ItemType
                : new VectorDataViewType(item, c.Kind == SchemaShape.Column.VectorKind.Vector ? 1 : 0);
            builder.AddColumn(c.Name, type);
        }
        return builder.ToSchema();
    }
}
