using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>
/// A view that passes on the rows of its source for which a per-cursor predicate holds, and stops
/// after <c>take</c> rows. The predicate is built once per cursor from the input cursor.
/// </summary>
internal sealed class RowFilterDataView : IDataView
{
    private readonly IDataView source;
    private readonly IReadOnlyList<string> predicateColumns;
    private readonly Func<DataViewRow, Func<bool>>? makePredicate;
    private readonly long skip;
    private readonly long take;

    /// <summary>A view of the rows for which the predicate holds (null: every row), after skipping and up to a count.</summary>
    public RowFilterDataView(IDataView source, IReadOnlyList<string> predicateColumns, Func<DataViewRow, Func<bool>>? makePredicate, long skip = 0, long take = long.MaxValue)
    {
        this.source = source;
        this.predicateColumns = predicateColumns;
        this.makePredicate = makePredicate;
        this.skip = skip;
        this.take = take;
        foreach (var name in predicateColumns) _ = source.Schema[name];
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema => source.Schema;

    /// <summary>Known without a pass only when no predicate filters rows (skip and take alone).</summary>
    public long? GetRowCount() =>
        makePredicate is null && source.GetRowCount() is { } n ? Math.Max(0, Math.Min(n - skip, take)) : null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).Concat(predicateColumns.Select(n => source.Schema[n].Index)).Distinct();
        var input = source.GetRowCursor(needed.Select(i => source.Schema[i]));
        return new Cursor(this, input, makePredicate?.Invoke(input) ?? (() => true));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor(RowFilterDataView parent, DataViewRowCursor input, Func<bool> predicate) : DataViewRowCursor
    {
        private long position = -1;
        private long skipped;

        public override long Position => position;
        public override long Batch => 0;
        public override DataViewSchema Schema => parent.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => input.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => input.GetGetter<TValue>(column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool MoveNext()
        {
            if (position + 1 >= parent.take) return false;
            while (input.MoveNext())
            {
                if (!predicate()) continue;
                if (skipped < parent.skip)
                {
                    skipped++;
                    continue;
                }
                position++;
                return true;
            }
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
        }
    }
}
