using System.Reflection;

namespace CnnMl.Trainers;

/// <summary>
/// Holds the values of chosen columns for a batch of rows read ahead from a cursor, so a view that
/// computes in batches (e.g. a network scoring 64 images at once) can still serve every row's
/// pass-through columns. Values are copied out of the cursor (vectors into fresh storage).
/// </summary>
internal sealed class RowBatchBuffer
{
    private readonly Slot?[] slots;

    public RowBatchBuffer(DataViewRow cursor, IEnumerable<DataViewSchema.Column> columns, int capacity)
    {
        slots = new Slot?[cursor.Schema.Count];
        foreach (var c in columns)
        {
            var type = typeof(Slot<>).MakeGenericType(c.Type.RawType);
            slots[c.Index] = (Slot)Activator.CreateInstance(type, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, new object[] { cursor, c, capacity }, null)!;
        }
        var ids = cursor.GetIdGetter();
        idGetter = ids;
        rowIds = new DataViewRowId[capacity];
    }

    private readonly ValueGetter<DataViewRowId> idGetter;
    private readonly DataViewRowId[] rowIds;

    /// <summary>Number of rows held.</summary>
    public int Count { get; private set; }

    /// <summary>Forgets the held rows.</summary>
    public void Clear() => Count = 0;

    /// <summary>Copies the cursor's current row into the next position.</summary>
    public void Append()
    {
        foreach (var s in slots) s?.Append(Count);
        idGetter(ref rowIds[Count]);
        Count++;
    }

    /// <summary>A getter serving the held value of <paramref name="column"/> at the row <paramref name="row"/> returns.</summary>
    public ValueGetter<TValue> Getter<TValue>(DataViewSchema.Column column, Func<int> row)
    {
        var slot = slots[column.Index] ?? throw new InvalidOperationException($"column '{column.Name}' was not requested when the cursor was created");
        return slot.Getter<TValue>(row, column);
    }

    /// <summary>The id of a held row.</summary>
    public DataViewRowId Id(int row) => rowIds[row];

    private abstract class Slot
    {
        public abstract void Append(int position);
        public abstract ValueGetter<TValue> Getter<TValue>(Func<int> row, DataViewSchema.Column column);
    }

    private sealed class Slot<T>(DataViewRow cursor, DataViewSchema.Column column, int capacity) : Slot
    {
        private readonly ValueGetter<T> source = cursor.GetGetter<T>(column);
        private readonly T[] values = new T[capacity];

        public override void Append(int position)
        {
            T value = default!;
            source(ref value);
            values[position] = value;
        }

        public override ValueGetter<TValue> Getter<TValue>(Func<int> row, DataViewSchema.Column c)
        {
            if (typeof(TValue) != typeof(T)) throw new InvalidOperationException($"column '{c.Name}' holds {typeof(T).Name}, not {typeof(TValue).Name}");
            ValueGetter<T> getter = (ref T value) => value = values[row()];
            return (ValueGetter<TValue>)(Delegate)getter;
        }
    }
}
