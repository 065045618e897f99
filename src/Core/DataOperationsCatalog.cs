using CnnMl.Data;
using CnnMl.DataView;

namespace CnnMl;

/// <summary>Loading, converting, splitting, shuffling and caching data (as ML.NET's DataOperationsCatalog).</summary>
public sealed partial class DataOperationsCatalog
{
    private readonly MLContext context;

    internal DataOperationsCatalog(MLContext context) => this.context = context;

    /// <summary>A train/test pair.</summary>
    public readonly struct TrainTestData
    {
        internal TrainTestData(IDataView trainSet, IDataView testSet)
        {
            TrainSet = trainSet;
            TestSet = testSet;
        }

        public IDataView TrainSet { get; }
        public IDataView TestSet { get; }
    }

    /// <summary>
    /// A data view over objects: public fields and properties become columns, honouring
    /// [ColumnName], [VectorType], [KeyType] and [NoColumn]. Rows are read lazily.
    /// </summary>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data) where TRow : class => new EnumerableDataView<TRow>(data);

    /// <summary>The rows of a data view as objects; with <paramref name="reuseRowObject"/> one object is refilled for every row.</summary>
    public IEnumerable<TRow> CreateEnumerable<TRow>(IDataView data, bool reuseRowObject, bool ignoreMissingColumns = false) where TRow : class, new()
    {
        ArgumentNullException.ThrowIfNull(data);
        var members = RowMember.Of(typeof(TRow)).Where(m => m.CanWrite).ToList();
        var columns = new List<(RowMember Member, DataViewSchema.Column Column)>();
        foreach (var m in members)
        {
            if (data.Schema.GetColumnOrNull(m.ColumnName) is not { } column)
            {
                if (ignoreMissingColumns) continue;
                throw new ArgumentOutOfRangeException(nameof(data), $"column '{m.ColumnName}' (for {typeof(TRow).Name}.{m.Member.Name}) does not exist; the columns are: {string.Join(", ", data.Schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}");
            }
            columns.Add((m, column));
        }
        return Enumerate();

        IEnumerable<TRow> Enumerate()
        {
            using var cursor = data.GetRowCursor(columns.Select(c => c.Column));
            var writers = columns.Select(c => RowValueConverter.MakeWriter(c.Member, cursor, c.Column)).ToArray();
            TRow? row = null;
            while (cursor.MoveNext())
            {
                if (row is null || !reuseRowObject) row = new TRow();
                foreach (var write in writers) write(row);
                yield return row;
            }
        }
    }

    /// <summary>
    /// Splits rows at random into train and test sets. Rows with equal values in
    /// <paramref name="samplingKeyColumnName"/> go to the same side. The split is a pure function of
    /// the row (id or key) and the seed, so both views agree and are lazy.
    /// </summary>
    public TrainTestData TrainTestSplit(IDataView data, double testFraction = 0.1, string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be between 0 and 1 (exclusive)");
        var splitSeed = seed ?? context.Seed ?? context.NextSeed();
        var keyColumns = samplingKeyColumnName is null ? Array.Empty<string>() : new[] { samplingKeyColumnName };
        Func<DataViewRow, Func<bool>> Side(bool test) => row =>
        {
            var fraction = SplitFraction(row, samplingKeyColumnName, splitSeed);
            return () => fraction() < testFraction == test;
        };
        return new TrainTestData(new RowFilterDataView(data, keyColumns, Side(false)), new RowFilterDataView(data, keyColumns, Side(true)));
    }

    internal static Func<double> SplitFraction(DataViewRow row, string? keyColumn, int seed)
    {
        Func<ulong> hash;
        if (keyColumn is null)
        {
            var id = row.GetIdGetter();
            hash = () =>
            {
                DataViewRowId value = default;
                id(ref value);
                return Mix(value.Low ^ (value.High * 0x9E3779B97F4A7C15UL), seed);
            };
        }
        else
        {
            var column = row.Schema[keyColumn];
            var text = RowText.Reader(row, column);
            hash = () => Mix(Fnv1a(text().Span), seed);
        }
        return () => (hash() >> 11) * (1.0 / (1UL << 53));
    }

    private static ulong Fnv1a(ReadOnlySpan<char> text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text) h = (h ^ c) * 1099511628211UL;
        return h;
    }

    private static ulong Mix(ulong value, int seed)
    {
        var z = value + 0x9E3779B97F4A7C15UL * (ulong)(uint)(seed + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Rows in a seeded random order (a source that cannot shuffle is cached first).</summary>
    public IDataView ShuffleRows(IDataView input, int? seed = null, int shufflePoolSize = 1000, bool shuffleSource = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (shufflePoolSize < 1) throw new ArgumentOutOfRangeException(nameof(shufflePoolSize), shufflePoolSize, "shufflePoolSize must be positive");
        return new ShuffledDataView(input, seed ?? context.Seed ?? context.NextSeed());
    }

    /// <summary>The first <paramref name="count"/> rows.</summary>
    public IDataView TakeRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new RowFilterDataView(input, Array.Empty<string>(), null, 0, count);
    }

    /// <summary>All rows but the first <paramref name="count"/>.</summary>
    public IDataView SkipRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new RowFilterDataView(input, Array.Empty<string>(), null, count);
    }

    /// <summary>Rows whose numeric (or key) value in <paramref name="columnName"/> is in [lowerBound, upperBound).</summary>
    public IDataView FilterRowsByColumn(IDataView input, string columnName, double lowerBound = double.NegativeInfinity, double upperBound = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(lowerBound < upperBound)) throw new ArgumentOutOfRangeException(nameof(upperBound), $"upperBound ({upperBound}) must be greater than lowerBound ({lowerBound})");
        var column = input.Schema[columnName];
        if (column.Type is not (NumberDataViewType or KeyDataViewType))
            throw new ArgumentOutOfRangeException(nameof(columnName), $"column '{columnName}' has type {column.Type}; FilterRowsByColumn needs a numeric or key column");
        return new RowFilterDataView(input, new[] { columnName }, row =>
        {
            var read = RowNumbers.Reader(row, row.Schema[columnName]);
            return () =>
            {
                var v = read();
                return v >= lowerBound && v < upperBound;
            };
        });
    }

    /// <summary>Keeps rows in memory after the first pass (or at once, for the named columns' data).</summary>
    public IDataView Cache(IDataView input, params string[] columnsToPrefetch)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new CachedDataView(input, columnsToPrefetch ?? Array.Empty<string>());
    }
}
