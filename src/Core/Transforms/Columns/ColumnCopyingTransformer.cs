using CnnMl.Data;
using CnnMl.DataView;
using CnnMl.Model;

namespace CnnMl.Transforms;

/// <summary>Copies a column (values and annotations) under a new name.</summary>
public sealed class ColumnCopyingTransformer : RowToRowTransformerBase
{
    internal const string Kind = "CopyColumns";

    private readonly string outputColumnName;
    private readonly string inputColumnName;

    internal ColumnCopyingTransformer(string outputColumnName, string inputColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        this.outputColumnName = outputColumnName;
        this.inputColumnName = inputColumnName;
    }

    internal override IReadOnlyList<ComputedColumn> ComputeColumns(DataViewSchema inputSchema)
    {
        var input = ColumnChecks.Find(inputSchema, inputColumnName, "CopyColumns");
        var method = typeof(ColumnCopyingTransformer).GetMethod(nameof(Getter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(input.Type.RawType);
        return new[]
        {
            new ComputedColumn(outputColumnName, input.Type, input.Annotations, new[] { inputColumnName },
                row => (Delegate)method.Invoke(null, new object[] { row, input })!),
        };
    }

    private static ValueGetter<T> Getter<T>(DataViewRow row, DataViewSchema.Column input) => row.GetGetter<T>(input);

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = Kind;
        ctx.Options["outputColumnName"] = outputColumnName;
        ctx.Options["inputColumnName"] = inputColumnName;
    }

    internal static ColumnCopyingTransformer Load(ModelLoadContext ctx) => new(ctx.Get<string>("outputColumnName"), ctx.Get<string>("inputColumnName"));
}

/// <summary>Estimator of <see cref="ColumnCopyingTransformer"/>.</summary>
public sealed class ColumnCopyingEstimator : TrivialEstimator<ColumnCopyingTransformer>
{
    internal ColumnCopyingEstimator(string outputColumnName, string inputColumnName) : base(new ColumnCopyingTransformer(outputColumnName, inputColumnName)) { }
}
