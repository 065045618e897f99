namespace CnnMl.Datasets.Views;

/// <summary>
/// Base of views over rows held in memory (datasets, caches), visited in an index order (or a
/// shuffled copy of it when a cursor gets a <see cref="Random"/>). Subclasses describe the schema
/// and make one typed getter per column from a function giving the current row index.
/// </summary>
internal abstract class OrderedRowsDataView : IDataView
{
    private readonly int[]? order;

    /// <summary>A view whose rows are visited in <paramref name="order"/>.</summary>
    protected OrderedRowsDataView(DataViewSchema schema, int[] order)
    {
        Schema = schema;
        this.order = order;
    }

    /// <summary>A view that gives its row order later, by overriding <see cref="RowOrder"/>.</summary>
    protected OrderedRowsDataView(DataViewSchema schema) => Schema = schema;

    public bool CanShuffle => true;
    public DataViewSchema Schema { get; }
    public virtual long? GetRowCount() => RowOrder().Length;

    /// <summary>The row indices a cursor visits when not shuffled.</summary>
    protected virtual int[] RowOrder() => order ?? throw new InvalidOperationException("the view has no row order");

    /// <summary>The id of a row (by default its index).</summary>
    protected virtual DataViewRowId RowId(int row) => new((ulong)row, 0);

    /// <summary>What the error names when a column of another view is asked for ("dataset", "image folder").</summary>
    protected abstract string Description { get; }

    /// <summary>A getter of <paramref name="column"/> (already checked to belong to this view and to match its raw type).</summary>
    protected abstract Delegate MakeGetter(DataViewSchema.Column column, Func<int> row);

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var rows = RowOrder();
        if (rand is not null)
        {
            rows = (int[])rows.Clone();
            rand.Shuffle(rows);
        }
        return new Cursor(this, rows, columnsNeeded.Select(c => c.Index).ToHashSet());
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor(OrderedRowsDataView parent, int[] rows, HashSet<int> active) : DataViewRowCursor
    {
        private long position = -1;

        public override long Position => position;
        public override long Batch => 0;
        public override DataViewSchema Schema => parent.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);
        public override bool MoveNext() => ++position < rows.Length;

        private int Row => position >= 0 && position < rows.Length
            ? rows[position]
            : throw new InvalidOperationException(position < 0 ? "the cursor is not on a row; call MoveNext first" : "the cursor has moved past the last row");

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = parent.RowId(Row);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < 0 || column.Index >= parent.Schema.Count || parent.Schema[column.Index].Name != column.Name)
                throw new ArgumentOutOfRangeException(nameof(column), $"column '{column.Name}' is not a column of this {parent.Description}");
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"column '{column.Name}' was not requested when the cursor was created");
            if (typeof(TValue) != column.Type.RawType)
                throw new InvalidOperationException($"column '{column.Name}' holds {column.Type} values ({column.Type.RawType.Name}), not {typeof(TValue).Name}");
            return (ValueGetter<TValue>)parent.MakeGetter(column, () => Row);
        }
    }
}
