using System.Collections.Immutable;

namespace CnnMl.Data;

/// <summary>The type of a column's values, as ML.NET's DataViewType.</summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    protected DataViewType(Type rawType) => RawType = rawType ?? throw new ArgumentNullException(nameof(rawType));

    /// <summary>The .NET type a getter of this column produces.</summary>
    public Type RawType { get; }

    public abstract bool Equals(DataViewType? other);
    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);
    public override int GetHashCode() => RawType.GetHashCode();
}

/// <summary>A type whose values are single items (numbers, text, keys, booleans).</summary>
public abstract class PrimitiveDataViewType : DataViewType
{
    protected PrimitiveDataViewType(Type rawType) : base(rawType) { }
}

/// <summary>Numeric types.</summary>
public sealed class NumberDataViewType : PrimitiveDataViewType
{
    private readonly string name;

    private NumberDataViewType(Type rawType, string name) : base(rawType) => this.name = name;

    public static NumberDataViewType SByte { get; } = new(typeof(sbyte), "I1");
    public static NumberDataViewType Byte { get; } = new(typeof(byte), "U1");
    public static NumberDataViewType Int16 { get; } = new(typeof(short), "I2");
    public static NumberDataViewType UInt16 { get; } = new(typeof(ushort), "U2");
    public static NumberDataViewType Int32 { get; } = new(typeof(int), "I4");
    public static NumberDataViewType UInt32 { get; } = new(typeof(uint), "U4");
    public static NumberDataViewType Int64 { get; } = new(typeof(long), "I8");
    public static NumberDataViewType UInt64 { get; } = new(typeof(ulong), "U8");
    public static NumberDataViewType Single { get; } = new(typeof(float), "R4");
    public static NumberDataViewType Double { get; } = new(typeof(double), "R8");

    internal static IReadOnlyList<NumberDataViewType> All { get; } = new[] { SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double };

    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);
    public override int GetHashCode() => RawType.GetHashCode();
    public override string ToString() => name;
}

/// <summary>Boolean values.</summary>
public sealed class BooleanDataViewType : PrimitiveDataViewType
{
    private BooleanDataViewType() : base(typeof(bool)) { }

    public static BooleanDataViewType Instance { get; } = new();

    public override bool Equals(DataViewType? other) => other is BooleanDataViewType;
    public override int GetHashCode() => RawType.GetHashCode();
    public override string ToString() => "Bool";
}

/// <summary>Text values, read as <see cref="ReadOnlyMemory{T}"/> of char.</summary>
public sealed class TextDataViewType : PrimitiveDataViewType
{
    private TextDataViewType() : base(typeof(ReadOnlyMemory<char>)) { }

    public static TextDataViewType Instance { get; } = new();

    public override bool Equals(DataViewType? other) => other is TextDataViewType;
    public override int GetHashCode() => RawType.GetHashCode();
    public override string ToString() => "String";
}

/// <summary>
/// Key (categorical) values: 1-based unsigned integers below <see cref="Count"/> + 1; 0 means missing.
/// The KeyValues annotation of the column names the categories.
/// </summary>
public sealed class KeyDataViewType : PrimitiveDataViewType
{
    public KeyDataViewType(Type type, ulong count) : base(type)
    {
        if (type != typeof(uint) && type != typeof(ulong) && type != typeof(ushort) && type != typeof(byte))
            throw new ArgumentException($"key types are stored as byte, ushort, uint or ulong, not {type.Name}", nameof(type));
        if (count == 0) throw new ArgumentOutOfRangeException(nameof(count), "a key type needs at least one value");
        Count = count;
    }

    public KeyDataViewType(Type type, int count) : this(type, (ulong)(count > 0 ? count : throw new ArgumentOutOfRangeException(nameof(count), count, "a key type needs at least one value"))) { }

    /// <summary>Number of distinct key values.</summary>
    public ulong Count { get; }

    public override bool Equals(DataViewType? other) => other is KeyDataViewType k && k.RawType == RawType && k.Count == Count;
    public override int GetHashCode() => HashCode.Combine(RawType, Count);
    public override string ToString() => $"Key<{RawType.Name}, 0-{Count - 1}>";
}

/// <summary>
/// Fixed-size vectors of a primitive type, with optional dimensions (ExtractPixels gives [C, H, W]).
/// Values are <see cref="VBuffer{T}"/>; CnnMl supports dense vectors only.
/// </summary>
public sealed class VectorDataViewType : DataViewType
{
    public VectorDataViewType(PrimitiveDataViewType itemType, params int[] dimensions) : base(VBufferType(itemType))
    {
        ItemType = itemType;
        dimensions ??= Array.Empty<int>();
        foreach (var d in dimensions)
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(dimensions), $"vector dimensions must be non-negative, got [{string.Join(", ", dimensions)}]");
        Dimensions = dimensions.Length == 0 ? ImmutableArray.Create(0) : ImmutableArray.Create(dimensions);
        long size = 1;
        foreach (var d in Dimensions) size *= d;
        Size = checked((int)size);
    }

    public VectorDataViewType(PrimitiveDataViewType itemType, int size) : this(itemType, new[] { size }) { }

    public VectorDataViewType(PrimitiveDataViewType itemType) : this(itemType, 0) { }

    private static Type VBufferType(PrimitiveDataViewType itemType) =>
        typeof(VBuffer<>).MakeGenericType((itemType ?? throw new ArgumentNullException(nameof(itemType))).RawType);

    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The dimensions (a single 0 when the size is not known).</summary>
    public ImmutableArray<int> Dimensions { get; }

    /// <summary>Number of items (0 when not known).</summary>
    public int Size { get; }

    public bool IsKnownSize => Size > 0;

    public override bool Equals(DataViewType? other) =>
        other is VectorDataViewType v && v.ItemType.Equals(ItemType) && v.Dimensions.SequenceEqual(Dimensions);

    public override int GetHashCode() => HashCode.Combine(ItemType, Size);
    public override string ToString() => $"Vector<{ItemType}, {string.Join(", ", Dimensions)}>";
}
