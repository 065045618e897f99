using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>A view that keeps only some visible columns of its source, in a given order.</summary>
internal sealed class SelectedColumnsDataView : IDataView
{
    private readonly IDataView source;
    private readonly int[] sourceIndex;

    public SelectedColumnsDataView(IDataView source, IReadOnlyList<string> keep)
    {
        this.source = source;
        sourceIndex = keep.Select(name => source.Schema[name].Index).ToArray();
        var builder = new DataViewSchema.Builder();
        foreach (var i in sourceIndex)
        {
            var c = source.Schema[i];
            builder.AddColumn(c.Name, c.Type, c.Annotations);
        }
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => source.CanShuffle;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var input = source.GetRowCursor(needed.Select(i => source.Schema[sourceIndex[i]]), rand);
        return new Cursor(this, input, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor(SelectedColumnsDataView parent, DataViewRowCursor input, HashSet<int> active) : ForwardingCursor(input, parent.Schema)
    {
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            Input.GetGetter<TValue>(Input.Schema[parent.sourceIndex[column.Index]]);
    }
}
