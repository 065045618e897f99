using CnnMl.DataView;

namespace CnnMl.Data;

/// <summary>
/// Loads delimited text files as lazy data views (as ML.NET's TextLoader): each column reads one
/// field, or several fields as a vector, by zero-based position. The file is read as cursors move;
/// a value that does not parse is an <see cref="InvalidDataException"/> naming the file, line and column.
/// Key columns read zero-based integers (text "0" is key 1; empty is missing). Empty numeric fields
/// read as 0 (NaN for Single/Double with <see cref="Options.MissingRealsAsNaNs"/>), and "?" as NaN.
/// Lines that are empty or start with "//" are skipped. Sparse rows are not supported.
/// </summary>
public sealed class TextLoader
{
    private readonly Options options;
    private readonly TextColumnBinding[] bindings;

    internal TextLoader(Options options) : this(Bind(options), options)
    {
    }

    internal TextLoader(TextColumnBinding[] bindings, Options options)
    {
        if (options.Separators is not { Length: > 0 }) throw new ArgumentException("TextLoader needs at least one separator", nameof(options));
        if (options.AllowSparse) throw new NotSupportedException("CnnMl's text loader reads dense rows only; allowSparse is not supported");
        if (options.AllowQuoting && options.Separators.Contains('"')) throw new ArgumentException("the quote character cannot be a separator when quoting is allowed", nameof(options));
        this.options = options;
        this.bindings = bindings;
        var builder = new DataViewSchema.Builder();
        foreach (var b in bindings) builder.AddColumn(b.Name, b.Type);
        Schema = builder.ToSchema();
    }

    private static TextColumnBinding[] Bind(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Columns is not { Length: > 0 }) throw new ArgumentException("TextLoader needs at least one column", nameof(options));
        return options.Columns.Select(TextColumnBinding.FromColumn).ToArray();
    }

    private DataViewSchema Schema { get; }

    /// <summary>The schema of the views this loader makes.</summary>
    public DataViewSchema GetOutputSchema() => Schema;

    /// <summary>A lazy view of the file at <paramref name="path"/> (it must exist; it is read as cursors move).</summary>
    public IDataView Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"text file '{path}' does not exist", path);
        return new TextFileDataView(path, Schema, bindings, options);
    }

    /// <summary>Loader settings (as ML.NET's TextLoader.Options).</summary>
    public sealed class Options
    {
        /// <summary>The columns to load.</summary>
        public Column[] Columns = Array.Empty<Column>();

        /// <summary>The characters that separate fields (default tab).</summary>
        public char[] Separators = { '\t' };

        /// <summary>Whether the first line is a header to skip.</summary>
        public bool HasHeader;

        /// <summary>Whether fields may be wrapped in double quotes (which may then hold separators; "" is a quote).</summary>
        public bool AllowQuoting;

        /// <summary>Whether whitespace around fields is removed.</summary>
        public bool TrimWhitespace;

        /// <summary>Sparse rows; not supported by CnnMl (true is an error).</summary>
        public bool AllowSparse;

        /// <summary>Whether empty Single/Double fields read as NaN rather than 0.</summary>
        public bool MissingRealsAsNaNs;
    }

    /// <summary>A column to load: its name, kind and source fields (as ML.NET's TextLoader.Column).</summary>
    public sealed class Column
    {
        /// <summary>An empty column description, to fill in.</summary>
        public Column()
        {
        }

        /// <summary>A scalar column read from field <paramref name="index"/>.</summary>
        public Column(string name, DataKind dataKind, int index) : this(name, dataKind, new[] { new Range(index) })
        {
        }

        /// <summary>A vector column read from fields <paramref name="minIndex"/> to <paramref name="maxIndex"/> (inclusive).</summary>
        public Column(string name, DataKind dataKind, int minIndex, int maxIndex) : this(name, dataKind, new[] { new Range(minIndex, maxIndex) })
        {
        }

        /// <summary>A column read from the fields of <paramref name="source"/>; with <paramref name="keyCount"/> a key column.</summary>
        public Column(string name, DataKind dataKind, Range[] source, KeyCount? keyCount = null)
        {
            Name = name;
            DataKind = dataKind;
            Source = source;
            KeyCount = keyCount;
        }

        /// <summary>The column's name.</summary>
        public string Name = "";

        /// <summary>The kind of its values.</summary>
        public DataKind DataKind;

        /// <summary>The source fields; several fields (or a range) make a vector.</summary>
        public Range[] Source = Array.Empty<Range>();

        /// <summary>When set, the column is a key with that many values.</summary>
        public KeyCount? KeyCount;
    }

    /// <summary>A range of zero-based field positions (as ML.NET's TextLoader.Range).</summary>
    public sealed class Range
    {
        /// <summary>An empty range, to fill in.</summary>
        public Range()
        {
        }

        /// <summary>The single field <paramref name="index"/>.</summary>
        public Range(int index) : this(index, index)
        {
        }

        /// <summary>Fields <paramref name="min"/> to <paramref name="max"/> inclusive (a null max, "to the end of the line", is not supported).</summary>
        public Range(int min, int? max)
        {
            Min = min;
            Max = max;
        }

        /// <summary>The first field.</summary>
        public int Min;

        /// <summary>The last field (inclusive).</summary>
        public int? Max;
    }
}
