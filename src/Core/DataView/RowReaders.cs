using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>Reads a numeric or key column of the current row as a double.</summary>
internal static class RowNumbers
{
    public static Func<double> Reader(DataViewRow row, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        if (raw == typeof(float)) return Make<float>(row, column, v => v);
        if (raw == typeof(double)) return Make<double>(row, column, v => v);
        if (raw == typeof(int)) return Make<int>(row, column, v => v);
        if (raw == typeof(uint)) return Make<uint>(row, column, v => v);
        if (raw == typeof(long)) return Make<long>(row, column, v => v);
        if (raw == typeof(ulong)) return Make<ulong>(row, column, v => v);
        if (raw == typeof(short)) return Make<short>(row, column, v => v);
        if (raw == typeof(ushort)) return Make<ushort>(row, column, v => v);
        if (raw == typeof(byte)) return Make<byte>(row, column, v => v);
        if (raw == typeof(sbyte)) return Make<sbyte>(row, column, v => v);
        throw new ArgumentOutOfRangeException(nameof(column), $"column '{column.Name}' has type {column.Type}, not a number");
    }

    private static Func<double> Make<T>(DataViewRow row, DataViewSchema.Column column, Func<T, double> convert)
    {
        var getter = row.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return convert(value);
        };
    }
}

/// <summary>Reads any scalar column of the current row as text (for hashing and messages).</summary>
internal static class RowText
{
    public static Func<ReadOnlyMemory<char>> Reader(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type is TextDataViewType)
        {
            var getter = row.GetGetter<ReadOnlyMemory<char>>(column);
            return () =>
            {
                ReadOnlyMemory<char> value = default;
                getter(ref value);
                return value;
            };
        }
        if (column.Type is BooleanDataViewType)
        {
            var getter = row.GetGetter<bool>(column);
            return () =>
            {
                bool value = false;
                getter(ref value);
                return (value ? "true" : "false").AsMemory();
            };
        }
        var number = RowNumbers.Reader(row, column);
        return () => number().ToString("R", System.Globalization.CultureInfo.InvariantCulture).AsMemory();
    }
}
