namespace CnnMl.Datasets.Views;

/// <summary>
/// An image dataset as an IDataView: one key column per <see cref="LabelField"/> (1-based keys whose
/// KeyValues are the class names) and <c>Features</c>, a float vector [C,H,W] in 0..1 made from the
/// raw bytes for each row as it is read. Holds only the raw bytes and a row order.
/// </summary>
internal sealed class ImageDataView : OrderedRowsDataView
{
    /// <summary>The name of the pixel column.</summary>
    public const string FeaturesColumnName = "Features";

    private readonly ImageRecords records;

    public ImageDataView(ImageRecords records, int[] order) : base(SchemaOf(records), order) => this.records = records;

    private static DataViewSchema SchemaOf(ImageRecords records)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var label in records.Labels)
            builder.AddColumn(label.ColumnName, new KeyDataViewType(typeof(uint), label.ClassNames.Count), KeyValuesOf(label.ClassNames));
        builder.AddColumn(FeaturesColumnName, new VectorDataViewType(NumberDataViewType.Single, records.Channels, records.Height, records.Width));
        return builder.ToSchema();
    }

    protected override string Description => "dataset";

    /// <summary>A KeyValues annotation holding <paramref name="classNames"/>.</summary>
    internal static DataViewSchema.Annotations KeyValuesOf(IReadOnlyList<string> classNames)
    {
        var names = classNames.Select(n => n.AsMemory()).ToArray();
        var annotations = new DataViewSchema.Annotations.Builder();
        annotations.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, names.Length),
            (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> value) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref value)));
        return annotations.ToAnnotations();
    }

    protected override Delegate MakeGetter(DataViewSchema.Column column, Func<int> row)
    {
        if (column.Index < records.Labels.Count)
        {
            var field = records.Labels[column.Index];
            return (ValueGetter<uint>)((ref uint value) => value = field[row()] + 1u);
        }
        // Floats are made into a scratch buffer per row and copied into the caller's buffer,
        // reusing its storage when it is large enough (VBuffer's public CopyTo).
        var storage = new float[records.ImageSize];
        var scratch = new VBuffer<float>(storage.Length, storage);
        return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
        {
            PixelScaling.ToUnitFloats(records.Image(row()), storage);
            scratch.CopyTo(ref value);
        });
    }
}
