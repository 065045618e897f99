using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>
/// Rows in a seeded random order. A source that can shuffle (an in-memory list, a cache) is read
/// in random order directly; any other source is first cached in memory (its rows as they are
/// then, so shuffle before expensive transforms such as image decoding).
/// </summary>
internal sealed class ShuffledDataView(IDataView source, int seed) : IDataView
{
    private readonly IDataView shuffleable = source.CanShuffle ? source : new CachedDataView(source);

    public bool CanShuffle => true;
    public DataViewSchema Schema => source.Schema;
    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        shuffleable.GetRowCursor(columnsNeeded, rand ?? new Random(seed));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };
}
