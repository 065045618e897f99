namespace CnnMl.Data;

/// <summary>Names the column a field or property maps to (default: the member's name).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class ColumnNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Excludes a field or property from the data view schema.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class NoColumnAttribute : Attribute;

/// <summary>Declares a fixed-size vector column (with optional multi-dimensional shape, e.g. 3, 32, 32).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class VectorTypeAttribute : Attribute
{
    public VectorTypeAttribute() => Dims = Array.Empty<int>();

    public VectorTypeAttribute(int size) => Dims = new[] { size };

    public VectorTypeAttribute(params int[] dimensions) => Dims = dimensions;

    /// <summary>The dimensions (empty for a variable-size vector).</summary>
    public int[] Dims { get; }

    /// <summary>Total number of items (0 when variable).</summary>
    public int Size => Dims.Length == 0 ? 0 : Dims.Aggregate(1, (a, b) => a * b);
}

/// <summary>Declares a key column with <see cref="Count"/> values (stored 1-based; 0 is missing).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class KeyTypeAttribute(ulong count) : Attribute
{
    public ulong Count { get; } = count;
}

/// <summary>Maps a member to source column(s) of a text file, by zero-based position.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class LoadColumnAttribute : Attribute
{
    public LoadColumnAttribute(int fieldIndex) => Sources = new[] { fieldIndex };

    public LoadColumnAttribute(int start, int end) => Sources = Enumerable.Range(start, end - start + 1).ToArray();

    public LoadColumnAttribute(int[] columnIndexes) => Sources = columnIndexes.ToArray();

    /// <summary>The source positions (several make a vector).</summary>
    public IReadOnlyList<int> Sources { get; }
}
