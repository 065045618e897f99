using CnnMl.Data;

namespace CnnMl.Datasets.Views;

/// <summary>
/// An image dataset as an IDataView: one key column per <see cref="LabelField"/> (1-based keys whose
/// KeyValues are the class names) and <c>Features</c>, a float vector [C,H,W] in 0..1 made from the
/// raw bytes for each row as it is read. Holds only the raw bytes and a row order.
/// </summary>
internal sealed class ImageDataView : IDataView
{
    /// <summary>The name of the pixel column.</summary>
    public const string FeaturesColumnName = "Features";

    private readonly ImageRecords records;
    private readonly int[] order;

    public ImageDataView(ImageRecords records, int[] order)
    {
        this.records = records;
        this.order = order;
        var builder = new DataViewSchema.Builder();
        foreach (var label in records.Labels)
            builder.AddColumn(label.ColumnName, new KeyDataViewType(typeof(uint), label.ClassNames.Count), KeyValuesOf(label.ClassNames));
        builder.AddColumn(FeaturesColumnName, new VectorDataViewType(NumberDataViewType.Single, records.Channels, records.Height, records.Width));
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => true;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => order.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var rows = order;
        if (rand is not null)
        {
            rows = (int[])order.Clone();
            rand.Shuffle(rows);
        }
        return new Cursor(this, rows, columnsNeeded.Select(c => c.Index).ToHashSet());
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    /// <summary>A KeyValues annotation holding <paramref name="classNames"/>.</summary>
    internal static DataViewSchema.Annotations KeyValuesOf(IReadOnlyList<string> classNames)
    {
        var names = classNames.Select(n => n.AsMemory()).ToArray();
        var annotations = new DataViewSchema.AnnotationsBuilder();
        annotations.Add(AnnotationKinds.KeyValues, new VectorDataViewType(TextDataViewType.Instance, names.Length),
            (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> value) => value = new VBuffer<ReadOnlyMemory<char>>(names.Length, (ReadOnlyMemory<char>[])names.Clone())));
        return annotations.ToAnnotations();
    }

    private sealed class Cursor(ImageDataView parent, int[] rows, HashSet<int> active) : DataViewRowCursor
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

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = new DataViewRowId((ulong)Row, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < 0 || column.Index >= parent.Schema.Count || parent.Schema[column.Index].Name != column.Name)
                throw new ArgumentOutOfRangeException(nameof(column), $"column '{column.Name}' is not a column of this dataset");
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"column '{column.Name}' was not requested when the cursor was created");
            if (typeof(TValue) != column.Type.RawType)
                throw new InvalidOperationException($"column '{column.Name}' holds {column.Type} values ({column.Type.RawType.Name}), not {typeof(TValue).Name}");
            var records = parent.records;
            if (column.Index < records.Labels.Count)
            {
                var field = records.Labels[column.Index];
                return (ValueGetter<TValue>)(Delegate)(ValueGetter<uint>)((ref uint value) => value = field[Row] + 1u);
            }
            return (ValueGetter<TValue>)(Delegate)FeaturesGetter(records);
        }

        private ValueGetter<VBuffer<float>> FeaturesGetter(ImageRecords records)
        {
            // Floats are made into a scratch buffer per row and copied into the caller's buffer,
            // reusing its storage when it is large enough (VBuffer's public CopyTo).
            var storage = new float[records.ImageSize];
            var scratch = new VBuffer<float>(storage.Length, storage);
            return (ref VBuffer<float> value) =>
            {
                PixelScaling.ToUnitFloats(records.Image(Row), storage);
                scratch.CopyTo(ref value);
            };
        }
    }
}
