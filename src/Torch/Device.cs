using System.Globalization;

namespace CnnMl.Torch;

/// <summary>Kinds of device (c10::DeviceType values).</summary>
public enum DeviceType
{
    CPU = 0,
    CUDA = 1,
}

public static partial class torch
{
    /// <summary>A device a tensor lives on: a type and an index (-1 for the current one).</summary>
    public sealed record Device(DeviceType type, int index = -1)
    {
        /// <summary>Parses "cpu", "cuda" or "cuda:N".</summary>
        public Device(string description) : this(Parse(description).type, Parse(description).index) { }

        private static (DeviceType type, int index) Parse(string description)
        {
            ArgumentNullException.ThrowIfNull(description);
            var parts = description.Trim().ToLowerInvariant().Split(':');
            var type = parts[0] switch
            {
                "cpu" => DeviceType.CPU,
                "cuda" => DeviceType.CUDA,
                _ => throw new ArgumentException($"unknown device '{description}': expected cpu, cuda or cuda:N", nameof(description)),
            };
            if (parts.Length == 1) return (type, -1);
            if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                return (type, index);
            throw new ArgumentException($"unknown device '{description}': expected cpu, cuda or cuda:N", nameof(description));
        }

        public override string ToString() =>
            (type == DeviceType.CPU ? "cpu" : "cuda") + (index >= 0 ? ":" + index.ToString(CultureInfo.InvariantCulture) : "");
    }

    /// <summary>The CPU device.</summary>
    public static readonly Device CPU = new(DeviceType.CPU);

    /// <summary>The current CUDA device.</summary>
    public static readonly Device CUDA = new(DeviceType.CUDA);

    /// <summary>Creates a device from a description such as "cpu" or "cuda:1".</summary>
    public static Device device(string description) => new(description);

    /// <summary>Creates a device from a type and index.</summary>
    public static Device device(DeviceType type, int index = -1) => new(type, index);
}
