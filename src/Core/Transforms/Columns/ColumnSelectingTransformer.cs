using System.Text.Json.Nodes;
using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;

namespace CnnMl.Transforms;

/// <summary>Keeps only the named columns (SelectColumns) or all but them (DropColumns).</summary>
public sealed class ColumnSelectingTransformer : ITransformer
{
    internal const string Kind = "SelectColumns";

    private readonly string[] columnNames;
    private readonly bool keep;

    internal ColumnSelectingTransformer(string[] columnNames, bool keep)
    {
        if (columnNames is null || columnNames.Length == 0) throw new ArgumentException((keep ? "SelectColumns" : "DropColumns") + " needs at least one column name", nameof(columnNames));
        this.columnNames = columnNames.ToArray();
        this.keep = keep;
    }

    public bool IsRowToRowMapper => true;

    private string[] Kept(DataViewSchema schema)
    {
        var transform = keep ? "SelectColumns" : "DropColumns";
        foreach (var name in columnNames) ColumnChecks.Find(schema, name, transform);
        return keep
            ? columnNames.Distinct().ToArray()
            : schema.Where(c => !c.IsHidden && !columnNames.Contains(c.Name)).Select(c => c.Name).ToArray();
    }

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var name in Kept(inputSchema))
        {
            var c = inputSchema[name];
            builder.AddColumn(c.Name, c.Type, c.Annotations);
        }
        return builder.ToSchema();
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new SelectedColumnsDataView(input, Kept(input.Schema));
    }

    public void Save(ModelSaveContext ctx)
    {
        ctx.Kind = Kind;
        ctx.Options["columnNames"] = new JsonArray(columnNames.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray());
        ctx.Options["keep"] = keep;
    }

    internal static ColumnSelectingTransformer Load(ModelLoadContext ctx) => new(ctx.GetStrings("columnNames"), ctx.Get<bool>("keep"));
}

/// <summary>Estimator of <see cref="ColumnSelectingTransformer"/>.</summary>
public sealed class ColumnSelectingEstimator : TrivialEstimator<ColumnSelectingTransformer>
{
    internal ColumnSelectingEstimator(string[] columnNames, bool keep) : base(new ColumnSelectingTransformer(columnNames, keep)) { }
}
