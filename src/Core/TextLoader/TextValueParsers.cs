using System.Globalization;
using System.Numerics;
using CnnMl.Data;

namespace CnnMl.DataView;

/// <summary>Parses one field's text as a value; false when the text is not a valid value.</summary>
internal delegate bool TextValueParser<T>(ReadOnlyMemory<char> text, out T value);

/// <summary>
/// Text-to-value conversions of the text loader. Empty fields are the default value (0, false,
/// empty text, missing key; NaN for reals when asked); "?" and "NaN" are NaN for reals; keys are
/// zero-based in the text ("0" is key 1) and must be below the key count.
/// </summary>
internal static class TextValueParsers
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A <see cref="TextValueParser{T}"/> for the raw type of <paramref name="type"/>.</summary>
    public static Delegate For(PrimitiveDataViewType type, bool missingRealsAsNaNs)
    {
        if (type is KeyDataViewType key)
        {
            var count = key.Count;
            if (key.RawType == typeof(byte)) return Key(count, v => (byte)v);
            if (key.RawType == typeof(ushort)) return Key(count, v => (ushort)v);
            if (key.RawType == typeof(uint)) return Key(count, v => (uint)v);
            return Key(count, v => v);
        }
        if (type is TextDataViewType) return (TextValueParser<ReadOnlyMemory<char>>)((ReadOnlyMemory<char> text, out ReadOnlyMemory<char> value) =>
        {
            value = text;
            return true;
        });
        if (type is BooleanDataViewType) return (TextValueParser<bool>)ParseBool;
        var raw = type.RawType;
        if (raw == typeof(float)) return (TextValueParser<float>)((ReadOnlyMemory<char> t, out float v) => Real(t, missingRealsAsNaNs, float.NaN, out v, s => (float.TryParse(s, NumberStyles.Float, Inv, out var f), f)));
        if (raw == typeof(double)) return (TextValueParser<double>)((ReadOnlyMemory<char> t, out double v) => Real(t, missingRealsAsNaNs, double.NaN, out v, s => (double.TryParse(s, NumberStyles.Float, Inv, out var d), d)));
        if (raw == typeof(sbyte)) return Integer<sbyte>();
        if (raw == typeof(byte)) return Integer<byte>();
        if (raw == typeof(short)) return Integer<short>();
        if (raw == typeof(ushort)) return Integer<ushort>();
        if (raw == typeof(int)) return Integer<int>();
        if (raw == typeof(uint)) return Integer<uint>();
        if (raw == typeof(long)) return Integer<long>();
        if (raw == typeof(ulong)) return Integer<ulong>();
        throw new NotSupportedException($"type {type} cannot be loaded from text");
    }

    private delegate (bool Ok, T Value) SpanParse<T>(ReadOnlySpan<char> text);

    private static bool Real<T>(ReadOnlyMemory<char> text, bool missingAsNaN, T nan, out T value, SpanParse<T> parse)
    {
        var span = text.Span;
        if (span.IsEmpty)
        {
            value = missingAsNaN ? nan : default!;
            return true;
        }
        if (span is "?")
        {
            value = nan;
            return true;
        }
        (var ok, value) = parse(span);
        return ok;
    }

    private static TextValueParser<T> Integer<T>() where T : IBinaryInteger<T> =>
        (ReadOnlyMemory<char> text, out T value) =>
        {
            if (text.IsEmpty)
            {
                value = T.Zero;
                return true;
            }
            return T.TryParse(text.Span, NumberStyles.Integer, Inv, out value!);
        };

    private static TextValueParser<T> Key<T>(ulong count, Func<ulong, T> convert) =>
        (ReadOnlyMemory<char> text, out T value) =>
        {
            value = convert(0);
            if (text.IsEmpty) return true;
            if (!ulong.TryParse(text.Span, NumberStyles.None, Inv, out var index) || index >= count) return false;
            value = convert(index + 1);
            return true;
        };

    private static bool ParseBool(ReadOnlyMemory<char> text, out bool value)
    {
        var s = text.Span;
        value = false;
        if (s.IsEmpty) return true;
        if (s.Equals("true", StringComparison.OrdinalIgnoreCase) || s.Equals("t", StringComparison.OrdinalIgnoreCase) || s.Equals("yes", StringComparison.OrdinalIgnoreCase)
            || s.Equals("y", StringComparison.OrdinalIgnoreCase) || s is "1" or "+1")
        {
            value = true;
            return true;
        }
        return s.Equals("false", StringComparison.OrdinalIgnoreCase) || s.Equals("f", StringComparison.OrdinalIgnoreCase) || s.Equals("no", StringComparison.OrdinalIgnoreCase)
            || s.Equals("n", StringComparison.OrdinalIgnoreCase) || s is "0" or "-1";
    }
}
