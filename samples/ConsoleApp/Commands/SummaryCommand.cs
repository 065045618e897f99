using System.CommandLine;
using System.Globalization;
using CnnMl.ConsoleApp.Output;
using CnnMl.Models;

namespace CnnMl.ConsoleApp.Commands;

/// <summary><c>cnnml summary</c>: the per-layer table of a zoo network (output shapes, parameters, MACs).</summary>
internal static class SummaryCommand
{
    public static Command Create(Terminal terminal)
    {
        var name = new Argument<string>("model") { Description = "Zoo name (see 'cnnml models')" };
        var input = new Option<string?>("--input", "-i") { Description = "Input shape CxHxW, e.g. 3x224x224 (default: the model's)" };
        var classes = new Option<int?>("--classes") { Description = "Output classes (default: 10 for small-input models, else 1000)" };
        var command = new Command("summary", "Print the per-layer table of a zoo network") { name, input, classes };
        command.SetAction(result =>
        {
            var info = CommonOptions.Model(result.GetValue(name)!);
            var (c, h, w) = result.GetValue(input) is { } text ? ParseShape(text) : (info.DefaultInChannels, info.DefaultInputSize, info.DefaultInputSize);
            var classCount = result.GetValue(classes) ?? ModelsCommand.DesignClasses(info);
            if (classCount < 1) throw new UsageException($"--classes must be at least 1, got {classCount}");
            if (info.ExactInputSize && (h != info.DefaultInputSize || w != info.DefaultInputSize))
                throw new UsageException($"{info.Name} takes exactly {info.DefaultInputSize}x{info.DefaultInputSize} input, got {h}x{w}");
            if (h < info.MinimumInputSize || w < info.MinimumInputSize)
                throw new UsageException($"{info.Name} needs at least {info.MinimumInputSize}x{info.MinimumInputSize} input, got {h}x{w}");
            using var model = ModelZoo.Create(info.Name, classCount, c);
            var summary = ModelSummary.Summary(model, c, h, w);
            terminal.Heading($"{info.Name} ({info.Family}), input {c}x{h}x{w}, {classCount} classes");
            foreach (var line in summary.ToString().TrimEnd().Split('\n')) terminal.Line(line.TrimEnd('\r'));
            return 0;
        });
        return command;
    }

    /// <summary>Parses "CxHxW" (or "HxW" for 3 channels); the error shows the expected form.</summary>
    internal static (int C, int H, int W) ParseShape(string text)
    {
        var parts = text.Split('x', 'X', ',');
        var values = parts.Select(p => int.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : -1).ToArray();
        if (values.Any(v => v < 0) || values.Length is not (2 or 3))
            throw new UsageException($"--input '{text}' is not a shape; use CxHxW such as 3x224x224");
        return values.Length == 3 ? (values[0], values[1], values[2]) : (3, values[0], values[1]);
    }
}
