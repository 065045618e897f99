using System.Text.Json;
using System.Text.Json.Nodes;

namespace CnnMl.Bench;

/// <summary>
/// One result line. Field names are shared with bench/python so run.sh can pair the two sides:
/// model, impl, batch, size, channels, classes, threads, params, images_per_sec, steps, seconds, peak_rss_mb.
/// </summary>
public sealed class BenchResult
{
    private readonly JsonObject fields = new();

    public BenchResult Add(string name, JsonNode? value)
    {
        fields[name] = value;
        return this;
    }

    /// <summary>
    /// Names the device (and the autocast mode) of a run off the CPU, as the Python side's "device" and
    /// "amp" fields; CPU runs without autocast keep the fields out, as before devices were an option.
    /// </summary>
    public BenchResult AddDevice(CnnMl.Torch.torch.Device device, string amp = "none") =>
        device.type == CnnMl.Torch.DeviceType.CPU && amp == "none" ? this : Add("device", device.ToString()).Add("amp", amp);

    public string ToJson() => fields.ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>Peak resident set of this process (VmHWM), in MiB.</summary>
    public static double PeakRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            var kb = long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            return Math.Round(kb / 1024.0, 1);
        }
        return double.NaN;
    }
}
