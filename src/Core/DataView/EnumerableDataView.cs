using System.Reflection;
using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>
/// A data view over a user's objects (LoadFromEnumerable). Rows are read from the enumeration as
/// cursors move; a list or array can also be visited in a shuffled order.
/// </summary>
internal sealed class EnumerableDataView<TRow> : IDataView where TRow : class
{
    private readonly IEnumerable<TRow> rows;
    private readonly IReadOnlyList<RowMember> members;

    public EnumerableDataView(IEnumerable<TRow> rows)
    {
        this.rows = rows ?? throw new ArgumentNullException(nameof(rows));
        members = RowMember.Of(typeof(TRow));
        var builder = new DataViewSchema.Builder();
        foreach (var m in members)
        {
            if (!m.CanRead) throw new ArgumentException($"{typeof(TRow).Name}.{m.Member.Name} cannot be read (no public getter)");
            builder.AddColumn(m.ColumnName, m.ColumnType);
        }
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => rows is IReadOnlyList<TRow>;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => rows is IReadOnlyCollection<TRow> c ? c.Count : null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = columnsNeeded.Select(c => c.Index).ToHashSet();
        IEnumerator<(long Id, TRow Row)> source;
        if (rand is not null && rows is IReadOnlyList<TRow> list)
        {
            var order = Enumerable.Range(0, list.Count).ToArray();
            rand.Shuffle(order);
            source = order.Select(i => ((long)i, list[i])).GetEnumerator();
        }
        else
        {
            source = rows.Select((r, i) => ((long)i, r)).GetEnumerator();
        }
        return new Cursor(this, source, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor(EnumerableDataView<TRow> parent, IEnumerator<(long Id, TRow Row)> source, HashSet<int> active) : DataViewRowCursor
    {
        private long position = -1;
        private TRow? current;
        private long id;

        public override long Position => position;
        public override long Batch => 0;
        public override DataViewSchema Schema => parent.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (!source.MoveNext()) return false;
            (id, current) = source.Current;
            if (current is null) throw new InvalidDataException($"row {id} of the enumeration is null");
            position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = new DataViewRowId((ulong)id, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"column '{column.Name}' was not requested when the cursor was created");
            var member = parent.members[column.Index];
            if (typeof(TValue) != column.Type.RawType)
                throw new InvalidOperationException($"column '{column.Name}' holds {column.Type} values ({column.Type.RawType.Name}), not {typeof(TValue).Name}");
            return (ValueGetter<TValue>)RowValueConverter.MakeReader(member, () => current ?? throw new InvalidOperationException("the cursor is not on a row; call MoveNext first"), () => id);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) source.Dispose();
        }
    }
}

/// <summary>Conversions between row members and column raw values, in both directions.</summary>
internal static class RowValueConverter
{
    /// <summary>A getter reading <paramref name="member"/> of the current row object as the column's raw type.</summary>
    public static Delegate MakeReader(RowMember member, Func<object> row, Func<long> rowId)
    {
        var raw = member.ColumnType.RawType;
        if (member.ColumnType is VectorDataViewType vector)
        {
            var method = typeof(RowValueConverter).GetMethod(nameof(VectorReader), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(vector.ItemType.RawType);
            return (Delegate)method.Invoke(null, new object[] { member, row, rowId })!;
        }
        if (member.MemberType == typeof(string))
            return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = ((string?)member.GetValue(row()) ?? "").AsMemory());
        var scalar = typeof(RowValueConverter).GetMethod(nameof(ScalarReader), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(raw);
        return (Delegate)scalar.Invoke(null, new object[] { member, row })!;
    }

    private static ValueGetter<T> ScalarReader<T>(RowMember member, Func<object> row) => (ref T value) => value = (T)member.GetValue(row())!;

    private static ValueGetter<VBuffer<T>> VectorReader<T>(RowMember member, Func<object> row, Func<long> rowId)
    {
        var size = ((VectorDataViewType)member.ColumnType).Size;
        return (ref VBuffer<T> value) =>
        {
            ReadOnlySpan<T> items = member.GetValue(row()) switch
            {
                T[] array => array,
                VBuffer<T> buffer => buffer.GetValues(),
                null => throw new InvalidDataException($"column '{member.ColumnName}' is null in row {rowId()}"),
                var other => throw new InvalidDataException($"column '{member.ColumnName}' holds {other.GetType().Name}"),
            };
            if (size > 0 && items.Length != size)
                throw new InvalidDataException($"column '{member.ColumnName}' in row {rowId()} has {items.Length} values but its vector type declares {size}");
            var storage = value.Reuse(items.Length);
            items.CopyTo(storage);
            value = new VBuffer<T>(items.Length, storage);
        };
    }

    /// <summary>An action copying the column's current value into <paramref name="member"/> of a row object.</summary>
    public static Action<object> MakeWriter(RowMember member, DataViewRow source, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        var method = typeof(RowValueConverter).GetMethod(nameof(Writer), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(raw);
        return (Action<object>)method.Invoke(null, new object[] { member, source, column })!;
    }

    private static Action<object> Writer<TRaw>(RowMember member, DataViewRow source, DataViewSchema.Column column)
    {
        var getter = source.GetGetter<TRaw>(column);
        var target = member.MemberType;
        return row =>
        {
            TRaw value = default!;
            getter(ref value);
            member.SetValue(row, Convert(value, target, member.ColumnName));
        };
    }

    private static object? Convert<TRaw>(TRaw value, Type target, string column)
    {
        switch (value)
        {
            case ReadOnlyMemory<char> text when target == typeof(string): return text.ToString();
            case ReadOnlyMemory<char> text when target == typeof(ReadOnlyMemory<char>): return text;
            default:
                if (typeof(TRaw).IsGenericType && typeof(TRaw).GetGenericTypeDefinition() == typeof(VBuffer<>))
                {
                    var item = typeof(TRaw).GetGenericArguments()[0];
                    if (target == typeof(TRaw)) return value;
                    if (target.IsArray && target.GetElementType() == item)
                        return typeof(RowValueConverter).GetMethod(nameof(ToArray), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(item).Invoke(null, new object?[] { value });
                }
                if (target.IsAssignableFrom(typeof(TRaw))) return value;
                throw new InvalidOperationException($"column '{column}' of type {typeof(TRaw).Name} cannot be written to a member of type {target.Name}");
        }
    }

    private static T[] ToArray<T>(VBuffer<T> buffer) => buffer.GetValues().ToArray();
}
