using CnnMl.Data;

namespace CnnMl;

/// <summary>Fills <paramref name="value"/> with the current row's value of a column.</summary>
public delegate void ValueGetter<TValue>(ref TValue value);

/// <summary>
/// A lazily evaluated table, as ML.NET's IDataView: rows are produced only when a cursor asks for
/// them, so a transform over 100,000 images never decodes them all at once.
/// </summary>
public interface IDataView
{
    /// <summary>Whether cursors can visit rows in a random order.</summary>
    bool CanShuffle { get; }

    DataViewSchema Schema { get; }

    /// <summary>The number of rows when known without a pass over the data, else null.</summary>
    long? GetRowCount();

    /// <summary>A cursor over the rows that computes only the columns needed.</summary>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null);

    /// <summary>Cursors that together visit every row once (CnnMl returns one cursor).</summary>
    DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null);
}

/// <summary>One row of a data view.</summary>
public abstract class DataViewRow : IDisposable
{
    /// <summary>Position of the row in its cursor's sequence (-1 before the first MoveNext).</summary>
    public abstract long Position { get; }

    /// <summary>Which cursor of a set produced the row (always 0 in CnnMl).</summary>
    public abstract long Batch { get; }

    public abstract DataViewSchema Schema { get; }

    /// <summary>Whether the column was requested from the cursor.</summary>
    public abstract bool IsColumnActive(DataViewSchema.Column column);

    /// <summary>A getter of the column's value; <typeparamref name="TValue"/> must be the column type's raw type.</summary>
    public abstract ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column);

    /// <summary>A getter of the row's id.</summary>
    public abstract ValueGetter<DataViewRowId> GetIdGetter();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}

/// <summary>A row that moves forward through a data view.</summary>
public abstract class DataViewRowCursor : DataViewRow
{
    /// <summary>Advances to the next row; false at the end.</summary>
    public abstract bool MoveNext();
}
