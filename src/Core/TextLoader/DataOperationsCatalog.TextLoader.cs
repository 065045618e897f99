using CnnMl.Data;
using CnnMl.DataView;

namespace CnnMl;

public sealed partial class DataOperationsCatalog
{
    /// <summary>
    /// A lazy view of a delimited text file with the given columns (as ML.NET). The file is read as
    /// cursors move; a value that does not parse is an <see cref="InvalidDataException"/> naming the
    /// file, line and column. See <see cref="TextLoader"/> for the text conventions.
    /// </summary>
    public IDataView LoadFromTextFile(string path, TextLoader.Column[] columns, char separatorChar = '\t', bool hasHeader = false,
        bool allowQuoting = false, bool trimWhitespace = false, bool allowSparse = false) =>
        CreateTextLoader(new TextLoader.Options
        {
            Columns = columns,
            Separators = new[] { separatorChar },
            HasHeader = hasHeader,
            AllowQuoting = allowQuoting,
            TrimWhitespace = trimWhitespace,
            AllowSparse = allowSparse,
        }).Load(path);

    /// <summary>A lazy view of a delimited text file read with <paramref name="options"/>.</summary>
    public IDataView LoadFromTextFile(string path, TextLoader.Options options) => CreateTextLoader(options).Load(path);

    /// <summary>
    /// A lazy view of a delimited text file whose columns are the public members of
    /// <typeparamref name="TInput"/>: each needs [LoadColumn] (field positions; several make a
    /// vector), and [ColumnName], [VectorType] and [KeyType] are honoured (as ML.NET).
    /// </summary>
    public IDataView LoadFromTextFile<TInput>(string path, char separatorChar = '\t', bool hasHeader = false,
        bool allowQuoting = false, bool trimWhitespace = false, bool allowSparse = false) =>
        LoadFromTextFile<TInput>(path, new TextLoader.Options
        {
            Separators = new[] { separatorChar },
            HasHeader = hasHeader,
            AllowQuoting = allowQuoting,
            TrimWhitespace = trimWhitespace,
            AllowSparse = allowSparse,
        });

    /// <summary>As <see cref="LoadFromTextFile{TInput}(string, char, bool, bool, bool, bool)"/>, with options (their Columns are ignored: the type defines them).</summary>
    public IDataView LoadFromTextFile<TInput>(string path, TextLoader.Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new TextLoader(TextColumnBinding.FromType(typeof(TInput)), options).Load(path);
    }

    /// <summary>A text loader with <paramref name="options"/>, to load several files with one schema.</summary>
    public TextLoader CreateTextLoader(TextLoader.Options options) => new(options);
}
