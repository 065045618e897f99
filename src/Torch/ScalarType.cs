namespace CnnMl.Torch;

public static partial class torch
{
    /// <summary>Element types, with the numeric values libtorch (c10::ScalarType) and TorchSharp use.</summary>
    public enum ScalarType : sbyte
    {
        Byte = 0,
        Int8 = 1,
        Int16 = 2,
        Int32 = 3,
        Int64 = 4,
        Float16 = 5,
        Float32 = 6,
        Float64 = 7,
        Bool = 11,
        BFloat16 = 15,
    }

    /// <summary>Memory layouts of a tensor (c10::MemoryFormat).</summary>
    public enum MemoryFormat
    {
        Contiguous = 0,
        Preserve = 1,
        ChannelsLast = 2,
        ChannelsLast3d = 3,
    }

    public const ScalarType uint8 = ScalarType.Byte;
    public const ScalarType int8 = ScalarType.Int8;
    public const ScalarType int16 = ScalarType.Int16;
    public const ScalarType int32 = ScalarType.Int32;
    public const ScalarType @int = ScalarType.Int32;
    public const ScalarType int64 = ScalarType.Int64;
    public const ScalarType @long = ScalarType.Int64;
    public const ScalarType float16 = ScalarType.Float16;
    public const ScalarType half = ScalarType.Float16;
    public const ScalarType float32 = ScalarType.Float32;
    public const ScalarType @float = ScalarType.Float32;
    public const ScalarType float64 = ScalarType.Float64;
    public const ScalarType @double = ScalarType.Float64;
    public const ScalarType @bool = ScalarType.Bool;
    public const ScalarType bfloat16 = ScalarType.BFloat16;

    /// <summary>The channels-last (NHWC in memory) layout, as <c>torch.channels_last</c>.</summary>
    public const MemoryFormat channels_last = MemoryFormat.ChannelsLast;
    /// <summary>The default row-major layout, as <c>torch.contiguous_format</c>.</summary>
    public const MemoryFormat contiguous_format = MemoryFormat.Contiguous;

    /// <summary>The default dtype of floating-point tensor creation (float32, as in PyTorch).</summary>
    public static ScalarType default_dtype { get; set; } = ScalarType.Float32;

    /// <summary>Size in bytes of one element of the given type.</summary>
    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported dtype"),
    };

    /// <summary>True for floating-point element types.</summary>
    public static bool is_floating_point(ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;

    internal static ScalarType DTypeOf<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(long)) return ScalarType.Int64;
        if (typeof(T) == typeof(int)) return ScalarType.Int32;
        if (typeof(T) == typeof(short)) return ScalarType.Int16;
        if (typeof(T) == typeof(byte)) return ScalarType.Byte;
        if (typeof(T) == typeof(sbyte)) return ScalarType.Int8;
        if (typeof(T) == typeof(bool)) return ScalarType.Bool;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        if (typeof(T) == typeof(BFloat16)) return ScalarType.BFloat16;
        throw new NotSupportedException($"no tensor dtype corresponds to .NET type {typeof(T).Name}");
    }
}

/// <summary>A 16-bit brain floating-point value (the upper half of a float32), as stored by bfloat16 tensors.</summary>
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    /// <summary>The raw 16 bits.</summary>
    public ushort RawValue { get; }

    private BFloat16(ushort raw) => RawValue = raw;

    /// <summary>Rounds a float to the nearest bfloat16 (ties to even), as libtorch does.</summary>
    public static explicit operator BFloat16(float value)
    {
        if (float.IsNaN(value)) return new BFloat16(0x7FC0);
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return new BFloat16((ushort)((bits + rounding) >> 16));
    }

    /// <summary>Widens to float exactly.</summary>
    public static implicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value.RawValue << 16);

    public bool Equals(BFloat16 other) => RawValue == other.RawValue;
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);
    public override int GetHashCode() => RawValue;
    public override string ToString() => ((float)this).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
