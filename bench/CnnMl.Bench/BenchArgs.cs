using System.Globalization;

namespace CnnMl.Bench;

/// <summary>A <c>--name value</c> option of a workload.</summary>
public sealed record BenchOption(string Name, string Default, string Help);

/// <summary>Parsed <c>--name value</c> options, checked against the workload's declared options.</summary>
public sealed class BenchArgs
{
    private readonly Dictionary<string, string> values;

    private BenchArgs(Dictionary<string, string> values) => this.values = values;

    public static BenchArgs Parse(ReadOnlySpan<string> args, IReadOnlyList<BenchOption> options)
    {
        var values = options.ToDictionary(o => o.Name, o => o.Default);
        for (int i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"expected --option, got '{arg}'");
            var name = arg[2..];
            string value;
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Length)
            {
                value = args[++i];
            }
            else
            {
                throw new ArgumentException($"option --{name} needs a value");
            }
            if (!values.ContainsKey(name))
                throw new ArgumentException($"unknown option --{name}; known: {string.Join(", ", options.Select(o => "--" + o.Name))}");
            values[name] = value;
        }
        return new BenchArgs(values);
    }

    public string String(string name) => values[name];

    /// <summary>The <c>--device</c> option: cpu or cuda[:N], a CUDA device only where libtorch sees one.</summary>
    public CnnMl.Torch.torch.Device Device()
    {
        var device = CnnMl.Torch.torch.device(values["device"]);
        if (device.type == CnnMl.Torch.DeviceType.CUDA && !CnnMl.Torch.torch.cuda.is_available())
            throw new ArgumentException($"--device {device}: libtorch {CnnMl.Torch.torch.__version__} sees no CUDA device");
        return device;
    }

    /// <summary>A number option: at least 0, or above 0 when <paramref name="positive"/>.</summary>
    public double Double(string name, bool positive = false)
    {
        if (!double.TryParse(values[name], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0 || (positive && v == 0))
            throw new ArgumentException($"--{name} must be a {(positive ? "positive" : "non-negative")} number, got '{values[name]}'");
        return v;
    }

    public int Int(string name, int min = 1)
    {
        if (!int.TryParse(values[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min)
            throw new ArgumentException($"--{name} must be an integer >= {min}, got '{values[name]}'");
        return v;
    }
}
