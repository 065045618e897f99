using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>
/// A lazy view of a delimited text file: a cursor reads one line per MoveNext and parses a field
/// only when its getter is called. Parse errors name the file, line and column.
/// </summary>
internal sealed class TextFileDataView : IDataView
{
    private readonly string path;
    private readonly DataViewSchema schema;
    private readonly TextColumnBinding[] bindings;
    private readonly TextLoader.Options options;
    private readonly Delegate[] parsers;

    public TextFileDataView(string path, DataViewSchema schema, TextColumnBinding[] bindings, TextLoader.Options options)
    {
        this.path = path;
        this.schema = schema;
        this.bindings = bindings;
        this.options = options;
        parsers = bindings.Select(b => TextValueParsers.For(b.ItemType, options.MissingRealsAsNaNs)).ToArray();
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema => schema;
    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly TextFileDataView parent;
        private readonly HashSet<int> active;
        private readonly StreamReader reader;
        private readonly TextLineSplitter splitter;
        private readonly List<ReadOnlyMemory<char>> fields = new();
        private long position = -1;
        private long lineNumber;
        private bool headerSkipped;

        public Cursor(TextFileDataView parent, HashSet<int> active)
        {
            this.parent = parent;
            this.active = active;
            reader = new StreamReader(new FileStream(parent.path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), detectEncodingFromByteOrderMarks: true);
            splitter = new TextLineSplitter(parent.options.Separators, parent.options.AllowQuoting, parent.options.TrimWhitespace);
        }

        public override long Position => position;
        public override long Batch => 0;
        public override DataViewSchema Schema => parent.schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = new DataViewRowId((ulong)position, 0);

        public override bool MoveNext()
        {
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (parent.options.HasHeader && !headerSkipped)
                {
                    headerSkipped = true;
                    continue;
                }
                if (string.IsNullOrWhiteSpace(line) || line.StartsWith("//", StringComparison.Ordinal)) continue;
                if (splitter.Split(line, fields) is { } error) throw new InvalidDataException($"{parent.path}: line {lineNumber}: {error}");
                position++;
                return true;
            }
            return false;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"column '{column.Name}' was not requested when the cursor was created");
            if (typeof(TValue) != column.Type.RawType)
                throw new InvalidOperationException($"column '{column.Name}' holds {column.Type} values ({column.Type.RawType.Name}), not {typeof(TValue).Name}");
            var binding = parent.bindings[column.Index];
            var parser = parent.parsers[column.Index];
            if (binding.Type is VectorDataViewType)
            {
                var method = typeof(Cursor).GetMethod(nameof(VectorGetter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                    .MakeGenericMethod(binding.ItemType.RawType);
                return (ValueGetter<TValue>)method.Invoke(this, new object[] { binding, parser })!;
            }
            return ScalarGetter(binding, (TextValueParser<TValue>)parser);
        }

        private ValueGetter<T> ScalarGetter<T>(TextColumnBinding binding, TextValueParser<T> parse)
        {
            var source = binding.Sources[0];
            return (ref T value) =>
            {
                var text = Field(binding, source);
                if (!parse(text, out value)) throw BadValue(binding, source, text);
            };
        }

        private ValueGetter<VBuffer<T>> VectorGetter<T>(TextColumnBinding binding, TextValueParser<T> parse)
        {
            var sources = binding.Sources;
            return (ref VBuffer<T> value) =>
            {
                var storage = value.Reuse(sources.Length);
                for (int i = 0; i < sources.Length; i++)
                {
                    var text = Field(binding, sources[i]);
                    if (!parse(text, out storage[i])) throw BadValue(binding, sources[i], text);
                }
                value = new VBuffer<T>(sources.Length, storage);
            };
        }

        private ReadOnlyMemory<char> Field(TextColumnBinding binding, int source)
        {
            if (position < 0) throw new InvalidOperationException("the cursor is not on a row; call MoveNext first");
            if (source >= fields.Count)
                throw new InvalidDataException($"{parent.path}: line {lineNumber}, column '{binding.Name}': the line has {fields.Count} fields but the column reads field {source} (zero-based)");
            return fields[source];
        }

        private InvalidDataException BadValue(TextColumnBinding binding, int source, ReadOnlyMemory<char> text)
        {
            var expected = binding.ItemType is KeyDataViewType key ? $"a zero-based key below {key.Count}" : $"a valid {binding.ItemType}";
            var shown = text.Length > 64 ? text[..64] + "..." : text.ToString();
            return new InvalidDataException($"{parent.path}: line {lineNumber}, column '{binding.Name}' (field {source}): '{shown}' is not {expected}");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) reader.Dispose();
        }
    }
}
