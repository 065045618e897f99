using CnnMl.Data;
using CnnMl.Datasets.Views;

namespace CnnMl.Datasets.Folders;

/// <summary>
/// Image files with their classes as an IDataView: <c>ImagePath</c> (text, the full path) and
/// <c>Label</c> (a key whose KeyValues are the class names). Nothing is decoded here.
/// </summary>
internal sealed class ImageFileDataView : IDataView
{
    private readonly IReadOnlyList<ImageFile> files;
    private readonly int[] order;

    public ImageFileDataView(IReadOnlyList<ImageFile> files, IReadOnlyList<string> classNames, int[] order)
    {
        this.files = files;
        this.order = order;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(ImageFolder.ImagePathColumnName, TextDataViewType.Instance);
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), classNames.Count), ImageDataView.KeyValuesOf(classNames));
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

    private sealed class Cursor(ImageFileDataView parent, int[] rows, HashSet<int> active) : DataViewRowCursor
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

        private ImageFile Current => parent.files[Row];

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = new DataViewRowId((ulong)Row, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index is < 0 or > 1 || parent.Schema[column.Index].Name != column.Name)
                throw new ArgumentOutOfRangeException(nameof(column), $"column '{column.Name}' is not a column of this image folder");
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"column '{column.Name}' was not requested when the cursor was created");
            if (typeof(TValue) != column.Type.RawType)
                throw new InvalidOperationException($"column '{column.Name}' holds {column.Type} values ({column.Type.RawType.Name}), not {typeof(TValue).Name}");
            Delegate getter = column.Index == 0
                ? (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = Current.Path.AsMemory())
                : (ValueGetter<uint>)((ref uint value) => value = (uint)Current.ClassIndex + 1);
            return (ValueGetter<TValue>)getter;
        }
    }
}

/// <summary>One image file of a folder dataset and its 0-based class.</summary>
internal sealed record ImageFile(string Path, int ClassIndex);
