using CnnMl.Transforms;

namespace CnnMl;

/// <summary>Conversion transforms on <see cref="TransformsCatalog.ConversionTransforms"/>, as ML.NET's ConversionsExtensionsCatalog.</summary>
public static class ConversionsExtensionsCatalog
{
    /// <summary>Maps the values of a column to keys 1..N, learned from the data (or <paramref name="keyData"/>), with KeyValues annotations.</summary>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName, string? inputColumnName = null,
        int maximumNumberOfKeys = 1000000, ValueToKeyMappingEstimator.KeyOrdinality keyOrdinality = ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence,
        bool addKeyValueAnnotationsAsText = false, IDataView? keyData = null) =>
        new(outputColumnName, inputColumnName, maximumNumberOfKeys, keyOrdinality, keyData);

    /// <summary>Maps keys back to their values through the KeyValues annotation.</summary>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName, string? inputColumnName = null) =>
        new(outputColumnName, inputColumnName);
}

/// <summary>Column transforms on <see cref="TransformsCatalog"/>, as ML.NET's TransformExtensionsCatalog.</summary>
public static class TransformExtensionsCatalog
{
    /// <summary>Copies <paramref name="inputColumnName"/> to <paramref name="outputColumnName"/>.</summary>
    public static ColumnCopyingEstimator CopyColumns(this TransformsCatalog catalog, string outputColumnName, string inputColumnName) =>
        new(outputColumnName, inputColumnName);

    /// <summary>Concatenates columns of one item type into a vector.</summary>
    public static ColumnConcatenatingEstimator Concatenate(this TransformsCatalog catalog, string outputColumnName, params string[] inputColumnNames) =>
        new(outputColumnName, inputColumnNames);

    /// <summary>Removes columns.</summary>
    public static ColumnSelectingEstimator DropColumns(this TransformsCatalog catalog, params string[] columnNames) => new(columnNames, keep: false);

    /// <summary>Keeps only the named columns.</summary>
    public static ColumnSelectingEstimator SelectColumns(this TransformsCatalog catalog, params string[] columnNames) => new(columnNames, keep: true);

    /// <summary>Keeps only the named columns (hidden columns are never kept in CnnMl).</summary>
    public static ColumnSelectingEstimator SelectColumns(this TransformsCatalog catalog, string[] columnNames, bool keepHidden) => new(columnNames, keep: true);
}
