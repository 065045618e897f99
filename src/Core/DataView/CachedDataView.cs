using System.Reflection;
using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>
/// Keeps the rows of its source in memory after the first full read (all visible columns, or the
/// prefetched ones at once), so later passes and shuffling cost no recomputation.
/// </summary>
internal sealed class CachedDataView : OrderedRowsDataView
{
    private readonly IDataView source;
    private readonly object gate = new();
    private ColumnBuffer?[]? columns;
    private DataViewRowId[] ids = Array.Empty<DataViewRowId>();
    private int count;

    public CachedDataView(IDataView source, params string[] columnsToPrefetch) : base(source.Schema)
    {
        this.source = source;
        foreach (var name in columnsToPrefetch) _ = source.Schema[name];
        if (columnsToPrefetch.Length > 0) Fill();
    }

    public override long? GetRowCount() => columns is null ? source.GetRowCount() : count;

    protected override string Description => "cache";

    protected override int[] RowOrder()
    {
        Fill();
        return Enumerable.Range(0, count).ToArray();
    }

    protected override DataViewRowId RowId(int row) => ids[row];

    protected override Delegate MakeGetter(DataViewSchema.Column column, Func<int> row) =>
        (columns![column.Index] ?? throw new InvalidOperationException($"column '{column.Name}' is hidden and was not cached")).Getter(row, column);

    private void Fill()
    {
        lock (gate)
        {
            if (columns is not null) return;
            var visible = source.Schema.Where(c => !c.IsHidden).ToArray();
            using var cursor = source.GetRowCursor(visible);
            var buffers = new ColumnBuffer?[source.Schema.Count];
            foreach (var c in visible) buffers[c.Index] = ColumnBuffer.Create(cursor, c);
            var idGetter = cursor.GetIdGetter();
            var idList = new List<DataViewRowId>();
            while (cursor.MoveNext())
            {
                foreach (var b in buffers) b?.Append();
                DataViewRowId id = default;
                idGetter(ref id);
                idList.Add(id);
            }
            ids = idList.ToArray();
            count = ids.Length;
            columns = buffers;
        }
    }

    /// <summary>The values of one column, copied row by row from a cursor.</summary>
    private abstract class ColumnBuffer
    {
        public abstract void Append();
        public abstract Delegate Getter(Func<int> row, DataViewSchema.Column column);

        public static ColumnBuffer Create(DataViewRow cursor, DataViewSchema.Column column)
        {
            var type = typeof(ColumnBuffer<>).MakeGenericType(column.Type.RawType);
            return (ColumnBuffer)Activator.CreateInstance(type, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, new object[] { cursor, column }, null)!;
        }
    }

    private sealed class ColumnBuffer<T>(DataViewRow cursor, DataViewSchema.Column column) : ColumnBuffer
    {
        private readonly ValueGetter<T> source = cursor.GetGetter<T>(column);
        private readonly List<T> values = new();

        public override void Append()
        {
            T value = default!;
            source(ref value);
            values.Add(value);
        }

        public override Delegate Getter(Func<int> row, DataViewSchema.Column c) => CopyingGetter(row);

        private ValueGetter<T> CopyingGetter(Func<int> row)
        {
            if (VectorCopy is { } copy) return (ref T value) => value = copy(values[row()], value);
            return (ref T value) => value = values[row()];
        }

        // Stored vectors are copied out so a consumer that reuses its buffer cannot write into the cache.
        private static readonly Func<T, T, T>? VectorCopy =
            typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(VBuffer<>)
                ? (Func<T, T, T>)typeof(ColumnBuffer<T>).GetMethod(nameof(CopyVector), BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(typeof(T).GetGenericArguments()[0]).CreateDelegate(typeof(Func<T, T, T>))
                : null;

        private static VBuffer<TItem> CopyVector<TItem>(VBuffer<TItem> stored, VBuffer<TItem> destination)
        {
            stored.CopyTo(ref destination);
            return destination;
        }
    }
}
