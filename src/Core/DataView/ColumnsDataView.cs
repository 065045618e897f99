using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>
/// A column a transform computes from the columns of its input row. <see cref="MakeGetter"/> is
/// called once per cursor with the input row and returns a <see cref="ValueGetter{TValue}"/> of
/// <see cref="Type"/>'s raw type; the value is computed only when that getter is called.
/// </summary>
internal sealed record ComputedColumn(
    string Name,
    DataViewType Type,
    DataViewSchema.Annotations? Annotations,
    IReadOnlyList<string> InputColumns,
    Func<DataViewRow, Delegate> MakeGetter);

/// <summary>
/// A lazy view that appends computed columns to its source (a computed column shadows a source
/// column of the same name) and can hide source columns. Nothing is computed until a cursor's
/// getter is called.
/// </summary>
internal sealed class ColumnsDataView : IDataView
{
    private readonly IDataView source;
    private readonly IReadOnlyList<ComputedColumn> computed;
    private readonly int sourceCount;

    public ColumnsDataView(IDataView source, IReadOnlyList<ComputedColumn> computed)
    {
        this.source = source;
        this.computed = computed;
        sourceCount = source.Schema.Count;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(source.Schema);
        foreach (var c in computed) builder.AddColumn(c.Name, c.Type, c.Annotations);
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => source.CanShuffle;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = new bool[Schema.Count];
        foreach (var c in columnsNeeded) active[c.Index] = true;
        var sourceNeeded = new HashSet<int>();
        for (int i = 0; i < sourceCount; i++)
            if (active[i]) sourceNeeded.Add(i);
        for (int i = 0; i < computed.Count; i++)
        {
            if (!active[sourceCount + i]) continue;
            foreach (var name in computed[i].InputColumns) sourceNeeded.Add(source.Schema[name].Index);
        }
        var input = source.GetRowCursor(sourceNeeded.Select(i => source.Schema[i]), rand);
        return new Cursor(this, input, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : ForwardingCursor
    {
        private readonly ColumnsDataView parent;
        private readonly bool[] active;
        private readonly Delegate?[] getters;

        public Cursor(ColumnsDataView parent, DataViewRowCursor input, bool[] active) : base(input, parent.Schema)
        {
            this.parent = parent;
            this.active = active;
            getters = new Delegate?[parent.computed.Count];
            for (int i = 0; i < getters.Length; i++)
                if (active[parent.sourceCount + i]) getters[i] = parent.computed[i].MakeGetter(input);
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < parent.sourceCount) return Input.GetGetter<TValue>(Input.Schema[column.Index]);
            var getter = getters[column.Index - parent.sourceCount]
                ?? throw new InvalidOperationException($"column '{column.Name}' was not requested when the cursor was created");
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"column '{column.Name}' holds {column.Type} values ({column.Type.RawType.Name}), not {typeof(TValue).Name}");
        }
    }
}

/// <summary>A cursor that moves with an input cursor and shares its positions and ids.</summary>
internal abstract class ForwardingCursor : DataViewRowCursor
{
    protected ForwardingCursor(DataViewRowCursor input, DataViewSchema schema)
    {
        Input = input;
        Schema = schema;
    }

    protected DataViewRowCursor Input { get; }
    public override DataViewSchema Schema { get; }
    public override long Position => Input.Position;
    public override long Batch => Input.Batch;
    public override bool MoveNext() => Input.MoveNext();
    public override ValueGetter<DataViewRowId> GetIdGetter() => Input.GetIdGetter();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Input.Dispose();
    }
}
