using System.Reflection;
using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>
/// How a public field or property of a user's row class maps to a column: its name, column type
/// and conversions between the member's .NET type and the column's raw type.
/// </summary>
internal sealed class RowMember
{
    private RowMember(MemberInfo member, Type memberType, string columnName, DataViewType columnType, int[]? vectorDims)
    {
        Member = member;
        MemberType = memberType;
        ColumnName = columnName;
        ColumnType = columnType;
        VectorDims = vectorDims;
    }

    public MemberInfo Member { get; }
    public Type MemberType { get; }
    public string ColumnName { get; }
    public DataViewType ColumnType { get; }
    public int[]? VectorDims { get; }

    public bool CanRead => Member is FieldInfo || (Member is PropertyInfo p && p.GetMethod is { IsPublic: true });
    public bool CanWrite => Member is FieldInfo { IsInitOnly: false } || (Member is PropertyInfo p && p.SetMethod is { IsPublic: true });

    public object? GetValue(object row) => Member is FieldInfo f ? f.GetValue(row) : ((PropertyInfo)Member).GetValue(row);

    public void SetValue(object row, object? value)
    {
        if (Member is FieldInfo f) f.SetValue(row, value);
        else ((PropertyInfo)Member).SetValue(row, value);
    }

    /// <summary>Extra member types other parts of the core map (e.g. MLImage), checked before the built-in ones.</summary>
    internal static readonly List<Func<Type, DataViewType?>> ExtraTypes = new() { Transforms.Image.ImageDataViewType.OfMember };

    /// <summary>The mapped members of <paramref name="rowType"/>, in declaration order.</summary>
    public static IReadOnlyList<RowMember> Of(Type rowType)
    {
        var members = new List<RowMember>();
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public;
        foreach (var member in rowType.GetMembers(flags).Where(m => m is FieldInfo or PropertyInfo).OrderBy(m => m.MetadataToken))
        {
            if (member.GetCustomAttribute<NoColumnAttribute>() is not null) continue;
            if (member is PropertyInfo indexer && indexer.GetIndexParameters().Length > 0) continue;
            var memberType = member is FieldInfo f ? f.FieldType : ((PropertyInfo)member).PropertyType;
            var name = member.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? member.Name;
            var (columnType, dims) = ColumnTypeOf(rowType, member, memberType);
            members.Add(new RowMember(member, memberType, name, columnType, dims));
        }
        if (members.Count == 0) throw new ArgumentException($"type {rowType.Name} has no public fields or properties to map to columns");
        return members;
    }

    private static (DataViewType, int[]?) ColumnTypeOf(Type rowType, MemberInfo member, Type type)
    {
        foreach (var extra in ExtraTypes)
            if (extra(type) is { } mapped) return (mapped, null);
        var key = member.GetCustomAttribute<KeyTypeAttribute>();
        if (key is not null)
        {
            if (type != typeof(uint) && type != typeof(ulong) && type != typeof(ushort) && type != typeof(byte))
                throw new ArgumentException($"{rowType.Name}.{member.Name} has [KeyType] but is {type.Name}; key members are uint (or byte, ushort, ulong)");
            return (new KeyDataViewType(type, key.Count), null);
        }
        var vector = member.GetCustomAttribute<VectorTypeAttribute>();
        var itemType = type.IsArray ? type.GetElementType() : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(VBuffer<>) ? type.GetGenericArguments()[0] : null;
        if (itemType is not null)
        {
            var item = PrimitiveOf(itemType) ?? throw new ArgumentException($"{rowType.Name}.{member.Name}: vectors of {itemType.Name} are not supported");
            var dims = vector?.Dims is { Length: > 0 } d ? d : null;
            return (dims is null ? new VectorDataViewType(item) : new VectorDataViewType(item, dims), dims);
        }
        if (vector is not null) throw new ArgumentException($"{rowType.Name}.{member.Name} has [VectorType] but is {type.Name}, not an array");
        return (PrimitiveOf(type) ?? throw new ArgumentException($"{rowType.Name}.{member.Name} has type {type.Name}, which CnnMl cannot map to a column"), null);
    }

    internal static PrimitiveDataViewType? PrimitiveOf(Type type)
    {
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>)) return TextDataViewType.Instance;
        if (type == typeof(bool)) return BooleanDataViewType.Instance;
        return NumberDataViewType.All.FirstOrDefault(n => n.RawType == type);
    }
}
