using CnnMl.Data;
using CnnMl.DataView;

namespace CnnMl.Transforms;

/// <summary>
/// Learns the distinct values of a column and maps them to keys 1..N (0 for values not seen),
/// adding the KeyValues annotation (as ML.NET's ValueToKeyMappingEstimator).
/// </summary>
public sealed class ValueToKeyMappingEstimator : IEstimator<ValueToKeyMappingTransformer>
{
    /// <summary>How keys are numbered.</summary>
    public enum KeyOrdinality : byte
    {
        /// <summary>In the order values first occur.</summary>
        ByOccurrence = 0,

        /// <summary>In sorted order of the values.</summary>
        ByValue = 1,
    }

    private readonly string outputColumnName;
    private readonly string inputColumnName;
    private readonly int maximumNumberOfKeys;
    private readonly KeyOrdinality keyOrdinality;
    private readonly IDataView? keyData;

    internal ValueToKeyMappingEstimator(string outputColumnName, string? inputColumnName, int maximumNumberOfKeys, KeyOrdinality keyOrdinality, IDataView? keyData)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        if (maximumNumberOfKeys < 1) throw new ArgumentOutOfRangeException(nameof(maximumNumberOfKeys), maximumNumberOfKeys, "maximumNumberOfKeys must be positive");
        this.outputColumnName = outputColumnName;
        this.inputColumnName = inputColumnName ?? outputColumnName;
        this.maximumNumberOfKeys = maximumNumberOfKeys;
        this.keyOrdinality = keyOrdinality;
        this.keyData = keyData;
    }

    /// <summary>Reads the distinct values (from <c>keyData</c> when given, else from the input).</summary>
    public ValueToKeyMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ColumnChecks.Require(input.Schema, inputColumnName, "MapValueToKey", IsMappable, "a text, number or boolean scalar");
        var source = keyData ?? input;
        var column = ColumnChecks.Require(source.Schema, keyData is null ? inputColumnName : source.Schema[0].Name, "MapValueToKey", IsMappable, "a text, number or boolean scalar");
        var terms = TermCollector.Collect(source, column, maximumNumberOfKeys, keyOrdinality);
        return new ValueToKeyMappingTransformer(outputColumnName, inputColumnName, (PrimitiveDataViewType)column.Type, terms);
    }

    internal static bool IsMappable(DataViewType type) => type is TextDataViewType or NumberDataViewType or BooleanDataViewType;

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (!inputSchema.TryFindColumn(inputColumnName, out _))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"MapValueToKey: input column '{inputColumnName}' not found; the columns are: {string.Join(", ", inputSchema.Select(c => $"'{c.Name}'"))}");
        var columns = inputSchema.Where(c => c.Name != outputColumnName).ToList();
        var keyValues = new SchemaShape(new[] { new SchemaShape.Column(AnnotationKinds.KeyValues, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false) });
        columns.Add(new SchemaShape.Column(outputColumnName, SchemaShape.Column.VectorKind.Scalar, new KeyDataViewType(typeof(uint), 1), true, keyValues));
        return new SchemaShape(columns);
    }
}

/// <summary>Collects the distinct values of a scalar column in key order.</summary>
internal static class TermCollector
{
    public static IReadOnlyList<string> Collect(IDataView data, DataViewSchema.Column column, int maximum, ValueToKeyMappingEstimator.KeyOrdinality ordinality)
    {
        var method = typeof(TermCollector).GetMethod(nameof(CollectTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return (IReadOnlyList<string>)method.Invoke(null, new object[] { data, column, maximum, ordinality })!;
    }

    private static IReadOnlyList<string> CollectTyped<T>(IDataView data, DataViewSchema.Column column, int maximum, ValueToKeyMappingEstimator.KeyOrdinality ordinality)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<(T Value, string Text)>();
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        while (cursor.MoveNext() && ordered.Count < maximum)
        {
            getter(ref value);
            if (value is float f && float.IsNaN(f) || value is double d && double.IsNaN(d)) continue;
            var text = KeyValueText.Format(value);
            if (seen.Add(text)) ordered.Add((value, text));
        }
        if (ordinality == ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
        {
            ordered.Sort((a, b) => typeof(T) == typeof(ReadOnlyMemory<char>)
                ? string.CompareOrdinal(a.Text, b.Text)
                : Comparer<T>.Default.Compare(a.Value, b.Value));
        }
        return ordered.Select(o => o.Text).ToArray();
    }
}
