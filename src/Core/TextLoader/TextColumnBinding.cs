using System.Reflection;
using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>How one loaded column is read: its name and type and the zero-based fields it comes from.</summary>
internal sealed record TextColumnBinding(string Name, DataViewType Type, int[] Sources)
{
    /// <summary>The item type: the column's type, or its vector's item type.</summary>
    public PrimitiveDataViewType ItemType => Type is VectorDataViewType v ? v.ItemType : (PrimitiveDataViewType)Type;

    /// <summary>A binding for a <see cref="TextLoader.Column"/>.</summary>
    public static TextColumnBinding FromColumn(TextLoader.Column column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (string.IsNullOrEmpty(column.Name)) throw new ArgumentException("a TextLoader column needs a name");
        var where = $"TextLoader column '{column.Name}'";
        if (column.Source is not { Length: > 0 }) throw new ArgumentException($"{where} has no source fields");
        var sources = new List<int>();
        foreach (var range in column.Source)
        {
            if (range is null) throw new ArgumentException($"{where} has a null source range");
            if (range.Max is not { } max) throw new NotSupportedException($"{where}: a range without an end (variable-length vector) is not supported");
            if (range.Min < 0 || max < range.Min) throw new ArgumentOutOfRangeException(nameof(column), $"{where}: source range {range.Min}-{max} is invalid");
            for (int i = range.Min; i <= max; i++) sources.Add(i);
        }
        PrimitiveDataViewType item;
        if (column.KeyCount is { } keyCount)
        {
            var raw = column.DataKind switch
            {
                DataKind.Byte => typeof(byte),
                DataKind.UInt16 => typeof(ushort),
                DataKind.UInt32 => typeof(uint),
                DataKind.UInt64 => typeof(ulong),
                _ => throw new ArgumentOutOfRangeException(nameof(column), $"{where}: a key column must be Byte, UInt16, UInt32 or UInt64, not {column.DataKind}"),
            };
            if (keyCount.Count is not { } count || count == 0) throw new ArgumentOutOfRangeException(nameof(column), $"{where}: a key column needs a positive KeyCount");
            item = new KeyDataViewType(raw, count);
        }
        else
        {
            item = ItemOf(column.DataKind, where);
        }
        var isVector = column.Source.Length > 1 || column.Source[0].Min != column.Source[0].Max;
        return new TextColumnBinding(column.Name, isVector ? new VectorDataViewType(item, sources.Count) : item, sources.ToArray());
    }

    /// <summary>Bindings for the members of <paramref name="rowType"/>, from their [LoadColumn], [ColumnName], [VectorType] and [KeyType].</summary>
    public static TextColumnBinding[] FromType(Type rowType)
    {
        var bindings = new List<TextColumnBinding>();
        foreach (var member in RowMember.Of(rowType))
        {
            var where = $"{rowType.Name}.{member.Member.Name}";
            var load = member.Member.GetCustomAttribute<LoadColumnAttribute>()
                ?? throw new ArgumentException($"{where} has no [LoadColumn] attribute: LoadFromTextFile needs the field position of every member (or [NoColumn])");
            var sources = load.Sources.ToArray();
            if (sources.Length == 0 || sources.Any(s => s < 0)) throw new ArgumentException($"{where}: [LoadColumn] positions must be non-negative");
            var type = member.ColumnType;
            if (type is VectorDataViewType vector)
            {
                if (vector.IsKnownSize && vector.Size != sources.Length)
                    throw new ArgumentException($"{where}: [VectorType] declares {vector.Size} values but [LoadColumn] names {sources.Length} fields");
                if (!vector.IsKnownSize) type = new VectorDataViewType(vector.ItemType, sources.Length);
            }
            else if (sources.Length != 1)
            {
                throw new ArgumentException($"{where} is {member.MemberType.Name} but [LoadColumn] names {sources.Length} fields; use an array for a vector");
            }
            var item = type is VectorDataViewType v ? v.ItemType : type;
            if (item is not (NumberDataViewType or BooleanDataViewType or TextDataViewType or KeyDataViewType))
                throw new ArgumentException($"{where} has type {type}, which cannot be loaded from text");
            bindings.Add(new TextColumnBinding(member.ColumnName, type, sources));
        }
        return bindings.ToArray();
    }

    private static PrimitiveDataViewType ItemOf(DataKind kind, string where) => kind switch
    {
        DataKind.SByte => NumberDataViewType.SByte,
        DataKind.Byte => NumberDataViewType.Byte,
        DataKind.Int16 => NumberDataViewType.Int16,
        DataKind.UInt16 => NumberDataViewType.UInt16,
        DataKind.Int32 => NumberDataViewType.Int32,
        DataKind.UInt32 => NumberDataViewType.UInt32,
        DataKind.Int64 => NumberDataViewType.Int64,
        DataKind.UInt64 => NumberDataViewType.UInt64,
        DataKind.Single => NumberDataViewType.Single,
        DataKind.Double => NumberDataViewType.Double,
        DataKind.String => TextDataViewType.Instance,
        DataKind.Boolean => BooleanDataViewType.Instance,
        _ => throw new NotSupportedException($"{where}: DataKind {kind} is not supported by CnnMl's text loader"),
    };
}
