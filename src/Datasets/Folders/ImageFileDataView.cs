using CnnMl.Datasets.Views;

namespace CnnMl.Datasets.Folders;

/// <summary>
/// Image files with their classes as an IDataView: <c>ImagePath</c> (text, the full path) and
/// <c>Label</c> (a key whose KeyValues are the class names). Nothing is decoded here.
/// </summary>
internal sealed class ImageFileDataView : OrderedRowsDataView
{
    private readonly IReadOnlyList<ImageFile> files;

    public ImageFileDataView(IReadOnlyList<ImageFile> files, IReadOnlyList<string> classNames, int[] order) : base(SchemaOf(classNames), order) => this.files = files;

    private static DataViewSchema SchemaOf(IReadOnlyList<string> classNames)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(ImageFolder.ImagePathColumnName, TextDataViewType.Instance);
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), classNames.Count), ImageDataView.KeyValuesOf(classNames));
        return builder.ToSchema();
    }

    protected override string Description => "image folder";

    protected override Delegate MakeGetter(DataViewSchema.Column column, Func<int> row) => column.Index == 0
        ? (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = files[row()].Path.AsMemory())
        : (ValueGetter<uint>)((ref uint value) => value = (uint)files[row()].ClassIndex + 1);
}

/// <summary>One image file of a folder dataset and its 0-based class.</summary>
internal sealed record ImageFile(string Path, int ClassIndex);
