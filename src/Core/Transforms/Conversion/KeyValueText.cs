using System.Globalization;
using CnnMl.Data;

namespace CnnMl.Transforms;

/// <summary>
/// Text form of scalar values, used to store key dictionaries in model files and to format
/// numbers exactly (round-trip "R" format, invariant culture).
/// </summary>
internal static class KeyValueText
{
    public static string Format<T>(T value) => value switch
    {
        ReadOnlyMemory<char> text => text.ToString(),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "",
    };

    public static T Parse<T>(string text)
    {
        object value = typeof(T) == typeof(ReadOnlyMemory<char>) ? text.AsMemory()
            : typeof(T) == typeof(bool) ? bool.Parse(text)
            : Convert.ChangeType(text, typeof(T), CultureInfo.InvariantCulture);
        return (T)value;
    }

    /// <summary>Stable name of a scalar type for model files.</summary>
    public static string TypeName(DataViewType type) => type switch
    {
        TextDataViewType => "Text",
        BooleanDataViewType => "Bool",
        NumberDataViewType n => n.RawType.Name,
        _ => throw new NotSupportedException($"type {type} has no key-value text form"),
    };

    public static PrimitiveDataViewType TypeFromName(string name) => name switch
    {
        "Text" => TextDataViewType.Instance,
        "Bool" => BooleanDataViewType.Instance,
        _ => NumberDataViewType.All.FirstOrDefault(n => n.RawType.Name == name)
             ?? throw new InvalidDataException($"model manifest: unknown value type '{name}'"),
    };
}
